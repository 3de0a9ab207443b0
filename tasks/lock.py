"""Locks and their owners: one run at a time per output, and who holds a lock file.

The run lock is an advisory ``flock`` next to the output location (released by the kernel
when its process dies). File-based locks that outlive a killed process (the Data Hub state
lock in the file store, private per-call folders) record their owner with ``owner_record``
and are taken over when ``owner_dead`` says so.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.errors import LockError

CLOCK_SLACK_SECONDS = 2.0
"""A pid whose process started this long after the lock was written is a reused pid."""


def lock_path_for(output_location: str, temp_location: str) -> Path:
    if "://" in output_location or output_location.startswith("md:"):
        safe = "".join(c if c.isalnum() else "_" for c in output_location)
        return Path(temp_location).resolve() / f"{safe}.lock"
    return Path(os.path.abspath(output_location + ".lock"))


@contextmanager
def run_lock(path: Path, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock for the whole run; raise LockError if another run holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockError(
                        f"another run holds the lock on {path} (the same output is being loaded"
                        f"{_holder_text(path)}); wait for it to finish"
                    ) from None
                time.sleep(1.0)
        try:  # who holds it, for the message above; a full disk must not stop the run here
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}@{socket.gethostname()}".encode())
        except OSError:
            pass
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _holder_text(path: Path) -> str:
    try:
        holder = path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""
    return f" by process {holder}" if holder else ""


# --- owners of lock files and folders that a killed process leaves behind -------------------


def host_name() -> str:
    return socket.gethostname()


def owner_record(now: float | None = None) -> dict[str, object]:
    """``{"pid", "host", "created"}``: written into a lock so a later run can judge it."""
    return {"pid": os.getpid(), "host": host_name(), "created": time.time() if now is None else now}


def process_alive(pid: int) -> bool:
    """True when a process with ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return _state(pid) != "Z"


def _state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def process_started(pid: int) -> float | None:
    """Start time (epoch seconds) of ``pid`` on Linux; None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def owner_dead(pid: object, host: object, created: object = None) -> bool:
    """True when the owner ran on this host and is gone (or its pid now belongs to a newer process).

    An owner on another host cannot be checked from here: callers fall back to an age rule.
    """
    if host != host_name():
        return False
    try:
        number = int(pid)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
    if not process_alive(number):
        return True
    started = process_started(number)
    try:
        since = float(created)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return started is not None and started > since + CLOCK_SLACK_SECONDS


def owner_tag() -> str:
    """``<pid>@<host>`` for folder names (host made safe for a file name)."""
    return f"{os.getpid()}@{_safe_host()}"


def _safe_host() -> str:
    return re.sub(r"[^A-Za-z0-9]", "_", host_name())


_TAG = re.compile(r"-(\d+)@([A-Za-z0-9_]+)-")


def orphaned(name: str) -> bool:
    """True for a folder name tagged by ``owner_tag`` whose owner on this host is gone.

    Untagged names (written before folders were tagged) count as orphaned too.
    """
    match = _TAG.search(name)
    if match is None:
        return True
    return match.group(2) == _safe_host() and not process_alive(int(match.group(1)))
