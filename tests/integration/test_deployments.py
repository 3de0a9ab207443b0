"""prefect.yaml against a real local Prefect server: deploy, blocks, and the smoke run by a worker.

One server (``prefect server start`` on 127.0.0.1, its own PREFECT_HOME) serves the module.
A fresh copy of the project is deployed from its own directory with ``prefect --no-prompt
deploy --all``, exactly as docs/operations.md tells a user; the worker starts elsewhere, so
the pull step must bring each run into the project directory.
"""

from __future__ import annotations

import re
import shutil
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
    "mssp-full-run/monthly": ("0 6 20 * *", {"run_dbt": True, "run_tuva": None, "skip_download": False,
                                              "demo": False}),
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
        "families", "full_refresh", "skip_download", "run_dbt", "run_tuva"}


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


FLEET_POOL = "mssp-fleet"
FLEET_ACOS = ("A1234", "B5678")


def scale_out_commands(doc: Path = PROJECT_ROOT / "docs" / "operations.md") -> dict[str, list[str]]:
    """The shell commands of the "Scale out" section of the docs, by runnable mode."""
    from tests.integration.test_docs_commands import MARK

    section = doc.read_text().split("\n## Scale out", 1)[1].split("\n## ", 1)[0]
    out: dict[str, list[str]] = {}
    for mark, body in re.findall(r"(<!--[^>]*-->)\s*\n```bash\n(.*?)```", section, flags=re.S):
        mode = (MARK.search(mark)["mode"] or "").strip()
        out.setdefault(mode, []).extend(line.strip() for line in body.splitlines()
                                        if line.strip() and not line.lstrip().startswith("#"))
    return out


def _prefect_args(command: str) -> list[str]:
    import shlex

    words = shlex.split(command)
    assert words[:3] == ["uv", "run", "prefect"], command
    return words[3:]


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_scale_out_one_deployment_per_aco_two_acos_on_one_server(
        deployed: Deployed, tmp_path_factory: pytest.TempPathFactory) -> None:
    """docs/operations.md "Scale out" as written: the fleet pool with a concurrency limit, the
    per-ACO deployments of prefect.aco.yaml, a profile block per ACO (its own store, output and
    scratch), one run per ACO; one worker takes both runs at once (pool limit 2) and each output
    holds only its own ACO's files. The dbt stage is off here (MSSP_RUN_DBT=false on the worker:
    the smoke test covers it); downloads are off by the profile (download_mode skip)."""
    import duckdb
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from demo.synthetic import generate_demo

    commands = scale_out_commands()
    assert set(commands) == {"prefect-server", "prefect-server deployed"}, commands
    shutil.copy2(PROJECT_ROOT / "prefect.aco.yaml", deployed.project / "prefect.aco.yaml")
    for command in commands["prefect-server"]:
        prefect_cli(_prefect_args(command), env=deployed.env, cwd=deployed.project)

    root = tmp_path_factory.mktemp("fleet")
    outputs = {}
    with deployed.settings():
        for n, aco in enumerate(FLEET_ACOS):
            store = root / aco / "store"
            generate_demo(store, beneficiaries=4, seed=30 + n, aco_id=aco)
            outputs[aco] = root / aco / "mssp.duckdb"
            MsspPipelineProfile(aco_id=aco, file_store=str(store), output_type="DUCKDB",
                                output_location=str(outputs[aco]), temp_location=str(root / aco / "tmp"),
                                download_mode="skip", families=["alr"]).save(aco.lower(), overwrite=True)

    run_ids = []
    for command in commands["prefect-server deployed"]:
        created = prefect_cli(_prefect_args(command), env=deployed.env, cwd=deployed.workdir)
        run_ids.append(re.search(r"UUID: ([0-9a-f-]{36})", created.stdout).group(1))
    assert len(run_ids) == len(FLEET_ACOS)
    worker = subprocess.run(
        [sys.executable, "-m", "prefect", "worker", "start", "--pool", FLEET_POOL, "--run-once"],
        cwd=deployed.workdir, env={**deployed.env, "MSSP_RUN_DBT": "false"}, capture_output=True, text=True,
        timeout=1500, stdin=subprocess.DEVNULL)
    (deployed.workdir / "worker-fleet.log").write_text(worker.stdout + worker.stderr)
    assert worker.returncode == 0, worker.stderr[-4000:]

    with deployed.settings(), deployed.client() as client:
        pool = client.read_work_pool(FLEET_POOL)
        runs = [client.read_flow_run(r) for r in run_ids]
        keys = {r.id: {a.key for a in client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[r.id])))} for r in runs}
        deployments = {r.id: client.read_deployment(r.deployment_id).name for r in runs}
    assert pool.concurrency_limit == 2
    for run in runs:
        assert run.state is not None and run.state.is_completed(), (run.name, run.state)
    by_aco = {deployments[r.id].upper(): r for r in runs}
    assert set(by_aco) == set(FLEET_ACOS)
    for aco, run in by_aco.items():
        assert run.name.lower().startswith(f"mssp-{aco.lower()}-"), run.name
        assert f"mssp-{aco.lower()}-run-summary" in keys[run.id], keys[run.id]
        other = next(a for a in FLEET_ACOS if a != aco)
        with duckdb.connect(str(outputs[aco]), read_only=True) as con:
            paths = [p for (p,) in con.execute("select file_path from mssp_meta.file_loads").fetchall()]
            statuses = {s for (s,) in con.execute("select status from mssp_meta.file_loads").fetchall()}
            raw = con.execute("select count(*) from information_schema.tables where table_schema = 'raw_data'"
                              ).fetchone()[0]
        assert paths and raw > 0, aco
        # a small generated store has files whose bytes repeat under another name: 'duplicate' (the
        # ledger's rule, per output); never 'failed'
        assert "loaded" in statuses and statuses <= {"loaded", "duplicate"}, (aco, statuses)
        assert all(aco in p for p in paths) and not any(other in p for p in paths), aco
    # the two runs overlapped: one worker ran both at once, each on its own output
    a, b = by_aco.values()
    assert a.start_time < b.end_time and b.start_time < a.end_time, [(r.start_time, r.end_time) for r in runs]
