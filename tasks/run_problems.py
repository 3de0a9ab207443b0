"""Problems of the run's surroundings, not of one file: the output's disk is full, another process
holds the warehouse, the output is read-only. Each becomes one line naming the path and the
setting; the run stops loading (every later file would fail the same way), prints its summary
and exits 1. Nothing is lost: files not loaded have no ledger row, so the next run loads them.
"""

from __future__ import annotations

import errno
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any

OUTPUT = "MSSP_OUTPUT_LOCATION"

_HELD = re.compile(r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in .*?\(PID (?P<pid>\d+)\)')
_CAUSES = (
    (re.compile(r"No space left on device|\[Errno 28\]|Disk quota exceeded"), "no space is left on its device"),
    (re.compile(r"Read-only file system|\[Errno 30\]"), "is on a read-only file system"),
    (re.compile(r"Permission denied|\[Errno 13\]"), "is not writable (permission denied)"),
)
_INVALIDATED = re.compile(r"database has been invalidated", re.IGNORECASE)
_ERRNO_CAUSE = {errno.ENOSPC: 0, errno.EDQUOT: 0, errno.EROFS: 1, errno.EACCES: 2}


def output_problem(exc_or_text: BaseException | str, output_location: str) -> str | None:
    """One line when the error says the output location itself is unusable; None otherwise.

    A disk-full or permission error counts only when it names a path under the output location
    (a full temporary location fails one file, not the run).
    """
    text = exc_or_text if isinstance(exc_or_text, str) else f"{exc_or_text}"
    where = _output_path(output_location)
    held = _HELD.search(text)
    if held:
        return (f"the warehouse {held.group('path')} ({OUTPUT}) is open in another process (PID "
                f"{held.group('pid')}); close that connection, then rerun")
    if _INVALIDATED.search(text):
        return (f"the warehouse {where} ({OUTPUT}) stopped accepting writes after an earlier error "
                "(see the first failed file); rerun once the cause is fixed")
    if not _names(text, exc_or_text, where):
        return None
    cause = _cause(text, exc_or_text)
    if cause is None:
        return None
    return f"the output location {where} ({OUTPUT}): {cause}; fix it, then rerun (files not loaded load then)"


def _output_path(output_location: str) -> str:
    if "://" in output_location or output_location.startswith("md:"):
        return output_location
    return os.path.abspath(os.path.expanduser(output_location))


def _names(text: str, exc: BaseException | str, where: str) -> bool:
    """The error names the output (the DuckDB file, its ``.wal``/``.lock``, a file under a Parquet root)."""
    filename = getattr(exc, "filename", None)
    return where in text or (bool(filename) and os.path.abspath(str(filename)).startswith(where))


def _cause(text: str, exc: BaseException | str) -> str | None:
    number = getattr(exc, "errno", None)
    if number in _ERRNO_CAUSE:
        return _CAUSES[_ERRNO_CAUSE[number]][1]
    for pattern, cause in _CAUSES:
        if pattern.search(text):
            return cause
    return None


@dataclass
class Halt:
    """Shared by the ingest tasks of one run: once set, files not started yet are not attempted."""

    reason: str | None = None
    not_attempted: int = 0
    _lock: Any = field(default_factory=threading.Lock, repr=False)  # Any: flow parameters get a schema

    def trip(self, reason: str) -> None:
        with self._lock:
            self.reason = self.reason or reason

    def skip(self) -> bool:
        """True (and counted) when the run has halted."""
        with self._lock:
            if self.reason is None:
                return False
            self.not_attempted += 1
            return True
