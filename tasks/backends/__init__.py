"""Output backends behind one small protocol, chosen by ``MSSP_OUTPUT_TYPE``.

A backend owns the raw tables and the ledger in one warehouse. The loader (tasks/ingest.py)
asks it what was loaded before, then writes one file inside one transaction. ``BACKENDS`` maps
each output type to its class; every class is built with ``from_connection`` from the typed
connection of ``tasks/backends/connections.py`` and derives from ``BackendBase`` (no-op
fingerprint capabilities).
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from tasks.models import CatalogEntry, FileOutcome, ParsedBatch

if TYPE_CHECKING:
    from tasks.backends.connections import WarehouseConnection


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

    def known_unchanged(self, entries: list[CatalogEntry]) -> dict[str, PriorLoad]:
        """Entries settled by fingerprint, without reading them ({} from ``BackendBase``)."""

    def remember_fingerprint(self, file_path: str, fingerprint: str, sha256: str) -> None:
        """Keep a file's cheap fingerprint next to its sha256 (a no-op in ``BackendBase``)."""

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


class BackendBase:
    """No-op defaults of the optional capabilities, so ``ingest`` calls them on every backend."""

    def known_unchanged(self, entries: list[CatalogEntry]) -> dict[str, PriorLoad]:
        """Entries whose cheap fingerprint was last seen with their latest good sha256 (none kept: {})."""
        return {}

    def remember_fingerprint(self, file_path: str, fingerprint: str, sha256: str) -> None:
        """Keep ``fingerprint`` as seen with ``sha256`` (a backend without fingerprints forgets it)."""
        return None


OUTPUT_TYPES = ("DUCKDB", "PARQUET", "MOTHERDUCK", "SNOWFLAKE", "BIGQUERY", "DATABRICKS", "REDSHIFT",
                "FABRIC")

BACKENDS: dict[str, tuple[str, str]] = {
    "DUCKDB": ("tasks.backends.duckdb", "DuckDBBackend"),
    "PARQUET": ("tasks.backends.parquet", "ParquetBackend"),
    "MOTHERDUCK": ("tasks.backends.motherduck", "MotherDuckBackend"),
    "SNOWFLAKE": ("tasks.backends.snowflake", "SnowflakeBackend"),
    "BIGQUERY": ("tasks.backends.bigquery", "BigQueryBackend"),
    "DATABRICKS": ("tasks.backends.databricks", "DatabricksBackend"),
    "REDSHIFT": ("tasks.backends.redshift", "RedshiftBackend"),
    "FABRIC": ("tasks.backends.fabric", "FabricBackend"),
}
"""Output type -> (module, class); each class has ``from_connection(connection)``. A module (and its
client package) is imported only when its output type is chosen."""


def open_backend(output_type: str, location: str = "", *, connection: WarehouseConnection | None = None
                 ) -> Backend:
    """The backend of ``MSSP_OUTPUT_TYPE`` on ``connection`` (``blocks.warehouse.resolve_connection``).

    Without a connection, ``location`` (``MSSP_OUTPUT_LOCATION``) is enough for the outputs that
    need no block: a DuckDB file, a Parquet root, MotherDuck with the token in the environment,
    a Fabric Delta root; any other output type is a ConfigError naming ``MSSP_WAREHOUSE_BLOCK``.
    """
    from importlib import import_module

    from tasks.backends.connections import local_connection
    from tasks.errors import ConfigError

    if output_type not in BACKENDS:
        raise ConfigError("MSSP_OUTPUT_TYPE", "allowed: " + ", ".join(OUTPUT_TYPES))
    if connection is None:
        connection = local_connection(output_type, location)
    if connection.output_type != output_type:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK",
                          f"a {connection.output_type} connection for MSSP_OUTPUT_TYPE={output_type}")
    module, name = BACKENDS[output_type]
    backend: Backend = getattr(import_module(module), name).from_connection(connection)
    return backend
