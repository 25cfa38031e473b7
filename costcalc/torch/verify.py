"""Check a spec's numbers against PyTorch: the same graph built as torch modules, counted by FlopCounterMode."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from ..analysis import analyze
from ..errors import CostcalcError
from ..graph import Graph
from .model import SpecModule, attribute_names, parameter_count
from .parts import build_part, layer_parts


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
    meta: bool = False  # counted on PyTorch's meta device (shapes and counts, nothing computed)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def channels_last(shape: torch.Size) -> tuple[int, ...]:
    dims = tuple(shape[1:])  # without the batch
    return (dims[1], dims[2], dims[0]) if len(dims) == 3 else dims


def first_refusal(graph: Graph, meta: bool = False) -> Mismatch:
    """The first layer PyTorch refuses to build or to run on zeros, with PyTorch's own message."""
    names = attribute_names(graph)
    values: dict[str, torch.Tensor] = {}
    device = torch.device("meta" if meta else "cpu")
    for node, name, parts in zip(graph.nodes, names, layer_parts(graph)):
        if node.kind == "input":
            shape = graph.input_shape
            dims = (1, shape[2], shape[0], shape[1]) if len(shape) == 3 else (1, *shape)
            values[name] = torch.zeros(dims, device=device)
            continue
        try:
            with device:
                built = [build_part(p) for p in parts]
            module = (built[0] if len(built) == 1 else nn.Sequential(*built)).eval()
            with torch.no_grad():
                values[name] = module(*(values[names[i]] for i in node.inputs))
        except Exception as exc:  # noqa: BLE001 - whatever PyTorch raises is its refusal, reported as such
            message = " ".join(str(exc).split()) or type(exc).__name__
            return Mismatch(node.name, "PyTorch refuses the layer", "counted", message)
    return Mismatch("(network)", "PyTorch refuses the network", "counted", "an error no single layer raises")


def verify(graph: Graph, meta: bool = False) -> Verification:
    """Build ``graph`` in PyTorch, run zeros of its input shape once, compare every layer and the totals.

    ``meta``: build and run on PyTorch's meta device, where every operator works out its output shape
    (and FlopCounterMode counts it) without computing anything: the same checks in a fraction of the
    time and memory for a large network or input.

    A layer PyTorch refuses (its module cannot be built or raises on its input) is a failed check that
    names the layer and quotes PyTorch, not a crash.
    """
    analysis = analyze(graph)
    names = attribute_names(graph)
    device = torch.device("meta" if meta else "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # FlopCounterMode's notes about its own arguments
        counter = FlopCounterMode(display=False)
        try:
            with device:
                model = SpecModule(graph).eval()
                example = model.example_input()
            with torch.no_grad(), counter:
                outputs = model(example, every_layer=True)  # through __call__: per-module counts
        except CostcalcError:
            raise  # a kind without a PyTorch module: the user's input, said as such
        except Exception:  # noqa: BLE001 - PyTorch refuses a layer costcalc counted
            refused = first_refusal(graph, meta)
            totals = (analysis.totals.params, 0), (analysis.totals.macs, 0)
            return Verification(graph.name, len(graph.nodes) - 1, totals[0], totals[1], [refused], meta=meta)
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
    return Verification(graph.name, len(graph.nodes) - 1, totals[0], totals[1], mismatches, dict(unchecked), meta)
