"""Fabric output: Delta tables in OneLake (or any Delta root) written with ``deltalake``.

Layout: ``<root>/Tables/raw_data/<table>`` and ``<root>/Tables/mssp_meta/{file_loads,
rejected_records}`` (a Fabric lakehouse with schemas). Per file, each raw table gets ONE Delta
commit: a ``merge`` whose source is the file's spooled rows, ``on false``, inserting every row
and deleting the file's old rows (``when_not_matched_by_source_delete(file_path = ...)``), with
``merge_schema=True`` so new columns join by name. The ledger row is appended last (the commit
record); since the merge always deletes the file's old rows, a crash before it makes the rerun
exact. Root: ``MSSP_OUTPUT_LOCATION`` (``abfss://<workspace>@onelake.dfs.fabric.microsoft.com/
<lakehouse>.Lakehouse`` or a local path); credentials: ``storage_options`` from the
``AZURE_*`` environment (deltalake reads them). Requires ``--extra fabric``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.backends import BackendBase, LedgerContext, PriorLoad
from tasks.backends.connections import FabricConnection
from tasks.backends.staging import (
    FILE_LOADS_SCHEMA,
    REJECTS_SCHEMA,
    Spool,
    SpoolingFileWriter,
    ledger_table,
    rejects_table,
)
from tasks.ledger import (
    CARRIES_ROWS,
    LEDGER_SCHEMA,
    RAW_SCHEMA,
    REMOVED_MESSAGE,
    SETTLED_COLUMNS,
    SettledRow,
    latest_settled,
    mark_duplicate,
    moved_message,
    same_bytes_elsewhere,
    utc_now,
)
from tasks.models import CatalogEntry, FileOutcome

LEDGER_ROW_SCHEMA = FILE_LOADS_SCHEMA.append(pa.field("load_seq", pa.int64()))
"""``file_loads`` with ``load_seq`` (added to an older table by ``prepare``): one above the highest,
counted from ``prepare`` on (the run lock serialises the runs of one output). A file's latest row
has the highest ``load_seq``, never the latest ``finished_at`` (the clock can step back)."""


class FabricBackend(BackendBase):
    def __init__(self, root: str, storage_options: dict[str, str] | None = None) -> None:
        import deltalake  # noqa: F401 - fail early with ImportError when the extra is missing

        self.root = root.rstrip("/")
        self.options = storage_options or {}
        self._lock = threading.RLock()
        self._seq: int | None = None

    @classmethod
    def from_connection(cls, connection: FabricConnection) -> FabricBackend:
        return cls(connection.root)  # credentials: the AZURE_* environment (deltalake reads it)

    def uri(self, schema: str, table: str) -> str:
        return f"{self.root}/Tables/{schema}/{table}"

    def _table(self, schema: str, table: str) -> Any:
        from deltalake import DeltaTable
        from deltalake.exceptions import TableNotFoundError

        try:
            return DeltaTable(self.uri(schema, table), storage_options=self.options)
        except TableNotFoundError:
            return None

    def _append(self, schema: str, table: str, rows: pa.Table) -> None:
        from deltalake import write_deltalake

        write_deltalake(self.uri(schema, table), rows, mode="append", schema_mode="merge",
                        storage_options=self.options)

    def _replace_file(self, schema: str, table: str, rows: pa.Table, file_path: str) -> None:
        """One Delta commit: insert ``rows`` and delete the file's old rows."""
        existing = self._table(schema, table)
        if existing is None:
            self._append(schema, table, rows)
            return
        quoted = file_path.replace("'", "''")
        (existing.merge(rows, predicate="false", source_alias="s", target_alias="t", merge_schema=True)
         .when_not_matched_insert_all()
         .when_not_matched_by_source_delete(predicate=f"t.file_path = '{quoted}'")
         .execute())

    # --- protocol ----------------------------------------------------------------------------
    def prepare(self) -> None:
        with self._lock:
            for name, schema in (("file_loads", LEDGER_ROW_SCHEMA), ("rejected_records", REJECTS_SCHEMA)):
                existing = self._table(LEDGER_SCHEMA, name)
                if existing is None or schema.names != [f.name for f in existing.schema().fields][:len(schema)]:
                    self._append(LEDGER_SCHEMA, name, schema.empty_table())  # schema_mode merge: adds load_seq
            self._seq = max((r.load_seq or 0 for r in self._settled(None).values()), default=0)

    def _settled(self, file_path: str | None) -> dict[str, SettledRow]:
        """The latest settled ledger row of every file (of ``file_path`` only, when given)."""
        import pyarrow.compute as pc

        ledger = self._table(LEDGER_SCHEMA, "file_loads")
        if ledger is None:
            return {}
        rows = ledger.to_pyarrow_table(columns=list(SETTLED_COLUMNS))
        if file_path is not None:
            rows = rows.filter(pc.equal(rows["file_path"], file_path))
        return latest_settled(tuple(r.values()) for r in rows.to_pylist())

    def prior_load(self, file_path: str) -> PriorLoad | None:
        row = self._settled(file_path).get(file_path)
        if row is None or row.status not in CARRIES_ROWS:  # removed or duplicate: none of its rows are loaded
            return None
        return PriorLoad(row.sha256 or "", tuple(t for t in (row.table_name or "").split(",") if t), row.status)

    def _ledger_row(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> pa.Table:
        with self._lock:
            if self._seq is None:
                self.prepare()
            self._seq = (self._seq or 0) + 1
            seq = self._seq
        row = ledger_table(entry, outcome, ctx, utc_now())
        return row.append_column(LEDGER_ROW_SCHEMA.field("load_seq"), pa.array([seq], pa.int64()))

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        with self._lock:
            self._append(LEDGER_SCHEMA, "file_loads", self._ledger_row(entry, outcome, ctx))

    def twins(self, entry: CatalogEntry, outcome: FileOutcome, present: frozenset[str] | None) -> list[SettledRow]:
        """Other files whose rows are these same bytes (``tasks.ledger.same_bytes_elsewhere``)."""
        if present is None or not outcome.sha256 or not outcome.rows_loaded + outcome.rows_rejected:
            return []  # no duplicate check asked for; empty files are all alike: no twins
        return same_bytes_elsewhere(self._settled(None).values(), outcome.sha256, entry.file_path,
                                    outcome.table_name, entry.file_date)

    def duplicate_of(self, entry: CatalogEntry, outcome: FileOutcome, present_paths: frozenset[str]) -> str | None:
        """The present path whose loaded rows are ``outcome``'s bytes, if any (outside a load)."""
        return next((t.file_path for t in self.twins(entry, outcome, present_paths)
                     if t.file_path in present_paths), None)

    def delete_file(self, file_path: str, tables: list[str]) -> None:
        """Delete one file's rows from ``tables`` and its rejects (one Delta commit per table)."""
        where = f"file_path = '{file_path.replace(chr(39), chr(39) * 2)}'"
        for table in [*dict.fromkeys(t for t in tables if t), "rejected_records"]:
            found = self._table(LEDGER_SCHEMA if table == "rejected_records" else RAW_SCHEMA, table)
            if found is not None:
                found.delete(where)

    def remove_file(self, row: SettledRow, run_id: str, message: str) -> None:
        """A file's rows and rejects go, then its ``removed`` ledger row (the commit record)."""
        self.delete_file(row.file_path, (row.table_name or "").split(","))
        outcome = FileOutcome(row.file_path, row.family, row.table_name, "removed", sha256=row.sha256,
                              message=message)
        self._append(LEDGER_SCHEMA, "file_loads",
                     self._ledger_row(None, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now())))

    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_FabricFileWriter]:
        spool = Spool.create()
        try:
            yield _FabricFileWriter(self, entry, ctx, replace, spool)
        finally:
            spool.cleanup()

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        latest = self._settled(None)
        gone = [r for path, r in latest.items()
                if r.family in families and r.status in CARRIES_ROWS and path not in present_paths]
        with self._lock:
            for row in gone:
                self.remove_file(row, run_id, REMOVED_MESSAGE)
        return len(gone)

    def close(self) -> None:
        pass


class _FabricFileWriter(SpoolingFileWriter[FabricBackend]):
    def commit(self, outcome: FileOutcome) -> None:
        b, spool, path = self.backend, self.spool, self.entry.file_path
        spool.close()
        tables = spool.tables()
        outcome.table_name = ",".join(tables) or outcome.table_name
        with b._lock:
            twins = b.twins(self.entry, outcome, self.ctx.present_paths)
            kept = [t.file_path for t in twins if t.file_path in (self.ctx.present_paths or ())]
            if kept:  # the same bytes already carry rows under a path still in the store: load nothing
                mark_duplicate(outcome, kept[0])
                if self.replace is not None:  # a re-issue that became a duplicate: its own old rows go
                    b.delete_file(path, list(self.replace.tables))
                b._append(LEDGER_SCHEMA, "file_loads", b._ledger_row(self.entry, outcome, self.ctx))
                return
            for twin in twins:  # renamed: the old path goes first (a crash then leaves this path to load)
                b.remove_file(twin, self.ctx.run_id, moved_message(path))
            for table in tables:  # one Delta commit per table (parts of a table concatenated)
                parts = [pq.read_table(p.path) for p in spool.parts if p.table == table]
                rows = pa.concat_tables(parts, promote_options="default")
                b._replace_file(RAW_SCHEMA, table, rows, path)
            for table in (self.replace.tables if self.replace else ()):
                if table not in tables and (old := b._table(RAW_SCHEMA, table)) is not None:
                    old.delete(f"file_path = '{path.replace(chr(39), chr(39) * 2)}'")
            b._replace_file(LEDGER_SCHEMA, "rejected_records",
                            rejects_table(self.rejects, self.entry, self.ctx), path)
            b._append(LEDGER_SCHEMA, "file_loads", b._ledger_row(self.entry, outcome, self.ctx))
