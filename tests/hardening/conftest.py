"""Shared fixtures of the hardening tests: one Prefect server, one CLI run over the bad corpus.

Starting a Prefect server costs 30-60 s on a shared machine, so the CLI runs of this folder
share one ``prefect server start`` on 127.0.0.1 (stopped at the end of the session) and the
bad-input corpus (with the PHI canaries planted in it) is run through the CLI exactly once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.hardening.bad_inputs import ACO, Corpus, build_corpus
from tests.hardening.canaries import API_KEY, SECRET, Canaries, write_canaries


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    home: Path


@pytest.fixture(scope="session")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect") / ".prefect"
    port = _free_port()
    env = _base_env(home)
    env.update({"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_ENABLED": "false"})
    log = open(home.parent / "server.log", "wb")  # noqa: SIM115 (closed at teardown)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--no-services", "--no-ui", "--analytics-off"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("prefect server did not start: "
                                   + (home.parent / "server.log").read_text(errors="replace")[-2000:])
            time.sleep(0.5)
        yield PrefectServer(url, home)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _base_env(prefect_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_"))}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PREFECT_HOME"] = str(prefect_home)
    return env


def run_cli(args: list[str], cwd: Path, server: PrefectServer, extra_env: dict[str, str] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``python -m flows.full_run`` as a user runs it, against the shared test server."""
    env = _base_env(server.home)
    env["PREFECT_API_URL"] = server.api_url
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "flows.full_run", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def loader_args(store: Path, warehouse: Path) -> list[str]:
    return ["--skip-download", "--no-dbt", "--aco-id", ACO, "--file-store", str(store),
            "--output-location", str(warehouse)]


@dataclass(frozen=True)
class CorpusRun:
    cwd: Path
    store: Path
    warehouse: Path
    corpus: Corpus
    canaries: Canaries
    result: subprocess.CompletedProcess[str]
    server: PrefectServer

    @property
    def expected_rows(self) -> dict[str, int]:
        rows = Counter(self.corpus.rows)
        rows.update(self.canaries.rows)  # update keeps tables with 0 rows; '+' would drop them
        return dict(rows)


@pytest.fixture(scope="session")
def corpus_cli_run(prefect_api: PrefectServer, tmp_path_factory: pytest.TempPathFactory) -> CorpusRun:
    """The whole bad corpus plus the PHI canaries through the CLI once, logging at DEBUG."""
    cwd = tmp_path_factory.mktemp("cli")
    store = cwd / "store"
    corpus = build_corpus(store)
    canaries = write_canaries(store)
    warehouse = cwd / "out" / "mssp.duckdb"
    result = run_cli(loader_args(store, warehouse), cwd, prefect_api, {
        "PREFECT_LOGGING_LEVEL": "DEBUG",
        "MSSP_TEMP_LOCATION": str(cwd / "tmp"),
        "MSSP_DATAHUB_API_KEY": API_KEY,
        "MSSP_DATAHUB_API_SECRET": SECRET,
        "MSSP_PARALLELISM": "2",
    })
    return CorpusRun(cwd, store, warehouse, corpus, canaries, result, prefect_api)
