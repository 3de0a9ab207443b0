"""BigQuery output: Parquet load jobs into a per-part staging table, then one multi-statement transaction.

Per file: each spooled part is loaded with a load job (``source_format=PARQUET``,
``WRITE_TRUNCATE``) into ``mssp_meta._stage_<load id>_<n>``; its rejects likewise. New
columns are added to the raw table with ``alter table ... add column if not exists`` first
(DDL cannot run inside a BigQuery transaction; an added column is NULL for older rows). Then one
script, ``begin transaction; delete the file's old rows and rejects; insert ... select by
column name from the staging tables; insert the ledger row; commit transaction;``, so the rows
and the ledger row commit together or not at all. Staging tables are dropped afterwards (and
expire after a day in any case).

Why not load straight into the raw table with ``ALLOW_FIELD_ADDITION``: a load job is its own
transaction, so a re-issue would be "delete, then load" in two commits; loading into a staging
table keeps the swap atomic, and the staging load needs no schema update options.

Client: ``BigQueryConnection.client()`` (from a prefect-gcp ``GcpCredentials`` block, read by
``blocks/warehouse.py``); ``MSSP_OUTPUT_LOCATION`` may name the project.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tasks.backends import BackendBase, LedgerContext, PriorLoad
from tasks.backends.connections import BigQueryConnection
from tasks.backends.staging import (
    Spool,
    SpoolingFileWriter,
    SpoolPart,
    ledger_values,
    rejects_table,
)
from tasks.ledger import (
    FILE_LOADS_COLUMNS,
    LEDGER_SCHEMA,
    RAW_METADATA_COLUMNS,
    RAW_SCHEMA,
    REJECTED_RECORDS_COLUMNS,
    REMOVED_MESSAGE,
)
from tasks.models import CatalogEntry, FileOutcome

TYPES = {"VARCHAR": "STRING", "BIGINT": "INT64", "DOUBLE": "FLOAT64", "DATE": "DATE",
         "TIMESTAMP": "DATETIME"}
PARAM_TYPES = {"VARCHAR": "STRING", "BIGINT": "INT64", "DATE": "DATE", "TIMESTAMP": "DATETIME"}


def _bigquery_module() -> Any:
    import google.cloud.bigquery as bigquery

    return bigquery


class BigQueryBackend(BackendBase):
    def __init__(self, client: Any, project: str, bq: Any = None) -> None:
        self.client = client
        self.project = project
        self.bq = bq or _bigquery_module()
        self._lock = threading.RLock()
        self._columns: dict[str, list[str]] = {}

    @classmethod
    def from_connection(cls, connection: BigQueryConnection) -> BigQueryBackend:
        client = connection.client()
        return cls(client, connection.project or client.project)

    # --- helpers ------------------------------------------------------------------------------
    def table_id(self, schema: str, table: str) -> str:
        return f"`{self.project}.{schema}.{table}`"

    def _params(self, values: list[tuple[str, str, Any]]) -> Any:
        return self.bq.QueryJobConfig(query_parameters=[
            self.bq.ScalarQueryParameter(name, PARAM_TYPES.get(type_, "STRING"), value)
            for name, type_, value in values])

    def _query(self, sql: str, params: list[tuple[str, str, Any]] | None = None) -> list[Any]:
        job = self.client.query(sql, job_config=self._params(params or []))
        return list(job.result())

    def _ledger_insert(self, entry: CatalogEntry | None, outcome: FileOutcome,
                       ctx: LedgerContext) -> tuple[str, list[tuple[str, str, Any]]]:
        values = ledger_values(entry, outcome, ctx, dt.datetime.now())
        names = [n for n, _ in FILE_LOADS_COLUMNS]
        sql = (f"insert into {self.table_id(LEDGER_SCHEMA, 'file_loads')} ({', '.join(names)}) "
               f"values ({', '.join('@' + n for n in names)})")
        return sql, [(n, t, v) for (n, t), v in zip(FILE_LOADS_COLUMNS, values, strict=True)]

    # --- protocol -----------------------------------------------------------------------------
    def prepare(self) -> None:
        with self._lock:
            for schema in (LEDGER_SCHEMA, RAW_SCHEMA):
                self._query(f"create schema if not exists `{self.project}.{schema}`")
            for name, columns in (("file_loads", FILE_LOADS_COLUMNS),
                                  ("rejected_records", REJECTED_RECORDS_COLUMNS)):
                cols = ", ".join(f"{n} {TYPES[t]}" for n, t in columns)
                self._query(f"create table if not exists {self.table_id(LEDGER_SCHEMA, name)} ({cols})")

    def prior_load(self, file_path: str) -> PriorLoad | None:
        rows = self._query(
            f"select sha256, table_name, status from {self.table_id(LEDGER_SCHEMA, 'file_loads')} "
            "where file_path = @file_path and status in ('loaded', 'replaced', 'unchanged', 'removed') "
            "order by finished_at desc limit 1", [("file_path", "VARCHAR", file_path)])
        if not rows or rows[0][2] == "removed":  # purged by a full refresh: nothing loaded now
            return None
        sha, tables, status = rows[0][0], rows[0][1], rows[0][2]
        return PriorLoad(sha, tuple(t for t in (tables or "").split(",") if t), status)

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        with self._lock:
            self._query(*self._ledger_insert(entry, outcome, ctx))

    @contextmanager
    def file_writer(self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None,
                    lock_key: str) -> Iterator[_BigQueryFileWriter]:
        spool = Spool.create()
        try:
            yield _BigQueryFileWriter(self, entry, ctx, replace, spool)
        finally:
            spool.cleanup()

    def existing_columns(self, table: str) -> list[str] | None:
        rows = self._query(
            f"select column_name from `{self.project}.{RAW_SCHEMA}.INFORMATION_SCHEMA.COLUMNS` "
            "where table_name = @table_name order by ordinal_position",
            [("table_name", "VARCHAR", table)])
        return [str(r[0]).lower() for r in rows] or None

    def ensure_table(self, table: str, columns: list[tuple[str, str]]) -> None:
        existing = self._columns.get(table) or self.existing_columns(table)
        target = self.table_id(RAW_SCHEMA, table)
        if existing is None:
            meta = {n for n, _ in RAW_METADATA_COLUMNS}
            wanted = [(n, t) for n, t in columns if n not in meta] + list(RAW_METADATA_COLUMNS)
            self._query(f"create table if not exists {target} "
                        f"({', '.join(f'{n} {TYPES[t]}' for n, t in wanted)})")
            existing = [n for n, _ in wanted]
        for name, type_ in columns:
            if name not in existing:
                self._query(f"alter table {target} add column if not exists {name} {TYPES[type_]}")
                existing.append(name)
        self._columns[table] = existing

    def load_stage(self, local_path: str, stage: str) -> None:
        config = self.bq.LoadJobConfig(source_format=self.bq.SourceFormat.PARQUET,
                                       write_disposition=self.bq.WriteDisposition.WRITE_TRUNCATE)
        with open(local_path, "rb") as fh:
            self.client.load_table_from_file(fh, f"{self.project}.{LEDGER_SCHEMA}.{stage}",
                                             job_config=config).result()

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        """Per file gone from the store, one script: delete its rows and rejects, record ``removed``."""
        with self._lock:
            gone = [r for r in self._purge_candidates(families) if r[0] not in present_paths]
            for path, family, tables, sha256 in gone:
                deletes = [f"delete from {self.table_id(RAW_SCHEMA, t)} where file_path = @file_path;"
                           for t in (tables or "").split(",") if t and self.existing_columns(t)]
                outcome = FileOutcome(path, family, tables, "removed", sha256=sha256, message=REMOVED_MESSAGE)
                insert, params = self._ledger_insert(
                    None, outcome, LedgerContext(run_id, str(uuid.uuid4()), dt.datetime.now()))
                script = "\n".join([
                    "begin transaction;", *deletes,
                    f"delete from {self.table_id(LEDGER_SCHEMA, 'rejected_records')} where file_path = @file_path;",
                    f"{insert};", "commit transaction;"])
                self._query(script, params)
        return len(gone)

    def _purge_candidates(self, families: tuple[str, ...]) -> list[tuple[str, str, str, str]]:
        """(file_path, family, table_name, sha256) of each file whose latest settled row is not ``removed``."""
        rows = self._query(
            f"select file_path, family, table_name, sha256, status, finished_at "
            f"from {self.table_id(LEDGER_SCHEMA, 'file_loads')} "
            "where status in ('loaded', 'replaced', 'unchanged', 'removed') "
            f"and family in ({', '.join(f'@f{i}' for i in range(len(families))) or 'null'})",
            [(f"f{i}", "VARCHAR", f) for i, f in enumerate(families)])
        latest: dict[str, tuple] = {}
        for r in rows:
            if r[0] not in latest or latest[r[0]][5] <= r[5]:
                latest[r[0]] = tuple(r)
        return [(r[0], r[1], r[2], r[3]) for r in latest.values() if r[4] != "removed"]

    def close(self) -> None:
        close = getattr(self.client, "close", None)
        if close:
            close()


class _BigQueryFileWriter(SpoolingFileWriter[BigQueryBackend]):
    def commit(self, outcome: FileOutcome) -> None:
        b, spool = self.backend, self.spool
        spool.close()
        tables = spool.tables()
        outcome.table_name = ",".join(tables) or outcome.table_name
        key = self.ctx.load_id.replace("-", "")
        stages: list[tuple[SpoolPart | None, str]] = []
        with b._lock:
            for table in tables:
                b.ensure_table(table, spool.columns(table))
            try:
                for i, part in enumerate(spool.parts):
                    stage = f"_stage_{key}_{i}"
                    b.load_stage(str(part.path), stage)
                    stages.append((part, stage))
                if self.rejects:
                    import pyarrow.parquet as pq

                    local = spool.directory / "rejects.parquet"
                    pq.write_table(rejects_table(self.rejects, self.entry, self.ctx), local)
                    b.load_stage(str(local), f"_stage_{key}_rejects")
                    stages.append((None, f"_stage_{key}_rejects"))
                b._query(*self.script(outcome, stages, tables))
            finally:
                for _, stage in stages:
                    b._query(f"drop table if exists {b.table_id(LEDGER_SCHEMA, stage)}")

    def script(self, outcome: FileOutcome, stages: list[tuple[SpoolPart | None, str]],
               tables: list[str]) -> tuple[str, list[tuple[str, str, Any]]]:
        b = self.backend
        lines = ["begin transaction;"]
        if self.replace is not None:
            for table in dict.fromkeys([*tables, *self.replace.tables]):
                if table in tables or b.existing_columns(table):
                    lines.append(f"delete from {b.table_id(RAW_SCHEMA, table)} where file_path = @file_path;")
            lines.append(f"delete from {b.table_id(LEDGER_SCHEMA, 'rejected_records')} "
                         "where file_path = @file_path;")
        for part, stage in stages:
            if part is None:
                names = ", ".join(n for n, _ in REJECTED_RECORDS_COLUMNS)
                target = b.table_id(LEDGER_SCHEMA, "rejected_records")
            else:
                names = ", ".join(f.name for f in part.schema)
                target = b.table_id(RAW_SCHEMA, part.table)
            lines.append(f"insert into {target} ({names}) select {names} from {b.table_id(LEDGER_SCHEMA, stage)};")
        ledger_sql, params = b._ledger_insert(self.entry, outcome, self.ctx)
        lines += [ledger_sql + ";", "commit transaction;"]
        return "\n".join(lines), params  # @file_path is also the ledger row's parameter
