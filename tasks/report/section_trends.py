"""Trend sections from the dbt outputs: claims, enrollment and attribution per month.

Every person count goes through small-cell suppression; month-over-month changes are
computed on the suppressed values only, and those beyond the threshold are listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb

from tasks.report import queries
from tasks.report.changes import changes, format_change, month_axis, month_from_year_month
from tasks.report.changes import month_label as label
from tasks.report.model import Section, Table
from tasks.report.plots import line_chart
from tasks.report.privacy import (
    SUPPRESSED,
    WITHHELD,
    censor,
    format_amount,
    format_count,
    is_small,
)
from tasks.report.section_deliveries import missing_note
from tasks.report.warehouse import Row, relation_exists

SERIES_ORDER = ("institutional", "professional", "pharmacy")


@dataclass
class Flags:
    """Changes beyond the threshold, collected across the trend tables."""

    threshold: float
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def track(
        self,
        metric: str,
        series: str,
        months: list[dt.date],
        values: list[float | None],
        fmt: Callable[[float | None], str],
    ) -> list[tuple[float | None, bool]]:
        result = changes(values, self.threshold)
        for i, (change, hit) in enumerate(result):
            if hit:
                self.rows.append(
                    (
                        metric,
                        series,
                        label(months[i]),
                        fmt(values[i - 1]),
                        fmt(values[i]),
                        format_change(change),
                    )
                )
        return result


NOT_REPORTED = "not reported"


def _count(value: float | None) -> str:
    return format_count(None if value is None else int(value))


def _series_key(name: str) -> tuple[int, str]:
    return (SERIES_ORDER.index(name) if name in SERIES_ORDER else len(SERIES_ORDER), name)


def claims_part(con: duckdb.DuckDBPyConnection, section: Section, flags: Flags) -> None:
    rows: list[Row] = []
    for relation, query in (
        (queries.MEDICAL_CLAIM, queries.medical_trend),
        (queries.PHARMACY_CLAIM, queries.pharmacy_trend),
    ):
        if relation_exists(con, relation):
            rows.extend(query(con))
        else:
            section.notes.append(missing_note(relation))
    if not rows:
        return
    months = month_axis((r["month"] for r in rows), queries.MAX_MONTHS)
    cells = {(r["series"], r["month"]): r for r in rows}
    table_rows: list[tuple[str, ...]] = []
    flagged: set[int] = set()
    lines_plot: dict[str, list[float | None]] = {}
    paid_plot: dict[str, list[float | None]] = {}
    not_reported: list[str] = []
    lines_flags: dict[str, list[bool]] = {}
    for series in sorted({r["series"] for r in rows}, key=_series_key):
        picked = [cells.get((series, m)) for m in months]
        persons = [int(c["persons"]) if c else 0 for c in picked]
        raw_lines = [int(c["claim_lines"]) if c else 0 for c in picked]
        lines = [
            None if is_small(n) else censor(n, p) for n, p in zip(raw_lines, persons, strict=True)
        ]
        # a month with claims but a NULL sum is "not reported" (e.g. CCLF7 carries no paid amount),
        # never $0; a month without claims is a real $0
        unreported = [c is not None and c["paid_amount"] is None for c in picked]
        paid = [
            censor(c["paid_amount"] if c else 0.0, p)
            for c, p in zip(picked, persons, strict=True)
        ]
        line_changes = flags.track("claim lines", series, months, lines, _count)
        paid_changes = flags.track("paid amount", series, months, paid, format_amount)
        lines_plot[series] = lines
        if not all(unreported[i] or picked[i] is None for i in range(len(months))):
            paid_plot[series] = paid
        else:
            not_reported.append(series)
        lines_flags[series] = [hit for _, hit in line_changes]
        for i, month in enumerate(months):
            if line_changes[i][1] or paid_changes[i][1]:
                flagged.add(len(table_rows))
            table_rows.append(
                (
                    series,
                    label(month),
                    SUPPRESSED if lines[i] is None else _count(lines[i]),
                    NOT_REPORTED if unreported[i] else format_amount(paid[i]),
                    format_count(persons[i]),
                    format_change(line_changes[i][0]),
                    format_change(paid_changes[i][0]),
                )
            )
    section.tables.append(
        Table(
            title="Claims per service month and claim type",
            columns=(
                "claim type",
                "service month",
                "claim lines",
                "paid amount",
                "beneficiaries",
                "change in lines",
                "change in paid",
            ),
            rows=table_rows,
            flagged=frozenset(flagged),
            note="Medical claims by claim_start_date month; pharmacy by dispensing_date month."
            + (f" Paid amount not reported in the source for: {', '.join(not_reported)} (not drawn)."
               if not_reported else ""),
        )
    )
    labels = [label(m) for m in months]
    section.figures.append(
        line_chart(
            "Claim lines per service month", labels, lines_plot, "claim lines", flags=lines_flags
        )
    )
    if paid_plot:
        section.figures.append(
            line_chart(
                "Paid amount per service month", labels, paid_plot, "paid amount (USD)", money=True
            )
        )


def enrollment_part(con: duckdb.DuckDBPyConnection, section: Section, flags: Flags) -> None:
    if relation_exists(con, queries.ELIGIBILITY):
        source, rows = queries.ELIGIBILITY, queries.enrolled_from_eligibility(con)
    elif relation_exists(con, queries.ALR_ENROLLMENT):
        source, rows = queries.ALR_ENROLLMENT, queries.enrolled_from_alr(con)
    else:
        section.notes.append(
            f"Neither {queries.ELIGIBILITY} nor {queries.ALR_ENROLLMENT} exists yet; "
            "no enrollment trend."
        )
        return
    if not rows:
        section.notes.append(f"{source} holds no enrollment spans.")
        return
    months = [r["month"] for r in rows]
    values = [censor(r["persons"], r["persons"]) for r in rows]
    result = flags.track("beneficiaries enrolled", "all", months, values, _count)
    section.tables.append(
        Table(
            title="Beneficiaries enrolled per month",
            columns=("month", "beneficiaries", "change"),
            rows=[
                (label(m), format_count(r["persons"]), format_change(result[i][0]))
                for i, (m, r) in enumerate(zip(months, rows, strict=True))
            ],
            flagged=frozenset(i for i, (_, hit) in enumerate(result) if hit),
            note=f"From {source}: a beneficiary counts in every month an enrollment span touches.",
        )
    )
    section.figures.append(
        line_chart(
            "Beneficiaries enrolled per month",
            [label(m) for m in months],
            {"enrolled": values},
            "beneficiaries",
            flags={"enrolled": [hit for _, hit in result]},
        )
    )


def complementary_suppress(counts: list[int]) -> list[int | None]:
    """Suppressed counts (None) of one month's partition, with secondary suppression.

    A single small cell could be derived from a total and the other cells; then the
    smallest other non-zero cell is withheld too.
    """
    out: list[int | None] = [None if is_small(c) else c for c in counts]
    if sum(1 for c in counts if is_small(c)) == 1:
        others = [(c, i) for i, c in enumerate(counts) if c >= 11]
        if others:
            out[min(others)[1]] = None
    return out


def _attribution_cell(count: int, shown: int | None) -> str:
    """``<11`` for a small cell, ``–`` for a cell withheld by secondary suppression."""
    if shown is not None:
        return format_count(shown)
    return SUPPRESSED if is_small(count) else WITHHELD


def attribution_part(
    con: duckdb.DuckDBPyConnection, section: Section, flags: Flags, top_n: int
) -> None:
    if not relation_exists(con, queries.PROVIDER_ATTRIBUTION):
        section.notes.append(missing_note(queries.PROVIDER_ATTRIBUTION))
        return
    rows = [
        r
        for r in queries.attribution(con, top_n)
        if month_from_year_month(str(r["year_month"])) is not None
    ]
    if not rows:
        section.notes.append(f"{queries.PROVIDER_ATTRIBUTION} holds no attributed months.")
        return
    ranks: dict[str, int] = {}
    for r in rows:
        ranks[r["series"]] = min(ranks.get(r["series"], 10**9), int(r["tin_rank"]))
    series = sorted(ranks, key=lambda s: (s == "other", ranks[s]))
    cells = {
        (month_from_year_month(str(r["year_month"])), r["series"]): int(r["persons"]) for r in rows
    }
    months = month_axis((m for m, _ in cells), queries.MAX_MONTHS)
    shown = [complementary_suppress([cells.get((m, s), 0) for s in series]) for m in months]
    by_series = {
        s: [float(v) if v is not None else None for v in (row[j] for row in shown)]
        for j, s in enumerate(series)
    }
    hits = {
        s: flags.track("attributed beneficiaries", f"TIN {s}", months, v, _count)
        for s, v in by_series.items()
    }
    section.tables.append(
        Table(
            title=f"Attributed beneficiaries per practice (TIN), top {top_n} and other",
            columns=("month", *series),
            rows=[
                (
                    label(m),
                    *(
                        _attribution_cell(cells.get((m, s), 0), v)
                        for s, v in zip(series, shown[i], strict=True)
                    ),
                )
                for i, m in enumerate(months)
            ],
            flagged=frozenset(i for i in range(len(months)) if any(h[i][1] for h in hits.values())),
            note=(
                f"From {queries.PROVIDER_ATTRIBUTION} (payer_attributed_provider_practice "
                "per year_month); practices ranked by beneficiaries in the latest month."
            ),
        )
    )
    section.figures.append(
        line_chart(
            "Attributed beneficiaries per practice (TIN)",
            [label(m) for m in months],
            by_series,
            "beneficiaries",
            flags={s: [hit for _, hit in h] for s, h in hits.items()},
        )
    )


def trends_section(
    con: duckdb.DuckDBPyConnection, *, top_n: int, change_threshold: float
) -> Section:
    section = Section(
        key="trends",
        title="Trends",
        intro=(
            f"Claims, enrollment and attribution per month. Month-over-month changes beyond "
            f"±{change_threshold:.0%} are listed first and highlighted in the tables (ringed "
            f"in the charts); months with no rows count as zero."
        ),
    )
    flags = Flags(change_threshold)
    claims_part(con, section, flags)
    enrollment_part(con, section, flags)
    attribution_part(con, section, flags, top_n)
    section.tables.insert(
        0,
        Table(
            title=f"Month-over-month changes beyond ±{change_threshold:.0%}",
            columns=("metric", "series", "month", "previous month", "this month", "change"),
            rows=flags.rows,
            note="" if flags.rows else "No change beyond the threshold.",
        ),
    )
    return section
