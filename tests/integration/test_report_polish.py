"""Report details a reader trips over: undated ALR files, a NULL metric, number alignment, printing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from tasks.report import build_report
from tasks.report.build import collect_report
from tasks.report.html import numeric_columns
from tasks.report.model import Report, Table
from tasks.report.section_trends import NOT_REPORTED

try:
    from tests.integration.report_fixtures import evaluate_in_chromium, make_warehouse
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from report_fixtures import evaluate_in_chromium, make_warehouse

PLACEHOLDER_ALR = {  # file_path -> the month its period token gives
    "A9999/2025/131/P.A9999.ACO.QALR.2025Q1.D259999.T0100000/P.A9999.ACO.QALR.2025Q1.D259999.T0100000_1-1.csv":
        "2025-01",
    "A9999/2025/131/P.A9999.ACO.QALR.2025Q3.D259999.T0300000_1-1.csv": "2025-07",
    "A9999/2025/129/P.A9999.ACO.AALR.Y2024.D259999.T0500000_1-1.csv": "2024-01",
    "A9999/2024/116/P.A9999.ACO.HASSGN.D231015.T1010100.zip/P.A9999.ACO.AALR.D249999.T0100000_1-1.csv": "2024-01",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Path]:
    tmp = tmp_path_factory.mktemp("polish")
    warehouse = make_warehouse(tmp / "mssp.duckdb").path
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update input_layer.pharmacy_claim set paid_amount = null")  # CCLF7 has no paid amount
        at = dt.datetime(2025, 9, 1, 2, 0)
        for i, path in enumerate(PLACEHOLDER_ALR):
            con.execute("insert into mssp_meta.file_loads values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [f"p{i}", "r9", path, "alr", "aalr1_assigned_beneficiaries", "1" * 64, 10, None, 5, None,
                         0, "loaded", None, at, at])
    html = build_report(warehouse, tmp / "report.html")
    return collect_report(warehouse), html


def _table(report: Report, title_start: str) -> Table:
    return next(t for s in report.sections for t in s.tables if t.title.startswith(title_start))


def test_placeholder_alr_stamps_are_dated_by_their_period_token(report) -> None:
    deliveries = _table(report[0], "Files per family and month")
    alr_months = {row[1] for row in deliveries.rows if row[0] == "alr"}
    assert "unknown" not in alr_months
    assert set(PLACEHOLDER_ALR.values()) <= alr_months


def test_a_null_metric_is_not_reported_rather_than_zero(report) -> None:
    claims = _table(report[0], "Claims per service month")
    pharmacy = [row for row in claims.rows if row[0] == "pharmacy"]
    assert pharmacy and {row[3] for row in pharmacy} == {NOT_REPORTED}
    assert "Paid amount not reported in the source for: pharmacy" in claims.note
    trends = next(s for s in report[0].sections if s.key == "trends")
    paid = [f for f in trends.figures if f.title.startswith("Paid amount")]
    assert paid and "pharmacy" not in paid[0].alt and "institutional" in paid[0].alt


def test_numeric_headers_align_with_their_numbers(report) -> None:
    claims = _table(report[0], "Claims per service month")
    numeric = {claims.columns[j] for j in numeric_columns(claims)}
    assert {"claim lines", "beneficiaries"} <= numeric and "claim type" not in numeric
    html = report[1].read_text()
    assert '<th class="num">claim lines</th>' in html and "<th>claim type</th>" in html


@pytest.mark.slow
def test_headers_right_aligned_and_tables_unclipped_when_printed(report) -> None:
    probe = """(() => {
        const boxes = [...document.querySelectorAll('.scroll')];
        const th = [...document.querySelectorAll('th')].find(e => e.textContent === 'claim lines');
        return {boxes: boxes.length,
                clipped: boxes.filter(b => b.scrollHeight > b.clientHeight + 1).length,
                align: getComputedStyle(th).textAlign};
    })()"""
    screen = evaluate_in_chromium(report[1], probe)
    printed = evaluate_in_chromium(report[1], probe, media="print")
    assert screen["align"] == "right" and printed["align"] == "right"
    assert screen["clipped"] > 0, "the fixture should have a table taller than its scroll box on screen"
    assert printed["boxes"] == screen["boxes"] and printed["clipped"] == 0
