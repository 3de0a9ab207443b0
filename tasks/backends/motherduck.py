"""MotherDuck output: the DuckDB backend against an ``md:<database>`` path.

Same code, same promises as embedded DuckDB (one file = one transaction, ledger in the same
database). The token comes from a Prefect ``Secret`` block (``MSSP_WAREHOUSE_BLOCK``) and is
handed to DuckDB through the ``motherduck_token`` environment variable of this process, never
through the path (which is logged). Not testable here beyond construction: there is no
MotherDuck stand-in (see docs/backends.md).
"""

from __future__ import annotations

import json
import os
from typing import Any

from tasks.backends.duckdb import DuckDBBackend
from tasks.errors import ConfigError

TOKEN_ENV = "motherduck_token"


def motherduck_path(location: str) -> str:
    """``md:<db>`` from ``MSSP_OUTPUT_LOCATION`` (``md:db`` or a bare database name)."""
    if "motherduck_token" in location:
        raise ConfigError("MSSP_OUTPUT_LOCATION", "put the MotherDuck token in the warehouse block, not the path")
    return location if location.startswith("md:") else f"md:{location}"


def token_from_secret(value: Any) -> str:
    """The block may hold the token itself or ``{"token": ...}`` (a dict or its JSON)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return value
    if isinstance(value, dict) and value.get("token"):
        return str(value["token"])
    raise ConfigError("MSSP_WAREHOUSE_BLOCK", "the MotherDuck Secret block holds no token")


class MotherDuckBackend(DuckDBBackend):
    @classmethod
    def from_block(cls, location: str, block_name: str | None) -> MotherDuckBackend:
        path = motherduck_path(location)
        if block_name:
            from prefect.blocks.system import Secret

            os.environ[TOKEN_ENV] = token_from_secret(Secret.load(block_name).get())
        elif not os.environ.get(TOKEN_ENV):
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "MOTHERDUCK needs a Secret block with the token")
        return cls(path)
