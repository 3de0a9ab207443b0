"""Preflight: a new user's setup mistakes stop the run with one line naming the setting or flag.

The CLI cases run ``python -m flows.full_run`` as a user does, with no Prefect server reachable:
bad setup must exit 2 before any server would start.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.preflight import check_settings, first_problem
from tests.conftest import PROJECT_ROOT

ALLOWED_TYPES = "allowed: DUCKDB, PARQUET, MOTHERDUCK, SNOWFLAKE, BIGQUERY, DATABRICKS, REDSHIFT, FABRIC"


def cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_"))}
    run_env.update({"PYTHONPATH": str(PROJECT_ROOT), "PREFECT_HOME": str(cwd / ".prefect"),
                    # nothing listens here: a run that got past preflight would fail differently
                    "PREFECT_API_URL": "http://127.0.0.1:9/api", **env})
    return subprocess.run([sys.executable, "-m", "flows.full_run", *args], cwd=cwd, env=run_env,
                          capture_output=True, text=True, timeout=120)


def problem(overrides: dict[str, object], **kwargs: object) -> str | None:
    _, checks = check_settings(overrides, environ={}, **kwargs)  # type: ignore[arg-type]
    return first_problem(checks)


def real(tmp_path: Path, **extra: object) -> dict[str, object]:
    """A complete local setup for --skip-download: ACO id, an existing store, output and temp beside it."""
    store = tmp_path / "store"
    store.mkdir(exist_ok=True)
    return {"aco_id": "A1234", "file_store": str(store), "output_location": str(tmp_path / "out" / "mssp.duckdb"),
            "temp_location": str(tmp_path / "tmp"), **extra}


def test_a_complete_setup_passes(tmp_path: Path) -> None:
    assert problem(real(tmp_path), downloading=False) is None


def test_a_real_run_needs_an_aco_id(tmp_path: Path) -> None:
    line = problem({**real(tmp_path), "aco_id": None}, downloading=False)
    assert line is not None and line.startswith("MSSP_ACO_ID: required")


def test_a_missing_store_is_a_problem_unless_the_download_creates_it(tmp_path: Path) -> None:
    settings = {**real(tmp_path), "file_store": str(tmp_path / "nowhere")}
    line = problem(settings, downloading=False)
    assert line is not None and line.startswith("MSSP_FILE_STORE:") and "does not exist" in line
    _, checks = check_settings(settings, environ={}, downloading=True)
    assert [c for c in checks if c.setting == "MSSP_FILE_STORE"][0].ok


@pytest.mark.parametrize("where", ["store/mssp.duckdb", "store/sub/mssp.duckdb"])
def test_output_inside_the_store_is_a_configuration_error(tmp_path: Path, where: str) -> None:
    line = problem(real(tmp_path, output_location=str(tmp_path / where)), downloading=False)
    assert line is not None and line.startswith("MSSP_OUTPUT_LOCATION:") and "inside the file store" in line


def test_unwritable_output_and_temp_folders_are_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: let os.access answer as it would for a user
        real_access = os.access
        monkeypatch.setattr("tasks.preflight.os.access",
                            lambda p, mode: False if Path(p) == locked and mode & os.W_OK else real_access(p, mode))
    line = problem(real(tmp_path, output_location=str(locked / "a" / "mssp.duckdb")), downloading=False)
    assert line is not None and line.startswith("MSSP_OUTPUT_LOCATION:") and "not writable" in line
    line = problem(real(tmp_path, temp_location=str(locked / "tmp")), downloading=False)
    assert line is not None and line.startswith("MSSP_TEMP_LOCATION:")


def test_a_file_where_a_folder_belongs_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    line = problem(real(tmp_path, temp_location=str(tmp_path / "file")), downloading=False)
    assert line is not None and line.startswith("MSSP_TEMP_LOCATION:")
    (tmp_path / "dir.duckdb").mkdir()
    line = problem(real(tmp_path, output_location=str(tmp_path / "dir.duckdb")), downloading=False)
    assert line is not None and "is a folder" in line


def test_downloading_needs_the_client_and_credentials(tmp_path: Path) -> None:
    line = problem(real(tmp_path, datahub_cli=str(tmp_path / "acoms-cli")), downloading=True)
    assert line is not None and line.startswith("MSSP_DATAHUB_CLI:")
    assert "ACO-MS Data Hub portal" in line and "MSSP_CLI_PATH" in line
    cli_path = tmp_path / "acoms-cli"
    cli_path.write_text("#!/bin/sh\n")
    cli_path.chmod(0o755)
    line = problem(real(tmp_path, datahub_cli=str(cli_path)), downloading=True)
    assert line is not None and line.startswith("MSSP_DATAHUB_API_KEY:") and "credentials missing" in line
    assert problem(real(tmp_path, datahub_cli=str(cli_path), datahub_secret_block="mssp-datahub"),
                   downloading=True) is None
    assert problem(real(tmp_path, datahub_cli=str(cli_path), datahub_api_key="k", datahub_api_secret="s"),
                   downloading=True) is None


def test_download_mode_skip_needs_no_client(tmp_path: Path) -> None:
    assert problem(real(tmp_path, download_mode="skip"), downloading=True) is None


def test_unknown_mssp_names_are_warnings_not_errors(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MSSP_OUTPUT_LOCATON=/srv/x.duckdb\n")
    _, checks = check_settings(real(tmp_path), environ={"MSSP_FILESTORE": "x", "MSSP_CLI_PATH": "acoms-cli"},
                               downloading=False, dotenv=tmp_path / ".env")
    warnings = {c.setting: c.detail for c in checks if c.warning}
    assert set(warnings) == {"MSSP_FILESTORE", "MSSP_OUTPUT_LOCATON"}  # MSSP_CLI_PATH is a known alias
    assert "did you mean MSSP_FILE_STORE" in warnings["MSSP_FILESTORE"]
    assert first_problem(checks) is None


# --- the CLI, as a user runs it -------------------------------------------------------------------

def test_cli_without_aco_id_exits_2_fast_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    started = time.monotonic()
    result = cli(["--skip-download", "--file-store", "store"], tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: MSSP_ACO_ID: required")
    assert time.monotonic() - started < 60  # no server was started


def test_cli_missing_store_names_the_flag(tmp_path: Path) -> None:
    result = cli(["--skip-download", "--aco-id", "A1234", "--file-store", "no-such-store"], tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: --file-store: no-such-store does not exist")


def test_cli_missing_client_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = cli([], tmp_path, MSSP_ACO_ID="A1234", MSSP_DATAHUB_CLI="no-such-acoms-cli")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("configuration error: MSSP_DATAHUB_CLI:") and "ACO-MS Data Hub portal" in line


def test_cli_path_alias_is_accepted(tmp_path: Path) -> None:
    fake = tmp_path / "acoms-cli"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    result = cli(["--check"], tmp_path, MSSP_ACO_ID="A1234", MSSP_CLI_PATH=str(fake),
                 MSSP_DATAHUB_SECRET_BLOCK="mssp-datahub")
    assert result.returncode == 0, result.stdout
    assert f"ok       MSSP_DATAHUB_CLI: {fake}" in result.stdout.splitlines()
    assert "warning" not in result.stdout


def test_demo_checks_settings_like_flags(tmp_path: Path) -> None:
    by_setting = cli(["--demo"], tmp_path, MSSP_OUTPUT_TYPE="foo")
    by_flag = cli(["--demo", "--output-type", "foo"], tmp_path)
    assert (by_setting.returncode, by_flag.returncode) == (2, 2)
    assert by_setting.stderr.strip() == f"configuration error: MSSP_OUTPUT_TYPE: {ALLOWED_TYPES}"
    assert by_flag.stderr.strip() == f"configuration error: --output-type: {ALLOWED_TYPES}"


def test_check_lists_every_check_and_exits_0_or_2(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    good = cli(["--check", "--skip-download", "--aco-id", "A1234", "--file-store", "store"], tmp_path,
               MSSP_FILE_STOR="typo")
    assert good.returncode == 0, good.stdout + good.stderr
    lines = good.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["warning", "ok", "ok", "ok", "ok", "ok"]
    assert {line.split()[1].rstrip(":") for line in lines} >= {
        "MSSP_FILE_STOR", "--aco-id", "--file-store", "MSSP_OUTPUT_LOCATION", "MSSP_TEMP_LOCATION"}
    bad = cli(["--check", "--skip-download", "--file-store", "store", "--output-location", "store/x.duckdb"],
              tmp_path)
    assert bad.returncode == 2
    problems = [line for line in bad.stdout.splitlines() if line.startswith("problem")]
    assert [p.split()[1] for p in problems] == ["MSSP_ACO_ID:", "--output-location:"]
    assert not (tmp_path / "data").exists()  # a check creates nothing


def test_help_describes_every_flag_settings_and_exit_codes(tmp_path: Path) -> None:
    from flows.full_run import build_parser
    from tasks.settings import known_names

    result = cli(["--help"], tmp_path)
    assert result.returncode == 0
    text = result.stdout
    for action in build_parser()._actions:
        assert action.help, f"{action.option_strings} has no help text"
        assert action.option_strings[-1] in text
    for name in known_names():
        assert name in text, name
    assert "exit status: 0" in text and " 1 " in text and " 2 bad configuration" in text
    assert "\x1b[" not in text and "``" not in text
