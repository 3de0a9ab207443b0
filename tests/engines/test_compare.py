"""The engine comparison can fail: a changed value, a lost or a duplicated row is reported;
type-only differences (Decimal vs float, int vs Decimal) are not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.engines.compare import compare

pytestmark = [pytest.mark.engines]

ROWS = [("A", Decimal("10.50"), dt.date(2024, 1, 31), 3), ("B", None, None, 1)]


def _q(rows):
    return lambda sql: list(rows)


def test_equal_up_to_types_and_order() -> None:
    other = [("B", None, None, Decimal(1)), ("A", 10.5, dt.date(2024, 1, 31), 3.0)]
    assert compare(_q(ROWS), _q(other), {"s.t": ["a", "b", "c", "d"]}) == {"s.t": ""}


@pytest.mark.parametrize("other", [
    [ROWS[0], ("B", None, None, 2)],  # one value changed
    [ROWS[0]],  # a row lost
    [ROWS[0], ROWS[1], ROWS[1]],  # a row duplicated
    [("A", Decimal("10.51"), dt.date(2024, 1, 31), 3), ROWS[1]],  # a cent
])
def test_differences_are_reported(other) -> None:
    assert compare(_q(ROWS), _q(other), {"s.t": ["a", "b", "c", "d"]})["s.t"] != ""
