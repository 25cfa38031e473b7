"""The roofline chart: attainable FLOP/s against arithmetic intensity, log-log, with the device's roof and
one point per layer coloured by kind, the heaviest named. matplotlib (the plot extra) is imported only
inside ``roofline_chart``; the SVG is reproducible (no timestamps, fixed ids).

A point is a layer with FLOPs: x = FLOPs / bytes moved, y = FLOPs / its estimated time. The roof is
min(peak, bandwidth × x) for each compute dtype the layers ran at (a dashed line where the estimate
includes an efficiency or overhead, the points can sit under it). Layers without FLOPs (pools,
activations, adds) are not points; the caption says how many.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import ChartError
from .roofline import Roofline
from .traffic import Traffic
from .units import short

NAMED = 5  # the heaviest layers (by estimated time) get their name beside the point


def roofline_chart(roofline: Roofline, traffic: Traffic, fmt: str = "svg", named: int = NAMED) -> bytes:
    """The chart as SVG or PNG bytes."""
    if fmt not in ("svg", "png"):
        raise ChartError(f"cannot draw a chart as '{fmt}'; expected svg or png")
    plt = _pyplot()
    device = roofline.device
    by_name = {row.name: row for row in traffic.layers}
    points = [(t, by_name[t.name]) for t in roofline.layers if t.flops > 0 and t.bytes > 0 and t.seconds > 0]
    figure, ax = plt.subplots(figsize=(7.5, 5))
    kinds = sorted({t.kind for t, _ in points})
    colours = plt.get_cmap("tab10")
    for i, kind in enumerate(kinds):
        chosen = [(t, row) for t, row in points if t.kind == kind]
        ax.scatter(
            [row.flops / row.bytes for _, row in chosen],
            [t.attainable for t, _ in chosen],
            s=18,
            color=colours(i % 10),
            label=f"{kind} ({len(chosen)})",
            zorder=3,
        )
    xs = [row.flops / row.bytes for _, row in points] or [1.0]
    low, high = min(xs) / 4, max(xs) * 4
    bandwidth = device.bandwidth.value
    for dtype in sorted({t.compute_dtype for t, _ in points}) or ["float32"]:
        peak = device.peak_for(dtype)[1].value
        ridge = peak / bandwidth
        grid = sorted({low, high, min(max(ridge, low), high)})
        ax.plot(grid, [min(peak, bandwidth * x) for x in grid], color="#444444", linewidth=1.2, zorder=2)
        ax.annotate(
            f"{dtype} {short(peak, 'OP/s' if dtype.startswith('int') else 'FLOP/s')}",
            (high, peak),
            ha="right",
            va="bottom",
            fontsize=8,
            color="#444444",
        )
    ax.annotate(
        f"{short(bandwidth, 'B/s')}",
        (low, bandwidth * low),
        ha="left",
        va="bottom",
        rotation=0,
        fontsize=8,
        color="#444444",
    )
    heaviest = sorted(points, key=lambda p: p[0].seconds, reverse=True)[:named]
    for i, (t, row) in enumerate(heaviest):
        ax.annotate(
            t.name,
            (row.flops / row.bytes, t.attainable),
            fontsize=7,
            xytext=(6, -12 - 9 * i),
            textcoords="offset points",
            arrowprops={"arrowstyle": "-", "linewidth": 0.4, "color": "#888888"},
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    # plain-text ticks: math text is off so that layer names stay as written
    from matplotlib.ticker import FuncFormatter, LogLocator

    ax.xaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: short(v, "FLOP/s")))
    ax.set_xlabel("arithmetic intensity (FLOP per byte moved)")
    ax.set_ylabel("attainable FLOP/s (FLOPs / estimated time)")
    hidden = len(roofline.layers) - len(points)
    ax.set_title(f"{roofline.name} on {device.title}", fontsize=10)
    figure.text(
        0.01,
        0.01,
        f"{len(points)} layers with FLOPs; {hidden} without (pools, activations, merges, views) not shown",
        fontsize=7,
        color="#666666",
    )
    if kinds:
        ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, which="major", linewidth=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else {}, dpi=120)
    plt.close(figure)
    return buffer.getvalue()


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ChartError(
            "the roofline chart needs matplotlib, which is not installed; install it with pip install 'costcalc[plot]'"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "costcalc"
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["text.parse_math"] = False  # layer names stay text
    return plt
