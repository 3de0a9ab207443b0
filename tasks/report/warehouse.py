"""Read-only access to the DuckDB warehouse: open, check relations, fetch small results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

Row = dict[str, Any]


def connect(duckdb_path: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only (the report never writes; another reader may be open).

    When this process already holds a read-write connection to the file (the parent flow),
    DuckDB refuses a second configuration; then share that database instance instead.
    """
    try:
        return duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.ConnectionException:
        return duckdb.connect(str(duckdb_path))


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """True when ``schema.name`` is a table or view in the warehouse."""
    schema, name = relation.split(".", 1)
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def columns_of(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    schema, name = relation.split(".", 1)
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return {row[0].lower() for row in rows}


def fetch(
    con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> list[Row]:
    """Rows as dicts; the queries of this package aggregate, so results stay small."""
    cursor = con.execute(sql, list(params or []))
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
