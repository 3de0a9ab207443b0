"""Build dbt/alr and dbt/cclf on another engine and compare its finals with the DuckDB reference."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tasks.dbt import runner
from tasks.dbt.runner import DbtBuildResult, build_project
from tasks.settings import load_settings
from tests.engines.compare import FINAL_SCHEMAS, Query, compare

REPO = Path(__file__).resolve().parents[2]
NO_UNIT_TESTS = "unit_test"
"""dbt unit tests are logic tests (run on DuckDB by tests/integration); their generated relation
names can pass PostgreSQL's 63-character identifier limit."""
PROJECTS = ("alr", "cclf")
MUST_HAVE_ROWS = ("alr.enrollment", "alr.alr_history", "input_layer.medical_claim", "input_layer.pharmacy_claim",
                  "input_layer.eligibility", "mssp.report_cells", "mssp.shadow_bundle_claims", "mssp.savings_estimate")
PER_LOAD_COLUMNS = ("load_id",)
"""Not compared: a fresh id per file load (the engines' loads are separate loads of the same store)."""


def final_relations(warehouse: Path) -> dict[str, list[str]]:
    """schema.table -> columns of the reference's final relations (alr.*, input_layer.*, mssp.*)."""
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            f"where table_schema in {FINAL_SCHEMAS} order by table_schema, table_name, ordinal_position"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for schema, table, column in rows:
        if column in PER_LOAD_COLUMNS:
            continue
        out.setdefault(f"{schema}.{table}", []).append(column)
    return out


def duckdb_query(warehouse: Path) -> Query:
    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(warehouse)) as con:
            return con.execute(sql).fetchall()
    return query


def build_on(output: dict[str, Any], output_type: str, tmp: Path, projects: tuple[str, ...] = PROJECTS,
             exclude_resource_types: str | None = None) -> dict[str, DbtBuildResult]:
    """``build_project`` for each project with ``output`` as the profiles.yml target."""
    results = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "profile_output", lambda settings, connection=None: output)
        if exclude_resource_types:
            mp.setenv("DBT_EXCLUDE_RESOURCE_TYPES", exclude_resource_types)
        settings = load_settings(output_type=output_type, output_location=str(tmp / "unused"))
        for project in projects:
            started = time.monotonic()
            results[project] = build_project(REPO / "dbt" / project, settings, use_prefect=False,
                                             work_dir=tmp / f"dbt-{project}")
            print(f"{output_type} dbt build {project}: {time.monotonic() - started:.1f}s "
                  f"{results[project].status_counts}")
    return results


def assert_same_finals(reference: Path, other: Query, skip: Callable[[str], bool] = lambda r: False,
                       ignore_columns: Mapping[str, Collection[str]] | None = None) -> None:
    """Every final relation equal (``ignore_columns``: relation -> columns an emulator is known to
    compute differently, each with its reason at the caller; the rest of the relation is compared)."""
    ignore = ignore_columns or {}
    relations = {r: [c for c in cols if c not in ignore.get(r, ())]
                 for r, cols in final_relations(reference).items() if not skip(r)}
    assert relations, "the reference built no final relation"
    counts: dict[str, int] = {}
    diff = compare(duckdb_query(reference), other, relations, counts)
    differing = {r: d for r, d in diff.items() if d}
    assert not differing, differing
    for relation in (r for r in MUST_HAVE_ROWS if r in relations):  # the comparison is not vacuous
        assert counts.get(relation, 0) > 0, (relation, counts)


def compile_on(output: dict[str, Any], tmp: Path, projects: tuple[str, ...] = PROJECTS) -> dict[str, Path]:
    """``dbt compile`` of each project's models against ``output`` (introspection runs on the engine;
    tests are left out: the contract test introspects the built finals);
    returns project -> its compiled folder. Fails on any compile error."""
    import yaml
    from dbt.cli.main import dbtRunner

    profiles = tmp / "profiles"
    profiles.mkdir(parents=True, exist_ok=True)
    (profiles / "profiles.yml").write_text(yaml.safe_dump(
        {runner.PROFILE_NAME: {"target": "default", "outputs": {"default": output}}}), encoding="utf-8")
    out = {}
    for project in projects:
        target = tmp / f"target-{project}"
        started = time.monotonic()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("DBT_LOG_PATH", str(tmp / "logs"))
            # packages go to this test's folder, as the runner's do: never into dbt/<project>/
            mp.setenv("DBT_PACKAGES_INSTALL_PATH", str(tmp / f"packages-{project}"))
            deps = dbtRunner().invoke(["deps", "--project-dir", str(REPO / "dbt" / project),
                                       "--profiles-dir", str(profiles), "--log-level", "warn"])
            assert deps.success, (project, deps.exception)
            res = dbtRunner().invoke([
                "compile", "--select", "resource_type:model", "--indirect-selection", "empty",
                "--project-dir", str(REPO / "dbt" / project), "--profiles-dir", str(profiles),
                "--target-path", str(target), "--log-level", "warn"])
        print(f"{output['type']} dbt compile {project}: {time.monotonic() - started:.1f}s")
        assert res.success, (project, res.exception)
        out[project] = target / "compiled" / project
    return out


def compiled_sql(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.sql")))
