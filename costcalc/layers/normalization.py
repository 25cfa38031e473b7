"""Normalization: batch norm and local response normalization."""

from __future__ import annotations

from collections.abc import Sequence

from ..symbolic import note
from .base import (
    Cost,
    LayerKind,
    Param,
    Params,
    Part,
    Shape,
    elements,
    number,
    positive_int,
    register,
)


@register
class BatchNorm(LayerKind):
    name = "batch_norm"
    summary = "batch normalization over channels (inference: y = a·x + b per channel)"
    params = {"epsilon": Param(number(0.0), 1e-5, "added to the variance; no effect on costs")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        channels = out[-1]
        # γ, β trainable; running mean and variance are state, not parameters (as Keras reports)
        return Cost(
            params=note(2 * channels, "batch norm γ, β"),
            non_trainable=note(2 * channels, "running mean, variance"),
            other_ops=note(2 * elements(out), "batch norm: a·x + b"),
        )

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("BatchNorm2d" if len(out) == 3 else "BatchNorm1d", (out[-1],), {"eps": p["epsilon"]})]


@register
class LocalResponseNorm(LayerKind):
    name = "lrn"
    summary = "local response normalization across `size` neighbouring channels (AlexNet)"
    params = {
        "size": Param(positive_int, 5, "channels in the normalization window n"),
        "alpha": Param(number(), 1e-4, "α; no effect on costs"),
        "beta": Param(number(), 0.75, "β; no effect on costs"),
        "k": Param(number(), 2.0, "k; no effect on costs"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        # per element: n squares and n − 1 adds for the window sum, then ·α/n, +k, ^β and a divide
        return Cost(other_ops=(2 * p["size"] + 3) * elements(out))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("LocalResponseNorm", (p["size"],), {"alpha": p["alpha"], "beta": p["beta"], "k": p["k"]})]
