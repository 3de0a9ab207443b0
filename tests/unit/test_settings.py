"""Settings: MSSP_* from the environment, then .env; a bad value names the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.errors import ConfigError
from tasks.families import FAMILIES
from tasks.settings import load_settings


def test_defaults_follow_the_contract() -> None:
    s = load_settings()
    assert (s.file_store, s.output_type, s.output_location, s.download_mode) == (
        "./data/store", "DUCKDB", "./data/mssp.duckdb", "incremental")
    assert s.families == FAMILIES and s.run_dbt and not s.full_refresh


def test_environment_then_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MSSP_ACO_ID=A1234\nMSSP_FAMILIES=cclf\n")
    assert load_settings().aco_id == "A1234"
    monkeypatch.setenv("MSSP_FAMILIES", "cclf, alr")
    assert load_settings().families == ("cclf", "alr")


@pytest.mark.parametrize(("env", "value", "setting"), [
    ("MSSP_OUTPUT_TYPE", "ORACLE", "MSSP_OUTPUT_TYPE"),
    ("MSSP_DOWNLOAD_MODE", "sometimes", "MSSP_DOWNLOAD_MODE"),
    ("MSSP_FAMILIES", "cclf,claims", "MSSP_FAMILIES"),
    ("MSSP_ACO_ID", "1234", "MSSP_ACO_ID"),
    ("MSSP_DUCKDB_MEMORY_LIMIT", "lots", "MSSP_DUCKDB_MEMORY_LIMIT"),
])
def test_bad_values_raise_config_error_naming_the_setting(monkeypatch: pytest.MonkeyPatch, env: str,
                                                         value: str, setting: str) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert err.value.setting == setting and str(err.value).startswith(setting)


def test_secrets_are_not_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MSSP_DATAHUB_API_SECRET", "s3cr3t-canary")
    s = load_settings()
    assert "s3cr3t-canary" not in repr(s) and "s3cr3t-canary" not in str(s.model_dump())


def test_cli_path_is_an_alias_of_datahub_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MSSP_CLI_PATH", "/opt/acoms/acoms-cli")
    assert load_settings().datahub_cli == "/opt/acoms/acoms-cli"
    monkeypatch.setenv("MSSP_DATAHUB_CLI", "/usr/local/bin/acoms-cli")  # the pipeline's own name wins
    assert load_settings().datahub_cli == "/usr/local/bin/acoms-cli"
    assert load_settings(datahub_cli="fake").datahub_cli == "fake"  # overrides by field name still work
    monkeypatch.delenv("MSSP_DATAHUB_CLI")
    monkeypatch.delenv("MSSP_CLI_PATH")
    monkeypatch.setenv("DATAHUB_CLI", "/not/ours")  # only MSSP_* names are read
    assert load_settings().datahub_cli == "acoms-cli"


def test_unknown_mssp_names_are_found_in_env_and_dotenv(tmp_path: Path) -> None:
    from tasks.settings import unknown_names

    (tmp_path / ".env").write_text("# comment\nexport MSSP_OUTPUT_LOCATON=x\nMSSP_ACO_ID=A1234\nOTHER=1\n")
    env = {"MSSP_FAMILY": "cclf", "MSSP_CLI_PATH": "x", "MSSP_FILE_STORE": "y", "PATH": "/bin"}
    assert unknown_names(env, tmp_path / ".env") == ["MSSP_FAMILY", "MSSP_OUTPUT_LOCATON"]
