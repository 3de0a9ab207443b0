"""The report as plain data: sections of tables, figures and notes, rendered by html/markdown."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Table:
    """A table of already formatted (and suppressed) cells."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""
    flagged: frozenset[int] = frozenset()
    """Indices of rows to highlight (a change beyond the threshold, a count mismatch)."""


@dataclass(frozen=True)
class Figure:
    title: str
    png_base64: str
    alt: str


@dataclass
class Section:
    key: str
    """Stable lowercase key; the artifact key is ``mssp-report-<key>``."""
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Why parts are missing, e.g. a relation that does not exist yet."""

    @property
    def artifact_key(self) -> str:
        return f"mssp-report-{self.key}"


@dataclass
class Report:
    title: str
    warehouse: Path
    generated_at: dt.datetime
    change_threshold: float
    sections: list[Section]
    sources: list[str] = field(default_factory=list)
    """Relations read, ``schema.name``."""
