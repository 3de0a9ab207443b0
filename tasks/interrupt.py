"""Stopping a command-line run: Ctrl-C (SIGINT) or SIGTERM ends it within seconds, with one line.

The cleanup is the run's own: the interrupt unwinds the flow through its ``finally`` blocks, so
the file being loaded never commits (its transaction is still open), the run lock and the Data
Hub state lock are released and the run's temp folder is removed. What this module adds for
``python -m flows.full_run``:

- the stage the run was in (``RunSummary.stage`` marks it here) and the files this run committed
  (from the ledger), for the last line: ``interrupted (SIGINT) during catalog+load: 212 files
  committed this run; rerun to resume``;
- Prefect's client loggers go quiet at the first signal (the temporary server may already be gone:
  Ctrl-C reaches it too) and nothing waits on that server: the process ends with
  ``os._exit`` (130 for SIGINT, 143 for SIGTERM) once the flow has unwound, or at the latest
  ``DEADLINE_SECONDS`` after the signal;
- when the Prefect API is still reachable the flow run's final state names the stage (bounded
  by ``API_TIMEOUT_SECONDS``).

A second Ctrl-C ends the process at once (still crash-safe: nothing half-loaded commits).
Deployment runs are left to Prefect's engine: a worker's cancel arrives as SIGTERM with a cancel
intent, which the engine turns into a Cancelled state after the same unwinding.

Test hook (read only by tests, see tests/hardening/test_interrupt.py): ``TEST_INTERRUPT_STAGE_FILE``
names a file that gets one line per stage entered, ``TEST_INTERRUPT_STAGE_PAUSE=stage:seconds``
sleeps on entering that stage, so a test can signal a run inside a known stage.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

DEADLINE_SECONDS = 6.0
LAST_WORD_SECONDS = 3.0  # for the last line and the API report; then the process ends regardless
API_TIMEOUT_SECONDS = 3.0
EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread by the handlers below; a KeyboardInterrupt so every layer unwinds."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class _Run:
    armed: bool = False  # main() installed the handlers (never in a deployment run)
    stage: str | None = None  # the last stage entered and not left normally
    run_id: str | None = None
    warehouse: Path | None = None  # the DuckDB output, for the committed-files count
    api_url: str | None = None
    temp_dir: Path | None = None  # this run's scratch folder (dbt work files too), removed on the way out
    signum: int | None = None
    finishing: threading.Lock = threading.Lock()


_RUN = _Run()


@contextmanager
def in_stage(name: str) -> Iterator[None]:
    """Mark the run's stage; left marked when an exception leaves it (that is where it stopped)."""
    _RUN.stage = name
    _test_hook(name)
    yield
    _RUN.stage = None


def _test_hook(stage: str) -> None:
    marker = os.environ.get("TEST_INTERRUPT_STAGE_FILE")
    if marker:
        with open(marker, "a") as fh:
            fh.write(stage + "\n")
    pause_stage, _, seconds = os.environ.get("TEST_INTERRUPT_STAGE_PAUSE", "").partition(":")
    if pause_stage == stage:
        time.sleep(float(seconds))


def install() -> None:
    """Arm the handlers for this process (``main()`` only, before the flow runs).

    With no Prefect server configured, the run starts a temporary one in a subprocess; Ctrl-C
    reaches it too, and it prints tracebacks while it stops. Its own logging is cut to CRITICAL.
    """
    _RUN.armed = True
    sys.unraisablehook = _unraisable(sys.unraisablehook)
    # dbt's multiprocessing resource tracker outlives an ended run and warns about its semaphores
    os.environ["PYTHONWARNINGS"] = ",".join(filter(None, (os.environ.get("PYTHONWARNINGS"),
                                                          "ignore:resource_tracker:UserWarning")))
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        os.environ.setdefault("PREFECT_SERVER_LOGGING_LEVEL", "CRITICAL")
    for signum in EXIT_STATUS:
        signal.signal(signum, _on_signal)
    try:  # Prefect's engine installs its SIGTERM handler per flow run, subflows too: make it ours
        from prefect.utilities import engine as prefect_engine

        if hasattr(prefect_engine, "_prefect_sigterm_handler"):
            # Prefect declares its handler as never returning; ours returns once the run is recorded.
            prefect_engine._prefect_sigterm_handler = _on_signal  # type: ignore[assignment]
    except ImportError:
        pass


def _unraisable(previous: Any) -> Any:
    """An interrupt raised inside a ``__del__`` is lost: no traceback for it (the deadline still ends the run)."""

    def hook(unraisable: Any) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            previous(unraisable)

    return hook


def note_run(run_id: str, output_type: str, output_location: str, temp_dir: Path | None = None) -> None:
    """Called by the flow once its run id and output are known; re-arms SIGTERM over Prefect's own handler.

    Prefect's engine replaces the SIGTERM handler for the flow run and then waits on the API
    before exiting; an armed CLI run keeps ours, which never waits on a server (``install``
    already points Prefect's handler at ours; this is the fallback should that name change).
    """
    _RUN.run_id = run_id
    _RUN.temp_dir = temp_dir
    _RUN.warehouse = Path(output_location) if output_type == "DUCKDB" else None
    try:
        from prefect.context import get_run_context

        _RUN.api_url = str(get_run_context().client.api_url)
    except Exception:
        _RUN.api_url = None
    if _RUN.armed and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_signal)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Record the signal, quiet Prefect, start the deadline, raise in the main thread.

    The raise can be lost (a signal landing in a ``__del__`` or in a Prefect teardown that
    swallows late exceptions); the deadline still ends the process with the line.
    """
    if _RUN.signum is not None:  # a second signal: stop now
        os._exit(_status())
    _RUN.signum = signum
    quiet_prefect()
    threading.Thread(target=_deadline, name="mssp-interrupt-deadline", daemon=True).start()
    raise Interrupted(signum)


def _deadline() -> None:
    """The bound: the last line from a helper thread, then the exit even if that line hangs."""
    time.sleep(DEADLINE_SECONDS)
    threading.Thread(target=finish, name="mssp-interrupt-finish", daemon=True).start()
    time.sleep(LAST_WORD_SECONDS)
    _exit()


def _status() -> int:
    return EXIT_STATUS.get(signal.Signals(_RUN.signum or signal.SIGINT), 130)


def interrupted() -> bool:
    return _RUN.signum is not None


def quiet_prefect() -> None:
    """Silence Prefect's loggers and stop its client retrying: the server it reports to may be gone.

    Prefect's client retries a refused request five times with exponential back-off (about a
    minute); with no retries a dead server fails each state report at once, the error unwinds
    the flow like the interrupt would, and a live server still gets every report.
    """
    try:
        from prefect.context import GLOBAL_SETTINGS_CONTEXT
        from prefect.settings import get_current_settings

        for settings in (get_current_settings(), GLOBAL_SETTINGS_CONTEXT.settings):
            object.__setattr__(settings.client, "max_retries", 0)
        logging.raiseExceptions = False  # Prefect's log worker prints its failures to stderr when True
    except Exception:  # a Prefect without these settings: the deadline still ends the process
        pass
    names = [n for n in logging.root.manager.loggerDict if n == "prefect" or n.startswith("prefect.")]
    for name in (*names, "prefect", "httpx", "httpcore", "websockets", "uvicorn"):
        logger = logging.getLogger(name)
        logger.disabled = True
        logger.setLevel(logging.CRITICAL + 1)


def stopped_line() -> str:
    """``interrupted (SIGINT) during catalog+load: 212 files committed this run; rerun to resume``."""
    name = signal.Signals(_RUN.signum or signal.SIGINT).name
    where = f"during {_RUN.stage}" if _RUN.stage else "before the first stage"
    committed = committed_files()
    if committed is None:
        files = (f"files committed this run: python -m flows.runs {_RUN.run_id}" if _RUN.run_id
                 else "no file committed")
    else:
        files = f"{committed} file{'' if committed == 1 else 's'} committed this run"
    return f"interrupted ({name}) {where}: {files}; nothing half-loaded was kept, rerun to resume"


def committed_files() -> int | None:
    """Files this run committed (loaded, replaced or removed), from the ledger; None if unknown.

    Asked from a helper thread with a time limit: the run's own connection may still hold the file.
    """
    if _RUN.run_id is None:
        return 0
    if _RUN.warehouse is None or not _RUN.warehouse.exists():
        return None if _RUN.warehouse is None else 0
    answer: list[int | None] = []
    worker = threading.Thread(target=lambda: answer.append(_count_committed()), daemon=True)
    worker.start()
    worker.join(1.0)
    return answer[0] if answer else None


def _count_committed() -> int | None:
    import duckdb

    for read_only in (True, False):  # read-only fails if this process still has the file open
        try:
            with duckdb.connect(str(_RUN.warehouse), read_only=read_only) as con:
                row = con.execute("select count(*) from mssp_meta.file_loads where run_id = ? and status in "
                                  "('loaded', 'replaced', 'removed')", [_RUN.run_id]).fetchone()
                assert row is not None  # count(*) returns exactly one row
                return int(row[0])
        except duckdb.CatalogException:
            return 0
        except Exception:
            continue
    return None


def report_state(line: str) -> None:
    """The flow run's final state names the stage, when the API answers within the timeout."""
    if not (_RUN.run_id and _RUN.api_url):
        return
    worker = threading.Thread(target=_set_state, args=(line,), daemon=True)
    worker.start()
    worker.join(API_TIMEOUT_SECONDS)


def _set_state(line: str) -> None:
    if not _RUN.run_id:
        return
    try:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, temporary_settings
        from prefect.states import Cancelled, Crashed

        state: Any = Cancelled(message=line) if _RUN.signum == signal.SIGINT else Crashed(message=line)
        with temporary_settings({PREFECT_API_URL: _RUN.api_url}):
            with get_client(httpx_settings={"timeout": API_TIMEOUT_SECONDS}, sync_client=True) as client:
                client.set_flow_run_state(_RUN.run_id, state, force=True)
    except Exception:
        pass


def _remove_scratch() -> None:
    """Remove this run's scratch folder: dbt may swallow the interrupt and keep writing its work files."""
    import shutil

    for _ in range(3):  # a file written during the removal leaves its folder behind: go again
        if _RUN.temp_dir is None or not _RUN.temp_dir.exists():
            return
        shutil.rmtree(_RUN.temp_dir, ignore_errors=True)


def _exit() -> NoReturn:
    """End the process now; the scratch folder goes last, so a dbt thread still writing cannot leave files."""
    _remove_scratch()
    os._exit(_status())


def finish() -> NoReturn:
    """Print the one line, record it in the API if reachable, and end the process without waiting on Prefect."""
    with _RUN.finishing:  # the main thread and the deadline thread: only one prints
        line = stopped_line()
        print(line, file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        _remove_scratch()
        report_state(line)  # bounded; prints nothing (Prefect's loggers are off)
        _exit()


def exit_status(exc: BaseException | None) -> int:
    """An exit status from an exception's type, never its text: ConfigError 2, other errors 1."""
    from tasks.errors import ConfigError

    if isinstance(exc, KeyboardInterrupt):
        return EXIT_STATUS.get(signal.Signals(getattr(exc, "signum", signal.SIGINT)), 130)
    return 2 if isinstance(exc, ConfigError) else 1


def state_exit_status(state: Any) -> int:
    """A failed flow run's exit status, from the exception its state carries (1 when it carries none)."""
    try:
        return exit_status(state.result(raise_on_failure=False))
    except Exception:
        return 1
