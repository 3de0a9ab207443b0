"""Parquet output (local directory or object-store URL via fsspec).

Layout under the root::

    raw_data/<table>/<load_id>.parquet                 one part per source file and table
    mssp_meta/file_loads/<load_id>.parquet             one ledger row per part (the commit record)
    mssp_meta/rejected_records/<load_id>.parquet       that file's rejects, if any

A file's batches are spooled locally while parsing. At commit its data parts go up first
(local: temporary name then an atomic rename; object stores: one PUT, which becomes visible
whole or not at all), then its rejects part, then the ledger part last. The ledger part is
the commit record: readers (``register_views``) and ``prior_load`` only see a data part whose
``load_id`` is the latest ``loaded``/``replaced`` ledger row of its file, so a crash between
two steps leaves invisible orphans, which the next run's ``prepare`` removes. A re-issued
file writes a new part and then deletes its own old part; no table is ever rewritten.
Schema drift by name comes free: each part carries its own columns and readers use
``union_by_name``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

from tasks.backends import BackendBase, LedgerContext, PriorLoad
from tasks.backends.connections import ParquetConnection
from tasks.backends.staging import (
    FILE_LOADS_SCHEMA,
    REJECTS_SCHEMA,
    Spool,
    SpoolingFileWriter,
    ledger_table,
    rejects_table,
)
from tasks.ledger import LEDGER_SCHEMA, RAW_SCHEMA, REMOVED_MESSAGE
from tasks.models import CatalogEntry, FileOutcome

log = logging.getLogger(__name__)
SUCCESS = ("loaded", "replaced", "unchanged", "removed")  # the latest of these says what a file's rows are
DATA = ("loaded", "replaced")


@dataclass(frozen=True)
class _LedgerRow:
    load_id: str
    sha256: str | None
    tables: tuple[str, ...]
    status: str
    finished_at: dt.datetime


def _load_id_of(name: str) -> str:
    """``<load_id>.parquet`` or ``<load_id>_<k>.parquet`` -> load_id (uuids hold no ``_``)."""
    return name.rsplit("/", 1)[-1].split(".", 1)[0].split("_", 1)[0]


class ParquetBackend(BackendBase):
    @classmethod
    def from_connection(cls, connection: ParquetConnection) -> ParquetBackend:
        return cls(connection.root)

    def __init__(self, location: str, storage_options: dict | None = None) -> None:
        self.location = location
        self.fs, root = fsspec.core.url_to_fs(
            location, skip_instance_cache=True, **(storage_options or {}))
        self.root = root.rstrip("/")
        self.is_local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple)
                                   else (self.fs.protocol,))
        self._guard = threading.Lock()
        self._latest: dict[str, _LedgerRow] = {}  # file_path -> latest successful row
        self._data: dict[str, _LedgerRow] = {}  # file_path -> latest row that wrote data
        self._loaded = False

    # --- paths ----------------------------------------------------------------------------
    def _path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    def part_path(self, table: str, load_id: str, k: int = 0) -> str:
        return self._path(RAW_SCHEMA, table, f"{load_id}{'' if k == 0 else f'_{k}'}.parquet")

    def ledger_path(self, kind: str, load_id: str) -> str:
        return self._path(LEDGER_SCHEMA, kind, f"{load_id}.parquet")

    # --- atomic object writes -------------------------------------------------------------
    def _put(self, local: Path, target: str) -> None:
        if self.is_local:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            tmp = f"{target}.{uuid.uuid4().hex}.tmp"
            self.fs.put_file(str(local), tmp)
            os.replace(tmp, target)  # atomic on one filesystem
        else:
            self.fs.put_file(str(local), target)  # one object PUT: visible whole or not at all

    def _put_table(self, table: pa.Table, target: str, spool_dir: Path) -> None:
        local = spool_dir / f"{uuid.uuid4().hex}.parquet"
        pq.write_table(table, local)
        try:
            self._put(local, target)
        finally:
            local.unlink(missing_ok=True)

    # --- ledger -----------------------------------------------------------------------------
    def prepare(self) -> None:
        self.fs.makedirs(self._path(LEDGER_SCHEMA, "file_loads"), exist_ok=True)
        self._read_ledger()
        self._clean_orphans()

    def _read_ledger(self) -> None:
        paths = sorted(self.fs.glob(self._path(LEDGER_SCHEMA, "file_loads", "*.parquet")))
        latest: dict[str, _LedgerRow] = {}
        data: dict[str, _LedgerRow] = {}
        for chunk_start in range(0, len(paths), 500):
            chunk = paths[chunk_start:chunk_start + 500]
            table = pq.read_table(chunk, filesystem=self.fs, schema=FILE_LOADS_SCHEMA)
            for row in table.select(["load_id", "file_path", "sha256", "table_name", "status",
                                     "finished_at"]).to_pylist():
                self._remember(latest, data, row)
        data = {path: row for path, row in data.items() if latest[path].status != "removed"}
        with self._guard:
            self._latest, self._data, self._loaded = latest, data, True

    @staticmethod
    def _remember(latest: dict[str, _LedgerRow], data: dict[str, _LedgerRow], row: dict) -> None:
        if row["status"] not in SUCCESS:
            return
        entry = _LedgerRow(row["load_id"], row["sha256"],
                           tuple(t for t in (row["table_name"] or "").split(",") if t),
                           row["status"], row["finished_at"])
        path = row["file_path"]
        if path not in latest or latest[path].finished_at <= entry.finished_at:
            latest[path] = entry
        if entry.status in DATA and (path not in data or data[path].finished_at <= entry.finished_at):
            data[path] = entry
        if entry.status == "removed" and path in data and data[path].finished_at <= entry.finished_at:
            del data[path]  # purged by a full refresh: its parts are no longer current

    def current_load_ids(self) -> set[str]:
        with self._guard:
            return {row.load_id for row in self._data.values()}

    def _clean_orphans(self) -> int:
        """Remove data/rejects parts (and temporary files) no ledger row makes current."""
        keep = self.current_load_ids()
        candidates = self.fs.glob(self._path(RAW_SCHEMA, "*", "*")) + self.fs.glob(
            self._path(LEDGER_SCHEMA, "rejected_records", "*"))
        orphans = [p for p in candidates
                   if not p.endswith(".parquet") or _load_id_of(p) not in keep]
        for path in orphans:
            if self.fs.isfile(path):
                self.fs.rm_file(path)
        if orphans:
            log.info("removed %d uncommitted or superseded Parquet parts", len(orphans))
        return len(orphans)

    def prior_load(self, file_path: str) -> PriorLoad | None:
        if not self._loaded:
            self._read_ledger()
        with self._guard:
            row = self._latest.get(file_path)
        if row is None or row.status == "removed":  # purged by a full refresh: nothing loaded now
            return None
        return PriorLoad(row.sha256 or "", row.tables, row.status)

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        spool = Spool.create()
        try:
            self._commit_ledger(entry, outcome, ctx, spool.directory)
        finally:
            spool.cleanup()

    def _commit_ledger(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext,
                       spool_dir: Path) -> None:
        finished = dt.datetime.now()
        self._put_table(ledger_table(entry, outcome, ctx, finished),
                        self.ledger_path("file_loads", ctx.load_id), spool_dir)
        with self._guard:
            self._remember(self._latest, self._data,
                           {"load_id": ctx.load_id, "file_path": outcome.file_path,
                            "sha256": outcome.sha256, "table_name": outcome.table_name,
                            "status": outcome.status, "finished_at": finished})

    # --- one file -----------------------------------------------------------------------------
    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_ParquetFileWriter]:
        spool = Spool.create()
        writer = _ParquetFileWriter(self, entry, ctx, spool)
        try:
            yield writer
        finally:
            spool.cleanup()  # nothing was uploaded unless commit ran to its end

    def _delete_load(self, old: _LedgerRow) -> None:
        """Best effort: a superseded load's parts (invisible already; prepare retries)."""
        try:
            for table in old.tables:
                for path in self.fs.glob(self._path(RAW_SCHEMA, table, f"{old.load_id}*.parquet")):
                    self.fs.rm_file(path)
            rejects = self.ledger_path("rejected_records", old.load_id)
            if self.fs.exists(rejects):
                self.fs.rm_file(rejects)
        except OSError as exc:
            log.warning("could not remove superseded parts of load %s: %s", old.load_id, exc)

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        """Record each file no longer in the store (only for ``families``) as ``removed``, then
        drop its parts (best effort: the ledger row already makes them invisible; prepare retries)."""
        paths = self.fs.glob(self._path(LEDGER_SCHEMA, "file_loads", "*.parquet"))
        family_of: dict[str, str] = {}
        if paths:
            table = pq.read_table(paths, filesystem=self.fs, schema=FILE_LOADS_SCHEMA,
                                  columns=["file_path", "family"])
            family_of = dict(zip(table.column("file_path").to_pylist(),
                                 table.column("family").to_pylist(), strict=True))
        with self._guard:
            gone = [(p, row) for p, row in self._data.items()
                    if p not in present_paths and family_of.get(p) in families]
        spool = Spool.create()
        try:
            for path, row in gone:
                outcome = FileOutcome(path, family_of.get(path), ",".join(row.tables) or None, "removed",
                                      sha256=row.sha256, message=REMOVED_MESSAGE)
                self._commit_ledger(None, outcome, LedgerContext(run_id, str(uuid.uuid4()), dt.datetime.now()),
                                    spool.directory)
                self._delete_load(row)
        finally:
            spool.cleanup()
        return len(gone)

    def close(self) -> None:
        pass


class _ParquetFileWriter(SpoolingFileWriter):
    def __init__(self, backend: object, entry: CatalogEntry, ctx: LedgerContext, spool: Spool) -> None:
        super().__init__(backend, entry, ctx, None, spool)

    def commit(self, outcome: FileOutcome) -> None:
        b, spool = self.backend, self.spool
        spool.close()
        outcome.table_name = ",".join(spool.tables()) or outcome.table_name
        counters: dict[str, int] = {}
        for part in spool.parts:  # 1. data parts
            k = counters.get(part.table, 0)
            counters[part.table] = k + 1
            b._put(part.path, b.part_path(part.table, self.ctx.load_id, k))
        if self.rejects:  # 2. rejects part
            b._put_table(rejects_table(self.rejects, self.entry, self.ctx),
                         b.ledger_path("rejected_records", self.ctx.load_id), spool.directory)
        with b._guard:
            previous = b._data.get(self.entry.file_path)
        b._commit_ledger(self.entry, outcome, self.ctx, spool.directory)  # 3. the commit record
        if previous is not None and previous.load_id != self.ctx.load_id:
            b._delete_load(previous)  # 4. the re-issued file's own old part(s)


# --- readers -------------------------------------------------------------------------------

def duckdb_path(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


def register_views(con, root: str) -> list[str]:
    """Create ``raw_data.<table>`` and ``mssp_meta.*`` views over a Parquet root in DuckDB ``con``.

    Only committed, current parts are visible (see the module docstring). Returns the raw
    table names. For an object-store root, configure DuckDB's httpfs/secret first
    (``configure_duckdb_fs``).
    """
    fs, base = fsspec.core.url_to_fs(root, skip_instance_cache=True)
    ledger_glob = duckdb_path(root, LEDGER_SCHEMA, "file_loads", "*.parquet")
    con.execute(f"create schema if not exists {LEDGER_SCHEMA}")
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    empty_ledger = ", ".join(f"null::{t} as {n}" for n, t in _duck_columns(FILE_LOADS_SCHEMA))
    has_ledger = bool(fs.glob(duckdb_path(base, LEDGER_SCHEMA, "file_loads", "*.parquet")))
    source = (f"read_parquet('{ledger_glob}', union_by_name = true)" if has_ledger
              else f"(select {empty_ledger} where false)")
    con.execute(f"create or replace view {LEDGER_SCHEMA}.file_loads as select * from {source}")
    con.execute(f"""create or replace view {LEDGER_SCHEMA}.current_loads as
        select file_path, arg_max(load_id, finished_at) as load_id
        from {LEDGER_SCHEMA}.file_loads where status in ('loaded', 'replaced', 'removed') group by file_path
        having arg_max(status, finished_at) <> 'removed'""")
    rejects_glob = duckdb_path(root, LEDGER_SCHEMA, "rejected_records", "*.parquet")
    if fs.glob(duckdb_path(base, LEDGER_SCHEMA, "rejected_records", "*.parquet")):
        rejects = (f"select * from read_parquet('{rejects_glob}', union_by_name = true) "
                   f"where load_id in (select load_id from {LEDGER_SCHEMA}.current_loads)")
    else:
        empty = ", ".join(f"null::{t} as {n}" for n, t in _duck_columns(REJECTS_SCHEMA))
        rejects = f"select {empty} where false"
    con.execute(f"create or replace view {LEDGER_SCHEMA}.rejected_records as {rejects}")
    tables = sorted({p.rstrip("/").rsplit("/", 2)[-2]
                     for p in fs.glob(duckdb_path(base, RAW_SCHEMA, "*", "*.parquet"))})
    for table in tables:
        glob = duckdb_path(root, RAW_SCHEMA, table, "*.parquet")
        con.execute(
            f'create or replace view {RAW_SCHEMA}."{table}" as '
            f"select * from read_parquet('{glob}', union_by_name = true) "
            f"where load_id in (select load_id from {LEDGER_SCHEMA}.current_loads)")
    return tables


def _duck_columns(schema: pa.Schema) -> list[tuple[str, str]]:
    names = {pa.string(): "varchar", pa.int64(): "bigint", pa.date32(): "date",
             pa.timestamp("us"): "timestamp"}
    return [(f.name, names[f.type]) for f in schema]


def configure_duckdb_fs(con, root: str) -> None:
    """Let DuckDB read an ``s3://`` root from the standard AWS environment (incl. AWS_ENDPOINT_URL)."""
    if not root.startswith(("s3://", "s3a://")):
        return
    try:
        con.execute("load httpfs")
    except Exception:  # noqa: BLE001 - not installed yet: from the bundled wheel, else the network
        try:
            from duckdb_extensions import import_extension

            import_extension("httpfs", con=con)
        except ImportError:
            con.execute("install httpfs")
        con.execute("load httpfs")
    endpoint = os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")
    options = ["type s3", "provider credential_chain"]
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        options = ["type s3", f"key_id '{os.environ.get('AWS_ACCESS_KEY_ID', '')}'",
                   f"secret '{os.environ.get('AWS_SECRET_ACCESS_KEY', '')}'",
                   f"endpoint '{host.rstrip('/')}'", "url_style 'path'",
                   f"use_ssl {'true' if scheme == 'https' else 'false'}",
                   f"region '{os.environ.get('AWS_DEFAULT_REGION', 'us-east-1')}'"]
    con.execute(f"create or replace secret mssp_parquet_s3 ({', '.join(options)})")
