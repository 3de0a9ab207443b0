"""blocks/warehouse.py: one warehouse block -> one typed connection, used by the loader and by dbt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pydantic import SecretStr

from blocks.warehouse import resolve_connection
from tasks.backends import BACKENDS, OUTPUT_TYPES, BackendBase, open_backend
from tasks.backends.connections import (
    BigQueryConnection,
    DatabricksConnection,
    FabricConnection,
    RedshiftConnection,
)
from tasks.dbt.profiles import PROFILE_BUILDERS, dbt_profile, duckdb_settings, duckdb_threads
from tasks.errors import ConfigError
from tasks.settings import OutputType, load_settings


class _Block:
    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def _secret(value: Any) -> _Block:
    return _Block(get=lambda: value)


BLOCKS = {
    "dbx": _secret({"server_hostname": "h", "http_path": "/sql/1", "access_token": "dbx-token",
                    "volume": "/Volumes/main/mssp/v"}),
    "rs": _secret(json.dumps({"host": "rs", "user": "u", "password": "rs-password", "iam_role": "arn:r",
                              "s3_staging": "s3://b/p"})),
    "gcp": _Block(project="block-project", service_account_info=SecretStr('{"type": "service_account"}')),
    "fabric": _secret({"server": "x.datawarehouse.fabric.microsoft.com", "database": "wh",
                       "client_secret": "fabric-secret", "tenant_id": "t"}),
}


def test_every_output_type_has_a_backend_and_a_dbt_profile() -> None:
    assert set(BACKENDS) == set(OUTPUT_TYPES) == set(PROFILE_BUILDERS) == set(OutputType.__args__)  # type: ignore[attr-defined]


def test_secret_blocks_become_typed_connections_with_secrets_kept_secret() -> None:
    dbx = resolve_connection(load_settings(output_type="DATABRICKS", output_location="main", warehouse_block="dbx"),
                             BLOCKS.__getitem__)
    assert isinstance(dbx, DatabricksConnection) and dbx.catalog == "main"  # the location names the catalog
    rs = resolve_connection(load_settings(output_type="REDSHIFT", output_location="mssp", warehouse_block="rs"),
                            BLOCKS.__getitem__)
    assert isinstance(rs, RedshiftConnection) and (rs.database, rs.port) == ("mssp", 5439)
    for connection in (dbx, rs):
        assert "dbx-token" not in repr(connection) and "rs-password" not in repr(connection)
    assert dbt_profile(load_settings(output_type="REDSHIFT"), rs)["password"] == "rs-password"


def test_bigquery_project_is_the_same_for_the_loader_and_dbt() -> None:
    settings = load_settings(output_type="BIGQUERY", output_location="named-project", warehouse_block="gcp")
    connection = resolve_connection(settings, BLOCKS.__getitem__)
    assert isinstance(connection, BigQueryConnection) and connection.project == "named-project"
    assert dbt_profile(settings, connection)["project"] == "named-project"
    default = load_settings(output_type="BIGQUERY", output_location="./data/x.duckdb", warehouse_block="gcp")
    assert resolve_connection(default, BLOCKS.__getitem__).project == "block-project"
    assert dbt_profile(settings, connection)["keyfile_json"] == {"type": "service_account"}


def test_fabric_loads_without_a_block_and_builds_dbt_only_with_one(tmp_path: Path) -> None:
    settings = load_settings(output_type="FABRIC", output_location=str(tmp_path / "lake"))
    bare = resolve_connection(settings)
    assert isinstance(bare, FabricConnection) and bare.sql is None
    with pytest.raises(ConfigError, match="MSSP_WAREHOUSE_BLOCK"):
        dbt_profile(settings, bare)
    full = resolve_connection(settings.model_copy(update={"warehouse_block": "fabric"}), BLOCKS.__getitem__)
    profile = dbt_profile(settings, full)
    assert (profile["server"], profile["port"], profile["client_secret"]) == (
        "x.datawarehouse.fabric.microsoft.com", 1433, "fabric-secret")


def test_a_block_missing_a_field_is_a_config_error_naming_the_block_and_field() -> None:
    blocks = {"rs": _secret({"host": "rs", "user": "u"})}
    with pytest.raises(ConfigError, match=r"MSSP_WAREHOUSE_BLOCK: block 'rs' \(REDSHIFT\): missing or bad password"):
        resolve_connection(load_settings(output_type="REDSHIFT", warehouse_block="rs"), blocks.__getitem__)

    def absent(name: str) -> Any:
        raise ValueError(f"Unable to find block document named {name}")

    with pytest.raises(ConfigError, match="no block named 'gone'"):
        resolve_connection(load_settings(output_type="SNOWFLAKE", warehouse_block="gone"), absent)


def test_local_outputs_need_no_block_and_ignore_one(tmp_path: Path) -> None:
    settings = load_settings(output_type="DUCKDB", output_location=str(tmp_path / "w.duckdb"), warehouse_block="x")
    connection = resolve_connection(settings, lambda name: pytest.fail("a DuckDB output loaded a block"))
    backend = open_backend("DUCKDB", connection=connection)
    try:
        assert isinstance(backend, BackendBase) and backend.location == str(tmp_path / "w.duckdb")
    finally:
        backend.close()


def test_the_no_op_base_keeps_no_fingerprints() -> None:
    base = BackendBase()
    assert base.known_unchanged([]) == {} and base.remember_fingerprint("p", "f", "0" * 64) is None


@pytest.mark.parametrize("auth", ["password", "key_file", "key_inline"])
def test_snowflake_connects_with_the_arguments_the_block_itself_would_use(
        auth: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver replaces ``SnowflakeConnector.get_connection(autocommit=False, **endpoint)``: the
    real prefect-snowflake block and the typed connection hand ``snowflake.connector.connect`` the same
    arguments (password, or an encrypted key file / inline key turned into DER)."""
    import snowflake.connector
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from prefect_snowflake import SnowflakeConnector, SnowflakeCredentials

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"synthetic-passphrase"))
    (tmp_path / "key.p8").write_bytes(pem)
    auth_fields: dict[str, Any] = {
        "password": {"password": "synthetic-pw"},
        "key_file": {"private_key_path": tmp_path / "key.p8", "private_key_passphrase": "synthetic-passphrase"},
        "key_inline": {"private_key": pem, "private_key_passphrase": "synthetic-passphrase"},
    }[auth]
    block = SnowflakeConnector(database="MSSP", warehouse="WH", schema="PUBLIC", credentials=SnowflakeCredentials(
        account="acct", user="loader", role="LOADER", **auth_fields))
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(snowflake.connector, "connect", lambda **kwargs: calls.append(kwargs) or object())
    endpoint = {"host": "127.0.0.1", "port": 8123, "protocol": "http"}
    block.get_connection(autocommit=False, **endpoint)
    settings = load_settings(output_type="SNOWFLAKE", warehouse_block="sf")
    resolve_connection(settings, {"sf": block}.__getitem__, snowflake_endpoint=endpoint).connect()
    expected, actual = calls
    expected.pop("private_key_path", None)  # passed on by the block, no snowflake.connector parameter
    assert actual == expected


@pytest.mark.parametrize(("setting", "loader_limit"), [("640MB", "244.1 MiB"), ("200MB", "190.7 MiB")])
def test_one_duckdb_memory_limit_for_dbt_and_at_most_the_cap_for_the_loader(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, setting: str, loader_limit: str) -> None:
    monkeypatch.setenv("MSSP_DUCKDB_MEMORY_LIMIT", setting)
    settings = load_settings(output_location=str(tmp_path / "mssp.duckdb"))
    connection = resolve_connection(settings)
    assert dbt_profile(settings, connection)["settings"]["memory_limit"] == setting
    parquet = settings.model_copy(update={"output_type": "PARQUET", "output_location": str(tmp_path / "pq")})
    assert dbt_profile(parquet)["settings"]["memory_limit"] == setting
    backend = open_backend("DUCKDB", connection=connection)
    try:
        (limit,) = backend._root.execute("select current_setting('memory_limit')").fetchone()  # type: ignore[attr-defined]
    finally:
        backend.close()
    assert limit == loader_limit  # the smaller of the setting and LOADER_MEMORY_CAP (256MB); DuckDB reports MiB


@pytest.mark.parametrize(("limit", "cores", "threads"), [
    ("512MB", 2, 1), ("1GB", 2, 1), ("1GiB", 2, 1), ("2GB", 2, 1), ("2GiB", 2, 2), ("8GB", 2, 2), ("8GB", 16, 7),
    ("100MB", 1, 1)])
def test_dbt_duckdb_threads_follow_the_memory_limit(limit: str, cores: int, threads: int) -> None:
    assert duckdb_threads(limit, cores) == threads  # one per GiB, at least one, at most one per core


def test_dbt_duckdb_settings_are_valid_duckdb_settings() -> None:
    settings = duckdb_settings("512MB")
    with duckdb.connect(":memory:", config={k: str(v) for k, v in settings.items()}) as con:
        threads, limit = con.execute("select current_setting('threads'), current_setting('memory_limit')").fetchone()  # type: ignore[misc]
    assert (threads, limit) == (1, "488.2 MiB")
