"""Run the dbt projects (``dbt/alr``, ``dbt/cclf``) and summarise the outcome per node.

Plain functions, wrapped by the flows:

- ``write_profiles(settings, profiles_dir)`` writes a ``profiles.yml`` (profile ``mssp``)
  for the configured output; one builder per output type in ``tasks.dbt.profiles``.
- ``build_project(project_dir, settings, ...)`` runs ``dbt deps`` (when the project has
  packages) and ``dbt build`` through dbt's own ``dbtRunner``; inside a Prefect run, models
  finished are counted in a progress artifact and dbt's warnings and errors go to the run's
  logger. With ``MSSP_DBT_NODE_TASKS`` it goes through prefect-dbt's ``PrefectDbtRunner``
  instead, so every dbt node shows up as a Prefect task (measured: about 0.1 s and several API
  calls per node, 40 s of a full ACO year's 330 nodes; Tuva alone has 1,255).
  ``target/``, ``logs/`` and the installed packages go to a temporary directory (or the given
  ``work_dir``, made absolute), never into the project.

The result (``DbtBuildResult``) carries counts and node names only, never row values.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from tasks.artifacts import ProgressArtifact, artifact_key
from tasks.backends.connections import WarehouseConnection
from tasks.errors import DbtBuildFailed  # noqa: F401  (re-exported: defined in the error tree)
from tasks.settings import OutputType, Settings

PROFILE_NAME = "mssp"
TARGET_NAME = "default"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
OUT_OF_MEMORY = "DuckDB ran out of memory: raise MSSP_DUCKDB_MEMORY_LIMIT"
DbtLogLevel = Literal["debug", "info", "warn", "error", "none"]


@dataclass(frozen=True)
class DbtBuildResult:
    """Outcome of one ``dbt build``: node names and counts only."""

    project: str
    success: bool
    failed_nodes: tuple[str, ...] = ()
    warned_nodes: tuple[str, ...] = ()
    status_counts: dict[str, int] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    message: str | None = None

    def raise_for_failure(self) -> None:
        if not self.success:
            raise DbtBuildFailed(self.project, self.failed_nodes, self.message)


# --------------------------------------------------------------------------- profiles


def profile_output(settings: Settings, connection: WarehouseConnection | None = None) -> dict[str, Any]:
    """The dbt output (target) for the configured output type (built in ``tasks.dbt.profiles``)."""
    from tasks.dbt.profiles import dbt_profile

    return dbt_profile(settings, connection)


def write_profiles(settings: Settings, profiles_dir: Path, connection: WarehouseConnection | None = None) -> Path:
    """Write ``profiles.yml`` (profile ``mssp``) into ``profiles_dir``; return its path.

    ``connection``: the warehouse connection the flow resolved (``blocks.warehouse``); None for
    outputs that need no block."""
    profiles_dir.mkdir(parents=True, exist_ok=True)
    profiles = {PROFILE_NAME: {"target": TARGET_NAME, "outputs": {TARGET_NAME: profile_output(settings, connection)}}}
    path = profiles_dir / "profiles.yml"
    path.write_text(yaml.safe_dump(profiles, sort_keys=False), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- running


def _in_prefect_run() -> bool:
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def work_env(work_dir: Path, log_level: DbtLogLevel) -> dict[str, str]:
    """dbt's environment for one build: logs and packages in ``work_dir`` (never the code tree), no colours.

    ``DBT_PACKAGES_INSTALL_PATH`` is read by each project's ``packages-install-path``, so two runs
    (on two outputs) never share ``dbt/<project>/dbt_packages``; the local package
    ``../mssp_common`` still resolves against the project directory.
    """
    return {"DBT_LOG_LEVEL": log_level, "DBT_LOG_PATH": str(work_dir / "logs"),
            "DBT_PACKAGES_INSTALL_PATH": str(work_dir / "dbt_packages"), "DBT_USE_COLORS": "false"}


@contextlib.contextmanager
def _env(name: str, value: str) -> Iterator[None]:
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _invoke(
    args: list[str],
    project_dir: Path,
    profiles_dir: Path,
    target_path: Path,
    log_level: DbtLogLevel,
    use_prefect: bool,
    on_model: Callable[[], None] | None = None,
) -> Any:
    """One dbt command; returns the dbtRunnerResult (never raises on node failures).

    ``on_model`` is called as each model finishes (Prefect runs only: prefect-dbt's hook).
    """
    if use_prefect:  # one Prefect task per node
        from dbt_common.events.base_types import EventLevel
        from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

        level = EventLevel.WARN if log_level == "none" else EventLevel(log_level)
        runner = PrefectDbtRunner(
            settings=PrefectDbtSettings(
                project_dir=project_dir,
                profiles_dir=profiles_dir,
                target_path=target_path,
                log_level=level,
            ),
            raise_on_failure=False,
        )
        if on_model is not None:
            runner.post_model(lambda context: on_model())
        result = runner.invoke(args)
        _join_node_threads()
        return result
    from dbt.cli.main import dbtRunner

    paths = ["--project-dir", str(project_dir), "--profiles-dir", str(profiles_dir)]
    if args[0] != "deps":
        paths += ["--target-path", str(target_path)]
    callbacks, stdout_level = [], log_level
    if _in_prefect_run():  # dbt's lines go to the run's logger (and so to the UI), not to stdout
        callbacks.append(_to_run_logger(log_level))
        stdout_level = "none"
    if on_model is not None:
        callbacks.append(_on_model_finished(on_model))
    return dbtRunner(callbacks=callbacks).invoke([*args, *paths, "--log-level", stdout_level])


_LOG_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warn": logging.WARNING, "error": logging.ERROR}


def _to_run_logger(log_level: DbtLogLevel) -> Callable[[Any], None]:
    """A dbt event callback logging each event at or above ``log_level`` to this Prefect run's logger.

    The logger is taken here, in the run's thread: dbt calls back from its node threads, which
    carry no Prefect run context. Messages are dbt's own lines (node names, counts, SQL errors),
    never row values.
    """
    from prefect.logging import get_run_logger

    logger = get_run_logger()
    threshold = _LOG_LEVELS.get(log_level, logging.CRITICAL + 1)

    def callback(event: Any) -> None:
        level = _LOG_LEVELS.get(str(event.info.level), logging.INFO)
        if level >= threshold and event.info.msg:
            logger.log(level, str(event.info.msg))

    return callback


def _on_model_finished(on_model: Callable[[], None]) -> Callable[[Any], None]:
    """A dbt event callback calling ``on_model`` as each model node finishes (tests and seeds do not count)."""

    def callback(event: Any) -> None:
        if event.info.name == "NodeFinished" and event.data.node_info.resource_type == "model":
            on_model()

    return callback


def _join_node_threads(timeout: float = 120.0) -> None:
    """Wait for prefect-dbt's per-node task threads (daemon threads it never joins).

    Left running, they report task states after the flow has finished or while the
    interpreter shuts down, which Prefect logs as errors.
    """
    import threading
    import time

    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.endswith("(run_task)") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def _summarise(project: str, res: Any, work_dir: Path | None = None) -> DbtBuildResult:
    results = list(getattr(res.result, "results", None) or [])

    def status(r: Any) -> str:
        return str(getattr(r.status, "value", r.status))

    def names(statuses: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted(r.node.name for r in results if status(r) in statuses))

    counts = Counter(status(r) for r in results)

    failed = names(FAILED_STATUSES)
    message = str(res.exception) if res.exception is not None else None
    if isinstance(res.exception, OSError):
        message = os_error_line(res.exception, work_dir)
    if any("Out of Memory Error" in (getattr(r, "message", None) or "") for r in results
           if status(r) in FAILED_STATUSES):
        message = OUT_OF_MEMORY  # the one failure an operator mends with a setting
    return DbtBuildResult(
        project=project,
        success=bool(res.success) and not failed,
        failed_nodes=failed,
        warned_nodes=names(frozenset({"warn"})),
        status_counts=dict(sorted(counts.items())),
        message=message,
    )


def _final_relations(res: Any) -> list[tuple[str, str, str]]:
    """(database, schema, alias) of models built into a user-facing schema (no ``_`` prefix)."""
    relations = []
    for r in getattr(res.result, "results", None) or []:
        node = r.node
        status = str(getattr(r.status, "value", r.status))
        if node.resource_type == "model" and status == "success" and not node.schema.startswith("_"):
            relations.append((node.database, node.schema, node.alias))
    return sorted(relations)


def _duckdb_row_counts(settings: Settings, relations: list[tuple[str, str, str]]) -> dict[str, int]:
    import duckdb

    counts: dict[str, int] = {}
    with duckdb.connect(str(Path(settings.output_location).expanduser().resolve())) as con:
        for database, schema, alias in relations:
            row = con.execute(f'select count(*) from "{database}"."{schema}"."{alias}"').fetchone()
            counts[f"{schema}.{alias}"] = int(row[0]) if row else 0
    return counts


ROW_COUNTERS: dict[OutputType, Callable[[Settings, list[tuple[str, str, str]]], dict[str, int]]] = {
    "DUCKDB": _duckdb_row_counts,
}
"""Output type -> row counter of the final relations (missing: no row counts)."""


def build_project(
    project_dir: Path,
    settings: Settings,
    *,
    connection: WarehouseConnection | None = None,
    dbt_vars: Mapping[str, Any] | None = None,
    full_refresh: bool = False,
    select: Sequence[str] | None = None,
    work_dir: Path | None = None,
    use_prefect: bool | None = None,
    log_level: DbtLogLevel = "warn",
    packages_from: Path | None = None,
    indirect_selection: str | None = None,
) -> DbtBuildResult:
    """Run ``dbt deps`` (if the project has packages) and ``dbt build`` for one project.

    ``project_dir`` must be absolute (``<repo>/dbt/alr`` or ``<repo>/dbt/cclf``).
    ``connection``: the warehouse connection the flow resolved (None: an output that needs no block).
    ``work_dir`` receives profiles.yml, target/ and logs/ (default: a temporary directory
    removed afterwards). ``use_prefect`` (one Prefect task per node) defaults to ``settings.dbt_node_tasks``
    inside a Prefect flow or task run, else False.
    ``packages_from`` (offline): a folder of installed packages copied in instead of ``dbt deps``.
    ``indirect_selection`` (with ``select``): dbt's ``--indirect-selection`` (``cautious``: only the tests
    whose parents are all selected).
    """
    if not project_dir.is_absolute():
        raise ValueError(f"dbt project dir must be absolute: {project_dir}")
    try:
        return _build(project_dir, settings, connection=connection,
                      dbt_vars=dbt_vars, full_refresh=full_refresh, select=select,
                      work_dir=work_dir, use_prefect=use_prefect, log_level=log_level, packages_from=packages_from,
                      indirect_selection=indirect_selection)
    except OSError as exc:  # the work dir's disk full or unwritable: one line naming it
        return DbtBuildResult(project=project_dir.name, success=False, message=os_error_line(exc, work_dir))


def model_count(project_dir: Path) -> int:
    """The project's own models (one ``.sql`` file each under ``models/``): the dbt progress total."""
    return sum(1 for _ in (project_dir / "models").rglob("*.sql"))


def install_offline(project_dir: Path, packages_from: Path, install_dir: Path) -> None:
    """Offline ``dbt deps``: copy each package in ``packages_from``, and the project's ``local:`` packages."""
    import shutil

    config = yaml.safe_load((project_dir / "packages.yml").read_text()) if (project_dir / "packages.yml").exists() \
        else {}
    local = [project_dir / p["local"] for p in (config or {}).get("packages", []) if "local" in p]
    for package in [*sorted(p for p in packages_from.iterdir() if p.is_dir()), *local]:
        shutil.copytree(package.resolve(), install_dir / package.resolve().name, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", ".git"))


def os_error_line(exc: OSError, work_dir: Path | None) -> str:
    """``dbt could not write under <path> (MSSP_TEMP_LOCATION): No space left on device``."""
    where = exc.filename or work_dir or "its temporary directory"
    return f"dbt could not write under {where} (MSSP_TEMP_LOCATION): {exc.strerror or exc}"


def _build(
    project_dir: Path,
    settings: Settings,
    *,
    connection: WarehouseConnection | None = None,
    dbt_vars: Mapping[str, Any] | None,
    full_refresh: bool,
    select: Sequence[str] | None,
    work_dir: Path | None,
    use_prefect: bool | None,
    log_level: DbtLogLevel,
    packages_from: Path | None = None,
    indirect_selection: str | None = None,
) -> DbtBuildResult:
    project = project_dir.name
    in_run = _in_prefect_run()
    prefect_path = (in_run and settings.dbt_node_tasks) if use_prefect is None else use_prefect
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dbt-")))
        # absolute: dbt resolves a relative target path against the project, i.e. in the code tree
        work_dir = Path(os.path.abspath(work_dir))
        profiles_dir, target_path = work_dir / "profiles", work_dir / "target"
        write_profiles(settings, profiles_dir, connection)
        for name, value in work_env(work_dir, log_level).items():
            stack.enter_context(_env(name, value))

        def invoke(args: list[str], on_model: Callable[[], None] | None = None) -> Any:
            return _invoke(args, project_dir, profiles_dir, target_path, log_level, prefect_path, on_model)

        if packages_from is not None:
            install_offline(project_dir, packages_from, work_dir / "dbt_packages")
        elif (project_dir / "packages.yml").exists() or (project_dir / "dependencies.yml").exists():
            deps = invoke(["deps"])
            if not deps.success:
                cause = deps.exception
                detail = os_error_line(cause, work_dir) if isinstance(cause, OSError) else str(cause)
                return DbtBuildResult(project=project, success=False, message=f"dbt deps failed: {detail}")
        if project == "mssp":  # the savings estimate's track (setting MSSP_TRACK)
            dbt_vars = {"mssp_track": settings.track, **(dbt_vars or {})}
        args = ["build"]
        if full_refresh:
            args.append("--full-refresh")
        if dbt_vars:
            args += ["--vars", yaml.safe_dump(dict(dbt_vars), default_flow_style=True).strip()]
        if select:
            args += ["--select", *select]
            if indirect_selection:
                args += ["--indirect-selection", indirect_selection]
        progress = ProgressArtifact(
            model_count(project_dir) if in_run and not select else 0,
            key=artifact_key(settings.aco_id, f"dbt-{project}-progress"),
            description=f"dbt/{project}: models built of the project's models")
        try:
            res = invoke(args, on_model=progress.step if progress.artifact_id else None)
            if res.success:
                progress.finish()  # models skipped as up to date still count as done
        except ValueError as exc:  # PrefectDbtRunner raises on a dbt exception
            return DbtBuildResult(project=project, success=False, message=str(exc))
        result = _summarise(project, res, work_dir)
        counter = ROW_COUNTERS.get(settings.output_type)
        relations = _final_relations(res)
        if counter is None or not relations:
            return result
        return dataclasses.replace(result, row_counts=counter(settings, relations))
