"""Generated README fragments, from the same definitions the loader uses.

    uv run python -m tasks.docs   # prints the raw-table list for the README
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


if __name__ == "__main__":
    print(raw_table_markdown())
