"""File-store credentials: ``MSSP_STORE_BLOCK`` or the standard cloud environment.

``MSSP_STORE_BLOCK`` names one of (tried in this order, or given as ``<block-type-slug>/<name>``):
prefect-aws ``AwsCredentials`` / ``MinIOCredentials`` / ``S3Bucket``, prefect-azure
``AzureBlobStorageCredentials`` / ``AzureBlobStorageContainer``, prefect-gcp ``GcpCredentials``
/ ``GcsBucket``. The result is fsspec ``storage_options`` for ``tasks.store.Store``.

Without a block: ``AWS_*`` (incl. ``AWS_ENDPOINT_URL``) for ``s3://``,
``AZURE_STORAGE_CONNECTION_STRING`` (or ``AZURE_STORAGE_ACCOUNT_NAME`` / ``_KEY``) for
``az://`` / ``abfss://``, ``STORAGE_EMULATOR_HOST`` or ``GOOGLE_APPLICATION_CREDENTIALS`` for
``gs://``; local paths need nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from tasks.errors import ConfigError
from tasks.settings import Settings

BLOCK_SETTING = "MSSP_STORE_BLOCK"


def store_protocol(url: str) -> str:
    scheme, sep, _ = url.partition("://")
    if not sep:
        return "local"
    return {"gcs": "gs", "abfss": "az", "abfs": "az", "adl": "az", "file": "local"}.get(
        scheme, scheme
    )


def resolve_storage_options(settings: Settings) -> dict[str, Any]:
    """fsspec options for ``settings.file_store``: from the named block, else the environment."""
    if settings.store_block:
        return options_from_block(_load_block(settings.store_block))
    return options_from_env(settings.file_store, os.environ)


def options_from_env(url: str, environ: Mapping[str, str]) -> dict[str, Any]:
    protocol = store_protocol(url)
    if protocol == "s3":
        options: dict[str, Any] = {
            "endpoint_url": environ.get("AWS_ENDPOINT_URL_S3") or environ.get("AWS_ENDPOINT_URL"),
            "key": environ.get("AWS_ACCESS_KEY_ID"),
            "secret": environ.get("AWS_SECRET_ACCESS_KEY"),
            "token": environ.get("AWS_SESSION_TOKEN"),
        }
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
        if region:
            options["client_kwargs"] = {"region_name": region}
        return {k: v for k, v in options.items() if v}
    if protocol == "az":
        if environ.get("AZURE_STORAGE_CONNECTION_STRING"):
            return {"connection_string": environ["AZURE_STORAGE_CONNECTION_STRING"]}
        account = {
            "account_name": environ.get("AZURE_STORAGE_ACCOUNT_NAME"),
            "account_key": environ.get("AZURE_STORAGE_ACCOUNT_KEY"),
        }
        return {k: v for k, v in account.items() if v}
    if protocol == "gs":
        if environ.get("STORAGE_EMULATOR_HOST"):
            return {"endpoint_url": environ["STORAGE_EMULATOR_HOST"], "token": "anon"}
        if environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
            return {"token": environ["GOOGLE_APPLICATION_CREDENTIALS"]}
    return {}


def options_from_block(block: Any) -> dict[str, Any]:
    """fsspec options from a prefect-aws / prefect-azure / prefect-gcp block instance."""
    kind = type(block).__name__
    if kind == "S3Bucket":
        return options_from_block(block.credentials)
    if kind == "AzureBlobStorageContainer":
        return options_from_block(block.credentials)
    if kind == "GcsBucket":
        return options_from_block(block.gcp_credentials)
    if kind == "AwsCredentials":
        params = block.aws_client_parameters
        options: dict[str, Any] = {
            "key": block.aws_access_key_id,
            "secret": _reveal(block.aws_secret_access_key),
            "token": block.aws_session_token,
            "profile": block.profile_name,
            "endpoint_url": getattr(params, "endpoint_url", None),
        }
        if block.region_name:
            options["client_kwargs"] = {"region_name": block.region_name}
        return {k: v for k, v in options.items() if v}
    if kind == "MinIOCredentials":
        params = block.aws_client_parameters
        return {
            k: v
            for k, v in {
                "key": block.minio_root_user,
                "secret": _reveal(block.minio_root_password),
                "endpoint_url": getattr(params, "endpoint_url", None),
            }.items()
            if v
        }
    if kind == "AzureBlobStorageCredentials":
        if block.connection_string:
            return {"connection_string": _reveal(block.connection_string)}
        if not block.account_url:
            raise ConfigError(BLOCK_SETTING, "the Azure block has no connection_string/account_url")
        account = block.account_url.split("//", 1)[-1].split(".", 1)[0]
        options = {"account_name": account, "anon": False}
        if block.client_id and block.client_secret and block.tenant_id:
            options |= {
                "client_id": block.client_id,
                "client_secret": _reveal(block.client_secret),
                "tenant_id": block.tenant_id,
            }
        return options
    if kind == "GcpCredentials":
        if block.service_account_info:
            info = block.service_account_info.get_secret_value()
            return {"token": dict(info), "project": block.project}
        if block.service_account_file:
            return {"token": str(block.service_account_file), "project": block.project}
        return {"project": block.project} if block.project else {}
    raise ConfigError(BLOCK_SETTING, f"unsupported block type {kind}")


def _reveal(value: Any) -> Any:
    return value.get_secret_value() if hasattr(value, "get_secret_value") else value


def _block_types() -> list[Any]:
    types: list[Any] = []
    try:
        from prefect_aws import AwsCredentials, MinIOCredentials, S3Bucket

        types += [S3Bucket, AwsCredentials, MinIOCredentials]
    except ImportError:
        pass
    try:
        from prefect_azure import AzureBlobStorageCredentials
        from prefect_azure.blob_storage import AzureBlobStorageContainer

        types += [AzureBlobStorageContainer, AzureBlobStorageCredentials]
    except ImportError:
        pass
    try:
        from prefect_gcp import GcpCredentials, GcsBucket

        types += [GcsBucket, GcpCredentials]
    except ImportError:
        pass
    return types


def _load_block(name: str) -> Any:
    from prefect.blocks.core import Block

    if "/" in name:
        _block_types()  # register the integrations' types before a slug lookup
        try:
            return Block.load(name)
        except (ValueError, KeyError):
            raise ConfigError(BLOCK_SETTING, f"no block {name!r}") from None
    for block_type in _block_types():
        try:
            return block_type.load(name)
        except (ValueError, KeyError):
            continue
    raise ConfigError(BLOCK_SETTING, f"no AWS, Azure or GCP store block named {name!r}")
