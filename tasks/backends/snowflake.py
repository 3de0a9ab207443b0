"""Snowflake output: a ``SnowflakeConnection`` (from a prefect-snowflake ``SnowflakeConnector`` block), PUT + COPY INTO.

Each spooled Parquet part is PUT to a temporary stage of its own (``mssp_meta.mssp_stage_<load
id>_<n>``, dropped afterwards) before the transaction; inside it, ``copy into <table> ... match_by_column_name
= case_insensitive`` loads it by column name (schema drift by name), after the delete of a
re-issued file's old rows; the ledger row commits with them. Identifiers are written unquoted
(Snowflake stores them upper-case), so dbt's unquoted names resolve them. The endpoint (host, port,
protocol) is part of the connection, for a private link or a local stand-in (blocks/warehouse.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tasks.backends.connections import SnowflakeConnection
from tasks.backends.sqlwarehouse import Dialect, SqlWarehouseBackend
from tasks.backends.staging import SIMPLE_IDENTIFIER, SpoolPart
from tasks.ledger import LEDGER_SCHEMA


class SnowflakeDialect(Dialect):
    name = "snowflake"
    types = {"VARCHAR": "VARCHAR", "BIGINT": "NUMBER(38,0)", "DOUBLE": "FLOAT", "DATE": "DATE",
             "TIMESTAMP": "TIMESTAMP_NTZ"}

    autocommit = False  # DML opens the transaction; DDL (done before it) commits implicitly

    def begin(self) -> None:
        return None

    def ident(self, name: str) -> str:
        # unquoted -> stored upper-case, which is what dbt's unquoted references resolve to
        return name if SIMPLE_IDENTIFIER.match(name) else '"' + name.upper().replace('"', '""') + '"'

    def stage(self, cur: Any, part: SpoolPart, load_id: str, index: int) -> str:
        """PUT the part to a temporary stage of its own (created before the transaction: DDL)."""
        stage = f"{LEDGER_SCHEMA}.mssp_stage_{load_id.replace('-', '')}_{index}"
        cur.execute(f"create temporary stage if not exists {stage}")
        cur.execute(f"put '{Path(part.path).resolve().as_uri()}' @{stage} "
                    "auto_compress = false overwrite = true")
        return stage

    def load(self, cur: Any, part: SpoolPart, staged: str, file_path: str) -> None:
        cur.execute(f"copy into {self.table('raw_data', part.table)} from @{staged} "
                    "FILE_FORMAT = (TYPE = PARQUET) "
                    "MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE")  # option names upper-case, as documented

    def unstage(self, cur: Any, staged: str) -> None:
        cur.execute(f"drop stage if exists {staged}")


class SnowflakeBackend(SqlWarehouseBackend):
    def __init__(self, connect: Callable[[], Any], dialect: Dialect | None = None) -> None:
        super().__init__(connect, dialect or SnowflakeDialect())

    @classmethod
    def from_connection(cls, connection: SnowflakeConnection) -> SnowflakeBackend:
        return cls(connection.connect)
