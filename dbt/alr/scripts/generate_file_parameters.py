"""Write seeds/mssp_file_parameters.csv from the rules of alr_semantics.md §4.

Run: ``uv run python dbt/alr/scripts/generate_file_parameters.py``. The test suite checks
that the checked-in CSV equals ``render()``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

FIRST_PY, LAST_PY = 2016, 2026
HEADER = (
    "performance_year,report_year,file_period,period_start_date,period_end_date,priority,file_type"
)
SEED_PATH = Path(__file__).resolve().parents[1] / "seeds" / "mssp_file_parameters.csv"


def _window(end_year: int, end_month: int) -> tuple[dt.date, dt.date]:
    """The 12 whole months ending with (end_year, end_month)."""
    start_month = end_month % 12 + 1
    start_year = end_year - 1 if end_month != 12 else end_year
    next_month = dt.date(end_year + end_month // 12, end_month % 12 + 1, 1)
    return dt.date(start_year, start_month, 1), next_month - dt.timedelta(days=1)


def rows(performance_year: int) -> list[tuple[object, ...]]:
    """The 8 seed rows of one performance year, in the spec's order."""
    py = performance_year
    out: list[tuple[object, ...]] = []
    for year in (py - 3, py - 2, py - 1):
        out.append((py, year, f"Y{year}", *_window(year, 12), 1, "benchmark"))
    for quarter, priority in ((4, 2), (3, 3), (2, 4), (1, 5)):
        out.append((py, py, f"{py}Q{quarter}", *_window(py, quarter * 3), priority, "quarterly"))
    out.append((py, py, f"Y{py}", *_window(py - 1, 9), 6, "initial"))
    return out


def render() -> str:
    lines = [HEADER]
    for py in range(FIRST_PY, LAST_PY + 1):
        lines += [",".join(str(value) for value in row) for row in rows(py)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    SEED_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SEED_PATH} ({render().count(chr(10)) - 1} rows)")
