"""Month axes and month-over-month changes for the trend sections (pure functions)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence

from tasks.report.privacy import WITHHELD


def month_axis(months: Iterable[dt.date | None], max_months: int) -> list[dt.date]:
    """Every first-of-month from the earliest to the latest given month, the last max_months."""
    present = sorted({m.replace(day=1) for m in months if m is not None})
    if not present:
        return []
    axis: list[dt.date] = []
    month = present[0]
    while month <= present[-1]:
        axis.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return axis[-max_months:]


def month_from_year_month(year_month: str) -> dt.date | None:
    """``YYYYMM`` (or ``YYYY-MM``) text to the first of that month; None when malformed."""
    digits = year_month.replace("-", "")
    if len(digits) != 6 or not digits.isdigit():
        return None
    year, month = int(digits[:4]), int(digits[4:])
    return dt.date(year, month, 1) if 1 <= month <= 12 else None


def changes(values: Sequence[float | None], threshold: float) -> list[tuple[float | None, bool]]:
    """(relative change from the previous month, beyond threshold?) for each value.

    None when either month is unknown or withheld (a change next to a suppressed cell
    would reveal it); ``inf`` when the previous month was zero and this one is not.
    """
    out: list[tuple[float | None, bool]] = [(None, False)]
    for previous, current in zip(values, values[1:], strict=False):
        if previous is None or current is None:
            out.append((None, False))
        elif previous == 0:
            out.append((0.0, False) if current == 0 else (math.inf, True))
        else:
            change = (current - previous) / abs(previous)
            out.append((change, abs(change) > threshold))
    return out[: len(values)]


def format_change(change: float | None) -> str:
    if change is None:
        return WITHHELD
    if math.isinf(change):
        return "new"
    return f"{change:+.0%}"


def month_label(month: dt.date) -> str:
    return month.strftime("%Y-%m")
