"""A full or held output is one line naming the path and the setting; a full temp fails one file only."""

from __future__ import annotations

import errno
from pathlib import Path

import duckdb

from tasks.run_problems import output_problem


def test_disk_full_under_the_output_names_it_and_the_setting(tmp_path: Path) -> None:
    out = tmp_path / "w" / "mssp.duckdb"
    exc = OSError(errno.ENOSPC, "No space left on device", str(out) + ".wal")
    line = output_problem(exc, str(out))
    assert line is not None and str(out) in line and "MSSP_OUTPUT_LOCATION" in line and "space" in line
    assert "\n" not in line


def test_disk_full_elsewhere_is_not_a_run_problem(tmp_path: Path) -> None:
    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "tmp" / "spool"))
    assert output_problem(exc, str(tmp_path / "w" / "mssp.duckdb")) is None
    assert output_problem(ValueError("bad record"), str(tmp_path / "w" / "mssp.duckdb")) is None


def test_a_warehouse_held_by_another_process_is_named(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    out = tmp_path / "mssp.duckdb"
    duckdb.connect(str(out)).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb,time; c=duckdb.connect({str(out)!r}); "
                               "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"held"
        try:
            duckdb.connect(str(out))
            raise AssertionError("the second connection should have been refused")
        except duckdb.Error as exc:
            line = output_problem(exc, str(out))
        assert line is not None and "another process" in line and "MSSP_OUTPUT_LOCATION" in line
        assert str(holder.pid) in line
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:  # the pipe: left open it is a ResourceWarning at GC
            holder.stdout.close()
        time.sleep(0.1)
