"""The Data Hub download state and the per-(ACO, year, code) download procedure (mssp_files.md §5.5-5.6).

The state (``{store}/.mssp/datahub_state.json``) travels with the store and is read and
written through ``Store``; one download run at a time holds ``.mssp/datahub_state.lock``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tasks.datahub.client import DatahubClient, RemoteFile, created_after
from tasks.errors import DatahubTransientError, DownloadError, LockError
from tasks.lock import orphaned, owner_dead, owner_record, owner_tag
from tasks.store import Store

STATE_PATH = ".mssp/datahub_state.json"
LOCK_PATH = ".mssp/datahub_state.lock"
LOCK_STALE_SECONDS = 6 * 3600


# --- download state (§5.5) ---------------------------------------------------------------


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def file_key(aco: str, year: int, code: str, name: str) -> str:
    return f"{aco}/{year}/{code}/{name}"


class DownloadState:
    """``{"version": 1, "files": {key: {last_updated, size, sha256, downloaded_at}}}``."""

    def __init__(self, files: dict[str, dict[str, object]] | None = None) -> None:
        self.files = files or {}

    @classmethod
    def load(cls, store: Store) -> DownloadState:
        raw = store.read_bytes(STATE_PATH)
        if raw is None:
            return cls()
        try:
            data = json.loads(raw)
            if data.get("version") != 1 or not isinstance(data.get("files"), dict):
                raise ValueError("unknown version")
        except ValueError as exc:
            raise DownloadError(f"{STATE_PATH} in the file store is unreadable: {exc}") from None
        return cls(data["files"])

    def save(self, store: Store) -> None:
        payload = {"version": 1, "files": dict(sorted(self.files.items()))}
        store.write_bytes(STATE_PATH, json.dumps(payload, indent=1).encode())

    def mark(self, key: str, remote: RemoteFile, size: int, sha256: str) -> None:
        self.files[key] = {
            "last_updated": remote.last_updated,
            "size": size,
            "sha256": sha256,
            "downloaded_at": now_stamp(),
        }

    def marked_since(self, key: str, remote: RemoteFile, since: str) -> bool:
        """True when ``remote`` was stored at or after ``since`` (``now_stamp()``)."""
        record = self.files.get(key)
        return self.is_current(key, remote) and str(record and record["downloaded_at"]) >= since

    def is_current(self, key: str, remote: RemoteFile) -> bool:
        record = self.files.get(key)
        return record is not None and record.get("last_updated") == remote.last_updated


@contextmanager
def state_lock(store: Store, stale_after: float = LOCK_STALE_SECONDS) -> Iterator[None]:
    """Hold ``.mssp/datahub_state.lock`` (conditional create) for one download run.

    The lock records pid, host and start time. A lock whose owner ran on this host and is gone
    (killed) is taken over at once; one from another host only after ``stale_after`` seconds.
    """
    now = time.time()
    payload = json.dumps(owner_record(now)).encode()
    if not store.write_bytes(LOCK_PATH, payload, exclusive=True):
        held = store.read_bytes(LOCK_PATH) or b""
        holder = _holder(held)
        dead = owner_dead(holder.get("pid"), holder.get("host"), holder.get("created"))
        if not dead and now - _created(holder, now) < stale_after:
            raise LockError(
                f"the Data Hub download state of {store.url} is locked by another run "
                f"({_describe(holder)}); remove {LOCK_PATH} if no download is running"
            )
        if store.read_bytes(LOCK_PATH) == held:  # still the stale one: take it over
            store.remove(LOCK_PATH)
        if not store.write_bytes(LOCK_PATH, payload, exclusive=True):
            raise LockError(f"the Data Hub download state of {store.url} is locked by another run")
    try:
        yield
    finally:
        if store.read_bytes(LOCK_PATH) == payload:  # never remove a lock another run took over
            store.remove(LOCK_PATH)


def _holder(raw: bytes) -> dict[str, object]:
    try:
        value = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _created(holder: dict[str, object], default: float) -> float:
    try:
        return float(holder["created"])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        return default


def _describe(holder: dict[str, object]) -> str:
    if not holder:
        return "owner unknown"
    started = dt.datetime.fromtimestamp(_created(holder, 0.0), dt.UTC).isoformat(timespec="seconds")
    return f"process {holder.get('pid')} on {holder.get('host')} since {started}"


# --- the per-(ACO, year, code) procedure (§5.6) -------------------------------------------


def needed_files(
    remote: Sequence[RemoteFile], state: DownloadState, store: Store,
    aco: str, year: int, code: str, mode: str = "incremental",
) -> list[RemoteFile]:
    """Files to download: new, changed Last Updated, or missing from the store."""
    if mode == "skip":
        return []
    if mode == "full":
        return list(remote)
    def current(f: RemoteFile) -> bool:
        key = file_key(aco, year, code, f.name)
        return state.is_current(key, f) and store.exists(key)

    return [f for f in remote if not current(f)]


@dataclass
class CodeResult:
    """Outcome of one (ACO, year, code) download: store keys only, never contents."""

    downloaded: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def fetch_code(
    client: DatahubClient, store: Store, aco: str, year: int, code: str,
    needed: Sequence[RemoteFile], staging_root: Path, since: str,
) -> CodeResult:
    """One ``--download`` call; verified files go to the store, then the state is saved.

    Files marked at or after ``since`` (by an earlier attempt of this run) are not asked for
    again. Raises
    ``DatahubTransientError`` when needed files did not arrive, so the caller can retry.
    """
    state = DownloadState.load(store)
    pending = [
        f for f in needed if not state.marked_since(file_key(aco, year, code, f.name), f, since)
    ]
    result = CodeResult()
    if not pending:
        return result
    staging_root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f"stage-{owner_tag()}-{aco}-{year}-{code}-", dir=staging_root))
    try:
        client.download(aco, year, code, created_after(pending), stage)
        for remote in pending:
            local = stage / remote.name
            key = file_key(aco, year, code, remote.name)
            size = local.stat().st_size if local.is_file() else -1
            if size < 0 or (size == 0 and not listed_empty(remote)):  # empty only when the hub lists it so
                result.missing.append(key)
                continue
            store.put_file(local, key)
            digest = _sha256_file(local)
            if store.size(key) != size or store.sha256(key) != digest:
                result.missing.append(key)
                continue
            state.mark(key, remote, size, digest)
            result.downloaded.append(key)
        if result.downloaded:
            state.save(store)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if result.missing:
        names = ", ".join(k.rsplit("/", 1)[1] for k in result.missing[:5])
        raise DatahubTransientError(
            f"{len(result.missing)} needed file(s) of {aco}/{year}/{code} did not arrive: {names}"
        )
    return result


def listed_empty(remote: RemoteFile) -> bool:
    """``--view`` printed a size of zero (``0.00 B``): an empty file is then the expected bytes.

    Any other size makes an empty arrival a failed transfer (spec §5.5: a file is marked only
    with its expected bytes); CMS delivers legitimately empty files, e.g. an MBI crosswalk
    with no changes.
    """
    number = remote.size.strip().split(" ", 1)[0]
    try:
        return float(number) == 0.0
    except ValueError:
        return False


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def remove_orphans(root: Path) -> list[str]:
    """Remove folders under ``root`` left by killed runs (private call folders holding ``config.txt``
    with the API secret, staged downloads); folders of live runs stay. Returns the names removed."""
    removed: list[str] = []
    if not root.is_dir():
        return removed
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and not entry.is_symlink() and orphaned(entry.name):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry.name)
    return removed
