"""Redshift output: S3-staged Parquet, COPY into a temporary table, insert by name, one transaction.

Redshift's COPY from Parquet maps columns by position, so each spooled part is COPY'd into a
temporary table created with exactly that part's columns in its order, then inserted into the
raw table by column name (schema drift by name). Text columns are ``VARCHAR(65535)`` (never the
256-character default). Delete of a re-issued file's rows, the COPY/inserts, the rejects and the
ledger row run in one transaction.

Connection: ``redshift_connector`` (installed with ``--extra redshift`` via dbt-redshift) with the
JSON of a Prefect ``Secret`` block: ``{"host", "port", "database", "user", "password",
"iam_role", "s3_staging"}`` (``s3_staging``: an ``s3://bucket/prefix`` the cluster's IAM role
can read; parts are uploaded there with s3fs from the standard AWS environment and removed after).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tasks.backends.connections import RedshiftConnection
from tasks.backends.sqlwarehouse import Dialect, SqlWarehouseBackend
from tasks.backends.staging import SpoolPart, sql_type
from tasks.errors import ConfigError
from tasks.ledger import RAW_SCHEMA


class RedshiftDialect(Dialect):
    name = "redshift"
    types = {"VARCHAR": "VARCHAR(65535)", "BIGINT": "BIGINT", "DOUBLE": "DOUBLE PRECISION",
             "DATE": "DATE", "TIMESTAMP": "TIMESTAMP"}

    def __init__(self, staging_url: str, iam_role: str, fs: Any = None) -> None:
        self.staging_url = staging_url.rstrip("/")
        self.iam_role = iam_role
        self._fs = fs

    @property
    def fs(self) -> Any:
        if self._fs is None:
            import fsspec

            self._fs = fsspec.filesystem("s3")
        return self._fs

    def stage(self, cur: Any, part: SpoolPart, load_id: str, index: int) -> str:
        uri = f"{self.staging_url}/{load_id}/{part.table}-{index}.parquet"
        self.fs.put_file(str(part.path), uri)
        return uri

    def load(self, cur: Any, part: SpoolPart, staged: str, file_path: str) -> None:
        temp = f"mssp_stage_{uuid.uuid4().hex[:16]}"
        columns = [(f.name, sql_type(f.type)) for f in part.schema]
        cols = ", ".join(f"{self.ident(n)} {self.types[t]}" for n, t in columns)
        names = ", ".join(self.ident(n) for n, _ in columns)
        cur.execute(f"create temp table {temp} ({cols})")
        cur.execute(f"copy {temp} from '{staged}' iam_role '{self.iam_role}' format as parquet")
        cur.execute(f"insert into {self.table(RAW_SCHEMA, part.table)} ({names}) select {names} from {temp}")
        cur.execute(f"drop table {temp}")

    def unstage(self, cur: Any, staged: str) -> None:
        self.fs.rm_file(staged)


class RedshiftBackend(SqlWarehouseBackend):
    def __init__(self, connect: Callable[[], Any], dialect: RedshiftDialect) -> None:
        super().__init__(connect, dialect)

    @classmethod
    def from_connection(cls, connection: RedshiftConnection) -> RedshiftBackend:
        if not (connection.s3_staging and connection.iam_role):
            raise ConfigError("MSSP_WAREHOUSE_BLOCK", "the Redshift block needs s3_staging and iam_role")
        return cls(connection.connect, RedshiftDialect(connection.s3_staging, connection.iam_role))
