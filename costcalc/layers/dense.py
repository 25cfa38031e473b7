"""Fully connected layers: over the whole (flattened) input, or over the channels at each position."""

from __future__ import annotations

from collections.abc import Sequence

from ..symbolic import note
from .base import (
    FUSED_PARAMS,
    WHOLE_INPUT,
    Cost,
    LayerKind,
    Param,
    Params,
    Part,
    Shape,
    Window,
    elements,
    fused_cost,
    fused_parts,
    positive_int,
    register,
)
from .conv import BIAS, bias_cost


@register
class FullyConnected(LayerKind):
    name = "fc"
    summary = "fully connected layer; an H×W×C input is flattened to H·W·C features first"
    params = {"units": Param(positive_int, doc="output features"), **BIAS, **FUSED_PARAMS}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (p["units"],)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        units = p["units"]
        features = elements(inputs[0])
        macs = note(features, "inputs") * note(units, "outputs")
        return Cost(params=features * units, macs=macs) + bias_cost(p, units, 1) + fused_cost(p, out)

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        return ((elements(inputs[0]) * p["units"], p["units"]),)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return WHOLE_INPUT

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        flatten = [Part("Flatten")] if len(inputs[0]) > 1 else []
        return [*flatten, Part("Linear", (elements(inputs[0]), p["units"]), {"bias": p["bias"]}), *fused_parts(p, out)]


@register
class Linear(LayerKind):
    name = "linear"
    summary = "fully connected over the channels at each position (nn.Linear on channels last): H×W×C → H×W×units"
    params = {"units": Param(positive_int, doc="output features per position"), **BIAS, **FUSED_PARAMS}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (*inputs[0][:-1], p["units"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        units, features = p["units"], inputs[0][-1]
        positions = elements(out[:-1])
        macs = note(positions * units, "outputs") * note(features, "multiplies per output")
        return Cost(params=features * units, macs=macs) + bias_cost(p, units, positions) + fused_cost(p, out)

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        return ((inputs[0][-1] * p["units"], p["units"]),)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        linear = Part(
            "ChannelsLastLinear" if len(out) == 3 else "Linear", (inputs[0][-1], p["units"]), {"bias": p["bias"]}
        )
        return [linear, *fused_parts(p, out)]
