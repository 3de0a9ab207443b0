"""CSV families (ALR, BAIP/BEUR/NCBP, MCQM 2026, shadow bundles, participant lists) → row batches.

Rules (mssp_files.md §4.2): strip a UTF-8 BOM; CRLF, LF and a missing final newline are fine;
RFC 4180 quoting (commas, quotes and newlines inside fields); UTF-8, else Latin-1 (noted).
Header names are normalized (``normalize_headers``); values are trimmed text, blank → NULL.
A record whose field count differs from the header's is a reject naming its line; it is never
shifted or dropped. No header (empty file, binary content, or a first line that is data:
``header_problem``) → ``FileRejected`` with a reason naming cell positions, never values.

The stream is copied once into a spooled temporary file while its bytes are checked as UTF-8,
so the encoding is decided before the first row and memory stays bounded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from tasks.errors import FileRejected
from tasks.families import KNOWN_COLUMNS
from tasks.models import METADATA_COLUMNS, ByteStream, CatalogEntry, ParsedBatch, ParseReport, Reject
from tasks.spool import spooled_copy

BATCH_ROWS = 50_000
# A batch also stops at about this many cells (shared with the workbook parser): one 45,000-row
# batch of the ALR's 170-column table 1 took 226 MiB to parse, most of it kept by Python's
# allocator; at 300,000 cells the same file parses in 26 MiB, and faster.
BATCH_CELLS = 300_000
SPOOL_MAX_MEMORY = 8 * 1024 * 1024
_BOM = codecs.BOM_UTF8
_NON_IDENT = re.compile(r"[^a-z0-9_]+")
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


# --- header names ---------------------------------------------------------------------------


def normalize_header(raw: str) -> str:
    """One header name per §4.2 (without the repeat suffix): `EnrollFlag1` → `enrollflag1`."""
    name = raw.strip().strip('"').strip().lower()
    name = _NON_IDENT.sub("_", name).strip("_")
    if name[:1].isdigit():
        name = f"c_{name}"
    return name


def normalize_headers(raw: Sequence[str], reserved: Sequence[str] = ()) -> list[str]:
    """Normalized, unique column names in header order.

    Blank names become ``column_<position>``; repeats get ``_2``, ``_3``; a name equal to a
    metadata or parser-added column (``reserved``) gets the prefix ``src_`` (contract §4).
    """
    taken = set(METADATA_COLUMNS) | set(reserved)
    out: list[str] = []
    used: set[str] = set()
    for position, value in enumerate(raw, start=1):
        base = normalize_header(value or "") or f"column_{position}"
        if base in taken:
            base = f"src_{base}"
        name, n = base, 1
        while name in used:
            n += 1
            name = f"{base}_{n}"
        used.add(name)
        out.append(name)
    return out


def clean_value(value: str | None) -> str | None:
    """Trimmed text; blank → None. Leading zeros and every other character are kept."""
    if value is None:
        return None
    value = value.strip()
    return value or None


# --- batches --------------------------------------------------------------------------------


def rows_per_batch(width: int, batch_rows: int) -> int:
    """Rows in one batch of ``width`` text columns: at most ``batch_rows`` and ~``BATCH_CELLS`` cells."""
    return max(1, min(batch_rows, BATCH_CELLS // max(width, 1)))


def rows_to_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str | None]],
    row_numbers: Sequence[int],
    extra: dict[str, str | None] | None = None,
) -> pa.Table:
    """Text columns in the given order, then constant ``extra`` columns, then file_row_number."""
    arrays: dict[str, pa.Array] = {}
    for i, name in enumerate(columns):
        arrays[name] = pa.array([r[i] for r in rows], type=pa.string())
    for name, value in (extra or {}).items():
        arrays[name] = pa.array([value] * len(rows), type=pa.string())
    arrays["file_row_number"] = pa.array(row_numbers, type=pa.int64())
    return pa.table(arrays)


def extra_columns(entry: CatalogEntry) -> dict[str, str | None]:
    """Family columns the spec adds to CSV rows: MCQM CSVs get ``period`` (§4.3)."""
    kind = entry.kind
    if kind is not None and kind.family == "mcqm":
        return {"period": kind.attrs.get("period")}
    return {}


# --- decoding -------------------------------------------------------------------------------


class _EncodingCheck:
    """Sees every chunk of a copy: keeps the first 4 KiB and whether the bytes are all UTF-8."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.utf8 = True
        self.head = b""

    def __call__(self, chunk: bytes) -> None:
        if len(self.head) < 4096:
            self.head += chunk[: 4096 - len(self.head)]
        if self.utf8:
            try:
                self.decoder.decode(chunk)
            except UnicodeDecodeError:
                self.utf8 = False

    def encoding(self) -> str:
        if self.utf8:
            try:
                self.decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                self.utf8 = False
        return "utf-8" if self.utf8 else "latin-1"


def spool_and_detect(
    source: ByteStream, temp_dir: Path | None = None
) -> tuple[tempfile.SpooledTemporaryFile[bytes], str, bytes]:
    """Copy ``source`` into a spooled temp file; return it (rewound), its encoding, first bytes."""
    check = _EncodingCheck()
    spool = spooled_copy(source, temp_dir, max_memory=SPOOL_MAX_MEMORY, observe=check)
    return spool, check.encoding(), check.head


def _check_not_binary(entry: CatalogEntry, head: bytes) -> None:
    if not head.strip():
        raise FileRejected(entry.file_path, "empty file: no CSV header")
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected(entry.file_path, "not a CSV file (zip signature)")
    if b"\x00" in head or len(_CONTROL.findall(head)) > max(4, len(head) // 50):
        raise FileRejected(entry.file_path, "binary content: not a CSV file")


# A first line is a header when no cell looks like a value and (a cell is a name the family
# is known to carry, or every non-blank cell has the CMS-name shape). Anything else is data:
# the file is rejected, because taking it as the header would lose that record and turn its
# values (MBIs, names, birth dates) into column names (PHI in the warehouse catalog).
# The shape: letters, digits, underscores and spaces, with a letter; also the punctuation CMS
# headers carry (hyphen, parentheses, slash, dot, #, %: "Start Date (MM/DD)", §4.2 quirk 9).
_NAME_SHAPE = re.compile(r"[A-Za-z0-9_ ()/.#%-]*[A-Za-z][A-Za-z0-9_ ()/.#%-]*", re.ASCII)
_MBI = re.compile(r"[1-9][A-Z][A-Z0-9][0-9][A-Z][A-Z0-9][0-9][A-Z]{2}[0-9]{2}", re.ASCII | re.I)
_DATE = re.compile(r"[0-9]{1,4}[-/.][0-9]{1,2}[-/.][0-9]{1,4}", re.ASCII)
_DIGIT_RUN = re.compile(r"[0-9]{5}", re.ASCII)


def _looks_like_value(cell: str) -> str | None:
    """Why a header cell reads as data (an MBI, a date, a number), or None."""
    compact = cell.replace("-", "").replace(" ", "")
    if _MBI.fullmatch(compact):
        return "an MBI"
    if _DATE.fullmatch(cell) or _DIGIT_RUN.search(cell):
        return "a date or a number"
    try:
        float(cell.replace(",", ""))
    except ValueError:
        return None
    return "a number"


def header_problem(raw: Sequence[str], known: frozenset[str] = frozenset()) -> str | None:
    """Why the first line ``raw`` is not a header (cell positions only, never values), or None."""
    cells = [(i, c.strip().strip('"').strip()) for i, c in enumerate(raw, start=1)]
    cells = [(i, c) for i, c in cells if c]
    if not cells:
        return "no CSV header row"
    for i, cell in cells:
        if why := _looks_like_value(cell):
            return f"first line is not a CSV header (cell {i} looks like {why})"
    if any(normalize_header(c) in known for _, c in cells):
        return None
    odd = [i for i, c in cells if not _NAME_SHAPE.fullmatch(c)]
    if odd:
        return (
            f"first line is not a CSV header (no known column name; cell {odd[0]} is not "
            "shaped like a column name)"
        )
    return None


# --- the parser -----------------------------------------------------------------------------


def parse_csv(
    source: ByteStream, entry: CatalogEntry, report: ParseReport, batch_rows: int = BATCH_ROWS
) -> Iterator[ParsedBatch]:
    """Stream one CSV file as batches of ``entry.kind.table`` rows plus rejects."""
    if entry.kind is None or entry.kind.table is None:
        raise FileRejected(entry.file_path, "CSV parser needs a classified entry with a table")
    table = entry.kind.table
    spool, encoding, head = spool_and_detect(source, report.temp_dir)
    try:
        _check_not_binary(entry, head)
        if head.startswith(_BOM):
            spool.seek(len(_BOM))
        if encoding != "utf-8":
            report.notes.append("decoded as latin-1 (not valid UTF-8)")
        text = io.TextIOWrapper(spool, encoding=encoding, newline="")
        yield from _parse_text(text, entry, report, table, batch_rows)
    finally:
        spool.close()


def _parse_text(
    text: io.TextIOWrapper, entry: CatalogEntry, report: ParseReport, table: str, batch_rows: int
) -> Iterator[ParsedBatch]:
    reader = csv.reader(text, strict=False)
    try:
        header = next(reader, None)
    except csv.Error as e:
        raise FileRejected(entry.file_path, f"unreadable CSV header: {e}") from e
    if header is None:
        raise FileRejected(entry.file_path, "no CSV header row")
    known = KNOWN_COLUMNS.get(entry.kind.family, frozenset()) if entry.kind else frozenset()
    if problem := header_problem(header, known):
        raise FileRejected(entry.file_path, problem)
    extra = extra_columns(entry)
    columns = normalize_headers(header, reserved=tuple(extra))
    width = len(columns)
    batch_rows = rows_per_batch(width, batch_rows)

    rows: list[list[str | None]] = []
    numbers: list[int] = []
    rejects: list[Reject] = []
    ordinal = 0
    last_line = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            ordinal += 1
            rejects.append(Reject(ordinal, f"line {last_line + 1}: malformed CSV record ({e})"))
            last_line = reader.line_num
            continue
        ordinal += 1
        start_line = last_line + 1
        last_line = reader.line_num
        if not record and width > 1:
            rejects.append(Reject(ordinal, f"line {start_line}: blank line"))
        elif len(record or [""]) != width:
            rejects.append(
                Reject(ordinal, f"line {start_line}: {len(record)} fields, header has {width}")
            )
        else:
            rows.append([clean_value(v) for v in (record or [""])])
            numbers.append(ordinal)
        if len(rows) + len(rejects) >= batch_rows:
            report.records_seen += len(rows) + len(rejects)
            yield ParsedBatch(table, rows_to_table(columns, rows, numbers, extra), rejects)
            rows, numbers, rejects = [], [], []
    report.records_seen += len(rows) + len(rejects)
    yield ParsedBatch(table, rows_to_table(columns, rows, numbers, extra), rejects)
