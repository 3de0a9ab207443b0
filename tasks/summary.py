"""The run summary: per-family counts of files, rows, rejects and warnings (never record values)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tasks.models import FileOutcome

STATUSES = ("loaded", "replaced", "unchanged", "rejected", "failed", "duplicate", "removed")
"""Every ledger status; only ``rejected`` and ``failed`` are failures (see ``failed_files``)."""


@dataclass
class FamilySummary:
    family: str
    files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0


@dataclass
class DbtSummary:
    """The dbt stage's outcome (``tasks.dbt.builds.run_dbt_builds``): node names and counts only.

    Node names are prefixed with their project (``dbt/cclf: medical_claim``).
    """

    success: bool = True
    failed_nodes: list[str] = field(default_factory=list)
    warned_nodes: list[str] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)  # schema.relation -> rows of the final models
    skipped: list[str] = field(default_factory=list)  # projects up to date with the ledger, not rebuilt
    status_counts: dict[str, dict[str, int]] = field(default_factory=dict)  # project -> dbt status -> nodes
    run_results: list[Path] = field(default_factory=list)  # each built project's run_results.json


@dataclass
class RunSummary:
    outcomes: list[FileOutcome] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. CCLF0 rows naming absent members
    dbt: DbtSummary | None = None  # set when the dbt stage ran
    download: object | None = None  # flows.download.DownloadSummary when a download ran
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    errors: list[str] = field(default_factory=list)  # run-level: the output full or held (one line each)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        from tasks.interrupt import in_stage

        started = time.perf_counter()
        try:
            with in_stage(name):  # where an interrupt stopped the run
                yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - started

    def add(self, outcomes: Iterable[FileOutcome]) -> None:
        self.outcomes.extend(outcomes)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in ("rejected", "failed")]

    @property
    def download_failed(self) -> dict[str, str]:
        return dict(getattr(self.download, "failed", {}) or {})

    @property
    def ok(self) -> bool:
        return (not self.errors and not self.failed_files and not self.download_failed
                and (self.dbt is None or self.dbt.success))

    def failure_line(self) -> str:
        """One line naming what failed: files, then dbt nodes."""
        parts = list(self.errors)
        if self.download_failed:
            parts.append(f"{len(self.download_failed)} files did not download: "
                         + ", ".join(sorted(self.download_failed)[:5]))
        if self.failed_files:
            names = ", ".join(o.file_path for o in self.failed_files[:5])
            more = len(self.failed_files) - 5
            tail = f" and {more} more" if more > 0 else ""
            parts.append(f"{len(self.failed_files)} files did not load: {names}{tail}")
        if self.dbt is not None and not self.dbt.success:
            parts.append("dbt failed: " + ", ".join(self.dbt.failed_nodes[:5]))
        return "; ".join(parts) or "run failed"

    def by_family(self) -> list[FamilySummary]:
        out: dict[str, FamilySummary] = {}
        for o in self.outcomes:
            fam = out.setdefault(o.family or "(unplaced)", FamilySummary(o.family or "(unplaced)"))
            fam.files[o.status] += 1
            fam.rows_loaded += o.rows_loaded
            fam.rows_rejected += o.rows_rejected
            fam.warnings += len(o.warnings)
        return sorted(out.values(), key=lambda f: f.family)

    def table_rows(self) -> list[dict[str, object]]:
        return [
            {"family": f.family, **{f"files_{s}": n for s, n in f.files.items()},
             "rows_loaded": f.rows_loaded, "rows_rejected": f.rows_rejected, "warnings": f.warnings}
            for f in self.by_family()
        ]

    def render_text(self) -> str:
        header = f"{'family':<18}{'loaded':>8}{'replaced':>9}{'unchanged':>10}{'rejected':>9}{'failed':>7}" \
                 f"{'rows':>11}{'rejects':>9}{'warnings':>9}"
        lines = ["Run summary", *(f"ERROR: {e}" for e in self.errors)]
        if self.download is not None:
            lines.append(self.download.render())  # type: ignore[attr-defined]
        redone = [o for o in self.outcomes if o.status in ("loaded", "replaced")]
        if redone and any(o.status == "unchanged" for o in self.outcomes):
            unchanged = sum(o.status == "unchanged" for o in self.outcomes)
            lines.append(f"incremental: {len(redone)} files loaded or replaced; {unchanged} already committed "
                         "and unchanged")
        lines.append(header)
        for f in self.by_family():
            lines.append(f"{f.family:<18}{f.files['loaded']:>8}{f.files['replaced']:>9}{f.files['unchanged']:>10}"
                         f"{f.files['rejected']:>9}{f.files['failed']:>7}{f.rows_loaded:>11}{f.rows_rejected:>9}"
                         f"{f.warnings:>9}")
        for o in self.failed_files:
            lines.append(f"{o.status.upper()}: {o.file_path}: {o.message}")
        for o in self.outcomes:
            if o.status == "duplicate":  # not a failure, but the operator should know
                lines.append(f"DUPLICATE: {o.file_path}: {o.message}")
        for o in self.outcomes:
            for w in o.warnings:
                lines.append(f"WARNING: {o.file_path}: {w}")
        lines.extend(f"NOTE: {n}" for n in self.notes)
        if self.timings:
            lines.append("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in self.timings.items()))
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} non-data or unprocessed files")
        if self.dbt is not None:
            lines.append(f"dbt builds: {'ok' if self.dbt.success else 'FAILED'}")
            for project in self.dbt.skipped:
                lines.append(f"  dbt/{project}: up to date, not rebuilt")
            for node in self.dbt.failed_nodes:
                lines.append(f"DBT FAILED: {node}")
            for node in self.dbt.warned_nodes:
                lines.append(f"DBT WARNING: {node}")
            for relation, count in sorted(self.dbt.row_counts.items()):
                lines.append(f"  {relation:<40}{count:>10} rows")
        return "\n".join(lines)

    def render_markdown(self) -> str:
        rows = self.table_rows()
        if not rows:
            return "\n".join([*(f"**Error:** {e}\n" for e in self.errors), "No files were found in the store."])
        cols = list(rows[0])
        md = [*(f"**Error:** {e}\n" for e in self.errors), "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
        md += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
        problems = [f"- **{o.status}** `{o.file_path}`: {o.message}" for o in self.failed_files]
        warnings = [f"- `{o.file_path}`: {w}" for o in self.outcomes for w in o.warnings]
        if problems:
            md += ["", "### Files that did not load", *problems]
        if self.dbt is not None:
            md += ["", f"### dbt builds: {'ok' if self.dbt.success else 'failed'}"]
            md += [f"- failed: `{n}`" for n in self.dbt.failed_nodes]
            md += [f"- warning: `{n}`" for n in self.dbt.warned_nodes]
            md += [f"- `{r}`: {c} rows" for r, c in sorted(self.dbt.row_counts.items())]
        if warnings:
            md += ["", "### Warnings", *warnings]
        return "\n".join(md)
