"""Render a Report as one self-contained HTML page: inline CSS, base64 PNG, no script.

The Content-Security-Policy forbids every fetch except ``data:`` images, so the page
works offline and a stray external reference shows up as a console error in tests.
"""

from __future__ import annotations

from html import escape

from tasks.report.model import Report, Section, Table
from tasks.report.privacy import SUPPRESSION_RULE

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0;
       color: #1d2733; background: #f7f8fa; }
header, main, footer { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #2c5d8f; padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 1.0rem; margin: 20px 0 6px; }
.meta { color: #5b6675; font-size: 0.9rem; }
nav a { margin-right: 14px; color: #2c5d8f; }
p.intro { max-width: 900px; }
.note { color: #5b6675; font-size: 0.85rem; margin: 4px 0 12px; }
.missing { background: #fff6e0; border-left: 4px solid #e0a800; padding: 6px 10px; }
.scroll { max-height: 420px; overflow: auto; border: 1px solid #d9dee5; background: #fff; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
th { position: sticky; top: 0; background: #e9eef4; text-align: left; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eceff3; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; min-width: 320px; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 12px; }
tr.flag td { background: #fdecea; }
figure { margin: 0; background: #fff; border: 1px solid #d9dee5; padding: 8px; }
figure img { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85rem; color: #5b6675; }
footer { font-size: 0.8rem; color: #5b6675; padding-bottom: 32px; margin-top: 32px; }
@media print {
  body { background: #fff; }
  .scroll { max-height: none; overflow: visible; border: none; }
  th { position: static; }
  tr { break-inside: avoid; }
  td.wrap { min-width: 0; }
  .figures { display: block; }
  figure { break-inside: avoid; margin-bottom: 12px; }
  nav { display: none; }
}
"""
# cells that do not decide whether a column is numeric: empty, withheld, suppressed, not reported
_NEUTRAL = {"", "–", "-", "n/a", "not reported"}


def _is_numeric(cell: str) -> bool:
    stripped = cell.replace(",", "").replace("$", "").replace("%", "").lstrip("+-–<")
    return bool(stripped) and stripped.replace(".", "", 1).isdigit()


def _cell_class(cell: str) -> str:
    if _is_numeric(cell):
        return "num"
    return "wrap" if len(cell) > 60 else "text"


def numeric_columns(table: Table) -> set[int]:
    """Columns whose cells are all numbers (ignoring blanks and withheld cells), so the header
    aligns right with them."""
    out = set()
    for j in range(len(table.columns)):
        cells = [row[j] for row in table.rows if j < len(row) and row[j] not in _NEUTRAL]
        if cells and all(_is_numeric(c) for c in cells):
            out.add(j)
    return out


def _table(table: Table) -> str:
    numeric = numeric_columns(table)
    head = "".join(f'<th class="num">{escape(c)}</th>' if j in numeric else f"<th>{escape(c)}</th>"
                   for j, c in enumerate(table.columns))
    body = []
    for i, row in enumerate(table.rows):
        cls = ' class="flag"' if i in table.flagged else ""
        cells = "".join(f'<td class="{_cell_class(c)}">{escape(c)}</td>' for c in row)
        body.append(f"<tr{cls}>{cells}</tr>")
    parts = [f"<h3>{escape(table.title)}</h3>"]
    if table.rows:
        parts.append(
            f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    if table.note:
        parts.append(f'<p class="note">{escape(table.note)}</p>')
    return "\n".join(parts)


def _section(section: Section) -> str:
    parts = [f'<section id="{escape(section.key)}"><h2>{escape(section.title)}</h2>']
    if section.intro:
        parts.append(f'<p class="intro">{escape(section.intro)}</p>')
    parts.extend(f'<p class="missing">{escape(n)}</p>' for n in section.notes)
    if section.figures:
        parts.append('<div class="figures">')
        parts.extend(
            f'<figure><img src="data:image/png;base64,{f.png_base64}" '
            f'alt="{escape(f.alt)}"><figcaption>{escape(f.title)}</figcaption></figure>'
            for f in section.figures
        )
        parts.append("</div>")
    parts.extend(_table(t) for t in section.tables)
    parts.append("</section>")
    return "\n".join(parts)


def render_html(report: Report) -> str:
    nav = " ".join(f'<a href="#{escape(s.key)}">{escape(s.title)}</a>' for s in report.sections)
    generated = report.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
    sources = ", ".join(report.sources) or "none"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{escape(report.title)}</h1>
<p class="meta">Generated {escape(generated)} from {escape(report.warehouse.name)}.
Month-over-month threshold ±{report.change_threshold:.0%}.</p>
<nav>{nav}</nav>
</header>
<main>
{"".join(_section(s) for s in report.sections)}
</main>
<footer>
<p><strong>Privacy.</strong> {escape(SUPPRESSION_RULE)}</p>
<p>Relations read: {escape(sources)}.</p>
</footer>
</body>
</html>
"""
