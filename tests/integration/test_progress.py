"""What a person sees while a run goes: names, progress, per-ACO artifacts, a quiet console.

``python -m flows.full_run`` runs as a user runs it, against the session's Prefect server; the
server is then asked what it recorded.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest

from demo.synthetic.alr import write_alr_files
from demo.synthetic.population import make_population
from tasks.families import FAMILIES
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> tuple[str, subprocess.CompletedProcess]:
    from prefect.settings import PREFECT_API_URL

    cwd = tmp_path_factory.mktemp("progress")
    store = cwd / "store"
    write_alr_files(make_population("A4321", n=10, seed=5, performance_years=(2025,)), store, quarters=(1, 2))
    (store / "A4321" / "2025" / "116" / "README.txt").write_text("not a CMS file\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_"))}
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "PREFECT_API_URL": str(PREFECT_API_URL.value()),
                "PREFECT_HOME": str(cwd / ".prefect")})
    result = subprocess.run(
        [sys.executable, "-m", "flows.full_run", "--skip-download", "--no-dbt", "--aco-id", "A4321",
         "--file-store", "store", "--output-location", "out/mssp.duckdb"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return f"mssp-A4321-{dt.date.today().isoformat()}", result


def _runs(name: str) -> tuple[object, list[object], list[object], list[object]]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterName,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    with get_client(sync_client=True) as client:
        (parent,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
        children = client.read_flow_runs(flow_run_filter=FlowRunFilter(
            parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[parent.id])))
        ids = [parent.id, *(c.id for c in children)]
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids)))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200)
    return parent, children, artifacts, logs


def test_the_run_and_every_subflow_have_meaningful_names(cli_run) -> None:
    name, result = cli_run
    assert result.returncode == 1, result.stderr  # README.txt is rejected: exit 1 after the rest loaded
    parent, children, _, _ = _runs(name)
    assert parent.name == name
    assert children and {c.name for c in children} <= set(FAMILIES) | {"download", "report"}


def test_artifacts_are_keyed_per_aco_and_the_load_reports_progress(cli_run) -> None:
    name, _ = cli_run
    _, children, artifacts, logs = _runs(name)
    keys = {a.key for a in artifacts if a.key}
    assert {"mssp-a4321-run-summary", "mssp-a4321-run-report"} <= keys
    progress = [a for a in artifacts if a.type == "progress"]
    assert progress and all(a.data == 100.0 for a in progress)
    messages = [log.message for log in logs]
    (alr,) = [c for c in children if c.name == "alr"]
    total = sum(1 for log in logs if log.flow_run_id == alr.id and " of " in log.message and "files" in log.message)
    assert total >= 1 and any(m.startswith("alr: ") and " of " in m for m in messages)
    assert any(m.startswith("alr: ") and "loaded" in m and "rows" in m for m in messages)  # the one-line result


def test_the_console_is_the_summary_and_a_few_lines(cli_run) -> None:
    _, result = cli_run
    assert "Run summary" in result.stdout
    chatter = [line for line in result.stderr.splitlines() if "| INFO" in line and "Task run" in line]
    assert chatter == [] and "Finished in state" not in result.stderr  # errors and warnings still show
    console = result.stdout.splitlines() + result.stderr.splitlines()
    assert len(console) < 40, "\n".join(console)
    assert any("alr:" in line and "rows" in line for line in result.stderr.splitlines())  # per-family result


def test_a_deployment_run_with_bad_setup_fails_with_the_cli_line(tmp_path) -> None:
    """Flow parameters (deployments) go through the same preflight: Failed, one line, nothing done."""
    from flows.full_run import full_run

    (tmp_path / "store").mkdir()
    state = full_run(skip_download=True, file_store=str(tmp_path / "store"), return_state=True)
    assert state.is_failed() and state.message.startswith("configuration error: MSSP_ACO_ID: required")
    state = full_run(skip_download=True, aco_id="A1234", file_store=str(tmp_path / "store"),
                     output_location=str(tmp_path / "store" / "mssp.duckdb"), return_state=True)
    assert state.is_failed() and "inside the file store" in state.message
    assert not (tmp_path / "store" / "mssp.duckdb").exists()
