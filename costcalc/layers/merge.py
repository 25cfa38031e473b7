"""Layers that merge several inputs: add, multiply (broadcasting) and concat."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SpecError
from .base import Cost, LayerKind, Params, Part, Shape, elements, fmt_shape, register


def broadcast(shapes: Sequence[Shape], kind: str) -> Shape:
    """NumPy broadcasting over channels-last shapes (1×1×C or C scales an H×W×C tensor)."""
    rank = max(len(s) for s in shapes)
    out = []
    for axis in range(1, rank + 1):
        sizes = {s[-axis] for s in shapes if len(s) >= axis} - {1}
        if len(sizes) > 1:
            shown = " vs ".join(fmt_shape(s) for s in shapes)
            raise SpecError(f"{kind} cannot broadcast {shown}", expected="equal sizes or 1 on each axis")
        out.append(sizes.pop() if sizes else 1)
    return tuple(reversed(out))


@register
class Add(LayerKind):
    name = "add"
    summary = "elementwise sum of inputs of equal shape (residual connections)"
    min_inputs, max_inputs = 2, None

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        first = inputs[0]
        for other in inputs[1:]:
            if other != first:
                raise SpecError(
                    f"add needs equal shapes: {fmt_shape(first)} vs {fmt_shape(other)}",
                    expected="inputs of the same shape",
                    hint="a projection (1×1 conv) on the shortcut can match them",
                )
        return first

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=(len(inputs) - 1) * elements(out))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Add")]


@register
class Multiply(LayerKind):
    name = "multiply"
    summary = "elementwise product with broadcasting (squeeze-and-excitation scaling)"
    min_inputs, max_inputs = 2, None

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return broadcast(inputs, self.name)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=(len(inputs) - 1) * elements(out))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Multiply")]


@register
class Concat(LayerKind):
    name = "concat"
    summary = "stack inputs along the channels (Inception); spatial sizes must agree"
    min_inputs, max_inputs = 1, None

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        first = inputs[0]
        for other in inputs[1:]:
            if len(other) != len(first) or other[:-1] != first[:-1]:
                raise SpecError(
                    f"concat needs equal spatial sizes: {fmt_shape(first)} vs {fmt_shape(other)}",
                    expected="inputs that differ only in channels",
                )
        return (*first[:-1], sum(s[-1] for s in inputs))

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost()  # moves data, computes nothing

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Concat")]
