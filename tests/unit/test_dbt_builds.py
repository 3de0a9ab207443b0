"""The dbt stage's typed summary and project order (no dbt build: builds run in the integration tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_a_stage_with_nothing_owed_never_imports_dbt(tmp_path: Path) -> None:
    """Importing dbt costs ~1 s: a no-change run must not pay it (a fresh interpreter tells)."""
    import subprocess
    import sys

    warehouse = tmp_path / "w.duckdb"
    code = (
        "import sys\n"
        "from tasks.dbt.build_state import record_build\n"
        "from tasks.dbt.builds import dbt_projects, run_dbt_builds\n"
        "from tasks.settings import load_settings\n"
        f"s = load_settings(output_location={str(warehouse)!r}, temp_location={str(tmp_path)!r})\n"
        "for p in dbt_projects(s): record_build(s.output_location, 'earlier', p, True, [])\n"
        "assert run_dbt_builds(s, 'now').skipped == list(dbt_projects(s))\n"
        "print(sorted(m for m in sys.modules if m == 'dbt' or m.startswith(('dbt.', 'prefect_dbt'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


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


def test_offline_install_copies_the_package_set_and_the_local_packages(tmp_path: Path) -> None:
    from tasks.dbt.builds import PROJECT_ROOT
    from tasks.dbt.runner import install_offline

    vendored = tmp_path / "vendored"
    for name in ("tuva", "dbt_utils"):
        (vendored / name / "macros").mkdir(parents=True)
        (vendored / name / "dbt_project.yml").write_text(f"name: {name}\n")
    (vendored / "README.md").write_text("not a package\n")
    install = tmp_path / "work" / "dbt_packages"
    install_offline(PROJECT_ROOT / "dbt" / "tuva", vendored, install)
    assert sorted(p.name for p in install.iterdir()) == ["dbt_utils", "mssp_common", "tuva"]
    assert (install / "mssp_common" / "macros" / "schema_name.sql").is_file()  # dbt/tuva's local package
    assert not (PROJECT_ROOT / "dbt" / "tuva" / "dbt_packages").exists()  # never into the code tree


def test_offline_tuva_copies_packages_and_keeps_seeds_empty(tmp_path: Path) -> None:
    from tasks.dbt.builds import TUVA_OFFLINE_VARS, _build_options

    assert _build_options(load_settings(run_tuva=True), "tuva") == {}  # real use: dbt deps from the hub
    offline = load_settings(run_tuva=True, tuva_packages_dir=str(tmp_path))
    assert _build_options(offline, "tuva") == {"packages_from": tmp_path.resolve(), "dbt_vars": TUVA_OFFLINE_VARS}
    assert _build_options(offline, "cclf") == {}
    assert TUVA_OFFLINE_VARS["tuva_seeds_offline"] is True


def test_the_tuva_selection_reaches_dbts_args_for_tuva_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``MSSP_TUVA_SELECT`` becomes ``--select`` of dbt/tuva's build; alr, cclf and mssp build whole."""
    from types import SimpleNamespace

    from tasks.dbt import runner

    calls: list[tuple[str, list[str]]] = []

    def fake_invoke(args: list[str], project_dir: Path, *_: object, **__: object) -> SimpleNamespace:
        calls.append((project_dir.name, list(args)))
        return SimpleNamespace(success=True, exception=None, result=SimpleNamespace(results=[]))

    monkeypatch.setattr(runner, "_invoke", fake_invoke)
    settings = load_settings(output_location=str(tmp_path / "w.duckdb"), temp_location=str(tmp_path / "tmp"),
                             run_tuva=True, tuva_select="+the_tuva_project.core  tag:x")
    assert run_dbt_builds(settings, "run", force=True).success
    builds = {project: args for project, args in calls if args[0] == "build"}
    assert set(builds) == {*DBT_PROJECTS, "tuva"}
    assert builds["tuva"][builds["tuva"].index("--select") + 1:] == [
        "+the_tuva_project.core", "tag:x", "--indirect-selection", "cautious"]
    assert not [p for p, args in builds.items() if p != "tuva" and {"--select", "--indirect-selection"} & set(args)]
