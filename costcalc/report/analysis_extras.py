"""The optional parts of the analyze report: peak memory, receptive fields and the training estimate,
for the terminal (rows, columns, a section) and for JSON (plain values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import numbers
from .columns import Column

if TYPE_CHECKING:  # the JSON report imports this module: it loads nothing it does not need
    from fractions import Fraction

    from ..analysis import Analysis
    from ..memory import PeakMemory
    from ..receptive_field import ReceptiveField
    from ..training import TrainingCost

TotalRow = tuple[str, str, str, str]  # as report.table prints them: label, exact, short, note

HELD_SHOWN = 4


# ---------------------------------------------------------------- peak memory


def peak_row(peak: PeakMemory) -> TotalRow:
    """'Peak memory  9,633,792  9.19 MiB  activations held at once, at layer1.0.add_1 (…)'."""
    held = ", ".join(peak.held[:HELD_SHOWN])
    if len(peak.held) > HELD_SHOWN:
        held += f" and {len(peak.held) - HELD_SHOWN} more"
    mode = " (activations in place)" if peak.in_place else ""
    return (
        "Peak memory",
        numbers.exact(peak.bytes),
        numbers.short_bytes(peak.bytes),
        f"activations held at once{mode}: at {peak.layer}, holding {held}",
    )


def peak_dict(peak: PeakMemory) -> dict[str, Any]:
    return {
        "bytes": peak.bytes,
        "elements": peak.elements,
        "layer": peak.layer,
        "held": list(peak.held),
        "in_place": peak.in_place,
    }


# ---------------------------------------------------------------- receptive fields


def number(x: int | Fraction) -> int | float:
    return x if isinstance(x, int) else int(x) if x.denominator == 1 else float(x)


def pair_text(values: tuple[Any, Any]) -> str:
    a, b = (str(v) for v in values)
    return a if a == b else f"{a}×{b}"


def rf_text(field: ReceptiveField) -> str:
    size = "×".join(str(s) for s in field.size)
    return f"{size} (whole input)" if field.whole else size


def rf_columns(by_name: dict[str, ReceptiveField]) -> tuple[Column, Column]:
    """Two columns for the layer table and the exports: the field's size and its jump, read by row name."""
    return (
        Column(
            "rf",
            "RF",
            "text",
            "receptive field on the input, height×width pixels (whole input: fc and global pools)",
            lambda r, a: rf_text(by_name[r.name]),
        ),
        Column(
            "rf_jump",
            "Jump",
            "text",
            "input pixels between neighbouring outputs (effective stride)",
            lambda r, a: pair_text(by_name[r.name].jump),
        ),
    )


def rf_dict(field: ReceptiveField) -> dict[str, Any]:
    return {
        "rf_size": [number(v) for v in field.size],
        "rf_jump": [number(v) for v in field.jump],
        "rf_whole": field.whole,
    }


# ---------------------------------------------------------------- training


def training_text(cost: TrainingCost, analysis: Analysis) -> Any:
    """The training estimate as rich Text (rich is imported here only: JSON reports need none of it)."""
    from rich.text import Text

    from ..training import OPTIMIZERS

    state, what = OPTIMIZERS[cost.optimizer]
    batch = f"batch {analysis.batch}, " if analysis.batch != 1 else ""
    memory = [
        ("Weights", cost.weight_bytes, "params and non-trainable buffers"),
        ("Gradients", cost.gradient_bytes, "one per param"),
        ("Optimizer state", cost.optimizer_bytes, f"{state} per param: {what}"),
        ("Activations kept", cost.activation_bytes, "every layer's output, for the backward pass"),
        ("Training memory", cost.total_bytes, "the sum"),
    ]
    forward = cost.forward_macs
    skipped = cost.reads_network_input
    names = ", ".join(skipped[:3]) + (" …" if len(skipped) > 3 else "")
    first = (
        f"none for {names} ({'it reads' if len(skipped) == 1 else 'they read'} the network input)" if skipped else ""
    )
    compute = [
        ("Forward MACs", forward, ""),
        ("Input gradients", cost.input_gradient_macs, "= forward MACs of each layer" + (f"; {first}" if first else "")),
        ("Weight gradients", cost.weight_gradient_macs, "= forward MACs of each layer"),
        ("Backward MACs", cost.backward_macs, "input + weight gradients"),
        (
            "Training step MACs",
            cost.step_macs,
            f"forward + backward = {cost.step_macs / forward:.2f} × forward" if forward else "",
        ),
    ]
    rows = [(label, numbers.exact(v), numbers.short_bytes(v), note) for label, v, note in memory]
    rows += [(label, numbers.exact(v), numbers.short(v), note) for label, v, note in compute]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    text = Text()
    text.append(f"Training with {cost.optimizer} ({batch}{analysis.dtype})\n", style="bold")
    for index, (label, exact, short, note) in enumerate(rows):
        if index == len(memory):
            text.append("\n")
        text.append(f"{label:<{widths[0]}}  {exact:>{widths[1]}}  ")
        text.append(f"{short:>{widths[2]}}", style="dim")
        text.append(f"  {note}\n" if note else "\n", style="dim")
    text.append(
        "Backward: the gradients with respect to a conv or fc layer's input and to its weights each cost its "
        "forward MACs, none with respect to the network input: about 3 × forward in all.\n",
        style="dim",
    )
    return text


def training_dict(cost: TrainingCost) -> dict[str, Any]:
    return {
        "optimizer": cost.optimizer,
        "optimizer_state_per_param": cost.state_per_param,
        "weight_bytes": cost.weight_bytes,
        "gradient_bytes": cost.gradient_bytes,
        "optimizer_bytes": cost.optimizer_bytes,
        "activation_bytes": cost.activation_bytes,
        "total_bytes": cost.total_bytes,
        "forward_macs": cost.forward_macs,
        "input_gradient_macs": cost.input_gradient_macs,
        "weight_gradient_macs": cost.weight_gradient_macs,
        "backward_macs": cost.backward_macs,
        "step_macs": cost.step_macs,
        "no_input_gradient": list(cost.reads_network_input),
    }
