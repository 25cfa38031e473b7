"""The result of `costcalc verify` in the terminal: every mismatch, or one line saying all agree."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..layers import fmt_shape
from .table import Line, grid


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return fmt_shape(value)
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_verification(result: object, console: Console) -> None:
    import torch

    params, macs = result.params, result.macs  # type: ignore[attr-defined]
    if result.mismatches:  # type: ignore[attr-defined]
        lines: list[Line] = [
            ([m.layer, m.quantity, _show(m.costcalc), _show(m.pytorch)], [None] * 4) for m in result.mismatches
        ]  # type: ignore[attr-defined]
        console.print(
            grid(
                ["Layer", "Quantity", "costcalc", "PyTorch"],
                lines,
                [False, False, True, True],
                None,
                console.width,
                f"{result.name}: mismatches against PyTorch {torch.__version__}",
            ),  # type: ignore[attr-defined]
            soft_wrap=True,
        )
    else:
        console.print(
            Text(
                f"verified {result.name} against PyTorch {torch.__version__}: {result.layers} layers, every output "  # type: ignore[attr-defined]
                f"shape, params and MACs equal; params {params[0]:,}, MACs {macs[0]:,} "
                f"(FlopCounterMode {2 * macs[1]:,} FLOPs / 2)",
                style="bold",
            ),
            soft_wrap=True,
        )
    unchecked = result.unchecked  # type: ignore[attr-defined]
    if unchecked:
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(unchecked.items(), key=lambda kv: -kv[1]))
        console.print(
            Text(
                f"unchecked: other ops of {sum(unchecked.values())} layers ({kinds}); "
                "PyTorch's FlopCounterMode counts only matrix products and convolutions",
                style="dim",
            ),
            soft_wrap=True,
        )
