"""One typed connection per ``MSSP_OUTPUT_TYPE``: what the loader and dbt need to reach the output.

``blocks/warehouse.py`` reads ``MSSP_WAREHOUSE_BLOCK`` once into one of these (secrets stay
``SecretStr``); flows pass it to ``tasks.backends.open_backend`` and to the dbt profile
(``tasks.dbt.profiles.dbt_profile``), so a block is parsed in one place and tasks never load
blocks. Secrets are unwrapped only where a client is built (``connect()`` methods, the dbt
profile written into a private temporary folder). Outputs that need no block (DuckDB, Parquet,
MotherDuck with the token in the environment, Fabric's Delta root) come from
``local_connection(output_type, location)``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from tasks.errors import ConfigError
from tasks.settings import DUCKDB_MEMORY_LIMIT

MOTHERDUCK_TOKEN_ENV = "motherduck_token"
CONNECTION_ENV = {
    "MSSP_SNOWFLAKE_HOST": "Snowflake endpoint override (private link or a local stand-in); part of the "
                           "Snowflake connection, read with the warehouse block",
    "MSSP_SNOWFLAKE_PORT": "Snowflake port override (connection)",
    "MSSP_SNOWFLAKE_PROTOCOL": "Snowflake protocol override (`https`, `http`) (connection)",
}
"""Environment names read by ``blocks/warehouse.py`` into one connection, not into ``Settings``
(listed with the settings in the README and ``--help``; no default)."""


class _Connection(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DuckDBConnection(_Connection):
    """``memory_limit`` (``MSSP_DUCKDB_MEMORY_LIMIT``): of dbt-duckdb; the loader takes at most
    ``tasks.settings.LOADER_MEMORY_CAP`` of it."""

    output_type: Literal["DUCKDB"] = "DUCKDB"
    path: str
    memory_limit: str = DUCKDB_MEMORY_LIMIT


class ParquetConnection(_Connection):
    output_type: Literal["PARQUET"] = "PARQUET"
    root: str


class MotherDuckConnection(_Connection):
    """``token`` None: the ``motherduck_token`` environment variable must hold it."""

    output_type: Literal["MOTHERDUCK"] = "MOTHERDUCK"
    database: str  # md:<db>
    token: SecretStr | None = None


class SnowflakeConnection(_Connection):
    """The fields of a prefect-snowflake ``SnowflakeConnector`` block that a connection uses, plus
    the endpoint (``host``/``port``/``protocol``: a private link or a local stand-in)."""

    output_type: Literal["SNOWFLAKE"] = "SNOWFLAKE"
    account: str
    user: str | None = None
    password: SecretStr | None = None
    private_key: SecretStr | None = None  # PEM text
    private_key_path: str | None = None
    private_key_passphrase: SecretStr | None = None
    authenticator: str | None = None
    endpoint: str | None = None  # Okta URL when authenticator is okta_endpoint
    token: SecretStr | None = None
    role: str | None = None
    database: str
    warehouse: str
    schema_name: str | None = None
    host: str | None = None
    port: int | None = None
    protocol: str | None = None

    def endpoint_overrides(self) -> dict[str, Any]:
        return {k: v for k in ("host", "port", "protocol") if (v := getattr(self, k))}

    def connect(self) -> Any:
        """A ``snowflake.connector`` connection, as ``SnowflakeConnector.get_connection(autocommit=False)``."""
        import snowflake.connector

        return snowflake.connector.connect(**self.connect_kwargs())

    def connect_kwargs(self) -> dict[str, Any]:
        """``snowflake.connector.connect`` arguments; the only place the secrets are unwrapped."""
        out: dict[str, Any] = {"application": "Prefect_Snowflake_Collection", "account": self.account,
                               "database": self.database, "warehouse": self.warehouse, "autocommit": False,
                               **self.endpoint_overrides()}
        for key in ("user", "role"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.authenticator and self.authenticator != "snowflake":  # the connector's default
            out["authenticator"] = self.authenticator
        if self.schema_name:
            out["schema"] = self.schema_name
        if self.password is not None:
            out["password"] = self.password.get_secret_value()
        if self.token is not None:
            out["token"] = self.token.get_secret_value()
        if out.get("authenticator") == "okta_endpoint":
            out["authenticator"] = self.endpoint
        der = self._private_key_der()
        if der is not None:
            out["private_key"] = der
            out.pop("password", None)
        return out

    def _private_key_der(self) -> bytes | None:
        if self.private_key is None and not self.private_key_path:
            return None
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
            load_pem_private_key,
        )

        pem = (Path(self.private_key_path).read_bytes() if self.private_key_path
               else self.private_key.get_secret_value().encode())  # type: ignore[union-attr]
        secret = self.private_key_passphrase or self.password
        key = load_pem_private_key(pem, password=secret.get_secret_value().encode() if secret else None)
        return key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())


class BigQueryConnection(_Connection):
    """A prefect-gcp ``GcpCredentials`` block's credentials and the project (block, else location)."""

    output_type: Literal["BIGQUERY"] = "BIGQUERY"
    project: str | None = None
    service_account_info: SecretStr | None = None  # the key's JSON
    service_account_file: str | None = None

    def client(self) -> Any:
        """A ``google.cloud.bigquery.Client`` (application default credentials without a key)."""
        import json

        import google.cloud.bigquery as bigquery
        from google.oauth2 import service_account

        scopes = ["https://www.googleapis.com/auth/cloud-platform"]
        credentials = None
        if self.service_account_info is not None:
            credentials = service_account.Credentials.from_service_account_info(
                json.loads(self.service_account_info.get_secret_value()), scopes=scopes)
        elif self.service_account_file:
            credentials = service_account.Credentials.from_service_account_file(
                os.path.expanduser(self.service_account_file), scopes=scopes)
        if credentials is None:
            import google.auth

            credentials, default_project = google.auth.default(scopes=scopes)
            return bigquery.Client(project=self.project or default_project, credentials=credentials)
        return bigquery.Client(project=self.project or credentials.project_id, credentials=credentials)


class DatabricksConnection(_Connection):
    output_type: Literal["DATABRICKS"] = "DATABRICKS"
    server_hostname: str
    http_path: str
    access_token: SecretStr
    catalog: str
    volume: str = ""  # /Volumes/<catalog>/<schema>/<volume>: the loader's staging area

    def connect(self) -> Any:
        import tempfile

        from databricks import sql

        return sql.connect(server_hostname=self.server_hostname, http_path=self.http_path,
                           access_token=self.access_token.get_secret_value(), catalog=self.catalog,
                           staging_allowed_local_path=tempfile.gettempdir())


class RedshiftConnection(_Connection):
    output_type: Literal["REDSHIFT"] = "REDSHIFT"
    host: str
    port: int = 5439
    database: str
    user: str
    password: SecretStr
    iam_role: str = ""
    s3_staging: str = ""  # s3://bucket/prefix the cluster's IAM role can read

    def connect(self) -> Any:
        import redshift_connector

        conn = redshift_connector.connect(host=self.host, port=self.port, database=self.database,
                                          user=self.user, password=self.password.get_secret_value())
        conn.autocommit = True  # explicit begin/commit per file
        return conn


class FabricSqlEndpoint(_Connection):
    """The Fabric Warehouse SQL endpoint dbt-fabric builds in."""

    server: str
    database: str
    port: int = 1433
    driver: str = "ODBC Driver 18 for SQL Server"
    authentication: str = "ServicePrincipal"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None


class FabricConnection(_Connection):
    """The loader's Delta root (OneLake or local); ``sql``: dbt's endpoint (from the block)."""

    output_type: Literal["FABRIC"] = "FABRIC"
    root: str
    sql: FabricSqlEndpoint | None = None


WarehouseConnection = (DuckDBConnection | ParquetConnection | MotherDuckConnection | SnowflakeConnection
                       | BigQueryConnection | DatabricksConnection | RedshiftConnection | FabricConnection)


def motherduck_path(location: str) -> str:
    """``md:<db>`` from ``MSSP_OUTPUT_LOCATION`` (``md:db`` or a bare database name)."""
    if MOTHERDUCK_TOKEN_ENV in location:
        raise ConfigError("MSSP_OUTPUT_LOCATION", "put the MotherDuck token in the warehouse block, not the path")
    return location if location.startswith("md:") else f"md:{location}"


def local_connection(output_type: str, location: str, *,
                     duckdb_memory_limit: str = DUCKDB_MEMORY_LIMIT) -> WarehouseConnection:
    """The connection of an output that needs no block; ConfigError naming what is missing."""
    if output_type == "DUCKDB":
        return DuckDBConnection(path=location, memory_limit=duckdb_memory_limit)
    if output_type == "PARQUET":
        return ParquetConnection(root=location)
    if output_type == "MOTHERDUCK":
        if not os.environ.get(MOTHERDUCK_TOKEN_ENV):
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "MOTHERDUCK needs a Secret block with the token")
        return MotherDuckConnection(database=motherduck_path(location))
    if output_type == "FABRIC":
        return FabricConnection(root=location)
    from tasks.backends import OUTPUT_TYPES

    if output_type not in OUTPUT_TYPES:
        raise ConfigError("MSSP_OUTPUT_TYPE", "allowed: " + ", ".join(OUTPUT_TYPES))
    raise ConfigError("MSSP_WAREHOUSE_BLOCK", f"MSSP_OUTPUT_TYPE={output_type} needs the name of its connection block")
