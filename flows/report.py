"""The delivery and data-quality report flow: ``python -m flows.report``.

Reads the DuckDB warehouse only (ledger ``mssp_meta``, dbt outputs ``input_layer.*`` and
``alr.enrollment``, optionally dbt's ``run_results.json``) and writes one self-contained
HTML page, plus one markdown artifact per section (``mssp-<aco>-report-deliveries``, ... when
the ACO is known, else ``mssp-report-deliveries``, ``mssp-report-completeness``, ...).
Blocks expected: none. Settings read: ``MSSP_OUTPUT_LOCATION`` (the DuckDB file) when
``--output-location`` is not given.

    uv run python -m flows.report [--output-location data/mssp.duckdb] [--out report.html]
        [--dbt-results dbt/alr/target/run_results.json ...] [--top-n 5]
        [--change-threshold 0.2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
from prefect import flow

from tasks.errors import ConfigError
from tasks.report.build import DEFAULT_CHANGE_THRESHOLD, DEFAULT_TOP_N
from tasks.report.task import build_report_task
from tasks.settings import load_settings


@flow(name="report", flow_run_name="report")
def report(
    output_location: str | None = None,
    out: str | None = None,
    dbt_results: list[str] | None = None,
    top_n: int = DEFAULT_TOP_N,
    change_threshold: float = DEFAULT_CHANGE_THRESHOLD,
    aco_id: str | None = None,
) -> str:
    """Build the report from the warehouse; return the HTML path.

    Section artifacts are keyed per ACO (``aco_id``, else ``MSSP_ACO_ID``) when one is known.
    """
    settings = load_settings()
    location = output_location or settings.output_location
    html_path = build_report_task(
        Path(location),
        Path(out) if out else None,
        None if dbt_results is None else [Path(p) for p in dbt_results],
        top_n,
        change_threshold,
        aco_id or settings.aco_id,
    )
    return str(html_path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m flows.report", description="Build the MSSP delivery and DQ report."
    )
    parser.add_argument("--output-location", help="DuckDB file (default: MSSP_OUTPUT_LOCATION)")
    parser.add_argument("--out", help="HTML path (default: <warehouse dir>/reports/...)")
    parser.add_argument(
        "--dbt-results",
        nargs="*",
        default=None,
        metavar="PATH",
        help="dbt run_results.json files (default: dbt/alr and dbt/cclf target folders)",
    )
    parser.add_argument("--top-n", type=int, default=DEFAULT_TOP_N, help="TINs shown by name")
    parser.add_argument(
        "--change-threshold",
        type=float,
        default=DEFAULT_CHANGE_THRESHOLD,
        help="flag month-over-month changes beyond this fraction (default 0.2)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.output_location is None:
            settings = load_settings()
            if settings.output_type != "DUCKDB":
                raise ConfigError("MSSP_OUTPUT_TYPE", "the report reads a DuckDB warehouse only")
            if not Path(settings.output_location).is_file():
                raise ConfigError(
                    "MSSP_OUTPUT_LOCATION", f"no DuckDB warehouse at {settings.output_location}"
                )
        elif not Path(args.output_location).is_file():
            raise ConfigError("--output-location", f"no DuckDB file at {args.output_location}")
        html_path = report(
            output_location=args.output_location,
            out=args.out,
            dbt_results=args.dbt_results,
            top_n=args.top_n,
            change_threshold=args.change_threshold,
        )
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:  # another process holds the warehouse's write lock
        print(f"cannot read the warehouse: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(html_path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
