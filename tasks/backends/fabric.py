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

import datetime as dt
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
from tasks.ledger import LEDGER_SCHEMA, RAW_SCHEMA, REMOVED_MESSAGE
from tasks.models import CatalogEntry, FileOutcome


class FabricBackend(BackendBase):
    def __init__(self, root: str, storage_options: dict[str, str] | None = None) -> None:
        import deltalake  # noqa: F401 - fail early with ImportError when the extra is missing

        self.root = root.rstrip("/")
        self.options = storage_options or {}
        self._lock = threading.RLock()

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
        for name, schema in (("file_loads", FILE_LOADS_SCHEMA), ("rejected_records", REJECTS_SCHEMA)):
            if self._table(LEDGER_SCHEMA, name) is None:
                self._append(LEDGER_SCHEMA, name, schema.empty_table())

    def prior_load(self, file_path: str) -> PriorLoad | None:
        import pyarrow.compute as pc

        ledger = self._table(LEDGER_SCHEMA, "file_loads")
        if ledger is None:
            return None
        rows = ledger.to_pyarrow_table(columns=["file_path", "sha256", "table_name", "status", "finished_at"])
        mask = pc.and_(pc.equal(rows["file_path"], file_path),
                       pc.is_in(rows["status"], pa.array(["loaded", "replaced", "unchanged", "removed"])))
        hits = rows.filter(mask).sort_by([("finished_at", "descending")]).to_pylist()
        if not hits or hits[0]["status"] == "removed":  # purged by a full refresh: nothing loaded now
            return None
        row = hits[0]
        return PriorLoad(row["sha256"], tuple(t for t in (row["table_name"] or "").split(",") if t),
                         row["status"])

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        with self._lock:
            self._append(LEDGER_SCHEMA, "file_loads", ledger_table(entry, outcome, ctx, dt.datetime.now()))

    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_FabricFileWriter]:
        spool = Spool.create()
        try:
            yield _FabricFileWriter(self, entry, ctx, replace, spool)
        finally:
            spool.cleanup()

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        ledger = self._table(LEDGER_SCHEMA, "file_loads")
        if ledger is None:
            return 0
        rows = ledger.to_pyarrow_table(columns=["file_path", "family", "table_name", "sha256", "status",
                                                "finished_at"]).to_pylist()
        latest: dict[str, dict] = {}
        for r in rows:  # the latest settled row per file
            if r["status"] in ("loaded", "replaced", "unchanged", "removed") and r["family"] in families \
                    and (r["file_path"] not in latest or latest[r["file_path"]]["finished_at"] <= r["finished_at"]):
                latest[r["file_path"]] = r
        gone = [r for path, r in latest.items() if r["status"] != "removed" and path not in present_paths]
        with self._lock:
            for r in gone:
                where = f"file_path = '{r['file_path'].replace(chr(39), chr(39) * 2)}'"
                for table in [t for t in (r["table_name"] or "").split(",") if t] + ["rejected_records"]:
                    found = self._table(LEDGER_SCHEMA if table == "rejected_records" else RAW_SCHEMA, table)
                    if found is not None:
                        found.delete(where)
                outcome = FileOutcome(r["file_path"], r["family"], r["table_name"], "removed", sha256=r["sha256"],
                                      message=REMOVED_MESSAGE)
                ctx = LedgerContext(run_id, str(uuid.uuid4()), dt.datetime.now())
                self._append(LEDGER_SCHEMA, "file_loads", ledger_table(None, outcome, ctx, dt.datetime.now()))
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
            for table in tables:  # one Delta commit per table (parts of a table concatenated)
                parts = [pq.read_table(p.path) for p in spool.parts if p.table == table]
                rows = pa.concat_tables(parts, promote_options="default")
                b._replace_file(RAW_SCHEMA, table, rows, path)
            for table in (self.replace.tables if self.replace else ()):
                if table not in tables and (old := b._table(RAW_SCHEMA, table)) is not None:
                    old.delete(f"file_path = '{path.replace(chr(39), chr(39) * 2)}'")
            b._replace_file(LEDGER_SCHEMA, "rejected_records",
                            rejects_table(self.rejects, self.entry, self.ctx), path)
            b._append(LEDGER_SCHEMA, "file_loads",
                      ledger_table(self.entry, outcome, self.ctx, dt.datetime.now()))
