"""Resume: a dbt project is rebuilt only when a load committed after its last good build."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb

from tasks.dbt.build_state import needs_build, record_build
from tasks.ledger import LEDGER_DDL


def ledger_only(tmp_path: Path) -> Path:
    """A warehouse holding only an empty load ledger."""
    warehouse = tmp_path / "mssp.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for statement in LEDGER_DDL:
            con.execute(statement)
    return warehouse


def add_load(warehouse: Path, status: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into mssp_meta.file_loads (file_path, status, finished_at) values ('f', ?, ?)",
                    [status, dt.datetime.now()])


def test_builds_are_owed_until_a_good_build_follows_the_last_load(tmp_path: Path) -> None:
    warehouse = ledger_only(tmp_path)
    add_load(warehouse, "loaded")
    assert needs_build(warehouse, "alr")  # never built
    record_build(warehouse, "r1", "alr", False, ["enrollment"])
    assert needs_build(warehouse, "alr")  # last build failed
    record_build(warehouse, "r2", "alr", True, [])
    assert not needs_build(warehouse, "alr")  # up to date
    add_load(warehouse, "unchanged")
    assert not needs_build(warehouse, "alr")  # an unchanged file changes nothing
    time.sleep(0.01)
    add_load(warehouse, "replaced")
    assert needs_build(warehouse, "alr")  # a re-issued file was committed after the build
    assert needs_build(warehouse, "cclf")


def test_a_build_narrowed_by_a_selection_covers_that_selection_only(tmp_path: Path) -> None:
    warehouse = ledger_only(tmp_path)
    add_load(warehouse, "loaded")
    record_build(warehouse, "r1", "tuva", True, [], selection="+the_tuva_project.core")
    assert not needs_build(warehouse, "tuva", " +the_tuva_project.core ")  # same selection, any spacing
    assert needs_build(warehouse, "tuva")  # the whole project was never built
    assert needs_build(warehouse, "tuva", "+the_tuva_project.financial_pmpm")  # widened or moved
    record_build(warehouse, "r2", "tuva", True, [])
    assert not needs_build(warehouse, "tuva") and not needs_build(warehouse, "tuva", "")
    assert not needs_build(warehouse, "tuva", "+the_tuva_project.core")  # a whole build covers any selection
