"""Locks a killed run leaves behind are taken over; live owners and other hosts are respected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tasks.datahub.state import LOCK_PATH, remove_orphans, state_lock
from tasks.errors import LockError
from tasks.lock import host_name, orphaned, owner_dead, owner_tag, process_alive
from tasks.store import Store


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_owner_dead_only_for_a_gone_process_on_this_host() -> None:
    assert owner_dead(dead_pid(), host_name(), time.time())
    assert not owner_dead(os.getpid(), host_name(), time.time())
    assert not owner_dead(dead_pid(), "another-host", time.time())  # cannot be checked from here
    assert process_alive(os.getpid()) and not process_alive(dead_pid())


def test_a_reused_pid_counts_as_a_dead_owner() -> None:
    # the lock was written long before the process now holding that pid started
    assert owner_dead(os.getpid(), host_name(), created=time.time() - 10 * 365 * 86400)


def write_lock(root: Path, holder: dict[str, object]) -> None:
    (root / ".mssp").mkdir(parents=True, exist_ok=True)
    (root / LOCK_PATH).write_text(json.dumps(holder))


def test_state_lock_of_a_killed_run_is_taken_over_at_once(tmp_path: Path) -> None:
    write_lock(tmp_path, {"pid": dead_pid(), "host": host_name(), "created": time.time()})
    with state_lock(Store(str(tmp_path))):
        assert json.loads((tmp_path / LOCK_PATH).read_text())["pid"] == os.getpid()
    assert not (tmp_path / LOCK_PATH).exists()


def test_state_lock_of_a_live_run_or_another_host_is_refused(tmp_path: Path) -> None:
    write_lock(tmp_path, {"pid": 1, "host": host_name(), "created": time.time()})
    with pytest.raises(LockError, match="locked by another run"), state_lock(Store(str(tmp_path))):
        pass
    write_lock(tmp_path, {"pid": dead_pid(), "host": "another-host", "created": time.time()})
    with pytest.raises(LockError, match="another-host"), state_lock(Store(str(tmp_path))):
        pass
    write_lock(tmp_path, {"pid": 1, "host": "another-host", "created": time.time() - 7 * 3600})
    with state_lock(Store(str(tmp_path))):  # another host's lock is taken over only by age
        pass


def test_orphaned_private_folders_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    gone = tmp_path / f"acoms-{dead_pid()}@{owner_tag().split('@')[1]}-abc"
    mine = tmp_path / f"acoms-{owner_tag()}-def"
    for folder in (gone, mine):
        folder.mkdir()
        (folder / "config.txt").write_text("secret")
    assert orphaned(gone.name) and not orphaned(mine.name)
    assert remove_orphans(tmp_path) == [gone.name]
    assert mine.exists() and not gone.exists()
