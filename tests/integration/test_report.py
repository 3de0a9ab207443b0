"""The delivery and data-quality report built from a small synthetic DuckDB warehouse."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from tasks.errors import ConfigError
from tasks.report import build_report, collect_report, default_report_path, write_report
from tasks.report.dbt_results import dbt_section
from tasks.report.html import render_html
from tasks.report.markdown import section_markdown
from tasks.report.model import Report, Section, Table
from tasks.report.privacy import SUPPRESSED, WITHHELD

try:
    from tests.integration.report_fixtures import (
        CANARIES,
        SMALL_TIN,
        make_warehouse,
        write_run_results,
    )
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from report_fixtures import CANARIES, SMALL_TIN, make_warehouse, write_run_results


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, str]:
    tmp = tmp_path_factory.mktemp("report")
    warehouse = make_warehouse(tmp / "mssp.duckdb").path
    results = write_run_results(tmp / "dbt" / "cclf" / "target" / "run_results.json")
    report = collect_report(warehouse, [results])
    html_path = write_report(report, tmp / "out" / "report.html")
    return report, html_path.read_text(encoding="utf-8")


def _section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


def _table(report: Report, key: str, title_start: str) -> Table:
    return next(t for t in _section(report, key).tables if t.title.startswith(title_start))


def test_every_section_present_with_tables_and_charts(built: tuple[Report, str]) -> None:
    report, html = built
    assert [s.key for s in report.sections] == ["deliveries", "completeness", "trends", "performance", "dbt"]
    for key in ("deliveries", "completeness", "trends", "dbt"):
        assert f'<section id="{key}">' in html
        assert _section(report, key).tables, key
        assert not _section(report, key).notes, key
    assert html.count('src="data:image/png;base64,') == 5
    for title in (
        "Files per family and month",
        "Declared vs received records per file",
        "Claims per service month and claim type",
        "Beneficiaries enrolled per month",
        "Attributed beneficiaries per practice (TIN)",
        "dbt build of cclf",
    ):
        assert title in html


def test_page_is_self_contained(built: tuple[Report, str]) -> None:
    _, html = built
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:|//)""", html)
    assert "Content-Security-Policy" in html


def test_no_phi_in_html_or_artifacts(built: tuple[Report, str]) -> None:
    report, html = built
    markdown = "\n".join(section_markdown(s, "report.html") for s in report.sections)
    for canary in CANARIES:
        assert canary not in html
        assert canary not in markdown
    assert "[id]" in html  # the ledger message naming an MBI was scrubbed, not dropped


def test_deliveries_counts_and_reasons(built: tuple[Report, str]) -> None:
    report, _ = built
    files = _table(report, "deliveries", "Files per family")
    assert ("cclf", "2024-01", "3", "1", "1", "1", "2") in files.rows
    reasons = _table(report, "deliveries", "Rejected and failed")
    assert {r[2] for r in reasons.rows} == {"rejected", "failed"}
    assert any("bad CRC" in r[4] for r in reasons.rows)


def test_completeness_declared_vs_received(built: tuple[Report, str]) -> None:
    report, _ = built
    table = _table(report, "completeness", "Declared vs received")
    by_file = {row[1].split("/")[-1]: row for row in table.rows}
    reissued = by_file["P.A9999.ACO.ZC5Y24.D240115.T1200000"]
    assert reissued[3:] == ("205", "205", "2", "2", "ok")  # the replacing load counts
    short = by_file["P.A9999.ACO.ZC1Y24.D240215.T1200000"]
    assert short[3:5] == ("112", "110") and short[7] == "mismatch (-2)"
    assert table.rows.index(short) in table.flagged
    assert not any("QALR" in name for name in by_file)  # no declared count, no rejects


def test_small_cells_suppressed(built: tuple[Report, str]) -> None:
    report, html = built
    claims = _table(report, "trends", "Claims per service month")
    june = next(r for r in claims.rows if r[:2] == ("institutional", "2024-06"))
    assert june[2:5] == (SUPPRESSED, WITHHELD, SUPPRESSED)
    attribution = _table(report, "trends", "Attributed beneficiaries per practice")
    small, other = attribution.columns.index(SMALL_TIN), attribution.columns.index("other")
    january, february = attribution.rows[0], attribution.rows[1]
    assert february[small] == SUPPRESSED and february[other] == SUPPRESSED
    # January: only 'other' is small, so the smallest other practice is withheld as well
    assert january[other] == SUPPRESSED and january[small] == WITHHELD
    numbers = [
        int(c.replace(",", ""))
        for t in _section(report, "trends").tables
        for r in t.rows
        for c in r
        if c.replace(",", "").isdigit()
    ]
    assert numbers and not [n for n in numbers if 0 < n < 11]
    assert "&lt;11" in html and "cell-size suppression" in html


def test_month_over_month_changes_flagged(built: tuple[Report, str]) -> None:
    report, _ = built
    flags = _table(report, "trends", "Month-over-month changes")
    assert ("claim lines", "institutional", "2024-04", "62", "90", "+45%") in flags.rows
    assert ("beneficiaries enrolled", "all", "2024-04", "61", "76", "+25%") in flags.rows
    assert (
        "attributed beneficiaries",
        "TIN 222222222",
        "2024-04",
        "15",
        "25",
        "+67%",
    ) in flags.rows
    # no change is shown next to a suppressed month: it would reveal the hidden count
    assert not any(r[2] == "2024-06" and r[1] == "institutional" for r in flags.rows)
    strict = collect_report(report.warehouse, [], change_threshold=0.5)
    assert [r[5] for r in _table(strict, "trends", "Month-over-month").rows] == ["+67%"]


def test_dbt_summary(built: tuple[Report, str]) -> None:
    report, _ = built
    summary = _table(report, "dbt", "dbt build of cclf")
    assert summary.columns == ("resource type", "fail", "pass", "success", "warn", "total")
    assert ("test", "1", "1", "0", "1", "3") in summary.rows
    problems = _table(report, "dbt", "cclf: nodes that did not pass")
    assert [r[1] for r in problems.rows] == ["warn", "fail"]


def test_missing_relations_and_no_dbt_results(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "ledger_only.duckdb", with_dbt=False).path
    html = build_report(warehouse, tmp_path / "r.html", []).read_text()
    for relation in (
        "input_layer.medical_claim",
        "input_layer.pharmacy_claim",
        "input_layer.provider_attribution",
    ):
        assert f"Relation {relation} does not exist yet" in html
    assert "Neither input_layer.eligibility nor alr.enrollment exists yet" in html
    assert "No dbt results found." in html
    assert "Files per family and month" in html

    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    html = build_report(empty, tmp_path / "e.html", [tmp_path / "absent.json"]).read_text()
    assert "Relation mssp_meta.file_loads does not exist yet" in html
    assert "No dbt results found." in html


def test_enrollment_falls_back_to_alr(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb", with_eligibility=False).path
    report = collect_report(warehouse, [])
    table = _table(report, "trends", "Beneficiaries enrolled")
    assert "alr.enrollment" in table.note
    assert table.rows == [
        ("2024-01", "41", WITHHELD),
        ("2024-02", "41", "+0%"),
        ("2024-03", "41", "+0%"),
    ]


def test_bad_dbt_results_file_is_named(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "w.duckdb", with_dbt=False).path
    bad = tmp_path / "run_results.json"
    bad.write_text(json.dumps({"not": "dbt"}))
    report = collect_report(warehouse, [bad])
    assert _section(report, "dbt").notes == [f"{bad}: not a dbt run_results.json (KeyError)"]
    assert "not a dbt run_results.json" in render_html(report)


def test_missing_warehouse_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MSSP_OUTPUT_LOCATION"):
        build_report(tmp_path / "nope.duckdb", tmp_path / "r.html", [])
    assert not (tmp_path / "r.html").exists()


def test_default_report_path() -> None:
    import datetime as dt

    assert default_report_path(Path("data/mssp.duckdb"), dt.date(2024, 3, 2)) == Path(
        "data/reports/mssp_report_2024-03-02.html"
    )


def test_builds_while_this_process_holds_a_write_connection(tmp_path: Path) -> None:
    """The parent flow may still hold its read-write connection when it calls the report."""
    warehouse = make_warehouse(tmp_path / "w.duckdb", with_dbt=False).path
    writer = duckdb.connect(str(warehouse))
    try:
        html = build_report(warehouse, tmp_path / "r.html", []).read_text()
    finally:
        writer.close()
    assert "Files per family and month" in html


def test_the_latest_build_of_each_project_is_kept_for_runs_that_skip_it(tmp_path: Path) -> None:
    from tasks.report.dbt_results import keep_latest_results

    first = write_run_results(tmp_path / "run1" / "alr" / "target" / "run_results.json")
    second = write_run_results(tmp_path / "run1" / "cclf" / "target" / "run_results.json")
    archive = tmp_path / "reports" / "dbt"
    kept = keep_latest_results([first, second], archive)
    assert [p.relative_to(archive).parts[0] for p in kept] == ["alr", "cclf"]
    assert keep_latest_results([], archive) == kept  # a run that built nothing still reports both
    assert dbt_section(kept).tables and "No dbt results found." not in dbt_section(kept).notes


def test_a_purged_file_is_not_shown_as_loaded(tmp_path: Path) -> None:
    from tasks.report.queries import completeness

    path = make_warehouse(tmp_path / "mssp.duckdb", with_dbt=False).path
    with duckdb.connect(str(path)) as con:
        before = completeness(con, with_rejects=True)
        gone = before[0]["file_path"]
        con.execute("""insert into mssp_meta.file_loads (load_id, run_id, file_path, family, status, rows_loaded,
                       rows_rejected, message, started_at, finished_at)
                       values ('purge', 'run-x', ?, 'cclf', 'removed', 0, 0, 'no longer in the file store',
                               now() + interval 1 day, now() + interval 1 day)""", [gone])
        after = completeness(con, with_rejects=True)
    assert len(after) == len(before) - 1 and gone not in {r["file_path"] for r in after}
