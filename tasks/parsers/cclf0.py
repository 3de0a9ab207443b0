"""CCLF0, the summary file of a CCLF bundle: declared record counts and lengths per type.

Lines are split on ``|`` because positions vary between deliveries (68-70 characters).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa

from tasks.layouts import CCLF0_COLUMNS
from tasks.models import ByteStream, CatalogEntry, ParsedBatch, ParseReport, Reject

TYPE_TOKEN = re.compile(r"^CCLF[0-9AB]$")


@dataclass(frozen=True)
class Declaration:
    file_type: str  # CCLF1 .. CCLFB
    record_count: int
    record_length: int


def parse_cclf0(source: ByteStream, entry: CatalogEntry, report: ParseReport) -> Iterator[ParsedBatch]:
    assert entry.kind is not None and entry.kind.table
    rows: dict[str, list[str | None]] = {c: [] for c in CCLF0_COLUMNS}
    numbers: list[int] = []
    rejects: list[Reject] = []
    text = source.read().decode("latin-1")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for line_number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if line.lstrip().startswith("File Number"):
            continue
        report.records_seen += 1
        problem = _problem(line)
        if problem:
            rejects.append(Reject(line_number, f"{problem} (line {line_number})"))
            continue
        parts = [p.strip() or None for p in line.split("|")]
        values = [parts[0], "|", parts[1], "|", parts[2], "|", parts[3]]
        for column, value in zip(CCLF0_COLUMNS, values, strict=True):
            rows[column].append(value)
        numbers.append(line_number)
    table = pa.table({**{c: pa.array(v, pa.string()) for c, v in rows.items()},
                      "file_row_number": pa.array(numbers, pa.int64())})
    yield ParsedBatch(entry.kind.table, table, rejects)


def _problem(line: str) -> str | None:
    if not line.strip():
        return "blank line"
    parts = [p.strip() for p in line.split("|")]
    if len(parts) != 4:
        return f"expected 4 '|'-separated fields, found {len(parts)}"
    if not TYPE_TOKEN.match(parts[0]):
        return "file type is not CCLF0-CCLFB"
    if not parts[2].isdigit() or not parts[3].isdigit():
        return "record count or length is not numeric"
    return None


def declarations(table: pa.Table) -> list[Declaration]:
    """The (type, count, length) rows of a parsed CCLF0 table."""
    out = []
    for ftype, count, length in zip(table["file_number_label"].to_pylist(),
                                    table["total_records_count_label"].to_pylist(),
                                    table["record_length_label"].to_pylist(), strict=True):
        out.append(Declaration(ftype, int(count), int(length)))
    return out
