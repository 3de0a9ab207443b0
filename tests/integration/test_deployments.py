"""prefect.yaml against a real local Prefect server: deploy, blocks, and the smoke run by a worker.

One server (``prefect server start`` on 127.0.0.1, its own PREFECT_HOME) serves the module.
A fresh copy of the project is deployed from its own directory with ``prefect --no-prompt
deploy --all``, exactly as docs/operations.md tells a user; the worker starts elsewhere, so
the pull step must bring each run into the project directory.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from blocks.profile import MsspPipelineProfile
from tests.conftest import PROJECT_ROOT
from tests.integration.prefect_server import fresh_project, prefect_cli, prefect_server

POOL = "mssp-process"
DEPLOYMENTS = {
    "mssp-full-run/monthly": ("0 6 20 * *", {"run_dbt": True, "skip_download": False, "demo": False}),
    "mssp-full-run/weekly": ("0 6 * * 1", {"run_dbt": False, "skip_download": False, "demo": False}),
    "mssp-dbt-only/on-demand": (None, {"full_refresh": False, "demo": False}),
    "mssp-full-run/smoke": (None, {"demo": True, "run_dbt": True}),
}


class Deployed:
    """The running server, the project it was deployed from, and a client bound to it."""

    def __init__(self, env: dict[str, str], project: Path, workdir: Path) -> None:
        self.env, self.project, self.workdir = env, project, workdir
        self.api_url = env["PREFECT_API_URL"]

    def client(self) -> Any:
        from prefect.client.orchestration import get_client

        return get_client(sync_client=True)

    def settings(self) -> Any:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        return temporary_settings(updates={PREFECT_API_URL: self.api_url})

    def run_deployment_with_worker(self, name: str, *params: str, timeout: float = 1500) -> str:
        """``prefect deployment run`` then one ``--run-once`` worker outside the project; the run id."""
        args = ["deployment", "run", name]
        for param in params:
            args += ["--param", param]
        created = prefect_cli(args, env=self.env, cwd=self.workdir)
        match = re.search(r"UUID: ([0-9a-f-]{36})", created.stdout)
        assert match, created.stdout
        worker = subprocess.run(
            [sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--run-once"],
            cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=timeout,
            stdin=subprocess.DEVNULL)
        (self.workdir / f"worker-{name.replace('/', '-')}.log").write_text(worker.stdout + worker.stderr)
        assert worker.returncode == 0, worker.stderr[-4000:]
        return match.group(1)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("deploy")
    project = fresh_project(PROJECT_ROOT, root / "project")
    workdir = root / "elsewhere"
    workdir.mkdir()
    with prefect_server(root / "prefect-home") as env:
        prefect_cli(["work-pool", "create", POOL, "--type", "process"], env=env, cwd=project)
        prefect_cli(["--no-prompt", "deploy", "--all"], env=env, cwd=project)
        prefect_cli(["work-queue", "set-concurrency-limit", "mssp-runs", "1", "--pool", POOL], env=env,
                    cwd=project)
        yield Deployed(env, project, workdir)


@pytest.mark.e2e
@pytest.mark.slow
def test_deploy_all_creates_the_deployments_with_schedules_and_limits(deployed: Deployed) -> None:
    with deployed.settings(), deployed.client() as client:
        found = {}
        for name in DEPLOYMENTS:
            found[name] = client.read_deployment_by_name(name)
        queue = client.read_work_queue_by_name("mssp-runs", work_pool_name=POOL)
    assert queue.concurrency_limit == 1
    for name, (cron, params) in DEPLOYMENTS.items():
        dep = found[name]
        assert dep.work_pool_name == POOL, name
        assert params.items() <= dep.parameters.items(), (name, dep.parameters)
        crons = [(s.schedule.cron, s.schedule.timezone, s.active) for s in dep.schedules]
        assert crons == ([(cron, "America/New_York", True)] if cron else []), (name, crons)
        assert dep.global_concurrency_limit is not None and dep.global_concurrency_limit.limit == 1, name
        assert dep.concurrency_options.collision_strategy == "ENQUEUE", name
        (step,) = dep.pull_steps
        assert step == {"prefect.deployments.steps.set_working_directory": {"directory": str(deployed.project)}}
    assert found["mssp-full-run/monthly"].work_queue_name == "mssp-runs"
    assert set(found["mssp-full-run/weekly"].parameter_openapi_schema["properties"]) >= {
        "families", "full_refresh", "skip_download", "run_dbt"}


@pytest.mark.e2e
@pytest.mark.slow
def test_blocks_register_and_round_trip_through_the_pipeline_resolvers(deployed: Deployed) -> None:
    registered = prefect_cli(["block", "register", "-m", "blocks"], env=deployed.env, cwd=deployed.project)
    assert "MSSP Pipeline Profile" in registered.stdout

    from prefect.blocks.system import Secret
    from prefect_aws import AwsCredentials
    from prefect_aws.client_parameters import AwsClientParameters

    from blocks.datahub import resolve_datahub_credentials
    from blocks.profile import profile_overrides
    from blocks.store import resolve_storage_options
    from tasks.errors import ConfigError
    from tasks.settings import load_settings

    with deployed.settings():
        Secret(value={"api_key": "key-1", "api_secret": "secret-1"}).save("mssp-datahub", overwrite=True)
        AwsCredentials(aws_access_key_id="AKIATEST", aws_secret_access_key="wJalrTEST", region_name="us-east-1",
                       aws_client_parameters=AwsClientParameters(endpoint_url="http://127.0.0.1:9")
                       ).save("mssp-store", overwrite=True)
        MsspPipelineProfile(aco_id="A1234", families=["cclf", "alr"], store_block="mssp-store",
                            datahub_secret_block="mssp-datahub").save("a1234", overwrite=True)

        settings = load_settings(file_store="s3://bucket/root", **profile_overrides("a1234"))
        creds = resolve_datahub_credentials(settings)
        options = resolve_storage_options(settings)
        with pytest.raises(ConfigError, match="profile_block"):
            profile_overrides("no-such-profile")

    assert (settings.aco_id, settings.families) == ("A1234", ("cclf", "alr"))
    assert creds.api_key.get_secret_value() == "key-1" and creds.api_secret.get_secret_value() == "secret-1"
    assert options == {"key": "AKIATEST", "secret": "wJalrTEST", "endpoint_url": "http://127.0.0.1:9",
                       "client_kwargs": {"region_name": "us-east-1"}}
    listed = prefect_cli(["block", "ls"], env=deployed.env, cwd=deployed.project).stdout
    assert "wJalrTEST" not in listed and "secret-1" not in listed


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.dbt
@pytest.mark.timeout(2400)
def test_smoke_deployment_completes_on_a_worker_and_publishes_the_summary(deployed: Deployed) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    run_id = deployed.run_deployment_with_worker("mssp-full-run/smoke")
    with deployed.settings(), deployed.client() as client:
        run = client.read_flow_run(run_id)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["mssp-a9999-run-summary", "mssp-a9999-run-report"]),
            flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    assert run.state is not None and run.state.is_completed(), (run.state, run.state and run.state.message)
    assert re.fullmatch(r"mssp-[A-Za-z0-9]+-\d{4}-\d{2}-\d{2}", run.name), run.name
    by_key = {a.key: a for a in artifacts}
    assert set(by_key) == {"mssp-a9999-run-summary", "mssp-a9999-run-report"}  # keyed per ACO (the demo's)
    summary = by_key["mssp-a9999-run-summary"].data
    assert "cclf" in str(summary) and "alr" in str(summary)
    # the pull step put the run in the project directory, not the worker's
    assert (deployed.project / "data" / "demo" / "mssp.duckdb").exists()
    assert not (deployed.workdir / "data").exists()


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.dbt
@pytest.mark.timeout(1800)
def test_dbt_only_deployment_rebuilds_the_demo_warehouse(deployed: Deployed) -> None:
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    if not (deployed.project / "data" / "demo" / "mssp.duckdb").exists():
        pytest.skip("needs the smoke run's warehouse (run with the smoke test)")
    run_id = deployed.run_deployment_with_worker("mssp-dbt-only/on-demand", "demo=true", "full_refresh=true")
    with deployed.settings(), deployed.client() as client:
        run = client.read_flow_run(run_id)
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["mssp-dbt-summary"]), flow_run_id=ArtifactFilterFlowRunId(any_=[run.id])))
    assert run.state is not None and run.state.is_completed(), (run.state, run.state and run.state.message)
    assert run.name.startswith("mssp-dbt-demo-")
    (artifact,) = artifacts
    assert "dbt builds: ok" in artifact.data and "rows" in artifact.data


def test_profile_block_rejects_unknown_families_and_bad_aco_ids() -> None:
    with pytest.raises(ValidationError, match="families"):
        MsspPipelineProfile(families=["cclf", "claims"])
    with pytest.raises(ValidationError, match="aco_id"):
        MsspPipelineProfile(aco_id="1234")
    assert MsspPipelineProfile(output_type="PARQUET", families=["alr"]).overrides() == {
        "output_type": "PARQUET", "families": "alr"}
