"""What an ONNX tensor is to the converter: an activation, a stored weight, or a small known constant.

Exporters compute shapes at run time (Shape → Gather → Unsqueeze → Concat → Reshape); with the
input shape fixed these are constants, evaluated here on plain Python lists (row-major, at most
``MAX_ELEMENTS`` values, so a hostile graph cannot make a huge one). Weights are never read:
only their dims matter, and which stored tensors they come from (for the params as stored).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

MAX_ELEMENTS = 1 << 16


class FoldError(Exception):
    """A constant computation that cannot be done (bad axes, shapes that do not broadcast...)."""


class TooLarge(FoldError):
    """A constant with more elements than are held: its dims are known, its values are not kept."""


class Const:
    """A tensor whose values are known (a shape, axes, scales, a scalar...)."""

    __slots__ = ("dims", "values", "floating", "sources")

    def __init__(self, dims: Sequence[int], values: list[Any], floating: bool, sources: frozenset[str] = frozenset()):
        self.dims = tuple(dims)
        self.values = values
        self.floating = floating
        self.sources = sources  # the stored tensors it was computed from (if any)

    @property
    def scalar(self) -> Any:
        return self.values[0] if len(self.values) == 1 else None


class Weight:
    """A stored tensor (or one computed from stored tensors only) whose values are not read."""

    __slots__ = ("dims", "floating", "sources", "name", "tensor")

    def __init__(
        self, dims: Sequence[int], floating: bool, sources: frozenset[str], name: str, tensor: Any = None
    ) -> None:
        self.dims = tuple(dims)
        self.floating = floating
        self.sources = sources  # initializer names, for counting stored params once
        self.name = name
        self.tensor = tensor  # the TensorProto whose values these are in order (None: computed, not decodable)


class Act:
    """An activation: ONNX dims (batch first) and the costcalc layer whose output it is.

    ``axes`` lists the ONNX axes in costcalc's order (channels last, batch left out): NCHW is
    (2, 3, 1), so the costcalc shape is H×W×C. A Transpose only relabels the axes.
    """

    __slots__ = ("dims", "layer", "axes", "batched")

    def __init__(self, dims: Sequence[int], layer: str, axes: Sequence[int], batched: bool = True) -> None:
        self.dims = tuple(dims)
        self.layer = layer
        self.axes = tuple(axes)
        # axis 0 is the batch (left out of costcalc's shape); False: an exporter moved or folded a batch of 1
        # into the other axes (PyTorch's attention, Swin's windows), so every axis is the sample's
        self.batched = batched

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.dims[a] for a in self.axes)

    @property
    def rank(self) -> int:
        return len(self.dims)


Value = Const | Weight | Act


def canonical_axes(rank: int, batched: bool = True) -> tuple[int, ...]:
    """costcalc's view of a fresh tensor: NCHW as H×W×C; any other rank in ONNX order, batch left out
    (a tensor without a batch axis: every axis, in ONNX order)."""
    if not batched:
        return tuple(range(rank))
    if rank == 4:
        return (2, 3, 1)
    return tuple(range(1, rank))


def elements(dims: Sequence[int]) -> int:
    return math.prod(dims)


def check_size(dims: Sequence[int]) -> None:
    if any(d < 0 for d in dims):
        raise FoldError(f"negative dimension in {list(dims)}")
    if elements(dims) > MAX_ELEMENTS:
        raise TooLarge(f"a constant of {elements(dims):,} elements (more than {MAX_ELEMENTS:,})")


def strides(dims: Sequence[int]) -> list[int]:
    out = [1] * len(dims)
    for i in range(len(dims) - 2, -1, -1):
        out[i] = out[i + 1] * dims[i + 1]
    return out


def unravel(index: int, dims: Sequence[int]) -> list[int]:
    out = []
    for d in reversed(dims):
        out.append(index % d if d else 0)
        index = index // d if d else 0
    return out[::-1]


def norm_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise FoldError(f"{what} {axis} is out of range for rank {rank}")
    return axis + rank if axis < 0 else axis


def broadcast_dims(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy (multidirectional) broadcasting, as ONNX defines it."""
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for i in range(rank):
        sizes = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0}
        if len(sizes - {1}) > 1:
            raise FoldError("shapes " + " and ".join(str(list(s)) for s in shapes) + " do not broadcast")
        out.append(max(sizes - {1}, default=1) if sizes != {0} and 0 not in sizes else 0)
    return tuple(out)


def broadcast_values(const: Const, dims: Sequence[int]) -> list[Any]:
    """``const``'s values broadcast to ``dims``."""
    if const.dims == tuple(dims):
        return const.values
    check_size(dims)
    src = (1,) * (len(dims) - len(const.dims)) + const.dims
    src_strides = strides(src)
    out = []
    for i in range(elements(dims)):
        index = unravel(i, dims)
        out.append(const.values[sum((x if s != 1 else 0) * st for x, s, st in zip(index, src, src_strides))])
    return out


def _int_div(a: Any, b: Any) -> Any:
    if isinstance(a, float) or isinstance(b, float):
        return a / b
    if b == 0:
        raise FoldError("integer division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q  # C semantics: truncate toward zero


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        raise FoldError("modulo by zero")
    return a % b


BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "Add": operator.add,
    "Sub": operator.sub,
    "Mul": operator.mul,
    "Div": _int_div,
    "Pow": lambda a, b: a**b,
    "Max": max,
    "Min": min,
    "Mod": _mod,
    "Equal": operator.eq,
    "Less": operator.lt,
    "LessOrEqual": operator.le,
    "Greater": operator.gt,
    "GreaterOrEqual": operator.ge,
    "And": lambda a, b: bool(a) and bool(b),
    "Or": lambda a, b: bool(a) or bool(b),
    "Xor": lambda a, b: bool(a) != bool(b),
}
COMPARISONS = {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor", "Not"}

UNARY: dict[str, Callable[[Any], Any]] = {
    "Neg": operator.neg,
    "Abs": abs,
    "Floor": lambda x: math.floor(x) if isinstance(x, float) else x,
    "Ceil": lambda x: math.ceil(x) if isinstance(x, float) else x,
    "Round": lambda x: float(round(x)) if isinstance(x, float) else x,
    "Sqrt": math.sqrt,
    "Reciprocal": lambda x: 1.0 / x,
    "Exp": math.exp,
    "Log": math.log,
    "Sign": lambda x: (x > 0) - (x < 0),
    "Not": operator.not_,
    "Identity": lambda x: x,
}


def elementwise(op: str, inputs: Sequence[Const]) -> Const:
    dims = broadcast_dims(*(c.dims for c in inputs))
    check_size(dims)
    columns = [broadcast_values(c, dims) for c in inputs]
    floating = any(c.floating for c in inputs) and op not in COMPARISONS
    sources = frozenset().union(*(c.sources for c in inputs))
    try:
        if op == "Where":
            values = [x if cond else y for cond, x, y in zip(*columns)]
            floating = inputs[1].floating or inputs[2].floating
        elif op in UNARY:
            values = [UNARY[op](x) for x in columns[0]]
        else:
            function = BINARY[op]
            values = columns[0]
            for column in columns[1:]:
                values = [function(a, b) for a, b in zip(values, column)]
    except (ArithmeticError, ValueError, TypeError) as exc:
        raise FoldError(f"{op} on constants: {exc}") from None
    if floating:
        values = [float(v) for v in values]
    elif op in COMPARISONS:
        values = [bool(v) for v in values]
    else:
        values = [int(v) for v in values]
    return Const(dims, values, floating, sources)


def cast(const: Const, to_floating: bool, to_bool: bool = False) -> Const:
    if to_bool:
        return Const(const.dims, [bool(v) for v in const.values], False, const.sources)
    if to_floating:
        return Const(const.dims, [float(v) for v in const.values], True, const.sources)
    out = []
    for v in const.values:
        if isinstance(v, float) and not math.isfinite(v):
            raise FoldError(f"cast of {v} to an integer")
        out.append(int(v))  # truncation toward zero, as a C cast
    return Const(const.dims, out, False, const.sources)


def reshape_dims(dims: Sequence[int], shape: Sequence[int], allowzero: bool = False) -> tuple[int, ...]:
    """ONNX Reshape's target: 0 copies the input's dim (unless allowzero), one -1 is inferred."""
    out = list(shape)
    total = elements(dims)
    for i, d in enumerate(out):
        if d == 0 and not allowzero:
            if i >= len(dims):
                raise FoldError(f"shape {list(shape)}: 0 at axis {i} copies a dim the input ({list(dims)}) lacks")
            out[i] = dims[i]
        elif d < -1:
            raise FoldError(f"shape {list(shape)} has {d}")
    if out.count(-1) > 1:
        raise FoldError(f"shape {list(shape)} has more than one -1")
    if -1 in out:
        known = elements(d for d in out if d != -1)
        if known == 0 or total % known:
            raise FoldError(f"cannot reshape {list(dims)} ({total:,} elements) to {list(shape)}")
        out[out.index(-1)] = total // known
    if elements(out) != total:
        raise FoldError(f"cannot reshape {list(dims)} ({total:,} elements) to {list(shape)}")
    return tuple(out)


def gather(data: Const, indices: Const, axis: int) -> Const:
    rank = len(data.dims)
    axis = norm_axis(axis, rank)
    size = data.dims[axis]
    picked = []
    for i in indices.values:
        if not -size <= i < size:
            raise FoldError(f"index {i} out of range for a dim of {size}")
        picked.append(i + size if i < 0 else i)
    dims = data.dims[:axis] + indices.dims + data.dims[axis + 1 :]
    check_size(dims)
    outer = elements(data.dims[:axis])
    inner = elements(data.dims[axis + 1 :])
    values = []
    for o in range(outer):
        for i in picked:
            start = (o * size + i) * inner
            values.extend(data.values[start : start + inner])
    return Const(dims, values, data.floating, data.sources)


def concat(inputs: Sequence[Const], axis: int) -> Const:
    rank = len(inputs[0].dims)
    axis = norm_axis(axis, rank)
    for c in inputs:
        if (
            len(c.dims) != rank
            or c.dims[:axis] + c.dims[axis + 1 :] != inputs[0].dims[:axis] + inputs[0].dims[axis + 1 :]
        ):
            raise FoldError("concat of " + " and ".join(str(list(c.dims)) for c in inputs))
    dims = list(inputs[0].dims)
    dims[axis] = sum(c.dims[axis] for c in inputs)
    check_size(dims)
    outer = elements(dims[:axis])
    values: list[Any] = []
    for o in range(outer):
        for c in inputs:
            chunk = c.dims[axis] * elements(c.dims[axis + 1 :])
            values.extend(c.values[o * chunk : (o + 1) * chunk])
    return Const(dims, values, any(c.floating for c in inputs), frozenset().union(*(c.sources for c in inputs)))


def slice_ranges(
    dims: Sequence[int], starts: Sequence[int], ends: Sequence[int], axes: Sequence[int], steps: Sequence[int]
) -> list[range]:
    """Per axis, the indices an ONNX Slice keeps (starts/ends clamped as the operator defines)."""
    ranges = [range(d) for d in dims]
    rank = len(dims)
    seen = set()
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis = norm_axis(axis, rank)
        if axis in seen:
            raise FoldError(f"axis {axis} sliced twice")
        seen.add(axis)
        if step == 0:
            raise FoldError("a slice step of 0")
        size = dims[axis]
        if start < 0:
            start += size
        if end < 0:
            end += size
        if step > 0:
            start, end = min(max(start, 0), size), min(max(end, 0), size)
        else:
            start, end = min(max(start, -1), size - 1), min(max(end, -1), size - 1)
        ranges[axis] = range(start, end, step)
    return ranges


def slice_const(data: Const, ranges: Sequence[range]) -> Const:
    dims = tuple(len(r) for r in ranges)
    check_size(dims)
    data_strides = strides(data.dims)
    values = []
    for i in range(elements(dims)):
        index = unravel(i, dims)
        values.append(data.values[sum(r[x] * s for r, x, s in zip(ranges, index, data_strides))])
    return Const(dims, values, data.floating, data.sources)


def transpose(data: Const, perm: Sequence[int]) -> Const:
    dims = tuple(data.dims[p] for p in perm)
    data_strides = strides(data.dims)
    values = []
    for i in range(elements(dims)):
        index = unravel(i, dims)
        values.append(data.values[sum(index[k] * data_strides[p] for k, p in enumerate(perm))])
    return Const(dims, values, data.floating, data.sources)


def reduce(data: Const, op: str, axes: Sequence[int] | None, keepdims: bool) -> Const:
    rank = len(data.dims)
    chosen = set(range(rank)) if axes is None else {norm_axis(a, rank) for a in axes}
    out_dims = [1 if i in chosen else d for i, d in enumerate(data.dims)]
    groups: dict[int, list[Any]] = {}
    out_strides = strides(out_dims)
    for i, v in enumerate(data.values):
        index = unravel(i, data.dims)
        key = sum((0 if a in chosen else x) * s for a, (x, s) in enumerate(zip(index, out_strides)))
        groups.setdefault(key, []).append(v)
    function: Callable[[list[Any]], Any] = {
        "ReduceProd": math.prod,
        "ReduceSum": sum,
        "ReduceMax": max,
        "ReduceMin": min,
        "ReduceMean": lambda xs: sum(xs) / len(xs),
    }[op]
    values = [function(groups[k]) for k in sorted(groups)]
    dims = out_dims if keepdims else [d for i, d in enumerate(data.dims) if i not in chosen]
    floating = data.floating or op == "ReduceMean"
    return Const(dims, values, floating, data.sources)


def scatter_nd(data: Const, indices: Const, updates: Const, reduction: str = "none") -> Const:
    """ONNX ScatterND: ``data`` with the slices ``indices`` names replaced (or combined) by ``updates``.

    Exporters write it for in-place assignment on a fresh tensor (Swin's attention mask,
    ``mask[h, w] = n``), so with the input's size fixed the result is a constant.
    """
    if not indices.dims:
        raise FoldError("ScatterND indices must have at least one axis")
    depth = indices.dims[-1]
    rank = len(data.dims)
    if depth > rank:
        raise FoldError(f"ScatterND indices of depth {depth} for data of rank {rank}")
    slice_dims = data.dims[depth:]
    expected = tuple(indices.dims[:-1]) + tuple(slice_dims)
    if tuple(updates.dims) != expected:
        raise FoldError(f"ScatterND updates of dims {list(updates.dims)}, expected {list(expected)}")
    inner = elements(slice_dims)
    data_strides = strides(data.dims[:depth])
    values = list(data.values)
    combine: Callable[[Any, Any], Any] | None = {
        "none": None,
        "add": operator.add,
        "mul": operator.mul,
        "max": max,
        "min": min,
    }.get(reduction, None)
    if reduction not in ("none", "add", "mul", "max", "min"):
        raise FoldError(f"ScatterND reduction '{reduction}'")
    for k in range(elements(indices.dims[:-1])):
        index = indices.values[k * depth : (k + 1) * depth]
        offset = 0
        for i, (x, size, stride) in enumerate(zip(index, data.dims, data_strides)):
            if not -size <= x < size:
                raise FoldError(f"ScatterND index {x} out of range for axis {i} of size {size}")
            offset += (x + size if x < 0 else x) * stride
        start = offset * inner
        chunk = updates.values[k * inner : (k + 1) * inner]
        if combine is None:
            values[start : start + inner] = chunk
        else:
            values[start : start + inner] = [combine(a, b) for a, b in zip(values[start : start + inner], chunk)]
    floating = data.floating or updates.floating
    if floating:
        values = [float(v) for v in values]
    return Const(data.dims, values, floating, data.sources | indices.sources | updates.sources)
