"""The dbt section: a summary of dbt's ``run_results.json`` from the last build(s).

Only statuses, counts, node names and dbt's own messages (scrubbed) are shown; dbt's
failure messages state counts ("Got 3 results, configured to fail if != 0"), not rows.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tasks.report.model import Section, Table
from tasks.report.privacy import format_count, scrub_text

REPO_ROOT = Path(__file__).resolve().parents[2]
KNOWN_LOCATIONS = (
    REPO_ROOT / "dbt" / "alr" / "target" / "run_results.json",
    REPO_ROOT / "dbt" / "cclf" / "target" / "run_results.json",
)
"""Where ``dbt build`` leaves its results by default (``target-path: target``)."""
OK_STATUSES = {"pass", "success"}
MAX_PROBLEMS = 100


@dataclass
class DbtRun:
    path: Path
    generated_at: str
    command: str
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(resource type, status) -> nodes."""
    problems: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(node, status, failures, message) of every node that did not pass."""


def find_results(paths: Sequence[Path] | None) -> list[Path]:
    """Given paths that exist; with ``None``, the known locations that exist."""
    candidates = KNOWN_LOCATIONS if paths is None else paths
    return [Path(p) for p in candidates if Path(p).is_file()]


def parse_results(path: Path) -> DbtRun:
    """Read one run_results.json; ValueError when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data["results"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a dbt run_results.json ({type(exc).__name__})") from None
    metadata = data.get("metadata") or {}
    args = data.get("args") or {}
    run = DbtRun(
        path=path,
        generated_at=str(metadata.get("generated_at") or "unknown"),
        command=str(args.get("which") or "unknown"),
    )
    for result in results:
        node = str(result.get("unique_id") or "unknown")
        status = str(result.get("status") or "unknown").lower()
        run.counts[(node.split(".", 1)[0], status)] += 1
        if status not in OK_STATUSES:
            failures = result.get("failures")
            run.problems.append(
                (
                    node,
                    status,
                    "" if failures is None else str(failures),
                    scrub_text(result.get("message")),
                )
            )
    return run


def keep_latest_results(paths: Sequence[Path], archive: Path) -> list[Path]:
    """Keep each project's newest ``run_results.json`` in ``archive/<project>/target/``; all kept, by project.

    A run that skips an up-to-date project still reports that project's last build (the work
    folder of the run that built it is gone by then).
    """
    import shutil

    for path in paths:
        project = path.parent.parent.name if path.parent.name == "target" else path.parent.name
        dest = archive / project / "target" / "run_results.json"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return sorted(archive.glob("*/target/run_results.json"))


def dbt_section(paths: Sequence[Path] | None) -> Section:
    section = Section(
        key="dbt",
        title="dbt tests and models",
        intro="Results of the last dbt build of each project, from dbt's run_results.json.",
    )
    found = find_results(paths)
    if not found:
        section.notes.append("No dbt results found.")
        return section
    for path in found:
        try:
            run = parse_results(path)
        except ValueError as exc:
            section.notes.append(str(exc))
            continue
        project = path.parent.parent.name if path.parent.name == "target" else path.parent.name
        statuses = sorted({status for _, status in run.counts})
        types = sorted({kind for kind, _ in run.counts})
        section.tables.append(
            Table(
                title=f"dbt {run.command} of {project} at {run.generated_at}",
                columns=("resource type", *statuses, "total"),
                rows=[
                    (
                        kind,
                        *(format_count(run.counts[(kind, s)], suppress=False) for s in statuses),
                        format_count(sum(run.counts[(kind, s)] for s in statuses), suppress=False),
                    )
                    for kind in types
                ],
                note=str(path),
            )
        )
        if run.problems:
            section.tables.append(
                Table(
                    title=f"{project}: nodes that did not pass",
                    columns=("node", "status", "failures", "message"),
                    rows=list(run.problems[:MAX_PROBLEMS]),
                    flagged=frozenset(
                        i
                        for i, p in enumerate(run.problems[:MAX_PROBLEMS])
                        if p[1] in {"fail", "error"}
                    ),
                    note=(
                        f"… and {len(run.problems) - MAX_PROBLEMS:,} more."
                        if len(run.problems) > MAX_PROBLEMS
                        else ""
                    ),
                )
            )
    return section
