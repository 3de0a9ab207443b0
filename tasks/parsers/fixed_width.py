"""Fixed-width files (CCLF1-9, A, B; BNEX MBI cross-reference) to text columns.

Lines are cut straight from the byte buffer with numpy (no CSV reader ever sees them, so a
comma, a quote or a Latin-1 byte cannot lose a record). A chunk that is pure ASCII, the
normal case, is cut by byte offsets; a chunk with other bytes is decoded line by line
(UTF-8, else Latin-1) and cut by characters with Arrow kernels. Every line becomes a row or
a reject (mssp_files.md §4.1).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tasks.layouts import CCLF7_LONG_LENGTH, CCLF7_LONG_PRESCRIBER, Field, Layout, fixed_width_layout
from tasks.models import ByteStream, CatalogEntry, ParsedBatch, ParseReport, Reject

CHUNK_BYTES = 16 * 1024 * 1024
BLANK_PLACEHOLDER = b"This file is intentionally blank"
SPACE = 32
PRESCRIBER = "clm_prsbng_prvdr_gnrc_id_num"


def parse_fixed_width(source: ByteStream, entry: CatalogEntry, report: ParseReport) -> Iterator[ParsedBatch]:
    assert entry.kind is not None and entry.kind.layout and entry.kind.table
    layout = fixed_width_layout(entry.kind.layout)
    cutter = _Cutter(layout)
    row_base = 0
    for block in _line_blocks(source):
        if row_base == 0 and block.strip() == BLANK_PLACEHOLDER:
            report.notes.append("file is CMS's 'intentionally blank' placeholder: no records")
            break
        rows, rejects, n_lines = cutter.cut(block, row_base, report)
        row_base += n_lines
        report.records_seen += n_lines
        yield ParsedBatch(entry.kind.table, rows, rejects)
    if row_base == 0:  # no records: still create the table with its full layout
        yield ParsedBatch(entry.kind.table, cutter.empty(), [])


def _line_blocks(source: ByteStream) -> Iterator[bytes]:
    """Blocks of whole lines, each ending in LF except possibly the very last one."""
    tail = b""
    while True:
        chunk = source.read(CHUNK_BYTES)
        if not chunk:
            break
        data = tail + chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            tail = data
            continue
        tail = data[cut + 1:]
        yield data[: cut + 1]
    if tail:
        yield tail


class _Cutter:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.length = layout.record_length
        self.is_cclf7 = layout.file_type == "CCLF7"
        self.fields = layout.fields

    def max_length(self, lens: np.ndarray) -> np.ndarray:
        if self.is_cclf7:
            return np.where(lens > self.length, CCLF7_LONG_LENGTH, self.length)
        return np.full(lens.shape, self.length)

    def cut(self, block: bytes, row_base: int, report: ParseReport) -> tuple[pa.Table, list[Reject], int]:
        buf = np.frombuffer(block, dtype=np.uint8)
        nl = np.flatnonzero(buf == 10)
        ends = nl if (len(buf) and buf[-1] == 10) else np.append(nl, len(buf))
        starts = np.concatenate(([0], nl[: len(ends) - 1] + 1)).astype(np.int64)
        ends = ends.astype(np.int64)
        ends = ends - ((ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13))
        n_lines = len(starts)
        row_numbers = np.arange(row_base + 1, row_base + n_lines + 1, dtype=np.int64)
        if block.isascii():
            lens = ends - starts
            keep, rejects = self._validate(buf, starts, lens, row_numbers, report)
            columns = self._cut_ascii(buf, starts[keep], lens[keep])
        else:
            lines = [_decode(block[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
            lens = np.array([len(x) for x in lines], dtype=np.int64)
            keep, rejects = self._validate_text(lines, lens, row_numbers, report)
            columns = self._cut_text(pa.array([x for x, k in zip(lines, keep, strict=True) if k], pa.string()))
        columns["file_row_number"] = pa.array(row_numbers[keep])
        return pa.table(columns), rejects, n_lines

    def empty(self) -> pa.Table:
        names = [f.name for f in self.fields]
        return pa.table({**{n: pa.array([], pa.string()) for n in names},
                         "file_row_number": pa.array([], pa.int64())})

    # --- validation ---------------------------------------------------------------------
    def _validate(self, buf: np.ndarray, starts: np.ndarray, lens: np.ndarray, rows: np.ndarray,
                  report: ParseReport) -> tuple[np.ndarray, list[Reject]]:
        keep = lens > 0
        limit = self.max_length(lens)
        for i in np.flatnonzero(~keep | (lens > limit)).tolist():
            if lens[i] == 0:
                continue
            excess = buf[starts[i] + limit[i]: starts[i] + lens[i]]
            if np.any(excess != SPACE):
                keep[i] = False
        blank_candidates = np.flatnonzero(keep & (buf[starts] == SPACE)).tolist()
        for i in blank_candidates:  # whitespace-only lines are blank lines too
            if not np.any(buf[starts[i]: starts[i] + lens[i]] != SPACE):
                keep[i] = False
        return keep, self._rejects(keep, lens, limit, rows, report)

    def _validate_text(self, lines: list[str], lens: np.ndarray, rows: np.ndarray,
                       report: ParseReport) -> tuple[np.ndarray, list[Reject]]:
        limit = self.max_length(lens)
        keep = np.array([bool(x.strip(" ")) and (len(x) <= lim or not x[lim:].strip(" "))
                         for x, lim in zip(lines, limit.tolist(), strict=True)], dtype=bool)
        return keep, self._rejects(keep, lens, limit, rows, report)

    def _rejects(self, keep: np.ndarray, lens: np.ndarray, limit: np.ndarray, rows: np.ndarray,
                 report: ParseReport) -> list[Reject]:
        kept_lens = lens[keep]
        if len(kept_lens):
            values, counts = np.unique(np.minimum(kept_lens, limit[keep]), return_counts=True)
            for v, c in zip(values.tolist(), counts.tolist(), strict=True):
                report.length_counts[v] = report.length_counts.get(v, 0) + c
        rejects = []
        for i in np.flatnonzero(~keep).tolist():
            if lens[i] > limit[i]:
                reason = f"record longer than layout: {int(lens[i])} > {int(limit[i])} (line {int(rows[i])})"
            else:
                reason = f"blank line (line {int(rows[i])})"
            rejects.append(Reject(int(rows[i]), reason))
        return rejects

    # --- cutting ------------------------------------------------------------------------
    def _cut_ascii(self, buf: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> dict[str, pa.Array]:
        grid = _uniform_grid(buf, starts, lens)
        slices = [(f.name, f.start, f.length) for f in self.fields]
        if self.is_cclf7:
            slices.append(("_long_prescriber", *CCLF7_LONG_PRESCRIBER))
        out = {name: _ascii_field(buf, starts, lens, start, length, grid) for name, start, length in slices}
        if self.is_cclf7:
            out[PRESCRIBER] = pc.coalesce(out.pop("_long_prescriber"), out[PRESCRIBER])
        return out

    def _cut_text(self, lines: pa.Array) -> dict[str, pa.Array]:
        out = {f.name: _text_field(lines, f) for f in self.fields}
        if self.is_cclf7:
            start, length = CCLF7_LONG_PRESCRIBER
            out[PRESCRIBER] = pc.coalesce(_text_field(lines, Field(PRESCRIBER, start, length, "")),
                                          out[PRESCRIBER])
        return out


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _uniform_grid(buf: np.ndarray, starts: np.ndarray, lens: np.ndarray) -> np.ndarray | None:
    """A 2-D view of the block when every line has the same length and spacing (the usual case)."""
    n = len(starts)
    if n < 2 or lens.min() != lens.max():
        return None
    stride = int(starts[1] - starts[0])
    if stride <= 0 or not np.array_equal(np.diff(starts), np.full(n - 1, stride)):
        return None
    first = int(starts[0])
    if first + n * stride > len(buf):
        return None
    return buf[first: first + n * stride].reshape(n, stride)


def _ascii_field(buf: np.ndarray, starts: np.ndarray, lens: np.ndarray, start: int, length: int,
                 grid: np.ndarray | None = None) -> pa.Array:
    """Trimmed text of one field for every line; blank or missing (short record) → null.

    The field's bytes are gathered into one contiguous n × length block (a plain slice of
    the 2-D view when lines are uniform), wrapped as an Arrow string array with fixed offsets
    (zero copy) and trimmed by Arrow's ASCII kernel.
    """
    n = len(starts)
    if n == 0:
        return pa.array([], pa.string())
    if grid is not None and start - 1 + length <= int(lens[0]):
        block = np.ascontiguousarray(grid[:, start - 1: start - 1 + length])
    else:
        offsets = np.arange(length, dtype=np.int64)
        positions = starts[:, None] + (start - 1) + offsets[None, :]
        inside = (start - 1 + offsets)[None, :] < lens[:, None]
        block = np.where(inside, buf[np.minimum(positions, len(buf) - 1)], SPACE).astype(np.uint8)
    value_offsets = np.arange(0, (n + 1) * length, length, dtype=np.int64)
    raw = pa.LargeStringArray.from_buffers(n, pa.py_buffer(value_offsets), pa.py_buffer(block))
    trimmed = pc.ascii_trim(raw, " ").cast(pa.string())
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _text_field(lines: pa.Array, f: Field) -> pa.Array:
    value = pc.utf8_trim(pc.utf8_slice_codeunits(lines, f.start - 1, f.start - 1 + f.length), " ")
    return pc.if_else(pc.equal(value, ""), pa.scalar(None, pa.string()), value)
