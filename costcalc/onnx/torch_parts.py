"""PyTorch equivalents of the kinds added for ONNX models (layers/math_ops.py, reshaping.py).

So that a spec written by `costcalc import` can be built, verified against FlopCounterMode and
printed as code (`costcalc verify|torch`) like any other. The helper modules work in costcalc's
layout: a 4-D tensor (N×C×H×W, costcalc's H×W×C) is viewed channels last while they compute.
Needs PyTorch; imported only by costcalc.torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

Shape = tuple[int, ...]


def _to_costcalc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if x.dim() == 4 else x


def _from_costcalc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2) if x.dim() == 4 else x


_BINARY: dict[str, Callable[..., torch.Tensor]] = {
    "add": torch.add,
    "subtract": torch.sub,
    "multiply": torch.mul,
    "divide": torch.div,
    "power": torch.pow,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "modulo": torch.remainder,
    "equal": torch.eq,
    "less": torch.lt,
    "less_equal": torch.le,
    "greater": torch.gt,
    "greater_equal": torch.ge,
    "and": torch.logical_and,
    "or": torch.logical_or,
    "xor": torch.logical_xor,
    "bit_shift": torch.bitwise_left_shift,
}


class Elementwise(nn.Module):
    """An elementwise operation of the inputs and an optional stored operand (a parameter when learned)."""

    def __init__(self, op: str, operand: tuple[int, ...] | None = None, learned: bool = False, value: float = 1.0):
        super().__init__()
        self.op = op
        self.stored = operand is not None
        if operand is not None:
            tensor = torch.full((1, *operand), float(value))
            if learned:
                self.operand = nn.Parameter(tensor)
            else:
                self.register_buffer("operand", tensor)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        values = [_to_costcalc(x) for x in xs]
        if self.stored:
            values.append(self.operand)
        if self.op == "where":
            return _from_costcalc(torch.where(values[0].bool(), values[1], values[2]))
        if self.op == "mean":
            return _from_costcalc(sum(values[1:], values[0]) / len(values))
        out = values[0]
        for v in values[1:]:
            out = _BINARY[self.op](out, v)
        return _from_costcalc(out.float() if out.dtype == torch.bool else out)


_UNARY: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "erf": torch.erf,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "reciprocal": torch.reciprocal,
    "neg": torch.neg,
    "abs": torch.abs,
    "floor": torch.floor,
    "ceil": torch.ceil,
    "round": torch.round,
    "sign": torch.sign,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "not": lambda x: torch.logical_not(x).float(),
    "is_nan": lambda x: torch.isnan(x).float(),
    "is_inf": lambda x: torch.isinf(x).float(),
    "cast": lambda x: x,
}


class Unary(nn.Module):
    """An elementwise function by name (erf, exp, log, sqrt...)."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _UNARY[self.op](x)


class Clip(nn.Module):
    def __init__(self, low: float | None, high: float | None) -> None:
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, self.low, self.high)


class MatMul(nn.Module):
    """The product of two inputs over costcalc's last two axes."""

    def __init__(self, transpose_b: bool = False) -> None:
        super().__init__()
        self.transpose_b = transpose_b

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        b = _to_costcalc(b)
        return _from_costcalc(torch.matmul(_to_costcalc(a), b.transpose(-1, -2) if self.transpose_b else b))


class Reduce(nn.Module):
    """A reduction over costcalc's axes (0 = the first axis after the batch)."""

    def __init__(self, op: str, axes: Sequence[int], keepdims: bool = True) -> None:
        super().__init__()
        self.op, self.axes, self.keepdims = op, [a + 1 for a in axes], keepdims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x, dims, keep = _to_costcalc(x), self.axes, self.keepdims
        if self.op in ("max", "min"):
            out = torch.amax(x, dims, keep) if self.op == "max" else torch.amin(x, dims, keep)
        elif self.op == "prod":
            out = x
            for d in sorted(dims, reverse=True):
                out = torch.prod(out, d, keepdim=keep)
        else:
            squared = x * x if self.op in ("l2", "sum_square") else x.abs() if self.op == "l1" else x
            squared = torch.exp(x) if self.op == "log_sum_exp" else squared
            out = torch.mean(x, dims, keep) if self.op == "mean" else torch.sum(squared, dims, keep)
            out = torch.sqrt(out) if self.op == "l2" else torch.log(out) if self.op.startswith("log") else out
        return _from_costcalc(out)


class Reshape(nn.Module):
    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _from_costcalc(_to_costcalc(x).reshape(x.shape[0], *self.shape))


class Transpose(nn.Module):
    def __init__(self, perm: Sequence[int]) -> None:
        super().__init__()
        self.perm = [0] + [p + 1 for p in perm]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _from_costcalc(_to_costcalc(x).permute(*self.perm).contiguous())


class Pad(nn.Module):
    """Padding of height and width: constant, reflect, edge (replicate) or wrap (circular)."""

    MODES = {"constant": "constant", "reflect": "reflect", "edge": "replicate", "wrap": "circular"}

    def __init__(self, padding: Sequence[int], mode: str = "constant", value: float = 0.0) -> None:
        super().__init__()
        top, bottom, left, right = padding
        self.pads, self.mode, self.value = (left, right, top, bottom), self.MODES[mode], value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "constant":
            return nn.functional.pad(x, self.pads, "constant", self.value)
        return nn.functional.pad(x, self.pads, self.mode)


class Hardmax(nn.Module):
    """One-hot of the largest channel at each position."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _to_costcalc(x)
        return _from_costcalc(nn.functional.one_hot(x.argmax(-1), x.shape[-1]).to(x.dtype))


HELPERS = (Elementwise, Unary, Clip, MatMul, Reduce, Reshape, Transpose, Pad, Hardmax)


def parts(part: Callable[..., Any]) -> dict[str, Callable[[dict[str, Any], Sequence[Shape], Shape], list[Any]]]:
    """Builders for the ONNX kinds, making parts with ``part(cls, args, kwargs)``."""

    def elementwise(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Any]:
        operand = None
        if p["operand"] is not None or p["value"] is not None:
            stored = tuple(p["operand"] or ())
            operand = (1,) * (len(out) - len(stored)) + stored
        value = 1.0 if p["value"] is None else p["value"]
        return [part("Elementwise", (p["op"], operand, p["learned"], value))]

    def unknown(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Any]:
        from ..torch.builders import NoTorchEquivalent

        raise NoTorchEquivalent(f"layer kind 'unknown' ({p['op']}): costcalc does not know what it computes")

    simple = {
        "elu": "ELU",
        "selu": "SELU",
        "celu": "CELU",
        "softplus": "Softplus",
        "softsign": "Softsign",
        "mish": "Mish",
    }
    table: dict[str, Callable[[dict[str, Any], Sequence[Shape], Shape], list[Any]]] = {
        "elementwise": elementwise,
        "unary": lambda p, inputs, out: [part("Unary", (p["op"],))],
        "clip": lambda p, inputs, out: [part("Clip", (p["min"], p["max"]))],
        "matmul": lambda p, inputs, out: [part("MatMul", (p["transpose_b"],))],
        "reduce": lambda p, inputs, out: [part("Reduce", (p["op"], tuple(p["axes"]), p["keepdims"]))],
        "reshape": lambda p, inputs, out: [part("Reshape", (tuple(p["shape"]),))],
        "transpose": lambda p, inputs, out: [part("Transpose", (tuple(p["perm"]),))],
        "pad": lambda p, inputs, out: [part("Pad", (tuple(p["padding"]), p["mode"], p["value"]))],
        "hardmax": lambda p, inputs, out: [part("Hardmax")],
        "log_softmax": lambda p, inputs, out: [part("LogSoftmax", (), {"dim": 1 if len(out) == 3 else -1})],
        "thresholded_relu": lambda p, inputs, out: [part("Threshold", (1.0, 0.0))],
        "gelu_tanh": lambda p, inputs, out: [part("GELU", (), {"approximate": "tanh"})],
        "unknown": unknown,
    }
    for kind, cls in simple.items():
        table[kind] = lambda p, inputs, out, cls=cls: [part(cls)]
    return table
