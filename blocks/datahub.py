"""Data Hub credentials: ``MSSP_DATAHUB_SECRET_BLOCK`` or the ``SecretStr`` settings.

The block is a Prefect ``Secret`` whose value is ``{"api_key": ..., "api_secret": ...}``
(optionally ``"whitelisted_ip"``) as a dict or a JSON string, or the full text of a
``config.txt`` written by ``acoms-cli configure``. Create one with::

    from prefect.blocks.system import Secret
    Secret(value={"api_key": "...", "api_secret": "..."}).save("mssp-datahub")

Secrets stay wrapped in ``SecretStr`` until ``tasks.datahub.client.AcomsCli`` hands them to the client.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import SecretStr

from tasks.datahub.client import DatahubCredentials
from tasks.errors import ConfigError
from tasks.settings import Settings

BLOCK_SETTING = "MSSP_DATAHUB_SECRET_BLOCK"


def resolve_datahub_credentials(settings: Settings) -> DatahubCredentials:
    """Credentials from the named Secret block, else from the API key/secret settings."""
    if settings.datahub_secret_block:
        return credentials_from_value(_load_secret(settings.datahub_secret_block))
    if settings.datahub_api_key and settings.datahub_api_secret:
        return DatahubCredentials(settings.datahub_api_key, settings.datahub_api_secret)
    raise ConfigError(
        "MSSP_DATAHUB_API_KEY",
        f"Data Hub credentials missing: set {BLOCK_SETTING}, or MSSP_DATAHUB_API_KEY and "
        "MSSP_DATAHUB_API_SECRET",
    )


def credentials_from_value(value: Any) -> DatahubCredentials:
    """A Secret block's value (dict, JSON string, or config.txt text) as credentials."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "api_key" in parsed:
            value = parsed
        elif value.strip():
            return DatahubCredentials(config_text=SecretStr(value))
    if not isinstance(value, dict):
        raise ConfigError(BLOCK_SETTING, "the Secret must hold api_key/api_secret or config.txt")
    missing = [k for k in ("api_key", "api_secret") if not value.get(k)]
    if missing:
        raise ConfigError(BLOCK_SETTING, f"the Secret has no {', '.join(missing)}")
    return DatahubCredentials(
        api_key=SecretStr(str(value["api_key"])),
        api_secret=SecretStr(str(value["api_secret"])),
        whitelisted_ip=str(value.get("whitelisted_ip") or ""),
    )


def _load_secret(name: str) -> Any:
    from prefect.blocks.system import Secret

    try:
        return Secret.load(name).get()  # type: ignore[union-attr]  # Block.load is sync here; its typing admits a coroutine
    except ValueError:
        raise ConfigError(BLOCK_SETTING, f"no Secret block named {name!r}") from None
