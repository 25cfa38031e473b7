"""Check a spec's numbers against PyTorch: the same graph built as torch modules, counted by FlopCounterMode."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from ..analysis import analyze
from ..graph import Graph
from .model import SpecModule, attribute_names, parameter_count


@dataclass(frozen=True)
class Mismatch:
    layer: str
    quantity: str  # "output", "params", "MACs", or "total params" / "total MACs"
    costcalc: Any
    pytorch: Any


@dataclass(frozen=True)
class Verification:
    name: str
    layers: int  # layers compared
    params: tuple[int, int]  # costcalc, PyTorch
    macs: tuple[int, int]
    mismatches: list[Mismatch] = field(default_factory=list)
    unchecked: dict[str, int] = field(default_factory=dict)  # kind -> layers whose other ops PyTorch does not count

    @property
    def ok(self) -> bool:
        return not self.mismatches


def channels_last(shape: torch.Size) -> tuple[int, ...]:
    dims = tuple(shape[1:])  # without the batch
    return (dims[1], dims[2], dims[0]) if len(dims) == 3 else dims


def verify(graph: Graph) -> Verification:
    """Build ``graph`` in PyTorch, run zeros of its input shape once, compare every layer and the totals."""
    analysis = analyze(graph)
    model = SpecModule(graph).eval()
    names = attribute_names(graph)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FlopCounterMode's notes about its own arguments
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            outputs = model(model.example_input(), every_layer=True)  # through __call__: per-module counts
    per_module = counter.get_flop_counts()
    prefix = f"{type(model).__name__}.layers."
    mismatches = []
    unchecked: Counter[str] = Counter()
    for node, name, layer in zip(graph.nodes, names, analysis.layers):
        if node.kind == "input":
            continue
        shape = channels_last(outputs[name].shape)
        params = parameter_count(model.layers[name])
        macs = sum(per_module.get(prefix + name, {}).values()) // 2
        for quantity, ours, theirs in (
            ("output", layer.output, shape),
            ("params", layer.params, params),
            ("MACs", layer.macs, macs),
        ):
            if ours != theirs:
                mismatches.append(Mismatch(node.name, quantity, ours, theirs))
        if layer.other_ops:
            unchecked[node.kind] += 1
    totals = (analysis.totals.params, parameter_count(model)), (analysis.totals.macs, counter.get_total_flops() // 2)
    for label, (ours, theirs) in zip(("total params", "total MACs"), totals):
        if ours != theirs:
            mismatches.append(Mismatch("(network)", label, ours, theirs))
    return Verification(graph.name, len(graph.nodes) - 1, totals[0], totals[1], mismatches, dict(unchecked))
