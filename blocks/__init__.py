"""Prefect block resolution for the pipeline.

The pipeline uses Prefect's own block types (``Secret``, prefect-aws ``AwsCredentials`` /
``S3Bucket``, prefect-azure ``AzureBlobStorageCredentials`` / ``AzureBlobStorageContainer``,
prefect-gcp ``GcpCredentials`` / ``GcsBucket``) for credentials. Its one block type of its own,
``MsspPipelineProfile`` (``blocks/profile.py``: an ACO's non-secret settings), is imported here
so ``uv run python -m prefect block register -m blocks`` registers it (``python -m`` puts the
project folder on the import path; the bare ``prefect`` command cannot import ``blocks``).
"""

from __future__ import annotations

from blocks.datahub import resolve_datahub_credentials
from blocks.profile import MsspPipelineProfile, profile_overrides
from blocks.store import resolve_storage_options

__all__ = ["MsspPipelineProfile", "profile_overrides", "resolve_datahub_credentials", "resolve_storage_options"]
