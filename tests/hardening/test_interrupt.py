"""Stopping a run: Ctrl-C and SIGTERM end ``python -m flows.full_run --demo`` within seconds, with one line.

Each test starts the real CLI as a subprocess in its own session and working folder, waits
until it is inside a stage (``TEST_INTERRUPT_STAGE_FILE`` lists the stages entered; see
tasks/interrupt.py), sends a real signal and checks: the time to exit, the exit status, the
last line, the run lock free, no download-state lock left, the run's temp folder gone, the
flow run's final state in the Prefect API naming the stage, and that a rerun ends with exactly
the rows of an uninterrupted run, with the ledger invariants of the SIGKILL tests.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.hardening.test_crash import assert_consistent
from tests.integration.prefect_server import prefect_server, server_env
from tests.loading import query, table_counts

EXIT_WITHIN_SECONDS = 10.0
STAGE_TIMEOUT_SECONDS = 600.0
WAREHOUSE = Path("data/demo/mssp.duckdb")
STATE_LOCK = Path("data/demo/store/.mssp/datahub_state.lock")



@dataclass
class Stopped:
    returncode: int
    seconds: float  # from the signal to the process's exit
    last_line: str
    stderr: list[str]
    workdir: Path


@pytest.fixture(scope="module")
def api_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A real local Prefect server (``prefect server start``) that every run here reports to."""
    with prefect_server(tmp_path_factory.mktemp("interrupt-prefect")) as env:
        yield env


def _cli_env(workdir: Path, api: dict[str, str] | None, **extra: str) -> dict[str, str]:
    env = dict(api) if api else {k: v for k, v in server_env(workdir / ".prefect").items()
                                 if k != "PREFECT_LOGGING_LEVEL"}  # the console a user gets
    env.update({"PYTHONPATH": str(PROJECT_ROOT), "TEST_INTERRUPT_STAGE_FILE": str(workdir / "stages"),
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120", **extra})
    return env


def start_demo(workdir: Path, api: dict[str, str] | None, *flags: str, **extra: str) -> subprocess.Popen[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    with open(workdir / "stderr.txt", "w") as stderr:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "flows.full_run", "--demo", *flags], cwd=workdir,
                                env=_cli_env(workdir, api, **extra), stdout=subprocess.DEVNULL,
                                stderr=stderr, text=True, start_new_session=True)


def run_demo(workdir: Path, api: dict[str, str] | None, *flags: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "flows.full_run", "--demo", *flags], cwd=workdir,
                          env=_cli_env(workdir, api), capture_output=True, text=True, timeout=1200)


def wait_for_stage(proc: subprocess.Popen[str], workdir: Path, stage: str) -> None:
    marker, deadline = workdir / "stages", time.monotonic() + STAGE_TIMEOUT_SECONDS
    while not (marker.exists() and stage in marker.read_text().split()):
        if proc.poll() is not None:
            pytest.fail(f"the run ended ({proc.returncode}) before {stage}: {_tail(workdir)}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{stage} not reached in {STAGE_TIMEOUT_SECONDS:g}s")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[str], workdir: Path, signum: int, *, group: bool) -> Stopped:
    """Send ``signum`` to the run (its whole process group, as a terminal's Ctrl-C does, or the one pid)."""
    os.killpg(proc.pid, signum) if group else proc.send_signal(signum)
    sent = time.monotonic()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    seconds = time.monotonic() - sent
    lines = (workdir / "stderr.txt").read_text().splitlines()
    return Stopped(proc.returncode, seconds, lines[-1] if lines else "", lines, workdir)


def _tail(workdir: Path) -> str:
    path = workdir / "stderr.txt"
    return path.read_text()[-3000:] if path.exists() else ""


def flow_run_id(workdir: Path) -> str:
    (run_id,) = {r[0] for r in query(workdir / WAREHOUSE, "select distinct run_id from mssp_meta.file_loads")}
    return run_id


def assert_stopped_cleanly(stopped: Stopped, signum: int, stage: str) -> None:
    """Exit within the limit, the status and the one line, and nothing left held or behind."""
    status = {signal.SIGINT: 130, signal.SIGTERM: 143}[signum]
    assert stopped.returncode == status, f"rc {stopped.returncode}: {stopped.stderr[-20:]}"
    assert stopped.seconds < EXIT_WITHIN_SECONDS, f"took {stopped.seconds:.1f}s to exit"
    assert stopped.last_line.startswith(f"interrupted ({signal.Signals(signum).name}) during {stage}: "), \
        stopped.last_line
    assert "rerun to resume" in stopped.last_line
    assert not [line for line in stopped.stderr if "Traceback" in line or "EventsWorker" in line
                or "Unable to connect" in line], stopped.stderr[-20:]
    workdir = stopped.workdir
    lock = workdir / (str(WAREHOUSE) + ".lock")
    if lock.exists():  # the run lock is an flock: free once the process is gone
        with open(lock) as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    assert not (workdir / STATE_LOCK).exists(), "the Data Hub state lock was left behind"
    tmp = workdir / "data/demo/tmp"  # empty work folders may stay (the download's calls/, staging/)
    leftovers = [str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file()] if tmp.exists() else []
    assert leftovers == [], f"temp files left: {leftovers}"


def committed_in_line(line: str) -> int:
    return int(line.split(": ", 1)[1].split(" file", 1)[0])


def api_state(api: dict[str, str], run_id: str) -> tuple[str, str]:
    """The flow run's final state type and message, read from the test server."""
    code = ("import sys; from prefect.client.orchestration import get_client\n"
            "with get_client(sync_client=True) as c:\n"
            f"    s = c.read_flow_run('{run_id}').state\n"
            "print(s.type.value); print(s.message or '')")
    out = subprocess.run([sys.executable, "-c", code], env=api, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    state_type, message = (out.stdout.splitlines() + [""])[:2]
    return state_type, message


@pytest.fixture(scope="module")
def clean_rows(api_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """The raw rows of an uninterrupted demo load (no dbt)."""
    workdir = tmp_path_factory.mktemp("clean")
    result = run_demo(workdir, api_env, "--no-dbt")
    assert result.returncode == 0, result.stderr[-3000:]
    return table_counts(workdir / WAREHOUSE)


def rerun_is_exact(workdir: Path, api: dict[str, str], expected: dict[str, int]) -> None:
    result = run_demo(workdir, api, "--no-dbt")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_consistent(workdir / WAREHOUSE, expected, rejected=())


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sigint_during_load_stops_and_a_rerun_resumes(api_env, clean_rows, tmp_path: Path) -> None:
    proc = start_demo(tmp_path, api_env, "--no-dbt")
    wait_for_stage(proc, tmp_path, "catalog+load")
    time.sleep(3)  # inside the load: some files committed, others being written
    stopped = stop(proc, tmp_path, signal.SIGINT, group=True)
    assert_stopped_cleanly(stopped, signal.SIGINT, "catalog+load")
    run_id = flow_run_id(tmp_path)
    committed = query(tmp_path / WAREHOUSE, "select count(*) from mssp_meta.file_loads where run_id = ? and "
                      "status in ('loaded', 'replaced', 'removed')", [run_id])[0][0]
    assert committed_in_line(stopped.last_line) == committed
    state_type, message = api_state(api_env, run_id)
    assert state_type == "CANCELLED" and "during catalog+load" in message, (state_type, message)
    rerun_is_exact(tmp_path, api_env, clean_rows)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_sigterm_during_download_stops_and_a_rerun_resumes(api_env, clean_rows, tmp_path: Path) -> None:
    # each Data Hub call takes 1 s more (the fake's latency knob), so the download certainly lasts past
    # the signal: in a fresh-clone CI run the demo's download once ended within the 3 s below
    proc = start_demo(tmp_path, api_env, "--no-dbt", FAKE_DATAHUB_LATENCY="1")
    wait_for_stage(proc, tmp_path, "download")
    time.sleep(3)  # signalled while the download holds the state lock
    stopped = stop(proc, tmp_path, signal.SIGTERM, group=False)
    assert_stopped_cleanly(stopped, signal.SIGTERM, "download")
    assert committed_in_line(stopped.last_line) == 0
    rerun_is_exact(tmp_path, api_env, clean_rows)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.dbt
@pytest.mark.timeout(1800)
def test_sigterm_during_dbt_leaves_the_build_owed(api_env, tmp_path: Path) -> None:
    from tasks.dbt.build_state import needs_build

    proc = start_demo(tmp_path, api_env)
    wait_for_stage(proc, tmp_path, "dbt")
    time.sleep(5)  # dbt is building
    stopped = stop(proc, tmp_path, signal.SIGTERM, group=False)
    assert_stopped_cleanly(stopped, signal.SIGTERM, "dbt")
    run_id = flow_run_id(tmp_path)
    state_type, message = api_state(api_env, run_id)
    assert state_type == "CRASHED" and "during dbt" in message, (state_type, message)
    owed = [p for p in ("alr", "cclf", "mssp") if needs_build(tmp_path / WAREHOUSE, p)]
    assert "mssp" in owed, "an interrupted dbt stage must leave its builds owed"


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_ctrl_c_with_the_temporary_server_is_quiet_and_quick(tmp_path: Path) -> None:
    """The reported case: no server configured, Ctrl-C reaches the temporary server too."""
    proc = start_demo(tmp_path, None, "--no-dbt")
    wait_for_stage(proc, tmp_path, "catalog+load")
    time.sleep(2)
    stopped = stop(proc, tmp_path, signal.SIGINT, group=True)
    assert_stopped_cleanly(stopped, signal.SIGINT, "catalog+load")
    assert len(stopped.stderr) <= 5, stopped.stderr
    shutil.rmtree(tmp_path / ".prefect", ignore_errors=True)


def test_exit_status_comes_from_the_exception_type_not_its_text() -> None:
    from prefect.states import Failed

    from tasks.errors import ConfigError, LockError
    from tasks.interrupt import Interrupted, exit_status, state_exit_status

    assert exit_status(ConfigError("MSSP_ACO_ID", "missing")) == 2
    assert exit_status(LockError("configuration error: looks like one, is not")) == 1
    assert exit_status(Interrupted(signal.SIGINT)) == 130
    assert exit_status(Interrupted(signal.SIGTERM)) == 143
    assert state_exit_status(Failed(message="x", data=ConfigError("settings", "bad"))) == 2
    assert state_exit_status(Failed(message="configuration error: but no exception")) == 1


def test_a_stage_stays_marked_when_an_interrupt_leaves_it() -> None:
    from tasks import interrupt

    with interrupt.in_stage("download"):
        pass
    assert interrupt._RUN.stage is None
    with pytest.raises(KeyboardInterrupt), interrupt.in_stage("dbt"):
        raise KeyboardInterrupt
    assert interrupt._RUN.stage == "dbt"
    interrupt._RUN.stage = None
