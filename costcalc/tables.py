"""Every table a report shows, as columns and entries: built once here, rendered by each format.

The terminal, Markdown, LaTeX, HTML and CSV renderers all take a :class:`Table`; its columns are
the definitions of costcalc.columns (value, unit, priority), so a figure reads the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .columns import Column

if TYPE_CHECKING:
    from .reporting import ComparisonReport, Report, SweepReport

Role = Literal["layer", "block", "group", "total", "row"]


@dataclass(frozen=True, slots=True)
class Entry:
    item: Any  # what the columns read
    role: Role = "row"
    label: str = ""  # the tree label of the name column ('' : the column's own value)
    depth: int = 0  # indentation of the tree


@dataclass(frozen=True)
class Table:
    key: str  # "layers", "groups", "totals", "aligned", "variants"
    title: str
    columns: tuple[Column, ...]
    entries: tuple[Entry, ...]
    tree_key: str | None = None  # the column shown as a tree (its label indented) in the terminal and HTML
    keep: tuple[str, ...] = ()  # columns never hidden to fit a width (chosen with --columns)
    exact: bool = False  # counts always exact (the comparison of totals)


def itemgetter(key: str) -> Any:
    """A reader of one key of a row dict (absent: None, an empty cell)."""
    return lambda row: row.get(key)


def pick_columns(available: Sequence[Column], keys: Sequence[str] | None, exported: bool = False) -> tuple[Column, ...]:
    """The default columns (exported: every exported one), or those ``keys`` name, in that order."""
    if not keys:
        return tuple(c for c in available if (c.exported if exported else c.default))
    by_key = {c.key: c for c in available}
    # a column's header, as the table shows it, names it too ('time', '% macs', 'flop/b')
    by_header = {c.header.lower(): c for c in available} | {c.header.lower().replace(" ", "_"): c for c in available}
    keys = [k if k in by_key or k.lower() not in by_header else by_header[k.lower()].key for k in keys]
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        from .errors import SpecError

        raise SpecError(
            f"--columns: no column {', '.join(repr(k) for k in unknown)} here",
            expected="some of " + ", ".join(by_key),
        )
    return tuple(by_key[k] for k in keys)


def report_table(report: Report, keys: Sequence[str] | None = None, exported: bool = False) -> Table:
    """The report's main table: its rows (a tree of layers and blocks, or the groups of a breakdown) and
    the totals row."""
    columns = pick_columns(report.columns, keys, exported)
    entries = [Entry(row.item, row.role, row.label, row.depth) for row in report.rows]
    entries.append(Entry(report.total_row, "total", "Total"))
    key = "groups" if report.groups is not None else "layers"
    return Table(
        key,
        report.title,
        columns,
        tuple(entries),
        tree_key="group" if report.groups is not None else "name",
        keep=tuple(keys or ()),
    )


# ---------------------------------------------------------------- comparisons

FACT_UNITS = {"count": "count", "bytes": "bytes"}


def comparison_totals(comparison: ComparisonReport) -> Table:
    """One row per total (params, MACs, … peak memory; with a device, the hardware view's too), one column
    per spec; with two specs the ratio, the difference and the relation in words."""
    reports, labels = comparison.reports, comparison.labels
    columns = [Column("quantity", "Total", "text", "the total compared", 0, itemgetter("quantity"))]
    for i, label in enumerate(labels):
        columns.append(Column(f"spec{i + 1}", label, "fact", f"the total for {label}", 0, itemgetter(f"spec{i + 1}")))
    two = len(reports) == 2
    if two:
        columns += [
            Column("ratio", "Ratio", "number", "second / first", 3, itemgetter("ratio")),
            Column("difference", "Difference", "fact", "second − first", 4, itemgetter("difference")),
            Column("relation", "In words", "text", "the second relative to the first", 2, itemgetter("relation")),
        ]
    shared = [s.key for s in reports[0].sections if all(s.key in {t.key for t in r.sections} for r in reports)]
    entries = []
    for section in reports[0].sections:
        if section.key not in ("totals", "hardware") or section.key not in shared:
            continue
        for fact in section.facts:
            if fact.unit == "text":
                continue
            key = section.qualified(fact)
            values = [r.fact(key).value for r in reports]
            row: dict[str, Any] = {"quantity": fact.label, "key": key}
            row.update({f"spec{i + 1}": (v, fact.unit) for i, v in enumerate(values)})
            if two:
                relation = comparison.relations(key)
                row["ratio"] = f"{float(relation.ratio):.3f}" if relation.ratio is not None else ""
                row["difference"] = (relation.difference, fact.unit)
                words = fact.label if fact.label in ("MACs", "FLOPs", "BOPs") else fact.label.lower()
                row["relation"] = relation.words(words)
            entries.append(Entry(row))
    return Table("totals", "Comparison: " + " vs ".join(labels), tuple(columns), tuple(entries), exact=True)


def aligned_layers(comparison: ComparisonReport) -> tuple[Table, str]:
    """The per-layer view: rows matched by name across the specs (at the reports' --depth), each spec's
    output, params and MACs; with two specs the MACs delta (a row one side lacks counts as 0 there)."""
    labels = comparison.labels
    two = len(labels) == 2
    tags = ["A", "B"] if two else [str(i + 1) for i in range(len(labels))]
    legend = ", ".join(f"{tag} = {label}" for tag, label in zip(tags, labels)) + (", Δ = B − A" if two else "")
    columns = [Column("layer", "Layer", "text", "the row's name, matched across the specs", 0, itemgetter("layer"))]
    for i, tag in enumerate(tags):
        n = i + 1
        columns += [
            Column(f"output{n}", f"{tag} output", "shape", f"output shape in {labels[i]}", 5, itemgetter(f"output{n}")),
            Column(f"params{n}", f"{tag} params", "count", f"params in {labels[i]}", 3, itemgetter(f"params{n}")),
            Column(f"macs{n}", f"{tag} MACs", "count", f"MACs in {labels[i]}", 0, itemgetter(f"macs{n}")),
        ]
    if two:
        columns.append(Column("delta", "Δ MACs", "count", "MACs of B minus MACs of A", 1, itemgetter("delta")))
    columns.append(Column("note", "Note", "text", "rows only one side has", 2, itemgetter("note")))
    entries = []
    for aligned in comparison.aligned:
        row: dict[str, Any] = {"layer": aligned.name}
        for n, item in enumerate(aligned.rows, 1):
            if item is not None:
                row[f"output{n}"] = item.item.output
                row[f"params{n}"] = item.item.params
                row[f"macs{n}"] = item.item.macs
        if two:
            a, b = aligned.rows
            row["delta"] = (b.item.macs if b else 0) - (a.item.macs if a else 0)
        missing = [i for i, x in enumerate(aligned.rows) if x is None]
        if missing:
            row["note"] = "only in " + ", ".join(tags[i] for i, x in enumerate(aligned.rows) if x is not None)
        first = next(x for x in aligned.rows if x is not None)
        role = "block" if first.role == "block" else "layer"
        entries.append(Entry(row, role, first.label, first.depth))
    title = "Layers: " + " vs ".join(labels)
    return Table("aligned", title, tuple(columns), tuple(entries), tree_key="layer"), legend


def grouped(comparison: ComparisonReport) -> Table:
    """A breakdown per spec, side by side: each group's MACs and share in every spec."""
    reports, labels = comparison.reports, comparison.labels
    names: list[str] = []
    for report in reports:
        names += [g.name for g in report.groups or () if g.name not in names]
    columns = [Column("group", "Group", "text", "kind of layer, or top-level block", 0, itemgetter("group"))]
    for i, label in enumerate(labels):
        n = i + 1
        columns += [
            Column(f"macs{n}", f"{label} MACs", "count", f"MACs in {label}", 0, itemgetter(f"macs{n}")),
            Column(f"share{n}", "%", "share", f"share of {label}'s MACs", 2, itemgetter(f"share{n}"), False),
        ]
    entries = []
    for name in names:
        row: dict[str, Any] = {"group": name}
        for n, report in enumerate(reports, 1):
            found = next((g for g in report.groups or () if g.name == name), None)
            if found is not None:
                row[f"macs{n}"] = found.macs
                row[f"share{n}"] = (found.macs, report.analysis.totals.macs)
        entries.append(Entry(row, "group"))
    return Table("grouped", "By group: " + " vs ".join(labels), tuple(columns), tuple(entries), tree_key="group")


# ---------------------------------------------------------------- sweeps

SWEEP_NOTE = "Peak memory: activation bytes held at once at inference (as analyze reports it)."

SWEEP_TOTALS = (  # key, header, unit, priority, shown in the human tables
    ("params", "Params", "count", 0, True),
    ("non_trainable", "Non-trainable", "count", 7, False),
    ("macs", "MACs", "count", 0, True),
    ("flops", "FLOPs", "count", 6, True),
    ("other_ops", "Other ops", "count", 7, False),
    ("activations", "Activations", "count", 4, True),
    ("param_bytes", "Param bytes", "bytes", 3, True),
    ("activation_bytes", "Activation bytes", "bytes", 5, True),
    ("peak_memory", "Peak memory", "bytes", 2, True),
)


def sweep_variants(sweep: SweepReport, exported: bool = False) -> Table:
    """One row per variant: the swept values, the input and batch, then the totals (the human tables
    leave out the rarely read ones; CSV and JSON carry all)."""
    swept = {a.name for a in sweep.axes}
    # the variant's place among all the combinations: what merges shards (CSV and JSON carry it)
    index = Column("variant", "#", "count", "the variant's place among all the combinations", 3, _attr("index"))
    columns = [index] if exported else []
    columns += [
        Column(a.name, a.name, "text", f"the value of {a.name}", 0, _setting(a.name))
        for a in sweep.axes
        if a.name not in ("input", "batch")
    ]
    columns += [
        Column("input", "Input", "shape", "input shape", 0 if "input" in swept else 8, _attr("input")),
        Column("batch", "Batch", "count", "batch size", 0 if "batch" in swept else 8, _attr("batch")),
    ]
    for key, header, unit, priority, shown in SWEEP_TOTALS:
        if shown or exported:
            columns.append(Column(key, header, unit, key, priority, _total(key)))  # type: ignore[arg-type]
    entries = tuple(Entry(v) for v in sweep.variants)
    return Table("variants", f"{sweep.name}: {len(sweep.variants):,} variants", tuple(columns), entries)


def _setting(name: str) -> Any:
    return lambda v: v.settings[name]


def _attr(name: str) -> Any:
    return lambda v: getattr(v, name)


def _total(key: str) -> Any:
    if key == "peak_memory":
        return lambda v: v.peak_bytes
    return lambda v: getattr(v.totals, key)
