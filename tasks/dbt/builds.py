"""The pipeline's dbt stage: build each project in order after every raw load has committed.

``run_dbt_builds`` builds ``dbt/alr``, ``dbt/cclf``, ``dbt/mssp`` (and ``dbt/tuva`` when
``MSSP_RUN_TUVA`` is set) and returns a ``DbtSummary``: node names and counts only. A project
that is up to date with the ledger is skipped (DuckDB output; see ``tasks.dbt.build_state``),
so a run after a failure redoes only what did not commit; once one project builds, every
later one builds too (it reads what the earlier one wrote).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from tasks.backends.connections import WarehouseConnection
from tasks.settings import Settings
from tasks.summary import DbtSummary

if TYPE_CHECKING:
    from tasks.dbt.runner import DbtBuildResult

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECTS = ("alr", "cclf", "mssp")  # order matters: cclf reads alr.enrollment, mssp reads both
TUVA_PROJECT = "tuva"  # after cclf: its sources are cclf's input_layer tables
TUVA_OFFLINE_VARS = {
    "tuva_seeds_offline": True,  # dbt/tuva's load_seed: no download, terminology seeds stay empty
    # a dbt_utils.pivot over an empty seed cannot compile: the CMS chronic-condition mart and the
    # HCC recapture mart that reads it are off (offline they would build empty anyway)
    "cms_chronic_conditions_enabled": False,
    "hcc_recapture_enabled": False,
}
REPORTED_SCHEMAS = {TUVA_PROJECT: ("tuva_core",)}
"""Project -> the schemas whose row counts go into the summary (default: every final model's)."""


def dbt_projects(settings: Settings) -> tuple[str, ...]:
    """The projects this run builds, in order."""
    return (*DBT_PROJECTS, TUVA_PROJECT) if settings.run_tuva else DBT_PROJECTS


def _selection(settings: Settings, project: str) -> str | None:
    """The dbt selection a project builds with: ``MSSP_TUVA_SELECT`` for dbt/tuva; ours always build whole."""
    return settings.tuva_select if project == TUVA_PROJECT else None


def _failures(result: DbtBuildResult) -> list[str]:
    """What a build's failure lines name: its failed nodes, then the reason when dbt gave one
    (e.g. out of memory); without failed nodes, the reason alone."""
    if result.success:
        return []
    if not result.failed_nodes:
        return [result.message or "build"]
    return [*result.failed_nodes, *([result.message] if result.message else [])]


def _build_options(settings: Settings, project: str) -> dict[str, object]:
    """Per-project options of ``build_project``: offline Tuva copies its packages and skips the seed download;
    ``MSSP_TUVA_SELECT`` narrows Tuva's build (ours always build whole: the ledger records whole projects)."""
    options: dict[str, object] = {}
    if project != TUVA_PROJECT:
        return options
    if settings.tuva_packages_dir:
        options |= {"packages_from": Path(settings.tuva_packages_dir).expanduser().resolve(),
                    "dbt_vars": TUVA_OFFLINE_VARS}
    selection = _selection(settings, project)
    if selection:  # tests run only when all their parents are built (a test of core and a seed
        # outside the selection would otherwise fail on the missing seed)
        options |= {"select": selection.split(), "indirect_selection": "cautious"}
    return options


def _reported(project: str, row_counts: dict[str, int]) -> dict[str, int]:
    schemas = REPORTED_SCHEMAS.get(project)
    return {r: n for r, n in row_counts.items() if schemas is None or r.split(".", 1)[0] in schemas}


def dbt_work_root(settings: Settings, run_id: str) -> Path:
    """This run's dbt work folder (profiles.yml, target/, logs/, packages), absolute, in the temp location."""
    return settings.temp_path.resolve() / run_id / "dbt"


def _logger() -> logging.Logger | logging.LoggerAdapter:
    """The Prefect run logger inside a run, else this module's logger."""
    from prefect.exceptions import MissingContextError
    from prefect.logging import get_run_logger

    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def run_dbt_builds(settings: Settings, run_id: str, *, force: bool = False,
                   work_root: Path | None = None, connection: WarehouseConnection | None = None) -> DbtSummary:
    """Build the owed projects; failures name their nodes. dbt's work files go to ``work_root/<project>``.

    ``work_root`` defaults to this run's folder in the temp location (``dbt_work_root``).
    ``connection``: the warehouse connection the flow resolved (``blocks.warehouse.resolve_connection``).
    """
    from tasks.dbt.build_state import needs_build, record_build

    logger = _logger()
    warehouse = Path(settings.output_location) if settings.output_type == "DUCKDB" else None
    results: dict[str, DbtBuildResult] = {}
    run_results: list[Path] = []
    rows: dict[str, int] = {}
    skipped: list[str] = []
    for project in dbt_projects(settings):
        selection = _selection(settings, project)
        owed = (force or settings.full_refresh or results or warehouse is None
                or needs_build(warehouse, project, selection))
        if not owed:
            skipped.append(project)
            logger.info(f"dbt/{project}: up to date with the ledger, not rebuilt")
            continue
        from tasks.dbt.runner import build_project  # imports dbt (~1 s): only when a project is owed

        work_dir = (work_root or dbt_work_root(settings, run_id)) / project
        result = build_project(PROJECT_ROOT / "dbt" / project, settings, full_refresh=settings.full_refresh,
                               connection=connection, work_dir=work_dir, **_build_options(settings, project))  # type: ignore[arg-type]
        if warehouse is not None:
            record_build(warehouse, run_id, project, result.success, list(result.failed_nodes), selection)
        results[project] = result
        run_results.append(work_dir / "target" / "run_results.json")
        rows.update(_reported(project, result.row_counts))
        if result.success:
            logger.info(f"dbt/{project}: {result.status_counts}")
        else:
            logger.error(f"dbt/{project} failed: {', '.join(_failures(result))}")
    failed = [f"dbt/{p}: {n}" for p, r in results.items() for n in _failures(r)]
    warned = [f"dbt/{p}: {n}" for p, r in results.items() for n in r.warned_nodes]
    for node in warned:
        logger.warning(f"dbt warning: {node}")
    return DbtSummary(success=not failed, failed_nodes=failed, warned_nodes=warned, row_counts=rows,
                      skipped=skipped, status_counts={p: r.status_counts for p, r in results.items()},
                      run_results=[p for p in run_results if p.exists()])
