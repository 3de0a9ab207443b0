"""Spark (standing for Databricks): dbt/alr, dbt/cclf and dbt/mssp built for real on dbt-spark
``method: session`` in a local-mode SparkSession, finals compared with the DuckDB reference.

Delta Lake cannot run here: delta-spark's Python package only names its jars for Spark to fetch
from Maven Central (``spark.jars.packages``) and this machine reaches PyPI only; no installed wheel
and nothing on disk ships them. So the raw tables are plain Parquet tables filled from the
reference's raw rows (not through the Databricks loader, whose ``MERGE … WHEN NOT MATCHED BY
SOURCE … DELETE`` needs Delta; its statements are covered by ``databricks_on_duckdb`` in
tests/integration/test_backend_semantics.py), and dbt writes Parquet tables.

Speed: Spark's defaults (200 shuffle partitions, adaptive planning, one task per core per stage)
are built for big data; the reference has a dozen beneficiaries, so every shuffle is cut to one
partition (``SPARK_CONF``); docs/backends.md has the measured times.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tasks.dbt.profiles import spark_session_output
from tests.engines.conftest import Reference
from tests.engines.engine_build import NO_UNIT_TESTS, assert_same_finals, build_on, compile_on, compiled_sql

pytestmark = [pytest.mark.engines, pytest.mark.dbt, pytest.mark.slow]

BUILT = ("alr", "cclf", "mssp")
RAW_SCHEMAS = ("raw_data", "mssp_meta")
SPARK_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "1",
    "spark.sql.adaptive.enabled": "false",
    "spark.ui.enabled": "false",
    "spark.driver.memory": "1g",
    "spark.sql.session.timeZone": "UTC",
}
"""Local-mode settings for tiny data: one partition per shuffle, no adaptive re-planning, no UI."""


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    root = Path(tempfile.mkdtemp(prefix="mssp-spark-"))
    builder = (SparkSession.builder.master("local[2]").appName("mssp-engines")
               .config("spark.sql.warehouse.dir", str(root / "warehouse")))
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    try:
        yield session
    finally:
        session.stop()
        shutil.rmtree(root, ignore_errors=True)


def _load_raw(spark: Any, reference: Reference, tmp: Path) -> int:
    """Every raw_data and mssp_meta table of the reference as a Parquet table; returns their count."""
    import duckdb

    with duckdb.connect(str(reference.warehouse)) as con:
        tables = con.execute("select table_schema, table_name from information_schema.tables "
                             f"where table_schema in {RAW_SCHEMAS} and table_type = 'BASE TABLE'").fetchall()
        for schema, table in tables:
            path = tmp / "raw" / schema / f"{table}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f"copy {schema}.{table} to '{path}' (format parquet)")
            spark.sql(f"create schema if not exists {schema}")
            spark.sql(f"create table if not exists {schema}.{table} using parquet as select * from parquet.`{path}`")
    return len(tables)


@contextmanager
def escaped_seed_values() -> Iterator[None]:
    """dbt-spark's session method writes seed values into the SQL as ``'<value>'``: unescaped, so a
    value with an apostrophe (a seed source text "CMS's ...") breaks the statement, and an empty
    cell becomes the text ``'None'``. A stand-in limit (dbt-databricks binds parameters): here
    text is escaped as Spark reads string literals and None is NULL."""
    from dbt.adapters.spark.session import SessionConnectionWrapper

    fix = SessionConnectionWrapper.__dict__["_fix_binding"].__func__

    def escaped(cls: Any, value: Any) -> Any:
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        return fix(cls, value)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(SessionConnectionWrapper, "_fix_binding", classmethod(escaped))
        yield


def _spark_query(spark: Any):
    def query(sql: str) -> list[tuple]:
        return [tuple(row) for row in spark.sql(sql).collect()]
    return query


def test_dbt_builds_on_spark_session(reference: Reference, spark: Any, tmp_path: Path) -> None:
    started = time.monotonic()
    loaded = _load_raw(spark, reference, tmp_path)
    print(f"spark raw load: {time.monotonic() - started:.1f}s, {loaded} tables")
    with escaped_seed_values():
        results = build_on(spark_session_output(), "DATABRICKS", tmp_path, projects=BUILT,
                           exclude_resource_types=NO_UNIT_TESTS)
    for result in results.values():
        assert result.success, (result.project, result.failed_nodes, result.message)
    assert_same_finals(reference.warehouse, _spark_query(spark))


def test_dbt_compiles_on_spark_session(reference: Reference, spark: Any, tmp_path: Path) -> None:
    _load_raw(spark, reference, tmp_path)
    compiled = compile_on(spark_session_output(), tmp_path, BUILT)
    cclf, alr, mssp = (compiled_sql(compiled[p]) for p in ("cclf", "alr", "mssp"))
    assert "as string)" in cclf and "as varchar)" not in cclf  # spark__text_type
    assert "try_cast(" in cclf and "regexp_extract(" in cclf  # default casts and regex exist in Spark
    assert "from raw_data.partd_claims" in cclf  # the raw tables were seen, not the empty branch
    assert "None." not in alr and "from raw_data." in alr  # sources without a database on Spark
    assert "try_strptime(" not in mssp and "strftime(" not in mssp  # spark__report_date, spark__month_period
