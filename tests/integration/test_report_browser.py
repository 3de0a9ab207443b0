"""The report page opened in headless Chromium: it renders, with no console errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tasks.report import build_report

try:
    from tests.integration.report_fixtures import (
        make_warehouse,
        render_in_chromium,
        write_run_results,
    )
except ImportError:  # tests/ is not a package: pytest puts this folder on sys.path
    from report_fixtures import make_warehouse, render_in_chromium, write_run_results

pytestmark = pytest.mark.slow


def test_report_renders_without_console_errors(tmp_path: Path) -> None:
    warehouse = make_warehouse(tmp_path / "mssp.duckdb").path
    results = write_run_results(tmp_path / "dbt" / "cclf" / "target" / "run_results.json")
    html = build_report(warehouse, tmp_path / "report.html", [results])
    screenshot = tmp_path / "report.png"
    errors = render_in_chromium(html, screenshot)
    assert errors == []
    png = screenshot.read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 50_000  # a real page, not a blank one


def test_console_errors_are_detected(tmp_path: Path) -> None:
    """The check above can fail: a script error and a blocked fetch are both reported."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!doctype html><html><head><meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; img-src data:; script-src 'unsafe-inline'\"></head>"
        "<body><img src='http://127.0.0.1:9/x.png'><script>console.log('fine');"
        "console.error('boom');</script></body></html>"
    )
    errors = render_in_chromium(page, tmp_path / "bad.png")
    assert "console: boom" in errors
    assert any("Content Security Policy" in e for e in errors)
    assert not any("fine" in e for e in errors)
