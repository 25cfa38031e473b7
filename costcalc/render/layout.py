"""Tables and paragraphs laid out to fit a width: the one place that decides what a narrow terminal shows.

A table's columns have priorities: when the table is wider than the screen, text that can wrap is
wrapped, bars get shorter, long names are shortened in the middle (never cut from the left, which
would lose the stage), and then the lowest-priority columns are hidden, which the caller states in
a footer. Without a width (a file or a pipe) everything keeps its natural width. The result is plain
lines of (text, style) pieces; the terminal renderer prints them, nothing here knows about rich's
consoles.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len

GAP = "  "
MARGIN = " "
Fit = Literal["fixed", "middle", "wrap", "bar"]
Piece = tuple[str, str | None]
Line = list[Piece]

BAR_WIDTH = 16  # cells of a full bar, when there is room
_EIGHTHS = " ▏▎▍▌▋▊▉"


@dataclass(frozen=True)
class Col:
    header: str
    right: bool = False  # numbers align right
    priority: int = 0  # 0: never hidden; larger numbers are hidden first
    fit: Fit = "fixed"
    style: str | None = None  # the style of every cell (a bar's colour)
    group: str = ""  # columns of one group (each spec's outputs) are hidden together


@dataclass(frozen=True)
class Bar:
    """A share drawn as a bar followed by its percentage."""

    share: float  # 0 … 1
    label: str  # "12.34%"


Cell = str | Bar


@dataclass(frozen=True)
class TableRow:
    cells: Sequence[Cell]
    style: str | None = None
    space_before: bool = False  # a blank line above (the totals row)


@dataclass(frozen=True)
class Laid:
    lines: list[Line]
    hidden: list[str]  # headers of the columns left out to fit the width
    shortened: bool  # some names were shortened in the middle


def bar_text(share: float, width: int) -> str:
    eighths = round(max(0.0, min(1.0, share)) * width * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[part] if part else "")).ljust(width)


def middle(text: str, width: int) -> str:
    """``text`` no wider than ``width``: its indentation kept, the middle of the rest replaced by '…'."""
    if cell_len(text) <= width:
        return text
    indent = len(text) - len(text.lstrip(" "))
    indent = min(indent, max(width - 4, 0))
    body = text[indent:]
    room = width - indent - 1
    if room < 2:
        return (text[: max(width - 1, 0)] + "…")[:width]
    head_room, tail_room = (room + 1) // 2, room // 2
    head, tail = _take(body, head_room), _take(body[::-1], tail_room)[::-1]
    return " " * indent + head + "…" + tail


def _take(text: str, width: int) -> str:
    out, used = [], 0
    for char in text:
        size = cell_len(char)
        if used + size > width:
            break
        out.append(char)
        used += size
    return "".join(out)


def cut(text: str, width: int) -> str:
    if cell_len(text) <= width:
        return text
    return _take(text, max(width - 1, 0)) + "…"


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """Lines of at most ``width`` cells, broken between words; a word longer than a line is broken."""
    if width <= 0 or cell_len(text) <= width:
        return [text]
    lines = textwrap.wrap(
        text,
        width,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )
    out = []
    for line in lines or [""]:
        while cell_len(line) > width:  # a single word wider than the line (a long name)
            out.append(_take(line, width))
            line = indent + line[len(out[-1]) :]
        out.append(line)
    return out


def paragraph(text: str, width: int | None, indent: str = "", first: str = "") -> list[str]:
    """A paragraph wrapped at word boundaries (``first`` starts the first line, ``indent`` the others)."""
    if width is None:
        return [first + text]
    lines = wrap(first + text, width, indent)
    return lines


def _cell_width(cell: Cell) -> int:
    if isinstance(cell, Bar):
        return BAR_WIDTH + 1 + len(cell.label)
    return max((cell_len(part) for part in cell.split("\n")), default=0)


def _minimum(col: Col, natural: int, rows: Sequence[TableRow], index: int) -> int:
    head = cell_len(col.header)
    if col.fit == "bar":
        label = max((len(r.cells[index].label) for r in rows if isinstance(r.cells[index], Bar)), default=6)
        return min(natural, max(head, 4 + 1 + label))
    if col.fit == "middle":
        return min(natural, max(head, 12))
    if col.fit == "wrap":
        return min(natural, max(head, 16))
    return natural


def lay_out(
    cols: Sequence[Col],
    rows: Sequence[TableRow],
    width: int | None,
    keep: Sequence[int] | None = None,
) -> Laid:
    """Fit the table to ``width`` cells (None: natural widths). ``keep`` lists columns that may not be
    hidden (the user chose them)."""
    n = len(cols)
    natural = [max([cell_len(c.header)] + [_cell_width(r.cells[i]) for r in rows]) for i, c in enumerate(cols)]
    widths = list(natural)
    kept = list(range(n))
    shortened = False
    if width is not None:
        floor = [_minimum(c, natural[i], rows, i) for i, c in enumerate(cols)]
        protected = set(keep or ())

        def need() -> int:
            return len(MARGIN) + sum(widths[i] for i in kept) + len(GAP) * (len(kept) - 1)

        def shrink(fits: tuple[Fit, ...], floor_of: list[int]) -> None:
            for i in kept:
                if cols[i].fit in fits and need() > width:
                    widths[i] = max(floor_of[i], widths[i] - (need() - width))

        # before hiding anything: names down to a comfortable length, text wrapped no narrower than
        # a short phrase, bars shorter; after: text and names down to their floor
        roomy = {"middle": 24, "wrap": 28}
        comfortable = [
            max(floor[i], min(natural[i], roomy[c.fit])) if c.fit in roomy else floor[i] for i, c in enumerate(cols)
        ]
        shrink(("middle",), comfortable)
        shrink(("wrap",), comfortable)
        shrink(("bar",), floor)
        droppable = sorted(
            (i for i in kept if cols[i].priority > 0 and i not in protected),
            key=lambda i: (-cols[i].priority, -i),
        )

        def drop(below: int) -> None:
            """Hide columns less important than ``below`` (a larger priority number) until the table fits."""
            for i in droppable:
                if need() <= width:
                    return
                if i in kept and cols[i].priority > below:
                    for j in [j for j in kept if cols[i].group and cols[j].group == cols[i].group] or [i]:
                        kept.remove(j)

        # columns less important than a wrapping text are hidden before it wraps tightly; then the rest
        drop(max((cols[i].priority for i in kept if cols[i].fit == "wrap"), default=10**6))
        shrink(("wrap",), floor)
        drop(0)
        shrink(("middle",), floor)
        if need() > width:  # last resort: text columns are cut at the end
            shrink(("fixed",), [max(4, cell_len(c.header)) if not c.right else natural[i] for i, c in enumerate(cols)])
        # room freed by hiding a column goes back to what was shrunk, names first
        for fits in (("middle",), ("wrap",), ("bar",)):
            for i in kept:
                if cols[i].fit in fits and widths[i] < natural[i]:
                    widths[i] = min(natural[i], widths[i] + max(0, width - need()))
        shortened = any(widths[i] < natural[i] and cols[i].fit == "middle" for i in kept)
    hidden = [cols[i].header for i in range(n) if i not in kept]
    lines: list[Line] = []
    lines += _render_row(
        [cols[i].header for i in kept], [cols[i] for i in kept], [widths[i] for i in kept], "bold", header=True
    )
    rule = sum(widths[i] for i in kept) + len(GAP) * (len(kept) - 1)
    lines.append([(MARGIN + "─" * rule, None)])
    for row in rows:
        if row.space_before:
            lines.append([])
        lines += _render_row(
            [row.cells[i] for i in kept], [cols[i] for i in kept], [widths[i] for i in kept], row.style
        )
    return Laid(lines, hidden, shortened)


def _render_row(
    cells: Sequence[Cell], cols: Sequence[Col], widths: Sequence[int], style: str | None, header: bool = False
) -> list[Line]:
    columns: list[list[str]] = []
    for cell, col, size in zip(cells, cols, widths):
        if isinstance(cell, Bar):
            bar = max(size - 1 - len(cell.label), 1)
            columns.append([bar_text(cell.share, bar) + " " + cell.label])
        elif col.fit == "wrap":
            columns.append(wrap(cell, size) if cell else [""])
        elif col.fit == "middle":
            columns.append([middle(cell, size)])
        else:
            columns.append([cut(cell, size)])
    height = max(len(c) for c in columns) if columns else 1
    out: list[Line] = []
    for k in range(height):
        pieces: Line = [(MARGIN, None)]
        for j, (parts, col, size) in enumerate(zip(columns, cols, widths)):
            text = parts[k] if k < len(parts) else ""
            pad = " " * (size - cell_len(text))
            last = j == len(cols) - 1
            text = pad + text if col.right else (text if last else text + pad)
            pieces.append((text, col.style if col.style and not header and text.strip() else style))
            if not last:
                pieces.append((GAP, None))
        out.append(_trim(pieces))
    return out


def _trim(pieces: Line) -> Line:
    """No trailing spaces (a line is exactly as wide as its text)."""
    while pieces and not pieces[-1][0].strip():
        pieces.pop()
    if pieces:
        text, style = pieces[-1]
        pieces[-1] = (text.rstrip(), style)
    return pieces


def hidden_note(hidden: Sequence[str], choose: str) -> str:
    return f"hidden to fit the width: {', '.join(hidden)} (a wider terminal shows them; {choose})"


def line_text(line: Line) -> str:
    return "".join(text for text, _ in line)
