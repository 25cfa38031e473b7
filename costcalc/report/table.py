"""The terminal report: a rich table of layers, a totals panel and the counting convention."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..analysis import Analysis, BlockCost
from ..conventions import SUMMARY
from ..layers import fmt_shape
from . import numbers
from .columns import LAYER_COLUMNS, TOTAL_FIELDS, Column, Row

INDENT = "  "


def cell(column: Column, row: Row, analysis: Analysis, exact: bool) -> Text:
    value = column.get(row, analysis)
    if column.style == "count":
        return Text(numbers.exact(value) if exact else numbers.short(value))
    if column.style == "share":
        return Text(numbers.percent(*value))
    if column.style == "shape":
        return Text(fmt_shape(tuple(value)))
    if column.style == "names":
        return Text(", ".join(value))
    return Text("" if value is None else str(value))  # Text, never markup: names are user input


def layer_table(analysis: Analysis, depth: int | None = None, exact: bool = False) -> Table:
    columns = [c for c in LAYER_COLUMNS if c.in_table]
    batch = f" · batch {analysis.batch}" if analysis.batch != 1 else ""
    table = Table(
        title=f"{analysis.name} · input {fmt_shape(analysis.input)}{batch} · {analysis.dtype}",
        box=box.SIMPLE_HEAD,
        title_justify="left",
        pad_edge=False,
    )
    rows = analysis.rows(depth)
    longest = max(len(r.name) + len(INDENT) * r.depth for r in rows)
    for column in columns:
        numeric = column.style in ("count", "share")
        if column.key == "name":  # the name is what the reader looks for: it keeps its width, folding if huge
            table.add_column(column.header, min_width=min(longest, 48), overflow="fold")
        else:
            table.add_column(column.header, justify="right" if numeric else "left", no_wrap=True)
    by_name = {b.name: b for b in analysis.blocks}
    opened: set[str] = set()
    for row in rows:
        for block in _unopened_blocks(row, by_name, opened):
            opened.add(block.name)
            header = [Text("")] * len(columns)
            header[0] = Text(INDENT * block.depth + block.name, style="bold")
            header[1] = Text(block_kind(block), style="italic")
            header[2] = Text(fmt_shape(block.output), style="dim")
            table.add_row(*header)
        cells = [cell(c, row, analysis, exact) for c in columns]
        cells[0] = Text(INDENT * row.depth) + cells[0]
        if isinstance(row, BlockCost):  # a folded block
            cells[0].stylize("bold")
            cells[1] = Text(block_kind(row))
        table.add_row(*cells)
    totals = analysis.totals
    total_cells = {"name": "Total", "params": totals.params, "macs": totals.macs, "activations": totals.activations}
    table.add_section()
    table.add_row(*[_total_cell(c, total_cells, totals.macs, exact) for c in columns], style="bold")
    return table


def block_kind(block: BlockCost) -> str:
    return f"{block.kind} ×{block.repeat}" if block.repeat else block.kind


def _total_cell(column: Column, values: dict, macs: int, exact: bool) -> Text:
    if column.key == "macs_share":
        return Text(numbers.percent(macs, macs))
    value = values.get(column.key)
    if value is None:
        return Text("")
    if isinstance(value, int):
        return Text(numbers.exact(value) if exact else numbers.short(value))
    return Text(value)


def _unopened_blocks(row: Row, by_name: dict[str, BlockCost], opened: set[str]) -> list[BlockCost]:
    chain = []
    name = row.block
    while name is not None and name not in opened:
        block = by_name[name]
        chain.append(block)
        name = block.block
    return chain[::-1]


def totals_table(analysis: Analysis) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column("what")
    table.add_column("exact", justify="right")
    table.add_column("short", justify="right", style="dim")
    for key, label, unit in TOTAL_FIELDS:
        value = getattr(analysis.totals, key)
        shortened = numbers.short_bytes(value) if unit == "bytes" else numbers.short(value)
        table.add_row(label, numbers.exact(value), shortened)
    return table


def report_console(file: object = None) -> Console:
    """A console for reports: a terminal's own width; for a file or pipe (no width to respect, unless
    COLUMNS says one) wide enough that tables keep their natural width instead of being cropped."""
    import os
    import sys

    stream = file or sys.stdout
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    width = None if is_terminal or os.environ.get("COLUMNS") else 10_000
    return Console(file=file, width=width)


def print_whole(console: Console, renderable: object) -> None:
    """Print a report (kept for callers; the console from report_console already has the right width)."""
    console.print(renderable)


def render_analysis(analysis: Analysis, console: Console, depth: int | None = None, exact: bool = False) -> None:
    print_whole(console, Group(layer_table(analysis, depth, exact), totals_table(analysis), Text("")))
    console.print(Text(SUMMARY, style="dim"))
