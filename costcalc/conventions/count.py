"""A convention applied to a network: what the tool prints for it, layer by layer, and why it differs.

>>> from costcalc.conventions.count import count_spec
>>> count_spec("resnet50", "ptflops").figure
4132436968
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..layers import KINDS
from .rules import CAUSES, MACS, PARAMS, Convention, ConventionError, LayerView, Terms, total
from .structure import Structure, Unknown, structure_for

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..graph import Graph


@dataclass(frozen=True)
class Cause:
    """One named part of the gap between a tool's figures and costcalc's."""

    key: str
    label: str
    params: int  # the tool's params minus costcalc's, from this cause
    count: int  # the tool's figure minus costcalc's MACs, from this cause


@dataclass(frozen=True)
class PeerCount:
    """A convention's figures for one network: per layer (by name, the batch included) and in total."""

    convention: Convention
    structure: Structure | None  # None: the figures do not depend on how the model is written
    layers: Mapping[str, Terms]
    batch: int
    macs: int  # costcalc's, for the batch
    params: int  # costcalc's

    @cached_property
    def totals(self) -> Terms:
        return total(self.layers.values())

    @property
    def figure(self) -> int | None:
        """The tool's figure (MACs, FLOPs, mult-adds as it labels it); None if it reports none (Keras)."""
        return self.totals.total_count if self.convention.counts else None

    @property
    def tool_params(self) -> int:
        return self.totals.total_params

    @property
    def model(self) -> str:
        return self.structure.model if self.structure is not None else self.convention.model

    @cached_property
    def causes(self) -> tuple[Cause, ...]:
        """The differences from costcalc's params and MACs, by cause (zero causes left out), in CAUSES order."""
        params, count = self.totals.params, self.totals.count if self.convention.counts else {}
        keys = [k for k in CAUSES if k not in (MACS, PARAMS) and (params.get(k) or count.get(k))]
        return tuple(Cause(k, CAUSES[k], params.get(k, 0), count.get(k, 0)) for k in keys)

    def value(self, name: str) -> Terms:
        return self.layers[name]

    def sums(self, groups: Mapping[str, list[str]]) -> dict[str, Terms]:
        """Terms per group of layer names (blocks, breakdown groups)."""
        return {group: total(self.layers[n] for n in names) for group, names in groups.items()}


def layer_view(graph: Graph, index: int, structure: Structure | None, cost: Any, batch: int = 1) -> LayerView:
    node = graph.nodes[index]
    inputs = tuple(graph.nodes[i].shape for i in node.inputs)
    calls = structure.calls(graph, index) if structure is not None else {}
    contiguous = None
    if structure is not None and node.kind == "linear" and len(node.shape) == 3:
        contiguous = structure.contiguous(graph, index)
    return LayerView(node.name, node.kind, node.params, inputs, node.shape, cost, calls, contiguous, batch)


def count(
    graph: Graph, convention: Convention, model: str = "auto", batch: int = 1, analysis: Analysis | None = None
) -> PeerCount:
    """What ``convention``'s tool reports for ``graph`` run at ``batch``, as costcalc's figures plus causes.

    ``model``: 'auto' counts the PyTorch model the spec follows (torchvision's where its source names one),
    'costcalc' the one costcalc builds. A layer kind the convention has no rule for is an error."""
    from ..analysis import analyze

    analysis = analysis if analysis is not None and analysis.batch == 1 else analyze(graph)
    structure: Structure | None = None
    if convention.needs_model:
        found = structure_for(graph, model)
        if isinstance(found, Unknown):
            raise found.error(convention.tool)
        structure = found
    dead = set(graph.dead_layers()) if convention.drops_dead else set()
    layers: dict[str, Terms] = {}
    for index, node in enumerate(graph.nodes):
        cost = KINDS[node.kind].cost(node.params, [graph.nodes[i].shape for i in node.inputs], node.shape)
        view = layer_view(graph, index, structure, cost, batch)
        found = convention.rule(node.kind, node.name).count(view)
        check(convention, view, found)
        if node.name in dead:
            found = Terms(found.params, {MACS: cost.macs * batch, "dead_branch": -cost.macs * batch})
        layers[node.name] = found
    return PeerCount(convention, structure, layers, batch, analysis.totals.macs * batch, analysis.totals.params)


def check(convention: Convention, layer: LayerView, found: Terms) -> None:
    """A rule's terms start from costcalc's own MACs and params, so that the rest is the gap (a bug otherwise)."""
    macs, params = found.count.get(MACS, 0), found.params.get(PARAMS, 0)
    if macs != layer.cost.macs * layer.batch or params != layer.cost.params:
        raise AssertionError(
            f"{convention.name} rule for '{layer.kind}' ({layer.name}): terms start from {macs} MACs and {params} "
            f"params, costcalc counts {layer.cost.macs * layer.batch} and {layer.cost.params}"
        )


def count_spec(
    spec: Any, name: str, model: str = "auto", overrides: Mapping[str, Any] | None = None, batch: int = 1
) -> PeerCount:
    """A convention's figures for a spec (a path, a bundled name or a parsed Spec)."""
    from ..api import build_spec_graph
    from . import convention

    return count(build_spec_graph(spec, overrides), convention(name), model, batch)


__all__ = ["Cause", "ConventionError", "PeerCount", "count", "count_spec"]
