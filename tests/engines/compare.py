"""Final relations of a dbt build, compared across engines: row counts and an order-free checksum.

Values are normalised in Python before hashing (numbers to 6 decimals, dates and timestamps to ISO
text, booleans to 0/1), so type differences between engines (``numeric`` vs ``decimal(38,2)``,
``integer`` vs ``bigint``) do not count; a different value does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

Query = Callable[[str], list[tuple]]

FINAL_SCHEMAS = ("alr", "input_layer", "mssp")


def normalise(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | Decimal):
        return f"{round(float(value), 6):.6f}"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def row_digest(row: Sequence[Any]) -> str:
    return hashlib.sha256(repr(tuple(normalise(v) for v in row)).encode()).hexdigest()


def relation_summary(rows: Iterable[Sequence[Any]]) -> tuple[int, str, Counter[str]]:
    """(row count, order-free checksum, the multiset of row digests)."""
    digests = Counter(row_digest(r) for r in rows)
    total = sum(digests.values())
    checksum = hashlib.sha256("".join(sorted(digests.elements())).encode()).hexdigest()
    return total, checksum, digests


def compare(reference: Query, other: Query, relations: dict[str, list[str]],
            counts: dict[str, int] | None = None) -> dict[str, str]:
    """Relation -> what differs ('' when rows and checksum are equal); ``counts`` gets the
    reference's row count per relation."""
    out: dict[str, str] = {}
    for relation, columns in relations.items():
        sql = f"select {', '.join(columns)} from {relation}"
        rows_ref, rows_oth = reference(sql), other(sql)
        n_ref, sum_ref, d_ref = relation_summary(rows_ref)
        n_oth, sum_oth, d_oth = relation_summary(rows_oth)
        if counts is not None:
            counts[relation] = n_ref
        if sum_ref == sum_oth:
            out[relation] = ""
        else:
            out[relation] = (f"rows {n_ref} vs {n_oth}; {sum((d_ref - d_oth).values())} reference rows missing, "
                             f"{sum((d_oth - d_ref).values())} extra; columns differing: "
                             f"{differing_columns(columns, rows_ref, rows_oth)}")
    return out


def differing_columns(columns: list[str], rows_ref: list[tuple], rows_oth: list[tuple]) -> list[str]:
    """Columns whose multisets of normalised values differ (names only, never values: PHI)."""
    return [name for i, name in enumerate(columns)
            if Counter(normalise(r[i]) for r in rows_ref) != Counter(normalise(r[i]) for r in rows_oth)]
