"""The parent flow and ``python -m flows.full_run``: settings → lock → download → families → dbt → summary.

Blocks it may load (named by settings): a ``Secret`` for Data Hub credentials
(``MSSP_DATAHUB_SECRET_BLOCK``), a cloud store block (``MSSP_STORE_BLOCK``) and a warehouse
block (``MSSP_WAREHOUSE_BLOCK``). Exit status: 0 all files loaded, 1 any file rejected or
failed (after all others ran), 2 bad configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext, get_run_context
from prefect.states import Completed, Failed, Pending

from blocks.warehouse import resolve_connection
from flows.cclf import cclf_flow
from flows.download import download
from flows.family import LoadContext, run_family
from tasks import interrupt
from tasks.backends import open_backend
from tasks.backends.connections import WarehouseConnection
from tasks.catalog import Catalog, build_catalog
from tasks.dbt.builds import dbt_work_root, run_dbt_builds
from tasks.demo_run import DEMO_ROOT, demo_overrides
from tasks.errors import ConfigError, DownloadError, LockError, MsspError
from tasks.interrupt import note_run
from tasks.lock import lock_path_for, run_lock
from tasks.models import FileOutcome
from tasks.report.run_report import write_run_report
from tasks.settings import DEMO_ACO_ID, Settings
from tasks.store import Store
from tasks.summary import RunSummary

FAMILY_SUBFLOWS = {"cclf": cclf_flow}
"""Families with a subflow of their own (called with ``(entries, ctx)``); every other family runs
``flows.family.family_flow``. Kept here so no family subflow imports another."""


def run_overrides(**values: object) -> dict[str, object]:
    """Settings overrides from flow parameters or CLI flags: only the ones actually given."""
    return {k: v for k, v in values.items() if v is not None}


@task(name="generate-demo-data", cache_policy=NO_CACHE)
def generate_demo_data(hub_root: Path) -> dict[str, object]:
    """Write the deterministic synthetic ACO where the fake Data Hub serves it from.

    Only files whose bytes changed are rewritten, so the hub's "Last Updated" stays put and a
    second demo run downloads nothing. Returns the fake client's settings.
    """
    import filecmp
    import shutil
    import tempfile

    from demo.fake_datahub import demo_settings
    from demo.synthetic import generate_demo

    with tempfile.TemporaryDirectory() as scratch:
        generate_demo(Path(scratch))
        for source in sorted(Path(scratch).rglob("*")):
            target = hub_root / source.relative_to(scratch)
            if source.is_file() and not (target.exists() and filecmp.cmp(source, target, shallow=False)):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
    return demo_settings(hub_root, DEMO_ROOT / "bin")


@task(name="catalog", cache_policy=NO_CACHE)
def catalog_store(store: Store, settings: Settings) -> Catalog:
    """List and classify every file in the store."""
    catalog = build_catalog(store, settings.temp_path, include_weekly=settings.include_weekly_cclf,
                            max_ratio=settings.max_expansion_ratio)
    get_run_logger().info(f"catalog: {len(catalog.entries)} files, {len(catalog.rejected)} rejected by name "
                          f"or container, {len(catalog.skipped)} skipped")
    return catalog


@task(name="record-unplaced", cache_policy=NO_CACHE)
def record_unplaced(catalog: Catalog, ctx: LoadContext) -> list[FileOutcome]:
    """Ledger rows for files the catalog could not place (name, stamp, container)."""
    from tasks.ingest import ingest_entry

    logger = get_run_logger()
    outcomes = []
    for entry in catalog.rejected:
        outcome = ingest_entry(entry, ctx.store, ctx.backend, run_id=ctx.run_id, temp_dir=ctx.temp_dir)
        logger.error(f"{entry.file_path}: rejected: {outcome.message}")
        outcomes.append(outcome)
    return outcomes


def publish(summary: RunSummary, aco_id: str | None = None) -> None:
    """The run summary artifacts, keyed per ACO (``mssp-a1234-run-summary``) so ACOs keep separate histories."""
    from flows.console import artifact_key

    create_table_artifact(key=artifact_key(aco_id, "run-summary"), table=summary.table_rows(),
                          description="Files, rows, rejects and warnings per family")
    create_markdown_artifact(key=artifact_key(aco_id, "run-report"), markdown=summary.render_markdown(),
                             description="Run summary: files that did not load and warnings")


def _flow_run_name() -> str:
    """``mssp-<ACO>-<date>``: from the run's parameters, else the profile block or environment."""
    from prefect.runtime import flow_run

    p = flow_run.parameters or {}
    aco = (p.get("aco_id") or (DEMO_ACO_ID if p.get("demo") else None) or p.get("profile_block")
           or os.environ.get("MSSP_ACO_ID") or "unset")
    return run_name(aco)


def run_name(aco: str) -> str:
    return f"mssp-{aco}-{dt.date.today().isoformat()}"


@flow(name="mssp-full-run", flow_run_name=_flow_run_name, log_prints=False)
def full_run(
    families: list[str] | None = None,
    full_refresh: bool | None = None,
    skip_download: bool = False,
    run_dbt: bool | None = None,
    run_tuva: bool | None = None,
    demo: bool = False,
    aco_id: str | None = None,
    file_store: str | None = None,
    output_type: str | None = None,
    output_location: str | None = None,
    profile_block: str | None = None,
) -> State:
    """Download, load every family, build the dbt projects and publish the run summary.

    ``profile_block`` names an ``MsspPipelineProfile`` block of settings overrides (one per ACO);
    the explicit parameters win over it.
    """
    from blocks.profile import profile_overrides

    logger = get_run_logger()
    overrides: dict[str, object] = demo_overrides() if demo else {}
    try:
        overrides.update(profile_overrides(profile_block))
    except ConfigError as exc:
        return Failed(message=f"configuration error: {exc}", data=exc)
    overrides.update(run_overrides(families=",".join(families) if families else None, full_refresh=full_refresh,
                                   run_dbt=run_dbt, run_tuva=run_tuva, aco_id=aco_id, file_store=file_store,
                                   output_type=output_type, output_location=output_location))
    if demo:
        overrides.update(generate_demo_data(DEMO_ROOT / "hub"))
    from tasks.preflight import check_settings, first_problem

    settings, checks = check_settings(overrides, demo=demo, downloading=not skip_download)
    problem = first_problem(checks)
    if settings is None or problem:  # the same checks and one line as the CLI's exit 2
        logger.error(f"configuration error: {problem}")
        return Failed(message=f"configuration error: {problem}", data=ConfigError("settings", str(problem)))
    summary = RunSummary()
    run_context = get_run_context()
    assert isinstance(run_context, FlowRunContext) and run_context.flow_run is not None  # this flow's own body
    run_id = str(run_context.flow_run.id)
    # for an interrupt's last line and cleanup
    note_run(run_id, settings.output_type, settings.output_location, settings.temp_path.resolve() / run_id)
    try:  # the lock covers the whole run: a second run on this output never loads while this one builds dbt
        with run_lock(lock_path_for(settings.output_location, settings.temp_location), wait_seconds=0):
            report_path = _run_stages(settings, summary, run_id, demo=demo, skip_download=skip_download)
    except (LockError, DownloadError, ConfigError) as exc:
        logger.error(str(exc))
        return Failed(message=str(exc), data=exc)
    for error in summary.errors:
        logger.error(error)
    print(summary.render_text())
    publish(summary, settings.aco_id)
    if report_path is not None:
        print(f"report: {report_path}")
    if not summary.ok:
        return Failed(message=summary.failure_line())
    return Completed(message="all files loaded", data=summary.table_rows())


def _run_stages(settings: Settings, summary: RunSummary, run_id: str, *, demo: bool,
                skip_download: bool) -> Path | None:
    """download → catalog + load → dbt → report (all under the run lock); the report's path."""
    if not skip_download and settings.download_mode != "skip":
        pause: dict[str, Any] = {"call_pause_seconds": 0.0, "retry_base_seconds": 0.5} if demo else {}
        with summary.stage("download"):
            summary.download = download(settings, **pause)
    connection = resolve_connection(settings)  # the warehouse block, read once for the load and dbt
    with summary.stage("catalog+load"):
        _load_everything(settings, summary, run_id, connection)
    if summary.errors:  # the output is full or held: dbt and the report would fail the same way
        return None
    work_root = dbt_work_root(settings, run_id)
    try:
        if settings.run_dbt:
            with summary.stage("dbt"):
                summary.dbt = run_dbt_builds(settings, run_id, work_root=work_root, connection=connection)
        with summary.stage("report"):
            return write_run_report(settings, summary.dbt)
    finally:
        if summary.dbt is None or summary.dbt.success:
            _remove_tree(work_root.parent)  # the run's scratch folder: nothing else is left in it
        else:
            get_run_logger().info(f"dbt work files (logs/dbt.log, target/) kept in {work_root}")


def _load_everything(settings: Settings, summary: RunSummary, run_id: str,
                     connection: WarehouseConnection) -> None:
    from blocks.store import resolve_storage_options

    store = Store(settings.file_store, resolve_storage_options(settings))
    try:
        backend = open_backend(settings.output_type, connection=connection)
    except Exception as exc:  # e.g. another process holds the DuckDB file
        _output_error(exc, settings, summary)
        return
    try:
        backend.prepare()
        ctx = LoadContext(store, backend, run_id, settings.temp_path / run_id, settings.full_refresh,
                          settings.parallelism, output_location=settings.output_location)
        catalog = catalog_store(store, settings)
        ctx.present_paths = frozenset(e.file_path for e in catalog.entries)
        summary.skipped.extend(catalog.skipped)
        summary.add(record_unplaced(catalog, ctx))
        for family in settings.families:
            entries = [e for e in catalog.entries if e.family == family]
            if entries:
                summary.add(run_family(family, entries, ctx, FAMILY_SUBFLOWS))
        if ctx.halt.reason:
            summary.errors.append(f"{ctx.halt.reason}; {ctx.halt.not_attempted} files not attempted")
        elif settings.full_refresh:
            present = {e.file_path for e in catalog.entries}
            backend.purge_missing(present, settings.families, run_id)
    except Exception as exc:
        _output_error(exc, settings, summary)
    finally:
        try:
            backend.close()
        except Exception as exc:  # the final checkpoint on a full disk
            if not summary.errors:
                _output_error(exc, settings, summary)
        _remove_tree(settings.temp_path / run_id)


def _output_error(exc: Exception, settings: Settings, summary: RunSummary) -> None:
    """A full or held output becomes one summary line; anything else is a bug and is raised."""
    from tasks.run_problems import output_problem

    line = output_problem(exc, settings.output_location)
    if line is None:
        raise exc
    summary.errors.append(line)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# Flags that override a setting: flag -> settings field (a flag error names the flag).
FLAG_FIELDS = {"--aco-id": "aco_id", "--file-store": "file_store", "--output-type": "output_type",
               "--output-location": "output_location", "--families": "families", "--full-refresh": "full_refresh",
               "--no-dbt": "run_dbt", "--tuva": "run_tuva"}
EXIT_CODES = ("exit status: 0 every file loaded (warnings allowed); 1 a file was rejected or failed, after every "
              "other file was processed; 2 bad configuration (one line naming the setting or flag)")


def _help_epilog() -> str:
    from tasks.docs import settings_rows

    lines = ["settings (environment, then .env; a flag overrides its setting):"]
    lines += [f"  {name:<36} default {default}" for name, default, _ in settings_rows()]
    lines += ["", *textwrap.wrap(EXIT_CODES, 88), "", "python -m flows.runs [RUN_ID] lists past runs from the ledger."]
    return "\n".join(lines).replace("`", "")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m flows.full_run", formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Download CMS MSSP files, load every family into the warehouse, build the dbt projects "
                    "and print the run summary.", epilog=_help_epilog())
    p.add_argument("--demo", action="store_true",
                   help="run on a generated synthetic ACO (A9999) in data/demo, served by a fake Data Hub; "
                        "needs no configuration (MSSP_* values are still checked)")
    p.add_argument("--check", action="store_true",
                   help="only check the setup (settings, store, output, temp space, Data Hub client and "
                        "credentials); print each check; exit 0 or 2")
    p.add_argument("--skip-download", action="store_true",
                   help="load what is already in the file store (no Data Hub client or credentials needed)")
    p.add_argument("--full-refresh", action="store_true", default=None,
                   help="reload every file from the store (MSSP_FULL_REFRESH)")
    p.add_argument("--families", metavar="LIST", help="comma list of families, e.g. cclf,alr (MSSP_FAMILIES)")
    p.add_argument("--no-dbt", dest="run_dbt", action="store_false", default=None,
                   help="skip the dbt builds (MSSP_RUN_DBT=false)")
    p.add_argument("--tuva", dest="run_tuva", action="store_true", default=None,
                   help="also build dbt/tuva, the Tuva Project over the Input Layer (MSSP_RUN_TUVA)")
    p.add_argument("--aco-id", metavar="ID", help="the ACO id, e.g. A1234 (MSSP_ACO_ID)")
    p.add_argument("--file-store", metavar="PATH_OR_URL", help="where the CMS files are kept (MSSP_FILE_STORE)")
    p.add_argument("--output-type", metavar="TYPE", help="DUCKDB, PARQUET, SNOWFLAKE, ... (MSSP_OUTPUT_TYPE)")
    p.add_argument("--output-location", metavar="PATH", help="the DuckDB file or Parquet root (MSSP_OUTPUT_LOCATION)")
    p.add_argument("--profile-block", metavar="NAME",
                   help="an MsspPipelineProfile block of settings overrides (read from the Prefect server)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="show Prefect's own log lines (every task run) on the console")
    return p


def parse_args(argv: list[str]) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def _flag_labels(args: argparse.Namespace) -> dict[str, str]:
    """MSSP_* name -> the flag that set it, so an error names what the user typed."""
    from tasks.settings import setting_name

    given = {field: flag for flag, field in FLAG_FIELDS.items()
             if getattr(args, field if field != "run_dbt" else "run_dbt") is not None}
    return {setting_name(field): flag for field, flag in given.items()}


def run_named(name: str, parameters: dict[str, object]) -> State:
    """Run ``full_run`` here under ``name`` from the flow run's creation (no generated name in logs or UI)."""
    from prefect.client.orchestration import get_client
    from prefect.flow_engine import run_flow

    named = full_run.with_options(flow_run_name=name)
    with get_client(sync_client=True) as client:
        flow_run = client.create_flow_run(named, name=name, parameters=named.serialize_parameters(parameters),
                                          state=Pending())
    return run_flow(named, flow_run=flow_run, parameters=parameters, return_type="state")  # type: ignore[return-value]


def main(argv: list[str] | None = None) -> int:
    from flows.console import quiet_console
    from tasks.preflight import check_settings, first_problem, render

    args = parse_args(sys.argv[1:] if argv is None else argv)
    families = args.families.split(",") if args.families else None
    overrides = demo_overrides() if args.demo else {}
    overrides.update(run_overrides(families=args.families, full_refresh=args.full_refresh, run_dbt=args.run_dbt,
                                   run_tuva=args.run_tuva, aco_id=args.aco_id, file_store=args.file_store,
                                   output_type=args.output_type,
                                   output_location=args.output_location))
    downloading = not args.skip_download
    settings, checks = check_settings(overrides, demo=args.demo, downloading=downloading,
                                      defer_block=bool(args.profile_block))
    labels = _flag_labels(args)
    if args.check:
        print(render(checks, labels))
        return 2 if first_problem(checks) else 0
    for check in checks:
        if check.warning:
            print(f"warning: {check.line(labels)}", file=sys.stderr)
    problem = first_problem(checks, labels)
    if problem:  # exit 2 with one line, before any server starts
        print(f"configuration error: {problem}", file=sys.stderr)
        return 2
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    quiet_console(args.verbose)
    aco = DEMO_ACO_ID if args.demo else (settings.aco_id if settings and not args.profile_block else None)
    parameters = dict(families=families, full_refresh=args.full_refresh, skip_download=args.skip_download,
                      run_dbt=args.run_dbt, run_tuva=args.run_tuva, demo=args.demo, aco_id=args.aco_id,
                      file_store=args.file_store,
                      output_type=args.output_type, output_location=args.output_location,
                      profile_block=args.profile_block)
    interrupt.install()  # Ctrl-C / SIGTERM: one line and exit 130 / 143 within seconds
    try:
        state = run_named(run_name(aco), parameters) if aco else full_run(**parameters, return_state=True)
    except BaseException as exc:  # after a signal, whatever unwound the flow (a dead server's refusal too)
        if interrupt.interrupted() or isinstance(exc, KeyboardInterrupt):
            interrupt.finish()
        if not isinstance(exc, MsspError):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return interrupt.exit_status(exc)
    if interrupt.interrupted():  # the flow unwound and returned a state after the signal
        interrupt.finish()
    if state.is_failed():
        print(f"run failed: {state.message or ''}", file=sys.stderr)
        return interrupt.state_exit_status(state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
