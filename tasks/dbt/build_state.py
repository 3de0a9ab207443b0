"""Which dbt builds are still owed: resume after a failed or interrupted run.

A project needs building when a file was loaded or replaced after its last successful
build, when its last build failed, or when it never ran. Recorded in the warehouse next to
the load ledger (``mssp_meta.dbt_builds``), so the answer travels with the data. DuckDB
output only; other outputs always build.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from tasks.ledger import LEDGER_SCHEMA

DDL = (f"create table if not exists {LEDGER_SCHEMA}.dbt_builds (run_id varchar, project varchar, "
       "success boolean, failed_nodes varchar, finished_at timestamp)")


def needs_build(warehouse: Path, project: str) -> bool:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(DDL)
        last = con.execute(
            f"select success, finished_at from {LEDGER_SCHEMA}.dbt_builds where project = ? "
            "order by finished_at desc limit 1", [project]).fetchone()
        if last is None or not last[0]:
            return True
        (newest_load,) = con.execute(
            f"select max(finished_at) from {LEDGER_SCHEMA}.file_loads where status in ('loaded', 'replaced')"
        ).fetchone()
    return newest_load is not None and newest_load > last[1]


def record_build(warehouse: Path, run_id: str, project: str, success: bool, failed_nodes: list[str]) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute(DDL)
        con.execute(f"insert into {LEDGER_SCHEMA}.dbt_builds values (?, ?, ?, ?, ?)",
                    [run_id, project, success, ",".join(failed_nodes) or None, dt.datetime.now()])
