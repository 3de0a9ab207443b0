"""Sections built from the load ledger: deliveries per month, and record-count completeness."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb

from tasks.report import queries
from tasks.report.changes import month_label
from tasks.report.model import Figure, Section, Table
from tasks.report.plots import stacked_bars
from tasks.report.privacy import WITHHELD, format_count, scrub_text
from tasks.report.warehouse import relation_exists

STATUS_COLUMNS = (
    ("new_files", "new (loaded)"),
    ("reissued_files", "re-issued (replaced)"),
    ("unchanged_files", "unchanged"),
    ("rejected_files", "rejected / failed"),
)
MAX_COMPLETENESS_ROWS = 200


def missing_note(relation: str) -> str:
    return f"Relation {relation} does not exist yet; this part is empty."


def _month(value: dt.date | None) -> str:
    return month_label(value) if value else "unknown"


def deliveries_section(con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        key="deliveries",
        title="Deliveries",
        intro=(
            "Source files per family and month of the file's own date stamp, by ledger "
            "status, counted as distinct files over all runs in the ledger (a file loaded in "
            "one run and found unchanged in the next counts in both columns). ALR files whose "
            "stamp is a placeholder (D259999) are placed at the start of the period their name "
            "gives (2025Q1 -> 2025-01, Y2024 -> 2024-01)."
        ),
    )
    if not relation_exists(con, queries.FILE_LOADS):
        section.notes.append(missing_note(queries.FILE_LOADS))
        return section
    rows = queries.deliveries(con)
    section.tables.append(
        Table(
            title="Files per family and month",
            columns=("family", "month", *(label for _, label in STATUS_COLUMNS), "runs"),
            rows=[
                (
                    r["family"] or "unknown",
                    _month(r["month"]),
                    *(format_count(r[col], suppress=False) for col, _ in STATUS_COLUMNS),
                    format_count(r["runs"], suppress=False),
                )
                for r in rows
            ],
            flagged=frozenset(i for i, r in enumerate(rows) if r["rejected_files"]),
            note="" if rows else "The ledger holds no files yet.",
        )
    )
    if rows:
        section.figures.append(_deliveries_figure(rows))
    rejected = queries.rejected_files(con)
    section.tables.append(
        Table(
            title="Rejected and failed files (latest attempt per file)",
            columns=("family", "file", "status", "attempts", "reason"),
            rows=[
                (
                    r["family"] or "unknown",
                    r["file_path"] or "",
                    r["status"],
                    format_count(r["attempts"], suppress=False),
                    scrub_text(r["message"]) or WITHHELD,
                )
                for r in rejected
            ],
            note="" if rejected else "No file was rejected or failed.",
        )
    )
    return section


def _deliveries_figure(rows: list[dict]) -> Figure:
    by_month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for col, label in STATUS_COLUMNS:
            by_month[_month(r["month"])][label] += int(r[col] or 0)
    labels = sorted(by_month)[-36:]
    stacks = {
        label: [by_month[m][label] for m in labels]
        for _, label in STATUS_COLUMNS
        if any(by_month[m][label] for m in labels)
    }
    return stacked_bars("Files delivered per month, all families", labels, stacks, "files")


def completeness_section(con: duckdb.DuckDBPyConnection) -> Section:
    section = Section(
        key="completeness",
        title="Completeness",
        intro=(
            "For the current load of each file: records declared by CMS (the CCLF0 summary "
            "or a trailer) against records received (rows loaded + rows rejected), and the "
            "rejected records kept in mssp_meta.rejected_records. Files with neither a "
            "declared count nor rejects are counted, not listed."
        ),
    )
    if not relation_exists(con, queries.FILE_LOADS):
        section.notes.append(missing_note(queries.FILE_LOADS))
        return section
    with_rejects = relation_exists(con, queries.REJECTED_RECORDS)
    if not with_rejects:
        section.notes.append(missing_note(queries.REJECTED_RECORDS))
    rows = queries.completeness(con, with_rejects=with_rejects)
    listed = [
        r
        for r in rows
        if r["rows_expected"] is not None or r["rejected_records"] or r["rows_rejected"]
    ]
    mismatched = [
        r
        for r in listed
        if r["rows_expected"] is not None
        and r["rows_expected"] != r["rows_loaded"] + r["rows_rejected"]
    ]
    table_rows: list[tuple[str, ...]] = []
    flagged: set[int] = set()
    for i, r in enumerate(listed[:MAX_COMPLETENESS_ROWS]):
        received = r["rows_loaded"] + r["rows_rejected"]
        expected = r["rows_expected"]
        if expected is None:
            check = "no declared count"
        elif expected == received:
            check = "ok"
        else:
            check = f"mismatch ({received - expected:+,})"
            flagged.add(i)
        table_rows.append(
            (
                r["family"] or "unknown",
                r["file_path"] or "",
                r["file_date"].isoformat() if r["file_date"] else "unknown",
                format_count(expected, suppress=False),
                format_count(received, suppress=False),
                format_count(r["rows_rejected"], suppress=False),
                format_count(r["rejected_records"], suppress=False),
                check,
            )
        )
    more = len(listed) - len(table_rows)
    note = (
        f"{len(rows):,} files currently loaded; {len(listed):,} listed "
        f"({sum(r['rows_expected'] is not None for r in rows):,} with a declared count, "
        f"{len(mismatched):,} mismatched)."
        + (f" … and {more:,} more not shown." if more > 0 else "")
    )
    section.tables.append(
        Table(
            title="Declared vs received records per file",
            columns=(
                "family",
                "file",
                "file date",
                "declared",
                "received",
                "rejected (ledger)",
                "rejects kept",
                "check",
            ),
            rows=table_rows,
            note=note,
            flagged=frozenset(flagged),
        )
    )
    return section
