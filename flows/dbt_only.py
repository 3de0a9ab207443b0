"""Rebuild the dbt projects only (no download, no load): ``python -m flows.dbt_only``.

For a failed dbt step or a model change: builds ``dbt/alr``, ``dbt/cclf`` then ``dbt/mssp`` (and
``dbt/tuva`` when ``MSSP_RUN_TUVA`` is set) from the raw tables already in the warehouse, under
the same run lock as ``full_run`` so it never interleaves with a load of the same output. Like
``full_run`` it skips a project the ledger says is up to date (built after the last load);
``full_refresh`` rebuilds them all from scratch.
Publishes the ``mssp-dbt-summary`` markdown artifact and (DuckDB) rewrites the HTML report.
A failed build ends Failed naming its nodes.

Blocks it may load: an ``MsspPipelineProfile`` (``profile_block`` parameter) and the warehouse
block named by ``MSSP_WAREHOUSE_BLOCK``. Exit status: 0 built, 1 a node failed or the lock is
held, 2 bad configuration.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.client.schemas.objects import State
from prefect.context import FlowRunContext, get_run_context
from prefect.states import Completed, Failed

from blocks.profile import profile_overrides
from blocks.warehouse import resolve_connection
from tasks.dbt.builds import run_dbt_builds
from tasks.demo_run import demo_overrides
from tasks.errors import ConfigError, LockError
from tasks.lock import lock_path_for, run_lock
from tasks.report.run_report import write_run_report
from tasks.settings import load_settings
from tasks.summary import DbtSummary, RunSummary


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters or {}
    aco = params.get("aco_id") or ("demo" if params.get("demo") else "") or "profile"
    return f"mssp-dbt-{aco}-{dt.date.today().isoformat()}"


def dbt_markdown(summary: RunSummary) -> str:
    """The dbt part of the run summary: status, failed nodes, final row counts."""
    dbt = summary.dbt or DbtSummary()
    lines = [f"### dbt builds: {'ok' if dbt.success else 'failed'}"]
    lines += [f"- up to date, not rebuilt: `dbt/{project}`" for project in dbt.skipped]
    lines += [f"- failed: `{node}`" for node in dbt.failed_nodes]
    lines += [f"- `{rel}`: {count} rows" for rel, count in sorted(dbt.row_counts.items())]
    return "\n".join(lines)


@flow(name="mssp-dbt-only", flow_run_name=_flow_run_name, log_prints=False)
def dbt_only(
    full_refresh: bool = False,
    demo: bool = False,
    aco_id: str | None = None,
    output_type: str | None = None,
    output_location: str | None = None,
    profile_block: str | None = None,
) -> State:
    """Build dbt/alr, dbt/cclf and dbt/mssp from the loaded raw tables; Failed names the failed nodes."""
    logger = get_run_logger()
    try:
        overrides: dict[str, object] = demo_overrides() if demo else {}
        overrides.update(profile_overrides(profile_block))
        overrides.update({k: v for k, v in {"aco_id": aco_id, "output_type": output_type,
                                            "output_location": output_location,
                                            "full_refresh": full_refresh or None}.items() if v is not None})
        settings = load_settings(**overrides)
        connection = resolve_connection(settings)  # the warehouse block, read once for dbt
    except ConfigError as exc:
        return Failed(message=f"configuration error: {exc}")
    summary = RunSummary()
    run_context = get_run_context()
    assert isinstance(run_context, FlowRunContext) and run_context.flow_run is not None  # this flow's own body
    try:
        with run_lock(lock_path_for(settings.output_location, settings.temp_location), wait_seconds=0):
            summary.dbt = run_dbt_builds(settings, str(run_context.flow_run.id), force=True,
                                         connection=connection)
    except LockError as exc:
        logger.error(str(exc))
        return Failed(message=str(exc))
    create_markdown_artifact(key="mssp-dbt-summary", markdown=dbt_markdown(summary),
                             description="dbt-only rebuild: status, failed nodes, row counts")
    report_path = write_run_report(settings, summary.dbt)
    if report_path is not None:
        logger.info(f"report: {report_path}")
    if not summary.ok:
        return Failed(message=summary.failure_line())
    return Completed(message="dbt builds ok")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flows.dbt_only", description=__doc__.splitlines()[0])
    p.add_argument("--demo", action="store_true", help="the demo warehouse (data/demo/mssp.duckdb)")
    p.add_argument("--full-refresh", action="store_true")
    p.add_argument("--aco-id")
    p.add_argument("--output-type")
    p.add_argument("--output-location")
    p.add_argument("--profile-block", help="name of an MsspPipelineProfile block")
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    state = dbt_only(full_refresh=args.full_refresh, demo=args.demo, aco_id=args.aco_id,
                     output_type=args.output_type, output_location=args.output_location,
                     profile_block=args.profile_block, return_state=True)
    if state.is_failed():
        print(f"run failed: {state.message}", file=sys.stderr)
        return 2 if (state.message or "").startswith("configuration error") else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
