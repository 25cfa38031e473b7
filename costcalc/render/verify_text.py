"""The result of `costcalc verify` in the terminal: every mismatch, or one line saying all agree."""

from __future__ import annotations

from typing import Any

from . import layout
from .layout import Col, Line, TableRow
from .terminal import words
from .text import one_line, shape


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return shape(value)
    return f"{value:,}" if isinstance(value, int) else one_line(str(value))


def verification_lines(result: Any, torch_version: str, width: int | None) -> list[Line]:
    params, macs = result.params, result.macs
    out: list[Line] = []
    if result.mismatches:
        out += [
            *words(one_line(f"{result.name}: mismatches against PyTorch {torch_version}"), width, "italic", "  "),
            [],
        ]
        cols = [Col("Layer", fit="middle"), Col("Quantity"), Col("costcalc", True), Col("PyTorch", True, fit="wrap")]
        rows = [
            TableRow([one_line(m.layer), m.quantity, _show(m.costcalc), _show(m.pytorch)]) for m in result.mismatches
        ]
        out += layout.lay_out(cols, rows, width).lines
    else:
        out += words(
            one_line(
                f"verified {result.name} against PyTorch {torch_version}"
                f"{' (meta device: shapes and counts, nothing computed)' if result.meta else ''}: "
                f"{result.layers} layers, every output "
                f"shape, params and MACs equal; params {params[0]:,}, MACs {macs[0]:,} "
                f"(FlopCounterMode {2 * macs[1]:,} FLOPs / 2)"
            ),
            width,
            "bold",
            "  ",
        )
    unchecked = result.unchecked
    if unchecked:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(unchecked.items(), key=lambda kv: -kv[1]))
        out += words(
            f"unchecked: other ops of {sum(unchecked.values())} layers ({kinds}); "
            "PyTorch's FlopCounterMode counts only matrix products and convolutions",
            width,
            "dim",
            "  ",
        )
    return out
