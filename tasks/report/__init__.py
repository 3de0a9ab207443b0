"""The delivery and data-quality report: plain functions behind ``flows.report``.

Modules: ``queries`` (SQL, aggregates only), ``warehouse`` (read-only DuckDB access),
``section_deliveries`` / ``section_trends`` / ``dbt_results`` (one section each),
``changes`` (month axes, month-over-month changes), ``privacy`` (small-cell suppression,
message scrubbing), ``plots`` (matplotlib PNG), ``html`` / ``markdown`` (rendering),
``build`` (assembly), ``task`` (Prefect task wrapper and artifacts).
"""

from __future__ import annotations

from tasks.report.build import (
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_TOP_N,
    build_report,
    collect_report,
    default_report_path,
    write_report,
)

__all__ = [
    "DEFAULT_CHANGE_THRESHOLD",
    "DEFAULT_TOP_N",
    "build_report",
    "collect_report",
    "default_report_path",
    "write_report",
]
