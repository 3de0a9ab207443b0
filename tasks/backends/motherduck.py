"""MotherDuck output: the DuckDB backend against an ``md:<database>`` path.

Same code, same promises as embedded DuckDB (one file = one transaction, ledger in the same
database). The token comes from a Prefect ``Secret`` block (``MSSP_WAREHOUSE_BLOCK``, read by
blocks/warehouse.py into a ``MotherDuckConnection``) and is handed to DuckDB through the
``motherduck_token`` environment variable of this process, never through the path (which is
logged). Not testable here beyond construction: there is no MotherDuck stand-in (see docs/backends.md).
"""

from __future__ import annotations

import os

from tasks.backends.connections import MOTHERDUCK_TOKEN_ENV, MotherDuckConnection, motherduck_path
from tasks.backends.duckdb import DuckDBBackend
from tasks.errors import ConfigError

TOKEN_ENV = MOTHERDUCK_TOKEN_ENV

__all__ = ["TOKEN_ENV", "MotherDuckBackend", "motherduck_path"]


class MotherDuckBackend(DuckDBBackend):
    @classmethod
    def from_connection(cls, connection: MotherDuckConnection) -> MotherDuckBackend:  # type: ignore[override]
        path = motherduck_path(connection.database)
        if connection.token is not None:
            os.environ[TOKEN_ENV] = connection.token.get_secret_value()
        elif not os.environ.get(TOKEN_ENV):
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "MOTHERDUCK needs a Secret block with the token")
        return cls(path)
