"""A sweep's rows (the settings, then the totals) as a terminal table or a file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from ..conventions import SUMMARY
from ..layers import fmt_shape
from ..sweep import Axis, Variant
from . import numbers
from .columns import TOTAL_FIELDS
from .table import Line, grid
from .tabular import Field, render_csv, render_latex, render_markdown

TABLE_TOTALS = ("params", "macs", "flops", "activations", "param_bytes", "activation_bytes")
PEAK_NOTE = "Peak memory: activation bytes held at once at inference (as analyze reports it)."


def fields(axes: Sequence[Axis], for_table: bool) -> list[Field]:
    setting_fields = [Field(axis.name, axis.name) for axis in axes if axis.name not in ("input", "batch")]
    out = [*setting_fields, Field("input", "Input", "shape"), Field("batch", "Batch", "count")]
    for key, label, _ in TOTAL_FIELDS:
        if not for_table or key in TABLE_TOTALS:
            out.append(Field(key, label, "count"))
    out.append(Field("peak_bytes", "Peak memory", "count"))
    return out


def row(variant: Variant) -> dict[str, Any]:
    out: dict[str, Any] = {k: v for k, v in variant.settings.items() if k not in ("input", "batch")}
    out["input"] = variant.input
    out["batch"] = variant.batch
    for key, _, _ in TOTAL_FIELDS:
        out[key] = getattr(variant.totals, key)
    out["peak_bytes"] = variant.peak_bytes
    return out


def sweep_text(name: str, axes: Sequence[Axis], variants: Sequence[Variant], exact: bool, width: int) -> Text:
    shown = fields(axes, for_table=True)
    lines: list[Line] = []
    for variant in variants:
        data = row(variant)
        cells = []
        for field in shown:
            value = data[field.key]
            if field.style == "shape":
                cells.append(fmt_shape(value))
            elif field.style == "count":
                bytes_ = field.key.endswith("bytes")
                cells.append(
                    numbers.exact(value) if exact else numbers.short_bytes(value) if bytes_ else numbers.short(value)
                )
            else:
                cells.append(str(value))
        lines.append((cells, [None] * len(cells)))
    right = [f.style == "count" for f in shown]
    return grid([f.header for f in shown], lines, right, None, width, f"{name}: {len(variants):,} variants")


def render_sweep(name: str, axes: Sequence[Axis], variants: Sequence[Variant], console: Console, exact: bool) -> None:
    console.print(sweep_text(name, axes, variants, exact, console.width), soft_wrap=True)
    console.print(Text(PEAK_NOTE + " " + SUMMARY, style="dim"))


def sweep_file(name: str, axes: Sequence[Axis], variants: Sequence[Variant], fmt: str) -> str:
    rows = [row(v) for v in variants]
    if fmt == "csv":
        return render_csv(fields(axes, for_table=False), rows)
    if fmt == "json":
        from ..conventions import CONVENTION
        from .json_report import dumps_readable

        for item in rows:
            item["input"] = list(item["input"])
        return dumps_readable(
            {"name": name, "axes": {a.name: list(a.values) for a in axes}, "conventions": CONVENTION, "variants": rows}
        )
    render = render_markdown if fmt == "markdown" else render_latex
    return render(fields(axes, for_table=True), rows, f"{name}: sweep", PEAK_NOTE + " " + SUMMARY)
