"""Reports in the terminal: tables, totals and notes laid out to the terminal's width (or at full width
for a file or pipe), in colour unless NO_COLOR is set."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.text import Text

from ..columns import Column
from ..conventions import SUMMARY
from ..reporting import RELATION_NOTE, ComparisonReport, Report, Section, SweepReport
from ..tables import SWEEP_NOTE, Table, aligned_layers, comparison_totals, grouped, report_table, sweep_variants
from . import layout
from .layout import Bar, Col, Laid, Line, TableRow
from .text import exact as exact_text
from .text import for_encoding, one_line, short, short_bytes, value_text

INDENT = "  "
LARGE_TABLE = 500  # rows; a larger table shows only the heaviest unless --all
HEAVIEST = 25


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich would exit with status 1 (the "check failed" status): let the caller end as a Unix tool does
        raise BrokenPipeError


class Screen:
    """Where a report is printed: a terminal (its width, its colours) or a file or pipe (full width, no
    colour codes; COLUMNS sets a width anyway)."""

    def __init__(self, file: Any = None) -> None:
        stream = file if file is not None else sys.stdout
        if stream is None:  # started with standard output closed (>&-)
            from ..errors import CostcalcError

            raise CostcalcError("standard output is closed: give -o FILE")
        self.width = output_width(stream)
        self.console = _Console(file=stream, width=self.width or 100_000, highlight=False)
        self.encoding = getattr(stream, "encoding", None) or "utf-8"

    def print(self, lines: Sequence[Line]) -> None:
        """Lines of (text, style) pieces, printed as they are (already laid out: no wrapping here)."""
        text = Text()
        for line in lines:
            for piece, style in line:
                text.append(for_encoding(piece, self.encoding), style=style)
            text.append("\n")
        self.console.print(text, soft_wrap=True, end="")


MIN_WIDTH = 20  # narrower than this, nothing useful fits: lay out at this width all the same


def output_width(stream: Any) -> int | None:
    """The width to lay out for: COLUMNS when set, else the terminal's own (of this very stream, not of
    whatever terminal stdin is); None for a file or pipe, which get everything at full width."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(int(columns), MIN_WIDTH)
    try:
        if stream.isatty():
            return max(os.get_terminal_size(stream.fileno()).columns or 80, MIN_WIDTH)
    except (AttributeError, ValueError, OSError):
        pass
    return None


def words(text: str, width: int | None, style: str | None = None, indent: str = "", first: str = "") -> list[Line]:
    """A paragraph of our own words (spec text inside already made one-line), wrapped between words."""
    return [[(line, style)] for line in layout.paragraph(text, width, indent, first)]


# ---------------------------------------------------------------- any table


def _cell(column: Column, item: Any, exact: bool) -> layout.Cell:
    value = column.value(item)
    if column.unit == "bar":
        if value is None:
            return ""
        part, whole = value
        return Bar(part / whole if whole else 0.0, value_text(value, "share", exact)) if part else ""
    return one_line(value_text(value, column.unit, exact))


def _total_cell(column: Column, item: Any, exact: bool) -> layout.Cell:
    if column.unit in ("count", "bytes", "share"):
        return value_text(column.value(item), column.unit, exact)
    return "Total" if column.key in ("name", "group") else ""


def _grid_col(table: Table, column: Column) -> Col:
    if column.key == table.tree_key:
        fit = "middle"
    elif column.unit == "bar":
        fit = "bar"
    elif column.key in ("relation", "note"):
        fit = "wrap"
    else:
        fit = "fixed"
    style = {"macs_chart": "dark_orange", "params_chart": "deep_sky_blue3"}.get(column.key)
    group = column.key.rstrip("0123456789") if table.key == "aligned" else ""  # each spec's outputs together
    return Col(one_line(column.header), column.numeric, column.priority, fit, style, group)  # type: ignore[arg-type]


def table_lines(
    table: Table, width: int | None, exact: bool = False, show_all: bool = False, choose: str = "-f csv shows them all"
) -> list[Line]:
    """A table laid out to ``width``, with a footer naming any column hidden to fit it (and ``choose``:
    how to see them)."""
    exact = exact or table.exact
    entries = list(table.entries)
    tree = True
    body_entries = [e for e in entries if e.role != "total"]
    note = None
    if len(body_entries) > LARGE_TABLE and not show_all and table.key in ("layers", "groups", "aligned"):
        heaviest = sorted(body_entries, key=lambda e: _macs(e.item), reverse=True)[:HEAVIEST]
        note = (
            f"the {HEAVIEST} heaviest of {len(body_entries):,} rows by MACs; "
            "--all shows every row, --depth N folds blocks"
        )
        entries = heaviest + [e for e in entries if e.role == "total"]
        tree = False
    rows = []
    for entry in entries:
        if entry.role == "total":
            cells = [_total_cell(c, entry.item, exact) for c in table.columns]
            rows.append(TableRow(cells, "bold", space_before=True))
            continue
        cells = []
        for column in table.columns:
            if column.key == table.tree_key and entry.label:
                label = one_line(entry.label) if tree else one_line(str(column.value(entry.item)))
                cells.append(INDENT * entry.depth + label if tree else label)
            else:
                cells.append(_cell(column, entry.item, exact))
        rows.append(TableRow(cells, "bold" if entry.role == "block" else None))
    keep = [i for i, c in enumerate(table.columns) if c.key in table.keep or c.priority == 0]
    laid: Laid = layout.lay_out([_grid_col(table, c) for c in table.columns], rows, width, keep)
    out = list(laid.lines)
    if laid.hidden:
        out += words(layout.hidden_note(laid.hidden, choose), width, "dim", " ", " ")
    if note:
        out += words(note, width, "dim", " ", " ")
    return out


def _macs(item: Any) -> int:
    return item.get("macs1", 0) if isinstance(item, dict) else item.macs


# ---------------------------------------------------------------- facts


def section_lines(section: Section, width: int | None, title: bool = True) -> list[Line]:
    """A section of facts: label, exact value, short value and what it means, one per line."""
    rows = [
        (
            f.label,
            exact_text(f.value),
            short_bytes(f.value) if f.unit == "bytes" else short(f.value),
            one_line(f.note),
        )
        for f in section.facts
    ]
    sizes = [max(len(r[i]) for r in rows) for i in range(3)]
    out: list[Line] = [[(one_line(section.title), "bold")]] if title else []
    units = [f.unit for f in section.facts]
    for index, (label, value, brief, note) in enumerate(rows):
        if index and units[index] != units[index - 1]:
            out.append([])  # memory, then compute (the training estimate): apart, as two tables
        head = f"{label:<{sizes[0]}}  {value:>{sizes[1]}}  "
        line: Line = [(head, None), (f"{brief:>{sizes[2]}}", "dim")]
        used = len(head) + sizes[2] + 2
        if note and width is not None and width - used < 24:  # too narrow beside the numbers: below them
            out.append(line)
            out += words(note, width, "dim", "    ", "    ")
        elif note:
            parts = layout.paragraph(note, None if width is None else width - used)
            line.append(("  " + parts[0], "dim"))
            out.append(line)
            out += [[(" " * used + part, "dim")] for part in parts[1:]]
        else:
            out.append(line)
    if section.note:
        out += words(section.note[0].upper() + section.note[1:] + ".", width, "dim")
    return out


def _warnings(messages: Sequence[str], width: int | None) -> list[Line]:
    out: list[Line] = []
    for message in messages:
        out += words(one_line(message), width, "yellow", "  ", "warning: ")
    return ([[]] + out) if out else out


# ---------------------------------------------------------------- the three reports


def report_lines(
    report: Report,
    width: int | None,
    exact: bool = False,
    show_all: bool = False,
    keys: Sequence[str] | None = None,
) -> list[Line]:
    """`costcalc analyze`: the table, the totals and the other facts, warnings, the convention."""
    out: list[Line] = [*words(one_line(report.title), width, "italic", "  "), []]
    out += table_lines(report_table(report, keys), width, exact, show_all, "--columns chooses")
    for section in report.sections:
        out.append([])
        out += section_lines(section, width, title=section.key != "totals")
    out += _warnings([n.message for n in report.warnings], width)
    out.append([])
    if report.convention_note:
        out += words(one_line(report.convention_note), width, "dim")
        out.append([])
    out += words(SUMMARY, width, "dim")
    return out


def comparison_lines(
    comparison: ComparisonReport, width: int | None, exact: bool = False, show_all: bool = False
) -> list[Line]:
    """`costcalc compare`: the totals side by side (always), the headline, then what was asked."""
    out: list[Line] = [*words(one_line("Comparison: " + " vs ".join(comparison.labels)), width, "italic", "  "), []]
    out += table_lines(comparison_totals(comparison), width)
    if len(comparison.reports) == 2:
        out += words(RELATION_NOTE, width, "dim", " ", " ")
    if comparison.headline:
        out.append([])
        out += words(one_line(comparison.headline), width, "bold")
    for note in comparison.separable_notes:
        out += words(one_line(note), width, None, "  ")
    if comparison.layers:
        table, legend = aligned_layers(comparison)
        out += [[], *words(one_line(table.title), width, "italic", "  ")]
        out += words(one_line(legend), width, "dim")
        out.append([])
        out += table_lines(table, width, exact, show_all)
    if any(r.groups is not None for r in comparison.reports):
        table = grouped(comparison)
        out += [[], *words(one_line(table.title), width, "italic", "  "), []]
        out += table_lines(table, width, exact)
    messages = [f"{label}: {n.message}" for label, r in zip(comparison.labels, comparison.reports) for n in r.warnings]
    out += _warnings(messages, width)
    out.append([])
    out += words(SUMMARY, width, "dim")
    return out


def sweep_lines(sweep: SweepReport, width: int | None, exact: bool = False) -> list[Line]:
    table = sweep_variants(sweep)
    out: list[Line] = [*words(one_line(table.title), width, "italic", "  "), []]
    out += table_lines(table, width, exact)
    out.append([])
    out += words(SWEEP_NOTE + " " + SUMMARY, width, "dim")
    return out


def plain(lines: Sequence[Line]) -> str:
    """Lines as plain text (a report written to a .txt file)."""
    return "".join(layout.line_text(line) + "\n" for line in lines)
