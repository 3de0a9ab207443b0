"""Prefect block resolution for the pipeline.

The pipeline uses Prefect's own block types (``Secret``, prefect-aws ``AwsCredentials`` /
``S3Bucket``, prefect-azure ``AzureBlobStorageCredentials`` / ``AzureBlobStorageContainer``,
prefect-gcp ``GcpCredentials`` / ``GcsBucket``); it defines no block type of its own yet, so
``prefect block register -m blocks`` has nothing extra to register. Importing the integrations
here makes their types known to the local Prefect registry.
"""

from __future__ import annotations

from blocks.datahub import resolve_datahub_credentials
from blocks.store import resolve_storage_options

__all__ = ["resolve_datahub_credentials", "resolve_storage_options"]
