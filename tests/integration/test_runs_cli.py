"""``python -m flows.runs``: run history from a real ledger, no Prefect server, read-only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from demo.synthetic.alr import write_alr_files
from demo.synthetic.population import make_population
from tasks.dbt.build_state import record_build
from tests.conftest import PROJECT_ROOT
from tests.loading import load_store


def runs_cli(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_"))}
    run_env.update({"PYTHONPATH": str(PROJECT_ROOT), "PREFECT_API_URL": "http://127.0.0.1:9/api", **env})
    return subprocess.run([sys.executable, "-m", "flows.runs", *args], cwd=cwd, env=run_env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs: the first loads an ALR delivery and a misnamed file, the second finds it all unchanged."""
    root = tmp_path_factory.mktemp("runs")
    store = root / "store"
    write_alr_files(make_population("A1234", n=10, seed=3, performance_years=(2025,)), store, quarters=(1,))
    (store / "A1234" / "2025" / "116").mkdir(parents=True, exist_ok=True)
    (store / "A1234" / "2025" / "116" / "not-a-cms-file.txt").write_text("hello\n")
    warehouse = root / "out" / "mssp.duckdb"
    load_store(store, warehouse, run_id="run-one-1111")
    record_build(warehouse, "run-one-1111", "alr", True, [])
    record_build(warehouse, "run-one-1111", "cclf", False, ["model.cclf.medical_claim"])
    load_store(store, warehouse, run_id="run-two-2222")
    return warehouse


def test_lists_recent_runs_with_counts_and_dbt_outcome(history: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(history), read_only=True) as con:
        (loaded, rejected, rows) = con.execute("""select count(*) filter (where status = 'loaded'),
            count(*) filter (where status = 'rejected'), sum(rows_loaded) from mssp_meta.file_loads
            where run_id = 'run-one-1111'""").fetchone()
    assert loaded > 0 and rejected == 1
    result = runs_cli([], tmp_path, MSSP_OUTPUT_LOCATION=str(history))
    assert result.returncode == 0, result.stderr
    header, newest, oldest = result.stdout.splitlines()
    assert header.split()[:2] == ["run", "id"] and "dbt" in header
    assert newest.split()[0] == "run-two-2222" and newest.endswith("not run")
    assert oldest.split()[0] == "run-one-1111"
    assert oldest.split()[3:7] == [str(loaded), "0", "1", f"{rows:,}"]
    assert oldest.endswith("alr ok, cclf failed (model.cclf.medical_claim)")


def test_one_run_lists_its_files_with_reasons(history: Path, tmp_path: Path) -> None:
    result = runs_cli(["run-one", "--output-location", str(history)], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("run run-one-1111: ")
    assert lines[1].startswith("rejected") and "not-a-cms-file.txt" in lines[1]
    reason = lines[1].split("not-a-cms-file.txt", 1)[1].strip()
    assert reason  # the ledger's message, on the same line
    assert all(line.startswith("loaded") for line in lines[2:])


def test_unknown_run_and_missing_warehouse(history: Path, tmp_path: Path) -> None:
    unknown = runs_cli(["no-such-run", "--output-location", str(history)], tmp_path)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "error: no run with id 'no-such-run'"
    missing = runs_cli([], tmp_path)  # default MSSP_OUTPUT_LOCATION ./data/mssp.duckdb does not exist
    assert missing.returncode == 2 and missing.stderr.startswith("configuration error: MSSP_OUTPUT_LOCATION")


def test_reads_while_another_process_holds_a_read_only_connection(history: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(history), read_only=True):  # e.g. the report or a notebook
        result = runs_cli(["--output-location", str(history)], tmp_path)
    assert result.returncode == 0, result.stderr
    before = history.stat().st_mtime_ns
    runs_cli(["--output-location", str(history)], tmp_path)
    assert history.stat().st_mtime_ns == before  # read-only: the file is never written


def test_runs_are_ordered_by_load_seq_when_the_clock_steps_back(history: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A run made after the clock stepped back two hours (DST fall-back, NTP) is still listed first."""
    import datetime as dt
    import shutil

    from tasks import ingest
    from tasks.backends import duckdb as backend_module

    warehouse = tmp_path / "out" / "mssp.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(history, warehouse)
    back = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    for module in (ingest, backend_module):
        monkeypatch.setattr(module, "utc_now", lambda: back)
    load_store(history.parent.parent / "store", warehouse, run_id="run-three-3333")
    result = runs_cli(["--output-location", str(warehouse)], tmp_path)
    assert result.returncode == 0, result.stderr
    listed = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [row[0] for row in listed] == ["run-three-3333", "run-two-2222", "run-one-1111"]
    started = {row[0]: f"{row[1]} {row[2]}" for row in listed}
    # the clock did step back (runs one and two may start within the same second)
    assert started["run-three-3333"] < min(started["run-one-1111"], started["run-two-2222"])


def test_a_ledger_without_load_seq_is_listed_by_time(history: Path, tmp_path: Path) -> None:
    """A warehouse last written before load_seq existed (read-only here, so not migrated)."""
    import shutil

    warehouse = tmp_path / "old.duckdb"
    shutil.copy(history, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table mssp_meta.file_loads drop column load_seq")
    result = runs_cli(["--output-location", str(warehouse)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()[1:]] == ["run-two-2222", "run-one-1111"]
