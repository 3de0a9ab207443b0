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
    present_paths: frozenset[str] | None = None
    """This run's store paths, to tell a duplicate (the same bytes loaded under a path still in the
    store) from a rename (that path is gone); None: unknown, no duplicate check."""


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

    def purge_missing(self, present_paths: set[str], families: tuple[str, ...], run_id: str = "") -> int:
        """Full refresh: drop rows, rejects and fingerprint of files no longer in the store and
        record each as ``removed`` in run ``run_id`` (so a restored file loads again); files whose
        latest ledger row is already ``removed`` are skipped. Returns files purged."""

    def close(self) -> None: ...


OUTPUT_TYPES = ("DUCKDB", "PARQUET", "MOTHERDUCK", "SNOWFLAKE", "BIGQUERY", "DATABRICKS", "REDSHIFT",
                "FABRIC")


def open_backend(output_type: str, location: str, *, warehouse_block: str | None = None,
                 settings: object | None = None) -> Backend:
    """The backend of ``MSSP_OUTPUT_TYPE``; client packages are imported only for the chosen one.

    ``location`` is the DuckDB file or Parquet root (``MSSP_OUTPUT_LOCATION``); for a
    MotherDuck/warehouse output it names the database (``md:<db>``, a Snowflake/BigQuery/
    Databricks/Redshift database, or a OneLake/Delta root for FABRIC). ``warehouse_block`` is
    ``MSSP_WAREHOUSE_BLOCK``; ``settings`` (a ``tasks.settings.Settings``) supplies the
    Snowflake endpoint overrides and the temp location.
    """
    from tasks.errors import ConfigError

    if output_type == "DUCKDB":
        from tasks.backends.duckdb import DuckDBBackend

        return DuckDBBackend(location)
    if output_type == "PARQUET":
        from tasks.backends.parquet import ParquetBackend

        return ParquetBackend(location)
    if output_type not in OUTPUT_TYPES:
        raise ConfigError("MSSP_OUTPUT_TYPE", "allowed: " + ", ".join(OUTPUT_TYPES))
    if output_type == "FABRIC":
        from tasks.backends.fabric import FabricBackend

        return FabricBackend.from_settings(location, warehouse_block, settings)
    if output_type == "MOTHERDUCK":
        from tasks.backends.motherduck import MotherDuckBackend

        return MotherDuckBackend.from_block(location, warehouse_block)
    if not warehouse_block:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK",
                          f"MSSP_OUTPUT_TYPE={output_type} needs the name of its connection block")
    if output_type == "SNOWFLAKE":
        from tasks.backends.snowflake import SnowflakeBackend

        return SnowflakeBackend.from_block(warehouse_block, settings)
    if output_type == "BIGQUERY":
        from tasks.backends.bigquery import BigQueryBackend

        return BigQueryBackend.from_block(warehouse_block, location)
    if output_type == "DATABRICKS":
        from tasks.backends.databricks import DatabricksBackend

        return DatabricksBackend.from_block(warehouse_block, location)
    from tasks.backends.redshift import RedshiftBackend

    return RedshiftBackend.from_block(warehouse_block, location)
