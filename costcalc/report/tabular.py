"""Plain-text table formats (CSV, Markdown, LaTeX) for any list of rows and fields.

The analyze, compare and sweep reports describe their columns once (key, header, style) and
hand rows of raw values here, so every format shows the same numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Style = Literal["text", "shape", "names", "count", "share", "number"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Field:
    key: str
    header: str
    style: Style = "text"


def shape_text(value: Sequence[int]) -> str:
    return "×".join(str(v) for v in value)


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def plain_value(value: Any, style: Style) -> Any:
    """The value as CSV writes it: integers exact, shapes as H×W×C, names joined by spaces."""
    if value is None:
        return ""
    if style == "shape":
        return shape_text(value)
    if style == "names":
        return neutralise(" ".join(value))
    if style == "share":
        part, whole = value
        return f"{part / whole:.6f}" if whole else ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def render_csv(fields: Sequence[Field], rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f.key for f in fields])
    for row in rows:
        writer.writerow([plain_value(row.get(f.key), f.style) for f in fields])
    return out.getvalue()


def human_value(value: Any, style: Style) -> str:
    """The value as a person reads it in a document: thousands separators, shapes with ×."""
    if value is None:
        return ""
    if style == "count" and isinstance(value, int):
        return f"{value:,}"
    if style == "share":
        part, whole = value
        return f"{100 * part / whole:.2f}%" if whole else "–"
    if style == "shape":
        return shape_text(value)
    if style == "names":
        return ", ".join(value)
    return str(value)


def _markdown_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(
    fields: Sequence[Field], rows: Iterable[Mapping[str, Any]], title: str | None = None, footnote: str | None = None
) -> str:
    numeric = {"count", "share", "number"}
    lines = []
    if title:
        lines += [f"**{_markdown_cell(title)}**", ""]
    lines.append("| " + " | ".join(_markdown_cell(f.header) for f in fields) + " |")
    lines.append("| " + " | ".join("---:" if f.style in numeric else "---" for f in fields) + " |")
    for row in rows:
        lines.append("| " + " | ".join(_markdown_cell(human_value(row.get(f.key), f.style)) for f in fields) + " |")
    if footnote:
        lines += ["", f"<sub>{_markdown_cell(footnote)}</sub>"]
    return "\n".join(lines) + "\n"


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "−": "-",
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def render_latex(
    fields: Sequence[Field], rows: Iterable[Mapping[str, Any]], caption: str | None = None, footnote: str | None = None
) -> str:
    numeric = {"count", "share", "number"}
    spec = "".join("r" if f.style in numeric else "l" for f in fields)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\hline"]
    lines.append(" & ".join(latex_escape(f.header) for f in fields) + r" \\")
    lines.append(r"\hline")
    for row in rows:
        cells = [
            latex_escape(human_value(row.get(f.key), f.style)).replace(",", "{,}")
            if f.style in numeric
            else latex_escape(human_value(row.get(f.key), f.style))
            for f in fields
        ]
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    if footnote:
        lines.append(rf"\par\smallskip\footnotesize {latex_escape(footnote)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"
