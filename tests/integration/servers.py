"""Local stand-ins for cloud object stores, started as subprocesses on 127.0.0.1.

Each context manager picks a free port, starts the server, waits until it answers HTTP,
yields its endpoint, and stops it by pid (terminate, then kill) on exit:

    with moto_server() as endpoint:          # S3: http://127.0.0.1:<port>
    with azurite(tmp_path) as conn_string:   # Azure Blob: a connection string
    with gcs_emulator() as endpoint:         # GCS: http://127.0.0.1:<port>

Azurite comes from npm; ``azurite_command()`` installs it on demand into a cache directory
and skips the test (with the reason) only when npm itself is absent.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HOST = "127.0.0.1"
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mssp-pipeline"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early ({proc.returncode}): {proc.args}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url} within {timeout:g}s")


@contextmanager
def _process(argv: list[str], ready_url: str, log: Path | None = None) -> Iterator[None]:
    sink = open(log, "wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_http(ready_url, proc)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if log:
            sink.close()  # type: ignore[union-attr]


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        pytest.skip(f"{name} is not installed (dev dependency group)")
    return found


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto S3 server; yields the endpoint URL."""
    port = free_port()
    endpoint = f"http://{HOST}:{port}"
    with _process([_venv_bin("moto_server"), "-H", HOST, "-p", str(port)], endpoint + "/"):
        yield endpoint


@contextmanager
def gcs_emulator() -> Iterator[str]:
    """gcp-storage-emulator (in memory); yields the endpoint URL."""
    port = free_port()
    endpoint = f"http://{HOST}:{port}"
    argv = [_venv_bin("gcp-storage-emulator"), "start", f"--host={HOST}", f"--port={port}",
            "--in-memory"]
    with _process(argv, endpoint + "/storage/v1/b"):
        yield endpoint


def azurite_command() -> str:
    """Path of ``azurite-blob``: on PATH, in the cache, or installed there now with npm."""
    found = shutil.which("azurite-blob")
    if found:
        return found
    prefix = CACHE / "azurite"
    cached = prefix / "node_modules" / ".bin" / "azurite-blob"
    if cached.exists():
        return str(cached)
    npm = shutil.which("npm")
    if not npm:
        pytest.skip("Azurite is not installed and npm is absent (cannot install azurite)")
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "azurite"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600,
    )
    return str(cached)


@contextmanager
def azurite(workdir: Path) -> Iterator[str]:
    """Azurite blob service with its data under ``workdir``; yields a connection string."""
    port = free_port()
    location = workdir / "azurite"
    location.mkdir(parents=True, exist_ok=True)
    argv = [azurite_command(), "--blobHost", HOST, "--blobPort", str(port),
            "--location", str(location), "--silent", "--skipApiVersionCheck", "--loose"]
    endpoint = f"http://{HOST}:{port}/{AZURITE_ACCOUNT}"
    with _process(argv, endpoint + "?comp=list", log=workdir / "azurite.log"):
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={endpoint};"
        )


@contextmanager
def prefect_api() -> Iterator[str]:
    """The Prefect test API: a harness already active on 127.0.0.1 (tests/conftest.py), else
    a new ``prefect_test_harness`` for the caller's scope. Yields the API URL."""
    from prefect.settings import PREFECT_API_URL

    current = PREFECT_API_URL.value()
    if current and ("127.0.0.1" in current or "localhost" in current):
        yield current
        return
    from prefect.testing.utilities import prefect_test_harness

    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    with prefect_test_harness(server_startup_timeout=120):
        yield str(PREFECT_API_URL.value())


BUCKET = "mssp-store"


@contextmanager
def cloud_store(kind: str, workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A started emulator with an empty bucket/container for ``kind`` in s3, az, gs.

    Yields ``(store_url, env)``: ``env`` is the standard environment (``AWS_*``,
    ``AZURE_STORAGE_CONNECTION_STRING``, ``STORAGE_EMULATOR_HOST``) that reaches it.
    """
    if kind == "s3":
        with moto_server() as endpoint:
            env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": endpoint}
            import s3fs

            s3fs.S3FileSystem(endpoint_url=endpoint, key="testing", secret="testing",
                              skip_instance_cache=True).mkdir(BUCKET)
            yield f"s3://{BUCKET}/root", env
    elif kind == "az":
        with azurite(workdir) as conn:
            import adlfs

            adlfs.AzureBlobFileSystem(connection_string=conn, skip_instance_cache=True).mkdir(
                BUCKET
            )
            yield f"az://{BUCKET}/root", {"AZURE_STORAGE_CONNECTION_STRING": conn}
    elif kind == "gs":
        with gcs_emulator() as endpoint:
            import gcsfs

            gcsfs.GCSFileSystem(endpoint_url=endpoint, token="anon",
                                skip_instance_cache=True).mkdir(BUCKET)
            yield f"gs://{BUCKET}/root", {"STORAGE_EMULATOR_HOST": endpoint}
    else:
        raise ValueError(kind)
