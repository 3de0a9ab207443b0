"""Generated README fragments, from the same definitions the loader uses.

    uv run python -m tasks.docs           # prints the settings table and the raw-table list
    uv run python -m tasks.docs --write   # replaces both blocks in README.md
"""

from __future__ import annotations

from tasks.families import (
    ALR_TABLES,
    BENCHMARK_SHEETS,
    CCLF_TABLES,
    MCQM_CSV_TABLES,
    MCQM_SHEET_TABLES,
    PARTICIPANT_TABLES,
    REPORT_TABLES,
    SHADOW_BUNDLE_PREFIXES,
)

START, END = "<!-- raw-tables:start -->", "<!-- raw-tables:end -->"
SETTINGS_START, SETTINGS_END = "<!-- settings:start -->", "<!-- settings:end -->"


def _default_text(field: object) -> str:
    extra = getattr(field, "json_schema_extra", None) or {}
    if "doc_default" in extra:
        return str(extra["doc_default"])
    default = getattr(field, "default", None)
    if default is None:
        return "none"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    return f"`{default}`"


def settings_rows() -> list[tuple[str, str, str]]:
    """(environment name, default, meaning) for every field of ``Settings``, in declaration order, then
    the warehouse connection's overrides (read by ``blocks/warehouse.py``)."""
    from tasks.settings import ALIASES, Settings, setting_name

    rows = []
    for name, field in Settings.model_fields.items():
        env = setting_name(name)
        aliases = [a for a, target in ALIASES.items() if target == name]
        label = " / ".join(f"`{n}`" for n in [env, *aliases])
        rows.append((label, _default_text(field), field.description or ""))
    from tasks.backends.connections import CONNECTION_ENV

    rows += [(f"`{env}`", "none", meaning) for env, meaning in CONNECTION_ENV.items()]
    return rows


def settings_markdown() -> str:
    lines = [SETTINGS_START, "| setting | default | meaning |", "| --- | --- | --- |"]
    lines += [f"| {name} | {default} | {meaning} |" for name, default, meaning in settings_rows()]
    return "\n".join([*lines, SETTINGS_END])


def raw_table_rows() -> list[tuple[str, str, str]]:
    rows = [("cclf", f"ZC{code}", table) for code, table in CCLF_TABLES.items()]
    rows += [("alr", f"table 1-{n}", table) for n, table in ALR_TABLES.items()]
    rows += [("alr", "any other table N", "aalr<N>_other")]
    rows += [("reports", token, table) for token, table in REPORT_TABLES.items()]
    mcqm = {**{t: s for s, t in MCQM_SHEET_TABLES.items()}}
    for suffix, table in MCQM_CSV_TABLES.items():
        mcqm[table] = f"{mcqm[table]} sheet / *{suffix}" if table in mcqm else f"*{suffix}"
    rows += [("mcqm", source, table) for table, source in mcqm.items()]
    rows += [("shadow_bundles", f"{p}_*.csv", f"shadow_bundles_{p.lower()}") for p in SHADOW_BUNDLE_PREFIXES]
    rows += [("participant_list", f"{prefix}*.csv", table) for prefix, table in PARTICIPANT_TABLES.items()]
    rows += [("bnex", "BNEX xml", "beneficiary_exclusions"),
             ("bnex_mbi_xref", "MBI xref txt", "excluded_beneficiary_mbi_xref")]
    for workbook, sheets in BENCHMARK_SHEETS.items():
        rows += [("benchmark", f"{workbook} `{sheet.strip()}`", table) for sheet, table in sheets.items()]
    return rows


def raw_table_markdown() -> str:
    lines = [START, "| family | source | raw table (`raw_data.`) |", "| --- | --- | --- |"]
    lines += [f"| {family} | {source} | `{table}` |" for family, source, table in raw_table_rows()]
    return "\n".join([*lines, END])


def replace_block(text: str, start: str, end: str, block: str) -> str:
    return text[: text.index(start)] + block + text[text.index(end) + len(end):]


def write_readme(path: str = "README.md") -> None:
    from pathlib import Path

    readme = Path(path)
    text = replace_block(readme.read_text(), SETTINGS_START, SETTINGS_END, settings_markdown())
    readme.write_text(replace_block(text, START, END, raw_table_markdown()))


if __name__ == "__main__":
    import sys

    if "--write" in sys.argv[1:]:
        write_readme()
    else:
        print(settings_markdown() + "\n\n" + raw_table_markdown())
