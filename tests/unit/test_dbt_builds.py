"""The dbt stage's typed summary and project order (no dbt build: builds run in the integration tests)."""

from __future__ import annotations

from pathlib import Path

from tasks.dbt.build_state import record_build
from tasks.dbt.builds import DBT_PROJECTS, dbt_projects, dbt_work_root, run_dbt_builds
from tasks.settings import load_settings
from tasks.summary import DbtSummary, RunSummary


def test_tuva_is_built_last_and_only_when_asked(tmp_path: Path) -> None:
    assert dbt_projects(load_settings(output_location=str(tmp_path / "w.duckdb"))) == DBT_PROJECTS
    assert dbt_projects(load_settings(run_tuva=True)) == (*DBT_PROJECTS, "tuva")


def test_projects_up_to_date_with_the_ledger_are_skipped(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    settings = load_settings(output_type="DUCKDB", output_location=str(warehouse), temp_location=str(tmp_path),
                             run_tuva=True)
    for project in dbt_projects(settings):
        record_build(warehouse, "earlier-run", project, True, [])
    dbt = run_dbt_builds(settings, "this-run")
    assert dbt == DbtSummary(success=True, skipped=["alr", "cclf", "mssp", "tuva"])
    assert dbt_work_root(settings, "this-run") == tmp_path.resolve() / "this-run" / "dbt"
    assert not (tmp_path / "this-run").exists()  # nothing built, nothing written


def test_the_summary_names_failed_and_warned_nodes() -> None:
    summary = RunSummary()
    assert summary.ok and "dbt builds" not in summary.render_text()  # dbt did not run: no dbt section
    summary.dbt = DbtSummary(success=False, failed_nodes=["dbt/tuva: core__medical_claim"],
                             warned_nodes=["dbt/cclf: some_test"], row_counts={"core.medical_claim": 7},
                             skipped=["alr"])
    text = summary.render_text()
    assert not summary.ok
    assert summary.failure_line() == "dbt failed: dbt/tuva: core__medical_claim"
    assert "dbt builds: FAILED" in text and "DBT FAILED: dbt/tuva: core__medical_claim" in text
    assert "DBT WARNING: dbt/cclf: some_test" in text and "dbt/alr: up to date, not rebuilt" in text
    assert "core.medical_claim" in text
