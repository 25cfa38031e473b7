"""`costcalc specs` and `costcalc kinds` in the terminal: what is bundled, what a spec may use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import layout
from .layout import Col, Line, TableRow
from .terminal import words
from .text import one_line, short


def specs_lines(items: Sequence[Any], width: int | None, exact: bool = False) -> list[Line]:
    """One row per bundled spec, a family's variants indented under it, in order of name. The names are
    what a user types, so they are never shortened: where the description cannot have a readable column
    beside them, it goes on its own line under its row."""
    own = {item.name: item for item in items}
    families: dict[str, list[Any]] = {}
    for item in items:
        if getattr(item, "family", None) is not None:
            families.setdefault(item.family, []).append(item)
    rows: list[tuple[TableRow, str]] = []
    for key in sorted({getattr(i, "family", None) or i.name for i in items}):
        members = families.get(key)
        if members is None:
            rows.append(_row(own[key], "", exact))
            continue
        what = f"a family of {len(members)} variants"
        if key in own:  # the family file itself analyses, with its vars' defaults
            head, summary = _row(own[key], "", exact)
            rows.append((TableRow(head.cells, "bold"), f"{what}; as written: {summary}"))
        else:
            rows.append((TableRow([one_line(key), "", "", ""], "bold"), what + ":"))
        said = one_line(own[key].summary) if key in own else None
        for member in members:  # a variant's description only where it says more than its family's
            row, summary = _row(member, "  ", exact)
            summary = summary.removesuffix(f"; the {key} family")  # it stands under its family
            rows.append((row, "" if summary == said else summary))
    cols = [Col("Spec"), Col("Input", priority=3), Col("Params", True, 2), Col("MACs", True, 1)]
    if width is None or _room(cols, rows, width) >= 28:
        laid = layout.lay_out(
            [*cols, Col("Description", priority=4, fit="wrap")], [_with(r, s) for r, s in rows], width
        )
        out = list(laid.lines)
    else:  # stacked: the numbers in a table, each description on the lines under its row
        laid = layout.lay_out(cols, [r for r, _ in rows], width)
        out = list(laid.lines[:2])
        for line, (_, summary) in zip(laid.lines[2:], rows):
            out.append(line)
            if summary:
                out += words(summary, width, "dim", "      ", "      ")
    if laid.hidden:
        out += words(
            f"hidden to fit the width: {', '.join(laid.hidden)} (a wider terminal shows them)", width, "dim", " ", " "
        )
    return out


def _room(cols: Sequence[Col], rows: Sequence[tuple[TableRow, str]], width: int) -> int:
    """The width left for a description column beside the others at their natural widths."""
    laid = layout.lay_out(cols, [r for r, _ in rows], None)
    return width - max(layout.cell_len("".join(text for text, _ in line)) for line in laid.lines) - 2


def _with(row: TableRow, summary: str) -> TableRow:
    return TableRow([*row.cells, summary], row.style)


def _row(item: Any, indent: str = "", exact: bool = False) -> tuple[TableRow, str]:
    count = (lambda n: f"{n:,}") if exact else short
    cells = [indent + one_line(item.name), item.input, count(item.params), count(item.macs)]
    return TableRow(cells), one_line(item.summary)


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
