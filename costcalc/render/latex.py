"""Reports as LaTeX tables (one `table` environment each): the table, every fact, the convention."""

from __future__ import annotations

from collections.abc import Sequence

from ..conventions import SUMMARY
from ..reporting import RELATION_NOTE, ComparisonReport, Report, Section, SweepReport
from ..tables import SWEEP_NOTE, Table, aligned_layers, comparison_totals, grouped, report_table, sweep_variants
from .text import exact, one_line, short, short_bytes, value_text

_SPECIAL = {
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
    "Δ": r"$\Delta$",
    "…": r"\ldots{}",
}


def escape(text: str) -> str:
    return "".join(_SPECIAL.get(c, c) for c in one_line(text))


def _number(text: str) -> str:
    return escape(text).replace(",", "{,}")


def table(t: Table, footnote: str | None = None) -> str:
    spec = "".join("r" if c.numeric else "l" for c in t.columns)
    lines = [r"\begin{table}[ht]", r"\centering", rf"\caption{{{escape(t.title)}}}"]
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\hline"]
    lines.append(" & ".join(escape(c.header) for c in t.columns) + r" \\")
    lines.append(r"\hline")
    for entry in t.entries:
        cells = []
        if entry.role == "total":
            lines.append(r"\hline")
        for column in t.columns:
            if entry.role == "total" and column.unit not in ("count", "bytes", "share"):
                cells.append(r"\textbf{Total}" if column.key in ("name", "group") else "")
                continue
            value = column.value(entry.item)
            text = value_text(value, column.unit, True)
            cell = _number(text) if column.numeric else escape(text)
            if column.unit == "bar" and value is not None and value[0] and value[1]:
                cell = rf"\rule{{{2.5 * value[0] / value[1]:.3f}cm}}{{1ex}} " + cell
            if entry.role in ("block", "total") and cell:
                cell = rf"\textbf{{{cell}}}"
            cells.append(cell)
        lines.append(" & ".join(cells) + r" \\")
    lines += [r"\hline", r"\end{tabular}"]
    if footnote:
        lines.append(rf"\par\smallskip\footnotesize {escape(footnote)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def facts(section: Section) -> str:
    lines = [r"\begin{table}[ht]", r"\centering", rf"\caption{{{escape(section.title)}}}"]
    lines += [r"\begin{tabular}{lrrl}", r"\hline"]
    for f in section.facts:
        brief = short_bytes(f.value) if f.unit == "bytes" else short(f.value)
        lines.append(rf"{escape(f.label)} & {_number(exact(f.value))} & {escape(brief)} & {escape(f.note)} \\")
    lines += [r"\hline", r"\end{tabular}"]
    if section.note:
        lines.append(rf"\par\smallskip\footnotesize {escape(section.note)}")
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def _notes(texts: Sequence[str]) -> str:
    return "".join(escape(t) + "\n\\par\n" for t in texts if t)


def render_report(report: Report, keys: Sequence[str] | None = None) -> str:
    footnote = f"{report.convention_note} {SUMMARY}" if report.convention_note else SUMMARY
    parts = [table(report_table(report, keys), footnote)]
    parts += [facts(section) for section in report.sections]
    parts.append(_notes([f"warning: {n.message}" for n in report.warnings]))
    return "\n".join(p for p in parts if p)


def render_comparison(comparison: ComparisonReport) -> str:
    parts = [table(comparison_totals(comparison), SUMMARY)]
    notes = [RELATION_NOTE if len(comparison.reports) == 2 else "", comparison.headline or ""]
    parts.append(_notes([*notes, *comparison.separable_notes]))
    if comparison.layers:
        aligned, legend = aligned_layers(comparison)
        parts.append(table(aligned, legend))
    if any(r.groups is not None for r in comparison.reports):
        parts.append(table(grouped(comparison)))
    warnings = [
        f"warning: {label}: {n.message}" for label, r in zip(comparison.labels, comparison.reports) for n in r.warnings
    ]
    parts.append(_notes(warnings))
    return "\n".join(p for p in parts if p)


def render_sweep(sweep: SweepReport) -> str:
    return table(sweep_variants(sweep), SWEEP_NOTE + " " + SUMMARY)
