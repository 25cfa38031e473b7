"""Reports as files: CSV, Markdown and LaTeX of an analysis, a breakdown or a comparison.

Every table here is built from the column definitions in columns.py (the ones the terminal table
uses), so the numbers are the same in every format.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..analysis import Analysis
from ..breakdown import GroupCost
from ..compare import AlignedLayer, Relation
from ..conventions import SUMMARY
from ..layers import fmt_shape
from .columns import GROUP_COLUMNS, LAYER_COLUMNS, TOTAL_FIELDS, Column
from .tabular import Field, latex_escape, render_csv, render_latex, render_markdown

ROW_FIELD = Field("row", "Row")  # "layer" or "total" (or "group"): marks the totals row in CSV
SPEC_FIELD = Field("spec", "Spec")
_TOTAL_KEYS = {"params", "non_trainable", "macs", "flops", "other_ops", "activations"}


def exported(columns: Sequence[Column]) -> list[Column]:
    return [c for c in columns if c.exported]


def shown(columns: Sequence[Column]) -> list[Column]:
    return [c for c in columns if c.in_table]


def rows_of(columns: Sequence[Column], items: Sequence[Any], analysis: Analysis, row: str) -> list[dict[str, Any]]:
    return [{"row": row, **{c.key: c.get(x, analysis) for c in columns}} for x in items]


def totals_of(columns: Sequence[Column], analysis: Analysis, name_key: str) -> dict[str, Any]:
    """The totals as a row of ``columns``: the summable columns filled, the rest empty."""
    totals = analysis.totals
    out: dict[str, Any] = {"row": "total", name_key: "Total"}
    for column in columns:
        if column.key in _TOTAL_KEYS:
            out[column.key] = getattr(totals, column.key)
        elif column.style == "share":
            out[column.key] = (1, 1)
    return out


def caption(analysis: Analysis) -> str:
    batch = f", batch {analysis.batch}" if analysis.batch != 1 else ""
    return f"{analysis.name}: input {fmt_shape(analysis.input)}{batch}, {analysis.dtype}"


def analysis_table(
    analysis: Analysis, groups: list[GroupCost] | None, for_people: bool, extra: Sequence[Column] = ()
) -> tuple[list[Column], list[dict[str, Any]]]:
    """Columns (and any extra ones) and rows (the layers, or the groups of a breakdown), then the totals row."""
    base = GROUP_COLUMNS if groups is not None else LAYER_COLUMNS
    columns = (shown(base) if for_people else exported(base)) + list(extra)
    items = groups if groups is not None else analysis.layers
    rows = rows_of(columns, items, analysis, "group" if groups is not None else "layer")
    rows.append(totals_of(columns, analysis, columns[0].key))
    return columns, rows


def render_analysis_file(
    analysis: Analysis, fmt: str, groups: list[GroupCost] | None = None, extra: Sequence[Column] = ()
) -> str:
    """CSV (exact integers, a totals row marked row=total), Markdown or LaTeX (with the convention)."""
    if fmt == "csv":
        columns, rows = analysis_table(analysis, groups, for_people=False, extra=extra)
        return render_csv([ROW_FIELD, *columns], rows)
    columns, rows = analysis_table(analysis, groups, for_people=True, extra=extra)
    if fmt == "markdown":
        return render_markdown(columns, rows, title=caption(analysis), footnote=SUMMARY)
    return render_latex(columns, rows, caption=caption(analysis), footnote=SUMMARY)


# ---------------------------------------------------------------- comparisons

TOTAL_LABELS = {key: label for key, label, _ in TOTAL_FIELDS}


RELATION_NOTE = "ratio, difference and words: the second spec relative to the first (ratio = second / first, difference = second − first)"


def compare_totals_rows(
    analyses: Sequence[Analysis], labels: Sequence[str]
) -> tuple[list[Field], list[dict[str, Any]]]:
    """One row per total (params, MACs, ...), one column per spec; with two specs, how the second relates
    (RELATION_NOTE says which way)."""
    fields = [Field("quantity", "Total"), *(Field(f"spec{i + 1}", label, "count") for i, label in enumerate(labels))]
    two = len(analyses) == 2
    if two:
        fields += [
            Field("ratio", "Ratio", "number"),
            Field("difference", "Difference", "count"),
            Field("relation", "In words"),
        ]
    rows = []
    for key, label, _ in TOTAL_FIELDS:
        values = [getattr(a.totals, key) for a in analyses]
        row: dict[str, Any] = {"quantity": label, **{f"spec{i + 1}": v for i, v in enumerate(values)}}
        if two:
            relation = Relation(values[0], values[1])
            row["ratio"] = f"{float(relation.ratio):.3f}" if relation.ratio is not None else ""
            row["difference"] = relation.difference
            row["relation"] = relation.words(label.lower() if label != "MACs" and label != "FLOPs" else label)
        rows.append(row)
    return fields, rows


def compare_csv(
    analyses: Sequence[Analysis], labels: Sequence[str], groups: list[list[GroupCost]] | None = None
) -> str:
    """Long form: one row per spec × layer (or group), then each spec's totals row; loads straight into pandas."""
    all_rows: list[dict[str, Any]] = []
    columns: list[Column] = []
    for index, analysis in enumerate(analyses):
        columns, rows = analysis_table(analysis, groups[index] if groups else None, for_people=False)
        all_rows += [{"spec": labels[index], **row} for row in rows]
    return render_csv([SPEC_FIELD, ROW_FIELD, *columns], all_rows)


def compare_document(
    analyses: Sequence[Analysis],
    labels: Sequence[str],
    fmt: str,
    layers: bool = False,
    groups: list[list[GroupCost]] | None = None,
) -> str:
    """Markdown or LaTeX: the totals side by side (or the aligned layers, or each spec's breakdown)."""
    from ..compare import align_layers

    render = render_markdown if fmt == "markdown" else render_latex
    title = "Comparison: " + " vs ".join(labels)
    parts = []
    if layers:
        fields, rows = aligned_rows(align_layers(list(analyses)), labels)
        parts.append(render(fields, rows, "Layers: " + " vs ".join(labels), SUMMARY))
    if groups is not None:
        for analysis, label, per_spec in zip(analyses, labels, groups):
            columns, rows = analysis_table(analysis, per_spec, for_people=True)
            parts.append(render(columns, rows, f"{label}: {caption(analysis)}", SUMMARY))
    if not parts:
        fields, rows = compare_totals_rows(analyses, labels)
        parts.append(render(fields, rows, title, SUMMARY))
        if len(analyses) == 2:
            from .compare_view import headline, separable_notes

            notes = [RELATION_NOTE, headline(analyses, labels) or "", *separable_notes(analyses, labels)]
            parts.append(
                ("\n\n" if fmt == "markdown" else "\n\\par\n").join(
                    note if fmt == "markdown" else latex_escape(note) for note in notes if note
                )
                + "\n"
            )
    return "\n".join(parts)


def aligned_rows(aligned: Sequence[AlignedLayer], labels: Sequence[str]) -> tuple[list[Field], list[dict[str, Any]]]:
    """The per-layer view: each spec's output shape, params and MACs; with two specs the MACs delta."""
    two = len(labels) == 2
    fields = [Field("layer", "Layer")]
    for i, label in enumerate(labels):
        fields += [
            Field(f"output{i + 1}", f"{label} output", "shape"),
            Field(f"params{i + 1}", f"{label} params", "count"),
            Field(f"macs{i + 1}", f"{label} MACs", "count"),
        ]
    if two:
        fields.append(Field("delta", f"Δ MACs ({labels[1]} − {labels[0]})", "count"))
    fields.append(Field("note", "Note"))
    rows = []
    for item in aligned:
        row: dict[str, Any] = {"layer": item.name}
        for i, layer in enumerate(item.layers):
            if layer is not None:
                row[f"output{i + 1}"] = layer.output
                row[f"params{i + 1}"] = layer.params
                row[f"macs{i + 1}"] = layer.macs
        if two and item.everywhere:
            row["delta"] = item.layers[1].macs - item.layers[0].macs  # type: ignore[union-attr]
        missing = [labels[i] for i, x in enumerate(item.layers) if x is None]
        if missing:
            row["note"] = "only in " + ", ".join(labels[i] for i, x in enumerate(item.layers) if x is not None)
        rows.append(row)
    return fields, rows
