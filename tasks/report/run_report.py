"""The report step of a pipeline run: the HTML report over the warehouse and this run's dbt results."""

from __future__ import annotations

import logging
from pathlib import Path

from tasks.settings import Settings
from tasks.summary import DbtSummary


def write_run_report(settings: Settings, dbt: DbtSummary | None) -> Path | None:
    """The delivery and data-quality report (DuckDB output only); a report problem never fails the load."""
    if settings.output_type != "DUCKDB":
        return None
    from tasks.report.dbt_results import keep_latest_results
    from tasks.report.task import build_report_task

    try:
        warehouse = Path(settings.output_location)
        results = keep_latest_results(dbt.run_results if dbt else [], warehouse.parent / "reports" / "dbt")
        return build_report_task(warehouse, dbt_results=results, aco_id=settings.aco_id)
    except Exception as exc:
        _logger().warning(f"report not written: {type(exc).__name__}: {exc}")
        return None


def _logger() -> logging.Logger | logging.LoggerAdapter:
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)
