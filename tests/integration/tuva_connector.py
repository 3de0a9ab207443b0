"""Build Tuva's ``medicare_cclf_connector`` (vendored, unmodified) on a copy of a loaded warehouse.

The vendored project is copied into a work folder (never edited in place); its packages are not
fetched (`dbt deps` needs the network): ``dbt_utils`` is copied from the vendored package set, and
of ``the_tuva_project`` only the macros are copied (the connector calls ``quote_column``; parsing
Tuva's 600 models would cost a minute and build nothing the connector uses). The connector reads
``input_schema``: a schema of views over our ``raw_data`` tables plus ``enrollment``, the
connector's name for ``alr.enrollment`` (with the ``file_name``/``file_date`` its staging selects).
It builds into its own DuckDB file because it writes ``input_layer`` too.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

VENDOR = Path(__file__).resolve().parents[3] / "shared" / "vendor" / "dbt"
CONNECTOR = VENDOR / "reference_projects" / "medicare_cclf_connector"
PACKAGES = VENDOR / "dbt_packages"
INPUT_SCHEMA = "tuva_raw"


def vendored() -> bool:
    return (CONNECTOR / "dbt_project.yml").exists() and (PACKAGES / "tuva" / "macros").is_dir()


def prepare_input(warehouse: Path, copy: Path) -> None:
    """Copy the loaded warehouse (raw_data + alr built) and add the connector's input views."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("checkpoint")  # the copy must not miss what is still in the write-ahead log
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute(f"create schema if not exists {INPUT_SCHEMA}")
        tables = con.execute("select table_name from information_schema.tables "
                             "where table_schema = 'raw_data'").fetchall()
        for (table,) in tables:
            con.execute(f'create or replace view {INPUT_SCHEMA}."{table}" as select * from raw_data."{table}"')
        con.execute(f"create or replace view {INPUT_SCHEMA}.enrollment as select *, "
                    "cast(null as varchar) as file_name, cast(null as date) as file_date from alr.enrollment")


def prepare_project(work: Path, database: Path) -> tuple[Path, Path]:
    """The connector copied into ``work/connector`` with its packages, and a profiles dir."""
    project = work / "connector"
    shutil.copytree(CONNECTOR, project, ignore=shutil.ignore_patterns("target", "dbt_packages", "logs"))
    packages = project / "dbt_packages"
    shutil.copytree(PACKAGES / "dbt_utils", packages / "dbt_utils")
    tuva = packages / "the_tuva_project"
    shutil.copytree(PACKAGES / "tuva" / "macros", tuva / "macros")
    (tuva / "dbt_project.yml").write_text(
        "name: the_tuva_project\nversion: '0.17.1'\nconfig-version: 2\nmacro-paths: ['macros']\n")
    profiles = work / "connector_profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text(
        "default:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{database}'\n      schema: main\n      threads: 2\n")
    return project, profiles


def start_connector(warehouse: Path, work: Path) -> tuple[subprocess.Popen[str], Path]:
    """Start ``dbt run`` of the connector on a copy of ``warehouse``; returns the process and the copy."""
    work.mkdir(parents=True, exist_ok=True)
    database = work / "connector.duckdb"
    prepare_input(warehouse, database)
    project, profiles = prepare_project(work, database)
    dbt_vars = {"demo_data_only": False, "input_database": database.stem, "input_schema": INPUT_SCHEMA}
    args = [str(Path(sys.executable).parent / "dbt"), "run", "--project-dir", str(project),
            "--profiles-dir", str(profiles), "--vars", json.dumps(dbt_vars), "--select", "medicare_cclf_connector",
            "--no-use-colors", "--no-partial-parse"]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    return proc, database


def finish_connector(proc: subprocess.Popen[str], timeout: float = 300) -> None:
    out, _ = proc.communicate(timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f"medicare_cclf_connector build failed:\n{out[-4000:]}")
