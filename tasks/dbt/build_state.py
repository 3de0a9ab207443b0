"""Which dbt builds are still owed: resume after a failed or interrupted run.

A project needs building when a file was loaded, replaced or removed after its last successful
build, when its last build failed, or when it never ran. Recorded in the warehouse next to
the load ledger (``mssp_meta.dbt_builds``), so the answer travels with the data. DuckDB
output only; other outputs always build.

A build narrowed by a dbt selection (``MSSP_TUVA_SELECT``) records that selection and covers
only it: a later run with another selection, or none, builds again (a whole build covers any).

"After" is by the ledger's ``load_seq`` (each build records the highest one it saw), never by
wall-clock time: a clock set back (DST fall-back, NTP) must not make a build look up to date.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from tasks.ledger import LEDGER_DDL, LEDGER_SCHEMA, LOAD_SEQ_DDL, naive_utc, utc_now

DDL = (f"create table if not exists {LEDGER_SCHEMA}.dbt_builds (run_id varchar, project varchar, "
       "success boolean, failed_nodes varchar, finished_at timestamp)",
       f"alter table {LEDGER_SCHEMA}.dbt_builds add column if not exists load_seq bigint",
       f"alter table {LEDGER_SCHEMA}.dbt_builds add column if not exists build_seq bigint",
       f"alter table {LEDGER_SCHEMA}.dbt_builds add column if not exists selection varchar")
DATA_CHANGED = "('loaded', 'replaced', 'removed')"


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    for statement in (*LEDGER_DDL, LOAD_SEQ_DDL, *DDL):
        con.execute(statement)


def _selection_key(selection: str | None) -> str | None:
    """One spelling per selection (whitespace-insensitive); None or blank = the whole project."""
    return " ".join((selection or "").split()) or None


def needs_build(warehouse: Path, project: str, selection: str | None = None) -> bool:
    with duckdb.connect(str(warehouse)) as con:
        _prepare(con)
        last = con.execute(
            f"select success, finished_at, load_seq, selection from {LEDGER_SCHEMA}.dbt_builds where project = ? "
            "order by build_seq desc nulls last, finished_at desc limit 1", [project]).fetchone()
        if last is None or not last[0] or last[3] not in (None, _selection_key(selection)):
            return True
        newest = con.execute(
            f"select max(load_seq), max(finished_at), count(*) filter (where load_seq is null) "
            f"from {LEDGER_SCHEMA}.file_loads where status in {DATA_CHANGED}").fetchone()
    assert newest is not None  # an aggregate without group by returns exactly one row
    newest_seq, newest_time, unsequenced = newest
    if last[2] is None:  # a build recorded before load_seq existed: compare times, as then
        return newest_time is not None and bool(newest_time > last[1])
    if newest_seq is None:
        return unsequenced > 0 and bool(newest_time > last[1])
    return bool(newest_seq > last[2])


def record_build(warehouse: Path, run_id: str, project: str, success: bool, failed_nodes: list[str],
                 selection: str | None = None) -> None:
    with duckdb.connect(str(warehouse)) as con:
        _prepare(con)
        con.execute(
            f"""insert into {LEDGER_SCHEMA}.dbt_builds
                    (run_id, project, success, failed_nodes, finished_at, selection, load_seq, build_seq)
                select ?, ?, ?, ?, ?, ?,
                       (select coalesce(max(load_seq), 0) from {LEDGER_SCHEMA}.file_loads),
                       (select coalesce(max(build_seq), 0) + 1 from {LEDGER_SCHEMA}.dbt_builds)""",
            [run_id, project, success, ",".join(failed_nodes) or None, naive_utc(utc_now()),
             _selection_key(selection)])
