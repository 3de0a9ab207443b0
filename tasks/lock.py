"""One run at a time per output: an advisory file lock next to the output location."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tasks.errors import LockError


def lock_path_for(output_location: str, temp_location: str) -> Path:
    if "://" in output_location or output_location.startswith("md:"):
        safe = "".join(c if c.isalnum() else "_" for c in output_location)
        return Path(temp_location) / f"{safe}.lock"
    return Path(output_location + ".lock")


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
                        f"another run holds the lock on {path} (the same output is being loaded); "
                        "wait for it to finish"
                    ) from None
                time.sleep(1.0)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the lock
