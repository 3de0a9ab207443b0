"""Dependencies point one way (style.md §1): flows -> tasks/blocks/demo, demo -> tasks, tasks -> neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for module in imported_modules(path):
            if module.split(".")[0] in forbidden:
                found.append(f"{path.relative_to(ROOT)} imports {module}")
    return found


@pytest.mark.parametrize("folder, forbidden", [
    ("tasks", ("flows", "blocks", "demo")),
    ("demo", ("flows", "blocks")),
    ("blocks", ("flows", "demo")),
])
def test_imports_point_one_way(folder: str, forbidden: tuple[str, ...]) -> None:
    assert offenders(folder, forbidden) == []


def test_the_check_sees_an_import() -> None:
    assert "tasks.parsers" in imported_modules(ROOT / "tasks" / "ingest.py")
    assert offenders("blocks", ("tasks",)) != []  # blocks do use tasks: the scan finds real imports
