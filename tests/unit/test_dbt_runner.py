"""tasks/dbt/runner.py: profiles, and dbt builds of a tiny throw-away project (plain and Prefect)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from tasks.dbt.profiles import EMBEDDED_DBT_THREADS
from tasks.dbt.runner import (
    OUT_OF_MEMORY,
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
    assert output["threads"] == EMBEDDED_DBT_THREADS == 1  # one memory pool: one model at a time


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


def test_out_of_memory_names_the_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that outgrows MSSP_DUCKDB_MEMORY_LIMIT fails with the one line that mends it."""
    project = make_project(tmp_path, broken=False)
    (project / "models" / "hungry.sql").write_text(
        "select i % 100000 as k, list(md5(cast(i as varchar))) as l from range(1000000) t(i) group by k")
    monkeypatch.setenv("MSSP_DUCKDB_MEMORY_LIMIT", "8MB")
    result = build_project(project, settings_for(tmp_path), use_prefect=False)
    assert "hungry" in result.failed_nodes
    assert result.message == OUT_OF_MEMORY == "DuckDB ran out of memory: raise MSSP_DUCKDB_MEMORY_LIMIT"
    with pytest.raises(DbtBuildFailed, match="hungry.*raise MSSP_DUCKDB_MEMORY_LIMIT"):
        result.raise_for_failure()


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
def test_inside_a_flow_nodes_run_as_prefect_tasks_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None
) -> None:
    """With MSSP_DBT_NODE_TASKS, inside a flow the PrefectDbtRunner path runs each node as a task; failures named."""
    from prefect import flow
    from prefect_dbt import PrefectDbtRunner

    tasked: list[str] = []
    real_call_task = PrefectDbtRunner._call_task

    def spy(self, task_state, manifest_node, context, enable_assets):  # noqa: ANN001, ANN202
        tasked.append(manifest_node.name)
        return real_call_task(self, task_state, manifest_node, context, enable_assets)

    monkeypatch.setattr(PrefectDbtRunner, "_call_task", spy)
    project = make_project(tmp_path, broken=True)
    settings = settings_for(tmp_path).model_copy(update={"dbt_node_tasks": True})

    @flow
    def run_dbt():  # noqa: ANN202
        return build_project(project, settings)

    result = run_dbt()
    assert not result.success
    assert set(result.failed_nodes) == {"broken", "unique_counted_id"}
    assert result.row_counts == {"final_schema.counted": 3, "final_schema.good": 2}
    assert {"good", "counted", "broken", "unique_counted_id"} <= set(tasked)
    assert sorted(p.name for p in project.iterdir()) == ["dbt_project.yml", "macros", "models"]


@pytest.mark.slow
def test_inside_a_flow_by_default_no_node_tasks_but_progress_logs_and_failures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None, caplog: pytest.LogCaptureFixture
) -> None:
    """The default path inside a flow: dbt's own runner (no task per node), models counted as they
    finish, dbt's error lines in the run's logger, failures still named."""
    from prefect import flow
    from prefect_dbt import PrefectDbtRunner

    import tasks.dbt.runner as runner

    def no_node_tasks(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("a Prefect task was made for a dbt node")

    monkeypatch.setattr(PrefectDbtRunner, "_call_task", no_node_tasks)
    steps: list[str] = []
    real_step = runner.ProgressArtifact.step

    def step(self) -> None:  # noqa: ANN001
        steps.append("model")
        real_step(self)

    monkeypatch.setattr(runner.ProgressArtifact, "step", step)
    project = make_project(tmp_path, broken=True)
    settings = settings_for(tmp_path)
    assert settings.dbt_node_tasks is False

    @flow
    def run_dbt():  # noqa: ANN202
        return build_project(project, settings)

    with caplog.at_level("WARNING"):
        result = run_dbt()
    assert not result.success
    assert set(result.failed_nodes) == {"broken", "unique_counted_id"}
    assert result.row_counts == {"final_schema.counted": 3, "final_schema.good": 2}
    assert len(steps) == 3  # good, counted, broken: every model node that finished, tests not counted
    assert any("broken" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def add_local_package(project: Path) -> None:
    """A local package beside the project (as dbt/mssp_common), installed where the runner says."""
    common = project.parent / "common"
    (common / "macros").mkdir(parents=True)
    (common / "dbt_project.yml").write_text("name: common\nversion: '1.0.0'\nconfig-version: 2\n")
    (common / "macros" / "seven.sql").write_text("{% macro seven() %}7{% endmacro %}\n")
    (project / "packages.yml").write_text("packages:\n  - local: ../common\n")
    with (project / "dbt_project.yml").open("a") as f:
        f.write("packages-install-path: \"{{ env_var('DBT_PACKAGES_INSTALL_PATH', 'dbt_packages') }}\"\n")
    (project / "models" / "uses_package.sql").write_text("select {{ common.seven() }} as id\n")


def add_warn_test(project: Path) -> None:
    """A data test that finds rows, at severity warn: the build succeeds with a warning."""
    (project / "tests").mkdir()
    (project / "tests" / "good_has_no_rows.sql").write_text(
        "{{ config(severity='warn') }}\nselect * from {{ ref('good') }}\n")


def test_a_relative_work_dir_keeps_every_dbt_file_out_of_the_project(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt resolves a relative target path against the project: the runner makes it absolute, and
    packages are installed into the work dir (two runs never share dbt/<project>/dbt_packages)."""
    project = make_project(tmp_path / "code", broken=False)
    add_local_package(project)
    before = sorted(p.name for p in project.iterdir())
    monkeypatch.chdir(tmp_path)
    result = build_project(project, settings_for(tmp_path), dbt_vars={"extra_id": 3},
                           work_dir=Path("data/tmp/dbt/tiny"), use_prefect=False)
    assert result.success, result
    assert result.row_counts["final_schema.uses_package"] == 1
    # no target/, logs/, dbt_packages/ (dbt writes package-lock.yml only when missing; the pipeline's
    # projects commit theirs)
    assert sorted(p.name for p in project.iterdir() if p.name != "package-lock.yml") == before
    work = tmp_path / "data" / "tmp" / "dbt" / "tiny"
    assert (work / "target" / "run_results.json").is_file()
    assert (work / "dbt_packages" / "common").exists()
    assert (work / "logs").is_dir()


def test_every_pipeline_project_installs_packages_where_the_runner_says() -> None:
    from tasks.dbt.builds import DBT_PROJECTS, PROJECT_ROOT

    for name in DBT_PROJECTS:
        config = yaml.safe_load((PROJECT_ROOT / "dbt" / name / "dbt_project.yml").read_text())
        assert "DBT_PACKAGES_INSTALL_PATH" in config.get("packages-install-path", ""), name


def test_a_full_work_dir_is_one_line_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temporary location fills up while dbt writes: a failed result naming the path and setting."""
    import errno

    from tasks.dbt import runner

    project = make_project(tmp_path, broken=False)
    work = tmp_path / "work"

    def full(settings, profiles_dir, connection=None):  # noqa: ANN001, ANN202
        raise OSError(errno.ENOSPC, "No space left on device", str(profiles_dir / "profiles.yml"))

    monkeypatch.setattr(runner, "write_profiles", full)
    result = build_project(project, settings_for(tmp_path), work_dir=work, use_prefect=False)
    assert not result.success
    assert result.message == (f"dbt could not write under {work}/profiles/profiles.yml (MSSP_TEMP_LOCATION): "
                              "No space left on device")


@pytest.mark.slow
def test_inside_a_flow_warnings_are_reported_and_logs_carry_no_colour_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prefect_server: None
) -> None:
    import logging

    from prefect import flow

    project = make_project(tmp_path / "code", broken=False)
    add_local_package(project)
    add_warn_test(project)
    monkeypatch.chdir(tmp_path)
    settings = load_settings(output_location=str(tmp_path / "out.duckdb"), temp_location="data/tmp")
    messages: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Keep(level=logging.DEBUG)
    logging.getLogger("prefect").addHandler(handler)

    @flow
    def run_dbt():  # noqa: ANN202
        return build_project(project, settings, dbt_vars={"extra_id": 3}, work_dir=settings.temp_path / "dbt" / "tiny")

    try:
        result = run_dbt()
    finally:
        logging.getLogger("prefect").removeHandler(handler)
    assert result.success, result
    assert result.warned_nodes == ("good_has_no_rows",)
    assert (tmp_path / "data" / "tmp" / "dbt" / "tiny" / "target" / "run_results.json").is_file()
    assert not (project / "target").exists() and not (project / "dbt_packages").exists()
    dbt_lines = [m for m in messages if "good_has_no_rows" in m]
    assert dbt_lines, messages[-20:]
    assert not [m for m in messages if "\x1b[" in m], [m for m in messages if "\x1b[" in m][:3]


@pytest.mark.slow
def test_inside_a_flow_a_build_reports_model_progress_under_the_aco_key(tmp_path: Path, prefect_server: None) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from tasks.artifacts import ProgressArtifact

    project = make_project(tmp_path, broken=False)
    settings = load_settings(output_location=str(tmp_path / "out.duckdb"), temp_location=str(tmp_path),
                             aco_id="A5555")
    steps: list[int] = []
    real_step = ProgressArtifact.step

    def counting_step(self: ProgressArtifact, count: int = 1) -> None:
        steps.append(count)
        real_step(self, count)

    @flow
    def run_dbt():  # noqa: ANN202
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ProgressArtifact, "step", counting_step)
            return build_project(project, settings, dbt_vars={"extra_id": 3})  # no duplicate id: a clean build

    assert run_dbt().success
    assert steps[:2] == [1, 1]  # one step per model as it finished (two models), then the finish
    with get_client(sync_client=True) as client:
        (artifact,) = client.read_latest_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["mssp-a5555-dbt-tiny-progress"])))
    assert artifact.type == "progress" and artifact.data == 100.0
