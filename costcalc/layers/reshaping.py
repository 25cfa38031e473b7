"""Free layers that rearrange a tensor (reshape, transpose, pad with a mode), and the stand-in for an
operator costcalc cannot count (`unknown`, made by `--allow-unknown` on an ONNX model and always
reported as such, never as a silent zero)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import SpecError, clip
from .base import (
    Cost,
    Evaluate,
    LayerKind,
    NoTorchEquivalent,
    Param,
    Params,
    Part,
    Shape,
    Window,
    boolean,
    choice,
    elements,
    fmt_shape,
    non_negative_int,
    number,
    padding,
    positive_int,
    register,
    spatial,
)
from .math_ops import int_list


class Free(LayerKind):
    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost()


@register
class Reshape(Free):
    name = "reshape"
    summary = "the same elements in another shape (a view)"
    in_place = True
    view = True
    params = {"shape": Param(int_list(1), doc="the output shape (channels last), as many elements as the input")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        if elements(p["shape"]) != elements(inputs[0]):
            raise SpecError(
                f"reshape of {fmt_shape(inputs[0])} ({elements(inputs[0]):,} elements) to {fmt_shape(p['shape'])}",
                expected=f"a shape of {elements(inputs[0]):,} elements",
            )
        return p["shape"]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Reshape", (tuple(p["shape"]),))]


@register
class Transpose(Free):
    name = "transpose"
    summary = "the axes in another order"
    params = {"perm": Param(int_list(0), doc="for each output axis, the input axis it takes (from 0)")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        shape, perm = inputs[0], p["perm"]
        if sorted(perm) != list(range(len(shape))):
            raise SpecError(
                f"perm {list(perm)} for a {fmt_shape(shape)} input", expected=f"a permutation of 0 … {len(shape) - 1}"
            )
        return tuple(shape[i] for i in perm)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Transpose", (tuple(p["perm"]),))]


PAD_MODES = ("constant", "reflect", "edge", "wrap")


@register
class Pad(Free):
    name = "pad"
    summary = "pad around the image with a constant, a reflection, the edge values or wrapped around"
    params = {
        "padding": Param(padding(()), doc="p, [h, w] or [top, bottom, left, right]"),
        "mode": Param(choice(*PAD_MODES), "constant", "constant, reflect, edge or wrap"),
        "value": Param(number(), 0.0, "the constant for mode constant"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        top, bottom, left, right = p["padding"]
        if p["mode"] in ("reflect", "wrap") and (
            max(top, bottom) >= h + (p["mode"] == "wrap") or max(left, right) >= w + (p["mode"] == "wrap")
        ):
            raise SpecError(
                f"{p['mode']} padding {list(p['padding'])} of a {h}×{w} image",
                expected="padding smaller than the image",
            )
        return (h + top + bottom, w + left + right, c)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        top, _, left, _ = p["padding"]
        return Window(offset=(-top, -left))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Pad", (tuple(p["padding"]), p["mode"], p["value"]))]


def check_axis(axis: int, shape: Shape) -> None:
    """An axis param (from 0, channels last) names one of the input's axes."""
    if axis >= len(shape):
        raise SpecError(f"axis {axis} of a {fmt_shape(shape)} input", expected=f"an axis from 0 to {len(shape) - 1}")


@register
class ConcatStored(Free):
    name = "concat_stored"
    summary = "a stored tensor joined to the input along an axis (ViT's learned class token before the patches)"
    params = {
        "axis": Param(non_negative_int, doc="the axis joined along, from 0 (channels last: for L×D, 0 is the tokens)"),
        "size": Param(positive_int, doc="the stored tensor's size along that axis"),
        "before": Param(boolean, True, "the stored tensor comes before the input (as a class token)"),
        "learned": Param(boolean, True, "the stored tensor's elements count as parameters"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        shape = inputs[0]
        check_axis(p["axis"], shape)
        return tuple(d + p["size"] if i == p["axis"] else d for i, d in enumerate(shape))

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        stored = elements(inputs[0]) // inputs[0][p["axis"]] * p["size"]
        return Cost(params=stored if p["learned"] else 0)  # moves data, computes nothing

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        stored = tuple(p["size"] if i == p["axis"] else d for i, d in enumerate(inputs[0]))
        return [Part("ConcatStored", (stored, p["axis"], p["before"], p["learned"]))]


@register
class Gather(Free):
    name = "gather"
    summary = "elements picked along an axis by a stored index list, any number of times each (Swin V2's bias table)"
    params = {
        "axis": Param(non_negative_int, doc="the axis picked along, from 0 (channels last)"),
        "count": Param(positive_int, doc="how many indices: the axis's size in the output"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        shape = inputs[0]
        check_axis(p["axis"], shape)
        return tuple(p["count"] if i == p["axis"] else d for i, d in enumerate(shape))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Gather", (p["axis"], p["count"]))]


@register
class Stored(Free):
    name = "stored"
    summary = "a stored tensor read as data, computed from nothing (Swin V2's coordinate table, fed to its MLP)"
    min_inputs, max_inputs = 0, 0  # reads no layer: it is there from the start, like the weights
    view = True  # in memory with the model: its readers read it, nothing is written (as the network input)
    params = {
        "shape": Param(int_list(1), doc="its shape (channels last)"),
        "learned": Param(boolean, False, "its elements count as parameters (a buffer, as Swin V2's table, is not)"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return p["shape"]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(params=elements(out) if p["learned"] else 0)  # read, not computed

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Stored", (tuple(p["shape"]), p["learned"]))]


def text(raw: Any, evaluate: Evaluate) -> str:
    if isinstance(raw, str) and raw.strip():
        return clip(raw.strip(), 100)
    raise SpecError("got no text", expected="the operator's name")


@register
class Unknown(Free):
    name = "unknown"
    summary = "an operator costcalc cannot count (kept by --allow-unknown; every report lists it)"
    min_inputs, max_inputs = 1, None
    params = {
        "op": Param(text, doc="the operator it stands for, e.g. NonMaxSuppression or com.microsoft.FusedConv"),
        "shape": Param(int_list(1), doc="its output shape (channels last), as the model declares it"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return p["shape"]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        raise NoTorchEquivalent(f"layer kind 'unknown' ({p['op']}): costcalc does not know what it computes")
