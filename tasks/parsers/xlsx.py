"""Workbooks → row batches: MCQM sheets (§4.3) and benchmark cell grain (§4.5).

Reader: openpyxl in ``read_only`` mode (rows stream from the sheet XML, memory stays bounded
even for a large MCQM beneficiary sheet), values only. Read-only worksheets do not expose merged
ranges, which the benchmark header needs (``column_group_label`` = the upper row of a two-row
merged header), so those are read separately by streaming the sheet part's ``mergeCell``
elements. DuckDB's excel extension was not used: it returns a rectangular table per sheet with
no cell positions or merges, and the cell-grain rules are positional.

Benchmark sheet interpretation (spec §4.5 leaves the details to us):
- rows above the header are title rows, not cells;
- header = first row with two or more non-blank cells after column A; if that row holds a
  horizontal merge in columns B+ it is the *group* row and the next row holds the column labels;
  else if the row above it holds such a merge, that row is the group row;
- after the header: a row with only column A filled is a heading: a ``[X] text`` heading sets
  ``section_code``/``section_label``, any other text sets ``group_label`` (and clears the section);
  a row with values gives one cell per non-blank value in B+, ``row_label`` = column A; a
  ``[X] text`` label on a value row sets the section for that row and the rows below;
- footnote rows (``[1] …``, no values) are skipped; a row whose column A reads ``Note:``/``Notes``
  starts the notes block, which ends the sheet;
- ``Parameters`` sheets: every row with a key in A and a value in B+ is a cell,
  ``column_label`` = ``VALUE`` (``VALUE_<col>`` past column B); a first ``Parameter | Value``
  row is a header.
``file_row_number`` is a running ordinal across the workbook (sheets in workbook order, cells in
row-major order), so it is unique per file as the rejects ledger needs.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse
from xml.parsers import expat

import pyarrow as pa
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries

from tasks.errors import FileRejected
from tasks.families import BENCHMARK_SHEETS, MCQM_SHEET_TABLES
from tasks.models import ByteStream, CatalogEntry, ParsedBatch, ParseReport, Reject
from tasks.parsers.delimited import (
    BATCH_ROWS,
    clean_value,
    normalize_headers,
    rows_per_batch,
    rows_to_table,
)
from tasks.spool import spooled_copy

SPOOL_MAX_MEMORY = 16 * 1024 * 1024
SECTION = re.compile(r"^\s*\[([A-Za-z0-9]+)\]\s*(.*)$", re.DOTALL)
FOOTNOTE = re.compile(r"^\s*\[\d+\]")
NOTES = re.compile(r"^\s*(notes?|footnotes?)\s*(:|$)", re.IGNORECASE)
CELL_COLUMNS = [
    "row_num",
    "group_label",
    "section_code",
    "section_label",
    "row_label",
    "column_group_label",
    "column_label",
    "value_text",
    "aco_id",
    "performance_year",
    "benchmark_year",
    "submission_id",
    "period",
]


# --- shared ---------------------------------------------------------------------------------


def cell_text(value: Any) -> str | None:
    """A cell value as text: numbers as written (``12`` not ``12.0``), dates ISO, blank → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean_value(str(value))


class _Declared(Exception):
    pass


class _Prolog(Exception):
    pass


def _xml_prolog_problem(part: ByteStream) -> str | None:
    """Why an XML part is refused (a DOCTYPE or entity declaration), or None.

    Declarations can only precede the root element, so parsing stops at the first element.
    """
    parser = expat.ParserCreate()

    def declared(*_args: object) -> None:
        raise _Declared

    def root(*_args: object) -> None:
        raise _Prolog

    parser.StartDoctypeDeclHandler = declared
    parser.EntityDeclHandler = declared
    parser.StartElementHandler = root
    try:
        while chunk := part.read(64 * 1024):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Declared:
        return "declares a DOCTYPE or an entity"
    except _Prolog:
        return None
    except expat.ExpatError as e:
        return f"is malformed XML ({expat.errors.messages[e.code]})"
    return None


def _refuse_declarations(spool: Any, entry: CatalogEntry) -> None:
    """Reject a workbook any of whose XML parts carries a DOCTYPE or ENTITY (entity attacks).

    openpyxl would expand or choke on them mid-read (a ``failed`` file); this makes it a
    ``rejected`` one with a reason, before any row is read. Not a zip: openpyxl rejects it.
    """
    spool.seek(0)
    try:
        archive = zipfile.ZipFile(spool)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
                continue
            with archive.open(info) as part:
                problem = _xml_prolog_problem(part)
            if problem:
                shown = repr(info.filename[:80])
                raise FileRejected(entry.file_path, f"workbook part {shown} {problem}: refused")


def _open_workbook(source: ByteStream, entry: CatalogEntry, temp_dir: Path | None = None) -> tuple[Any, Any]:
    spool = spooled_copy(source, temp_dir, max_memory=SPOOL_MAX_MEMORY)
    try:
        _refuse_declarations(spool, entry)
    except BaseException:  # rejected: close now, not at garbage collection
        spool.close()
        raise
    spool.seek(0)
    try:
        wb = load_workbook(spool, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile/KeyError/InvalidFileException/...
        spool.close()
        raise FileRejected(entry.file_path, f"not an xlsx workbook ({type(e).__name__})") from e
    return wb, spool


# --- MCQM sheets ----------------------------------------------------------------------------


def parse_xlsx_sheets(
    source: ByteStream, entry: CatalogEntry, report: ParseReport, batch_rows: int = BATCH_ROWS
) -> Iterator[ParsedBatch]:
    """MCQM workbook: one table per known sheet, first row = header, all cells as text."""
    period = entry.kind.attrs.get("period") if entry.kind else None
    wb, spool = _open_workbook(source, entry, report.temp_dir)
    try:
        known = {s: MCQM_SHEET_TABLES[s] for s in wb.sheetnames if s in MCQM_SHEET_TABLES}
        for name in wb.sheetnames:
            if name not in known:
                report.notes.append(f"sheet {name!r} matches no MCQM table: skipped")
        if not known:
            raise FileRejected(entry.file_path, "no MCQM sheet in the workbook")
        ordinal = 0
        for sheet, table in known.items():
            for batch in _sheet_rows(wb[sheet], sheet, table, period, ordinal, batch_rows):
                ordinal += batch.rows.num_rows + len(batch.rejects)
                report.records_seen += batch.rows.num_rows + len(batch.rejects)
                yield batch
    finally:
        wb.close()
        spool.close()


def _sheet_rows(
    ws: Any, sheet: str, table: str, period: str | None, ordinal: int, batch_rows: int
) -> Iterator[ParsedBatch]:
    rows_iter = ws.iter_rows(values_only=True)
    header_cells = next(rows_iter, None)
    raw_header = [cell_text(v) or "" for v in (header_cells or ())]
    while raw_header and not raw_header[-1]:
        raw_header.pop()
    if not raw_header:
        yield ParsedBatch(table, rows_to_table([], [], [], {"period": period}))
        return
    columns = normalize_headers(raw_header, reserved=("period",))
    width = len(columns)
    batch_rows = rows_per_batch(width, batch_rows)
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    for sheet_row, values in enumerate(rows_iter, start=2):
        texts = [cell_text(v) for v in values]
        if not any(t is not None for t in texts):
            continue  # formatting-only rows: not records
        ordinal += 1
        if any(t is not None for t in texts[width:]):
            rejects.append(Reject(ordinal, f"sheet {sheet} row {sheet_row}: value past the header"))
        else:
            rows.append(texts[:width] + [None] * (width - len(texts)))
            numbers.append(ordinal)
        if len(rows) + len(rejects) >= batch_rows:
            yield ParsedBatch(
                table, rows_to_table(columns, rows, numbers, {"period": period}), rejects
            )
            rows, numbers, rejects = [], [], []
    yield ParsedBatch(table, rows_to_table(columns, rows, numbers, {"period": period}), rejects)


# --- benchmark cell grain -------------------------------------------------------------------


def _merges(spool: Any, ws: Any) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) of a read-only sheet, streamed."""
    path = getattr(ws, "_worksheet_path", None)  # openpyxl keeps the part name here
    if not path:
        return []
    spool.seek(0)
    out: list[tuple[int, int, int, int]] = []
    with zipfile.ZipFile(spool) as zf, zf.open(path.lstrip("/")) as part:
        for _event, elem in iterparse(part):
            if elem.tag.endswith("}mergeCell") and elem.get("ref"):
                out.append(range_boundaries(elem.get("ref")))
            elem.clear()
    return out


def _sheet_table(workbook: str, sheets: list[str], entry: CatalogEntry) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for prefix, table in BENCHMARK_SHEETS[workbook].items():
        hits = [s for s in sheets if s.startswith(prefix)]
        if len(hits) > 1:
            reason = f"sheet prefix {prefix!r} matches {len(hits)} sheets"
            raise FileRejected(entry.file_path, reason)
        if hits:
            mapping[hits[0]] = table
    return mapping


def _performance_year(entry: CatalogEntry) -> str | None:
    parts = entry.file_path.split("/")
    return parts[1] if len(parts) > 2 else None


def parse_xlsx_cells(
    source: ByteStream, entry: CatalogEntry, report: ParseReport, batch_rows: int = BATCH_ROWS
) -> Iterator[ParsedBatch]:
    """BNMRK/AEXPU/QEXPU workbook → one row per value cell, per sheet table."""
    attrs = entry.kind.attrs if entry.kind else {}
    workbook = attrs.get("workbook")
    if workbook not in BENCHMARK_SHEETS:
        raise FileRejected(entry.file_path, "benchmark parser needs a BNMRK/AEXPU/QEXPU entry")
    meta = {
        "aco_id": entry.kind.aco_id if entry.kind else None,
        "performance_year": _performance_year(entry),
        "benchmark_year": attrs.get("benchmark_year") or None,
        "submission_id": attrs.get("submission_id") or None,
        "period": attrs.get("period") or None,
    }
    wb, spool = _open_workbook(source, entry, report.temp_dir)
    try:
        mapping = _sheet_table(workbook, list(wb.sheetnames), entry)
        for name in wb.sheetnames:
            if name not in mapping:
                report.notes.append(f"sheet {name!r} matches no {workbook} table: skipped")
        ordinal = 0
        for sheet, table in mapping.items():
            ws = wb[sheet]
            grid = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            if table.endswith("_parameters"):
                cells = _parameter_cells(grid)
            else:
                cells = _table_cells(grid, _merges(spool, ws), sheet, report)
            for start in range(0, max(len(cells), 1), batch_rows):
                chunk = cells[start : start + batch_rows]
                numbers = list(range(ordinal + 1, ordinal + len(chunk) + 1))
                ordinal += len(chunk)
                report.records_seen += len(chunk)
                yield ParsedBatch(table, _cells_table(chunk, numbers, meta))
    finally:
        wb.close()
        spool.close()


Cell = tuple[int, str | None, str | None, str | None, str | None, str | None, str | None, str]


def _cells_table(cells: list[Cell], numbers: list[int], meta: dict[str, str | None]) -> pa.Table:
    arrays: dict[str, pa.Array] = {"row_num": pa.array([c[0] for c in cells], type=pa.int64())}
    for i, name in enumerate(CELL_COLUMNS[1:8], start=1):
        arrays[name] = pa.array([c[i] for c in cells], type=pa.string())
    for name in CELL_COLUMNS[8:]:
        arrays[name] = pa.array([meta[name]] * len(cells), type=pa.string())
    arrays["file_row_number"] = pa.array(numbers, type=pa.int64())
    return pa.table(arrays)


def _parameter_cells(grid: list[list[str | None]]) -> list[Cell]:
    cells: list[Cell] = []
    for r, row in enumerate(grid, start=1):
        key = row[0] if row else None
        values = row[1:]
        if key is None or not any(v is not None for v in values):
            continue
        if (
            r == 1
            and key.lower() in ("parameter", "parameters", "name", "key")
            and ((values[0] or "").lower() == "value")
        ):
            continue
        for c, value in enumerate(values, start=2):
            if value is not None:
                label = "VALUE" if c == 2 else f"VALUE_{get_column_letter(c)}"
                cells.append((r, None, None, None, key, None, label, value))
    return cells


def _header_rows(
    grid: list[list[str | None]], merges: list[tuple[int, int, int, int]]
) -> tuple[int | None, int | None]:
    """(group row, label row), 1-based; label row None when the sheet has no header."""

    def merged_in(row: int) -> bool:
        return any(r1 == row and c2 > c1 and c2 >= 2 for c1, r1, c2, _r2 in merges)

    for r, row in enumerate(grid, start=1):
        if sum(v is not None for v in row[1:]) >= 2:
            if merged_in(r) and r < len(grid):
                return r, r + 1
            if r > 1 and merged_in(r - 1):
                return r - 1, r
            return None, r
    return None, None


def _table_cells(
    grid: list[list[str | None]],
    merges: list[tuple[int, int, int, int]],
    sheet: str,
    report: ParseReport,
) -> list[Cell]:
    group_row, label_row = _header_rows(grid, merges)
    if label_row is None:
        return []
    width = max((len(r) for r in grid), default=0)
    labels = {c: v for c, v in enumerate(grid[label_row - 1], start=1) if v is not None}
    groups: dict[int, str | None] = {}
    if group_row is not None:
        upper = grid[group_row - 1]
        for c in range(2, width + 1):
            groups[c] = upper[c - 1] if c - 1 < len(upper) else None
        for c1, r1, c2, _r2 in merges:
            if r1 == group_row:
                for c in range(c1, c2 + 1):
                    groups[c] = upper[c1 - 1] if c1 - 1 < len(upper) else None
    cells: list[Cell] = []
    group = section_code = section_label = None
    for r in range(label_row + 1, len(grid) + 1):
        row = grid[r - 1]
        label = row[0] if row else None
        values = [(c, v) for c, v in enumerate(row[1:], start=2) if v is not None]
        if label is not None and NOTES.match(label):
            break
        if not values:
            if label is None or FOOTNOTE.match(label):
                continue
            if m := SECTION.match(label):
                section_code, section_label = m[1], clean_value(m[2])
            else:
                group, section_code, section_label = label, None, None
            continue
        if label is not None and (m := SECTION.match(label)):
            section_code, section_label = m[1], clean_value(m[2])
            if FOOTNOTE.match(label):
                report.notes.append(f"sheet {sheet} row {r}: footnote-like label holds values")
        for c, value in values:
            cells.append(
                (r, group, section_code, section_label, label, groups.get(c), labels.get(c), value)
            )
    return cells
