"""Test helper: catalog a store and load every file without Prefect (same functions the tasks call)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import duckdb

from tasks.backends import open_backend
from tasks.catalog import build_catalog
from tasks.ingest import ingest_entry
from tasks.models import FileOutcome
from tasks.store import Store


def load_store(store_root: Path, warehouse: Path, *, run_id: str = "test", full_refresh: bool = False
               ) -> list[FileOutcome]:
    store = Store(str(store_root))
    backend = open_backend("DUCKDB", str(warehouse))
    try:
        backend.prepare()
        catalog = build_catalog(store, warehouse.parent / "tmp")
        return [ingest_entry(e, store, backend, run_id=run_id, temp_dir=warehouse.parent / "tmp",
                             full_refresh=full_refresh) for e in catalog.entries]
    finally:
        backend.close()


def statuses(outcomes: list[FileOutcome]) -> Counter[str]:
    return Counter(o.status for o in outcomes)


def table_counts(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw_data'").fetchall()]
        return {t: con.execute(f'select count(*) from raw_data."{t}"').fetchone()[0] for t in tables}


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()
