"""`costcalc conventions SPEC`: every convention's figures for one network side by side, each with the
difference from costcalc's params and MACs split by cause.

    >>> from costcalc.conventions.compare import conventions_report
    >>> [row.convention.name for row in conventions_report("resnet50").rows][:3]
    ['costcalc', 'flop_counter', 'fvcore']

The result is plain data; :meth:`ConventionsReport.table` is a costcalc.tables.Table, so every renderer
shows it (costcalc/render/conventions_out.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..columns import Column
from ..errors import CostcalcError
from ..layers import fmt_shape
from ..tables import Entry, Table, itemgetter
from . import NAMES, convention
from .count import PeerCount, count
from .rules import Convention
from .structure import Unknown, structure_for

if TYPE_CHECKING:
    from ..graph import Graph
    from ..settings import Settings


@dataclass(frozen=True)
class ConventionRow:
    """One convention's figures for the network, or why it cannot give them."""

    convention: Convention
    peer: PeerCount | None
    error: str = ""

    @property
    def ratio(self) -> Fraction | None:
        peer = self.peer
        if peer is None or peer.figure is None or not peer.macs:
            return None
        return Fraction(peer.figure, peer.macs)


@dataclass(frozen=True)
class ConventionsReport:
    """Every convention's figures for one network (batch included), in the order of NAMES."""

    name: str
    input: tuple[int, ...]
    batch: int
    model: str  # the PyTorch model the structure-dependent figures are for, in words
    rows: tuple[ConventionRow, ...]
    input_note: str = ""

    @property
    def title(self) -> str:
        batch = f" · batch {self.batch}" if self.batch != 1 else ""
        note = f" ({self.input_note})" if self.input_note else ""
        return f"{self.name} · input {fmt_shape(self.input)}{note}{batch} · each tool's count, for {self.model}"

    @property
    def legend(self) -> str:
        tools = "; ".join(f"{row.convention.name} = {row.convention.tool}" for row in self.rows)
        return (
            f"{tools}. Indented rows: the difference from costcalc's params and MACs, by cause; they sum to "
            "each tool's gap exactly. costcalc analyze SPEC --convention NAME gives a tool's figures layer by "
            "layer, with its rules."
        )

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(f"{row.convention.name}: {row.error}" for row in self.rows if row.error)

    def table(self) -> Table:
        """A row per convention, its causes indented under it."""
        columns = (
            Column("convention", "Convention", "text", "the convention, or a cause of its gap", 0, itemgetter("name")),
            Column(
                "params",
                "Params",
                "count",
                "params as the tool counts them (a cause: its share)",
                0,
                itemgetter("params"),
            ),
            Column(
                "figure",
                "Figure",
                "count",
                "the tool's figure (a cause: its share of the gap)",
                0,
                itemgetter("figure"),
            ),
            Column("label", "As", "text", "what the tool calls its figure", 1, itemgetter("label")),
            Column("ratio", "× MACs", "number", "the figure / costcalc's MACs", 2, itemgetter("ratio")),
        )
        entries = []
        for row in self.rows:
            c, peer = row.convention, row.peer
            item: dict[str, Any] = {"name": c.name, "label": c.label or None}
            if peer is not None:
                item.update(params=peer.tool_params, figure=peer.figure)
                item["ratio"] = f"{float(row.ratio):.3f}" if row.ratio is not None else None
            else:
                item["ratio"] = "error"
            entries.append(Entry(item, "block", c.name, 0))
            for cause in peer.causes if peer is not None else ():
                entry = {"name": cause.label, "params": cause.params or None, "figure": cause.count or None}
                entries.append(Entry(entry, "layer", cause.label, 1))
        return Table("conventions", self.title, columns, tuple(entries), tree_key="convention", exact=True)

    def to_dict(self) -> dict[str, Any]:
        from ..render.conventions_out import report_dict

        return report_dict(self)

    def to_json(self) -> str:
        from ..render.conventions_out import render_json

        return render_json(self)


def conventions_report(
    spec: Any, model: str = "auto", settings: Settings | None = None, names: tuple[str, ...] = NAMES
) -> ConventionsReport:
    """Every convention's figures for a spec (a path, a bundled name or a parsed Spec)."""
    from ..reporting import load_graph
    from ..settings import Settings

    settings = settings or Settings({}, None, 1, "float32")
    graph, note = load_graph(spec, settings)
    return build(graph, settings.batch, model, names, note)


def build(
    graph: Graph, batch: int = 1, model: str = "auto", names: tuple[str, ...] = NAMES, input_note: str = ""
) -> ConventionsReport:
    from ..analysis import analyze

    analysis = analyze(graph)
    found = structure_for(graph, model)
    words = (
        f"torchvision.models.{found.builder} (structure not recorded)" if isinstance(found, Unknown) else found.model
    )
    rows = []
    for name in names:
        c = convention(name)
        try:
            rows.append(ConventionRow(c, count(graph, c, model, batch, analysis)))
        except CostcalcError as exc:
            rows.append(ConventionRow(c, None, str(exc)))
    return ConventionsReport(graph.name, graph.input_shape, batch, words, tuple(rows), input_note)


__all__ = ["ConventionRow", "ConventionsReport", "build", "conventions_report"]
