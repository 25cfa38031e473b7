"""`costcalc explain` in the terminal: each layer's numbers with the formulas that produce them."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from ..conventions import SUMMARY
from ..explain import Explanation
from ..layers import fmt_shape
from ..symbolic import Sym, shown

AXES = ("height", "width", "channels")


def explanation_text(item: Explanation) -> Text:
    text = Text()
    sources = ", ".join(f"{fmt_shape(shape)} from '{name}'" for name, shape in item.inputs) or "given by the spec"
    text.append(f"{item.layer}", style="bold")
    text.append(f"  ({item.kind})  {sources} → {fmt_shape(item.output)}\n")
    axes = AXES if len(item.dims) == 3 else ("features",)
    for axis, dim in zip(axes, item.dims):
        if isinstance(dim, Sym) and dim.text != str(dim.value):
            text.append(f"  output {axis}: {shown(dim)}\n")
    for label, value in (
        ("MACs", item.macs),
        ("params", item.params),
        ("non-trainable", item.non_trainable),
        ("other ops", item.other_ops),
    ):
        if value:
            text.append(f"  {label}: {shown(value)}\n")
    for note in item.notes:
        text.append(f"  note: {note}\n", style="italic")
    return text


def render_explanations(items: list[Explanation], console: Console) -> None:
    for item in items:
        console.print(explanation_text(item), soft_wrap=True)
    console.print(Text("Counts are for batch 1. " + SUMMARY, style="dim"))
