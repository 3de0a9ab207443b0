"""Keep PHI out of the report: small-cell suppression and scrubbing of free text.

CMS's cell-size suppression policy (DUA): no cell that counts 1 to 10 beneficiaries,
patients or services may be shown. Counts of persons and of claim lines between 1 and
``MIN_CELL - 1`` are printed as ``<11``; amounts and changes derived from such a cell are
withheld; plots leave a gap there. Zero is shown (it identifies no one).
"""

from __future__ import annotations

import re

MIN_CELL = 11
SUPPRESSED = f"<{MIN_CELL}"
WITHHELD = "–"

SUPPRESSION_RULE = (
    f"Small cells suppressed (CMS cell-size suppression policy): any count of beneficiaries, "
    f"persons or claim lines from 1 to {MIN_CELL - 1} is shown as \u201c{SUPPRESSED}\u201d; "
    f"amounts and month-over-month changes derived from such a cell are withheld "
    f"(\u201c{WITHHELD}\u201d), and plots leave a gap. In the attribution table, when a month "
    f"has exactly one suppressed practice, the next smallest practice is suppressed too, so "
    f"the hidden value cannot be derived from the others. File and record counts of the load "
    f"ledger describe deliveries, not beneficiaries, and are shown as delivered. The report "
    f"contains counts and amounts only: no MBIs, names or dates of birth."
)

# MBI: 11 characters, position 1 a digit 1-9, letters exclude S, L, O, I, B, Z.
_L = "AC-HJKMNP-RTUVWXY"
_MBI = re.compile(
    rf"\b[1-9][{_L}][{_L}0-9][0-9][{_L}][{_L}0-9][0-9][{_L}][{_L}][0-9][0-9]\b", re.IGNORECASE
)
# HICN-like ids (9 digits + 1-2 letter suffix) and calendar dates that could be birth dates.
_HICN = re.compile(r"\b\d{9}[A-Z]{1,2}\d?\b", re.IGNORECASE)
_DATE = re.compile(r"\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{4})\b")
MAX_TEXT = 300


def is_small(count: int | None) -> bool:
    """True for a count that must not be shown (1 to MIN_CELL - 1)."""
    return count is not None and 0 < count < MIN_CELL


def format_count(count: int | None, *, suppress: bool = True) -> str:
    """A count for a table cell: ``<11`` for a small cell when ``suppress``, thousands commas."""
    if count is None:
        return WITHHELD
    if suppress and is_small(count):
        return SUPPRESSED
    return f"{count:,}"


def format_amount(amount: float | None) -> str:
    """Dollars with cents and thousands commas; ``–`` when withheld or unknown."""
    return WITHHELD if amount is None else f"${amount:,.2f}"


def censor(value: float | None, persons: int | None) -> float | None:
    """The value for a plot, or None (a gap) when it derives from a small cell."""
    if value is None or is_small(persons):
        return None
    return float(value)


def scrub_text(text: str | None) -> str:
    """A ledger or dbt message cut to MAX_TEXT characters, identifiers and dates masked."""
    if not text:
        return ""
    clean = _MBI.sub("[id]", text)
    clean = _HICN.sub("[id]", clean)
    clean = _DATE.sub("[date]", clean)
    clean = " ".join(clean.split())
    return clean if len(clean) <= MAX_TEXT else clean[: MAX_TEXT - 1] + "…"
