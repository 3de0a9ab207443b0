"""Snowflake through the fakesnow server: ``dbt compile`` of dbt/alr and dbt/cclf on dbt-snowflake.

Why compile and not build: dbt-snowflake wraps seeds in ``BEGIN /* query comment */``, which
fakesnow 0.11 cannot parse ("Table with name BEGIN does not exist"), and the session's
transaction is then aborted for every later statement; see docs/backends.md. The Snowflake
loader itself (PUT + COPY INTO on fakesnow) is tested in tests/integration/test_backend_semantics.py.

What runs: dbt-snowflake connects to fakesnow over HTTP, introspects the raw tables (created
with the reference's columns, so every staging model compiles its full branch, not the
"table missing" one) and compiles every node with the ``snowflake__`` macro variants.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.engines.conftest import Reference
from tests.engines.engine_build import compile_on, compiled_sql, duckdb_query
from tests.integration.backend_fakes import fakesnow_server

pytestmark = [pytest.mark.engines, pytest.mark.dbt, pytest.mark.slow]


def test_dbt_compiles_on_fakesnow_with_snowflake_variants(reference: Reference, tmp_path: Path) -> None:
    import snowflake.connector

    database = f"mssp_{uuid.uuid4().hex[:8]}"
    ref = duckdb_query(reference.warehouse)
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in ref(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema in ('raw_data', 'mssp_meta') order by table_schema, table_name, ordinal_position"):
        columns.setdefault((schema, table), []).append(column)
    with fakesnow_server() as kwargs:
        def connect(**extra: Any) -> Any:
            return snowflake.connector.connect(**kwargs, database=database, schema="public", **extra)

        con = connect()
        cur = con.cursor()
        cur.execute(f"create database if not exists {database}")
        for schema in ("public", "raw_data", "mssp_meta"):
            cur.execute(f"create schema if not exists {database}.{schema}")
        for (schema, table), cols in columns.items():
            cur.execute(f"create table {database}.{schema}.{table} ({', '.join(c + ' varchar' for c in cols)})")
        con.close()

        output = {"type": "snowflake", "account": kwargs["account"], "user": kwargs["user"],
                  "password": kwargs["password"], "database": database, "warehouse": "fake",
                  "schema": "main", "threads": 1, "host": kwargs["host"], "port": kwargs["port"],
                  "protocol": kwargs["protocol"]}
        compiled = compile_on(output, tmp_path)
    alr, cclf = compiled_sql(compiled["alr"]), compiled_sql(compiled["cclf"])
    assert "regexp_substr(" in alr and "try_to_date(" in alr  # snowflake__alr_regex_group / alr_date
    assert "regexp_substr(" in cclf and "regexp_extract(" not in cclf  # snowflake__regex_group
    assert "does not exist: no rows" not in alr  # the raw tables were seen: full staging branches
