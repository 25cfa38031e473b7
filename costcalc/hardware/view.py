"""The hardware view of a spec in one call: its graph, the precision (with the spec's per-layer dtypes),
the memory traffic and, on a device, the roofline estimate.

A spec gives a layer its own types with ``dtype:`` (``dtype: int8``, or ``dtype: {weights: int4,
activations: int8}``); on a block use it applies to every layer inside, a layer's own winning. The
names are checked here, where they are used: an unknown one is an error at its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..api import build_spec_graph
from ..errors import SpecError, nearest
from ..graph import TOP, Graph
from ..layers import Shape
from ..sources import load_spec
from ..spec import Entry, Spec
from .device import Device, load_device
from .dtypes import DTYPE_BITS, LayerDtypes, Precision
from .roofline import Roofline, roofline
from .traffic import Traffic, traffic


@dataclass(frozen=True)
class HardwareView:
    traffic: Traffic
    roofline: Roofline | None  # None without a device
    device: Device | None


def precision_of(
    graph: Graph,
    weights: str = "float32",
    activations: str = "float32",
    scales: str = "per_channel",
    spec: Spec | None = None,
) -> Precision:
    """The model-wide dtypes, with the spec's per-layer ``dtype:`` on top (mixed precision): a layer's own,
    else the innermost enclosing block use's, each of weights and activations separately."""
    layers = {}
    if spec is not None:
        entries = {entry.mark: entry for entry in _entries(spec)}
        for node in graph.nodes:
            chain = [entries.get(node.mark)]
            block = node.block
            while block != TOP:
                chain.append(entries.get(graph.blocks[block].mark))
                block = graph.blocks[block].parent
            w = a = None
            for entry in chain:
                if entry is not None and entry.dtype is not None:
                    own_w, own_a = _dtypes_of(entry, spec, node.name)
                    w, a = w or own_w, a or own_a
            if w or a:
                layers[node.name] = LayerDtypes(w or weights, a or activations)
    return Precision(weights, activations, scales, layers=layers)


def _entries(spec: Spec) -> list[Entry]:
    out = list(spec.layers)
    for block in spec.blocks.values():
        out += block.layers
    return out


def _dtypes_of(entry: Entry, spec: Spec, layer: str) -> tuple[str | None, str | None]:
    raw = entry.dtype
    pair = (raw, raw) if isinstance(raw, str) else (raw.get("weights"), raw.get("activations"))
    for value in pair:
        if value is not None and value not in DTYPE_BITS:
            near = nearest(value, DTYPE_BITS)
            raise SpecError(
                f"dtype '{value}'" + (f"; did you mean '{near[0]}'?" if near else ""),
                location=spec.location(entry.marks.get("dtype", entry.mark)),
                layer=layer,
                expected="one of " + ", ".join(DTYPE_BITS),
            )
    return pair


def hardware_view(
    ref: str | Spec | Graph,
    device: str | Device | None = None,
    weights: str = "float32",
    activations: str = "float32",
    scales: str = "per_channel",
    batch: int = 1,
    overrides: Mapping[str, Any] | None = None,
    input_shape: Shape | None = None,
    spec: Spec | None = None,
) -> HardwareView:
    """``hardware_view("mobilenet_v2", "jetson-orin-nano", "int8", "int8").roofline.totals.seconds``.

    Given a Graph, pass the ``spec`` it was built from for its per-layer ``dtype:`` (mixed precision)."""
    if isinstance(ref, Graph):
        graph = ref
    else:
        spec = ref if isinstance(ref, Spec) else load_spec(ref)
        graph = build_spec_graph(spec, overrides, input_shape)
    profile = load_device(device) if isinstance(device, str) else device
    precision = precision_of(graph, weights, activations, scales, spec)
    buffer = int(profile.buffer.value) if profile is not None and profile.buffer is not None else None
    moved = traffic(graph, precision, batch, buffer)
    return HardwareView(moved, roofline(moved, profile) if profile is not None else None, profile)
