"""PyTorch helper modules for the kinds added for ONNX models (layers/math_ops.py, reshaping.py).

So that a spec written by `costcalc import` builds, verifies against FlopCounterMode and prints as
code (`costcalc verify|torch`) like any other. Each class is self-contained (its source is copied
into generated code). They compute in costcalc's layout: a 4-D tensor (N×C×H×W, costcalc's H×W×C)
is viewed channels last while they work. Needs PyTorch; costcalc.torch.modules re-exports them.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class Elementwise(nn.Module):
    """An elementwise operation of the inputs (and a stored operand, a parameter when learned), broadcast
    channels last."""

    OPS = {
        "add": "add",
        "subtract": "sub",
        "multiply": "mul",
        "divide": "div",
        "power": "pow",
        "maximum": "maximum",
        "minimum": "minimum",
        "modulo": "remainder",
        "equal": "eq",
        "less": "lt",
        "less_equal": "le",
        "greater": "gt",
        "greater_equal": "ge",
        "and": "logical_and",
        "or": "logical_or",
        "xor": "logical_xor",
        "bit_shift": "bitwise_left_shift",
    }

    def __init__(
        self, op: str, operand: tuple | None = None, learned: bool = False, value: float = 1.0, table: tuple = ()
    ) -> None:
        super().__init__()
        self.op = op
        self.stored = operand is not None
        self.gathered = bool(table)
        if operand is not None and table:  # a learned table indexed into the operand (Swin's position bias)
            self.table = nn.Parameter(torch.full(table, float(value)))
            self.register_buffer("index", torch.arange(torch.Size(operand).numel()) % self.table.numel())
            self.shape = (1, *operand)
        elif operand is not None:
            tensor = torch.full((1, *operand), float(value))
            if learned:
                self.operand = nn.Parameter(tensor)
            else:
                self.register_buffer("operand", tensor)

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        values = [x.permute(0, 2, 3, 1) if x.dim() == 4 else x for x in xs]
        if self.gathered:
            values.append(self.table.reshape(-1)[self.index].reshape(self.shape))
        elif self.stored:
            values.append(self.operand)
        if self.op == "where":
            out = torch.where(values[0].bool(), values[1], values[2])
        elif self.op == "mean":
            out = sum(values[1:], values[0]) / len(values)
        else:
            out = values[0]
            for v in values[1:]:
                out = getattr(torch, self.OPS[self.op])(out, v)
            out = out.float() if out.dtype == torch.bool else out
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Unary(nn.Module):
    """An elementwise function by name (erf, exp, log, sqrt...; cast changes nothing here)."""

    def __init__(self, op: str) -> None:
        super().__init__()
        self.op = op

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.op == "cast":
            return x
        if self.op in ("not", "is_nan", "is_inf"):
            return {"not": torch.logical_not, "is_nan": torch.isnan, "is_inf": torch.isinf}[self.op](x).float()
        return getattr(torch, self.op)(x)


class Clip(nn.Module):
    def __init__(self, low: float | None, high: float | None) -> None:
        super().__init__()
        self.low, self.high = low, high

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, self.low, self.high)


class MatMul(nn.Module):
    """The product of two inputs over their last two axes, channels last."""

    def __init__(self, transpose_b: bool = False) -> None:
        super().__init__()
        self.transpose_b = transpose_b

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        a = a.permute(0, 2, 3, 1) if a.dim() == 4 else a
        b = b.permute(0, 2, 3, 1) if b.dim() == 4 else b
        out = torch.matmul(a, b.transpose(-1, -2) if self.transpose_b else b)
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Reduce(nn.Module):
    """A reduction over costcalc's axes (0 is the first axis after the batch), channels last."""

    def __init__(self, op: str, axes: Sequence[int], keepdims: bool = True) -> None:
        super().__init__()
        self.op, self.dims, self.keepdims = op, [a + 1 for a in axes], keepdims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        dims, keep, op = self.dims, self.keepdims, self.op
        if op in ("max", "min"):
            out = torch.amax(x, dims, keep) if op == "max" else torch.amin(x, dims, keep)
        elif op == "prod":
            out = x
            for d in sorted(dims, reverse=True):
                out = torch.prod(out, d, keepdim=keep)
        elif op == "mean":
            out = torch.mean(x, dims, keep)
        else:
            terms = {"l1": x.abs(), "l2": x * x, "sum_square": x * x, "log_sum_exp": torch.exp(x)}.get(op, x)
            out = torch.sum(terms, dims, keep)
            out = torch.sqrt(out) if op == "l2" else torch.log(out) if op.startswith("log") else out
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Reshape(nn.Module):
    """The same elements in another shape (channels last), the batch kept."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        out = x.reshape(x.shape[0], *self.shape)
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Transpose(nn.Module):
    """The axes after the batch in another order (channels last)."""

    def __init__(self, perm: Sequence[int]) -> None:
        super().__init__()
        self.perm = [0] + [p + 1 for p in perm]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        out = x.permute(*self.perm).contiguous()
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


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
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        out = nn.functional.one_hot(x.argmax(-1), x.shape[-1]).to(x.dtype)
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Gather(nn.Module):
    """``count`` elements picked along costcalc's ``axis`` (all index 0 here: only shapes and counts are checked)."""

    def __init__(self, axis: int, count: int) -> None:
        super().__init__()
        self.axis = axis + 1
        self.register_buffer("index", torch.zeros(count, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        out = x.index_select(self.axis, self.index)
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out


class Stored(nn.Module):
    """A stored tensor (a parameter when learned, else a buffer), read by no input: one copy, batch 1, which
    PyTorch broadcasts where it meets the batch (costcalc counts what is computed from it per sample)."""

    def __init__(self, shape: tuple, learned: bool = False) -> None:
        super().__init__()
        tensor = torch.zeros(1, shape[2], shape[0], shape[1]) if len(shape) == 3 else torch.zeros(1, *shape)
        if learned:
            self.stored = nn.Parameter(tensor)
        else:
            self.register_buffer("stored", tensor)

    def forward(self) -> torch.Tensor:
        return self.stored


class ConcatStored(nn.Module):
    """A stored tensor (a parameter when learned) joined to the input along costcalc's ``axis``."""

    def __init__(self, shape: tuple, axis: int, before: bool = True, learned: bool = True) -> None:
        super().__init__()
        tensor = torch.zeros(1, *shape)
        if learned:
            self.stored = nn.Parameter(tensor)
        else:
            self.register_buffer("stored", tensor)
        self.axis, self.before = axis + 1, before

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1) if x.dim() == 4 else x
        stored = self.stored.expand(x.shape[0], *self.stored.shape[1:])
        out = torch.cat([stored, x] if self.before else [x, stored], self.axis)
        return out.permute(0, 3, 1, 2) if out.dim() == 4 else out
