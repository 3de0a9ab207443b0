"""The shared body of every family subflow: one ingest task per file, outcomes collected.

A failed file never stops the others; the parent flow turns failures into the Failed
state and exit status 1 once everything else has run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import Flow, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows.console import PROGRESS, Progress
from tasks.ingest import Expectation, ingest_entry, recheck_duplicates, settle_unchanged
from tasks.models import CatalogEntry, FileOutcome
from tasks.run_problems import Halt, output_problem
from tasks.store import Store


@dataclass
class LoadContext:
    """What every ingest task of one run shares (in-process objects, never sent to the API)."""

    store: Store
    backend: Any  # a tasks.backends.Backend (a Protocol cannot type a flow parameter)
    run_id: str
    temp_dir: Path
    full_refresh: bool
    parallelism: int
    output_location: str = ""  # to tell a full/held output (the run halts) from one bad file
    present_paths: frozenset[str] | None = None  # this run's store paths: duplicate vs renamed file
    halt: Halt = field(default_factory=Halt)


def _log(outcome: FileOutcome) -> None:
    logger = get_run_logger()
    line = (f"{outcome.file_path}: {outcome.status}, {outcome.rows_loaded} rows, "
            f"{outcome.rows_rejected} rejected")
    if outcome.status in ("rejected", "failed"):
        logger.error(f"{line}: {outcome.message}")
    elif outcome.warnings:
        logger.warning(f"{line}; " + "; ".join(outcome.warnings))
    else:
        logger.info(line)


@task(name="ingest-file", cache_policy=NO_CACHE, task_run_name="ingest {entry.file_name}")
def ingest_file(entry: CatalogEntry, ctx: LoadContext, expect: Expectation | None = None) -> FileOutcome | None:
    """Parse and load one file in one transaction; its ledger row says how it went.

    None: not attempted, because the output became unusable (``ctx.halt``); the next run loads it.
    """
    if ctx.halt.skip():
        return None
    try:
        outcome = ingest_entry(entry, ctx.store, ctx.backend, run_id=ctx.run_id, temp_dir=ctx.temp_dir,
                               full_refresh=ctx.full_refresh, expect=expect, present_paths=ctx.present_paths)
    except Exception as exc:  # even the ledger row could not be written: one line, no traceback
        outcome = FileOutcome(entry.file_path, entry.family, entry.kind.table if entry.kind else None, "failed",
                              message=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:500])
    problem = output_problem(outcome.message or "", ctx.output_location) if outcome.status == "failed" else None
    if problem:
        ctx.halt.trip(problem)
    _log(outcome)
    return outcome


def ingest_many(entries: Sequence[CatalogEntry], ctx: LoadContext,
                expectations: dict[str, Expectation] | None = None) -> list[FileOutcome]:
    """Settle files known unchanged, then submit one task per remaining file (largest first, so
    the pool stays busy) and wait for all."""
    if ctx.halt.reason:
        ctx.halt.not_attempted += len(entries)
        return []
    settled, remaining = settle_unchanged(list(entries), ctx.backend, run_id=ctx.run_id,
                                          full_refresh=ctx.full_refresh)
    if settled:
        get_run_logger().info(f"{len(settled)} files unchanged since their last load (fingerprint), not read")
    ordered = sorted(remaining, key=lambda e: -e.size_bytes)
    futures = [ingest_file.submit(e, ctx, (expectations or {}).get(e.file_path)) for e in ordered]
    outcomes = []
    progress = Progress((entries[0].family if entries else None) or "files", len(ordered), get_run_logger())
    for entry, future in zip(ordered, futures, strict=True):
        try:
            outcome = future.result()
        except Exception as exc:  # a crash outside ingest_entry's own handling
            outcome = FileOutcome(entry.file_path, entry.family, entry.kind.table if entry.kind else None,
                                  "failed", message=f"{type(exc).__name__}: {exc}"[:500])
        if outcome is not None:
            outcomes.append(outcome)
        progress.step()
    outcomes = recheck_duplicates(outcomes, list(ordered), ctx.store, ctx.backend, run_id=ctx.run_id,
                                  temp_dir=ctx.temp_dir, full_refresh=ctx.full_refresh,
                                  present_paths=ctx.present_paths, expectations=expectations)
    return settled + outcomes


@flow(name="family", flow_run_name="{family}", log_prints=False, validate_parameters=False)
def family_flow(family: str, entries: list[CatalogEntry], ctx: LoadContext) -> list[FileOutcome]:
    """Load every file of one family."""
    return ingest_many(entries, ctx)


def run_family(family: str, entries: list[CatalogEntry], ctx: LoadContext,
               subflows: Mapping[str, Flow[..., list[FileOutcome]]] | None = None) -> list[FileOutcome]:
    """Run one family's files in its subflow on a pool of ``ctx.parallelism`` threads.

    ``subflows`` is the parent's dispatch table (family -> a subflow of its own, called with
    ``(entries, ctx)``, e.g. ``cclf`` -> ``flows.cclf.cclf_flow``); any other family runs the shared
    ``family_flow``. The table lives in the parent so this module never imports a family's subflow
    (which imports this module).
    """
    settled = _settle_if_all_unchanged(entries, ctx)
    if settled is not None:  # nothing to read: no subflow (each costs Prefect ~1 s, most of a no-change run)
        get_run_logger().info(result_line(family, settled), extra=PROGRESS)
        return settled
    runner: TaskRunner[Any] = ThreadPoolTaskRunner(max_workers=ctx.parallelism)
    own = (subflows or {}).get(family)
    if own is not None:
        outcomes = own.with_options(task_runner=runner)(entries, ctx)
    else:
        outcomes = family_flow.with_options(task_runner=runner)(family, entries, ctx)
    get_run_logger().info(result_line(family, outcomes), extra=PROGRESS)
    return outcomes


def _settle_if_all_unchanged(entries: list[CatalogEntry], ctx: LoadContext) -> list[FileOutcome] | None:
    """Every file of the family unchanged by fingerprint: record them all as ``unchanged`` here and
    return their outcomes; otherwise None and nothing recorded (the subflow settles and loads, with
    the whole family in view: CCLF0 declarations are read even from unchanged bundles)."""
    if ctx.halt.reason or ctx.full_refresh or not entries:
        return None
    known = ctx.backend.known_unchanged(entries)
    if any(e.file_path not in known for e in entries):
        return None
    settled, _ = settle_unchanged(entries, ctx.backend, run_id=ctx.run_id, full_refresh=False, known=known)
    get_run_logger().info(f"{len(settled)} files unchanged since their last load (fingerprint), not read")
    return settled


def result_line(family: str, outcomes: Sequence[FileOutcome]) -> str:
    """``cclf: 40 files: 30 loaded, 10 unchanged; 123,456 rows, 0 rejected records``."""
    counts = Counter(o.status for o in outcomes)
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    rows = sum(o.rows_loaded for o in outcomes)
    rejected = sum(o.rows_rejected for o in outcomes)
    return f"{family}: {len(outcomes)} files: {statuses or 'none'}; {rows:,} rows, {rejected:,} rejected records"
