"""Small records passed between catalog, parsers, loader and flows (counts, never rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa

from tasks.families import FileKind
from tasks.ledger import RAW_METADATA_COLUMNS

Status = Literal["loaded", "replaced", "unchanged", "rejected", "failed", "duplicate", "removed"]

METADATA_COLUMNS = tuple(name for name, _ in RAW_METADATA_COLUMNS)
"""Columns the loader adds to every raw table (contract §4)."""


@dataclass(frozen=True)
class CatalogEntry:
    """One source file: a loose file or a zip member, possibly inside nested zips.

    ``member_path`` is the chain of member names inside ``container_path`` (empty for a
    loose file). ``kind`` is None for an entry the catalog rejected (``reject_reason`` set).
    """

    file_path: str  # relative to the store root, '/' separators, members appended
    container_path: str  # the store object that holds the bytes
    member_path: tuple[str, ...]
    size_bytes: int
    kind: FileKind | None
    file_date: dt.date | None = None
    reject_reason: str | None = None
    store_code: str | None = None  # the {CODE} folder, informational
    fingerprint: str | None = None  # cheap identity (zip CRC-32 + sizes, or size + mtime)

    @property
    def file_name(self) -> str:
        return self.file_path.rsplit("/", 1)[-1]

    @property
    def directory_name(self) -> str:
        return self.file_path.rsplit("/", 1)[0] if "/" in self.file_path else ""

    @property
    def family(self) -> str | None:
        return self.kind.family if self.kind else None


@dataclass(frozen=True)
class Reject:
    file_row_number: int
    reason: str


@dataclass
class ParsedBatch:
    """A slice of one file's records for one raw table: text columns + ``file_row_number``."""

    table: str
    rows: pa.Table
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class ParseReport:
    """What a parser learned about a whole file besides its rows (filled while streaming)."""

    records_seen: int = 0
    rows_expected: int | None = None  # from a trailer (BNEX) if the format carries one
    notes: list[str] = field(default_factory=list)
    length_counts: dict[int, int] = field(default_factory=dict)  # fixed width: length -> records
    temp_dir: Path | None = None  # where a parser may spool (the run's MSSP_TEMP_LOCATION folder)


@dataclass
class FileOutcome:
    """The ledger row of one file, as the flows see it (counts only)."""

    file_path: str
    family: str | None
    table_name: str | None
    status: Status
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_expected: int | None = None
    message: str | None = None
    sha256: str | None = None
    size_bytes: int = 0
    warnings: list[str] = field(default_factory=list)


class ByteStream(Protocol):
    """What a parser reads from: a file, a zip member or the ingest's hashing reader (only ``read``)."""

    def read(self, n: int = -1, /) -> bytes: ...


# A parser turns one source file's bytes into row batches and rejects:
#     def parse_x(source: ByteStream, entry: CatalogEntry, report: ParseReport) -> Iterator[ParsedBatch]
# Batches hold at most a few hundred thousand rows (bounded memory); ``report`` is filled in
# while streaming (records_seen counts rows + rejects; rows_expected from a trailer).
