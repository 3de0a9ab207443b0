"""PostgreSQL (standing for Redshift): the Redshift loader's SQL for real, dbt/alr, dbt/cclf, dbt/mssp on dbt-postgres.

What runs for real: every statement ``RedshiftBackend`` sends (schemas, ledger tables, raw tables
with ``VARCHAR(65535)``, begin / delete / temp table / insert by name / rejects / ledger / commit),
except Redshift's ``COPY … FROM 's3://…' IAM_ROLE … FORMAT AS PARQUET``, which PostgreSQL has
not: the same temp table is filled by PostgreSQL's ``COPY FROM STDIN`` (tests/engines/loaders.py).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tasks.dbt.profiles import postgres_output
from tests.engines.conftest import Postgres, Reference
from tests.engines.engine_build import NO_UNIT_TESTS, assert_same_finals, build_on, duckdb_query
from tests.engines.loaders import load_postgres

pytestmark = [pytest.mark.engines, pytest.mark.dbt, pytest.mark.slow]


def _pg_query(dsn: str):
    import psycopg2

    def query(sql: str) -> list[tuple]:
        with psycopg2.connect(dsn) as con, con.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    return query


def test_redshift_loader_and_dbt_on_postgres(reference: Reference, postgres: Postgres, tmp_path: Path) -> None:
    import psycopg2

    boot = psycopg2.connect(postgres.dsn())
    boot.autocommit = True
    boot.cursor().execute("create database mssp_redshift")
    boot.close()
    dsn = postgres.dsn("mssp_redshift")

    started = time.monotonic()
    outcomes = load_postgres(reference.store, dsn)
    print(f"postgres load: {time.monotonic() - started:.1f}s, {len(outcomes)} files")
    pg, ref = _pg_query(dsn), duckdb_query(reference.warehouse)
    assert Counter(o.status for o in outcomes) == Counter(
        s for (s,) in ref("select status from mssp_meta.file_loads"))
    raw = [t for (t,) in ref("select table_name from information_schema.tables where table_schema = 'raw_data'")]
    for table in raw:
        assert pg(f"select count(*) from raw_data.{table}") == ref(f"select count(*) from raw_data.{table}"), table
    assert pg("select count(*) from mssp_meta.rejected_records") == ref(
        "select count(*) from mssp_meta.rejected_records")

    results = build_on(postgres_output(postgres.host, postgres.port, postgres.user, "mssp_redshift"),
                       "REDSHIFT", tmp_path, projects=("alr", "cclf", "mssp"), exclude_resource_types=NO_UNIT_TESTS)
    for result in results.values():
        assert result.success, (result.failed_nodes, result.message)
    assert_same_finals(reference.warehouse, pg)
