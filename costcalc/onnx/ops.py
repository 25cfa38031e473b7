"""Each ONNX operator onto costcalc's layer kinds, with ONNX's own output-shape rule beside it.

A handler reads its node's inputs from the converter (activations, stored weights, constants),
works out the output dims as the ONNX operator documentation defines them, and emits the costcalc
layer that counts it (whose own shape rule must give the same dims, see Converter.emit). On
constants only (shape arithmetic), handlers compute the values and emit nothing.

The table in docs/onnx.md lists which operators map onto which kinds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from ..layers import KINDS
from . import values as V
from .convert import Converter, FoldedNorm, NodeFailure
from .proto import Node
from .values import Act, Const, FoldError, Weight, canonical_axes

Handler = Callable[[Converter, Node], None]
HANDLERS: dict[str, Handler] = {}


def handles(*ops: str) -> Callable[[Handler], Handler]:
    def register(function: Handler) -> Handler:
        for op in ops:
            if op in HANDLERS:
                raise RuntimeError(f"ONNX operator {op} is handled twice")
            HANDLERS[op] = function
        return function

    return register


def supported_ops() -> list[str]:
    return sorted(HANDLERS)


# ---------------------------------------------------------------- helpers


def pair_value(values: Sequence[int]) -> Any:
    """[3, 3] -> 3 (as a spec would write it); [3, 5] stays."""
    return values[0] if values[0] == values[1] else list(values)


def padding_value(top: int, bottom: int, left: int, right: int) -> Any:
    if top == bottom == left == right:
        return top
    if top == bottom and left == right:
        return [top, left]
    return [top, bottom, left, right]


def fold(fn: Callable[[], Const]) -> Const:
    try:
        return fn()
    except FoldError as exc:
        raise NodeFailure(f"on constants: {exc}") from None


def constant_inputs(cx: Converter, node: Node) -> list[Const] | None:
    """All inputs as constants, when every one is a constant or a small stored tensor whose values can be
    read (not in an external data file); else None."""
    values = [cx.values[name] for name in node.inputs if name]
    if any(isinstance(v, Act) for v in values):
        return None
    out = []
    for i, value in enumerate(values):
        if isinstance(value, Weight):
            if value.tensor is None or V.elements(value.dims) > V.MAX_ELEMENTS or value.tensor.external is not None:
                return None
            value = cx.decode(value, node, f"input {i}")
        out.append(value)
    return out


def has_act(cx: Converter, node: Node) -> bool:
    return any(isinstance(cx.values.get(n), Act) for n in node.inputs if n)


def int_list(const: Const, what: str) -> list[int]:
    if const.floating:
        values = [int(v) for v in const.values if float(v).is_integer()]
        if len(values) != len(const.values):
            raise NodeFailure(f"{what} {const.values} are not whole numbers", expected=f"integer {what}")
        return values
    return [int(v) for v in const.values]


def arrange(cx: Converter, node: Node, act: Act, axes: Sequence[int], why: str) -> Act:
    """``act`` with costcalc's axes in the order ``axes`` (a free transpose layer when they differ)."""
    axes = tuple(axes)
    if act.axes == axes:
        return act
    perm = [act.axes.index(a) for a in axes]
    name = f"{node.name or node.op_type + '_' + str(node.index)}/transpose"
    kept = _Kept()
    fake = _Renamed(node, name, kept)
    cx.emit(fake, "transpose", {"perm": perm}, [act], act.dims, axes, output=0)  # type: ignore[arg-type]
    return kept.value


class _Renamed:
    """A node seen under another name: for a helper layer the converter inserts before it (its output is
    not the node's; ``kept`` receives it)."""

    def __init__(self, node: Node, name: str, kept: _Kept | None = None) -> None:
        self.name, self.op_type, self.index = name, node.op_type, node.index
        self.domain = node.domain
        self.kept = kept
        self.outputs = [f"\0{name}"] if kept is not None else []  # a name no tensor has


class _Kept:
    value: Act


def image(cx: Converter, node: Node, act: Act, what: str) -> Act:
    """An N×C×H×W activation, with costcalc's view H×W×C."""
    if act.rank != 4:
        dims = "×".join(map(str, act.dims))
        raise NodeFailure(
            f"{what} on a rank-{act.rank} tensor ({dims})",
            expected="an N×C×H×W tensor: costcalc counts 2-D convolutions and pools",
        )
    return arrange(cx, node, batched(cx, node, act), (2, 3, 1), what)


def batched(cx: Converter, node: Node, act: Act) -> Act:
    """``act`` with its first axis as the batch again (a batch-free tensor whose first axis is the batch's 1):
    a free reshape layer, costcalc's view losing that axis."""
    if act.batched:
        return act
    if act.dims[0] != cx.batch:
        raise NodeFailure(
            f"{node.op_type} on {list(act.dims)}, whose batch was folded into its other axes",
            expected="the batch as the first axis again before a convolution or pool",
        )
    axes = canonical_axes(act.rank)
    shape = [act.dims[a] for a in axes]
    name = f"{node.name or node.op_type + '_' + str(node.index)}/batch"
    kept = _Kept()
    cx.emit(_Renamed(node, name, kept), "reshape", {"shape": shape}, [act], act.dims, axes, batched=True)  # type: ignore[arg-type]
    return kept.value


def unbatched(cx: Converter, node: Node, act: Act) -> Act:
    """``act`` seen without a batch axis (its batch of 1 one of its axes): a free reshape layer."""
    if not act.batched:
        return act
    name = f"{node.name or node.op_type + '_' + str(node.index)}/unbatch"
    kept = _Kept()
    renamed = _Renamed(node, name, kept)
    cx.emit(
        renamed, "reshape", {"shape": list(act.dims)}, [act], act.dims, canonical_axes(act.rank, False), batched=False
    )  # type: ignore[arg-type]
    return kept.value


def plain_axes(act: Act) -> tuple[int, ...]:
    """The ONNX order of ``act``'s axes in costcalc's view (the batch left out when it has one)."""
    return tuple(range(1 if act.batched else 0, act.rank))


def channel_last(cx: Converter, node: Node, act: Act, axis: int) -> Act:
    """``act`` with ONNX axis ``axis`` as costcalc's channel (last) axis, the rest in ONNX order."""
    if act.axes and act.axes[-1] == axis:
        return act
    rest = [a for a in act.axes if a != axis]
    return arrange(cx, node, act, (*rest, axis), f"{node.op_type} over axis {axis}")


def norm_axis(axis: int, rank: int) -> int:
    try:
        return V.norm_axis(axis, rank)
    except FoldError as exc:
        raise NodeFailure(str(exc)) from None


def not_batch(axis: int, op: str, act: Act | None = None) -> None:
    if axis == 0 and (act is None or act.batched):
        raise NodeFailure(
            f"{op} over the batch axis", expected="an operation on each sample apart (costcalc counts per sample)"
        )


def weight_dims(weight: Weight | Const, rank: int, what: str, op: str) -> tuple[int, ...]:
    if len(weight.dims) != rank:
        raise NodeFailure(f"the {what} of {op} has dims {list(weight.dims)}", expected=f"a rank-{rank} {what}")
    return weight.dims


def bias_of(cx: Converter, node: Node, i: int, units: int, layer: str | None = None) -> Weight | Const | None:
    value = cx.input(node, i)
    if value is None:
        return None
    bias = cx.weight(node, i, "bias")
    if V.elements(bias.dims) != units:
        raise NodeFailure(
            f"the bias of {node.op_type} has {V.elements(bias.dims)} elements", expected=f"{units}, one per output"
        )
    return bias


def window_attrs(cx: Converter, node: Node, kernel: Sequence[int], in_hw: Sequence[int], ceil_mode: bool = False):
    """strides, dilations, (top, bottom, left, right) pads and output (H, W) by ONNX's rule for a 2-D window."""
    strides = cx.ints(node, "strides", [1, 1])
    dilations = cx.ints(node, "dilations", [1, 1])
    pads = cx.ints(node, "pads", [0, 0, 0, 0])
    auto_pad = cx.string(node, "auto_pad", "NOTSET")
    for name, values, length in (("strides", strides, 2), ("dilations", dilations, 2), ("pads", pads, 4)):
        if len(values) != length:
            raise NodeFailure(f"{name} has {len(values)} values", expected=f"{length} for a 2-D window")
    if min(strides) < 1 or min(dilations) < 1 or min(pads) < 0:
        raise NodeFailure(
            f"strides {strides}, dilations {dilations}, pads {pads}",
            expected="strides and dilations ≥ 1, pads ≥ 0",
        )
    spans = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
    out = []
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size, span, stride in zip(in_hw, spans, strides):
            size_out = -(-size // stride)
            total = max((size_out - 1) * stride + span - size, 0)
            small, large = total // 2, total - total // 2
            begin.append(small if auto_pad == "SAME_UPPER" else large)
            end.append(large if auto_pad == "SAME_UPPER" else small)
            out.append(size_out)
        pads = [begin[0], begin[1], end[0], end[1]]
    elif auto_pad == "VALID":
        pads = [0, 0, 0, 0]
        out = [(size - span) // stride + 1 for size, span, stride in zip(in_hw, spans, strides)]
    elif auto_pad == "NOTSET":
        for axis, (size, span, stride) in enumerate(zip(in_hw, spans, strides)):
            room = size + pads[axis] + pads[axis + 2] - span
            if room < 0:
                out.append(0)
                continue
            n = (-(-room // stride) if ceil_mode else room // stride) + 1
            if ceil_mode and (n - 1) * stride >= size + pads[axis]:
                n -= 1  # a last window starting in the end padding is dropped: PyTorch's rule, ONNX's since opset 22
                if cx.opset < 22:
                    cx.notes.append(
                        f"{node.name or node.op_type}: the last ceil-mode window would start in the end padding; "
                        f"dropped as PyTorch and ONNX opset 22 do (runtimes of opset {cx.opset} may keep it)"
                    )
            out.append(n)
    else:
        raise NodeFailure(f"auto_pad '{auto_pad}'", expected="NOTSET, SAME_UPPER, SAME_LOWER or VALID")
    if min(out) < 1:
        raise NodeFailure(
            f"the window {list(kernel)} (dilated span {spans}) does not fit the input {list(in_hw)} with pads {pads}",
            expected="a window no larger than the padded input",
        )
    return strides, dilations, (pads[0], pads[2], pads[1], pads[3]), out, auto_pad


def same_params(auto_pad: str, pads: tuple[int, int, int, int]) -> Any:
    """costcalc's 'same' is ONNX's SAME_UPPER (an odd pixel at the end); anything else is written out."""
    return "same" if auto_pad == "SAME_UPPER" else padding_value(*pads)


# ---------------------------------------------------------------- constants and shapes


@handles("Constant")
def constant(cx: Converter, node: Node) -> None:
    for name in ("value", "value_float", "value_floats", "value_int", "value_ints", "sparse_value"):
        if name in node.attributes:
            break
    else:
        raise NodeFailure("Constant has no value", expected="one of value, value_float(s), value_int(s)")
    value = node.attributes[name].value
    if name == "value":
        tensor = value
        weight = Weight(tensor.dims, tensor.floating, frozenset(), node.outputs[0] if node.outputs else "", tensor)
        if V.elements(tensor.dims) <= V.MAX_ELEMENTS and tensor.external is None:
            try:
                cx.set(node, cx.decode(weight, node, "value"))
                return
            except NodeFailure:
                pass
        cx.set(node, weight)
    elif name == "sparse_value":
        raise NodeFailure("a sparse Constant", expected="a dense tensor")
    elif name in ("value_float", "value_int"):
        cx.set(node, Const((), [value], name == "value_float"))
    else:
        cx.set(node, Const((len(value),), list(value), name == "value_floats"))


@handles("Shape")
def shape(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    if value is None:
        raise NodeFailure("Shape has no input")
    dims = list(value.dims)
    start = cx.int_(node, "start", 0)
    end = cx.int_(node, "end", len(dims))
    rank = len(dims)
    start = min(max(start + rank if start < 0 else start, 0), rank)
    end = min(max(end + rank if end < 0 else end, 0), rank)
    picked = dims[start:end]
    cx.set(node, Const((len(picked),), picked, False))


@handles("Size")
def size(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    cx.set(node, Const((), [V.elements(value.dims)], False))  # type: ignore[union-attr]


@handles("ConstantOfShape")
def constant_of_shape(cx: Converter, node: Node) -> None:
    dims = int_list(cx.const(node, 0, "shape"), "dims")
    tensor = cx.attr(node, "value")
    fill, floating = 0.0, True
    if tensor is not None:
        filled = cx.decode(Weight(tensor.dims, tensor.floating, frozenset(), "", tensor), node, "value")
        fill, floating = filled.values[0], filled.floating
    if V.elements(dims) > V.MAX_ELEMENTS:
        cx.set(node, Weight(dims, floating, frozenset(), node.outputs[0]))
        return
    cx.set(node, Const(dims, [fill] * V.elements(dims), floating))


@handles("Range")
def range_(cx: Converter, node: Node) -> None:
    start, limit, delta = (cx.const(node, i, "bound").scalar for i in range(3))
    if not delta:
        raise NodeFailure("Range with a delta of 0")
    count = max(math.ceil((limit - start) / delta), 0)
    if count > V.MAX_ELEMENTS:
        raise NodeFailure(f"Range of {count:,} values", expected=f"at most {V.MAX_ELEMENTS:,}")
    floating = any(isinstance(v, float) for v in (start, limit, delta))
    cx.set(node, Const((count,), [start + i * delta for i in range(count)], floating))


@handles("Cast", "CastLike")
def cast(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    if node.op_type == "Cast":
        to = cx.int_(node, "to", 1)
    else:
        target = cx.input(node, 1)
        to = 1 if getattr(target, "floating", True) else 7
    floating = to in (1, 10, 11, 16) or 17 <= to <= 20 or to in (23, 24)
    if isinstance(value, Act):
        cx.emit(node, "unary", {"op": "cast"}, [value], value.dims, value.axes)
    elif isinstance(value, Const):
        cx.set(node, fold(lambda: V.cast(value, floating, to == 9)))
    else:
        cx.set(node, Weight(value.dims, floating, value.sources, value.name, value.tensor))  # type: ignore[union-attr]


@handles("Identity")
def identity(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    if isinstance(value, Act):
        cx.emit(node, "identity", {}, [value], value.dims, value.axes)
    else:
        cx.set(node, value)  # type: ignore[arg-type]


@handles("Dropout")
def dropout(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    if not isinstance(value, Act):
        cx.set(node, value)  # type: ignore[arg-type]
        return
    rate = cx.float_(node, "ratio", 0.5)
    if cx.input(node, 1) is not None:
        rate = float(cx.const(node, 1, "ratio").scalar)
    params = {} if rate == 0.5 else {"rate": rate}
    cx.emit(node, "dropout", params, [value], value.dims, value.axes)


# ---------------------------------------------------------------- reshaping


def reshaped(cx: Converter, node: Node, act: Act, dims: Sequence[int]) -> None:
    """An activation reshaped to ``dims`` (batch first): flatten, identity or a free reshape layer."""
    dims = tuple(dims)
    if not act.batched or not dims or dims[0] != act.dims[0]:
        if cx.batch != 1 or not dims:
            raise NodeFailure(
                f"{node.op_type} from {list(act.dims)} to {list(dims)} moves the batch axis",
                expected="a reshape that keeps the batch as the first axis",
                hint="a model exported for a batch of 1 may fold it into other axes (costcalc multiplies by --batch)",
            )
        # a batch of 1 folded into the other axes (PyTorch's attention, Swin's windows): every axis is the sample's
        shape = list(dims)
        kind, params = ("identity", {}) if tuple(shape) == act.shape else ("reshape", {"shape": shape})
        cx.emit(node, kind, params, [act], dims, canonical_axes(len(dims), False), batched=False)
        return
    axes = reshape_axes(act, dims)
    shape = [dims[a] for a in axes]
    if len(dims) == 2 and len(act.dims) > 2:
        cx.emit(node, "flatten", {}, [act], dims, axes)
    elif tuple(shape) == act.shape:
        cx.emit(node, "identity", {}, [act], dims, axes)
    else:
        cx.emit(node, "reshape", {"shape": shape}, [act], dims, axes)


def reshape_axes(act: Act, dims: Sequence[int]) -> tuple[int, ...]:
    """costcalc's view of a reshaped tensor: the input's channel axis stays last where it survives
    (N×768×14×14 → N×768×196 keeps 768 as channels), else the canonical view of the new rank."""
    channel = act.axes[-1] if act.axes else None
    rank = len(dims)
    if channel is not None and channel < rank and dims[: channel + 1] == act.dims[: channel + 1] and rank >= 3:
        return (*(a for a in range(1, rank) if a != channel), channel)
    return canonical_axes(rank)


@handles("Reshape")
def reshape(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    if node.inputs[1:2] and node.inputs[1]:
        target = int_list(cx.const(node, 1, "shape"), "shape")
    else:
        target = cx.ints(node, "shape", None)  # opset < 5
        if target is None:
            raise NodeFailure("Reshape has no shape")
    allowzero = bool(cx.int_(node, "allowzero", 0))
    dims = fold(lambda: Const(V.reshape_dims(value.dims, target, allowzero), [], False)).dims  # type: ignore[union-attr]
    if isinstance(value, Act):
        reshaped(cx, node, value, dims)
    elif isinstance(value, Const):
        cx.set(node, Const(dims, value.values, value.floating, value.sources))
    else:
        cx.set(node, Weight(dims, value.floating, value.sources, value.name, value.tensor))  # type: ignore[union-attr]


@handles("Flatten")
def flatten(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    rank = len(value.dims)  # type: ignore[union-attr]
    axis = cx.int_(node, "axis", 1)
    axis = axis + rank if axis < 0 else axis
    if not 0 <= axis <= rank:
        raise NodeFailure(f"axis {axis} for rank {rank}")
    dims = (V.elements(value.dims[:axis]), V.elements(value.dims[axis:]))  # type: ignore[union-attr]
    if isinstance(value, Act):
        reshaped(cx, node, value, dims)
    elif isinstance(value, Const):
        cx.set(node, Const(dims, value.values, value.floating, value.sources))
    else:
        cx.set(node, Weight(dims, value.floating, value.sources, value.name, value.tensor))  # type: ignore[union-attr]


def axes_input(cx: Converter, node: Node, index: int, since: int) -> list[int] | None:
    """Axes as an attribute (before opset ``since``) or as input ``index``."""
    if cx.opset >= since:
        const = cx.optional_const(node, index, "axes")
        return None if const is None else int_list(const, "axes")
    return cx.ints(node, "axes", None)


@handles("Squeeze", "Unsqueeze")
def squeeze(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    dims = list(value.dims)  # type: ignore[union-attr]
    axes = axes_input(cx, node, 1, 13)
    if node.op_type == "Squeeze":
        if axes is None:
            out = [d for d in dims if d != 1]
            if isinstance(value, Act) and value.batched and dims[0] == 1:
                out = [1] + [d for d in dims[1:] if d != 1]  # the batch of 1 stays
        else:
            chosen = {norm_axis(a, len(dims)) for a in axes}
            for a in chosen:
                if dims[a] != 1:
                    raise NodeFailure(f"Squeeze of axis {a}, of size {dims[a]}", expected="axes of size 1")
            out = [d for i, d in enumerate(dims) if i not in chosen]
    else:
        if axes is None:
            raise NodeFailure("Unsqueeze without axes")
        rank = len(dims) + len(axes)
        chosen = sorted(norm_axis(a, rank) for a in axes)
        out = list(dims)
        for a in chosen:
            out.insert(a, 1)
    if isinstance(value, Act):
        reshaped(cx, node, value, out)
    elif isinstance(value, Const):
        cx.set(node, Const(out, value.values, value.floating, value.sources))
    else:
        cx.set(node, Weight(out, value.floating, value.sources, value.name, value.tensor))  # type: ignore[union-attr]


@handles("Transpose")
def transpose(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    rank = len(value.dims)  # type: ignore[union-attr]
    perm = cx.ints(node, "perm", list(range(rank))[::-1])
    if sorted(perm) != list(range(rank)):
        raise NodeFailure(f"perm {perm} for rank {rank}", expected=f"a permutation of 0 … {rank - 1}")
    dims = tuple(value.dims[p] for p in perm)  # type: ignore[union-attr]
    if isinstance(value, Const):
        cx.set(node, fold(lambda: V.transpose(value, perm)))
        return
    if isinstance(value, Weight):
        cx.set(node, Weight(dims, value.floating, value.sources, value.name))
        return
    inverse = [0] * rank
    for out_axis, in_axis in enumerate(perm):
        inverse[in_axis] = out_axis
    if value.batched and perm[0] != 0:
        if cx.batch != 1:
            raise NodeFailure(
                f"Transpose {perm} moves the batch axis", expected="a permutation that keeps axis 0 first"
            )
        # a batch of 1 moved among the other axes (sequence-first attention): every axis is the sample's
        cx.emit(node, "reshape", {"shape": list(dims)}, [value], dims, canonical_axes(rank, False), batched=False)
        return
    # costcalc's tensor is unchanged: only which ONNX axis is which costcalc axis changes
    cx.emit(node, "identity", {}, [value], dims, [inverse[a] for a in value.axes])


# ---------------------------------------------------------------- slicing and joining


@handles("Concat")
def concat(cx: Converter, node: Node) -> None:
    inputs = [cx.values[n] for n in node.inputs if n]
    axis = cx.int_(node, "axis", 0)
    consts = constant_inputs(cx, node)
    if consts is not None:
        cx.set(node, fold(lambda: V.concat(consts, axis)))
        return
    rank = len(inputs[0].dims)
    axis = norm_axis(axis, rank)
    acts = [v for v in inputs if isinstance(v, Act)]
    if len(acts) != len(inputs):
        if not acts:
            dims = list(inputs[0].dims)
            dims[axis] = sum(v.dims[axis] for v in inputs)
            sources = frozenset().union(*(v.sources for v in inputs))  # type: ignore[union-attr]
            cx.set(node, Weight(dims, True, sources, node.outputs[0]))
            return
        concat_stored(cx, node, inputs, axis)
        return
    if len({a.batched for a in acts}) > 1:
        acts = [a if not a.batched else unbatched(cx, node, a) for a in acts]
    not_batch(axis, "Concat", acts[0])
    for act in acts:
        if act.rank != rank or act.dims[:axis] + act.dims[axis + 1 :] != acts[0].dims[:axis] + acts[0].dims[axis + 1 :]:
            raise NodeFailure("Concat of " + " and ".join(str(list(a.dims)) for a in acts))
    first = channel_last(cx, node, acts[0], axis)
    acts = [first] + [arrange(cx, node, a, first.axes, "Concat") for a in acts[1:]]
    dims = list(acts[0].dims)
    dims[axis] = sum(a.dims[axis] for a in acts)
    cx.emit(node, "concat", {}, acts, dims, first.axes)


def concat_stored(cx: Converter, node: Node, inputs: list, axis: int) -> None:
    """One activation joined with a stored tensor (ViT's class token, expanded to the batch, before the patches)."""
    if len(inputs) != 2:
        raise NodeFailure(
            f"Concat of {len(inputs)} tensors, some stored", expected="one activation and one stored tensor"
        )
    before = not isinstance(inputs[0], Act)
    act, stored = (inputs[1], inputs[0]) if before else (inputs[0], inputs[1])
    not_batch(axis, "Concat", act)
    if len(stored.dims) != act.rank or stored.dims[0] not in (1, act.dims[0]):
        raise NodeFailure(
            f"Concat of a stored tensor {list(stored.dims)} with an activation {list(act.dims)}",
            expected="a stored tensor of the activation's rank, the same for every sample",
        )
    if stored.dims[1:axis] + stored.dims[axis + 1 :] != act.dims[1:axis] + act.dims[axis + 1 :]:
        raise NodeFailure(f"Concat of {list(stored.dims)} and {list(act.dims)}", expected="sizes that agree")
    dims = list(act.dims)
    dims[axis] += stored.dims[axis]
    params = {"axis": act.axes.index(axis), "size": stored.dims[axis]}
    if not before:
        params["before"] = False
    learned = V.elements(stored.dims[1:] if act.batched else stored.dims) > 1
    if not learned:
        params["learned"] = False
    out = cx.emit(node, "concat_stored", params, [act], dims, act.axes)
    if learned:
        cx.used_weight(stored, out.layer)


@handles("Split")
def split(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    rank = len(value.dims)  # type: ignore[union-attr]
    axis = norm_axis(cx.int_(node, "axis", 0), rank)
    size = value.dims[axis]  # type: ignore[union-attr]
    outputs = len(node.outputs)
    parts = None
    if cx.opset >= 13:
        given = cx.optional_const(node, 1, "split")
        parts = None if given is None else int_list(given, "split")
    else:
        parts = cx.ints(node, "split", None)
    if parts is None:
        count = cx.int_(node, "num_outputs", outputs)
        chunk = -(-size // count)
        parts = [min(chunk, size - i * chunk) for i in range(count)]
    if len(parts) != outputs or sum(parts) != size or min(parts) < 0:
        raise NodeFailure(f"Split of {size} into {parts} for {outputs} outputs", expected="parts that add up")
    start = 0
    for i, part in enumerate(parts):
        ranges = [range(d) for d in value.dims]  # type: ignore[union-attr]
        ranges[axis] = range(start, start + part)
        if isinstance(value, Act):
            sliced(cx, node, value, ranges, output=i)
        elif isinstance(value, Const):
            cx.set(node, fold(lambda r=ranges: V.slice_const(value, r)), i)
        else:
            dims = [len(r) for r in ranges]
            cx.set(node, Weight(dims, value.floating, value.sources, node.outputs[i]), i)  # type: ignore[union-attr]
        start += part


def sliced(cx: Converter, node: Node, act: Act, ranges: Sequence[range], output: int = 0) -> None:
    """An activation cut to ``ranges`` per axis: a channel slice (the only cut costcalc has a kind for yet)."""
    dims = [len(r) for r in ranges]
    if min(dims) < 1:
        raise NodeFailure(f"{node.op_type} leaves an empty tensor {dims}", expected="a non-empty slice")
    cut = [a for a, (r, d) in enumerate(zip(ranges, act.dims)) if r != range(d)]
    if not cut:
        cx.emit(node, "identity", {}, [act], act.dims, act.axes, output=output)
        return
    if 0 in cut:
        not_batch(0, node.op_type, act)
    if len(cut) == 1 and ranges[cut[0]].step >= 1:
        axis = cut[0]
        act = channel_last(cx, node, act, axis)
        r = ranges[axis]
        params = {"start": r.start, "stop": r.stop} | ({"step": r.step} if r.step > 1 else {})
        cx.emit(node, "channel_slice", params, [act], dims, act.axes, output=output)
        return
    if "crop" in KINDS and act.rank == 4 and set(cut) <= {2, 3} and all(ranges[a].step == 1 for a in cut):
        act = image(cx, node, act, node.op_type)
        h, w = ranges[2], ranges[3]
        cropping = padding_value(h.start, act.dims[2] - h.stop, w.start, act.dims[3] - w.stop)
        cx.emit(node, "crop", {"cropping": cropping}, [act], dims, act.axes, output=output)
        return
    raise NodeFailure(
        f"{node.op_type} cutting axes {cut} ({[(r.start, r.stop, r.step) for r in ranges]})",
        expected="a slice of one axis with a positive step (costcalc's channel_slice)",
    )


@handles("Slice")
def slice_(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    rank = len(value.dims)  # type: ignore[union-attr]
    if cx.opset >= 10:
        starts = int_list(cx.const(node, 1, "starts"), "starts")
        ends = int_list(cx.const(node, 2, "ends"), "ends")
        axes_c = cx.optional_const(node, 3, "axes")
        steps_c = cx.optional_const(node, 4, "steps")
        axes = int_list(axes_c, "axes") if axes_c is not None else list(range(len(starts)))
        steps = int_list(steps_c, "steps") if steps_c is not None else [1] * len(starts)
    else:
        starts, ends = cx.ints(node, "starts", []), cx.ints(node, "ends", [])
        axes = cx.ints(node, "axes", list(range(len(starts))))
        steps = [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise NodeFailure("Slice with starts, ends, axes and steps of different lengths")
    try:
        ranges = V.slice_ranges(value.dims, starts, ends, axes, steps)  # type: ignore[union-attr]
    except FoldError as exc:
        raise NodeFailure(str(exc)) from None
    if isinstance(value, Act):
        sliced(cx, node, value, ranges)
    elif isinstance(value, Const):
        cx.set(node, fold(lambda: V.slice_const(value, ranges)))
    else:
        cx.set(node, Weight([len(r) for r in ranges], value.floating, value.sources, node.outputs[0]))  # type: ignore[union-attr]
    del rank


@handles("Gather")
def gather(cx: Converter, node: Node) -> None:
    data = cx.input(node, 0)
    axis = cx.int_(node, "axis", 0)
    if isinstance(data, Act) and isinstance(cx.input(node, 1), Weight):
        many(cx, node, data, cx.input(node, 1), axis)  # type: ignore[arg-type]
        return
    if isinstance(data, Act):
        indices = cx.const(node, 1, "indices")
        rank = data.rank
        axis = norm_axis(axis, rank)
        not_batch(axis, "Gather", data)
        picked = [i + data.dims[axis] if i < 0 else i for i in int_list(indices, "indices")]
        if picked == list(range(data.dims[axis])) and len(picked) > 1:
            # every element in order: a reshape (the dynamo exporter's as_strided of a contiguous tensor)
            reshaped(cx, node, data, data.dims[:axis] + indices.dims + data.dims[axis + 1 :])
            return
        if any(not 0 <= i < data.dims[axis] for i in picked):
            raise NodeFailure(
                f"Gather of {len(picked)} indices, some outside an axis of {data.dims[axis]}",
                expected=f"indices from {-data.dims[axis]} to {data.dims[axis] - 1}",
            )
        if len(picked) != 1:
            many(cx, node, data, indices, axis)
            return
        ranges = [range(d) for d in data.dims]
        ranges[axis] = range(picked[0], picked[0] + 1)
        if indices.dims:  # an index list of one: the axis stays, of size 1
            sliced(cx, node, data, ranges)
            return
        # a scalar index removes the axis (ViT's class token, x[:, 0]): a slice, then a reshape without it
        name = f"{node.name or 'Gather_' + str(node.index)}/slice"
        kept = _Kept()
        sliced(cx, _Renamed(node, name, kept), data, ranges)  # type: ignore[arg-type]
        reshaped(cx, node, kept.value, [d for i, d in enumerate(data.dims) if i != axis])
        return
    consts = constant_inputs(cx, node)
    if consts is None:  # stored tensors whose values are not read (a position-bias table and its index)
        indices = cx.input(node, 1)
        axis = fold(lambda: V.norm_axis(axis, len(data.dims)))  # type: ignore[union-attr]
        dims = data.dims[:axis] + indices.dims + data.dims[axis + 1 :]  # type: ignore[union-attr]
        cx.set(node, Weight(dims, data.floating, data.sources, node.outputs[0]))  # type: ignore[union-attr]
        return
    cx.set(node, fold(lambda: V.gather(consts[0], consts[1], axis)))


def many(cx: Converter, node: Node, data: Act, indices: Const | Weight, axis: int) -> None:
    """A Gather of many indices from an activation: costcalc's gather of that many along the axis, then a free
    reshape when the indices are not a plain list (their dims replace the axis)."""
    axis = norm_axis(axis, data.rank)
    not_batch(axis, "Gather", data)
    count = V.elements(indices.dims)
    dims = data.dims[:axis] + (count,) + data.dims[axis + 1 :]
    final = data.dims[:axis] + tuple(indices.dims) + data.dims[axis + 1 :]
    params = {"axis": data.axes.index(axis), "count": count}
    if tuple(final) == dims:
        cx.emit(node, "gather", params, [data], dims, data.axes)
        return
    kept = _Kept()
    fake = _Renamed(node, f"{node.name or 'Gather_' + str(node.index)}/gather", kept)
    cx.emit(fake, "gather", params, [data], dims, data.axes)  # type: ignore[arg-type]
    reshaped(cx, node, kept.value, final)


@handles("GatherND")
def gather_nd(cx: Converter, node: Node) -> None:
    """GatherND with one index per row (indices …×1, batch_dims 0) picks along the first axis, as Gather does
    (the dynamo exporter writes Swin V2's table[index] so); anything else is refused."""
    data, indices = cx.input(node, 0), cx.input(node, 1)
    if not isinstance(data, Act) or cx.int_(node, "batch_dims", 0) != 0 or isinstance(indices, Act):
        raise NodeFailure(
            "GatherND on activations with batch_dims or activation indices, or on stored tensors",
            expected="GatherND of an activation by stored indices of dims …×1 (a Gather along the first axis)",
        )
    if not indices.dims or indices.dims[-1] != 1:  # type: ignore[union-attr]
        raise NodeFailure(
            f"GatherND with indices of dims {list(indices.dims)}",  # type: ignore[union-attr]
            expected="indices of dims …×1: one index along the first axis per row",
        )
    rows = Weight(indices.dims[:-1], False, indices.sources, indices.name if isinstance(indices, Weight) else "")  # type: ignore[union-attr]
    many(cx, node, data, rows, 0)


@handles("Expand")
def expand(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    target = int_list(cx.const(node, 1, "shape"), "shape")
    dims = fold(lambda: Const(V.broadcast_dims(value.dims, target), [], False)).dims  # type: ignore[union-attr]
    if isinstance(value, Const):
        cx.set(node, fold(lambda: Const(dims, V.broadcast_values(value, dims), value.floating, value.sources)))
    elif isinstance(value, Weight):
        cx.set(node, Weight(dims, value.floating, value.sources, value.name))
    elif tuple(dims) == value.dims:  # type: ignore[union-attr]
        cx.emit(node, "identity", {}, [value], value.dims, value.axes)  # type: ignore[union-attr]
    elif node.outputs and broadcast_only(cx, node.outputs[0]):
        # F.normalize's x / norm.expand_as(x): a view that the elementwise op after it broadcasts the same way,
        # so that op reads the activation itself (elementwise() checks its output is the expanded one's)
        cx.expanded[node.outputs[0]] = tuple(dims)
        cx.set(node, value)  # type: ignore[arg-type]
    else:
        raise NodeFailure(
            "Expand of an activation read by something other than elementwise arithmetic",
            expected="an Expand on constants, or one that only Add, Sub, Mul, Div … read (a broadcast)",
        )


def broadcast_only(cx: Converter, name: str) -> bool:
    """Every reader of the tensor ``name`` is elementwise arithmetic (which broadcasts), and it is no graph output."""
    readers = cx.consumers.get(name, [])
    outputs = {o.name for o in cx.graph.outputs}
    return bool(readers) and name not in outputs and all(r.op_type in ELEMENTWISE_OPS for r in readers)


@handles("ScatterND")
def scatter_nd(cx: Converter, node: Node) -> None:
    if has_act(cx, node):
        raise NodeFailure(
            "ScatterND on activations", expected="a ScatterND on constants (costcalc has no scatter kind)"
        )
    reduction = cx.string(node, "reduction", "none")
    consts = constant_inputs(cx, node)
    if consts is None:  # a constant too large to hold (or not decodable): its dims are the data's
        data = cx.input(node, 0)
        sources = frozenset().union(*(cx.values[n].sources for n in node.inputs if n))  # type: ignore[union-attr]
        cx.set(node, Weight(data.dims, data.floating, sources, node.outputs[0]))  # type: ignore[union-attr]
        return
    cx.set(node, fold(lambda: V.scatter_nd(consts[0], consts[1], consts[2], reduction)))


# ---------------------------------------------------------------- convolutions and matrix products


_FX_BIAS = re.compile(r"\(args = \(%\w+, %\w+, %(p_\w*bias)\b")
_FX_LAYER = re.compile(r"target=torch\.ops\.aten\.(conv\w*|linear|addmm)\.")


def removed_bias(cx: Converter, node: Node, bias: Weight | Const | None, layer: str, channels: int) -> None:
    """The dynamo exporter drops an all-zero bias (RemoveOptionalBiasFromConv/Gemm, as in an untrained model);
    its fx_node metadata still shows the module's bias parameter: counted back in the framework's params."""
    rules = node.metadata.get("pkg.onnxscript.rewriter.rule_name", "")
    if bias is not None or "RemoveOptionalBiasFrom" not in rules or "FuseBatchNorm" in rules:
        return
    fx_node = node.metadata.get("pkg.torch.onnx.fx_node", "")
    if _FX_LAYER.search(fx_node) and _FX_BIAS.search(fx_node):
        cx.removed_biases.append((layer, channels))


def folded_norm(
    cx: Converter, node: Node, weight: Weight | Const, bias: Weight | Const | None, layer: str, channels: int
) -> None:
    """Record an exporter's batch norm folded into this layer, where the file shows it.

    The dynamo exporter says so in the node's metadata, and keeps the name of a bias the layer had
    of its own (…bias); the TorchScript exporter names the tensors it computes onnx::Conv_N, and
    tf2onnx …_weights_fused_bn and …_bias_fused_bn, which say a batch norm was folded in but not
    whether the conv had a bias before (assumed not).
    """
    rule = node.metadata.get("pkg.onnxscript.rewriter.rule_name", "")
    count = V.elements(bias.dims) if bias is not None else 0
    bias_name = bias.name if isinstance(bias, Weight) else ""
    if "FuseBatchNormInto" in rule:
        own = bias is not None and bias_name.endswith("bias") and not bias_name.startswith("onnx::")
        rule = next(r for r in rule.split(", ") if "BatchNorm" in r)
        evidence = f"the dynamo exporter's rewrite rule {rule} (in the nodes' metadata)"
        cx.folded.append(FoldedNorm(layer, channels, count, evidence, own))
    elif isinstance(weight, Weight) and weight.name.startswith(f"onnx::{node.op_type}_") and count:
        evidence = f"weights named onnx::{node.op_type}_N (the TorchScript exporter's names for tensors it computed)"
        cx.folded.append(FoldedNorm(layer, channels, count, evidence, None))
    elif (
        isinstance(weight, Weight)
        and weight.name.endswith("_weights_fused_bn")
        and bias_name.endswith("_bias_fused_bn")
    ):
        # tf2onnx's back-to-back optimizer names the conv's new weights and bias so when it folds a batch norm
        evidence = "weights and biases named …_weights_fused_bn, …_bias_fused_bn (tf2onnx folding a batch norm)"
        cx.folded.append(FoldedNorm(layer, channels, count, evidence, None))


@handles("Conv")
def conv(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    w = cx.weight(node, 1)
    if len(w.dims) != 4 or x.rank != 4:
        raise NodeFailure(
            f"a {max(len(w.dims), x.rank) - 2}-D convolution (weight {list(w.dims)}, input {list(x.dims)})",
            expected="a 2-D convolution: costcalc counts N×C×H×W convolutions",
        )
    x = image(cx, node, x, "Conv")
    n, c, h, width = x.dims
    filters, per_group, kh, kw = w.dims
    groups = cx.int_(node, "group", 1)
    kernel = cx.ints(node, "kernel_shape", [kh, kw])
    if list(kernel) != [kh, kw]:
        raise NodeFailure(f"kernel_shape {kernel} but the weight is {list(w.dims)}", expected="agreeing sizes")
    if groups < 1 or per_group * groups != c or filters % groups:
        raise NodeFailure(
            f"group {groups}: the weight takes {per_group} channels per group, the input has {c}",
            expected=f"input channels = {per_group} × group and filters divisible by group",
        )
    strides, dilations, pads, (oh, ow), auto_pad = window_attrs(cx, node, (kh, kw), (h, width))
    bias = bias_of(cx, node, 2, filters)
    params: dict[str, Any] = {}
    kind = "conv"
    if groups == c and groups > 1:
        kind = "depthwise_conv"
        if filters != c:
            params["multiplier"] = filters // c
    else:
        params["filters"] = filters
    params["kernel"] = pair_value((kh, kw))
    if strides != [1, 1]:
        params["stride"] = pair_value(strides)
    if any(pads) or auto_pad == "SAME_UPPER":
        params["padding"] = same_params(auto_pad, pads)
    if dilations != [1, 1]:
        params["dilation"] = pair_value(dilations)
    if kind == "conv" and groups != 1:
        params["groups"] = groups
    if bias is None:
        params["bias"] = False
    act = cx.emit(node, kind, params, [x], (n, filters, oh, ow))
    cx.used_weight(w, act.layer)
    if bias is not None:
        cx.used_weight(bias, act.layer)
    folded_norm(cx, node, w, bias, act.layer, filters)
    removed_bias(cx, node, bias, act.layer, filters)


@handles("ConvTranspose")
def conv_transpose(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    w = cx.weight(node, 1)
    if len(w.dims) != 4 or x.rank != 4:
        raise NodeFailure(f"a {max(len(w.dims), x.rank) - 2}-D transposed convolution", expected="a 2-D one (N×C×H×W)")
    x = image(cx, node, x, "ConvTranspose")
    n, c, h, width = x.dims
    in_channels, per_group, kh, kw = w.dims
    groups = cx.int_(node, "group", 1)
    if in_channels != c or groups < 1 or c % groups:
        raise NodeFailure(
            f"the weight takes {in_channels} input channels, the input has {c} (group {groups})",
            expected="agreeing channels",
        )
    filters = per_group * groups
    strides = cx.ints(node, "strides", [1, 1])
    dilations = cx.ints(node, "dilations", [1, 1])
    output_padding = cx.ints(node, "output_padding", [0, 0])
    pads = cx.ints(node, "pads", [0, 0, 0, 0])
    output_shape = cx.ints(node, "output_shape", None)
    auto_pad = cx.string(node, "auto_pad", "NOTSET")
    if len(strides) != 2 or len(dilations) != 2 or len(output_padding) != 2 or len(pads) != 4:
        raise NodeFailure("strides, dilations, output_padding or pads of the wrong length", expected="a 2-D window")
    spans = [d * (k - 1) + 1 for k, d in zip((kh, kw), dilations)]
    natural = [s * (size - 1) + op + span for size, s, op, span in zip((h, width), strides, output_padding, spans)]
    if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        wanted = (
            list(output_shape[-2:]) if output_shape is not None else [size * s for size, s in zip((h, width), strides)]
        )
        totals = [nat - want for nat, want in zip(natural, wanted)]
        if min(totals) < 0:
            raise NodeFailure(
                f"output_shape {wanted} is larger than the transposed convolution makes ({natural})",
                expected="an output_shape it can reach by padding",
            )
        if auto_pad == "SAME_UPPER":
            begin = [t // 2 for t in totals]
        else:
            begin = [t - t // 2 for t in totals]
        pads = [begin[0], begin[1], totals[0] - begin[0], totals[1] - begin[1]]
    out = [nat - pads[i] - pads[i + 2] for i, nat in enumerate(natural)]
    if min(out) < 1:
        raise NodeFailure(f"the output would be {out}", expected="positive sizes")
    bias = bias_of(cx, node, 2, filters)
    params: dict[str, Any] = {"filters": filters, "kernel": pair_value((kh, kw))}
    if strides != [1, 1]:
        params["stride"] = pair_value(strides)
    if any(pads):
        params["padding"] = padding_value(pads[0], pads[2], pads[1], pads[3])
    if any(output_padding):
        params["output_padding"] = pair_value(output_padding)
    if dilations != [1, 1]:
        params["dilation"] = pair_value(dilations)
    if groups != 1:
        params["groups"] = groups
    if bias is None:
        params["bias"] = False
    act = cx.emit(node, "conv_transpose", params, [x], (n, filters, out[0], out[1]))
    cx.used_weight(w, act.layer)
    if bias is not None:
        cx.used_weight(bias, act.layer)
    folded_norm(cx, node, w, bias, act.layer, filters)
    removed_bias(cx, node, bias, act.layer, filters)


@handles("Gemm")
def gemm(cx: Converter, node: Node) -> None:
    a = cx.act(node, 0)
    if a.rank != 2:
        raise NodeFailure(f"Gemm on a rank-{a.rank} tensor", expected="a matrix (N×K)")
    if cx.int_(node, "transA", 0):
        raise NodeFailure("Gemm with transA = 1 on activations", expected="transA = 0 (the batch as rows)")
    kind = "fc" if a.batched else "linear"  # without a batch, the rows are positions (tokens) of one sample
    if not a.batched:
        a = channel_last(cx, node, a, 1)
    b = cx.input(node, 1)
    trans_b = cx.int_(node, "transB", 0)
    if isinstance(b, Act):
        matmul_acts(cx, node, a, b, transpose_b=bool(trans_b))
        return
    w = cx.weight(node, 1)
    k, units = weight_dims(w, 2, "weight", "Gemm")
    if trans_b:
        k, units = units, k
    if k != a.dims[1]:
        raise NodeFailure(f"the weight takes {k} features, the input has {a.dims[1]}", expected="agreeing sizes")
    bias = None
    if cx.input(node, 2) is not None:
        c = cx.weight(node, 2, "bias")
        if V.elements(c.dims) != units:
            raise NodeFailure(f"the bias C of Gemm has dims {list(c.dims)}", expected=f"one value per output ({units})")
        bias = c
    params: dict[str, Any] = {"units": units}
    if bias is None:
        params["bias"] = False
    act = cx.emit(node, kind, params, [a], (a.dims[0], units), a.axes if kind == "linear" else None)
    cx.used_weight(w, act.layer)
    if bias is not None:
        cx.used_weight(bias, act.layer)
    folded_norm(cx, node, w, bias, act.layer, units)
    removed_bias(cx, node, bias, act.layer, units)


@handles("MatMul")
def matmul(cx: Converter, node: Node) -> None:
    a = cx.input(node, 0)
    b = cx.input(node, 1)
    if isinstance(a, Act) and isinstance(b, Act):
        matmul_acts(cx, node, a, b)
        return
    if not isinstance(a, Act) and not isinstance(b, Act):
        a = stored_act(cx, node, a)  # Swin V2's position MLP on its coordinate table: computed, so counted
    if not isinstance(a, Act):
        raise NodeFailure("MatMul of a stored tensor by an activation", expected="activation × weight")
    w = cx.weight(node, 1)
    if len(w.dims) != 2:
        raise NodeFailure(f"MatMul by a weight of dims {list(w.dims)}", expected="a K×M matrix")
    k, units = w.dims
    if a.dims[-1] != k:
        raise NodeFailure(f"the weight takes {k} features, the input has {a.dims[-1]}", expected="agreeing sizes")
    dims = (*a.dims[:-1], units)
    if a.rank == 2 and a.batched:
        act = cx.emit(node, "fc", {"units": units, "bias": False}, [a], dims)
    elif "linear" in KINDS:
        a = channel_last(cx, node, a, a.rank - 1)
        act = cx.emit(node, "linear", {"units": units, "bias": False}, [a], dims, a.axes)
    else:
        raise NodeFailure(
            f"MatMul of a rank-{a.rank} activation by a weight", expected="a matrix input (costcalc's fc)"
        )
    cx.used_weight(w, act.layer)


def stored_act(cx: Converter, node: Node, value: V.Value) -> Act:
    """A stored float tensor that a layer computes on, as the output of a `stored` layer: one per tensor (a
    table read by many nodes is one layer), without a batch axis (PyTorch computes on it once per forward pass; costcalc
    counts per sample, so exactly at batch 1, and the converter asks for a batch of 1 when it is not)."""
    if isinstance(value, Const) and value.floating:  # small enough to have been decoded: read as stored
        value = Weight(value.dims, True, value.sources, node.inputs[0])
    if not (isinstance(value, Weight) and value.floating):
        raise NodeFailure(
            f"{node.op_type} of two stored tensors, neither of them floating-point data",
            expected="a product with an activation, or of a stored float tensor",
        )
    # a tensor computed from stored ones only (the dynamo exporter folds the MLP's first Linear and keeps its
    # bias and ReLU) is read as it is: elementwise work on stored values is evaluated at load, as constants are
    known = cx.stored_layers.get(value.name)
    if known is not None:
        return known
    if cx.batch != 1:
        raise NodeFailure(
            f"{node.op_type} on the stored tensor '{value.name}' (computed once per forward pass, not per sample)",
            expected="a model exported for a batch of 1",
            hint="export the model with a batch of 1 (costcalc multiplies by --batch)",
        )
    kept = _Kept()
    fake = _Renamed(node, value.name, kept)
    axes = tuple(range(len(value.dims)))
    cx.emit(fake, "stored", {"shape": list(value.dims)}, [], value.dims, axes, batched=False)  # type: ignore[arg-type]
    cx.used_weight(value, kept.value.layer)
    if not cx.stored_layers:
        cx.notes.append(
            f"layers computed from stored tensors alone ('{kept.value.layer}' …) run once per forward pass, whatever"
            " the batch; costcalc counts them per sample like every layer (exact at batch 1, the batch the file was"
            " read at)"
        )
    cx.stored_layers[value.name] = kept.value
    return kept.value


def matmul_acts(cx: Converter, node: Node, a: Act, b: Act, transpose_b: bool = False) -> None:
    """A product of two activations (attention's Q·Kᵀ), batched over the leading axes."""
    if a.rank < 2 or b.rank < 2:
        raise NodeFailure("MatMul of vectors", expected="matrices")
    a = arrange(cx, node, a, plain_axes(a), "MatMul")
    b = arrange(cx, node, b, plain_axes(b), "MatMul")
    bm = b.dims[-2:] if not transpose_b else b.dims[-2:][::-1]
    if a.dims[-1] != bm[0]:
        raise NodeFailure(f"MatMul of {list(a.dims)} by {list(b.dims)}", expected="inner dims that agree")
    try:
        lead = V.broadcast_dims(a.dims[:-2], b.dims[:-2])
    except FoldError as exc:
        raise NodeFailure(str(exc)) from None
    dims = (*lead, a.dims[-2], bm[1])
    params = {"transpose_b": True} if transpose_b else {}
    both = a.batched and b.batched
    cx.emit(node, "matmul", params, [a, b], dims, tuple(range(1 if both else 0, len(dims))))


@handles("Einsum")
def einsum(cx: Converter, node: Node) -> None:
    """An Einsum that is a batched matrix product of two activations (MaxViT's attention: 'BGHID,BGHJD->BGHIJ'),
    counted as the matmul it is; any other equation is refused, never guessed."""
    raw = cx.attr(node, "equation", "")
    equation = (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).replace(" ", "")
    refused = NodeFailure(
        f"Einsum '{equation}'",
        expected="a batched matrix product of two activations with the batch letters first, in the same order "
        "(…ik,…kj->…ij or …ik,…jk->…ij)",
    )
    if "->" not in equation or "." in equation:
        raise refused
    inputs, out = equation.split("->")
    terms = inputs.split(",")
    if len(terms) != 2 or len(node.inputs) != 2:
        raise refused
    a, b = cx.input(node, 0), cx.input(node, 1)
    if not (isinstance(a, Act) and isinstance(b, Act)):
        raise refused
    ta, tb = terms
    if len(ta) != a.rank or len(tb) != b.rank or len(ta) < 2 or len(set(ta)) != len(ta) or len(set(tb)) != len(tb):
        raise refused
    batch = ta[:-2]
    if tb[:-2] != batch or out[:-2] != batch or len(out) != len(ta):  # the batch letters first, in one order
        raise refused
    i, k = ta[-2:]
    if out[-2:][0] != i:
        raise refused
    j = out[-1]
    if tb[-2:] == k + j:
        transpose_b = False
    elif tb[-2:] == j + k:
        transpose_b = True
    else:
        raise refused
    if len({i, j, k} | set(batch)) != len(batch) + 3:
        raise refused
    matmul_acts(cx, node, a, b, transpose_b=transpose_b)


# ---------------------------------------------------------------- normalization


def per_channel(cx: Converter, node: Node, indices: Sequence[int], channels: int, what: str) -> list[Weight | Const]:
    out = []
    for i in indices:
        w = cx.weight(node, i, what)
        if V.elements(w.dims) != channels:
            raise NodeFailure(
                f"{what} (input {i}) of {node.op_type} has dims {list(w.dims)}", expected=f"{channels} values"
            )
        out.append(w)
    return out


@handles("BatchNormalization")
def batch_norm(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    if x.rank < 2:
        raise NodeFailure("BatchNormalization of a vector")
    x = channel_last(cx, node, x, 1)
    weights = per_channel(cx, node, (1, 2, 3, 4), x.dims[1], "scale, bias, mean and variance")
    act = cx.emit(node, "batch_norm", epsilon_params(cx, node), [x], x.dims, x.axes)
    for w in weights:
        cx.used_weight(w, act.layer)


def epsilon_params(cx: Converter, node: Node) -> dict[str, Any]:
    epsilon = cx.float_(node, "epsilon", 1e-5)
    return {} if abs(epsilon - 1e-5) < 1e-12 else {"epsilon": float(f"{epsilon:.6g}")}


@handles("InstanceNormalization")
def instance_norm(cx: Converter, node: Node) -> None:
    x = image(cx, node, cx.act(node, 0), "InstanceNormalization")
    weights = per_channel(cx, node, (1, 2), x.dims[1], "scale and bias")
    act = cx.emit(node, "instance_norm", {**epsilon_params(cx, node), "affine": True}, [x], x.dims, x.axes)
    for w in weights:
        cx.used_weight(w, act.layer)


@handles("GroupNormalization")
def group_norm(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    if x.rank < 3:
        raise NodeFailure("GroupNormalization of a vector", expected="an N×C×… tensor")
    x = channel_last(cx, node, x, 1)
    groups = cx.int_(node, "num_groups", 0)
    if groups < 1:
        raise NodeFailure(f"num_groups {groups}", expected="a positive number of groups")
    channels = x.dims[1]
    # opset 18 gave scale and bias one value per group (a mistake opset 21 corrected to one per channel)
    count = V.elements(cx.weight(node, 1, "scale").dims)
    if count != channels:
        raise NodeFailure(
            f"a scale of {count} values for {channels} channels (opset {cx.opset})",
            expected="one scale and bias per channel, as opset 21 defines them",
        )
    weights = per_channel(cx, node, (1, 2), channels, "scale and bias")
    act = cx.emit(node, "group_norm", {"groups": groups, **epsilon_params(cx, node)}, [x], x.dims, x.axes)
    for w in weights:
        cx.used_weight(w, act.layer)


@handles("LayerNormalization")
def layer_norm(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    axis = norm_axis(cx.int_(node, "axis", -1), x.rank)
    if axis != x.rank - 1:
        raise NodeFailure(
            f"LayerNormalization over axes {axis} … {x.rank - 1}", expected="over the last axis (the channels)"
        )
    x = channel_last(cx, node, x, axis)
    channels = x.dims[-1]
    (scale,) = per_channel(cx, node, (1,), channels, "scale")
    if cx.input(node, 2) is not None:
        (bias,) = per_channel(cx, node, (2,), channels, "bias")
        act = cx.emit(node, "layer_norm", epsilon_params(cx, node), [x], x.dims, x.axes)
        cx.used_weight(scale, act.layer)
        cx.used_weight(bias, act.layer)
        return
    # no bias: normalise, then scale by γ (costcalc's layer_norm has γ and β together)
    plain = cx.emit(
        _Renamed(node, f"{node.name or 'LayerNormalization_' + str(node.index)}/normalize"),  # type: ignore[arg-type]
        "layer_norm",
        {**epsilon_params(cx, node), "affine": False},
        [x],
        x.dims,
        x.axes,
    )
    act = cx.emit(
        node, "elementwise", {"op": "multiply", "operand": [channels], "learned": True}, [plain], x.dims, x.axes
    )
    cx.used_weight(scale, act.layer)


def need_kind(node: Node, kind: str) -> None:
    if kind not in KINDS:
        raise NodeFailure(f"costcalc has no layer kind for {node.op_type} yet", expected="a supported operator")


@handles("LRN")
def lrn(cx: Converter, node: Node) -> None:
    x = image(cx, node, cx.act(node, 0), "LRN")
    params = {
        "size": cx.int_(node, "size", 5),
        "alpha": cx.float_(node, "alpha", 1e-4),
        "beta": cx.float_(node, "beta", 0.75),
        "k": cx.float_(node, "bias", 1.0),
    }
    cx.emit(node, "lrn", params, [x], x.dims, x.axes)


# ---------------------------------------------------------------- pooling


@handles("MaxPool", "AveragePool")
def pool(cx: Converter, node: Node) -> None:
    x = image(cx, node, cx.act(node, 0), node.op_type)
    n, c, h, width = x.dims
    kernel = cx.ints(node, "kernel_shape", None)
    if kernel is None or len(kernel) != 2 or min(kernel) < 1:
        raise NodeFailure(f"kernel_shape {kernel}", expected="two sizes ≥ 1 (a 2-D pool)")
    ceil_mode = bool(cx.int_(node, "ceil_mode", 0))
    strides, dilations, pads, (oh, ow), auto_pad = window_attrs(cx, node, kernel, (h, width), ceil_mode)
    if node.op_type == "MaxPool" and cx.int_(node, "storage_order", 0) not in (0, 1):
        raise NodeFailure("storage_order", expected="0 or 1")
    kind = "max_pool" if node.op_type == "MaxPool" else "avg_pool"
    params: dict[str, Any] = {"kernel": pair_value(kernel), "stride": pair_value(strides)}
    if any(pads) or auto_pad == "SAME_UPPER":
        params["padding"] = same_params(auto_pad, pads)
    if ceil_mode and auto_pad == "NOTSET":
        params["ceil_mode"] = True
    if dilations != [1, 1]:
        if kind == "avg_pool":
            raise NodeFailure("AveragePool with dilations", expected="dilations 1 (costcalc's avg_pool has none)")
        params["dilation"] = pair_value(dilations)
    # count_include_pad only changes what the average divides by, not how many operations it takes
    cx.emit(node, kind, params, [x], (n, c, oh, ow))


@handles("GlobalAveragePool", "GlobalMaxPool")
def global_pool(cx: Converter, node: Node) -> None:
    x = image(cx, node, cx.act(node, 0), node.op_type)
    kind = "global_avg_pool" if node.op_type == "GlobalAveragePool" else "global_max_pool"
    cx.emit(node, kind, {}, [x], (x.dims[0], x.dims[1], 1, 1))


REDUCE_OPS = {
    "ReduceMean": "mean",
    "ReduceMax": "max",
    "ReduceMin": "min",
    "ReduceSum": "sum",
    "ReduceProd": "prod",
    "ReduceL1": "l1",
    "ReduceL2": "l2",
    "ReduceSumSquare": "sum_square",
    "ReduceLogSum": "log_sum",
    "ReduceLogSumExp": "log_sum_exp",
}


@handles(*REDUCE_OPS)
def reduce(cx: Converter, node: Node) -> None:
    value = cx.input(node, 0)
    since = 13 if node.op_type == "ReduceSum" else 18
    axes = axes_input(cx, node, 1, since)
    keepdims = bool(cx.int_(node, "keepdims", 1))
    if not axes and cx.int_(node, "noop_with_empty_axes", 0):
        cx.set(node, value)  # type: ignore[arg-type]
        return
    if not isinstance(value, Act):
        consts = constant_inputs(cx, node)
        if consts is None or node.op_type not in ("ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd"):
            raise NodeFailure(f"{node.op_type} of stored tensors", expected="a reduction of activations or constants")
        cx.set(node, fold(lambda: V.reduce(consts[0], node.op_type, axes or None, keepdims)))
        return
    rank = value.rank
    chosen = sorted({norm_axis(a, rank) for a in axes}) if axes else list(range(rank))
    not_batch(0 if 0 in chosen else 1, node.op_type, value)
    if rank == 4 and chosen == [2, 3] and node.op_type in ("ReduceMean", "ReduceMax"):
        x = image(cx, node, value, node.op_type)
        kind = "global_avg_pool" if node.op_type == "ReduceMean" else "global_max_pool"
        if keepdims:
            cx.emit(node, kind, {}, [x], (x.dims[0], x.dims[1], 1, 1))
            return
    dims = (
        [1 if i in chosen else d for i, d in enumerate(value.dims)]
        if keepdims
        else [d for i, d in enumerate(value.dims) if i not in chosen]
    )
    if keepdims:
        axes_out = value.axes
    else:
        remap = {old: new for new, old in enumerate(i for i in range(rank) if i not in chosen)}
        axes_out = tuple(remap[a] for a in value.axes if a not in chosen)
    costcalc_axes = [value.axes.index(a) for a in chosen]
    params: dict[str, Any] = {"op": REDUCE_OPS[node.op_type], "axes": costcalc_axes}
    if not keepdims:
        params["keepdims"] = False
    cx.emit(node, "reduce", params, [value], dims, axes_out)


# ---------------------------------------------------------------- activations


SIMPLE_ACTIVATIONS = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "HardSwish": "hard_swish",
    "Elu": "elu",
    "Selu": "selu",
    "Celu": "celu",
    "Softplus": "softplus",
    "Softsign": "softsign",
    "Mish": "mish",
    "ThresholdedRelu": "thresholded_relu",
}
UNARY_OPS = {
    "Erf": "erf",
    "Exp": "exp",
    "Log": "log",
    "Sqrt": "sqrt",
    "Reciprocal": "reciprocal",
    "Neg": "neg",
    "Abs": "abs",
    "Floor": "floor",
    "Ceil": "ceil",
    "Round": "round",
    "Sign": "sign",
    "Sin": "sin",
    "Cos": "cos",
    "Tan": "tan",
    "Not": "not",
    "IsNaN": "is_nan",
    "IsInf": "is_inf",
}


def unary_value(cx: Converter, node: Node) -> Act | None:
    """The activation a unary operator works on, or None after folding a constant one."""
    value = cx.input(node, 0)
    if isinstance(value, Act):
        return value
    if isinstance(value, Const) and node.op_type in V.UNARY:
        cx.set(node, fold(lambda: V.elementwise(node.op_type, [value])))
        return None
    if isinstance(value, Weight) or (isinstance(value, Const) and value.floating):
        # on stored values alone: evaluated at load (its values are not needed, only its dims)
        cx.set(node, Weight(value.dims, value.floating, value.sources, node.outputs[0]))
        return None
    raise NodeFailure(f"{node.op_type} on constants", expected="an activation")


@handles(*SIMPLE_ACTIVATIONS)
def simple_activation(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    kind = SIMPLE_ACTIVATIONS[node.op_type]
    need_kind(node, kind)
    cx.emit(node, kind, {}, [x], x.dims, x.axes)


@handles(*UNARY_OPS)
def unary(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    cx.emit(node, "unary", {"op": UNARY_OPS[node.op_type]}, [x], x.dims, x.axes)


@handles("Gelu")
def gelu(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    approximate = cx.string(node, "approximate", "none")
    if approximate != "none":
        need_kind(node, "gelu_tanh")
        cx.emit(node, "gelu_tanh", {}, [x], x.dims, x.axes)
        return
    cx.emit(node, "gelu", {}, [x], x.dims, x.axes)


@handles("LeakyRelu")
def leaky_relu(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    slope = cx.float_(node, "alpha", 0.01)
    cx.emit(node, "leaky_relu", {} if abs(slope - 0.01) < 1e-9 else {"slope": round(slope, 7)}, [x], x.dims, x.axes)


@handles("PRelu")
def prelu(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    slope = cx.weight(node, 1, "slope")
    count = V.elements(slope.dims)
    if count == 1:
        act = cx.emit(node, "prelu", {"shared": True}, [x], x.dims, x.axes)
    else:
        x = channel_last(cx, node, x, 1)
        if count != x.dims[1]:
            raise NodeFailure(
                f"a PRelu slope of dims {list(slope.dims)} on {list(x.dims)}",
                expected="one slope, or one per channel (axis 1)",
            )
        act = cx.emit(node, "prelu", {}, [x], x.dims, x.axes)
    cx.used_weight(slope, act.layer)


@handles("HardSigmoid")
def hard_sigmoid(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    # max(0, min(1, α·x + β)): four operations whatever α and β (PyTorch's Hardsigmoid is α = 1/6, β = 0.5)
    cx.emit(node, "hard_sigmoid", {}, [x], x.dims, x.axes)


@handles("Clip")
def clip(cx: Converter, node: Node) -> None:
    x = unary_value(cx, node)
    if x is None:
        return
    if cx.opset >= 11:
        low_c, high_c = cx.optional_const(node, 1, "min"), cx.optional_const(node, 2, "max")
        low = None if low_c is None else float(low_c.values[0])
        high = None if high_c is None else float(high_c.values[0])
    else:
        low = cx.attr(node, "min")
        high = cx.attr(node, "max")
    if low is not None and low <= -3.4e38:
        low = None
    if high is not None and high >= 3.4e38:
        high = None
    if low == 0 and high == 6:
        cx.emit(node, "relu6", {}, [x], x.dims, x.axes)
    elif low == 0 and high is None:
        cx.emit(node, "relu", {}, [x], x.dims, x.axes)
    else:
        params = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        cx.emit(node, "clip", params, [x], x.dims, x.axes)


@handles("Softmax", "LogSoftmax", "Hardmax")
def softmax(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    axis = norm_axis(cx.int_(node, "axis", -1 if cx.opset >= 13 else 1), x.rank)
    not_batch(axis, node.op_type, x)
    if cx.opset < 13 and axis != x.rank - 1 and V.elements(x.dims[axis + 1 :]) > 1:
        raise NodeFailure(
            f"{node.op_type} (opset {cx.opset}) over axes {axis} … {x.rank - 1} together",
            expected="a softmax over one axis (opset 13 or a 2-D input)",
        )
    x = channel_last(cx, node, x, axis)
    kind = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Hardmax": "hardmax"}[node.op_type]
    need_kind(node, kind)
    cx.emit(node, kind, {}, [x], x.dims, x.axes)


# ---------------------------------------------------------------- elementwise arithmetic


ELEMENTWISE_OPS = {
    "Add": "add",
    "Sub": "subtract",
    "Mul": "multiply",
    "Div": "divide",
    "Pow": "power",
    "Max": "maximum",
    "Min": "minimum",
    "Sum": "add",
    "Mean": "mean",
    "Mod": "modulo",
    "Equal": "equal",
    "Less": "less",
    "LessOrEqual": "less_equal",
    "Greater": "greater",
    "GreaterOrEqual": "greater_equal",
    "And": "and",
    "Or": "or",
    "Xor": "xor",
    "Where": "where",
    "BitShift": "bit_shift",
}


@handles(*ELEMENTWISE_OPS)
def elementwise(cx: Converter, node: Node) -> None:
    names = [n for n in node.inputs if n]
    values = [cx.values[n] for n in names]
    if node.op_type == "Mean" and len(values) == 1:
        values = values * 1
    consts = constant_inputs(cx, node)
    op = node.op_type if node.op_type not in ("Sum", "Mean") else ("Add" if node.op_type == "Sum" else "Mean")
    if consts is not None:
        if op == "Mean":
            total = fold(lambda: V.elementwise("Add", consts))
            count = Const((), [len(consts)], False)
            cx.set(node, fold(lambda: V.elementwise("Div", [V.cast(total, True), count])))
        elif op in V.BINARY or op == "Where":
            try:
                cx.set(node, V.elementwise(op, consts))
            except V.TooLarge:  # too many values to hold (Swin's attention masks): a tensor of known dims
                dims = fold(lambda: V.broadcast_dims(*(c.dims for c in consts)))
                sources = frozenset().union(*(c.sources for c in consts))
                floating = consts[1].floating if op == "Where" else any(c.floating for c in consts)
                cx.set(node, Weight(dims, floating and op not in V.COMPARISONS, sources, node.outputs[0]))
            except FoldError as exc:
                raise NodeFailure(f"on constants: {exc}") from None
        else:
            raise NodeFailure(f"{node.op_type} on constants", expected="an operator costcalc can evaluate")
        return
    try:
        dims = V.broadcast_dims(*(v.dims for v in values))
        if any(n in cx.expanded for n in names):  # an expanded operand read unexpanded: the same result?
            written = V.broadcast_dims(*(cx.expanded.get(n, v.dims) for n, v in zip(names, values)))
            if written != dims:
                raise FoldError(f"an operand expanded to {list(written)}, more than the other operands' {list(dims)}")
    except FoldError as exc:
        raise NodeFailure(str(exc)) from None
    acts = [v for v in values if isinstance(v, Act)]
    if not acts:
        sources = frozenset().union(*(v.sources for v in values))  # type: ignore[union-attr]
        cx.set(node, Weight(dims, True, sources, node.outputs[0]))
        return
    rank = len(dims)
    for act in acts:
        if act.rank != rank:
            raise NodeFailure(
                f"{node.op_type} of activations of ranks {[a.rank for a in acts]}", expected="activations of one rank"
            )
    lead = max(acts, key=lambda a: a.dims == dims)
    if all(a.batched for a in acts):
        acts = [arrange(cx, node, a, lead.axes, node.op_type) for a in acts]
        axes = acts[0].axes
    else:  # some without a batch: every one in ONNX order, broadcast from the last axis as ONNX does
        acts = [arrange(cx, node, a, plain_axes(a), node.op_type) for a in acts]
        axes = tuple(range(rank))
    batched_out = all(a.batched for a in acts)
    stored = [v for v in values if not isinstance(v, Act)]
    kind_op = ELEMENTWISE_OPS[node.op_type]
    if not stored:
        same = all(a.shape == acts[0].shape for a in acts)
        if kind_op == "add" and same and len(acts) >= 2:
            cx.emit(node, "add", {}, acts, dims, axes)
        elif kind_op == "multiply" and len(acts) >= 2:
            cx.emit(node, "multiply", {}, acts, dims, axes)
        else:
            cx.emit(node, "elementwise", {"op": kind_op}, acts, dims, axes)
        return
    if len(stored) > 1:
        raise NodeFailure(f"{node.op_type} with {len(stored)} stored operands", expected="at most one")
    operand = stored[0]
    padded = (1,) * (rank - len(operand.dims)) + operand.dims
    if padded[0] != 1 and batched_out:
        raise NodeFailure(
            f"a stored operand of dims {list(operand.dims)} varies along the batch axis",
            expected="an operand that is the same for every sample",
        )
    shape = [padded[a] for a in axes]
    while shape and shape[0] == 1:
        shape.pop(0)
    params: dict[str, Any] = {"op": kind_op}
    if shape:
        params["operand"] = shape
    count = V.elements(operand.dims)
    if count == 1 and isinstance(operand, Const):
        params["value"] = _scalar(operand.values[0])
    elif count == 1 and isinstance(operand, Weight) and operand.tensor is not None:
        try:
            params["value"] = _scalar(cx.decode(operand, node, "operand").values[0])
        except NodeFailure:
            pass
    # a stored tensor of several values is counted as parameters (deployed); one computed from constants and
    # stored integers alone (Swin's attention masks, from the input's size) is not
    learned = count > 1 and any(_is_float(cx.values.get(source)) for source in operand.sources)
    if learned:
        params["learned"] = True
        table = stored_table(cx, operand)
        if table is not None:
            params["table"] = list(table)
    act = cx.emit(node, "elementwise", params, acts, dims, axes)
    if learned:
        cx.used_weight(operand, act.layer)


def _is_float(value: Any) -> bool:
    return value is not None and not isinstance(value, Act) and value.floating


def stored_table(cx: Converter, operand: Weight | Const) -> tuple[int, ...] | None:
    """The stored tensor an operand was gathered from, when it has fewer elements than the operand (Swin's
    relative position bias: a (2w−1)²×heads table indexed into heads×w²×w²); None when it is the operand."""
    if len(operand.sources) != 1:
        return None
    source = cx.values.get(next(iter(operand.sources)))
    if source is None or V.elements(source.dims) >= V.elements(operand.dims):
        return None
    return source.dims


def _scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1 << 53:
            return int(value) if abs(value) < 1e15 else value
        return float(f"{value:.9g}")
    return value


# ---------------------------------------------------------------- padding and resizing


@handles("Pad")
def pad(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    mode = cx.string(node, "mode", "constant")
    if cx.opset >= 11:
        pads = int_list(cx.const(node, 1, "pads"), "pads")
        value_c = cx.optional_const(node, 2, "constant_value")
        value = 0.0 if value_c is None else float(value_c.values[0])
        axes_c = cx.optional_const(node, 3, "axes")
        axes = int_list(axes_c, "axes") if axes_c is not None else list(range(x.rank))
    else:
        pads = cx.ints(node, "pads", cx.ints(node, "paddings", []))
        value = cx.float_(node, "value", 0.0)
        axes = list(range(x.rank))
    axes = [norm_axis(a, x.rank) for a in axes]
    if len(pads) != 2 * len(axes):
        raise NodeFailure(f"{len(pads)} pads for {len(axes)} axes", expected="a begin and an end per axis")
    begin, end = [0] * x.rank, [0] * x.rank
    for i, a in enumerate(axes):
        begin[a], end[a] = pads[i], pads[i + len(axes)]
    dims = [d + b + e for d, b, e in zip(x.dims, begin, end)]
    moved = [a for a in range(x.rank) if begin[a] or end[a]]
    if any(b < 0 or e < 0 for b, e in zip(begin, end)):
        raise NodeFailure(f"negative pads {pads} (a crop)", expected="pads ≥ 0")
    if not moved:
        cx.emit(node, "identity", {}, [x], x.dims, x.axes)
        return
    if x.rank == 4 and set(moved) <= {1, 2}:  # N×H×W×C (Swin V2 pads its windows' grid)
        x = arrange(cx, node, batched(cx, node, x), (1, 2, 3), "Pad")
        h, w = 1, 2
    elif x.rank == 4 and set(moved) <= {2, 3}:  # N×C×H×W
        x = image(cx, node, x, "Pad")
        h, w = 2, 3
    else:
        raise NodeFailure(f"Pad of axes {moved} of {list(x.dims)}", expected="padding of height and width only")
    padding = padding_value(begin[h], end[h], begin[w], end[w])
    if mode == "constant" and value == 0:
        cx.emit(node, "zero_pad", {"padding": padding}, [x], dims, x.axes)
    else:
        if mode not in ("constant", "reflect", "edge", "wrap"):
            raise NodeFailure(f"Pad mode '{mode}'", expected="constant, reflect, edge or wrap")
        params: dict[str, Any] = {"padding": padding, "mode": mode}
        if mode == "constant":
            params["value"] = _scalar(value)
        cx.emit(node, "pad", params, [x], dims, x.axes)


@handles("Resize", "Upsample")
def resize(cx: Converter, node: Node) -> None:
    x = cx.act(node, 0)
    mode = cx.string(node, "mode", "nearest")
    scales: list[float] | None = None
    sizes: list[int] | None = None
    if node.op_type == "Upsample" and cx.opset < 9:
        scales = [float(s) for s in cx.attr(node, "scales", [])]
    elif node.op_type == "Upsample" or cx.opset == 10:
        scales = [float(v) for v in cx.const(node, 1, "scales").values]
    else:
        s = cx.optional_const(node, 2, "scales")
        z = cx.optional_const(node, 3, "sizes")
        if s is not None and s.values:
            scales = [float(v) for v in s.values]
        elif z is not None and z.values:
            sizes = int_list(z, "sizes")
        else:
            raise NodeFailure("Resize without scales or sizes", expected="one of them")
        if cx.string(node, "coordinate_transformation_mode", "half_pixel") == "tf_crop_and_resize":
            raise NodeFailure("Resize in tf_crop_and_resize mode", expected="a plain resize")
        if cx.int_(node, "antialias", 0):
            raise NodeFailure("Resize with antialias", expected="antialias 0")
    axes = cx.ints(node, "axes", None)
    rank = x.rank
    full_scales = [1.0] * rank
    full_sizes = list(x.dims)
    chosen = [norm_axis(a, rank) for a in axes] if axes else list(range(rank))
    if scales is not None:
        if len(scales) != len(chosen):
            raise NodeFailure(f"{len(scales)} scales for rank {rank}", expected="one per axis")
        for a, s in zip(chosen, scales):
            full_scales[a] = s
        dims = [int(math.floor(d * s + 1e-9)) for d, s in zip(x.dims, full_scales)]
    else:
        if len(sizes) != len(chosen):  # type: ignore[arg-type]
            raise NodeFailure(f"{len(sizes)} sizes for rank {rank}", expected="one per axis")  # type: ignore[arg-type]
        policy = cx.string(node, "keep_aspect_ratio_policy", "stretch")
        if policy != "stretch":
            raise NodeFailure(f"keep_aspect_ratio_policy '{policy}'", expected="stretch")
        for a, z in zip(chosen, sizes):  # type: ignore[arg-type]
            full_sizes[a] = z
        dims = full_sizes
    if rank != 4 or dims[0] != x.dims[0] or dims[1] != x.dims[1]:
        raise NodeFailure(
            f"{node.op_type} from {list(x.dims)} to {dims}", expected="a resize of height and width (N×C×H×W)"
        )
    if mode == "linear" or mode == "bilinear":
        kind_mode = "bilinear"
    elif mode == "nearest":
        kind_mode = "nearest"
    else:
        raise NodeFailure(f"{node.op_type} mode '{mode}'", expected="nearest or linear (costcalc's upsample)")
    x = image(cx, node, x, node.op_type)
    h, w = x.dims[2], x.dims[3]
    oh, ow = dims[2], dims[3]
    params: dict[str, Any] = {}
    if oh % h == 0 and ow % w == 0 and oh >= h and ow >= w:
        params["scale"] = pair_value((oh // h, ow // w))
    else:
        params["size"] = pair_value((oh, ow))
    if kind_mode != "nearest":
        params["mode"] = kind_mode
    cx.emit(node, "upsample", params, [x], dims)


__all__ = ["HANDLERS", "supported_ops"]
