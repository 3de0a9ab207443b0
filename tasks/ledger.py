"""The load ledger (schema ``mssp_meta``): one row per source file per run, plus rejects.

DDL here is DuckDB SQL; other backends translate the same column lists.
"""

from __future__ import annotations

import datetime as dt

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
