"""Download subflow: new and changed Data Hub files into the file store (mssp_files.md §5).

Requirements:
- ``MSSP_DATAHUB_CLI``: the CMS ``acoms-cli`` (or ``demo.fake_datahub`` for tests and --demo)
- credentials: the Prefect ``Secret`` block named by ``MSSP_DATAHUB_SECRET_BLOCK``, or
  ``MSSP_DATAHUB_API_KEY`` / ``MSSP_DATAHUB_API_SECRET``
- a cloud file store: the block named by ``MSSP_STORE_BLOCK``, or the standard environment

Per year (``MSSP_START_YEAR`` … next year): ``--list`` → allow-listed codes → ``--view`` →
needed files → one retried task per (year, code) ``--download``. Authentication and access
errors end the run (``DownloadError``, one line); other failures are collected in the summary.

    uv run python -m flows.download     # exit 0 all done, 1 failures, 2 bad configuration
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from blocks.datahub import resolve_datahub_credentials
from blocks.store import resolve_storage_options
from tasks.datahub.client import AcomsCli, DatahubClient, RemoteFile
from tasks.datahub.state import (
    CodeResult,
    DownloadState,
    fetch_code,
    file_key,
    needed_files,
    now_stamp,
    remove_orphans,
    state_lock,
)
from tasks.errors import ConfigError, DatahubFatalError, DownloadError, MsspError, TransientError
from tasks.families import PROCESSED_CODES, WEEKLY_CCLF_CODE
from tasks.settings import Settings, load_settings
from tasks.store import Store

RETRIES = 3
RETRY_BASE_SECONDS = 10.0


@dataclass
class DownloadSummary:
    """Counts and store keys (``ACO/YEAR/CODE/name``) of one download run; no contents."""

    files_listed: int = 0
    files_needed: int = 0
    downloaded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # key or ACO/YEAR/CODE -> reason
    codes_skipped: list[str] = field(default_factory=list)  # YEAR/CODE not allow-listed

    @property
    def ok(self) -> bool:
        return not self.failed

    def render(self) -> str:
        lines = [
            f"download: {self.files_listed} listed, {self.files_needed} needed, "
            f"{len(self.downloaded)} downloaded, {len(self.failed)} failed"
        ]
        lines += [f"  failed {key}: {reason}" for key, reason in sorted(self.failed.items())]
        return "\n".join(lines)


def _is_transient(task: object, task_run: object, state: object) -> bool:
    """Retry only errors that can succeed on a second try."""
    try:
        state.result()  # type: ignore[attr-defined]
    except TransientError:
        return True
    except Exception:
        return False
    return False


_RETRYING: dict[str, Any] = dict(retries=RETRIES, retry_jitter_factor=0.5, retry_condition_fn=_is_transient,
                 cache_policy=NO_CACHE)


@task(name="datahub-list", **_RETRYING)
def list_codes(client: DatahubClient, aco: str, year: int) -> list[str]:
    """File-type codes the Data Hub lists for one performance year."""
    return client.list_codes(aco, year)


@task(name="datahub-view", **_RETRYING)
def view_code(client: DatahubClient, aco: str, year: int, code: str) -> list[RemoteFile]:
    """Files the Data Hub lists for one (year, code)."""
    return client.view(aco, year, code)


@task(name="datahub-download", **_RETRYING)
def download_code(
    client: DatahubClient, store: Store, aco: str, year: int, code: str,
    needed: list[RemoteFile], staging_root: Path, since: str,
) -> CodeResult:
    """One --download call for a (year, code); verified files go to the store and the state."""
    result = fetch_code(client, store, aco, year, code, needed, staging_root, since)
    get_run_logger().info(
        "%s/%s/%s: %d file(s) downloaded", aco, year, code, len(result.downloaded)
    )
    return result


def download_years(start_year: int, today: dt.date | None = None) -> list[int]:
    """``start_year`` … current year + 1 (next year's folder is polled before January)."""
    return list(range(start_year, (today or dt.date.today()).year + 2))


def allowed_codes(settings: Settings, codes: Iterable[str] | None = None) -> frozenset[str]:
    """The code allow-list (§5.7): the processed set, weekly CCLF only when enabled."""
    if codes is not None:
        return frozenset(codes)
    extra = {WEEKLY_CCLF_CODE} if settings.include_weekly_cclf else set()
    return PROCESSED_CODES | extra


@flow(name="download", flow_run_name="download")
def download(
    settings: Settings,
    codes: list[str] | None = None,
    retry_base_seconds: float = RETRY_BASE_SECONDS,
    call_pause_seconds: float = 3.0,
) -> DownloadSummary:
    """Bring the file store up to date with the Data Hub for the configured ACO."""
    logger = get_run_logger()
    summary = DownloadSummary()
    started = now_stamp()
    if settings.download_mode == "skip":
        logger.info("download skipped (MSSP_DOWNLOAD_MODE=skip)")
        return summary
    if not settings.aco_id:
        raise ConfigError("MSSP_ACO_ID", "required to download from the Data Hub")
    aco = settings.aco_id
    store = Store(settings.file_store, resolve_storage_options(settings))
    work = settings.temp_path.resolve() / "datahub"
    left = remove_orphans(work / "calls") + remove_orphans(work / "staging")
    if left:
        logger.warning("removed %d folder(s) left in %s by a run that was killed", len(left), work)
    client = AcomsCli(
        settings.datahub_cli, resolve_datahub_credentials(settings),
        work_root=work / "calls", pause=call_pause_seconds,
    )
    backoff = exponential_backoff(retry_base_seconds)
    fetch = download_code.with_options(retry_delay_seconds=backoff)
    allowed = allowed_codes(settings, codes)
    this_year = dt.date.today().year
    try:
        with state_lock(store):
            for year in download_years(settings.start_year):
                try:
                    listed = list_codes.with_options(retry_delay_seconds=backoff)(client, aco, year)
                except DatahubFatalError:
                    raise
                except MsspError as exc:
                    if year > this_year:  # next year's folder may not exist yet
                        logger.info("%s/%s not available yet: %s", aco, year, exc)
                        continue
                    raise DownloadError(f"listing {aco}/{year} failed: {exc}") from None
                for code in listed:
                    if code not in allowed:
                        summary.codes_skipped.append(f"{year}/{code}")
                        continue
                    _sync_code(client, store, fetch, backoff, settings, summary,
                               aco, year, code, work / "staging", started)
    except DatahubFatalError as exc:
        raise DownloadError(str(exc)) from None
    logger.info(summary.render().splitlines()[0])
    return summary


def _sync_code(
    client: DatahubClient, store: Store, fetch: Callable[..., CodeResult],
    backoff: Callable[[int], list[float]], settings: Settings,
    summary: DownloadSummary, aco: str, year: int, code: str, staging: Path, started: str,
) -> None:
    """view → needed → download for one (year, code); failures go into the summary."""
    logger = get_run_logger()
    try:
        remote = view_code.with_options(retry_delay_seconds=backoff)(client, aco, year, code)
    except DatahubFatalError:
        raise
    except MsspError as exc:
        summary.failed[f"{aco}/{year}/{code}"] = str(exc)
        return
    summary.files_listed += len(remote)
    needed = needed_files(
        remote, DownloadState.load(store), store, aco, year, code, settings.download_mode
    )
    summary.files_needed += len(needed)
    logger.info("%s/%s/%s: %d listed, %d needed", aco, year, code, len(remote), len(needed))
    if not needed:
        return
    try:
        result = fetch(client, store, aco, year, code, needed, staging, started)
        summary.downloaded += result.downloaded
    except DatahubFatalError:
        raise
    except MsspError as exc:
        state = DownloadState.load(store)
        for remote_file in needed:
            key = file_key(aco, year, code, remote_file.name)
            if state.marked_since(key, remote_file, started):
                summary.downloaded.append(key)
            else:
                summary.failed[key] = str(exc)


def main() -> int:
    """``python -m flows.download``: exit 0 all downloaded, 1 failures, 2 bad configuration."""
    try:
        summary = download(load_settings())
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except MsspError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(summary.render())
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
