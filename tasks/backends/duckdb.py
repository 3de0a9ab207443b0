"""Embedded DuckDB output: raw tables in ``raw_data``, the ledger in ``mssp_meta``.

Files load in parallel threads, each through its own connection to the one database
instance of this process. DuckDB fails a commit whose table was altered by another open
transaction, so a file holds its table's lock for the whole transaction (files of
different tables still load side by side).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.backends import BackendBase, LedgerContext, PriorLoad
from tasks.backends.connections import DuckDBConnection
from tasks.ledger import (
    FILE_LOADS_COLUMNS,
    LEDGER_DDL,
    LEDGER_SCHEMA,
    LOAD_SEQ_DDL,
    RAW_METADATA_COLUMNS,
    RAW_SCHEMA,
    REMOVED_MESSAGE,
    SETTLED_COLUMNS,
    latest_settled,
    mark_duplicate,
    moved_message,
    naive_utc,
    same_bytes_elsewhere,
    utc_now,
)
from tasks.models import CatalogEntry, FileOutcome, ParsedBatch
from tasks.settings import DUCKDB_MEMORY_LIMIT, loader_memory_limit

META_NAMES = {name for name, _ in RAW_METADATA_COLUMNS}
SETTLED = "('loaded', 'replaced', 'unchanged', 'removed', 'duplicate')"
"""Ledger statuses that say what a file's rows are now; the latest of them wins. Only
``loaded``/``replaced``/``unchanged`` mean the file's rows are in the warehouse."""
CARRIES_ROWS = ("loaded", "replaced", "unchanged")
LATEST_FIRST = "load_seq desc nulls last, finished_at desc"  # see tasks.ledger.LOAD_SEQ_DDL
THREADS = 1
"""DuckDB worker threads of the loader's database. Each file's statements still run on the
thread of the file's load (files of different tables side by side); one thread per insert
leaves the other core to the parser running a batch ahead (``tasks.parsers.prefetch``). With
two, 16 MB inserts were slower and the commit longer (most likely each thread's partial row
groups merged at commit): a 5M-record CCLF5 file took 30 s of inserts and 1.4 GiB instead of
18 s and 0.65 GiB."""


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def arrow_to_sql_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_floating(t):
        return "DOUBLE"
    if pa.types.is_date(t):
        return "DATE"
    return "VARCHAR"


class DuckDBBackend(BackendBase):
    @classmethod
    def from_connection(cls, connection: DuckDBConnection) -> DuckDBBackend:
        return cls(connection.path, memory_limit=connection.memory_limit)

    def __init__(self, location: str, *, memory_limit: str = DUCKDB_MEMORY_LIMIT) -> None:
        self.location = location
        if not location.startswith("md:"):
            Path(location).parent.mkdir(parents=True, exist_ok=True)
        # insertion order inside a raw table carries no meaning (file_row_number does)
        # and a memory limit keeps a large load within a small machine (DuckDB spills past it)
        self._root = duckdb.connect(location, config={"preserve_insertion_order": False,
                                                      "memory_limit": loader_memory_limit(memory_limit),
                                                      "threads": THREADS})
        self._guard = threading.Lock()
        self._table_locks: dict[str, threading.Lock] = {}
        self._columns: dict[str, list[str]] = {}
        self._seq: int | None = None

    # --- ledger ---------------------------------------------------------------------------
    def prepare(self) -> None:
        for statement in (*LEDGER_DDL, LOAD_SEQ_DDL):
            self._root.execute(statement)
        row = self._root.execute(f"select max(load_seq) from {LEDGER_SCHEMA}.file_loads").fetchone()
        assert row is not None  # an aggregate without group by returns exactly one row
        (last,) = row
        self._seq = last or 0  # this process holds the file: a counter from the highest is monotonic

    def _next_seq(self) -> int:
        with self._guard:
            if self._seq is None:
                self.prepare()
            self._seq = (self._seq or 0) + 1
            return self._seq

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        return self._root.cursor()

    def prior_load(self, file_path: str) -> PriorLoad | None:
        with self._cursor() as cur:
            row = cur.execute(
                f"""select sha256, table_name, status from {LEDGER_SCHEMA}.file_loads
                    where file_path = ? and status in {SETTLED}
                    order by {LATEST_FIRST} limit 1""",
                [file_path],
            ).fetchone()
        if row is None or row[2] not in CARRIES_ROWS:  # removed or duplicate: none of its rows are loaded
            return None
        tables = tuple(t for t in (row[1] or "").split(",") if t)
        return PriorLoad(row[0], tables, row[2])

    def known_unchanged(self, entries: list[CatalogEntry]) -> dict[str, PriorLoad]:
        """Entries whose fingerprint was last seen with the sha256 of their latest good load."""
        keyed = [(e.file_path, e.fingerprint) for e in entries if e.fingerprint and e.kind]
        if not keyed:
            return {}
        candidates = pa.table({"file_path": [k[0] for k in keyed], "fingerprint": [k[1] for k in keyed]})
        with self._cursor() as cur:
            cur.register("mssp_candidates", candidates)
            rows = cur.execute(f"""
                with latest as (
                    select file_path, sha256, table_name, status from {LEDGER_SCHEMA}.file_loads
                    where status in {SETTLED}
                    qualify row_number() over (partition by file_path order by {LATEST_FIRST}) = 1)
                select l.file_path, l.sha256, l.table_name, l.status
                from mssp_candidates c
                join {LEDGER_SCHEMA}.file_fingerprints f using (file_path, fingerprint)
                join latest l on l.file_path = c.file_path and l.sha256 = f.sha256
                where l.status in ('loaded', 'replaced', 'unchanged')""").fetchall()
            cur.unregister("mssp_candidates")
        return {p: PriorLoad(sha, tuple(t for t in (tables or "").split(",") if t), status)
                for p, sha, tables, status in rows}

    def remember_fingerprint(self, file_path: str, fingerprint: str, sha256: str) -> None:
        with self._cursor() as cur:
            cur.execute(f"delete from {LEDGER_SCHEMA}.file_fingerprints where file_path = ?", [file_path])
            cur.execute(f"insert into {LEDGER_SCHEMA}.file_fingerprints values (?, ?, ?)",
                        [file_path, fingerprint, sha256])

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        with self._cursor() as cur:
            self._insert_ledger(cur, entry, outcome, ctx)

    def _insert_ledger(self, cur: duckdb.DuckDBPyConnection, entry: CatalogEntry | None,
                       outcome: FileOutcome, ctx: LedgerContext) -> None:
        names = ", ".join([*(n for n, _ in FILE_LOADS_COLUMNS), "load_seq"])
        cur.execute(
            f"insert into {LEDGER_SCHEMA}.file_loads ({names}) values ({', '.join(['?'] * 16)})",
            [ctx.load_id, ctx.run_id, outcome.file_path, outcome.family, outcome.table_name,
             outcome.sha256, outcome.size_bytes, entry.file_date if entry else None,
             outcome.rows_loaded, outcome.rows_expected, outcome.rows_rejected, outcome.status,
             outcome.message, naive_utc(ctx.started_at), naive_utc(utc_now()), self._next_seq()],
        )

    # --- one file, one transaction --------------------------------------------------------
    def _lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._table_locks.setdefault(key, threading.Lock())

    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_DuckDBFileWriter]:
        with self._lock(lock_key), self._cursor() as cur:
            cur.execute("begin transaction")
            try:
                writer = _DuckDBFileWriter(self, cur, entry, ctx, replace)
                yield writer
            except BaseException:
                _rollback(cur)
                raise
            if not writer.committed:
                _rollback(cur)

    def table_columns(self, cur: duckdb.DuckDBPyConnection, table: str) -> list[str] | None:
        rows = cur.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [RAW_SCHEMA, table],
        ).fetchall()
        return [r[0] for r in rows] or None

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        """Full refresh: remove the rows, rejects and fingerprint of every file gone from the store,
        and record each as ``removed`` so a later restore of the file loads it again."""
        with self._cursor() as cur:
            latest = cur.execute(
                f"""select file_path, family, table_name, sha256, status from {LEDGER_SCHEMA}.file_loads
                    where status in {SETTLED} and family in (select unnest(?::varchar[]))
                    qualify row_number() over (partition by file_path order by {LATEST_FIRST}) = 1""",
                [list(families)],
            ).fetchall()
            gone = [row for row in latest if row[4] in CARRIES_ROWS and row[0] not in present_paths]
            cur.execute("begin transaction")
            try:
                for path, family, tables, sha256, _ in gone:
                    self._remove_file(cur, path, family, tables, sha256, run_id)
                cur.execute("commit")
            except BaseException:
                _rollback(cur)
                raise
        return len(gone)

    def _remove_file(self, cur: duckdb.DuckDBPyConnection, path: str, family: str | None,
                     tables: str | None, sha256: str | None, run_id: str, message: str = REMOVED_MESSAGE) -> None:
        """Delete one file's rows, rejects and fingerprint, and write its ``removed`` ledger row."""
        self._delete_file(cur, path, (tables or "").split(","))
        outcome = FileOutcome(path, family, tables, "removed", sha256=sha256, message=message)
        self._insert_ledger(cur, None, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now()))

    def _delete_file(self, cur: duckdb.DuckDBPyConnection, path: str, tables: list[str]) -> None:
        for table in dict.fromkeys(tables):
            if table and self.table_columns(cur, table):
                cur.execute(f"delete from {RAW_SCHEMA}.{quote(table)} where file_path = ?", [path])
        cur.execute(f"delete from {LEDGER_SCHEMA}.rejected_records where file_path = ?", [path])
        cur.execute(f"delete from {LEDGER_SCHEMA}.file_fingerprints where file_path = ?", [path])

    def duplicate_of(self, entry: CatalogEntry, outcome: FileOutcome, present_paths: frozenset[str]) -> str | None:
        """The present path whose loaded rows are ``outcome``'s bytes, if any (outside a load)."""
        with self._cursor() as cur:
            twins = self.same_bytes_elsewhere(cur, outcome, entry.file_date)
        return next((path for path, _, _ in twins if path in present_paths), None)

    def same_bytes_elsewhere(self, cur: duckdb.DuckDBPyConnection, outcome: FileOutcome, file_date: dt.date | None
                             ) -> list[tuple[str, str | None, str | None]]:
        """(file_path, family, table_name) of the other files whose rows are these same bytes.

        Same bytes, table and file date: two deliveries of one content on different dates (a
        participant list unchanged from one performance year to the next) are both kept, since
        their rows differ by ``file_date``/``file_name`` and downstream models read those. The rule
        itself is ``tasks.ledger.same_bytes_elsewhere``, shared with the other backends."""
        rows = cur.execute(
            f"""select {', '.join(SETTLED_COLUMNS)} from {LEDGER_SCHEMA}.file_loads
                where status in {SETTLED} and file_path in
                    (select file_path from {LEDGER_SCHEMA}.file_loads where sha256 = ?)""",
            [outcome.sha256]).fetchall()
        twins = same_bytes_elsewhere(latest_settled(rows).values(), outcome.sha256, outcome.file_path,
                                     outcome.table_name, file_date)
        return [(t.file_path, t.family, t.table_name) for t in twins]

    def close(self) -> None:
        self._root.close()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    """Roll back, unless DuckDB already ended the transaction (a failed commit does)."""
    try:
        cur.execute("rollback")
    except duckdb.Error:
        pass


class _DuckDBFileWriter:
    """Appends one file's rows; old rows of a re-issued file go at commit time.

    DuckDB refuses a commit that alters a table after deleting from it in the same
    transaction, so new columns (schema drift) are added first and the file's previous rows
    (any other ``load_id``) are deleted just before the ledger row and the commit.
    """

    def __init__(self, backend: DuckDBBackend, cur: duckdb.DuckDBPyConnection, entry: CatalogEntry,
                 ctx: LedgerContext, replace: PriorLoad | None) -> None:
        self.backend = backend
        self.cur = cur
        self.entry = entry
        self.ctx = ctx
        self.replace = replace
        self.committed = False
        self.tables: list[str] = []
        self._known: dict[str, set[str]] = {}

    def delete_previous(self) -> None:
        tables = dict.fromkeys([*(self.replace.tables if self.replace else ()), *self.tables])
        for table in tables:
            if self.backend.table_columns(self.cur, table):
                self.cur.execute(f"delete from {RAW_SCHEMA}.{quote(table)} where file_path = ? and load_id <> ?",
                                 [self.entry.file_path, self.ctx.load_id])
        self.cur.execute(f"delete from {LEDGER_SCHEMA}.rejected_records where file_path = ? and load_id <> ?",
                         [self.entry.file_path, self.ctx.load_id])

    def _ensure_table(self, table: str, schema: pa.Schema) -> None:
        known = self._known.get(table)
        if known is not None and all(f.name in known for f in schema):
            return
        existing = self.backend.table_columns(self.cur, table)
        wanted = [(f.name, arrow_to_sql_type(f.type)) for f in schema if f.name != "file_row_number"]
        if existing is None:
            columns = ", ".join(f"{quote(n)} {t}" for n, t in wanted + list(RAW_METADATA_COLUMNS))
            self.cur.execute(f"create schema if not exists {RAW_SCHEMA}")
            self.cur.execute(f"create table if not exists {RAW_SCHEMA}.{quote(table)} ({columns})")
            existing = [n for n, _ in wanted + list(RAW_METADATA_COLUMNS)]
        for name, type_ in wanted:
            if name not in existing:  # schema drift by name: a new column joins the table
                self.cur.execute(f"alter table {RAW_SCHEMA}.{quote(table)} add column {quote(name)} {type_}")
                existing.append(name)
        self._known[table] = set(existing)

    def write(self, batch: ParsedBatch) -> None:
        rows = batch.rows
        renamed = [f"src_{n}" if n in META_NAMES - {"file_row_number"} else n for n in rows.column_names]
        if renamed != rows.column_names:
            rows = rows.rename_columns(renamed)
        if batch.table not in self.tables:
            self.tables.append(batch.table)
        self._ensure_table(batch.table, rows.schema)
        if rows.num_rows:
            e = self.entry
            # DuckDB finds the local name by a replacement scan. A registered view would keep every
            # batch alive until the file's transaction commits (memory growing with file size).
            mssp_batch = rows  # noqa: F841
            self.cur.execute(
                f"""insert into {RAW_SCHEMA}.{quote(batch.table)} by name
                    select *, ?::varchar as file_path, ?::varchar as file_name,
                           ?::varchar as directory_name, ?::date as file_date,
                           ?::varchar as load_id
                    from mssp_batch""",
                [e.file_path, e.file_name, e.directory_name, e.file_date, self.ctx.load_id],
            )
            del mssp_batch
        if batch.rejects:
            rejects = pa.table({
                "file_row_number": pa.array([r.file_row_number for r in batch.rejects], pa.int64()),
                "reason": pa.array([r.reason for r in batch.rejects], pa.string()),
            })
            mssp_rejects = rejects  # noqa: F841  (replacement scan, as above)
            self.cur.execute(
                f"""insert into {LEDGER_SCHEMA}.rejected_records
                    select ?::varchar, ?::varchar, file_row_number, reason from mssp_rejects""",
                [self.ctx.load_id, self.entry.file_path],
            )

    def commit(self, outcome: FileOutcome) -> None:
        outcome.table_name = ",".join(self.tables) or outcome.table_name
        present = self.ctx.present_paths
        has_records = outcome.rows_loaded + outcome.rows_rejected > 0  # empty files are all alike: no twins
        twins = (self.backend.same_bytes_elsewhere(self.cur, outcome, self.entry.file_date)
                 if present is not None and outcome.sha256 and has_records else [])
        kept = [path for path, _, _ in twins if path in present] if present is not None else []
        if kept:  # the same bytes already carry rows under a path still in the store
            self.backend._delete_file(self.cur, self.entry.file_path,
                                      [*(self.replace.tables if self.replace else ()), *self.tables])
            mark_duplicate(outcome, kept[0])
        else:
            if self.replace is not None:
                self.delete_previous()
            for path, family, tables in twins:  # renamed: the rows move here, the old path's go
                self.backend._remove_file(self.cur, path, family, tables, outcome.sha256, self.ctx.run_id,
                                          moved_message(self.entry.file_path))
        self.backend._insert_ledger(self.cur, self.entry, outcome, self.ctx)
        self.cur.execute("commit")
        self.committed = True
