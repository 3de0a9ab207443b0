"""Type checking is part of the suite: ``mypy tasks flows blocks`` with the [tool.mypy] settings passes.

The whole check takes about a minute from a cold cache (seconds with ``.mypy_cache``), hence ``slow``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow
@pytest.mark.timeout(660)
def test_mypy_passes_on_tasks_flows_blocks() -> None:
    result = _mypy("tasks", "flows", "blocks")
    assert result.returncode == 0, f"mypy failed:\n{result.stdout}{result.stderr}"


def test_mypy_configuration_reports_errors(tmp_path: Path) -> None:
    """The gate is live: with the project's configuration a wrong annotation and a stale ignore fail."""
    wrong = tmp_path / "wrong.py"
    wrong.write_text("x: int = 'a'\ny: int = 1  # type: ignore[assignment]\n")
    result = _mypy("--cache-dir", str(tmp_path / "cache"), str(wrong))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[assignment]" in result.stdout
    assert "[unused-ignore]" in result.stdout  # warn_unused_ignores is on
