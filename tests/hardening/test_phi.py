"""No PHI and no secret leaves the data: canaries are absent from every output but the raw tables.

The CLI runs once (conftest ``corpus_cli_run``) over the bad corpus with canaries planted in
good and malformed records, the canary Data Hub credentials in the environment and Prefect
logging at DEBUG. Positive controls prove each scanned place really receives output.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pytest

from tasks.parsers.delimited import normalize_header
from tests.hardening.bad_inputs import HEADERLESS_VALUES
from tests.hardening.canaries import MBI, PHI_CANARIES, SECRET_CANARIES

CANARIES = PHI_CANARIES + SECRET_CANARIES


def found_in(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [c for c in CANARIES if c.encode() in data]


def _files(root: Path, skip: tuple[Path, ...] = ()) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and not any(p.is_relative_to(s) for s in skip)]


def test_canaries_reach_the_raw_tables_and_the_reject_path(corpus_cli_run) -> None:
    run = corpus_cli_run
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw_data.beneficiary_demographics where bene_mbi_id = ?",
                           [MBI]).fetchone() == (1,)
        assert con.execute("select count(*) from raw_data.aalr1_assigned_beneficiaries where bene_mbi_id = ?",
                           [MBI]).fetchone() == (1,)
        rejected = dict(con.execute("select file_path, rows_rejected from mssp_meta.file_loads "
                                    "where file_path in (select unnest(?::varchar[]))", [run.canaries.files]
                                    ).fetchall())
        statuses = [r[0] for r in con.execute("select status from mssp_meta.file_loads where file_path = ?",
                                              run.canaries.rejected_files).fetchall()]
    assert rejected == {run.canaries.files[0]: 0, run.canaries.files[1]: 1, run.canaries.files[2]: 2}
    assert statuses == ["rejected"]


def test_no_canary_in_stdout_or_stderr(corpus_cli_run) -> None:
    result = corpus_cli_run.result
    assert "DEBUG" in result.stderr, "the run did not log at DEBUG"
    assert run_names_files(result.stdout + result.stderr, corpus_cli_run)
    assert found_in(result.stdout) == []
    assert found_in(result.stderr) == []


def run_names_files(text: str, run) -> bool:
    return all(path.rsplit("/", 1)[-1] in text for path in run.canaries.files + run.canaries.rejected_files)


def test_no_canary_in_prefect_logs_artifacts_or_database(corpus_cli_run) -> None:
    home = corpus_cli_run.server.home
    db = home / "prefect.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        logs = [r[0] for r in con.execute("select message from log")]
        (lowest_level,) = con.execute("select min(level) from log").fetchone()
        artifacts = [str(r) for r in con.execute("select key, description, data from artifact")]
        params = [str(r[0]) for r in con.execute("select parameters from flow_run")]
    assert len(logs) > 20 and lowest_level is not None
    assert run_names_files("\n".join(logs), corpus_cli_run), "file names should reach the Prefect logs"
    assert any("-run-summary" in a for a in artifacts)  # mssp-<aco>-run-summary
    assert [m for m in logs if found_in(m)] == []
    assert [a[:200] for a in artifacts if found_in(a)] == []
    assert [p[:200] for p in params if found_in(p)] == []
    for path in _files(home):  # every byte the server kept, the write-ahead log included
        assert found_in(path.read_bytes()) == [], path


def test_no_canary_in_ledger_messages_or_reject_reasons(corpus_cli_run) -> None:
    with duckdb.connect(str(corpus_cli_run.warehouse), read_only=True) as con:
        messages = [r[0] for r in con.execute(
            "select message from mssp_meta.file_loads where message is not null").fetchall()]
        reasons = con.execute("select file_path, file_row_number, reason from mssp_meta.rejected_records").fetchall()
    assert any("records rejected" in m for m in messages)
    assert [m for m in messages if found_in(m)] == []
    assert [r for r in reasons if found_in(r[2])] == []
    canary_reasons = [r for p, _, r in reasons if p in corpus_cli_run.canaries.files]
    assert len(canary_reasons) == 3 and all("line" in r for r in canary_reasons), canary_reasons


def test_no_canary_in_reports_or_scratch_files(corpus_cli_run) -> None:
    run = corpus_cli_run
    skip = (run.store, run.warehouse, Path(str(run.warehouse) + ".wal"))
    scanned = _files(run.cwd, skip)
    assert any(p.suffix == ".html" for p in scanned), "the run report should be scanned"
    assert [p for p in scanned if found_in(p.read_bytes())] == []


def phi_in_column_names(warehouse: Path) -> tuple[list[str], list[str]]:
    """(all column names of the warehouse catalog, those that hold a canary or a headerless value).

    Column names are normalized (lower case, ``c_`` before a digit), so the canaries are too.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = [r[0] for r in con.execute("select column_name from information_schema.columns").fetchall()]
    values = CANARIES + HEADERLESS_VALUES
    needles = {v.lower() for v in values} | {normalize_header(v) for v in values}
    needles |= {n.removeprefix("c_") for n in needles}
    return columns, [c for c in columns if any(n and n in c.lower() for n in needles)]


def test_no_canary_in_warehouse_column_names(corpus_cli_run) -> None:
    """A headerless CSV once turned its MBI, name and birth date into column names (issue 14)."""
    columns, leaked = phi_in_column_names(corpus_cli_run.warehouse)
    assert "bene_mbi_id" in columns and "file_row_number" in columns  # the catalog was read
    assert leaked == []


# --- a run with the download stage and the dbt builds ---------------------------------------------


@pytest.fixture(scope="module")
def full_cli_run(prefect_api, tmp_path_factory: pytest.TempPathFactory):
    """Canaries served by the fake Data Hub, downloaded, loaded and built by dbt, logging at DEBUG."""
    from demo.fake_datahub import install_fake_cli
    from demo.synthetic.alr import write_alr_files
    from demo.synthetic.cclf import write_cclf_deliveries
    from demo.synthetic.population import make_population
    from demo.synthetic.reports import write_bnex
    from tests.hardening.bad_inputs import ACO, YEAR
    from tests.hardening.canaries import API_KEY, SECRET, write_canaries
    from tests.hardening.conftest import run_cli

    cwd = tmp_path_factory.mktemp("phi-full")
    hub = cwd / "hub"
    pop = make_population(ACO, n=12, seed=5, performance_years=(YEAR,))
    write_cclf_deliveries(pop, hub, [(YEAR, 1)], runout=False)
    write_alr_files(pop, hub, quarters=(1,), annual=False, initial=False)
    write_bnex(pop, hub)
    for empty in [p for p in hub.rglob("*") if p.is_file() and p.stat().st_size == 0]:
        empty.unlink()  # a 0-byte file never counts as downloaded
    canaries = write_canaries(hub)
    cli = install_fake_cli(hub, cwd / "bin", {"FAKE_DATAHUB_API_KEY": API_KEY, "FAKE_DATAHUB_API_SECRET": SECRET})
    store, warehouse = cwd / "store", cwd / "out" / "mssp.duckdb"
    result = run_cli(["--aco-id", ACO, "--file-store", str(store), "--output-location", str(warehouse), "-v"],
                     cwd, prefect_api, {
                         "PREFECT_LOGGING_LEVEL": "DEBUG", "MSSP_TEMP_LOCATION": str(cwd / "tmp"),
                         "MSSP_DATAHUB_CLI": cli, "MSSP_DATAHUB_API_KEY": API_KEY, "MSSP_DATAHUB_API_SECRET": SECRET,
                         "MSSP_START_YEAR": str(YEAR)})
    return cwd, hub, store, warehouse, canaries, result


def test_a_run_with_download_and_dbt_leaks_no_canary(full_cli_run, prefect_api) -> None:
    cwd, hub, store, warehouse, canaries, result = full_cli_run
    output = result.stdout + result.stderr
    assert "Run summary" in result.stdout, output[-3000:]
    assert "DEBUG" in result.stderr and run_names_files(output, full_cli_run_view(canaries))
    with duckdb.connect(str(warehouse), read_only=True) as con:  # the canaries were downloaded, loaded, built
        assert con.execute("select count(*) from raw_data.beneficiary_demographics where bene_mbi_id = ?",
                           [MBI]).fetchone() == (1,)
        builds = con.execute("select project from mssp_meta.dbt_builds order by build_seq").fetchall()
    assert [p for (p,) in builds][:2] == ["alr", "cclf"], builds
    assert found_in(output) == []
    columns, leaked = phi_in_column_names(warehouse)
    assert any(c == "person_id" for c in columns) and leaked == []  # dbt's relations are in the catalog
    # skipped: the served and downloaded data, the warehouse, and bin/ (the fake client's script holds the
    # credentials it expects: the test's input, not the run's output)
    scanned = _files(cwd, (hub, store, warehouse, Path(str(warehouse) + ".wal"), cwd / "bin"))
    kinds = {p.suffix for p in scanned}
    assert ".html" in kinds and ".json" in kinds, kinds  # the report and dbt's run_results were scanned
    assert [p for p in scanned if found_in(p.read_bytes())] == []
    for path in _files(prefect_api.home):  # every run's logs, artifacts and parameters, this one's included
        assert found_in(path.read_bytes()) == [], path


def full_cli_run_view(canaries):
    """What ``run_names_files`` reads: an object with ``canaries``."""
    from types import SimpleNamespace

    return SimpleNamespace(canaries=canaries)
