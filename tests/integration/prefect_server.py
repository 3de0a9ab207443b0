"""A real Prefect server for deployment tests: ``prefect server start`` as a subprocess.

    with prefect_server(tmp_path / "prefect-home") as env:   # env reaches the server
        prefect_cli(["work-pool", "ls"], env=env, cwd=project)

The server listens on 127.0.0.1 at a free port with its own ``PREFECT_HOME`` (SQLite inside
it). It is started in its own session and stopped by its process-group id (terminate, then
kill) on exit. ``fresh_project`` lays out a copy of the project as a user gets it from a clone.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.integration.servers import HOST, free_port

# Files of the deployment issue, copied over a clone so uncommitted work is tested too.
OVERLAY = ("prefect.yaml", "flows/dbt_only.py", "blocks/__init__.py", "blocks/profile.py")
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "data", "target", "logs", "dbt_packages", "__pycache__",
                                     ".pytest_cache", ".ruff_cache", "*.duckdb", "*.duckdb.wal", ".env")


def server_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment of a CLI or worker talking to the test server (no MSSP_* from the shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSSP_", "PREFECT_"))}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
        "PREFECT_CLI_WRAP_LINES": "false",
    })
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def _wait_healthy(api_url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"prefect server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"prefect server did not answer {api_url}/health within {timeout:g}s:\n"
                       f"{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the server's own process group (it was started as a session leader)."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def prefect_server(home: Path, timeout: float = 180.0) -> Iterator[dict[str, str]]:
    """Start ``prefect server start`` on a free port; yield the environment that reaches it."""
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://{HOST}:{port}/api"
    log = home / "server.log"
    env = server_env(home)
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", HOST, "--port", str(port)],
            env=env, cwd=home, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            _wait_healthy(api_url, proc, log, timeout)
            yield server_env(home, api_url)
        finally:
            _stop(proc)


def prefect_cli(args: Sequence[str], *, env: dict[str, str], cwd: Path,
                timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
    """``python -m prefect <args>`` with the project's interpreter; raises with output on failure."""
    run_env = {**env, "PWD": str(cwd)}  # what a shell in ``cwd`` would set; prefect.yaml reads it
    result = subprocess.run([sys.executable, "-m", "prefect", *args], cwd=cwd, env=run_env,
                            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise AssertionError(f"prefect {' '.join(args)} exited {result.returncode}:\n"
                             f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def fresh_project(source: Path, target: Path) -> Path:
    """A clone of ``source`` (its committed files) plus this issue's working files; else a copy."""
    if (source / ".git").exists() and shutil.which("git"):
        subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(source), str(target)], check=True,
                       capture_output=True, timeout=120)
        for rel in OVERLAY:
            if (source / rel).exists():
                (target / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / rel, target / rel)
    else:
        shutil.copytree(source, target, ignore=COPY_IGNORE)
    return target
