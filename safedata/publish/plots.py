"""The report's plots, each a PNG as base64 (the HTML embeds them; no files beside it).

matplotlib, not plotly: static PNGs keep report.html self-contained and small (plotly embeds megabytes of
JavaScript per file, or loads it from a CDN, which an offline reader lacks), render the same in any browser or
in a headless screenshot, and matplotlib is a light core dependency (imported lazily, here only).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

COLORS = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    _plt().close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def funnel(stages: Sequence[dict[str, Any]]) -> str:
    plt = _plt()
    names = [s["name"] for s in stages][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.9 + 0.45 * len(names)))
    y = range(len(names))
    ax.barh([i + 0.2 for i in y], [s["rows_in"] for s in stages][::-1], 0.4, label="rows in", color="#BBBBBB")
    bars = ax.barh([i - 0.2 for i in y], [s["rows_out"] for s in stages][::-1], 0.4, label="rows out")
    ax.bar_label(bars, padding=3, fontsize=8)
    ax.set_yticks(list(y), names)
    ax.set_xlabel("rows")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncol=2, frameon=False)
    return _png(fig)


def counts(panels: dict[str, dict[str, int]]) -> str:
    """One horizontal bar chart per axis (kind, variant, category, …), side by side."""
    plt = _plt()
    panels = {k: v for k, v in panels.items() if v}
    tallest = max(len(v) for v in panels.values())
    fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 0.6 + 0.3 * tallest), squeeze=False)
    for i, (ax, (axis, values)) in enumerate(zip(axes[0], panels.items(), strict=True)):
        items = sorted(values.items(), key=lambda kv: kv[1])
        bars = ax.barh([k for k, _ in items], [v for _, v in items], color=COLORS[i % 8])
        ax.bar_label(bars, padding=2, fontsize=7)
        ax.set_title(axis)
        ax.tick_params(axis="y", labelsize=7)
    return _png(fig)


def histograms(series: dict[str, dict[str, list[int]]]) -> str:
    """series: panel title -> label -> values; one panel per title, a step histogram per label."""
    plt = _plt()
    fig, axes = plt.subplots(1, len(series), figsize=(4.2 * len(series), 3.2), squeeze=False)
    for ax, (title, by_label) in zip(axes[0], series.items(), strict=True):
        top = max((max(v) for v in by_label.values() if v), default=1)
        bins = [top * i / 30 for i in range(31)] if top > 0 else 10
        for i, (label, values) in enumerate(by_label.items()):
            if values:
                ax.hist(values, bins=bins, histtype="step", linewidth=1.6, label=label, color=COLORS[i % 8])
        ax.set_title(title)
        ax.set_xlabel("tokens (approx.)")
        ax.set_ylabel("rows")
        ax.legend(frameon=False, fontsize=7)
    return _png(fig)


def grouped_bars(groups: dict[str, dict[str, float]], ylabel: str) -> str:
    """groups: x label -> series name -> value; bars of one x side by side."""
    plt = _plt()
    names: list[str] = []
    for g in groups.values():
        names += [n for n in g if n not in names]
    fig, ax = plt.subplots(figsize=(max(5, 0.9 * len(groups) * max(1, len(names)) * 0.5 + 2), 3.4))
    width = 0.8 / max(1, len(names))
    for i, name in enumerate(names):
        xs = [j + (i - (len(names) - 1) / 2) * width for j in range(len(groups))]
        ax.bar(xs, [g.get(name, 0) for g in groups.values()], width, label=name, color=COLORS[i % 8])
    ax.set_xticks(range(len(groups)), list(groups), rotation=20, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, fontsize=7)
    return _png(fig)


def sizes(values: list[int], xlabel: str) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3))
    top = max(values)
    ax.hist(values, bins=[b + 0.5 for b in range(top + 1)], color=COLORS[0])
    ax.set_xlabel(xlabel)
    ax.set_ylabel("clusters")
    return _png(fig)
