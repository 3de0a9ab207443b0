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
from typing import TYPE_CHECKING

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
from tasks.ledger import (
    LEDGER_SCHEMA,
    RAW_SCHEMA,
    REMOVED_MESSAGE,
    SETTLED_STATUSES,
    SettledRow,
    mark_duplicate,
    moved_message,
    same_bytes_elsewhere,
    utc_now,
)
from tasks.models import CatalogEntry, FileOutcome

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)
SUCCESS = SETTLED_STATUSES  # the latest of these says what a file's rows are
DATA = ("loaded", "replaced")
LEDGER_PART_SCHEMA = FILE_LOADS_SCHEMA.append(pa.field("load_seq", pa.int64()))
"""A ledger part: the ``file_loads`` row plus ``load_seq``, a number one above the highest in the
ledger (the run lock serialises the runs of one root). A file's latest row has the highest
``load_seq`` (parts from before it have none and count as older), never the latest ``finished_at``."""


@dataclass(frozen=True)
class _LedgerRow:
    load_id: str
    sha256: str | None
    tables: tuple[str, ...]
    status: str
    finished_at: dt.datetime
    load_seq: int | None = None
    family: str | None = None
    file_date: dt.date | None = None

    def settled(self, file_path: str) -> SettledRow:
        return SettledRow(file_path, self.family, ",".join(self.tables) or None, self.sha256, self.status,
                          self.file_date, self.load_seq, self.finished_at)

    def later_than(self, other: _LedgerRow) -> bool:
        """True when this row is at least as late as ``other`` (by ``load_seq``, then by time)."""
        return self.settled("").order_key() >= other.settled("").order_key()


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
        self._seq = 0  # the highest load_seq in the ledger

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
        seq = 0
        for chunk_start in range(0, len(paths), 500):
            chunk = paths[chunk_start:chunk_start + 500]
            table = pq.read_table(chunk, filesystem=self.fs, schema=LEDGER_PART_SCHEMA)  # old parts: NULL load_seq
            for row in table.select(["load_id", "file_path", "sha256", "table_name", "status",
                                     "finished_at", "load_seq", "family", "file_date"]).to_pylist():
                self._remember(latest, data, row)
                seq = max(seq, row["load_seq"] or 0)
        data = {path: row for path, row in data.items() if latest[path].status not in ("removed", "duplicate")}
        with self._guard:
            self._latest, self._data, self._loaded, self._seq = latest, data, True, seq

    @staticmethod
    def _remember(latest: dict[str, _LedgerRow], data: dict[str, _LedgerRow], row: dict) -> None:
        if row["status"] not in SUCCESS:
            return
        entry = _LedgerRow(row["load_id"], row["sha256"],
                           tuple(t for t in (row["table_name"] or "").split(",") if t),
                           row["status"], row["finished_at"], row.get("load_seq"), row.get("family"),
                           row.get("file_date"))
        path = row["file_path"]
        if path not in latest or entry.later_than(latest[path]):
            latest[path] = entry
        if entry.status in DATA and (path not in data or entry.later_than(data[path])):
            data[path] = entry
        if entry.status in ("removed", "duplicate") and path in data and entry.later_than(data[path]):
            del data[path]  # purged, moved or a duplicate: its parts are no longer current

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
        if row is None or row.status in ("removed", "duplicate"):  # none of its rows are loaded now
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
        finished = utc_now()
        with self._guard:
            self._seq += 1
            seq = self._seq
        part = ledger_table(entry, outcome, ctx, finished)
        part = part.append_column(LEDGER_PART_SCHEMA.field("load_seq"), pa.array([seq], pa.int64()))
        self._put_table(part, self.ledger_path("file_loads", ctx.load_id), spool_dir)
        with self._guard:
            self._remember(self._latest, self._data,
                           {"load_id": ctx.load_id, "file_path": outcome.file_path,
                            "sha256": outcome.sha256, "table_name": outcome.table_name,
                            "status": outcome.status, "finished_at": part.column("finished_at")[0].as_py(),
                            "load_seq": seq, "family": outcome.family,
                            "file_date": entry.file_date if entry else None})

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
                self._commit_ledger(None, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now()),
                                    spool.directory)
                self._delete_load(row)
        finally:
            spool.cleanup()
        return len(gone)

    def twins(self, entry: CatalogEntry, outcome: FileOutcome, present: frozenset[str] | None) -> list[SettledRow]:
        """Other files whose rows are these same bytes (``tasks.ledger.same_bytes_elsewhere``)."""
        if present is None or not outcome.sha256 or not outcome.rows_loaded + outcome.rows_rejected:
            return []  # no duplicate check asked for; empty files are all alike: no twins
        if not self._loaded:
            self._read_ledger()
        with self._guard:
            latest = [row.settled(path) for path, row in self._latest.items()]
        return same_bytes_elsewhere(latest, outcome.sha256, entry.file_path, outcome.table_name, entry.file_date)

    def duplicate_of(self, entry: CatalogEntry, outcome: FileOutcome, present_paths: frozenset[str]) -> str | None:
        """The present path whose loaded rows are ``outcome``'s bytes, if any (outside a load)."""
        return next((t.file_path for t in self.twins(entry, outcome, present_paths)
                     if t.file_path in present_paths), None)

    def remove_moved(self, twin: SettledRow, new_path: str, run_id: str, spool_dir: Path) -> None:
        """A renamed file's old path: recorded ``removed`` (its parts then invisible), parts dropped."""
        with self._guard:
            old = self._data.get(twin.file_path)
        outcome = FileOutcome(twin.file_path, twin.family, twin.table_name, "removed", sha256=twin.sha256,
                              message=moved_message(new_path))
        self._commit_ledger(None, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now()), spool_dir)
        if old is not None:
            self._delete_load(old)

    def close(self) -> None:
        pass


class _ParquetFileWriter(SpoolingFileWriter[ParquetBackend]):
    def __init__(self, backend: ParquetBackend, entry: CatalogEntry, ctx: LedgerContext, spool: Spool) -> None:
        super().__init__(backend, entry, ctx, None, spool)

    def commit(self, outcome: FileOutcome) -> None:
        b, spool = self.backend, self.spool
        spool.close()
        outcome.table_name = ",".join(spool.tables()) or outcome.table_name
        twins = b.twins(self.entry, outcome, self.ctx.present_paths)
        kept = [t.file_path for t in twins if t.file_path in (self.ctx.present_paths or ())]
        if kept:  # the same bytes already carry rows under a path still in the store: upload nothing
            with b._guard:
                previous = b._data.get(self.entry.file_path)
            mark_duplicate(outcome, kept[0])
            b._commit_ledger(self.entry, outcome, self.ctx, spool.directory)
            if previous is not None:
                b._delete_load(previous)  # a re-issue that became a duplicate: its own old part goes
            return
        for twin in twins:  # renamed: the old path goes first (a crash then leaves this path to load next run)
            b.remove_moved(twin, self.entry.file_path, self.ctx.run_id, spool.directory)
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


def register_views(con: duckdb.DuckDBPyConnection, root: str) -> list[str]:
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
    if "load_seq" not in {r[0] for r in con.execute(f"describe {LEDGER_SCHEMA}.file_loads").fetchall()}:
        con.execute(f"create or replace view {LEDGER_SCHEMA}.file_loads as "
                    f"select *, null::bigint as load_seq from {source}")  # a ledger from before load_seq
    con.execute(f"""create or replace view {LEDGER_SCHEMA}.current_loads as
        select file_path, load_id from (
            select file_path, load_id, status, row_number() over (
                partition by file_path order by load_seq desc nulls last, finished_at desc) as n
            from {LEDGER_SCHEMA}.file_loads where status in ('loaded', 'replaced', 'removed', 'duplicate'))
        where n = 1 and status in ('loaded', 'replaced')""")
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


def configure_duckdb_fs(con: duckdb.DuckDBPyConnection, root: str) -> None:
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
