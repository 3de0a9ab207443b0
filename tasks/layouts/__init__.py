"""Fixed-width record layouts, read from the CSV files beside this module.

The CCLF layouts are a verbatim copy of ``shared/reference/cclf_layouts/cclf_layouts_clean.csv``
(CMS CCLF Information Packet, checked against IP v38). Nothing here is retyped by hand.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LAYOUT_DIR = Path(__file__).parent

CCLF7_LONG_LENGTH = 230
"""Later CCLF7 files append a 35-character prescriber id at 196-230 (mssp_files.md §4.1)."""
CCLF7_LONG_PRESCRIBER = (196, 35)


@dataclass(frozen=True)
class Field:
    name: str  # lower-case column name in the raw table
    start: int  # 1-based, inclusive
    length: int
    format: str

    @property
    def end(self) -> int:
        return self.start + self.length - 1


@dataclass(frozen=True)
class Layout:
    file_type: str
    fields: tuple[Field, ...]

    @property
    def record_length(self) -> int:
        return max(f.end for f in self.fields)

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]


def _read(csv_name: str) -> dict[tuple[str, str], list[Field]]:
    out: dict[tuple[str, str], list[Field]] = {}
    with open(LAYOUT_DIR / csv_name, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["file_type"], row["record"])
            out.setdefault(key, []).append(
                Field(row["name"].lower(), int(row["start"]), int(row["length"]), row["format"])
            )
    return out


@cache
def fixed_width_layout(file_type: str) -> Layout:
    """Data-record layout of a CCLF type (``CCLF1`` .. ``CCLFB``) or ``MBIXREF``."""
    source = "bnex_mbi_xref.csv" if file_type == "MBIXREF" else "cclf_layouts_clean.csv"
    fields = _read(source).get((file_type, "data"))
    if not fields:
        raise KeyError(f"no fixed-width layout for {file_type!r}")
    return Layout(file_type, tuple(sorted(fields, key=lambda f: f.start)))


CCLF0_COLUMNS = [
    "file_number_label",
    "delimiter",
    "file_description_label",
    "delimiter_1",
    "total_records_count_label",
    "delimiter_2",
    "record_length_label",
]
"""CCLF0 raw columns, named as the Tuva loader names them (mssp_files.md §4.1)."""
