"""The dbt output (one ``profiles.yml`` target) for every ``MSSP_OUTPUT_TYPE``.

``dbt_profile(settings, connection)`` returns the ``outputs`` entry; ``tasks/dbt/runner.py`` writes it
under the profile ``mssp``. ``connection`` is the typed connection the flow resolved from
``MSSP_WAREHOUSE_BLOCK`` (``blocks/warehouse.py``; the same object the loader gets); its secrets
are unwrapped only into that profiles.yml, which the runner writes into a private temporary directory.

PARQUET: dbt runs on DuckDB over views of the Parquet dataset. The dbt-duckdb plugin
``Plugin`` below (``plugins: [{module: tasks.dbt.profiles}]``) creates ``raw_data.<table>``
and ``mssp_meta.*`` views over the root on every connection (committed parts only, see
tasks/backends/parquet.py); the models are built into a local DuckDB file
(``dbt_duckdb_path``), since an in-memory database would lose them at the end of the run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from tasks.backends.connections import (
    BigQueryConnection,
    DatabricksConnection,
    DuckDBConnection,
    FabricConnection,
    MotherDuckConnection,
    ParquetConnection,
    RedshiftConnection,
    SnowflakeConnection,
    WarehouseConnection,
    local_connection,
)
from tasks.errors import ConfigError
from tasks.settings import Settings, size_in_bytes

DBT_THREADS = 2
# Embedded DuckDB (DUCKDB, PARQUET) builds one model at a time: DuckDB already runs each model on
# every core, and two models at once share one memory pool (two version windows at once ran out of
# memory at 384MB where each alone passed). Remote warehouses keep DBT_THREADS.
EMBEDDED_DBT_THREADS = 1


GIB_PER_DUCKDB_THREAD = 1.0
"""Memory each DuckDB worker thread of a dbt build gets. Each thread keeps its own sort and hash
buffers, so under a small limit more threads mean more memory and more spilling. Measured with
benchmarks/full_year.py (README Performance): at 768MB the 10k year's pipeline process peaked at
1.24 GiB with one thread, 1.35-1.39 with two; at 512MB two threads ran out of memory on the 50k
year and one passed."""


def duckdb_threads(memory_limit: str, cores: int | None = None) -> int:
    """DuckDB worker threads for a dbt build under ``memory_limit``: one per GiB, at least one,
    at most one per core."""
    cores = cores or os.cpu_count() or 1
    per_memory = int(size_in_bytes(memory_limit) // (GIB_PER_DUCKDB_THREAD * 2**30))
    return max(1, min(cores, per_memory))


def duckdb_settings(memory_limit: str) -> dict[str, Any]:
    """dbt-duckdb's settings: spill to disk past ``MSSP_DUCKDB_MEMORY_LIMIT`` instead of growing
    toward 80% of the machine's RAM, with as many worker threads as that limit feeds."""
    return {"memory_limit": memory_limit, "threads": duckdb_threads(memory_limit),
            "preserve_insertion_order": False}


TARGET_SCHEMA = "main"  # dbt/alr and dbt/cclf put their models in custom schemas (alr, input_layer, ...)

Builder = Callable[[Settings, Any], dict[str, Any]]


def is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def dbt_duckdb_path(settings: Settings) -> str:
    """Where dbt builds its models for PARQUET output: next to a local root, else under ./data."""
    if is_remote(settings.output_location):
        return str((Path(settings.temp_location).parent / "mssp_parquet_dbt.duckdb").resolve())
    root = Path(settings.output_location.removeprefix("file://")).expanduser().resolve()
    return str(root / "dbt.duckdb")


def _duckdb(settings: Settings, c: DuckDBConnection) -> dict[str, Any]:
    path = Path(c.path).expanduser().resolve()
    return {"type": "duckdb", "path": str(path), "schema": TARGET_SCHEMA, "threads": EMBEDDED_DBT_THREADS,
            "settings": duckdb_settings(c.memory_limit)}  # from the one connection (the loader caps its own)


def _parquet(settings: Settings, c: ParquetConnection) -> dict[str, Any]:
    root = c.root
    if not is_remote(root):
        root = str(Path(root.removeprefix("file://")).expanduser().resolve())
    return {"type": "duckdb", "path": dbt_duckdb_path(settings), "schema": TARGET_SCHEMA,
            "threads": EMBEDDED_DBT_THREADS, "settings": duckdb_settings(settings.duckdb_memory_limit),
            "plugins": [{"module": "tasks.dbt.profiles", "config": {"parquet_root": root}}]}


def _motherduck(settings: Settings, c: MotherDuckConnection) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "duckdb", "path": c.database, "schema": TARGET_SCHEMA, "threads": DBT_THREADS}
    if c.token is not None:
        out["settings"] = {"motherduck_token": c.token.get_secret_value()}
    return out


def _snowflake(settings: Settings, c: SnowflakeConnection) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": "snowflake", "account": c.account, "user": c.user, "database": c.database,
        "warehouse": c.warehouse, "schema": TARGET_SCHEMA, "threads": DBT_THREADS,
    }
    if c.role:
        out["role"] = c.role
    if c.password is not None:
        out["password"] = c.password.get_secret_value()
    elif c.private_key_path:
        out["private_key_path"] = c.private_key_path
        if c.private_key_passphrase is not None:
            out["private_key_passphrase"] = c.private_key_passphrase.get_secret_value()
    if c.authenticator and c.authenticator != "snowflake":
        out["authenticator"] = c.authenticator
    out.update(c.endpoint_overrides())
    return out


def _bigquery(settings: Settings, c: BigQueryConnection) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "bigquery", "project": c.project or settings.output_location,
                           "dataset": TARGET_SCHEMA, "threads": DBT_THREADS}
    if c.service_account_info is not None:
        out.update(method="service-account-json", keyfile_json=json.loads(c.service_account_info.get_secret_value()))
    elif c.service_account_file:
        out.update(method="service-account", keyfile=c.service_account_file)
    else:
        out["method"] = "oauth"
    return out


def _databricks(settings: Settings, c: DatabricksConnection) -> dict[str, Any]:
    return {"type": "databricks", "host": c.server_hostname, "http_path": c.http_path,
            "token": c.access_token.get_secret_value(), "catalog": c.catalog,
            "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def _redshift(settings: Settings, c: RedshiftConnection) -> dict[str, Any]:
    return {"type": "redshift", "host": c.host, "port": c.port, "user": c.user,
            "password": c.password.get_secret_value(), "dbname": c.database,
            "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def _fabric(settings: Settings, c: FabricConnection) -> dict[str, Any]:
    """dbt-fabric builds in a Fabric Warehouse (SQL endpoint); the loader's Delta tables are read
    from the lakehouse through its SQL analytics endpoint (three-part names: set the projects'
    raw database var to the lakehouse name)."""
    if c.sql is None:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK", "dbt on MSSP_OUTPUT_TYPE=FABRIC needs the connection block")
    e = c.sql
    out: dict[str, Any] = {"type": "fabric", "driver": e.driver, "server": e.server, "port": e.port,
                           "database": e.database, "schema": TARGET_SCHEMA, "threads": DBT_THREADS,
                           "authentication": e.authentication}
    for key in ("tenant_id", "client_id"):
        if getattr(e, key):
            out[key] = getattr(e, key)
    if e.client_secret is not None:
        out["client_secret"] = e.client_secret.get_secret_value()
    return out


def postgres_output(host: str, port: int, user: str, dbname: str, password: str = "") -> dict[str, Any]:
    """dbt-postgres target: the stand-in for Redshift in tests/engines (same SQL dialect family)."""
    return {"type": "postgres", "host": host, "port": int(port), "user": user, "password": password,
            "dbname": dbname, "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def spark_session_output(schema: str = TARGET_SCHEMA) -> dict[str, Any]:
    """dbt-spark ``method: session`` target: the in-process (local) SparkSession of the caller,
    the stand-in for Databricks in tests/engines."""
    return {"type": "spark", "method": "session", "host": "NA", "schema": schema, "threads": 1}


PROFILE_BUILDERS: dict[str, Builder] = {
    "DUCKDB": _duckdb, "PARQUET": _parquet, "MOTHERDUCK": _motherduck, "SNOWFLAKE": _snowflake,
    "BIGQUERY": _bigquery, "DATABRICKS": _databricks, "REDSHIFT": _redshift, "FABRIC": _fabric,
}


def dbt_profile(settings: Settings, connection: WarehouseConnection | None = None) -> dict[str, Any]:
    """The profiles.yml ``outputs`` entry for ``settings.output_type`` on ``connection``.

    ``connection``: resolved by the flow (``blocks.warehouse.resolve_connection``); None is enough
    only for outputs that need no block (DuckDB, Parquet, ...), else a ConfigError naming
    ``MSSP_WAREHOUSE_BLOCK``.
    """
    if connection is None:
        connection = local_connection(settings.output_type, settings.output_location,
                                      duckdb_memory_limit=settings.duckdb_memory_limit)
    if connection.output_type != settings.output_type:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK",
                          f"a {connection.output_type} connection for MSSP_OUTPUT_TYPE={settings.output_type}")
    return PROFILE_BUILDERS[settings.output_type](settings, connection)


class Plugin(BasePlugin):
    """dbt-duckdb plugin: views of a Parquet output root on every dbt connection."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.root = plugin_config["parquet_root"]

    def configure_connection(self, conn: Any) -> None:
        from tasks.backends.parquet import configure_duckdb_fs, register_views

        configure_duckdb_fs(conn, self.root)
        register_views(conn, self.root)


__all__ = ["Plugin", "dbt_duckdb_path", "dbt_profile", "postgres_output", "spark_session_output"]
