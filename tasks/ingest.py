"""One source file from the store to the warehouse: hash, skip or parse, load, ledger.

This is where parsers meet the loader. It returns counts only; the Prefect task in
``flows/family.py`` wraps it and does the logging.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from tasks.backends import Backend, LedgerContext, PriorLoad
from tasks.containers import open_member
from tasks.errors import FileRejected, LoadError
from tasks.ledger import utc_now
from tasks.models import CatalogEntry, FileOutcome, ParseReport
from tasks.parsers import parser_for
from tasks.parsers.prefetch import Prefetch
from tasks.store import Store

MAX_REASONS_IN_MESSAGE = 3
WHOLE_FAMILY_LOCK = {"mcqm", "benchmark"}  # workbooks write several tables per file


@dataclass(frozen=True)
class Expectation:
    """What a trailer or the bundle's CCLF0 declares for a file."""

    record_count: int | None = None
    record_length: int | None = None
    source: str = "CCLF0"
    warnings: tuple[str, ...] = ()  # e.g. a CCLF0 row naming a member the bundle lacks


class _HashingReader:
    """A read-through stream that hashes every byte the parser reads."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.digest.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        while self.read(1024 * 1024):
            pass


@contextmanager
def open_entry(store: Store, entry: CatalogEntry, temp_dir: Path) -> Iterator[IO[bytes]]:
    with store.open(entry.container_path) as fh:
        if not entry.member_path:
            yield fh
            return
        with open_member(fh, entry.member_path, temp_dir) as member:
            yield member


def sha256_of(store: Store, entry: CatalogEntry, temp_dir: Path) -> str:
    with open_entry(store, entry, temp_dir) as fh:
        reader = _HashingReader(fh)
        reader.drain()
    return reader.digest.hexdigest()


def _summarise(outcome: FileOutcome, report: ParseReport, reasons: list[str], expect: Expectation | None,
               layout_length: int | None) -> None:
    notes = list(report.notes)
    if expect:
        outcome.warnings.extend(expect.warnings)
    if outcome.rows_rejected:
        shown = "; ".join(reasons[:MAX_REASONS_IN_MESSAGE])
        more = outcome.rows_rejected - min(len(reasons), MAX_REASONS_IN_MESSAGE)
        notes.append(f"{outcome.rows_rejected} records rejected: {shown}"
                     + (f"; and {more} more" if more > 0 else ""))
    if expect and expect.record_count is not None:
        outcome.rows_expected = expect.record_count
        found = outcome.rows_loaded + outcome.rows_rejected
        if found != expect.record_count:
            outcome.warnings.append(f"{expect.source} declares {expect.record_count} records, found {found}")
    reference_length = (expect.record_length if expect and expect.record_length else None) or layout_length
    if reference_length and report.length_counts:
        short = sum(c for length, c in report.length_counts.items() if length < reference_length)
        if short:
            notes.append(f"{short} records shorter than {reference_length} characters (trailing fields NULL)")
    if expect and expect.record_length and layout_length and expect.record_length != layout_length:
        outcome.warnings.append(
            f"{expect.source} declares record length {expect.record_length}, layout is {layout_length}")
    message = "; ".join(outcome.warnings + notes)
    outcome.message = message or None


def settle_unchanged(entries: list[CatalogEntry], backend: Backend, *, run_id: str, full_refresh: bool,
                     known: dict[str, PriorLoad] | None = None) -> tuple[list[FileOutcome], list[CatalogEntry]]:
    """Record as ``unchanged``, without reading them, the files whose cheap fingerprint (zip CRC-32
    and sizes, or size and modification time) matches the one seen with their last good sha256.

    Returns (outcomes of the settled files, the entries still to ingest). A backend that keeps
    no fingerprints settles nothing: every file is hashed as before. ``known``: the result of
    ``backend.known_unchanged(entries)`` when the caller already has it.
    """
    if full_refresh:
        return [], list(entries)
    settled = backend.known_unchanged(entries) if known is None else known
    outcomes = []
    for entry in entries:
        prior = settled.get(entry.file_path)
        if prior is None:
            continue
        outcome = FileOutcome(entry.file_path, entry.family, ",".join(prior.tables) or None, "unchanged",
                              sha256=prior.sha256, size_bytes=entry.size_bytes)
        backend.record(entry, outcome, LedgerContext(run_id, str(uuid.uuid4()), utc_now()))
        outcomes.append(outcome)
    return outcomes, [e for e in entries if e.file_path not in settled]


def recheck_duplicates(outcomes: list[FileOutcome], entries: list[CatalogEntry], store: Store, backend: Backend, *,
                       run_id: str, temp_dir: Path, full_refresh: bool, present_paths: Collection[str] | None,
                       expectations: dict[str, Expectation] | None = None) -> list[FileOutcome]:
    """Load after all a file recorded ``duplicate`` whose twin changed later in the same run.

    Files load in parallel, so a file can be found a duplicate of a present path that is then
    re-issued with other bytes; without this its records would be in no row until the next run.
    """
    check = getattr(backend, "duplicate_of", None)
    if check is None or present_paths is None:
        return outcomes
    present = frozenset(present_paths)
    by_path = {e.file_path: e for e in entries}
    redone = []
    for outcome in outcomes:
        entry = by_path.get(outcome.file_path)
        if outcome.status == "duplicate" and entry is not None and check(entry, outcome, present) is None:
            outcome = ingest_entry(entry, store, backend, run_id=run_id, temp_dir=temp_dir,
                                   full_refresh=full_refresh, present_paths=present,
                                   expect=(expectations or {}).get(outcome.file_path))
        redone.append(outcome)
    return redone


def _remember(backend: Backend, entry: CatalogEntry, outcome: FileOutcome) -> None:
    if entry.fingerprint and outcome.sha256 and outcome.status in ("loaded", "replaced", "unchanged"):
        backend.remember_fingerprint(entry.file_path, entry.fingerprint, outcome.sha256)


def ingest_entry(
    entry: CatalogEntry,
    store: Store,
    backend: Backend,
    *,
    run_id: str,
    temp_dir: Path,
    full_refresh: bool = False,
    expect: Expectation | None = None,
    present_paths: Collection[str] | None = None,
) -> FileOutcome:
    """Load one catalog entry in one transaction and record it in the ledger.

    ``present_paths`` (every file path of this run's store) lets the backend record a file whose
    bytes are already loaded under another present path as ``duplicate``, and move the rows of
    a renamed file (the other path gone) instead of doubling them.
    """
    present = frozenset(present_paths) if present_paths is not None else None
    ctx = LedgerContext(run_id, str(uuid.uuid4()), utc_now(), present)
    kind = entry.kind
    base = FileOutcome(entry.file_path, entry.family, kind.table if kind else None, "rejected",
                       size_bytes=entry.size_bytes)
    if kind is None:
        base.message = entry.reject_reason
        backend.record(entry, base, ctx)
        return base
    try:
        prior = backend.prior_load(entry.file_path)
        if prior is not None:
            base.sha256 = sha256_of(store, entry, temp_dir)
            if base.sha256 == prior.sha256 and not full_refresh:
                base.status = "unchanged"
                base.table_name = ",".join(prior.tables) or base.table_name
                backend.record(entry, base, ctx)
                _remember(backend, entry, base)
                return base
        outcome = _parse_and_load(entry, store, backend, ctx, prior, temp_dir, expect)
        _remember(backend, entry, outcome)
        return outcome
    except FileRejected as exc:
        base.status, base.message = "rejected", exc.reason
    except LoadError as exc:  # the ledger row names the file already
        base.status, base.message = "failed", f"LoadError: {exc.reason}"[:500]
    except Exception as exc:  # one bad file never stops the others: record it, carry on
        base.status = "failed"
        base.message = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500]
    backend.record(entry, base, ctx)
    return base


def _parse_and_load(entry: CatalogEntry, store: Store, backend: Backend, ctx: LedgerContext,
                    prior: PriorLoad | None, temp_dir: Path, expect: Expectation | None) -> FileOutcome:
    assert entry.kind is not None
    kind = entry.kind
    parser = parser_for(kind.format)
    report = ParseReport(temp_dir=temp_dir)
    reasons: list[str] = []
    lock_key = kind.family if kind.family in WHOLE_FAMILY_LOCK else (kind.table or kind.family)
    outcome = FileOutcome(entry.file_path, kind.family, kind.table, "replaced" if prior else "loaded",
                          size_bytes=entry.size_bytes)
    with open_entry(store, entry, temp_dir) as raw:
        reader = _HashingReader(raw)
        with backend.file_writer(entry, ctx, prior, lock_key) as writer:
            # the parser (and the sha256 of what it reads) runs one batch ahead of the insert
            with Prefetch(parser(reader, entry, report)) as batches:
                for batch in batches:
                    writer.write(batch)
                    outcome.rows_loaded += batch.rows.num_rows
                    outcome.rows_rejected += len(batch.rejects)
                    reasons.extend(r.reason for r in batch.rejects[: MAX_REASONS_IN_MESSAGE])
            reader.drain()
            if outcome.rows_loaded + outcome.rows_rejected != report.records_seen:
                raise LoadError(entry.file_path, f"record count check failed: {outcome.rows_loaded} rows + "
                                f"{outcome.rows_rejected} rejects != {report.records_seen} records")
            outcome.sha256 = reader.digest.hexdigest()
            if report.rows_expected is not None and expect is None:
                expect = Expectation(report.rows_expected, None, "trailer")
            layout_length = _layout_length(kind.layout)
            _summarise(outcome, report, reasons, expect, layout_length)
            writer.commit(outcome)
    return outcome


def _layout_length(layout: str | None) -> int | None:
    if not layout:
        return None
    from tasks.layouts import fixed_width_layout
    return fixed_width_layout(layout).record_length
