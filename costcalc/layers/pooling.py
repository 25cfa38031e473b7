"""Pooling: windowed max/average, global and adaptive pools."""

from __future__ import annotations

from collections.abc import Sequence

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
from .windows import SlidingWindow

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
        return (*self.slide(p, inputs, p["ceil_mode"]), c)


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
    """Sum of the window lengths PyTorch's adaptive pools use along one axis.

    Window i covers [⌊i·n/o⌋, ⌈(i+1)·n/o⌉).
    """
    return sum(-(-((i + 1) * size) // out) - (i * size) // out for i in range(out))


def adaptive_window(size: int, out: int) -> int:
    """The longest of those windows (what one output reads, for receptive fields)."""
    return max(-(-((i + 1) * size) // out) - (i * size) // out for i in range(out))


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
