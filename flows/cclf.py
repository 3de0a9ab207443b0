"""CCLF subflow: load each bundle's CCLF0 first, then every claim file checked against it."""

from __future__ import annotations

from collections import defaultdict

from prefect import flow, get_run_logger

from flows.family import LoadContext, ingest_many
from tasks.ingest import Expectation, open_entry
from tasks.models import CatalogEntry, FileOutcome, ParseReport
from tasks.parsers.cclf0 import declarations, parse_cclf0


def bundle_key(entry: CatalogEntry) -> str:
    """Members of one bundle share the directory part of their path."""
    return entry.directory_name


def read_declarations(entries: list[CatalogEntry], ctx: LoadContext) -> dict[str, dict[str, list]]:
    """bundle -> CCLF type -> declarations (a list, so repeated CCLF0 rows are visible)."""
    out: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        try:
            with open_entry(ctx.store, entry, ctx.temp_dir) as fh:
                batches = list(parse_cclf0(fh, entry, ParseReport()))
        except Exception:  # the CCLF0 file's own ingest records why it is unreadable
            continue
        for batch in batches:
            for decl in declarations(batch.rows):
                out[bundle_key(entry)][decl.file_type].append(decl)
    return out


@flow(name="cclf", flow_run_name="cclf", log_prints=False, validate_parameters=False)
def cclf_flow(entries: list[CatalogEntry], ctx: LoadContext) -> list[FileOutcome]:
    """Load CCLF files; record counts reconcile against the bundle's CCLF0 (warnings only)."""
    logger = get_run_logger()
    summaries = [e for e in entries if e.kind and e.kind.format == "cclf0"]
    claims = [e for e in entries if e not in summaries]
    declared = read_declarations(summaries, ctx)
    expectations: dict[str, Expectation] = {}
    notes: list[str] = []
    present: dict[str, set[str]] = defaultdict(set)
    for entry in claims:
        if not entry.kind:
            continue
        ftype = "CCLF" + entry.kind.attrs["cclf_type"]
        key = bundle_key(entry)
        present[key].add(ftype)
        decls = declared.get(key, {}).get(ftype, [])
        if len(decls) == 1:
            expectations[entry.file_path] = Expectation(decls[0].record_count, decls[0].record_length)
        elif len(decls) > 1:
            notes.append(f"{key}: CCLF0 lists {ftype} {len(decls)} times")
        elif key in declared:
            notes.append(f"{key}: CCLF0 has no row for {ftype}")
    for key, types in declared.items():
        for ftype in sorted(set(types) - present[key]):
            notes.append(f"{key}: CCLF0 names {ftype}, but the bundle has no such file")
    for note in notes:
        logger.warning(note)
    for entry in summaries:  # bundle-level findings travel in the CCLF0 file's ledger message
        mine = tuple(n.split(": ", 1)[1] for n in notes if n.startswith(bundle_key(entry) + ": "))
        if mine:
            expectations[entry.file_path] = Expectation(warnings=mine)
    return ingest_many(summaries, ctx, expectations) + ingest_many(claims, ctx, expectations)
