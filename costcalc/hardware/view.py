"""The hardware view of a spec in one call: its graph, the precision (with the spec's per-layer dtypes),
the memory traffic and, on a device, the roofline estimate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..api import build_spec_graph
from ..graph import Graph
from ..layers import Shape
from ..spec import Spec
from .device import Device, load_device
from .dtypes import LayerDtypes, Precision
from .roofline import Roofline, roofline
from .traffic import Traffic, traffic


@dataclass(frozen=True)
class HardwareView:
    traffic: Traffic
    roofline: Roofline | None  # None without a device
    device: Device | None


def precision_of(
    graph: Graph, weights: str = "float32", activations: str = "float32", scales: str = "per_channel"
) -> Precision:
    """The model-wide dtypes, with each layer's own ``dtype:`` from the spec (mixed precision) on top."""
    layers = {}
    for node in graph.nodes:
        own = getattr(node, "dtype", None)
        if own is not None:
            w, a = own if isinstance(own, tuple) else (own, own)
            layers[node.name] = LayerDtypes(w or weights, a or activations)
    return Precision(weights, activations, scales, layers=layers)


def hardware_view(
    ref: str | Spec | Graph,
    device: str | Device | None = None,
    weights: str = "float32",
    activations: str = "float32",
    scales: str = "per_channel",
    batch: int = 1,
    overrides: Mapping[str, Any] | None = None,
    input_shape: Shape | None = None,
) -> HardwareView:
    """``hardware_view("mobilenet_v2", "jetson-orin-nano", "int8", "int8").roofline.totals.seconds``."""
    graph = ref if isinstance(ref, Graph) else build_spec_graph(ref, overrides, input_shape)
    profile = load_device(device) if isinstance(device, str) else device
    precision = precision_of(graph, weights, activations, scales)
    buffer = int(profile.buffer.value) if profile is not None and profile.buffer is not None else None
    moved = traffic(graph, precision, batch, buffer)
    return HardwareView(moved, roofline(moved, profile) if profile is not None else None, profile)
