"""Reports as Markdown (GitHub's tables): the table, every fact of the report, warnings, the convention.

Figures are exact (1,234,567); names are the full dotted paths; text from a spec is escaped so that
it stays text (no HTML, no emphasis, no links, no broken table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..conventions import SUMMARY
from ..reporting import RELATION_NOTE, ComparisonReport, Report, Section, SweepReport
from ..tables import SWEEP_NOTE, Table, aligned_layers, comparison_totals, grouped, report_table, sweep_variants
from .text import exact, one_line, short, short_bytes, value_text

_SPECIAL = re.compile(r"[\\`*\[\]|<>&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_ENTITIES = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def escape(text: str) -> str:
    """Text for a Markdown cell or paragraph: shown as written, never read as markup or HTML."""
    return _SPECIAL.sub(lambda m: _ENTITIES.get(m.group(), "\\" + m.group()), one_line(text))


def _bar(share: float) -> str:
    cells = round(max(0.0, min(1.0, share)) * 20)
    return "█" * cells


def table(t: Table) -> str:
    numeric = [c.numeric for c in t.columns]
    lines = ["| " + " | ".join(escape(c.header) for c in t.columns) + " |"]
    lines.append("| " + " | ".join("---:" if n else "---" for n in numeric) + " |")
    for entry in t.entries:
        cells = []
        for column in t.columns:
            if entry.role == "total":
                if column.unit in ("count", "bytes", "share"):
                    cells.append(f"**{value_text(column.value(entry.item), column.unit, True)}**")
                else:
                    cells.append("**Total**" if column.key in ("name", "group") else "")
                continue
            value = column.value(entry.item)
            text = value_text(value, column.unit, True)
            if column.unit == "bar" and value is not None and value[0]:
                text = f"{_bar(value[0] / value[1] if value[1] else 0)} {text}"
            text = escape(text)
            if entry.role == "block" and column.key == t.tree_key and text:
                text = f"**{text}**"
            cells.append(text)
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def facts(section: Section) -> str:
    lines = [f"**{escape(section.title)}**", "", "| | exact | | |", "| --- | ---: | ---: | --- |"]
    for f in section.facts:
        brief = short_bytes(f.value) if f.unit == "bytes" else short(f.value)
        lines.append(f"| {escape(f.label)} | {exact(f.value)} | {escape(brief)} | {escape(f.note)} |")
    if section.note:
        lines += ["", escape(section.note[0].upper() + section.note[1:] + ".")]
    return "\n".join(lines) + "\n"


def _join(parts: Sequence[str]) -> str:
    return "\n".join(parts)


def render_report(report: Report, keys: Sequence[str] | None = None) -> str:
    parts = [f"**{escape(report.title)}**\n", table(report_table(report, keys))]
    parts += [facts(section) for section in report.sections]
    parts += [f"> **warning:** {escape(n.message)}\n" for n in report.warnings]
    if report.convention_note:
        parts.append(f"<sub>{escape(report.convention_note)}</sub>\n")
    parts.append(f"<sub>{escape(SUMMARY)}</sub>\n")
    return _join(parts)


def render_comparison(comparison: ComparisonReport) -> str:
    parts = [f"**{escape('Comparison: ' + ' vs '.join(comparison.labels))}**\n", table(comparison_totals(comparison))]
    if len(comparison.reports) == 2:
        parts.append(escape(RELATION_NOTE) + "\n")
    if comparison.headline:
        parts.append(f"**{escape(comparison.headline)}**\n")
    parts += [escape(note) + "\n" for note in comparison.separable_notes]
    if comparison.layers:
        aligned, legend = aligned_layers(comparison)
        parts += [f"**{escape(aligned.title)}** ({escape(legend)})\n", table(aligned)]
    if any(r.groups is not None for r in comparison.reports):
        by_group = grouped(comparison)
        parts += [f"**{escape(by_group.title)}**\n", table(by_group)]
    for label, report in zip(comparison.labels, comparison.reports):
        parts += [f"> **warning:** {escape(label + ': ' + n.message)}\n" for n in report.warnings]
    parts.append(f"<sub>{escape(SUMMARY)}</sub>\n")
    return _join(parts)


def render_sweep(sweep: SweepReport) -> str:
    t = sweep_variants(sweep)
    return _join([f"**{escape(t.title)}**\n", table(t), f"<sub>{escape(SWEEP_NOTE + ' ' + SUMMARY)}</sub>\n"])
