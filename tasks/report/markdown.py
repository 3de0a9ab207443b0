"""Render report sections as Markdown for Prefect artifacts (tables only, no images)."""

from __future__ import annotations

from tasks.report.model import Section, Table
from tasks.report.privacy import SUPPRESSION_RULE

MAX_ROWS = 60


def _escape(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def table_markdown(table: Table, max_rows: int = MAX_ROWS) -> str:
    lines = [f"### {table.title}", ""]
    if table.rows:
        lines.append("| " + " | ".join(_escape(c) for c in table.columns) + " |")
        lines.append("|" + "---|" * len(table.columns))
        for i, row in enumerate(table.rows[:max_rows]):
            mark = "⚠ " if i in table.flagged else ""
            lines.append("| " + mark + " | ".join(_escape(c) for c in row) + " |")
        if len(table.rows) > max_rows:
            lines.append(f"\n… and {len(table.rows) - max_rows:,} more rows (see the HTML report).")
    if table.note:
        lines += ["", f"_{_escape(table.note)}_"]
    return "\n".join(lines)


def section_markdown(section: Section, html_path: str) -> str:
    parts = [f"## MSSP report: {section.title}", "", section.intro]
    parts += [f"> {note}" for note in section.notes]
    parts += [table_markdown(t) for t in section.tables]
    parts += ["", f"Full report: `{html_path}`", "", f"_{SUPPRESSION_RULE}_"]
    return "\n\n".join(p for p in parts if p is not None)
