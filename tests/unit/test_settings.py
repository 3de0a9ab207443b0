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
