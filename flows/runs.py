"""Run history from the ledger, without a Prefect server: ``python -m flows.runs [RUN_ID]``.

    uv run python -m flows.runs                 # recent runs: files loaded/unchanged/rejected, rows, dbt
    uv run python -m flows.runs 3f2a9c1e        # one run's files with reasons (a unique prefix is enough)

Reads the DuckDB output named by ``MSSP_OUTPUT_LOCATION`` (or ``--output-location``) through a
read-only connection. Exit status: 0 shown, 1 the warehouse cannot be read or no such run,
2 bad configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from tasks.errors import ConfigError
from tasks.ledger import LEDGER_SCHEMA

RUNS_SQL = f"""
    select run_id, min(started_at) as started, {{sequence}} as sequence,
           count(*) filter (where status in ('loaded', 'replaced')) as loaded,
           count(*) filter (where status = 'unchanged') as unchanged,
           count(*) filter (where status not in ('loaded', 'replaced', 'unchanged', 'rejected', 'failed'))
               as other,
           count(*) filter (where status in ('rejected', 'failed')) as rejected,
           coalesce(sum(rows_loaded), 0) as row_count,
           coalesce(sum(rows_rejected), 0) as rows_rejected
    from {LEDGER_SCHEMA}.file_loads group by run_id order by sequence desc nulls last, started desc limit ?"""
"""Newest first by the ledger's ``load_seq`` (monotonic, unlike the clock: a clock stepped back must
not list a later run as older); runs loaded before ``load_seq`` existed follow, by time."""
FILES_SQL = f"""
    select file_path, family, status, rows_loaded, rows_rejected, coalesce(message, '') as message
    from {LEDGER_SCHEMA}.file_loads where run_id = ?
    order by status in ('rejected', 'failed') desc, family, file_path"""


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, object]]:
    """One dict per run, newest first, with the dbt outcome of the run (``alr ok, cclf failed``)."""
    names = ["run_id", "started", "sequence", "loaded", "unchanged", "other", "rejected", "rows", "rows_rejected"]
    sequence = "max(load_seq)" if _has_load_seq(con) else "null"
    runs = [dict(zip(names, row, strict=True))
            for row in con.execute(RUNS_SQL.format(sequence=sequence), [limit]).fetchall()]
    builds = _dbt_builds(con)
    for run in runs:
        run["dbt"] = builds.get(str(run["run_id"]), "not run")
    return runs


def _has_load_seq(con: duckdb.DuckDBPyConnection) -> bool:
    """False for a ledger written before ``load_seq`` (read-only here, so it is not added)."""
    return con.execute("select count(*) from information_schema.columns where table_schema = ? "
                       "and table_name = 'file_loads' and column_name = 'load_seq'", [LEDGER_SCHEMA]
                       ).fetchone() == (1,)


def run_files(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple]:
    return con.execute(FILES_SQL, [run_id]).fetchall()


def find_run(con: duckdb.DuckDBPyConnection, prefix: str) -> str:
    """The one run id starting with ``prefix``; ValueError naming the problem otherwise."""
    matches = [r for (r,) in con.execute(
        f"select distinct run_id from {LEDGER_SCHEMA}.file_loads where starts_with(run_id, ?)", [prefix]).fetchall()]
    if len(matches) != 1:
        raise ValueError(f"{'no run' if not matches else f'{len(matches)} runs'} with id {prefix!r}")
    return str(matches[0])


def _dbt_builds(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        rows = con.execute(f"select run_id, project, success, failed_nodes from {LEDGER_SCHEMA}.dbt_builds "
                           "order by finished_at").fetchall()
    except duckdb.CatalogException:  # no dbt build recorded yet
        return {}
    out: dict[str, list[str]] = {}
    for run_id, project, success, failed in rows:
        out.setdefault(run_id, []).append(f"{project} ok" if success else f"{project} failed ({failed or 'build'})")
    return {run_id: ", ".join(parts) for run_id, parts in out.items()}


def render_runs(runs: Sequence[dict[str, object]]) -> str:
    if not runs:
        return "no runs in the ledger yet"
    header = f"{'run id':<36}  {'started':<19}  {'loaded':>6}  {'unchanged':>9}  {'rejected':>8}  {'rows':>12}  dbt"
    lines = [header]
    for r in runs:
        started = str(r["started"])[:19]
        other = f" (+{r['other']} other)" if r["other"] else ""
        lines.append(f"{r['run_id']!s:<36}  {started:<19}  {r['loaded']:>6}  {r['unchanged']:>9}  "
                     f"{r['rejected']:>8}  {r['rows']:>12,}  {r['dbt']}{other}")
    return "\n".join(lines)


def render_files(run_id: str, files: Sequence[tuple]) -> str:
    lines = [f"run {run_id}: {len(files)} files"]
    for path, family, status, rows, rejected, message in files:
        reason = f"  {message}" if message else ""
        lines.append(f"{status:<9} {family or '-':<16} {rows or 0:>10,} rows {rejected or 0:>6,} rejected  "
                     f"{path}{reason}")
    return "\n".join(lines)


def warehouse_path(output_location: str | None) -> Path:
    """The DuckDB file to read: the flag, else the settings; ConfigError naming which."""
    if output_location is not None:
        if not Path(output_location).is_file():
            raise ConfigError("--output-location", f"no DuckDB file at {output_location}")
        return Path(output_location)
    from tasks.settings import load_settings

    settings = load_settings()
    if settings.output_type != "DUCKDB":
        raise ConfigError("MSSP_OUTPUT_TYPE", "run history is read from a DuckDB output; use --output-location")
    if not Path(settings.output_location).is_file():
        raise ConfigError("MSSP_OUTPUT_LOCATION", f"no DuckDB warehouse at {settings.output_location} (no run yet?)")
    return Path(settings.output_location)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flows.runs", description="Run history from the load ledger.")
    p.add_argument("run_id", nargs="?", help="show this run's files with reasons (a unique prefix is enough)")
    p.add_argument("--output-location", metavar="PATH", help="the DuckDB file (default: MSSP_OUTPUT_LOCATION)")
    p.add_argument("--limit", type=int, default=10, help="how many recent runs to list (default 10)")
    args = p.parse_args(argv)
    try:
        path = warehouse_path(args.output_location)
        with duckdb.connect(str(path), read_only=True) as con:
            if args.run_id is None:
                print(render_runs(recent_runs(con, args.limit)))
                return 0
            run_id = find_run(con, args.run_id)
            print(render_files(run_id, run_files(con, run_id)))
            return 0
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:  # a running load holds the write lock, or no ledger in this file
        print(f"cannot read the ledger in {path}: {type(exc).__name__}: {str(exc).splitlines()[0]}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
