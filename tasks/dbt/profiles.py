"""The dbt output (one ``profiles.yml`` target) for every ``MSSP_OUTPUT_TYPE``.

``dbt_profile(settings)`` returns the ``outputs`` entry; ``tasks/dbt/runner.py`` writes it under the
profile ``mssp``. Warehouse credentials are read from the block named by
``MSSP_WAREHOUSE_BLOCK`` (the same block the loader uses) and only ever end up in that
profiles.yml, which the runner writes into a private temporary directory.

PARQUET: dbt runs on DuckDB over views of the Parquet dataset. The dbt-duckdb plugin
``Plugin`` below (``plugins: [{module: tasks.dbt.profiles}]``) creates ``raw_data.<table>``
and ``mssp_meta.*`` views over the root on every connection (committed parts only, see
tasks/backends/parquet.py); the models are built into a local DuckDB file
(``dbt_duckdb_path``), since an in-memory database would lose them at the end of the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin

from tasks.errors import ConfigError
from tasks.settings import Settings

DBT_THREADS = 2
DUCKDB_SETTINGS = {"memory_limit": "1GB", "preserve_insertion_order": False}
"""dbt-duckdb spills to disk past this instead of growing toward 80% of the machine's RAM."""
TARGET_SCHEMA = "main"  # dbt/alr and dbt/cclf put their models in custom schemas (alr, input_layer, ...)

BlockLoader = Callable[[str], Any]


WAREHOUSE_BLOCK_TYPES = {
    "SNOWFLAKE": ("prefect_snowflake", "SnowflakeConnector"),
    "BIGQUERY": ("prefect_gcp", "GcpCredentials"),
}
"""Block class per output type, as the loaders use it; every other warehouse uses a ``Secret``."""


def _block_loader(output_type: str) -> BlockLoader:
    """Load ``MSSP_WAREHOUSE_BLOCK`` with the same block type the loader uses (plain block name)."""
    import importlib

    from prefect.blocks.system import Secret

    module, cls = WAREHOUSE_BLOCK_TYPES.get(output_type, ("", ""))
    block_type = getattr(importlib.import_module(module), cls) if module else Secret

    def load(name: str) -> Any:
        if "/" in name:  # "<block-type-slug>/<name>" works too
            from prefect.blocks.core import Block

            return Block.load(name)
        return block_type.load(name)

    return load


def _secret_dict(block: Any) -> dict[str, Any]:
    value = block.get() if hasattr(block, "get") else block
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value)


def _block(settings: Settings, load_block: BlockLoader | None) -> Any:
    if not settings.warehouse_block:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK",
                          f"dbt on MSSP_OUTPUT_TYPE={settings.output_type} needs the connection block")
    return (load_block or _block_loader(settings.output_type))(settings.warehouse_block)


def is_remote(location: str) -> bool:
    return "://" in location and not location.startswith("file://")


def dbt_duckdb_path(settings: Settings) -> str:
    """Where dbt builds its models for PARQUET output: next to a local root, else under ./data."""
    if is_remote(settings.output_location):
        return str((Path(settings.temp_location).parent / "mssp_parquet_dbt.duckdb").resolve())
    root = Path(settings.output_location.removeprefix("file://")).expanduser().resolve()
    return str(root / "dbt.duckdb")


def _duckdb(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    path = Path(settings.output_location).expanduser().resolve()
    return {"type": "duckdb", "path": str(path), "schema": TARGET_SCHEMA, "threads": DBT_THREADS,
            "settings": DUCKDB_SETTINGS}


def _parquet(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    root = settings.output_location
    if not is_remote(root):
        root = str(Path(root.removeprefix("file://")).expanduser().resolve())
    return {"type": "duckdb", "path": dbt_duckdb_path(settings), "schema": TARGET_SCHEMA,
            "threads": DBT_THREADS, "settings": DUCKDB_SETTINGS,
            "plugins": [{"module": "tasks.dbt.profiles", "config": {"parquet_root": root}}]}


def _motherduck(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    from tasks.backends.motherduck import motherduck_path, token_from_secret

    out: dict[str, Any] = {"type": "duckdb", "path": motherduck_path(settings.output_location),
                           "schema": TARGET_SCHEMA, "threads": DBT_THREADS}
    if settings.warehouse_block:
        token = token_from_secret(_block(settings, load_block).get())
        out["settings"] = {"motherduck_token": token}
    return out


def _snowflake(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    connector = _block(settings, load_block)
    creds = connector.credentials
    out: dict[str, Any] = {
        "type": "snowflake", "account": creds.account, "user": creds.user,
        "database": connector.database, "warehouse": connector.warehouse,
        "schema": TARGET_SCHEMA, "threads": DBT_THREADS,
    }
    if getattr(creds, "role", None):
        out["role"] = creds.role
    if getattr(creds, "password", None):
        out["password"] = creds.password.get_secret_value()
    elif getattr(creds, "private_key_path", None):
        out["private_key_path"] = str(creds.private_key_path)
        if getattr(creds, "private_key_passphrase", None):
            out["private_key_passphrase"] = creds.private_key_passphrase.get_secret_value()
    if getattr(creds, "authenticator", None) and creds.authenticator != "snowflake":
        out["authenticator"] = creds.authenticator
    for key in ("host", "port", "protocol"):
        value = getattr(settings, f"snowflake_{key}")
        if value:
            out[key] = value
    return out


def _bigquery(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    gcp = _block(settings, load_block)
    project = getattr(gcp, "project", None) or settings.output_location
    out: dict[str, Any] = {"type": "bigquery", "project": project, "dataset": TARGET_SCHEMA,
                           "threads": DBT_THREADS}
    info = getattr(gcp, "service_account_info", None)
    if info is not None:
        value = info.get_secret_value() if hasattr(info, "get_secret_value") else info
        out.update(method="service-account-json", keyfile_json=dict(value))
    elif getattr(gcp, "service_account_file", None):
        out.update(method="service-account", keyfile=str(gcp.service_account_file))
    else:
        out["method"] = "oauth"
    return out


def _databricks(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    c = _secret_dict(_block(settings, load_block))
    return {"type": "databricks", "host": c["server_hostname"], "http_path": c["http_path"],
            "token": c["access_token"], "catalog": c.get("catalog") or settings.output_location,
            "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def _redshift(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    c = _secret_dict(_block(settings, load_block))
    return {"type": "redshift", "host": c["host"], "port": int(c.get("port", 5439)),
            "user": c["user"], "password": c["password"],
            "dbname": c.get("database") or settings.output_location,
            "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def _fabric(settings: Settings, load_block: BlockLoader | None) -> dict[str, Any]:
    """dbt-fabric builds in a Fabric Warehouse (SQL endpoint); the loader's Delta tables are read
    from the lakehouse through its SQL analytics endpoint (three-part names: set the projects'
    raw database var to the lakehouse name)."""
    c = _secret_dict(_block(settings, load_block))
    out: dict[str, Any] = {"type": "fabric", "driver": c.get("driver", "ODBC Driver 18 for SQL Server"),
                           "server": c["server"], "port": int(c.get("port", 1433)),
                           "database": c["database"], "schema": TARGET_SCHEMA, "threads": DBT_THREADS,
                           "authentication": c.get("authentication", "ServicePrincipal")}
    for key in ("tenant_id", "client_id", "client_secret"):
        if c.get(key):
            out[key] = c[key]
    return out


def postgres_output(host: str, port: int, user: str, dbname: str, password: str = "") -> dict[str, Any]:
    """dbt-postgres target: the stand-in for Redshift in tests/engines (same SQL dialect family)."""
    return {"type": "postgres", "host": host, "port": int(port), "user": user, "password": password,
            "dbname": dbname, "schema": TARGET_SCHEMA, "threads": DBT_THREADS}


def spark_session_output(schema: str = TARGET_SCHEMA) -> dict[str, Any]:
    """dbt-spark ``method: session`` target: the in-process (local) SparkSession of the caller,
    the stand-in for Databricks in tests/engines."""
    return {"type": "spark", "method": "session", "host": "NA", "schema": schema, "threads": 1}


PROFILE_BUILDERS: dict[str, Callable[[Settings, BlockLoader | None], dict[str, Any]]] = {
    "DUCKDB": _duckdb, "PARQUET": _parquet, "MOTHERDUCK": _motherduck, "SNOWFLAKE": _snowflake,
    "BIGQUERY": _bigquery, "DATABRICKS": _databricks, "REDSHIFT": _redshift, "FABRIC": _fabric,
}


def dbt_profile(settings: Settings, load_block: BlockLoader | None = None) -> dict[str, Any]:
    """The profiles.yml ``outputs`` entry for ``settings.output_type``."""
    return PROFILE_BUILDERS[settings.output_type](settings, load_block)


class Plugin(BasePlugin):
    """dbt-duckdb plugin: views of a Parquet output root on every dbt connection."""

    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.root = plugin_config["parquet_root"]

    def configure_connection(self, conn: Any) -> None:
        from tasks.backends.parquet import configure_duckdb_fs, register_views

        configure_duckdb_fs(conn, self.root)
        register_views(conn, self.root)


__all__ = ["Plugin", "dbt_duckdb_path", "dbt_profile", "postgres_output", "spark_session_output"]
