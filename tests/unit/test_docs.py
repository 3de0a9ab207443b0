"""The README's generated blocks (settings table, raw-table list) match the code that defines them."""

from __future__ import annotations

from tasks.docs import END, SETTINGS_END, SETTINGS_START, START, raw_table_markdown, settings_markdown, settings_rows
from tasks.settings import Settings, setting_name
from tests.conftest import PROJECT_ROOT

FIX = "run `uv run python -m tasks.docs --write` to regenerate the README's blocks"


def _block(start: str, end: str) -> str:
    readme = (PROJECT_ROOT / "README.md").read_text()
    return readme[readme.index(start): readme.index(end) + len(end)]


def test_readme_table_list_is_generated_from_the_registry() -> None:
    assert _block(START, END) == raw_table_markdown(), FIX


def test_readme_settings_table_is_generated_from_the_settings_model() -> None:
    assert _block(SETTINGS_START, SETTINGS_END) == settings_markdown(), FIX


def test_every_setting_has_a_default_and_a_meaning() -> None:
    rows = {name.split("`")[1]: (default, meaning) for name, default, meaning in settings_rows()}
    from tasks.backends.connections import CONNECTION_ENV

    assert set(rows) == {setting_name(f) for f in Settings.model_fields} | set(CONNECTION_ENV)
    assert not {"snowflake_host", "snowflake_port", "snowflake_protocol"} & set(Settings.model_fields)
    for name, (default, meaning) in rows.items():
        assert default and meaning, name
    assert {"MSSP_SNOWFLAKE_HOST", "MSSP_SNOWFLAKE_PORT", "MSSP_SNOWFLAKE_PROTOCOL"} <= set(rows)
    assert rows["MSSP_OUTPUT_LOCATION"][0] == "`./data/mssp.duckdb`"


def test_the_version_is_the_newest_changelog_release() -> None:
    import re
    import tomllib

    version = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["version"]
    changelog = (PROJECT_ROOT / "README.md").read_text().split("## Changelog", 1)[1]
    releases = re.findall(r"^- \*\*(\d+\.\d+\.\d+)\*\*", changelog, flags=re.MULTILINE)
    assert releases and releases[0] == version, f"pyproject says {version}, the changelog's newest is {releases[:1]}"
