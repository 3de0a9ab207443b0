"""The README's raw-table list is the one the registry generates."""

from __future__ import annotations

from tasks.docs import END, START, raw_table_markdown
from tests.conftest import PROJECT_ROOT


def test_readme_table_list_is_generated_from_the_registry() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text()
    block = readme[readme.index(START): readme.index(END) + len(END)]
    assert block == raw_table_markdown(), "run `uv run python -m tasks.docs` and paste the block into README.md"
