"""Arithmetic that models exported to ONNX use beyond the classic layers: elementwise operations with
broadcasting (between layers, or with one stored tensor), unary functions, clipping, products of
two activations, reductions, and the activations Keras and PyTorch have that the spec language
did not (ELU, SELU, softplus...).

Operation counts follow the convention of the activations: each arithmetic operation, comparison
or elementary function (exp, log, erf, tanh, sqrt...) counts one per element.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..errors import SpecError, describe
from ..symbolic import note
from .base import (
    Cost,
    Evaluate,
    LayerKind,
    Param,
    Params,
    Part,
    Shape,
    boolean,
    choice,
    elements,
    number,
    register,
    to_int,
)
from .merge import broadcast


def int_list(minimum: int) -> Any:
    """A list of whole numbers (a shape, axes, a permutation); one number is a list of one."""

    def convert(raw: Any, evaluate: Evaluate) -> tuple[int, ...]:
        items = raw if isinstance(raw, list) else [raw]
        if len(items) > 64:
            raise SpecError(f"got {describe(raw)}", expected="at most 64 numbers")
        return tuple(to_int(v, evaluate, minimum) for v in items)

    return convert


# ---------------------------------------------------------------- elementwise with broadcasting

# operations per output element, for `operands` values combined (layers plus a stored operand)
ELEMENTWISE = {
    "add": "a + b",
    "subtract": "a − b",
    "multiply": "a · b",
    "divide": "a / b",
    "power": "a ^ b",
    "maximum": "max(a, b)",
    "minimum": "min(a, b)",
    "modulo": "a mod b",
    "mean": "(a + b + …) / n",
    "equal": "a = b",
    "less": "a < b",
    "less_equal": "a ≤ b",
    "greater": "a > b",
    "greater_equal": "a ≥ b",
    "and": "a and b",
    "or": "a or b",
    "xor": "a xor b",
    "bit_shift": "a << b",
    "where": "b if a else c",
}


@register
class ElementwiseOp(LayerKind):
    name = "elementwise"
    summary = "an elementwise operation of layers with NumPy broadcasting, or of one layer and a stored tensor"
    min_inputs, max_inputs = 1, None
    params = {
        "op": Param(choice(*ELEMENTWISE), doc="the operation: " + ", ".join(ELEMENTWISE)),
        "operand": Param(int_list(1), None, "shape of a stored operand (channels last), broadcast like the inputs"),
        "value": Param(number(), None, "a stored scalar operand (its value; no effect on costs)"),
        "learned": Param(boolean, False, "the stored operand's elements count as parameters"),
        "table": Param(
            int_list(1),
            None,
            "shape of the learned table a learned operand is gathered from (Swin's relative position bias:"
            " [169, 3] indexed into 3×49×49); its elements, not the operand's, are the parameters",
        ),
    }

    def operands(self, p: Params, inputs: Sequence[Shape]) -> list[Shape]:
        stored = p["operand"] if p["operand"] is not None else (() if p["value"] is not None else None)
        return list(inputs) + ([stored] if stored is not None else [])

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        operands = self.operands(p, inputs)
        if len(operands) < 2 and p["op"] != "mean":
            raise SpecError(
                f"{p['op']} of one input and no stored operand", expected="two or more inputs, or operand: / value:"
            )
        if p["op"] == "where" and len(operands) != 3:
            raise SpecError(f"where of {len(operands)} operands", expected="three (condition, then, else)")
        if p["learned"] and p["operand"] is None and p["value"] is None:
            raise SpecError("learned: true without a stored operand", expected="operand: [shape] or value:")
        if p["table"] is not None and not (p["learned"] and p["operand"] is not None):
            raise SpecError("table: without a learned operand", expected="operand: [shape] and learned: true")
        return broadcast([s for s in operands if s] or [inputs[0]], self.name)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        operands = self.operands(p, inputs)
        count = len(operands)
        per_element = 1 if p["op"] == "where" else count if p["op"] == "mean" else count - 1
        params = 0
        if p["learned"] and p["table"] is not None:
            params = note(elements(p["table"]), "learned table the operand is gathered from")
        elif p["learned"]:
            params = note(elements(p["operand"] or ()), "stored operand")
        label = f"{p['op']}: {ELEMENTWISE[p['op']]}"
        return Cost(params=params, other_ops=note(per_element * elements(out), label))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        operand = None
        if p["operand"] is not None or p["value"] is not None:
            stored = tuple(p["operand"] or ())
            operand = (1,) * (len(out) - len(stored)) + stored
        value = 1.0 if p["value"] is None else p["value"]
        if p["table"] is not None:
            return [Part("Elementwise", (p["op"], operand, p["learned"], value, tuple(p["table"])))]
        return [Part("Elementwise", (p["op"], operand, p["learned"], value))]


# ---------------------------------------------------------------- unary functions

UNARY = {  # name -> (operations per element, what it computes)
    "erf": (1, "erf(x)"),
    "exp": (1, "exp(x)"),
    "log": (1, "log(x)"),
    "sqrt": (1, "√x"),
    "reciprocal": (1, "1 / x"),
    "neg": (1, "−x"),
    "abs": (1, "|x|"),
    "floor": (1, "⌊x⌋"),
    "ceil": (1, "⌈x⌉"),
    "round": (1, "round(x)"),
    "sign": (1, "sign(x)"),
    "sin": (1, "sin(x)"),
    "cos": (1, "cos(x)"),
    "tan": (1, "tan(x)"),
    "not": (1, "not x"),
    "is_nan": (1, "x ≠ x"),
    "is_inf": (1, "|x| = ∞"),
    "cast": (0, "a change of element type (data movement, no arithmetic)"),
}


@register
class Unary(LayerKind):
    name = "unary"
    summary = "an elementwise function of one input: erf, exp, log, sqrt, reciprocal, abs, cast..."
    in_place = True
    params = {"op": Param(choice(*UNARY), doc="the function: " + ", ".join(UNARY))}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        ops, formula = UNARY[p["op"]]
        return Cost(other_ops=note(ops * elements(out), f"{p['op']}: {formula}"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Unary", (p["op"],))]


@register
class Clip(LayerKind):
    name = "clip"
    summary = "clamp to [min, max] (either bound may be left out): one comparison per bound"
    in_place = True
    params = {
        "min": Param(number(), None, "the lower bound, if any"),
        "max": Param(number(), None, "the upper bound, if any"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        bounds = (p["min"] is not None) + (p["max"] is not None)
        return Cost(other_ops=note(bounds * elements(out), "clip: a comparison per bound"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Clip", (p["min"], p["max"]))]


# ---------------------------------------------------------------- products of activations


@register
class MatMul(LayerKind):
    name = "matmul"
    summary = "matrix product of two layers (attention's Q·Kᵀ), batched over the leading axes"
    min_inputs, max_inputs = 2, 2
    params = {"transpose_b": Param(boolean, False, "multiply by the second input transposed")}

    def sides(self, p: Params, inputs: Sequence[Shape]) -> tuple[Shape, int, int, int]:
        a, b = inputs
        if len(a) < 2 or len(b) < 2:
            raise SpecError(
                f"matmul of {'×'.join(map(str, a))} and {'×'.join(map(str, b))}", expected="inputs of rank 2 or more"
            )
        rows, inner = a[-2:]
        b_inner, cols = b[-2:] if not p["transpose_b"] else b[-2:][::-1]
        if inner != b_inner:
            raise SpecError(
                f"matmul of {'×'.join(map(str, a))} by {'×'.join(map(str, b))}: inner sizes {inner} and {b_inner}",
                expected="the first input's last size equal to the second's rows",
            )
        lead = broadcast([a[:-2] or (1,), b[:-2] or (1,)], self.name) if a[:-2] or b[:-2] else ()
        return lead, rows, inner, cols

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        lead, rows, _, cols = self.sides(p, inputs)
        return (*lead, rows, cols)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        lead, rows, inner, cols = self.sides(p, inputs)
        macs = note(elements(lead) * rows * cols, "outputs") * note(inner, "multiplies per output")
        return Cost(macs=macs)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("MatMul", (p["transpose_b"],))]


# ---------------------------------------------------------------- reductions

REDUCTIONS = {  # name -> operations for n elements reduced into one output
    "mean": (lambda n: n, "n − 1 adds and a divide"),
    "sum": (lambda n: n - 1, "n − 1 adds"),
    "max": (lambda n: n - 1, "n − 1 comparisons"),
    "min": (lambda n: n - 1, "n − 1 comparisons"),
    "prod": (lambda n: n - 1, "n − 1 multiplies"),
    "l1": (lambda n: 2 * n - 1, "n absolute values and n − 1 adds"),
    "l2": (lambda n: 2 * n, "n squares, n − 1 adds and a square root"),
    "sum_square": (lambda n: 2 * n - 1, "n squares and n − 1 adds"),
    "log_sum": (lambda n: n, "n − 1 adds and a log"),
    "log_sum_exp": (lambda n: 2 * n, "n exps, n − 1 adds and a log"),
}


@register
class Reduce(LayerKind):
    name = "reduce"
    summary = "reduce over some axes (mean, sum, max, min, prod, l1, l2...)"
    params = {
        "op": Param(choice(*REDUCTIONS), doc="the reduction: " + ", ".join(REDUCTIONS)),
        "axes": Param(int_list(0), doc="the axes reduced, from 0 (channels last: for H×W×C, 2 is the channels)"),
        "keepdims": Param(boolean, True, "keep each reduced axis with size 1"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        shape = inputs[0]
        axes = set(p["axes"])
        if not axes or max(axes) >= len(shape) or len(axes) != len(p["axes"]):
            raise SpecError(
                f"axes {list(p['axes'])} of a {'×'.join(map(str, shape))} input",
                expected=f"distinct axes from 0 to {len(shape) - 1}",
            )
        if p["keepdims"]:
            return tuple(1 if i in axes else d for i, d in enumerate(shape))
        out = tuple(d for i, d in enumerate(shape) if i not in axes)
        if not out:
            raise SpecError("a reduction over every axis without keepdims", expected="keepdims: true")
        return out

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        reduced = math.prod(inputs[0][a] for a in p["axes"])
        rule, text = REDUCTIONS[p["op"]]
        outputs = elements(inputs[0]) // reduced
        return Cost(other_ops=note(outputs * rule(reduced), f"{p['op']}: {text} per output"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Reduce", (p["op"], tuple(p["axes"]), p["keepdims"]))]


# ---------------------------------------------------------------- more activations


class Pointwise(LayerKind):
    """An activation applied to each element, with a fixed operation count."""

    in_place = True
    ops: int
    formula: str
    part: Part  # the torch.nn module computing it

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=note(self.ops * elements(out), f"{self.name}: {self.formula}"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [self.part]


def pointwise(name: str, ops: int, formula: str, part: Part, summary: str) -> None:
    attributes = {"name": name, "ops": ops, "formula": formula, "part": part, "summary": summary}
    register(type(name, (Pointwise,), attributes))


pointwise("elu", 4, "x if x > 0 else α·(exp(x) − 1)", Part("ELU"), "exponential linear unit (ELU)")
pointwise("selu", 5, "λ·(x if x > 0 else α·(exp(x) − 1))", Part("SELU"), "scaled ELU (SELU)")
pointwise("celu", 7, "max(0, x) + min(0, α·(exp(x / α) − 1))", Part("CELU"), "continuously differentiable ELU (CELU)")
pointwise("softplus", 3, "log(1 + exp(x))", Part("Softplus"), "softplus")
pointwise("softsign", 3, "x / (1 + |x|)", Part("Softsign"), "softsign")
pointwise("mish", 5, "x · tanh(softplus(x))", Part("Mish"), "Mish")
pointwise("thresholded_relu", 1, "x if x > α else 0", Part("Threshold", (1.0, 0.0)), "thresholded ReLU")
pointwise(
    "gelu_tanh",
    9,
    "x · (1 + tanh(√(2/π) · (x + 0.044715·x³))) / 2",
    Part("GELU", (), {"approximate": "tanh"}),
    "Gaussian error linear unit (tanh approximation)",
)


@register
class LogSoftmax(LayerKind):
    name = "log_softmax"
    summary = "log of the softmax over the channels (last axis) at each position"

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        channels, positions = out[-1], elements(out[:-1])
        return Cost(other_ops=note(positions * 3 * channels, "log softmax: C exps, C − 1 adds, a log, C subtracts"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("LogSoftmax", (), {"dim": 1 if len(out) in (1, 3) else -1})]  # the channels, in PyTorch's layout


@register
class Hardmax(LayerKind):
    name = "hardmax"
    summary = "one-hot of the largest channel at each position"

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        channels, positions = out[-1], elements(out[:-1])
        return Cost(other_ops=note(positions * (channels - 1), "hardmax: C − 1 comparisons"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Hardmax")]
