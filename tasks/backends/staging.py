"""Shared pieces of the non-DuckDB backends: raw rows with metadata, and a local Parquet spool.

A file's batches are spooled to local Parquet files (one or more per raw table) while the
parser streams (bounded memory); the backend ships them to the warehouse only at commit, so
a failure mid-file sends nothing. Column order: source columns, then the metadata columns of
contract §4; a source column named like a metadata column gets the prefix ``src_``.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from tasks.backends import LedgerContext, PriorLoad
from tasks.ledger import FILE_LOADS_COLUMNS, RAW_METADATA_COLUMNS, REJECTED_RECORDS_COLUMNS, naive_local
from tasks.models import CatalogEntry, FileOutcome, ParsedBatch, Reject

META_NAMES = {name for name, _ in RAW_METADATA_COLUMNS}
SIMPLE_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")

_ARROW_TYPES = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "DATE": pa.date32(),
                "TIMESTAMP": pa.timestamp("us")}
FILE_LOADS_SCHEMA = pa.schema([(n, _ARROW_TYPES[t]) for n, t in FILE_LOADS_COLUMNS])
REJECTS_SCHEMA = pa.schema([(n, _ARROW_TYPES[t]) for n, t in REJECTED_RECORDS_COLUMNS])


def sql_type(t: pa.DataType) -> str:
    """Neutral type name of an Arrow type (BIGINT, DOUBLE, DATE, VARCHAR); dialects map it."""
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_floating(t):
        return "DOUBLE"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    return "VARCHAR"


def with_metadata(batch: ParsedBatch, entry: CatalogEntry, ctx: LedgerContext) -> pa.Table:
    """The batch's source columns (``src_`` prefixed where needed) plus the metadata columns."""
    rows = batch.rows
    n = rows.num_rows
    source = [c for c in rows.column_names if c != "file_row_number"]
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in source:
        columns[f"src_{name}" if name in META_NAMES else name] = rows.column(name)
    columns["file_path"] = pa.array([entry.file_path] * n, pa.string())
    columns["file_name"] = pa.array([entry.file_name] * n, pa.string())
    columns["directory_name"] = pa.array([entry.directory_name] * n, pa.string())
    columns["file_date"] = pa.array([entry.file_date] * n, pa.date32())
    columns["file_row_number"] = rows.column("file_row_number").cast(pa.int64())
    columns["load_id"] = pa.array([ctx.load_id] * n, pa.string())
    return pa.table(columns)


def ledger_values(entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext,
                  finished_at: dt.datetime) -> list:
    """The ``file_loads`` row of a file, in column order."""
    return [ctx.load_id, ctx.run_id, outcome.file_path, outcome.family, outcome.table_name,
            outcome.sha256, outcome.size_bytes, entry.file_date if entry else None,
            outcome.rows_loaded, outcome.rows_expected, outcome.rows_rejected, outcome.status,
            outcome.message, naive_local(ctx.started_at), naive_local(finished_at)]


def ledger_table(entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext,
                 finished_at: dt.datetime) -> pa.Table:
    """The one-row ``file_loads`` table of a file."""
    values = ledger_values(entry, outcome, ctx, finished_at)
    return pa.table({f.name: pa.array([v], f.type) for f, v in zip(FILE_LOADS_SCHEMA, values, strict=True)},
                    schema=FILE_LOADS_SCHEMA)


def rejects_table(rejects: list[Reject], entry: CatalogEntry, ctx: LedgerContext) -> pa.Table:
    n = len(rejects)
    return pa.table({
        "load_id": pa.array([ctx.load_id] * n, pa.string()),
        "file_path": pa.array([entry.file_path] * n, pa.string()),
        "file_row_number": pa.array([r.file_row_number for r in rejects], pa.int64()),
        "reason": pa.array([r.reason for r in rejects], pa.string()),
    }, schema=REJECTS_SCHEMA)


@dataclass
class SpoolPart:
    table: str
    path: Path
    schema: pa.Schema
    rows: int = 0


@dataclass
class Spool:
    """Local Parquet parts of one file, written while the parser streams."""

    directory: Path
    parts: list[SpoolPart] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    _writers: dict[str, tuple[SpoolPart, pq.ParquetWriter]] = field(default_factory=dict)

    @classmethod
    def create(cls, parent: Path | None = None) -> Spool:
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        return cls(Path(tempfile.mkdtemp(prefix="mssp-spool-", dir=parent)))

    def add(self, table: str, rows: pa.Table) -> None:
        current = self._writers.get(table)
        if current is not None and not current[0].schema.equals(rows.schema):
            current[1].close()  # a batch with other columns starts a new part of the same table
            current = None
        if current is None:
            part = SpoolPart(table, self.directory / f"{table}-{len(self.parts)}.parquet", rows.schema)
            current = (part, pq.ParquetWriter(part.path, rows.schema))
            self.parts.append(part)
            self._writers[table] = current
        current[1].write_table(rows)
        current[0].rows += rows.num_rows

    def close(self) -> None:
        for _, writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def tables(self) -> list[str]:
        seen: list[str] = []
        for part in self.parts:
            if part.table not in seen:
                seen.append(part.table)
        return seen

    def columns(self, table: str) -> list[tuple[str, str]]:
        """(name, neutral type) of every column of ``table`` across its parts, in order."""
        out: dict[str, str] = {}
        for part in self.parts:
            if part.table == table:
                for f in part.schema:
                    out.setdefault(f.name, sql_type(f.type))
        return list(out.items())

    def cleanup(self) -> None:
        self.close()
        shutil.rmtree(self.directory, ignore_errors=True)


B = TypeVar("B")


class SpoolingFileWriter(Generic[B]):
    """The shared half of the non-DuckDB file writers: rows are spooled to local Parquet parts.

    ``write`` only spools (with the metadata columns); each backend's ``commit`` then moves the
    spooled parts into the warehouse in its own atomic way and records the ledger row.
    """

    def __init__(self, backend: B, entry: CatalogEntry, ctx: LedgerContext,
                 replace: PriorLoad | None, spool: Spool) -> None:
        self.backend = backend
        self.entry = entry
        self.ctx = ctx
        self.replace = replace
        self.spool = spool
        self.rejects: list[Reject] = []

    def write(self, batch: ParsedBatch) -> None:
        self.spool.add(batch.table, with_metadata(batch, self.entry, self.ctx))
        self.rejects.extend(batch.rejects)
