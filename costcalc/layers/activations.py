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
    Part,
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
    module: ClassVar[str]  # the torch.nn class computing it

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=note(self.ops * elements(out), self.label))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        if not self.module:
            return super().torch(p, inputs, out)  # refuses: no PyTorch module named for it
        return [Part(self.module)]

    def __init__(self) -> None:
        super().__init__()
        self.label = f"{self.name}: {self.formula}"  # what explain shows; built once, read per layer


def activation(name: str, ops: int, formula: str, summary: str, module: str = "", **params: Param) -> type[Elementwise]:
    """An activation: its operation count, formula, summary, torch.nn module (none: no PyTorch equivalent)
    and parameters (no effect on costs)."""
    attributes = {"name": name, "ops": ops, "formula": formula, "summary": summary, "module": module, "params": params}
    return register(type(name, (Elementwise,), attributes))


activation("relu", 1, "max(x, 0)", "rectified linear unit", "ReLU")
activation("relu6", 2, "min(max(x, 0), 6)", "ReLU capped at 6 (MobileNet)", "ReLU6")
activation("sigmoid", 3, "1 / (1 + exp(−x))", "logistic sigmoid", "Sigmoid")
activation("tanh", 1, "tanh(x)", "hyperbolic tangent", "Tanh")
activation(
    "hard_sigmoid", 4, "min(max(x + 3, 0), 6) / 6", "piecewise-linear sigmoid (PyTorch Hardsigmoid)", "Hardsigmoid"
)
activation("hard_swish", 5, "x · hard_sigmoid(x)", "x times hard sigmoid (MobileNet v3)", "Hardswish")
activation("silu", 4, "x · sigmoid(x)", "sigmoid-weighted linear unit, also called swish", "SiLU")
activation("gelu", 5, "x · (1 + erf(x / √2)) / 2", "Gaussian error linear unit (erf form)", "GELU")


@register
class LeakyReLU(Elementwise):
    name = "leaky_relu"
    summary = "leaky ReLU"
    ops = 2
    formula = "x if x > 0 else a·x"
    params = {"slope": Param(number(), 0.01, "the negative slope a; no effect on costs")}

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("LeakyReLU", (p["slope"],))]


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

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("PReLU", (), {"num_parameters": 1 if p["shared"] else out[-1]})]


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

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Softmax", (), {"dim": 1})]
