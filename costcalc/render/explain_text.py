"""`costcalc explain` in the terminal: each layer's numbers with the formulas that produce them,
wrapped between words to the terminal's width."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..conventions import SUMMARY
from ..explain import Explanation
from ..symbolic import Sym, shown
from .layout import Line
from .terminal import words
from .text import one_line, shape

AXES = ("height", "width", "channels")


def explanation_lines(item: Explanation, width: int | None, hardware: Sequence[str] = ()) -> list[Line]:
    sources = ", ".join(f"{shape(dims)} from '{one_line(name)}'" for name, dims in item.inputs) or "given by the spec"
    out: list[Line] = []
    head = words(f"  ({item.kind})  {sources} → {shape(item.output)}", width, None, "      ", one_line(item.layer))
    first = head[0][0][0]
    name = one_line(item.layer)
    out.append([(name, "bold"), (first[len(name) :], None)])
    out += head[1:]
    axes = AXES if len(item.dims) == 3 else ("features",)
    for axis, dim in zip(axes, item.dims):
        if isinstance(dim, Sym) and dim.text != str(dim.value):
            out += words(shown(dim), width, None, "      ", f"  output {axis}: ")
    for label, value in (
        ("MACs", item.macs),
        ("params", item.params),
        ("non-trainable", item.non_trainable),
        ("other ops", item.other_ops),
    ):
        if value:
            out += words(shown(value), width, None, "      ", f"  {label}: ")
    for line in hardware:  # --device: the bytes it moves and the time they take, with the rule's arithmetic
        out += words(line, width, None, "      ", "  ")
    for note in item.notes:
        out += words(one_line(note), width, "italic", "        ", "  note: ")
    return out


def explain_lines(
    items: Sequence[Explanation], width: int | None, batch: int = 1, hardware: Mapping[str, Sequence[str]] | None = None
) -> list[Line]:
    out: list[Line] = []
    for item in items:
        out += explanation_lines(item, width, (hardware or {}).get(item.layer, ()))
        out.append([])
    scale = (
        "batch 1" if batch == 1 else f"one input; --batch {batch} multiplies MACs, other ops and activations by {batch}"
    )
    out += words(f"Counts are for {scale}. " + SUMMARY, width, "dim")
    return out
