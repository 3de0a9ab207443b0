"""Prefect wrapper of the report: build the HTML, publish the key tables as artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.context import FlowRunContext, TaskRunContext
from prefect.logging import get_run_logger

from tasks.artifacts import artifact_key
from tasks.report.build import (
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_TOP_N,
    collect_report,
    default_report_path,
    write_report,
)
from tasks.report.markdown import section_markdown
from tasks.report.model import Report


def in_run() -> bool:
    """True inside a Prefect flow or task run (artifacts need one)."""
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def publish_artifacts(report: Report, html_path: Path, aco_id: str | None = None) -> list[str]:
    """One markdown artifact per section; keys created.

    Keyed per ACO (``mssp-a1234-report-<section>``) when the ACO is known, so several ACOs on one
    server keep separate histories; ``mssp-report-<section>`` otherwise.
    """
    if not in_run():
        return []
    keys = []
    for section in report.sections:
        key = artifact_key(aco_id, f"report-{section.key}") if aco_id else section.artifact_key
        create_markdown_artifact(
            key=key,
            markdown=section_markdown(section, str(html_path)),
            description=f"MSSP report: {section.title}",
        )
        keys.append(key)
    return keys


@task(name="build-report")
def build_report_task(
    duckdb_path: Path,
    out_path: Path | None = None,
    dbt_results: Sequence[Path] | None = None,
    top_n: int = DEFAULT_TOP_N,
    change_threshold: float = DEFAULT_CHANGE_THRESHOLD,
    aco_id: str | None = None,
) -> Path:
    """Build the delivery and data-quality report; return the HTML path."""
    logger = get_run_logger()
    report = collect_report(
        Path(duckdb_path), dbt_results, top_n=top_n, change_threshold=change_threshold
    )
    html_path = write_report(report, Path(out_path or default_report_path(Path(duckdb_path))))
    keys = publish_artifacts(report, html_path, aco_id)
    for section in report.sections:
        logger.info(
            "report section %s: %d tables, %d charts, %d notes",
            section.key,
            len(section.tables),
            len(section.figures),
            len(section.notes),
        )
    logger.info("report written to %s (%d artifacts)", html_path, len(keys))
    return html_path
