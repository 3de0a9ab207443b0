"""Static charts for the report, as base64 PNG.

Uses matplotlib's Agg backend: the report must be viewable offline as one static file,
so charts are rendered server-side to PNG and embedded as data URIs (no JavaScript, no
chart library fetched from a CDN, no display needed on the machine that builds it).
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure as MplFigure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from tasks.report.model import Figure  # noqa: E402

MAX_SERIES = 8
MAX_TICKS = 12
_SIZE = (8, 3.6)


def _dollars(value: float, _pos: object) -> str:
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"${value / limit:,.1f}{suffix}"
    return f"${value:,.0f}"


def _thin_ticks(ax: Axes, labels: Sequence[str]) -> None:
    """At most MAX_TICKS labelled ticks, rotated, so month labels never overlap."""
    step = max(1, math.ceil(len(labels) / MAX_TICKS))
    positions = list(range(0, len(labels), step))
    ax.set_xticks(positions)
    ax.set_xticklabels([labels[i] for i in positions], rotation=45, ha="right")


def _encode(fig: MplFigure, title: str, alt: str) -> Figure:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return Figure(title=title, png_base64=base64.b64encode(buffer.getvalue()).decode(), alt=alt)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    y_label: str,
    *,
    money: bool = False,
    flags: Mapping[str, Sequence[bool]] | None = None,
) -> Figure:
    """One line per series (at most MAX_SERIES); None values are gaps; flagged points ringed."""
    fig, ax = plt.subplots(figsize=_SIZE)
    x = list(range(len(labels)))
    for name, values in list(series.items())[:MAX_SERIES]:
        y = [math.nan if v is None else v for v in values]
        (line,) = ax.plot(x, y, marker="o", markersize=3, linewidth=1.5, label=name)
        marks = [i for i, hit in enumerate((flags or {}).get(name, ())) if hit and y[i] == y[i]]
        if marks:
            ax.scatter(
                marks,
                [y[i] for i in marks],
                s=90,
                facecolors="none",
                edgecolors="#c0392b",
                linewidths=1.5,
                zorder=3,
            )
    ax.set_title(title)
    ax.set_xlabel("month")
    ax.set_ylabel(y_label)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6))
    if money:
        ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_ylim(bottom=0)
    _thin_ticks(ax, labels)
    ax.grid(axis="y", alpha=0.3)
    if len(series) > 1:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    alt = f"{title}: {y_label} per month for {', '.join(list(series)[:MAX_SERIES])}"
    return _encode(fig, title, alt)


def stacked_bars(
    title: str, labels: Sequence[str], stacks: Mapping[str, Sequence[int]], y_label: str
) -> Figure:
    """Bars per label, stacked by category (e.g. files per month by ledger status)."""
    fig, ax = plt.subplots(figsize=_SIZE)
    x = list(range(len(labels)))
    bottom = [0] * len(labels)
    for name, values in stacks.items():
        ax.bar(x, values, bottom=bottom, label=name, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_title(title)
    ax.set_xlabel("month (file date)")
    ax.set_ylabel(y_label)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    _thin_ticks(ax, labels)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    return _encode(fig, title, f"{title}: {y_label} per month by {', '.join(stacks)}")
