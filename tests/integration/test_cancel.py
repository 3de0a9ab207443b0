"""Prefect's Cancel on a deployment run: a real local server, a process worker, ``prefect flow-run cancel``.

The smoke deployment (the demo) is cancelled inside its load; the run must reach Cancelled,
leave the output consistent and nothing behind, and the next run must load exactly the files
the cancelled one did not commit. The server, the deployed project and the worker come from
tests/integration/test_deployments.py.
"""

from __future__ import annotations

import fcntl
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.hardening.test_crash import assert_consistent
from tests.integration.prefect_server import prefect_cli
from tests.integration.test_deployments import POOL, Deployed, deployed  # noqa: F401  (the module fixture)
from tests.loading import load_store, query, table_counts

DEMO = Path("data/demo")
STOPPED_WITHIN_SECONDS = 30.0  # the process worker's grace between its SIGTERM and SIGKILL
FINAL_WITHIN_SECONDS = 300.0  # the worker itself writes the final Cancelled state; slow on a loaded machine


def _state(deployed: Deployed, run_id: str):  # noqa: F811
    with deployed.settings(), deployed.client() as client:
        return client.read_flow_run(run_id).state


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(2400)
def test_cancel_during_the_load_ends_cancelled_and_the_next_run_loads_what_was_missing(
        deployed: Deployed, tmp_path: Path) -> None:  # noqa: F811
    created = prefect_cli(["deployment", "run", "mssp-full-run/smoke", "--param", "run_dbt=false"],
                          env=deployed.env, cwd=deployed.workdir)
    run_id = re.search(r"UUID: ([0-9a-f-]{36})", created.stdout).group(1)
    stages = tmp_path / "stages"
    with open(tmp_path / "worker.log", "w") as log:
        worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", POOL, "--run-once"],
                                  cwd=deployed.workdir, env={**deployed.env, "TEST_INTERRUPT_STAGE_FILE": str(stages)},
                                  stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 900
            while not (stages.exists() and "catalog+load" in stages.read_text().split()):
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-4000:]
                assert time.monotonic() < deadline, "the run never reached its load"
                time.sleep(0.1)
            time.sleep(3)  # inside the load: some files committed, others being written
            prefect_cli(["flow-run", "cancel", run_id], env=deployed.env, cwd=deployed.workdir)
            cancelled_at = time.monotonic()
            project = deployed.project
            warehouse = project / DEMO / "mssp.duckdb"
            with open(project / DEMO / "mssp.duckdb.lock") as lock:  # the run's flock: free once it has unwound
                while True:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        assert time.monotonic() - cancelled_at < STOPPED_WITHIN_SECONDS, "the run did not stop"
                        time.sleep(0.2)
                fcntl.flock(lock, fcntl.LOCK_UN)
            while not (state := _state(deployed, run_id)).is_final():
                assert time.monotonic() - cancelled_at < FINAL_WITHIN_SECONDS, state
                time.sleep(1)
            worker.wait(timeout=300)
        finally:  # a failed assertion must not leave the worker running
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert state.is_cancelled(), (state, state.message, (tmp_path / "worker.log").read_text()[-4000:])

    assert not (project / DEMO / "store/.mssp/datahub_state.lock").exists()
    assert not (project / DEMO / "tmp" / run_id).exists(), "the run's temp folder was left"
    committed = {p for (p,) in query(warehouse, "select file_path from mssp_meta.file_loads where run_id = ? "
                                     "and status = 'loaded'", [run_id])}

    rerun_id = deployed.run_deployment_with_worker("mssp-full-run/smoke", "run_dbt=false")
    assert _state(deployed, rerun_id).is_completed()
    reference = tmp_path / "reference.duckdb"  # the same store loaded cleanly, no Prefect involved
    all_files = {o.file_path for o in load_store(project / DEMO / "store", reference, run_id="reference")}
    assert_consistent(warehouse, table_counts(reference), rejected=())
    loaded_now = {p for (p,) in query(warehouse, "select file_path from mssp_meta.file_loads where run_id = ? "
                                      "and status = 'loaded'", [rerun_id])}
    assert loaded_now == all_files - committed, "the next run must load exactly what the cancelled one did not"
