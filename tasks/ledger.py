"""The load ledger (schema ``mssp_meta``): one row per source file per run, plus rejects.

DDL here is DuckDB SQL; other backends translate the same column lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

LEDGER_SCHEMA = "mssp_meta"
RAW_SCHEMA = "raw_data"
REMOVED_MESSAGE = "no longer in the file store: its rows were removed (full refresh)"
"""The ``message`` of a ``removed`` ledger row (a full refresh purged a file gone from the store)."""


def utc_now() -> dt.datetime:
    """Now, timezone-aware UTC: the ledger never compares local wall-clock times (DST, a clock set back)."""
    return dt.datetime.now(dt.UTC)


def naive_utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as a naive UTC value for a ``TIMESTAMP`` column (DuckDB would shift an aware one to
    the session's local zone); a naive ``moment`` is taken as local time."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def naive_local(moment: dt.datetime) -> dt.datetime:
    """``moment`` as naive local time (the ledgers of the non-DuckDB outputs, ordered by time as before)."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


FILE_LOADS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("run_id", "VARCHAR"),
    ("file_path", "VARCHAR"),
    ("family", "VARCHAR"),
    ("table_name", "VARCHAR"),
    ("sha256", "VARCHAR"),
    ("size_bytes", "BIGINT"),
    ("file_date", "DATE"),
    ("rows_loaded", "BIGINT"),
    ("rows_expected", "BIGINT"),
    ("rows_rejected", "BIGINT"),
    ("status", "VARCHAR"),
    ("message", "VARCHAR"),
    ("started_at", "TIMESTAMP"),
    ("finished_at", "TIMESTAMP"),
)
REJECTED_RECORDS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("load_id", "VARCHAR"),
    ("file_path", "VARCHAR"),
    ("file_row_number", "BIGINT"),
    ("reason", "VARCHAR"),
)
RAW_METADATA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_path", "VARCHAR"),
    ("file_name", "VARCHAR"),
    ("directory_name", "VARCHAR"),
    ("file_date", "DATE"),
    ("file_row_number", "BIGINT"),
    ("load_id", "VARCHAR"),
)
"""Metadata columns appended to every raw table after the source columns (contract §4)."""


def _columns_sql(columns: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{name} {type_}" for name, type_ in columns)


FINGERPRINT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("file_path", "VARCHAR"),
    ("fingerprint", "VARCHAR"),
    ("sha256", "VARCHAR"),
)
"""``mssp_meta.file_fingerprints``: the cheap identity seen with each sha256, to skip re-hashing."""

LOAD_SEQ_DDL = f"ALTER TABLE {LEDGER_SCHEMA}.file_loads ADD COLUMN IF NOT EXISTS load_seq BIGINT"
"""DuckDB: ``load_seq`` appended to ``file_loads`` (existing warehouses migrate in ``prepare``): a
monotonic number given to each ledger row inside its file's transaction. The latest row of a file
is the one with the highest ``load_seq`` (rows from before it have NULL and sort last), never the
latest ``finished_at``: the wall clock can step back."""

LEDGER_DDL = (
    f"CREATE SCHEMA IF NOT EXISTS {LEDGER_SCHEMA}",
    f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}",
    f"CREATE TABLE IF NOT EXISTS {LEDGER_SCHEMA}.file_loads ({_columns_sql(FILE_LOADS_COLUMNS)})",
    f"CREATE TABLE IF NOT EXISTS {LEDGER_SCHEMA}.rejected_records "
    f"({_columns_sql(REJECTED_RECORDS_COLUMNS)})",
    f"CREATE TABLE IF NOT EXISTS {LEDGER_SCHEMA}.file_fingerprints ({_columns_sql(FINGERPRINT_COLUMNS)})",
)

# --- the latest ledger row of a file, and the same-bytes rule (non-DuckDB backends) --------------
SETTLED_STATUSES = ("loaded", "replaced", "unchanged", "removed", "duplicate")
"""Ledger statuses that say what a file's rows are now; the latest of them wins."""
CARRIES_ROWS = ("loaded", "replaced", "unchanged")
"""Of those, the statuses whose file has rows in the warehouse."""
SETTLED_COLUMNS = ("file_path", "family", "table_name", "sha256", "status", "file_date", "load_seq", "finished_at")
"""Columns of a ledger row that ``latest_settled``/``same_bytes_elsewhere`` read, in this order."""


@dataclass(frozen=True)
class SettledRow:
    file_path: str
    family: str | None
    table_name: str | None
    sha256: str | None
    status: str
    file_date: dt.date | None
    load_seq: int | None
    finished_at: dt.datetime | None

    def order_key(self) -> tuple[bool, int, dt.datetime]:
        """Later sorts higher: by ``load_seq`` (rows from before it, NULL, first), then by time."""
        return (self.load_seq is not None, self.load_seq or 0, self.finished_at or dt.datetime.min)


def latest_settled(rows: Iterable[Sequence[Any]]) -> dict[str, SettledRow]:
    """file_path -> its latest settled ledger row; ``rows`` are tuples in ``SETTLED_COLUMNS`` order."""
    latest: dict[str, SettledRow] = {}
    for values in rows:
        row = SettledRow(*values)
        if row.status in SETTLED_STATUSES and (
                row.file_path not in latest or latest[row.file_path].order_key() <= row.order_key()):
            latest[row.file_path] = row
    return latest


def same_bytes_elsewhere(latest: Iterable[SettledRow], sha256: str | None, file_path: str,
                         table_name: str | None, file_date: dt.date | None) -> list[SettledRow]:
    """The other files (latest rows) whose rows in the warehouse are these same bytes.

    The rule of DuckDB's ``same_bytes_elsewhere``: same sha256, table and file date (one content
    delivered on two dates is kept twice: its rows differ by ``file_date``/``file_name``)."""
    if not sha256:
        return []
    return sorted((r for r in latest if r.sha256 == sha256 and r.file_path != file_path
                   and r.table_name == table_name and r.file_date == file_date and r.status in CARRIES_ROWS),
                  key=lambda r: r.file_path)


def mark_duplicate(outcome: Any, other_path: str) -> None:
    """Turn a file's ``FileOutcome`` into ``duplicate`` of ``other_path``: nothing of it stays loaded."""
    outcome.status = "duplicate"
    outcome.rows_loaded = outcome.rows_rejected = 0
    outcome.rows_expected = None
    outcome.warnings.clear()
    outcome.message = f"same bytes as {other_path}, already loaded: no rows loaded again"


def moved_message(new_path: str) -> str:
    """The ``message`` of the ``removed`` row of a file whose bytes now carry rows under ``new_path``."""
    return f"no longer in the file store: its rows moved to {new_path} (same bytes)"
