"""Resolve ``MSSP_WAREHOUSE_BLOCK`` (+ settings) into one typed warehouse connection.

The one place a warehouse block is read. The result (``tasks.backends.connections``) is passed
by the flows to both the loader (``tasks.backends.open_backend``) and dbt
(``tasks.dbt.profiles.dbt_profile``); tasks never load blocks. Secrets stay ``SecretStr`` until
a client or the dbt profile is built. Block type per output type:

- SNOWFLAKE: prefect-snowflake ``SnowflakeConnector`` (+ the endpoint overrides below)
- BIGQUERY: prefect-gcp ``GcpCredentials`` (project: a bare ``MSSP_OUTPUT_LOCATION``, else the block's)
- MOTHERDUCK: ``Secret`` with the token or ``{"token": ...}`` (optional: else env ``motherduck_token``)
- DATABRICKS: ``Secret`` ``{"server_hostname", "http_path", "access_token", "catalog", "volume"}``
- REDSHIFT: ``Secret`` ``{"host", "port", "database", "user", "password", "iam_role", "s3_staging"}``
- FABRIC: ``Secret`` (optional, dbt only) ``{"server", "database", "port", "driver", "authentication",
  "tenant_id", "client_id", "client_secret"}``; the loader writes Delta under ``MSSP_OUTPUT_LOCATION``
- DUCKDB, PARQUET: no block

A plain block name is loaded with the type above; ``<block-type-slug>/<name>`` works too.

The Snowflake endpoint overrides are not global settings: they belong to one connection, so they
are read here (``SnowflakeEndpoint``: ``MSSP_SNOWFLAKE_HOST``, ``MSSP_SNOWFLAKE_PORT``,
``MSSP_SNOWFLAKE_PROTOCOL`` from the environment or ``.env``) or passed as ``snowflake_endpoint``.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from tasks.backends.connections import (
    BigQueryConnection,
    DatabricksConnection,
    FabricConnection,
    FabricSqlEndpoint,
    MotherDuckConnection,
    RedshiftConnection,
    SnowflakeConnection,
    WarehouseConnection,
    local_connection,
    motherduck_path,
)
from tasks.errors import ConfigError
from tasks.settings import Settings

BlockLoader = Callable[[str], Any]


class SnowflakeEndpoint(BaseSettings):
    """Endpoint overrides of a Snowflake connection (a private link, or a local stand-in such as
    fakesnow): ``MSSP_SNOWFLAKE_HOST/_PORT/_PROTOCOL`` from the environment, then ``.env``, as the
    settings are read (tasks.backends.connections.CONNECTION_ENV documents them)."""

    model_config = SettingsConfigDict(env_prefix="MSSP_SNOWFLAKE_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    host: str | None = None
    port: int | None = None
    protocol: str | None = None

BLOCK_TYPES = {
    "SNOWFLAKE": ("prefect_snowflake", "SnowflakeConnector"),
    "BIGQUERY": ("prefect_gcp", "GcpCredentials"),
}
"""Block class per output type for a plain block name; every other warehouse uses a ``Secret``."""

OPTIONAL_BLOCK = frozenset({"DUCKDB", "PARQUET", "MOTHERDUCK", "FABRIC"})


def block_loader(output_type: str) -> BlockLoader:
    """Load a block by name with the block type of ``output_type`` (``<slug>/<name>`` works too)."""

    def load(name: str) -> Any:
        from prefect.blocks.core import Block
        from prefect.blocks.system import Secret

        if "/" in name:
            return Block.load(name)
        module, cls = BLOCK_TYPES.get(output_type, ("", ""))
        block_type = getattr(importlib.import_module(module), cls) if module else Secret
        return block_type.load(name)

    return load


def snowflake_endpoint_from_env() -> dict[str, Any]:
    """``MSSP_SNOWFLAKE_HOST/_PORT/_PROTOCOL`` as connection fields (only the ones set)."""
    try:
        endpoint = SnowflakeEndpoint()
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "port"
        raise ConfigError(f"MSSP_SNOWFLAKE_{field.upper()}", exc.errors()[0]["msg"]) from None
    return endpoint.model_dump(exclude_none=True)


def resolve_connection(settings: Settings, load_block: BlockLoader | None = None, *,
                       snowflake_endpoint: Mapping[str, Any] | None = None) -> WarehouseConnection:
    """The typed connection of ``settings.output_type``; ConfigError naming the setting at fault.

    ``load_block`` (tests) replaces ``Block.load``; ``snowflake_endpoint`` replaces the
    ``MSSP_SNOWFLAKE_*`` environment.
    """
    output_type = settings.output_type
    name = settings.warehouse_block
    if not name or output_type in ("DUCKDB", "PARQUET"):  # a block named for these is not used
        return local_connection(output_type, settings.output_location,
                                duckdb_memory_limit=settings.duckdb_memory_limit)
    try:
        block = (load_block or block_loader(output_type))(name)
    except ValueError:
        raise ConfigError("MSSP_WAREHOUSE_BLOCK", f"no block named {name!r} for MSSP_OUTPUT_TYPE={output_type}"
                          ) from None
    try:
        if output_type == "SNOWFLAKE":
            endpoint = snowflake_endpoint_from_env() if snowflake_endpoint is None else dict(snowflake_endpoint)
            return snowflake_connection(block, endpoint)
        if output_type == "BIGQUERY":
            return bigquery_connection(block, settings.output_location)
        if output_type == "MOTHERDUCK":
            return MotherDuckConnection(database=motherduck_path(settings.output_location),
                                        token=SecretStr(token_from_secret(block.get())))
        config = secret_dict(block)
        if output_type == "DATABRICKS":
            return DatabricksConnection(catalog=config.get("catalog") or settings.output_location,
                                        **_pick(config, "server_hostname", "http_path", "access_token", "volume"))
        if output_type == "REDSHIFT":
            return RedshiftConnection(database=config.get("database") or settings.output_location,
                                      **_pick(config, "host", "port", "user", "password", "iam_role", "s3_staging"))
        if output_type == "FABRIC":
            return FabricConnection(root=settings.output_location, sql=FabricSqlEndpoint(**_pick(
                config, "server", "database", "port", "driver", "authentication", "tenant_id", "client_id",
                "client_secret")))
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})
        raise ConfigError("MSSP_WAREHOUSE_BLOCK",
                          f"block {name!r} ({output_type}): missing or bad {', '.join(fields)}") from None
    return local_connection(output_type, settings.output_location)  # an unknown type: ConfigError


def _pick(config: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {k: config[k] for k in keys if config.get(k) not in (None, "")}


def secret_dict(block: Any) -> dict[str, Any]:
    """A ``Secret`` block's value as a dict (the block may hold a dict or its JSON)."""
    value = block.get() if hasattr(block, "get") else block
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "the Secret block holds no JSON object") from None
    return dict(value)


def token_from_secret(value: Any) -> str:
    """A MotherDuck ``Secret`` may hold the token itself or ``{"token": ...}`` (a dict or its JSON)."""
    if isinstance(value, str):
        text = value
        try:
            value = json.loads(text)
        except ValueError:
            return text
    if isinstance(value, dict) and value.get("token"):
        return str(value["token"])
    raise ConfigError("MSSP_WAREHOUSE_BLOCK", "the MotherDuck Secret block holds no token")


def _secret(value: Any) -> SecretStr | None:
    if value is None:
        return None
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(value, bytes):
        value = value.decode()
    return SecretStr(str(value))


def snowflake_connection(connector: Any, endpoint: Mapping[str, Any]) -> SnowflakeConnection:
    """A ``SnowflakeConnector`` block (its ``credentials``: ``SnowflakeCredentials``) + endpoint."""
    creds = connector.credentials
    path = getattr(creds, "private_key_path", None)
    return SnowflakeConnection(
        account=creds.account, user=getattr(creds, "user", None), role=getattr(creds, "role", None),
        password=_secret(getattr(creds, "password", None)),
        private_key=_secret(getattr(creds, "private_key", None)),
        private_key_path=str(path) if path else None,
        private_key_passphrase=_secret(getattr(creds, "private_key_passphrase", None)),
        authenticator=getattr(creds, "authenticator", None),
        endpoint=getattr(creds, "endpoint", None) or getattr(creds, "okta_endpoint", None),
        token=_secret(getattr(creds, "token", None)),
        database=connector.database, warehouse=connector.warehouse,
        schema_name=getattr(connector, "schema_", None), **dict(endpoint))


def bigquery_connection(gcp: Any, location: str) -> BigQueryConnection:
    """A ``GcpCredentials`` block; a bare ``MSSP_OUTPUT_LOCATION`` (no ``/`` or ``.``) names the project."""
    named = location if location and "/" not in location and "." not in location else None
    info = getattr(gcp, "service_account_info", None)
    if info is not None:
        value = info.get_secret_value() if hasattr(info, "get_secret_value") else info
        info = SecretStr(value if isinstance(value, str) else json.dumps(dict(value)))
    path = getattr(gcp, "service_account_file", None)
    return BigQueryConnection(project=named or getattr(gcp, "project", None), service_account_info=info,
                              service_account_file=str(path) if path else None)


__all__ = ["block_loader", "resolve_connection", "secret_dict", "snowflake_endpoint_from_env", "token_from_secret"]
