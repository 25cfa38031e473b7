"""Pooling: windowed max/average, global and adaptive pools."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SpecError
from ..symbolic import gcd
from .base import (
    GEOMETRY,
    WHOLE_INPUT,
    Cost,
    LayerKind,
    Param,
    Params,
    Part,
    Shape,
    Window,
    boolean,
    elements,
    padding,
    positive_pair,
    register,
    spatial,
)
from .windows import SlidingWindow, fmt_padding

_WINDOW = {
    "kernel": Param(positive_pair, doc="window size: one number or [h, w]"),
    "stride": Param(positive_pair, None, "step: one number or [h, w]; default the kernel size"),
    "padding": Param(padding(), 0, "'valid' (= 0), 'same', p, [h, w] or [top, bottom, left, right]"),
    "ceil_mode": Param(boolean, False, "round the output size up, as PyTorch's ceil_mode"),
}


class WindowPool(SlidingWindow):
    """A pool over f×f windows; its stride defaults to its kernel."""

    window_word = "pool window"

    def stride(self, p: Params) -> tuple[int, int]:
        return p["stride"] or p["kernel"]

    def dilation(self, p: Params) -> tuple[int, int]:
        return (1, 1)

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        c = spatial(inputs[0], self.name)[2]
        check_pool_padding(p)
        return (*self.slide(p, inputs, p["ceil_mode"]), c)


def check_pool_padding(p: Params) -> None:
    """Padding written as numbers is at most half the kernel on each side (PyTorch's rule: more would put
    a whole window in the padding); 'same' pads by less than the window by construction."""
    if p["padding"] == "same":
        return
    kh, kw = p["kernel"]
    top, bottom, left, right = p["padding"]
    if max(top, bottom) > kh // 2 or max(left, right) > kw // 2:
        raise SpecError(
            f"padding {fmt_padding(p['padding'])} exceeds half the {kh}×{kw} pool window",
            expected=f"padding ≤ ⌊{kh}/2⌋ = {kh // 2} (rows) and ≤ ⌊{kw}/2⌋ = {kw // 2} (columns) on each side",
            hint="a window would lie wholly in the padding, which PyTorch refuses; pad with a zero_pad layer first",
        )


@register
class MaxPool(WindowPool):
    name = "max_pool"
    summary = "max pooling over f×f windows"
    params = {**_WINDOW, "dilation": Param(positive_pair, 1, "spacing between window taps")}

    def dilation(self, p: Params) -> tuple[int, int]:
        return p["dilation"]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        kh, kw = p["kernel"]
        oh, ow, c = out
        return Cost(other_ops=oh * ow * c * (kh * kw - 1))  # f·f − 1 comparisons per output

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        g = p[GEOMETRY]
        pad_parts, pad = g.torch_padding()
        kwargs = {"stride": g.stride, "padding": pad, "dilation": g.dilation, "ceil_mode": p["ceil_mode"]}
        return [*pad_parts, Part("MaxPool2d", (g.kernel,), kwargs)]


@register
class AvgPool(WindowPool):
    name = "avg_pool"
    summary = "average pooling over f×f windows"
    params = dict(_WINDOW)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        kh, kw = p["kernel"]
        oh, ow, c = out
        return Cost(other_ops=oh * ow * c * kh * kw)  # f·f − 1 adds and one divide per output

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        g = p[GEOMETRY]
        pad_parts, pad = g.torch_padding()
        kwargs = {"stride": g.stride, "padding": pad, "ceil_mode": p["ceil_mode"]}
        return [*pad_parts, Part("AvgPool2d", (g.kernel,), kwargs)]


@register
class GlobalAvgPool(LayerKind):
    name = "global_avg_pool"
    summary = "average over all positions: H×W×C → 1×1×C"

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (1, 1, spatial(inputs[0], self.name)[2])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        h, w, c = inputs[0]
        return Cost(other_ops=c * h * w)  # H·W − 1 adds and one divide per channel

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return WHOLE_INPUT

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("AdaptiveAvgPool2d", (1,))]


@register
class GlobalMaxPool(LayerKind):
    name = "global_max_pool"
    summary = "maximum over all positions: H×W×C → 1×1×C"

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (1, 1, spatial(inputs[0], self.name)[2])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        h, w, c = inputs[0]
        return Cost(other_ops=c * (h * w - 1))

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return WHOLE_INPUT

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("AdaptiveMaxPool2d", (1,))]


def adaptive_windows(size: int, out: int) -> int:
    """Sum of the window lengths PyTorch's adaptive pools use along one axis, in closed form.

    Window i covers [⌊i·n/o⌋, ⌈(i+1)·n/o⌉). Summed over i, the ceilings are the floors Σ⌊j·n/o⌋ (j = 1 … o)
    plus one for each j where o does not divide j·n (all but g = gcd(n, o) of them); the floors of both
    sums cancel but for the last term, ⌊o·n/o⌋ = n: the total is n + o − g.
    """
    return size + out - gcd(size, out)


def adaptive_window(size: int, out: int) -> int:
    """The longest of those windows (what one output reads, for receptive fields), in closed form.

    With i·n = q·o + r, window i has length ⌈(r + n) / o⌉; the remainders r are the multiples of
    g = gcd(n, o) below o, so the longest is ⌈(n + o − g) / o⌉.
    """
    return -(-(size + out - gcd(size, out)) // out)


class AdaptivePool(LayerKind):
    """A pool to a fixed output size: windows of varying length, about n / o apart."""

    params = {"output": Param(positive_pair, doc="output size: one number or [h, w]")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (*p["output"], spatial(inputs[0], self.name)[2])

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        from fractions import Fraction

        h, w = inputs[0][0], inputs[0][1]
        oh, ow = p["output"]
        return Window((adaptive_window(h, oh), adaptive_window(w, ow)), (Fraction(h, oh), Fraction(w, ow)))


def window_elements(shape: Shape, out: Shape) -> int:
    """Input elements read over all of an adaptive pool's windows, every channel."""
    h, w, c = shape
    return c * adaptive_windows(h, out[0]) * adaptive_windows(w, out[1])


@register
class AdaptiveAvgPool(AdaptivePool):
    name = "adaptive_avg_pool"
    summary = "average pooling to a fixed output size (PyTorch AdaptiveAvgPool2d)"

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=window_elements(inputs[0], out))  # per output: window − 1 adds and one divide

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("AdaptiveAvgPool2d", (p["output"],))]


@register
class AdaptiveMaxPool(AdaptivePool):
    name = "adaptive_max_pool"
    summary = "max pooling to a fixed output size (PyTorch AdaptiveMaxPool2d)"

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=window_elements(inputs[0], out) - elements(out))  # window − 1 comparisons per output

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("AdaptiveMaxPool2d", (p["output"],))]
