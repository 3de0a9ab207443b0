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


def test_flow_modules_import_each_other_without_a_cycle() -> None:
    """A family subflow (flows/cclf.py) uses the shared body (flows/family.py), never the other way:
    the parent's dispatch table (``FAMILY_SUBFLOWS``) picks the subflow."""
    graph = {path.stem: {m.split(".")[1] for m in imported_modules(path) if m.startswith("flows.")}
             for path in sorted((ROOT / "flows").glob("*.py"))}
    assert "family" in graph["cclf"] and "cclf" not in graph["family"]

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph.get(start, ()))

    assert [m for m in graph if reaches(m, m, set())] == []


def test_the_parent_dispatches_cclf_to_its_own_subflow() -> None:
    from flows.cclf import cclf_flow
    from flows.full_run import FAMILY_SUBFLOWS

    assert FAMILY_SUBFLOWS == {"cclf": cclf_flow}
