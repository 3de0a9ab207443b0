"""Databricks output: a SQL warehouse via databricks-sql-connector, Delta tables, MERGE from staged Parquet.

Databricks SQL has no multi-statement transactions, so the promise "one file = one
transaction" is kept per statement: each spooled part is uploaded to a Unity Catalog Volume
(``PUT ... INTO '/Volumes/...'``), then ONE ``MERGE`` per table both inserts the file's new rows
(by column name) and deletes its old rows (``when not matched by source and file_path = ?``),
atomically (Delta). The ledger row is written last; because the MERGE always deletes the file's
old rows, a crash before the ledger row makes the rerun replay the file exactly. New columns are
added with ``alter table ... add columns`` before the MERGE.

Connection: the JSON of a Prefect ``Secret`` block ``{"server_hostname", "http_path",
"access_token", "catalog", "volume"}`` (``volume``: ``/Volumes/<catalog>/<schema>/<volume>``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tasks.backends.connections import DatabricksConnection
from tasks.backends.sqlwarehouse import Dialect, SqlWarehouseBackend
from tasks.backends.staging import SpoolPart
from tasks.errors import ConfigError
from tasks.ledger import RAW_SCHEMA


class DatabricksDialect(Dialect):
    name = "databricks"
    placeholder = "?"
    transactional = False
    types = {"VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE", "DATE": "DATE",
             "TIMESTAMP": "TIMESTAMP"}

    def __init__(self, volume: str) -> None:
        self.volume = volume.rstrip("/")

    def ident(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def begin(self) -> None:
        return None

    def commit(self) -> None:
        return None

    def rollback(self) -> None:
        return None

    def create_table(self, schema: str, table: str, columns: Sequence[tuple[str, str]]) -> str:
        return super().create_table(schema, table, columns) + " using delta"

    def add_column(self, schema: str, table: str, name: str, type_: str) -> str:
        return f"alter table {self.table(schema, table)} add columns ({self.ident(name)} {self.types[type_]})"

    def stage(self, cur: Any, part: SpoolPart, load_id: str, index: int) -> str:
        target = f"{self.volume}/mssp_stage/{load_id}/{part.table}-{index}.parquet"
        cur.execute(f"put '{part.path}' into '{target}' overwrite")
        return target

    def replace_statements(self, part: SpoolPart, staged: str, file_path: str,
                           replace_old: bool) -> list[tuple[str, list]]:
        names = [self.ident(f.name) for f in part.schema]
        source = f"(select * from parquet.`{staged}`)"
        table = self.table(RAW_SCHEMA, part.table)
        if not replace_old:
            return [(f"insert into {table} ({', '.join(names)}) select {', '.join(names)} from {source}", [])]
        return [(f"merge into {table} as t using {source} as s on 1 = 0 "
                 f"when not matched then insert ({', '.join(names)}) "
                 f"values ({', '.join('s.' + n for n in names)}) "
                 f"when not matched by source and t.file_path = {self.placeholder} then delete",
                 [file_path])]

    def unstage(self, cur: Any, staged: str) -> None:
        cur.execute(f"remove '{staged}'")


class DatabricksBackend(SqlWarehouseBackend):
    def __init__(self, connect: Callable[[], Any], dialect: DatabricksDialect) -> None:
        super().__init__(connect, dialect)

    @classmethod
    def from_connection(cls, connection: DatabricksConnection) -> DatabricksBackend:
        if not connection.volume:
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "the Databricks block names no volume (staging area)")
        return cls(connection.connect, DatabricksDialect(connection.volume))
