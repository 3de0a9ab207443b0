"""tasks/dbt/runner.py: profiles, and dbt builds of a tiny throw-away project (plain and Prefect)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from tasks.dbt.runner import (
    DBT_THREADS,
    DbtBuildFailed,
    build_project,
    write_profiles,
)
from tasks.settings import load_settings

pytestmark = pytest.mark.dbt


def make_project(root: Path, *, broken: bool) -> Path:
    """A three-model project: `good`, `counted` (+ a unique test) and optionally `broken`."""
    project = root / "tiny"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: tiny\nversion: '1.0.0'\nconfig-version: 2\nprofile: mssp\n"
        "models:\n  tiny:\n    +materialized: table\n    +schema: final_schema\n",
        encoding="utf-8",
    )
    (project / "macros").mkdir()
    (project / "macros" / "schema.sql").write_text(
        "{% macro generate_schema_name(custom_schema_name, node) -%}"
        "{{ custom_schema_name or target.schema }}{%- endmacro %}",
        encoding="utf-8",
    )
    models = project / "models"
    (models / "good.sql").write_text("select 1 as id union all select 2 as id\n")
    (models / "counted.sql").write_text(
        "select id from {{ ref('good') }} union all select {{ var('extra_id', 2) }} as id\n"
    )
    (models / "schema.yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [{"name": "counted", "columns": [{"name": "id", "data_tests": ["unique"]}]}],
            }
        )
    )
    if broken:
        (models / "broken.sql").write_text("select * from a_table_that_does_not_exist\n")
    return project


def settings_for(tmp_path: Path):  # noqa: ANN201 - Settings
    return load_settings(output_location=str(tmp_path / "out.duckdb"), temp_location=str(tmp_path))


def test_write_profiles_duckdb_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(output_location="./data/x.duckdb")
    path = write_profiles(settings, tmp_path / "profiles")
    profile = yaml.safe_load(path.read_text())
    output = profile["mssp"]["outputs"][profile["mssp"]["target"]]
    assert output["type"] == "duckdb"
    assert output["path"] == str((tmp_path / "data" / "x.duckdb").resolve())
    assert Path(output["path"]).is_absolute()
    assert output["threads"] == DBT_THREADS == 2


def test_every_output_type_has_a_profile_builder() -> None:
    from tasks.dbt.profiles import PROFILE_BUILDERS
    from tasks.settings import OutputType

    assert set(PROFILE_BUILDERS) == set(OutputType.__args__)  # type: ignore[attr-defined]


def test_relative_project_dir_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="absolute"):
        build_project(Path("dbt/alr"), settings_for(tmp_path))


def test_failed_build_names_failing_nodes(tmp_path: Path) -> None:
    project = make_project(tmp_path, broken=True)
    result = build_project(project, settings_for(tmp_path), use_prefect=False)
    assert not result.success
    # `counted` holds 1, 2, 2: its unique test fails; `broken` cannot compile against the db
    assert set(result.failed_nodes) == {"broken", "unique_counted_id"}
    assert result.status_counts["success"] == 2
    assert result.row_counts == {"final_schema.counted": 3, "final_schema.good": 2}
    with pytest.raises(DbtBuildFailed, match="broken.*unique_counted_id"):
        result.raise_for_failure()
    # target/ and logs/ never land in the project
    assert sorted(p.name for p in project.iterdir()) == ["dbt_project.yml", "macros", "models"]


def test_vars_and_full_refresh_reach_dbt(tmp_path: Path) -> None:
    project = make_project(tmp_path, broken=False)
    settings = settings_for(tmp_path)
    result = build_project(project, settings, dbt_vars={"extra_id": 3}, full_refresh=True, use_prefect=False)
    assert result.success, result
    assert result.failed_nodes == ()
    assert result.status_counts == {"pass": 1, "success": 2}
    with duckdb.connect(settings.output_location) as con:
        ids = con.execute("select id from final_schema.counted order by id").fetchall()
    assert ids == [(1,), (2,), (3,)]


@pytest.mark.slow
def test_inside_a_flow_nodes_run_as_prefect_tasks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None
) -> None:
    """Inside a flow the PrefectDbtRunner path runs each node as a task; failures named."""
    from prefect import flow
    from prefect_dbt import PrefectDbtRunner

    tasked: list[str] = []
    real_call_task = PrefectDbtRunner._call_task

    def spy(self, task_state, manifest_node, context, enable_assets):  # noqa: ANN001, ANN202
        tasked.append(manifest_node.name)
        return real_call_task(self, task_state, manifest_node, context, enable_assets)

    monkeypatch.setattr(PrefectDbtRunner, "_call_task", spy)
    project = make_project(tmp_path, broken=True)
    settings = settings_for(tmp_path)

    @flow
    def run_dbt():  # noqa: ANN202
        return build_project(project, settings)

    result = run_dbt()
    assert not result.success
    assert set(result.failed_nodes) == {"broken", "unique_counted_id"}
    assert result.row_counts == {"final_schema.counted": 3, "final_schema.good": 2}
    assert {"good", "counted", "broken", "unique_counted_id"} <= set(tasked)
    assert sorted(p.name for p in project.iterdir()) == ["dbt_project.yml", "macros", "models"]
