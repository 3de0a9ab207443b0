"""Stand-ins for every output backend, each with a way to read back what it wrote.

``open_target(name, tmp_path)`` starts what the backend needs (a moto S3 server, a fakesnow
server, ...) and yields a ``Target``: ``open()`` gives a fresh backend (as a new run would),
``rows(table)``, ``ledger()`` and ``rejects()`` read the visible state with lowercase keys.
A target whose client package is not installed is skipped with the reason.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tasks.backends import Backend


@dataclass
class Target:
    name: str
    open: Callable[[], Backend]
    query: Callable[[str], list[dict[str, Any]]]  # SQL over raw_data / mssp_meta

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.query(f"select * from raw_data.{table}")

    def ledger(self) -> list[dict[str, Any]]:
        return self.query("select * from mssp_meta.file_loads")

    def rejects(self) -> list[dict[str, Any]]:
        return self.query("select * from mssp_meta.rejected_records order by file_row_number")


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0].lower() for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _duck_query(path: Path) -> Callable[[str], list[dict[str, Any]]]:
    def query(sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(path), read_only=True) as con:
            return _dicts(con.execute(sql))
    return query


def _require(module: str, extra: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed (uv sync --extra {extra})")


# --- targets ---------------------------------------------------------------------------------

@contextmanager
def _duckdb(tmp_path: Path) -> Iterator[Target]:
    from tasks.backends import open_backend

    path = tmp_path / "warehouse" / "mssp.duckdb"
    yield Target("duckdb", lambda: open_backend("DUCKDB", str(path)), _duck_query(path))


def _parquet_query(root: str) -> Callable[[str], list[dict[str, Any]]]:
    from tasks.backends.parquet import configure_duckdb_fs, register_views

    def query(sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(":memory:") as con:
            configure_duckdb_fs(con, root)
            register_views(con, root)
            return _dicts(con.execute(sql))
    return query


@contextmanager
def _parquet_local(tmp_path: Path) -> Iterator[Target]:
    from tasks.backends import open_backend

    root = str(tmp_path / "parquet")
    yield Target("parquet_local", lambda: open_backend("PARQUET", root), _parquet_query(root))


@contextmanager
def _parquet_s3(tmp_path: Path) -> Iterator[Target]:
    from tasks.backends import open_backend
    from tests.integration.servers import cloud_store

    with cloud_store("s3", tmp_path) as (url, env):
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            root = url.replace("/root", "/warehouse")
            yield Target("parquet_s3", lambda: open_backend("PARQUET", root), _parquet_query(root))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


@contextmanager
def fakesnow_server() -> Iterator[dict[str, Any]]:
    """fakesnow's HTTP server on 127.0.0.1 in a thread; yields connect kwargs.

    (``fakesnow.server()`` does the same, but importing the ``fakesnow.server`` module
    shadows that function after its first use, so the few lines are repeated here.)
    """
    import importlib
    import threading
    import time

    import uvicorn

    from tests.integration.servers import free_port

    app = importlib.import_module("fakesnow.server").app
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="fakesnow server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("fakesnow server did not start")
    try:
        yield {"user": "fake", "password": "snow", "account": "fakesnow", "host": "127.0.0.1",
               "port": port, "protocol": "http", "network_timeout": 5,
               "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False}}
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def _snowflake(tmp_path: Path) -> Iterator[Target]:
    _require("fakesnow", "snowflake")
    import snowflake.connector

    from tasks.backends.snowflake import SnowflakeBackend

    database = f"mssp_{uuid.uuid4().hex[:12]}"  # fakesnow keeps databases per process: isolate tests
    with fakesnow_server() as kwargs:
        def connect() -> Any:
            return snowflake.connector.connect(**kwargs, database=database, schema="public",
                                               autocommit=False)

        boot = connect()
        boot.cursor().execute(f"create database if not exists {database}")
        boot.cursor().execute(f"create schema if not exists {database}.public")
        boot.close()

        def query(sql: str) -> list[dict[str, Any]]:
            con = connect()
            try:
                cur = con.cursor()
                cur.execute(sql)
                return _dicts(cur)
            finally:
                con.close()

        yield Target("snowflake", lambda: SnowflakeBackend(connect), query)


# --- recording DB-API fakes that execute the translated statements on DuckDB -------------------

class RecordingConnection:
    """A DB-API connection that records every statement the backend sends, then runs it on DuckDB
    after a small, explicit translation of the dialect (``translate``). ``local_stage`` holds the
    files the backend 'uploaded' (Redshift S3 staging, Databricks Volume PUT)."""

    def __init__(self, path: Path, translate: Callable[[str], str | None]) -> None:
        self.con = duckdb.connect(str(path))
        self.translate = translate
        self.statements: list[tuple[str, list[Any] | None]] = []
        self.closed = False

    def cursor(self) -> RecordingCursor:
        return RecordingCursor(self)

    def close(self) -> None:
        self.closed = True
        self.con.close()


class RecordingCursor:
    def __init__(self, conn: RecordingConnection) -> None:
        self.conn = conn
        self.cur = conn.con.cursor()
        self.description: Any = None

    def execute(self, sql: str, params: list[Any] | None = None) -> None:
        self.conn.statements.append((sql, params))
        translated = self.conn.translate(sql)
        if translated is None:
            self.description = None
            return
        self.cur.execute(translated, params or [])
        self.description = self.cur.description

    def fetchall(self) -> list[tuple]:
        return self.cur.fetchall()

    def close(self) -> None:
        self.cur.close()


class LocalObjectStore:
    """``put_file``/``rm_file`` of ``s3://bucket/key`` URIs into a local directory (Redshift staging)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.puts: list[str] = []

    def local(self, uri: str) -> Path:
        return self.root / uri.split("://", 1)[1]

    def put_file(self, local: str, uri: str) -> None:
        import shutil

        self.puts.append(uri)
        self.local(uri).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, self.local(uri))

    def rm_file(self, uri: str) -> None:
        self.local(uri).unlink()


def redshift_translate(store: LocalObjectStore) -> Callable[[str], str | None]:
    import re

    copy = re.compile(r"^copy (\w+) from '(s3://[^']+)' iam_role '[^']+' format as parquet$")

    def translate(sql: str) -> str | None:
        if m := copy.match(sql):  # Redshift's Parquet COPY is positional: so is this
            return f"insert into {m[1]} select * from read_parquet('{store.local(m[2])}')"
        return sql.replace("%s", "?")
    return translate


def databricks_translate(volume_root: Path) -> Callable[[str], str | None]:
    import re
    import shutil

    put = re.compile(r"^put '([^']+)' into '(/Volumes/[^']+)' overwrite$")
    remove = re.compile(r"^remove '(/Volumes/[^']+)'$")

    def local(path: str) -> Path:
        return volume_root / path.lstrip("/")

    def translate(sql: str) -> str | None:
        if m := put.match(sql):
            local(m[2]).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(m[1], local(m[2]))
            return None
        if m := remove.match(sql):
            local(m[1]).unlink()
            return None
        sql = re.sub(r"parquet\.`([^`]+)`", lambda m: f"read_parquet('{local(m[1])}')", sql)
        sql = re.sub(r" add columns \((.+)\)$", r" add column \1", sql)
        return sql.replace(" using delta", "").replace("`", '"')
    return translate


@contextmanager
def _redshift(tmp_path: Path) -> Iterator[Target]:
    from tasks.backends.redshift import RedshiftBackend, RedshiftDialect

    store = LocalObjectStore(tmp_path / "s3")
    path = tmp_path / "redshift.duckdb"
    dialect = RedshiftDialect("s3://stage-bucket/mssp", "arn:aws:iam::123456789012:role/load", fs=store)
    yield Target("redshift", lambda: RedshiftBackend(
        lambda: RecordingConnection(path, redshift_translate(store)), dialect), _duck_query(path))


@contextmanager
def _databricks(tmp_path: Path) -> Iterator[Target]:
    from tasks.backends.databricks import DatabricksBackend, DatabricksDialect

    path = tmp_path / "databricks.duckdb"
    dialect = DatabricksDialect("/Volumes/main/mssp/staging")
    yield Target("databricks", lambda: DatabricksBackend(
        lambda: RecordingConnection(path, databricks_translate(tmp_path / "volumes")), dialect),
        _duck_query(path))


@contextmanager
def _fabric(tmp_path: Path) -> Iterator[Target]:
    _require("deltalake", "fabric")
    from tasks.backends.fabric import FabricBackend

    root = tmp_path / "onelake" / "mssp.Lakehouse"

    def query(sql: str) -> list[dict[str, Any]]:
        from deltalake import DeltaTable

        with duckdb.connect(":memory:") as con:
            for schema_dir in sorted((root / "Tables").glob("*")):
                con.execute(f"create schema if not exists {schema_dir.name}")
                for table_dir in sorted(schema_dir.glob("*")):
                    arrow = DeltaTable(str(table_dir)).to_pyarrow_table()  # noqa: F841 - used by name
                    con.execute(f"create table {schema_dir.name}.{table_dir.name} as select * from arrow")
            return _dicts(con.execute(sql))

    yield Target("fabric", lambda: FabricBackend(str(root)), query)


TARGETS: dict[str, Callable[[Path], Any]] = {
    "fabric_local_delta": _fabric,
    "redshift_on_duckdb": _redshift,
    "databricks_on_duckdb": _databricks,
    "duckdb": _duckdb,
    "parquet_local": _parquet_local,
    "parquet_s3": _parquet_s3,
    "snowflake": _snowflake,
}


@contextmanager
def open_target(name: str, tmp_path: Path) -> Iterator[Target]:
    with TARGETS[name](tmp_path) as target:
        yield target
