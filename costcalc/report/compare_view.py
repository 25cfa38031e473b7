"""Comparisons in the terminal: totals side by side, the per-layer alignment, breakdowns per spec."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from ..analysis import Analysis
from ..breakdown import GroupCost
from ..compare import AlignedLayer, Relation, separable_identities
from ..conventions import SUMMARY
from . import numbers
from .exports import RELATION_NOTE, aligned_rows, compare_totals_rows
from .table import Line, grid
from .tabular import human_value


def _cells(fields: Sequence, row: dict, exact: bool) -> list[str]:
    out = []
    for field in fields:
        value = row.get(field.key)
        if field.style == "count" and isinstance(value, int) and not exact:
            out.append(numbers.short(value) if abs(value) >= 10**6 else f"{value:,}")
        else:
            out.append(human_value(value, field.style))
    return out


def totals_view(analyses: Sequence[Analysis], labels: Sequence[str], width: int) -> Text:
    fields, rows = compare_totals_rows(analyses, labels)
    lines: list[Line] = [(_cells(fields, row, True), [None] * len(fields)) for row in rows]
    right = [f.style in ("count", "number") for f in fields]
    text = grid(
        [f.header for f in fields],
        lines,
        right,
        None,
        width,
        "Comparison: " + " vs ".join(labels),
        shrink=len(fields) - 1,
    )
    if len(analyses) == 2:
        text.append(f" {RELATION_NOTE}\n", style="dim")
    return text


def separable_notes(analyses: Sequence[Analysis], labels: Sequence[str]) -> list[str]:
    """MobileNet's identity, with its numbers, where one spec replaces a standard conv of the other."""
    if len(analyses) != 2:
        return []
    notes = []
    for first, second in ((0, 1), (1, 0)):
        for found in separable_identities(analyses[first], analyses[second])[:3]:
            notes.append(
                f"{labels[second]} replaces {labels[first]}'s {found.kernel}×{found.kernel} conv "
                f"'{found.standard}' by depthwise '{found.depthwise}' + pointwise '{found.pointwise}': "
                f"{found.separable_macs:,} / {found.standard_macs:,} = {float(found.ratio):.3f} "
                f"= 1/n_c' + 1/f² = 1/{found.filters} + 1/{found.kernel * found.kernel}"
                + ("" if found.ratio == found.identity else f" ≈ {float(found.identity):.3f}")
            )
    return notes


def headline(analyses: Sequence[Analysis], labels: Sequence[str]) -> str | None:
    if len(analyses) != 2:
        return None
    macs = Relation(analyses[0].totals.macs, analyses[1].totals.macs)
    params = Relation(analyses[0].totals.params, analyses[1].totals.params)
    return (
        f"{labels[1]} vs {labels[0]}: {macs.words('MACs')} "
        f"({analyses[1].totals.macs:,} vs {analyses[0].totals.macs:,}), {params.words('params')}"
    )


def render_comparison(analyses: Sequence[Analysis], labels: Sequence[str], console: Console) -> None:
    console.print(totals_view(analyses, labels, console.width), soft_wrap=True)
    line = headline(analyses, labels)
    if line:
        console.print(Text(line, style="bold"), soft_wrap=True)
    for note in separable_notes(analyses, labels):
        console.print(Text(note), soft_wrap=True)
    console.print()
    console.print(Text(SUMMARY, style="dim"))


def render_aligned(aligned: Sequence[AlignedLayer], labels: Sequence[str], console: Console, exact: bool) -> None:
    fields, rows = aligned_rows(aligned, labels)
    styles = [None] * len(fields)
    lines: list[Line] = [
        (_cells(fields, row, exact), styles if not row.get("note") else ["bold", *styles[1:]]) for row in rows
    ]
    right = [f.style in ("count", "number") for f in fields]
    console.print(
        grid([f.header for f in fields], lines, right, None, console.width, "Layers: " + " vs ".join(labels)),
        soft_wrap=True,
    )


def render_grouped(
    analyses: Sequence[Analysis],
    labels: Sequence[str],
    groups: Sequence[list[GroupCost]],
    console: Console,
    exact: bool,
) -> None:
    """A breakdown per spec, side by side: each group's MACs and share in every spec."""
    names: list[str] = []
    for per_spec in groups:
        names += [g.name for g in per_spec if g.name not in names]
    headers = ["Group"]
    for label in labels:
        headers += [f"{label} MACs", "%"]
    lines: list[Line] = []
    for name in names:
        cells = [name]
        for analysis, per_spec in zip(analyses, groups):
            found = next((g for g in per_spec if g.name == name), None)
            if found is None:
                cells += ["–", ""]
            else:
                cells += [
                    numbers.exact(found.macs) if exact else numbers.short(found.macs),
                    numbers.percent(found.macs, analysis.totals.macs),
                ]
        lines.append((cells, [None] * len(cells)))
    right = [False] + [True] * (len(headers) - 1)
    console.print(grid(headers, lines, right, None, console.width, "By group: " + " vs ".join(labels)), soft_wrap=True)
    console.print(Text(SUMMARY, style="dim"))
