"""`costcalc specs` and `costcalc kinds` in the terminal: what is bundled, what a spec may use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import layout
from .layout import Col, Line, TableRow
from .terminal import words
from .text import one_line, short


def specs_lines(items: Sequence[Any], width: int | None, exact: bool = False) -> list[Line]:
    """One row per bundled spec: the description gives way first on a narrow screen (it wraps)."""
    cols = [
        Col("Spec", fit="middle"),
        Col("Input", priority=3),
        Col("Params", True, 2),
        Col("MACs", True, 1),
        Col("Description", priority=4, fit="wrap"),
    ]
    rows = []
    shown: set[str] = set()
    for item in items:  # a family's variants together, under the family's name, where the first of them sorts
        family = getattr(item, "family", None)
        if family is None:
            rows.append(TableRow(_cells(item, "", exact)))
        elif family not in shown:
            shown.add(family)
            members = [i for i in items if getattr(i, "family", None) == family]
            rows.append(TableRow([one_line(family), "", "", "", f"a family of {len(members)} variants:"], "bold"))
            rows += [TableRow(_cells(member, "  ", exact)) for member in members]
    laid = layout.lay_out(cols, rows, width)
    out = list(laid.lines)
    if laid.hidden:
        out += words(
            f"hidden to fit the width: {', '.join(laid.hidden)} (a wider terminal shows them)", width, "dim", " ", " "
        )
    return out


def _cells(item: Any, indent: str = "", exact: bool = False) -> list[str]:
    count = (lambda n: f"{n:,}") if exact else short
    return [indent + one_line(item.name), item.input, count(item.params), count(item.macs), one_line(item.summary)]


def kinds_lines(kinds: Sequence[tuple[str, str]], width: int | None) -> list[Line]:
    size = max(len(name) for name, _ in kinds) + 2
    out: list[Line] = []
    for name, summary in kinds:
        out += words(summary, width, None, " " * size, name.ljust(size))
    return out


def kind_lines(
    name: str, summary: str, inputs: str, params: Sequence[tuple[str, str, str]], width: int | None
) -> list[Line]:
    out = words(f"{name}: {summary}", width, None, "  ")
    out += words(f"inputs: {inputs}", width)
    size = max((len(p) for p, _, _ in params), default=0) + 4
    for param, doc, default in params:
        out += words(f"{doc} ({default})", width, None, " " * size, f"  {param.ljust(size - 2)}")
    return out
