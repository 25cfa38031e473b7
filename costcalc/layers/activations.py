"""Activations: elementwise functions with a fixed operation count per element, and softmax."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ..symbolic import note
from .base import (
    Cost,
    LayerKind,
    Param,
    Params,
    Shape,
    boolean,
    elements,
    number,
    register,
)


class Elementwise(LayerKind):
    """An activation applied to each element; ``ops`` is its operation count per element.

    An arithmetic operation, a comparison or an elementary function (exp, tanh, erf) counts one.
    """

    fusable = True
    in_place = True
    ops: ClassVar[int]
    formula: ClassVar[str]

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=note(self.ops * elements(out), self.label))

    def __init__(self) -> None:
        super().__init__()
        self.label = f"{self.name}: {self.formula}"  # what explain shows; built once, read per layer


def activation(name: str, ops: int, formula: str, summary: str, **params: Param) -> type[Elementwise]:
    cls = type(
        name, (Elementwise,), {"name": name, "ops": ops, "formula": formula, "summary": summary, "params": params}
    )
    return register(cls)


activation("relu", 1, "max(x, 0)", "rectified linear unit")
activation("relu6", 2, "min(max(x, 0), 6)", "ReLU capped at 6 (MobileNet)")
activation(
    "leaky_relu",
    2,
    "x if x > 0 else a·x",
    "leaky ReLU",
    slope=Param(number(), 0.01, "the negative slope a; no effect on costs"),
)
activation("sigmoid", 3, "1 / (1 + exp(−x))", "logistic sigmoid")
activation("tanh", 1, "tanh(x)", "hyperbolic tangent")
activation("hard_sigmoid", 4, "min(max(x + 3, 0), 6) / 6", "piecewise-linear sigmoid (PyTorch Hardsigmoid)")
activation("hard_swish", 5, "x · hard_sigmoid(x)", "x times hard sigmoid (MobileNet v3)")
activation("silu", 4, "x · sigmoid(x)", "sigmoid-weighted linear unit, also called swish")
activation("gelu", 5, "x · (1 + erf(x / √2)) / 2", "Gaussian error linear unit (erf form)")


@register
class PReLU(Elementwise):
    name = "prelu"
    summary = "leaky ReLU with a learned slope per channel (or one shared slope)"
    ops = 2
    formula = "x if x > 0 else a_c·x"
    params = {"shared": Param(boolean, False, "one slope for all channels instead of one per channel")}

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        slopes = 1 if p["shared"] else out[-1]
        return Cost(params=note(slopes, "slopes"), other_ops=note(self.ops * elements(out), self.label))


@register
class Softmax(LayerKind):
    name = "softmax"
    summary = "softmax over the channels (last axis) at each position"
    fusable = True

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        channels = out[-1]
        positions = elements(out[:-1])
        return Cost(other_ops=note(positions * (3 * channels - 1), "softmax: C exps, C − 1 adds, C divides"))
