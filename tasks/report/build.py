"""Build the delivery and data-quality report from the warehouse alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from tasks.errors import ConfigError
from tasks.report import queries
from tasks.report.dbt_results import dbt_section
from tasks.report.html import render_html
from tasks.report.model import Report, Section
from tasks.report.section_deliveries import completeness_section, deliveries_section
from tasks.report.section_performance import performance_section
from tasks.report.section_trends import trends_section
from tasks.report.warehouse import connect, relation_exists

DEFAULT_TOP_N = 5
DEFAULT_CHANGE_THRESHOLD = 0.20
READ_RELATIONS = (
    queries.FILE_LOADS,
    queries.REJECTED_RECORDS,
    queries.MEDICAL_CLAIM,
    queries.PHARMACY_CLAIM,
    queries.ELIGIBILITY,
    queries.ALR_ENROLLMENT,
    queries.PROVIDER_ATTRIBUTION,
)


def default_report_path(duckdb_path: Path, today: dt.date | None = None) -> Path:
    """``<warehouse dir>/reports/mssp_report_<YYYY-MM-DD>.html``."""
    day = (today or dt.date.today()).isoformat()
    return Path(duckdb_path).parent / "reports" / f"mssp_report_{day}.html"


def _guarded(section: Section, build: Callable[[], Section]) -> Section:
    """Run a section builder; a query error empties that section instead of the report."""
    try:
        return build()
    except duckdb.Error as exc:
        section.notes.append(
            f"Could not read this section ({type(exc).__name__}); the relation may predate "
            "the contract's columns."
        )
        return section


def collect_report(
    duckdb_path: Path,
    dbt_results: Sequence[Path] | None = None,
    *,
    top_n: int = DEFAULT_TOP_N,
    change_threshold: float = DEFAULT_CHANGE_THRESHOLD,
) -> Report:
    """Query the warehouse and assemble every section (already suppressed and formatted)."""
    duckdb_path = Path(duckdb_path)
    if not duckdb_path.is_file():
        raise ConfigError("MSSP_OUTPUT_LOCATION", f"no DuckDB warehouse at {duckdb_path}")
    con = connect(duckdb_path)
    try:
        sources = [r for r in READ_RELATIONS if relation_exists(con, r)]
        sections = [
            _guarded(
                Section(key="deliveries", title="Deliveries"), lambda: deliveries_section(con)
            ),
            _guarded(
                Section(key="completeness", title="Completeness"), lambda: completeness_section(con)
            ),
            _guarded(
                Section(key="trends", title="Trends"),
                lambda: trends_section(con, top_n=top_n, change_threshold=change_threshold),
            ),
            _guarded(
                Section(key="performance", title="ACO performance"), lambda: performance_section(con)
            ),
        ]
    finally:
        con.close()
    sections.append(dbt_section(dbt_results))
    return Report(
        title="MSSP ACO delivery and data-quality report",
        warehouse=duckdb_path,
        generated_at=dt.datetime.now(dt.timezone.utc),
        change_threshold=change_threshold,
        sections=sections,
        sources=sources,
    )


def write_report(report: Report, out_path: Path) -> Path:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(out_path.suffix + ".tmp")
    tmp.write_text(render_html(report), encoding="utf-8")
    tmp.replace(out_path)
    return out_path


def build_report(
    duckdb_path: Path,
    out_path: Path | None = None,
    dbt_results: Sequence[Path] | None = None,
    *,
    top_n: int = DEFAULT_TOP_N,
    change_threshold: float = DEFAULT_CHANGE_THRESHOLD,
) -> Path:
    """Write the HTML report and return its path.

    ``dbt_results``: run_results.json paths; ``None`` looks in dbt/alr/target and
    dbt/cclf/target; an empty list means none. ``out_path`` defaults to
    :func:`default_report_path`.
    """
    report = collect_report(
        duckdb_path, dbt_results, top_n=top_n, change_threshold=change_threshold
    )
    return write_report(report, out_path or default_report_path(Path(duckdb_path)))
