"""Load a store into an engine with the project's own loader code (``tasks.ingest.ingest_entry``).

PostgreSQL stands for Redshift: ``RedshiftBackend`` runs unchanged over psycopg2 (schemas, DDL with
``VARCHAR(65535)``, begin / delete / temp table / insert-by-name / rejects / ledger / commit).
The one statement PostgreSQL cannot run is Redshift's ``COPY … FROM 's3://…' IAM_ROLE … FORMAT AS
PARQUET``: ``PgCopyCursor`` recognises exactly that statement and feeds the same temp table the
staged Parquet part with PostgreSQL's ``COPY … FROM STDIN (FORMAT csv)`` instead. S3 staging is a
local directory.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from tasks.backends.redshift import RedshiftBackend, RedshiftDialect
from tasks.backends.staging import SpoolPart
from tasks.catalog import build_catalog
from tasks.ingest import ingest_entry
from tasks.models import FileOutcome
from tasks.store import Store

REDSHIFT_COPY = re.compile(r"^copy (\S+) from '([^']+)' iam_role '[^']*' format as parquet$")


class PgCopyCursor:
    """A psycopg2 cursor that runs Redshift's Parquet COPY as a PostgreSQL CSV COPY; all else as is."""

    def __init__(self, cursor: Any) -> None:
        self._cur = cursor
        self.copies = 0

    def execute(self, sql: str, params: Any = None) -> None:
        match = REDSHIFT_COPY.match(sql)
        if match is None:
            self._cur.execute(sql, params)
            return
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        table = pq.read_table(match.group(2))
        buf = io.BytesIO()
        pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=True, quoting_style="needed"))
        buf.seek(0)
        names = ", ".join(f'"{n}"' for n in table.column_names)
        self._cur.copy_expert(f"copy {match.group(1)} ({names}) from stdin with (format csv, header true)", buf)
        self.copies += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cur, name)


class LocalStagingFs:
    """The two fsspec calls the Redshift dialect makes, on a local directory instead of S3."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_file(self, local: str, uri: str) -> None:
        target = self.root / uri.removeprefix("s3://")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, target)

    def rm_file(self, uri: str) -> None:
        (self.root / uri.removeprefix("s3://")).unlink(missing_ok=True)


class PgRedshiftDialect(RedshiftDialect):
    """RedshiftDialect with S3 on a local directory; its SQL is unchanged."""

    def __init__(self, staging_root: Path) -> None:
        super().__init__("s3://staging/mssp", "arn:aws:iam::000000000000:role/stand-in", LocalStagingFs(staging_root))

    def stage(self, cur: Any, part: SpoolPart, load_id: str, index: int) -> str:
        uri = super().stage(cur, part, load_id, index)
        return str(self.fs.root / uri.removeprefix("s3://"))  # COPY reads the local copy


def ingest_store(store_root: Path, backend: Any) -> list[FileOutcome]:
    """Catalog the store and load every file into ``backend`` (closed afterwards)."""
    store = Store(str(store_root))
    try:
        with tempfile.TemporaryDirectory(prefix="engine-load-") as tmp:
            backend.prepare()
            catalog = build_catalog(store, Path(tmp))
            return [ingest_entry(e, store, backend, run_id="engines", temp_dir=Path(tmp)) for e in catalog.entries]
    finally:
        backend.close()


def load_postgres(store_root: Path, dsn: str) -> list[FileOutcome]:
    """The Redshift loader over psycopg2 against PostgreSQL."""
    import psycopg2

    class Conn:
        def __init__(self) -> None:
            self._conn = psycopg2.connect(dsn)
            self._conn.autocommit = True  # explicit begin/commit per file, as on Redshift

        def cursor(self) -> PgCopyCursor:
            return PgCopyCursor(self._conn.cursor())

        def close(self) -> None:
            self._conn.close()

    with tempfile.TemporaryDirectory(prefix="s3-stand-in-") as staging:
        return ingest_store(store_root, RedshiftBackend(Conn, PgRedshiftDialect(Path(staging))))
