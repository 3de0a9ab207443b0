"""A DB-API warehouse backend; the dialects (Snowflake, Redshift, Databricks) fill in the SQL.

One connection per run (mssp_files.md §6.13); files share it one at a time. A file's batches
are spooled to local Parquet while the parser streams; at commit:

1. DDL outside the transaction (warehouses commit DDL implicitly): create the raw table or
   add the file's new columns by name (schema drift; an added column stays even if the file
   then fails, NULL everywhere, which loses nothing);
2. stage the Parquet parts (Snowflake PUT, S3 upload for Redshift, a Volume for Databricks);
3. one transaction: delete the file's old rows and rejects, bulk-load the staged parts by
   column name, insert its rejects and its ledger row, commit. A failure rolls back all of it.

A dialect without multi-statement transactions (Databricks) gets the same end state from one
atomic statement per table that deletes the file's old rows and inserts its new ones, and by
always deleting by ``file_path`` so a crash before the ledger row makes the rerun exact.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from tasks.backends import BackendBase, LedgerContext, PriorLoad
from tasks.backends.staging import SIMPLE_IDENTIFIER, Spool, SpoolingFileWriter, SpoolPart, ledger_values
from tasks.ledger import (
    CARRIES_ROWS,
    FILE_LOADS_COLUMNS,
    LEDGER_SCHEMA,
    RAW_METADATA_COLUMNS,
    RAW_SCHEMA,
    REJECTED_RECORDS_COLUMNS,
    REMOVED_MESSAGE,
    SETTLED_COLUMNS,
    SETTLED_STATUSES,
    SettledRow,
    latest_settled,
    mark_duplicate,
    moved_message,
    same_bytes_elsewhere,
    utc_now,
)
from tasks.models import CatalogEntry, FileOutcome

log = logging.getLogger(__name__)
SETTLED = "(" + ", ".join(f"'{s}'" for s in SETTLED_STATUSES) + ")"
LATEST_FIRST = "load_seq desc nulls last, finished_at desc"
"""A file's latest ledger row: the highest ``load_seq`` (a monotonic number given at insert; rows
from before the column have NULL), never the latest ``finished_at`` (the clock can step back)."""


class Dialect:
    """SQL and bulk-load differences between warehouses. Identifiers are lowercase on our side."""

    name = "generic"
    placeholder = "%s"
    transactional = True
    autocommit = True  # False: the connection opens a transaction at the first DML (Snowflake)
    types = {"VARCHAR": "VARCHAR", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE PRECISION", "DATE": "DATE",
             "TIMESTAMP": "TIMESTAMP"}

    def ident(self, name: str) -> str:
        return name if SIMPLE_IDENTIFIER.match(name) else '"' + name.replace('"', '""') + '"'

    def table(self, schema: str, name: str) -> str:
        return f"{self.ident(schema)}.{self.ident(name)}"

    def begin(self) -> str | None:
        return "begin"

    def commit(self) -> str | None:
        return "commit"

    def rollback(self) -> str | None:
        return "rollback"

    def create_schema(self, schema: str) -> str:
        return f"create schema if not exists {self.ident(schema)}"

    def create_table(self, schema: str, table: str, columns: Sequence[tuple[str, str]]) -> str:
        cols = ", ".join(f"{self.ident(n)} {self.types[t]}" for n, t in columns)
        return f"create table if not exists {self.table(schema, table)} ({cols})"

    def add_column(self, schema: str, table: str, name: str, type_: str) -> str:
        return f"alter table {self.table(schema, table)} add column {self.ident(name)} {self.types[type_]}"

    def columns_query(self) -> str:
        p = self.placeholder
        return ("select column_name from information_schema.columns where lower(table_schema) = "
                f"{p} and lower(table_name) = {p} order by ordinal_position")

    def prepare_statements(self) -> list[str]:
        return []

    # bulk path ---------------------------------------------------------------------------
    def stage(self, cur: Any, part: SpoolPart, load_id: str, index: int) -> Any:
        """Upload one spooled part before the transaction; returns a handle for ``load``."""
        raise NotImplementedError

    def load(self, cur: Any, part: SpoolPart, staged: Any, file_path: str) -> None:
        """Inside the transaction: insert the staged part's rows into its table by column name."""
        raise NotImplementedError

    def unstage(self, cur: Any, staged: Any) -> None:
        """Remove a staged part (best effort)."""

    def replace_statements(self, part: SpoolPart, staged: Any, file_path: str,
                           replace_old: bool) -> list[tuple[str, list]]:
        """Non-transactional dialects: one atomic statement that inserts the part's rows and
        (``replace_old``: the table's first part of this file) deletes the file's old rows."""
        raise NotImplementedError


def _execute(cur: Any, sql: str, params: Sequence[Any] | None = None) -> None:
    if params is None:
        cur.execute(sql)
    else:
        cur.execute(sql, list(params))


class SqlWarehouseBackend(BackendBase):
    def __init__(self, connect: Callable[[], Any], dialect: Dialect) -> None:
        self.dialect = dialect
        self._conn = connect()  # one connection for the run
        self._lock = threading.RLock()
        self._columns: dict[str, list[str]] = {}
        self._seq: int | None = None  # the highest load_seq so far (read in prepare)

    # --- helpers ----------------------------------------------------------------------------
    def _cursor(self) -> Any:
        return self._conn.cursor()

    def _fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur = self._cursor()
        try:
            _execute(cur, sql, params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def _run(self, statements: Sequence[str | tuple[str, Sequence[Any]]]) -> None:
        cur = self._cursor()
        try:
            for st in statements:
                sql, params = (st, None) if isinstance(st, str) else st
                _execute(cur, sql, params)
        finally:
            cur.close()

    def table_columns(self, table: str, schema: str = RAW_SCHEMA) -> list[str] | None:
        rows = self._fetchall(self.dialect.columns_query(), [schema, table])
        return [str(r[0]).lower() for r in rows] or None

    # --- ledger -----------------------------------------------------------------------------
    def prepare(self) -> None:
        d = self.dialect
        with self._lock:
            self._run([d.create_schema(LEDGER_SCHEMA), d.create_schema(RAW_SCHEMA),
                       d.create_table(LEDGER_SCHEMA, "file_loads", FILE_LOADS_COLUMNS),
                       d.create_table(LEDGER_SCHEMA, "rejected_records", REJECTED_RECORDS_COLUMNS),
                       *d.prepare_statements()])
            if "load_seq" not in (self.table_columns("file_loads", LEDGER_SCHEMA) or []):  # an older ledger
                self._run([d.add_column(LEDGER_SCHEMA, "file_loads", "load_seq", "BIGINT"),
                           *self._autocommit_tail()])
            rows = self._fetchall(f"select max(load_seq) from {d.table(LEDGER_SCHEMA, 'file_loads')}")
            self._seq = int(rows[0][0] or 0) if rows else 0

    def _next_seq(self) -> int:
        """The next ``load_seq``: one run holds the output (the run lock), so counting on from the
        highest at ``prepare`` is monotonic; two machines loading one warehouse at once could tie."""
        with self._lock:
            if self._seq is None:
                self.prepare()
            self._seq = (self._seq or 0) + 1
            return self._seq

    def prior_load(self, file_path: str) -> PriorLoad | None:
        p = self.dialect.placeholder
        with self._lock:
            rows = self._fetchall(
                f"select sha256, table_name, status from {self.dialect.table(LEDGER_SCHEMA, 'file_loads')} "
                f"where file_path = {p} and status in {SETTLED} "
                f"order by {LATEST_FIRST} limit 1", [file_path])
        if not rows or rows[0][2] not in CARRIES_ROWS:  # removed or duplicate: none of its rows are loaded
            return None
        sha, tables, status = rows[0]
        return PriorLoad(sha, tuple(t for t in (tables or "").split(",") if t), status)

    def _ledger_insert(self, entry: CatalogEntry | None, outcome: FileOutcome,
                       ctx: LedgerContext) -> tuple[str, list]:
        d = self.dialect
        names = ", ".join(d.ident(n) for n, _ in (*FILE_LOADS_COLUMNS, ("load_seq", "BIGINT")))
        marks = ", ".join([d.placeholder] * (len(FILE_LOADS_COLUMNS) + 1))
        return (f"insert into {d.table(LEDGER_SCHEMA, 'file_loads')} ({names}) values ({marks})",
                [*ledger_values(entry, outcome, ctx, utc_now()), self._next_seq()])

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        with self._lock:
            self._run([self._ledger_insert(entry, outcome, ctx), *self._autocommit_tail()])

    def _autocommit_tail(self) -> list[str]:
        d = self.dialect
        return [] if d.autocommit or not d.commit() else [d.commit() or ""]

    # --- one file ---------------------------------------------------------------------------
    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_SqlFileWriter]:
        spool = Spool.create()
        writer = _SqlFileWriter(self, entry, ctx, replace, spool)
        try:
            yield writer
        finally:
            spool.cleanup()

    def ensure_table(self, table: str, columns: list[tuple[str, str]]) -> None:
        """DDL outside the file's transaction: create the table or add new columns by name."""
        d = self.dialect
        existing = self._columns.get(table) or self.table_columns(table)
        if existing is None:
            source = [(n, t) for n, t in columns if n not in {m for m, _ in RAW_METADATA_COLUMNS}]
            self._run([d.create_table(RAW_SCHEMA, table, source + list(RAW_METADATA_COLUMNS))])
            existing = [n for n, _ in source] + [n for n, _ in RAW_METADATA_COLUMNS]
        new = [(n, t) for n, t in columns if n not in existing]
        for name, type_ in new:
            self._run([d.add_column(RAW_SCHEMA, table, name, type_)])
            existing.append(name)
        self._columns[table] = existing

    def _commit_file(self, writer: _SqlFileWriter, outcome: FileOutcome) -> None:
        d, spool, entry = self.dialect, writer.spool, writer.entry
        spool.close()
        tables = spool.tables()
        outcome.table_name = ",".join(tables) or outcome.table_name
        with self._lock:
            twins = self._twins(entry, outcome, writer.ctx.present_paths)
            kept = [t.file_path for t in twins if t.file_path in (writer.ctx.present_paths or ())]
            if kept:  # the same bytes already carry rows under a path still in the store
                self._commit_duplicate(writer, outcome, tables, kept[0])
                return
            for table in tables:
                self.ensure_table(table, spool.columns(table))
            old_tables = [t for t in (writer.replace.tables if writer.replace else ())
                          if t not in tables and self.table_columns(t)]
            moved: list[tuple[str, list]] = []  # a rename: the old path's rows go, it is recorded removed
            for twin in twins:
                moved += self._remove_statements(twin, writer.ctx.run_id, moved_message(entry.file_path))
            cur = self._cursor()
            staged: list[Any] = []
            try:
                staged = [d.stage(cur, part, writer.ctx.load_id, i) for i, part in enumerate(spool.parts)]
                if d.transactional:
                    self._transaction(cur, writer, outcome, tables, old_tables, staged, moved)
                else:
                    self._statementwise(cur, writer, outcome, old_tables, staged, moved)
            finally:
                for handle in staged:
                    try:
                        d.unstage(cur, handle)
                    except Exception as exc:  # noqa: BLE001 - cleanup only
                        log.warning("could not remove a staged part of %s: %s", entry.file_name, exc)
                cur.close()

    def _twins(self, entry: CatalogEntry, outcome: FileOutcome, present: frozenset[str] | None) -> list[SettledRow]:
        """Other files whose rows are these same bytes (``tasks.ledger.same_bytes_elsewhere``)."""
        if present is None or not outcome.sha256 or not outcome.rows_loaded + outcome.rows_rejected:
            return []  # no duplicate check asked for; empty files are all alike: no twins
        ledger, p = self.dialect.table(LEDGER_SCHEMA, "file_loads"), self.dialect.placeholder
        rows = self._fetchall(
            f"select {', '.join(SETTLED_COLUMNS)} from {ledger} where status in {SETTLED} and file_path in "
            f"(select file_path from {ledger} where sha256 = {p})", [outcome.sha256])
        return same_bytes_elsewhere(latest_settled(rows).values(), outcome.sha256, entry.file_path,
                                    outcome.table_name, entry.file_date)

    def duplicate_of(self, entry: CatalogEntry, outcome: FileOutcome, present_paths: frozenset[str]) -> str | None:
        """The present path whose loaded rows are ``outcome``'s bytes, if any (outside a load)."""
        with self._lock:
            twins = self._twins(entry, outcome, present_paths)
        return next((t.file_path for t in twins if t.file_path in present_paths), None)

    def _commit_duplicate(self, writer: _SqlFileWriter, outcome: FileOutcome, tables: list[str],
                          other_path: str) -> None:
        """Record ``duplicate`` of ``other_path``; rows this path had before go (nothing of it stays)."""
        path = writer.entry.file_path
        mark_duplicate(outcome, other_path)
        old = [t for t in dict.fromkeys([*(writer.replace.tables if writer.replace else ()), *tables])
               if writer.replace is not None and self.table_columns(t)]
        self._run_atomic([*(self._delete_file(t, path) for t in old),
                          self._delete_file("rejected_records", path, LEDGER_SCHEMA),
                          self._ledger_insert(writer.entry, outcome, writer.ctx)])

    def _remove_statements(self, row: SettledRow, run_id: str, message: str) -> list[tuple[str, list]]:
        """Delete one file's rows and rejects, and write its ``removed`` ledger row."""
        out = [self._delete_file(t, row.file_path) for t in (row.table_name or "").split(",")
               if t and self.table_columns(t)]
        out.append(self._delete_file("rejected_records", row.file_path, LEDGER_SCHEMA))
        outcome = FileOutcome(row.file_path, row.family, row.table_name, "removed", sha256=row.sha256,
                              message=message)
        out.append(self._ledger_insert(None, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now())))
        return out

    def _run_atomic(self, statements: Sequence[str | tuple[str, Sequence[Any]]]) -> None:
        """``statements`` in one transaction (a dialect without: one after the other, ledger row last)."""
        d = self.dialect
        if not statements:
            return
        if d.transactional:
            statements = [d.begin() or "", *statements, d.commit() or ""]
        else:
            statements = [*statements, *self._autocommit_tail()]
        self._run([s for s in statements if s])

    def _delete_file(self, table: str, file_path: str, schema: str = RAW_SCHEMA) -> tuple[str, list]:
        return (f"delete from {self.dialect.table(schema, table)} where file_path = {self.dialect.placeholder}",
                [file_path])

    def _reject_statements(self, writer: _SqlFileWriter) -> list[tuple[str, list]]:
        if not writer.rejects:
            return []
        d = self.dialect
        names = ", ".join(d.ident(n) for n, _ in REJECTED_RECORDS_COLUMNS)
        out = []
        for start in range(0, len(writer.rejects), 1000):  # multi-row inserts, bounded size
            chunk = writer.rejects[start:start + 1000]
            values = ", ".join(["(" + ", ".join([d.placeholder] * 4) + ")"] * len(chunk))
            params: list[Any] = []
            for r in chunk:
                params += [writer.ctx.load_id, writer.entry.file_path, r.file_row_number, r.reason]
            out.append((f"insert into {d.table(LEDGER_SCHEMA, 'rejected_records')} ({names}) "
                        f"values {values}", params))
        return out

    def _transaction(self, cur: Any, writer: _SqlFileWriter, outcome: FileOutcome, tables: list[str],
                     old_tables: list[str], staged: list[Any], moved: list[tuple[str, list]]) -> None:
        d, path = self.dialect, writer.entry.file_path
        begin, commit, rollback = d.begin(), d.commit(), d.rollback()
        if begin:
            _execute(cur, begin)
        try:
            if writer.replace is not None:
                for table in [*tables, *old_tables]:
                    _execute(cur, *self._delete_file(table, path))
                _execute(cur, *self._delete_file("rejected_records", path, LEDGER_SCHEMA))
            for part, handle in zip(writer.spool.parts, staged, strict=True):
                d.load(cur, part, handle, path)
            for sql, params in [*self._reject_statements(writer), *moved]:
                _execute(cur, sql, params)
            _execute(cur, *self._ledger_insert(writer.entry, outcome, writer.ctx))
            if commit:
                _execute(cur, commit)
        except BaseException:
            if rollback:
                try:
                    _execute(cur, rollback)
                except Exception as exc:  # noqa: BLE001 - keep the original error
                    log.warning("rollback failed for %s: %s", writer.entry.file_name, exc)
            raise

    def _statementwise(self, cur: Any, writer: _SqlFileWriter, outcome: FileOutcome,
                       old_tables: list[str], staged: list[Any], moved: list[tuple[str, list]]) -> None:
        """Databricks: each statement is atomic; replaying the whole file is idempotent. A renamed
        file's old path goes first: a crash after it leaves the new path unloaded, loaded next run."""
        d, path = self.dialect, writer.entry.file_path
        for sql, params in moved:
            _execute(cur, sql, params)
        for table in old_tables:
            _execute(cur, *self._delete_file(table, path))
        _execute(cur, *self._delete_file("rejected_records", path, LEDGER_SCHEMA))
        first_part_of: set[str] = set()
        for part, handle in zip(writer.spool.parts, staged, strict=True):
            replace_old = part.table not in first_part_of
            first_part_of.add(part.table)
            for sql, params in d.replace_statements(part, handle, path, replace_old):
                _execute(cur, sql, params)
        for sql, params in self._reject_statements(writer):
            _execute(cur, sql, params)
        _execute(cur, *self._ledger_insert(writer.entry, outcome, writer.ctx))  # last: the commit record

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        d = self.dialect
        if not families:
            return 0
        marks = ", ".join([d.placeholder] * len(families))
        with self._lock:
            rows = self._fetchall(
                f"select {', '.join(SETTLED_COLUMNS)} from {d.table(LEDGER_SCHEMA, 'file_loads')} "
                f"where status in {SETTLED} and family in ({marks})", list(families))
            latest = latest_settled(rows)  # portable: no QUALIFY everywhere
            gone = [row for path, row in latest.items() if row.status in CARRIES_ROWS and path not in present_paths]
            statements: list[str | tuple[str, Sequence[Any]]] = []
            for row in gone:
                statements += self._remove_statements(row, run_id, REMOVED_MESSAGE)
            self._run_atomic(statements)
        return len(gone)

    def close(self) -> None:
        self._conn.close()


class _SqlFileWriter(SpoolingFileWriter[SqlWarehouseBackend]):
    def commit(self, outcome: FileOutcome) -> None:
        self.backend._commit_file(self, outcome)
