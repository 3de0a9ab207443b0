"""Output backends behind one small protocol, chosen by ``MSSP_OUTPUT_TYPE``.

A backend owns the raw tables and the ledger in one warehouse. The loader (tasks/load.py)
asks it what was loaded before, then writes one file inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from tasks.models import CatalogEntry, FileOutcome, ParsedBatch


@dataclass(frozen=True)
class PriorLoad:
    sha256: str
    tables: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class LedgerContext:
    run_id: str
    load_id: str
    started_at: dt.datetime


class FileWriter(Protocol):
    """One file's transaction: replace old rows, append batches, then commit with the ledger row."""

    def write(self, batch: ParsedBatch) -> None: ...

    def commit(self, outcome: FileOutcome) -> None: ...


class Backend(Protocol):
    def prepare(self) -> None:
        """Create the ledger tables (idempotent)."""

    def prior_load(self, file_path: str) -> PriorLoad | None:
        """The latest successful load of ``file_path``; errors propagate (never 'nothing loaded')."""

    def record(self, entry: CatalogEntry | None, outcome: FileOutcome, ctx: LedgerContext) -> None:
        """A ledger row for a file that wrote no rows (unchanged, rejected, failed)."""

    def file_writer(
        self, entry: CatalogEntry, ctx: LedgerContext, replace: PriorLoad | None, lock_key: str
    ) -> AbstractContextManager[FileWriter]: ...

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...]) -> int:
        """Full refresh: drop rows of files no longer in the store; returns files purged."""

    def close(self) -> None: ...


def open_backend(output_type: str, location: str) -> Backend:
    if output_type == "DUCKDB":
        from tasks.backends.duckdb import DuckDBBackend

        return DuckDBBackend(location)
    from tasks.errors import ConfigError

    raise ConfigError("MSSP_OUTPUT_TYPE", f"{output_type} is not available yet; allowed now: DUCKDB")
