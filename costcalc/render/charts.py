"""Charts as SVG or PNG files, drawn with matplotlib (an optional extra, imported only here).

- one spec: each row's MACs and params as horizontal bars, side by side;
- several specs: grouped bars per top-level block;
- a sweep: MACs and params against the swept value.
The SVG is reproducible (no timestamps, fixed ids), so committed pictures change only with the numbers.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ..analysis import Analysis
from ..breakdown import by_block
from ..errors import ChartError
from .text import one_line

CHART_FORMATS = ("svg", "png", "pdf")
MAX_ROWS = 60  # a chart of more rows folds blocks until it fits
MACS_COLOR, PARAMS_COLOR = "#e07b10", "#1f77b4"


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ChartError(
            "charts need matplotlib, which is not installed; install it with pip install 'costcalc[plot]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "costcalc"  # stable element ids in the SVG
    plt.rcParams["svg.fonttype"] = "none"  # text stays text
    plt.rcParams["text.parse_math"] = False  # a layer named "$x$" stays "$x$" (and "$\\frac" cannot fail)
    return plt


def _save(figure: Any, fmt: str) -> bytes:
    if fmt not in CHART_FORMATS:
        raise ChartError(f"cannot draw a chart as '{fmt}'; expected {', '.join(CHART_FORMATS)}")
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"CreationDate": None} if fmt == "pdf" else {}
    figure.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata, dpi=120)
    return buffer.getvalue()


def fitting_depth(analysis: Analysis, limit: int = MAX_ROWS) -> int | None:
    """The deepest fold depth (None: every layer) that gives at most ``limit`` rows."""
    if len(analysis.layers) <= limit:
        return None
    deepest = max((b.depth for b in analysis.blocks), default=0) + 1
    for depth in range(deepest, 0, -1):
        if len(analysis.rows(depth)) <= limit:
            return depth
    return 1


def layer_chart(analysis: Analysis, fmt: str = "svg", depth: int | None = None) -> bytes:
    """Each row's MACs and params (share of the total), as two bar charts side by side."""
    plt = _pyplot()
    if depth is None:
        depth = fitting_depth(analysis)
    rows = [r for r in analysis.rows(depth) if r.macs or r.params]
    names = [one_line(r.name) for r in rows]
    height = max(2.5, 0.28 * len(rows) + 1.2)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, height), sharey=True)
    positions = list(range(len(rows)))
    total_macs, total_params = analysis.totals.macs or 1, analysis.totals.params or 1
    left.barh(positions, [100 * r.macs / total_macs for r in rows], color=MACS_COLOR)
    right.barh(positions, [100 * r.params / total_params for r in rows], color=PARAMS_COLOR)
    left.set_yticks(positions, names, fontsize=8)
    left.invert_yaxis()
    left.set_xlabel(f"% of {analysis.totals.macs:,} MACs")
    right.set_xlabel(f"% of {analysis.totals.params:,} params")
    for axes in (left, right):
        axes.grid(axis="x", alpha=0.3)
        axes.set_axisbelow(True)
    folded = "" if depth is None else f" (blocks below depth {depth} folded)"
    figure.suptitle(one_line(f"{analysis.name}: where the MACs and the params are{folded}"))
    figure.tight_layout()
    data = _save(figure, fmt)
    plt.close(figure)
    return data


def comparison_chart(analyses: Sequence[Analysis], labels: Sequence[str], fmt: str = "svg") -> bytes:
    """MACs and params per top-level block, grouped: one bar per spec in each group."""
    plt = _pyplot()
    groups: list[str] = []
    per_spec = [{g.name: g for g in by_block(a) if g.macs or g.params} for a in analyses]
    for blocks in per_spec:
        groups += [name for name in blocks if name not in groups]
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(max(6, 0.9 * len(groups) * len(analyses) + 2), 7), sharex=True)
    width = 0.8 / len(analyses)
    for i, (label, blocks) in enumerate(zip(labels, per_spec)):
        positions = [g + (i - (len(analyses) - 1) / 2) * width for g in range(len(groups))]
        top.bar(positions, [blocks[n].macs / 1e9 if n in blocks else 0 for n in groups], width, label=one_line(label))
        bottom.bar(
            positions, [blocks[n].params / 1e6 if n in blocks else 0 for n in groups], width, label=one_line(label)
        )
    top.set_ylabel("GMACs")
    bottom.set_ylabel("M params")
    bottom.set_xticks(range(len(groups)), [one_line(g) for g in groups], rotation=45, ha="right", fontsize=8)
    top.legend()
    for axes in (top, bottom):
        axes.grid(axis="y", alpha=0.3)
        axes.set_axisbelow(True)
    figure.suptitle(one_line("MACs and params per block: " + " vs ".join(labels)))
    figure.tight_layout()
    data = _save(figure, fmt)
    plt.close(figure)
    return data


def sweep_chart(
    name: str, axis: str, values: Sequence[str], macs: Sequence[int], params: Sequence[int], fmt: str = "svg"
) -> bytes:
    """MACs and params against the swept value (the first axis of the sweep)."""
    plt = _pyplot()
    try:
        xs: list[Any] = [float(v) for v in values]
    except ValueError:
        xs = list(range(len(values)))
    figure, left = plt.subplots(figsize=(7, 4))
    left.plot(xs, [m / 1e6 for m in macs], marker="o", color=MACS_COLOR, label="MACs")
    left.set_ylabel("M MACs", color=MACS_COLOR)
    right = left.twinx()
    right.plot(xs, [p / 1e6 for p in params], marker="s", color=PARAMS_COLOR, label="params")
    right.set_ylabel("M params", color=PARAMS_COLOR)
    left.set_xlabel(axis)
    if xs == list(range(len(values))):
        left.set_xticks(xs, values)
    left.grid(alpha=0.3)
    figure.suptitle(one_line(f"{name}: MACs and params against {axis}"))
    figure.tight_layout()
    data = _save(figure, fmt)
    plt.close(figure)
    return data
