"""The terminal report: a table of layers, a totals panel and the counting convention.

The layer table is laid out here (fixed-width columns) and printed as one rich Text: rich's Table
measures every cell through its generic renderable protocol, about 0.4 ms a row, which made
`costcalc analyze resnet152` three times slower than the import floor. Styles, colour and
NO_COLOR still go through rich.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..analysis import Analysis, BlockCost
from ..breakdown import GroupCost
from ..conventions import SUMMARY
from ..layers import fmt_shape
from . import numbers
from .columns import GROUP_COLUMNS, LAYER_COLUMNS, TOTAL_FIELDS, Column, Row

INDENT = "  "
GAP = "   "
LARGE_TABLE = 500  # rows; a larger table shows only the heaviest layers unless --all
HEAVIEST = 25

Line = tuple[list[str], list[str | None]]  # cells and their styles


def report_console(file: object = None) -> Console:
    """A console for reports: a terminal's own width; for a file or pipe (no width to respect, unless
    COLUMNS says one) wide enough that tables keep their natural width instead of being cropped."""
    stream = file or sys.stdout
    is_terminal = hasattr(stream, "isatty") and stream.isatty()
    width = None if is_terminal or os.environ.get("COLUMNS") else 10_000
    return Console(file=file, width=width)  # type: ignore[arg-type]


def print_whole(console: Console, renderable: object) -> None:
    """Print a report (kept for callers; the console from report_console already has the right width)."""
    console.print(renderable)


def cell_text(column: Column, row: Row, analysis: Analysis, exact: bool) -> str:
    value = column.get(row, analysis)
    if column.style == "count":
        return numbers.exact(value) if exact else numbers.short(value)
    if column.style == "share":
        return numbers.percent(*value)
    if column.style == "shape":
        return fmt_shape(tuple(value))
    if column.style == "names":
        return ", ".join(value)
    return "" if value is None else str(value)


def block_kind(block: BlockCost) -> str:
    return f"{block.kind} ×{block.repeat}" if block.repeat else block.kind


BAR_WIDTH = 16
_EIGHTHS = " ▏▎▍▌▋▊▉"
CHART_HEADERS = ("MACs share", "params share")
CHART_STYLES = ("dark_orange", "deep_sky_blue3")


def bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """A horizontal bar of ``fraction`` × width cells, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, fraction)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def chart_cells(row: Row, analysis: Analysis) -> list[str]:
    totals = analysis.totals
    cells = []
    for part, whole in ((row.macs, totals.macs), (row.params, totals.params)):
        share = part / whole if whole else 0.0
        cells.append(f"{bar(share)} {100 * share:5.1f}%" if part else "")
    return cells


def table_lines(
    analysis: Analysis,
    depth: int | None = None,
    exact: bool = False,
    show_all: bool = False,
    chart: bool = False,
    extra_columns: Sequence[Column] = (),
) -> tuple[list[Column], list[Line], str | None]:
    """The table's columns (and any extra ones), its lines (cells and styles), and a note when only the
    heaviest are shown.

    With ``chart``, each row ends with two bars: its share of the MACs and of the params."""
    columns, lines, note = _table_lines(analysis, depth, exact, show_all, extra_columns)
    if not chart:
        return columns, [line for line, _ in lines], note
    charted: list[Line] = []
    for (cells, styles), row in lines:
        extra = chart_cells(row, analysis) if row is not None else ["", ""]
        charted.append(([*cells, *extra], [*styles, *CHART_STYLES]))
    return columns, charted, note


def _table_lines(
    analysis: Analysis, depth: int | None, exact: bool, show_all: bool, extra_columns: Sequence[Column] = ()
) -> tuple[list[Column], list[tuple[Line, Row | None]], str | None]:
    columns = [c for c in LAYER_COLUMNS if c.in_table] + list(extra_columns)
    rows = analysis.rows(depth)
    note = None
    plain = [None] * len(columns)
    lines: list[tuple[Line, Row | None]] = []
    if len(rows) > LARGE_TABLE and not show_all:
        heaviest = sorted(rows, key=lambda r: r.macs, reverse=True)[:HEAVIEST]
        note = (
            f"the {len(heaviest)} heaviest of {len(rows):,} rows by MACs; --all shows every row, --depth N folds blocks"
        )
        for row in heaviest:
            lines.append((([cell_text(c, row, analysis, exact) for c in columns], plain), row))
    else:
        by_name = {b.name: b for b in analysis.blocks}
        opened: set[str] = set()
        for row in rows:
            for block in _unopened_blocks(row, by_name, opened):
                opened.add(block.name)
                cells = [""] * len(columns)
                cells[0] = INDENT * block.depth + block.name
                cells[1] = block_kind(block)
                cells[2] = fmt_shape(block.output)
                lines.append(((cells, ["bold", "italic", "dim", *plain[3:]]), None))
            cells = [cell_text(c, row, analysis, exact) for c in columns]
            cells[0] = INDENT * row.depth + cells[0]
            if isinstance(row, BlockCost):  # a folded block
                cells[1] = block_kind(row)
                lines.append(((cells, ["bold", *plain[1:]]), row))
            else:
                lines.append(((cells, plain), row))
    return columns, lines, note


def _unopened_blocks(row: Row, by_name: dict[str, BlockCost], opened: set[str]) -> list[BlockCost]:
    chain = []
    name = row.block
    while name is not None and name not in opened:
        block = by_name[name]
        chain.append(block)
        name = block.block
    return chain[::-1]


def _totals_cells(columns: list[Column], analysis: Analysis, exact: bool) -> list[str]:
    totals = analysis.totals
    cells = []
    for column in columns:
        if column.key in ("name", "group"):
            cells.append("Total")
        elif column.style == "share":
            cells.append("100.00%")
        elif column.key in ("params", "macs", "activations", "other_ops", "non_trainable", "flops"):
            value = getattr(totals, column.key)
            cells.append(numbers.exact(value) if exact else numbers.short(value))
        elif column.key == "layers":
            cells.append(str(len(analysis.layers)))
        else:
            cells.append("")
    return cells


def grid(
    headers: list[str],
    lines: list[Line],
    right: list[bool],
    footer: list[str] | None = None,
    width: int = 10_000,
    title: str | None = None,
    shrink: int = 0,
) -> Text:
    """Columns laid out at fixed widths, as one Text. To fit ``width``, column ``shrink`` is cut: a first
    column (names) from the left, keeping the informative end of a dotted path; any other from the right."""
    every = [headers, *(cells for cells, _ in lines), *([footer] if footer else [])]
    widths = [max(cell_len(cells[i]) for cells in every) for i in range(len(headers))]
    room = width - (sum(widths) - widths[shrink]) - len(GAP) * (len(headers) - 1) - 1
    if widths[shrink] > room:
        widths[shrink] = max(room, min(widths[shrink], 12))  # cut a wide column, never widen a narrow one

    def render(cells: list[str]) -> list[str]:
        out = []
        for i, cell in enumerate(cells):
            size = cell_len(cell)
            if size > widths[i]:
                cell = "…" + cell[-(widths[i] - 1) :] if i == 0 else cell[: widths[i] - 1] + "…"
                size = cell_len(cell)
            pad = " " * (widths[i] - size)
            out.append(pad + cell if right[i] else cell + pad)
        return out

    text = Text()
    if title:
        text.append(title + "\n", style="italic")
        text.append("\n")
    text.append(" " + GAP.join(render(headers)).rstrip() + "\n", style="bold")
    text.append(" " + "─" * (sum(widths) + len(GAP) * (len(headers) - 1)) + "\n")
    for cells, styles in lines:
        rendered = render(cells)
        if any(styles):
            text.append(" ")
            for i, (part, style) in enumerate(zip(rendered, styles)):
                text.append(part, style=style)
                if i < len(rendered) - 1:
                    text.append(GAP)
            text.append("\n")
        else:
            text.append(" " + GAP.join(rendered).rstrip() + "\n")
    if footer:
        text.append("\n")
        text.append(" " + GAP.join(render(footer)).rstrip() + "\n", style="bold")
    return text


def layer_table(
    analysis: Analysis,
    depth: int | None = None,
    exact: bool = False,
    show_all: bool = False,
    width: int = 10_000,
    chart: bool = False,
    extra_columns: Sequence[Column] = (),
) -> Text:
    """The layer table as one Text, no wider than ``width`` (long names are cut from the left)."""
    columns, lines, note = table_lines(analysis, depth, exact, show_all, chart, extra_columns)
    extra = list(CHART_HEADERS) if chart else []
    text = grid(
        [c.header for c in columns] + extra,
        lines,
        [c.style in ("count", "share") for c in columns] + [False] * len(extra),
        _totals_cells(columns, analysis, exact) + [""] * len(extra),
        width,
        title(analysis),
    )
    if note:
        text.append(f"\n {note}\n", style="dim")
    return text


def title(analysis: Analysis) -> str:
    batch = f" · batch {analysis.batch}" if analysis.batch != 1 else ""
    return f"{analysis.name} · input {fmt_shape(analysis.input)}{batch} · {analysis.dtype}"


def breakdown_table(analysis: Analysis, groups: list[GroupCost], exact: bool = False, width: int = 10_000) -> Text:
    """A breakdown (--by kind / --by block) with each group's share of params and MACs."""
    by_kind = all(g.name.startswith(g.kind) for g in groups)  # the Kind column would repeat the group
    columns = [c for c in GROUP_COLUMNS if c.in_table and not (by_kind and c.key == "kind")]
    plain: list[str | None] = [None] * len(columns)
    lines: list[Line] = [([cell_text(c, g, analysis, exact) for c in columns], plain) for g in groups]
    return grid(
        [c.header for c in columns],
        lines,
        [c.style in ("count", "share") for c in columns],
        _totals_cells(columns, analysis, exact),
        width,
        title(analysis),
    )


def render_breakdown(analysis: Analysis, groups: list[GroupCost], console: Console, exact: bool = False) -> None:
    console.print(breakdown_table(analysis, groups, exact, console.width), soft_wrap=True)
    console.print(Text(SUMMARY, style="dim"))


TotalRow = tuple[str, str, str, str]  # label, exact, short, a note after it ('' for none)


def totals_text(analysis: Analysis, extra_rows: Sequence[TotalRow] = ()) -> Text:
    """The totals, exact and short (decimal units for counts, binary for bytes), one per line."""
    rows: list[TotalRow] = []
    for key, label, unit in TOTAL_FIELDS:
        value = getattr(analysis.totals, key)
        short = numbers.short_bytes(value) if unit == "bytes" else numbers.short(value)
        rows.append((label, numbers.exact(value), short, ""))
    rows += extra_rows
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    text = Text()
    for label, exact, short, note in rows:
        text.append(f"{label:<{widths[0]}}  {exact:>{widths[1]}}  ")
        text.append(f"{short:>{widths[2]}}", style="dim")
        text.append(f"  {note}\n" if note else "\n", style="dim")
    return text


def render_analysis(
    analysis: Analysis,
    console: Console,
    depth: int | None = None,
    exact: bool = False,
    show_all: bool = False,
    chart: bool = False,
    extra_columns: Sequence[Column] = (),
    extra_rows: Sequence[TotalRow] = (),
    sections: Sequence[Text] = (),
) -> None:
    """The layer table (with any extra columns), the totals (with any extra rows), further sections
    (the training estimate), then the convention."""
    table = layer_table(analysis, depth, exact, show_all, console.width, chart, extra_columns)
    console.print(table, soft_wrap=True)
    console.print(totals_text(analysis, extra_rows), soft_wrap=True)
    for section in sections:
        console.print(section, soft_wrap=True)
    console.print(Text(SUMMARY, style="dim"))
