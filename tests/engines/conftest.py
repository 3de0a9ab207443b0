"""Engine fixtures: one PostgreSQL server and one DuckDB reference build per session.

The reference: a small synthetic store (``demo.synthetic``) loaded into DuckDB with the real
loader and built with ``dbt/alr``, ``dbt/cclf`` and ``dbt/mssp``; every engine test loads the same store into
its engine and compares the final relations with it (``tests/engines/compare.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from demo.synthetic import generate_demo
from tasks.dbt.runner import build_project
from tasks.settings import load_settings
from tests.integration.servers import free_port
from tests.loading import load_store

REPO = Path(__file__).resolve().parents[2]
PROJECTS = ("alr", "cclf", "mssp")
BENEFICIARIES = 12
PG_BIN = Path("/usr/lib/postgresql/15/bin")


@dataclass(frozen=True)
class Reference:
    store: Path
    warehouse: Path


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The generated store and its DuckDB build (alr, cclf, mssp), shared by every engine test."""
    root = tmp_path_factory.mktemp("engines-ref")
    store, warehouse = root / "store", root / "warehouse.duckdb"
    generate_demo(store, beneficiaries=BENEFICIARIES, seed=17)
    outcomes = load_store(store, warehouse)
    assert not [o for o in outcomes if o.status == "failed"]
    mp = pytest.MonkeyPatch()
    mp.setenv("MSSP_OUTPUT_TYPE", "DUCKDB")
    mp.setenv("MSSP_OUTPUT_LOCATION", str(warehouse))
    try:
        settings = load_settings()
        for project in PROJECTS:
            build_project(REPO / "dbt" / project, settings, use_prefect=False).raise_for_failure()
    finally:
        mp.undo()
    return Reference(store, warehouse)


@dataclass(frozen=True)
class Postgres:
    host: str
    port: int
    user: str
    dbname: str

    def dsn(self, dbname: str | None = None) -> str:
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname or self.dbname}"


def _server_user() -> dict[str, str]:
    """initdb/postgres refuse to run as root: run them as the ``postgres`` system user then."""
    return {"user": "postgres"} if os.geteuid() == 0 else {}


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A throwaway PostgreSQL 15 server on 127.0.0.1 (Debian's binaries), stopped by its pid."""
    if not (PG_BIN / "postgres").exists():
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    root = Path(tempfile.mkdtemp(prefix="mssp-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = free_port()
    subprocess.run([str(PG_BIN / "initdb"), "-D", str(data), "-U", "mssp", "--auth=trust", "-E", "UTF8",
                    "--locale=C"], check=True, capture_output=True, cwd=root, **_server_user())
    log = open(root / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([str(PG_BIN / "postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
                             "-k", str(root), "-c", "fsync=off", "-c", "shared_buffers=64MB"],
                            stdout=log, stderr=subprocess.STDOUT, cwd=root, **_server_user())
    try:
        import psycopg2

        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=port, user="mssp", dbname="postgres").close()
                break
            except psycopg2.OperationalError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("PostgreSQL did not start") from None
                time.sleep(0.3)
        yield Postgres("127.0.0.1", port, "mssp", "postgres")
    finally:
        proc.terminate()  # SIGTERM = smart shutdown of this postmaster only
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        shutil.rmtree(root, ignore_errors=True)
