"""Convolutions: standard and grouped, depthwise, depthwise-separable and transposed."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SpecError
from ..symbolic import note
from .base import (
    FUSED_PARAMS,
    Access,
    Cost,
    LayerKind,
    Param,
    Params,
    Shape,
    Window,
    boolean,
    fused_cost,
    non_negative_pair,
    padding,
    positive_int,
    positive_pair,
    register,
    spatial,
)
from .windows import resolve_padding, slide, span

WINDOW_PARAMS: dict[str, Param] = {
    "kernel": Param(positive_pair, doc="kernel size f: one number or [h, w]"),
    "stride": Param(positive_pair, 1, "stride s: one number or [h, w]"),
    "padding": Param(padding(), 0, "'valid' (= 0), 'same', p, [h, w] or [top, bottom, left, right]"),
    "dilation": Param(positive_pair, 1, "spacing between kernel taps"),
}
BIAS = {"bias": Param(boolean, True, "add a learned bias per output channel")}


def kernel_spans(p: Params) -> tuple[int, int]:
    """Input pixels the (dilated) kernel covers, per axis."""
    kernel, dilation = p["kernel"], p["dilation"]
    return (span(kernel[0], dilation[0]), span(kernel[1], dilation[1]))


def conv_window(p: Params, h: int, w: int) -> tuple[int, int]:
    """Output (H, W) of a convolution window over an h×w input."""
    window, stride = kernel_spans(p), p["stride"]
    pad = resolve_padding(p["padding"], (h, w), window, stride)
    return slide("kernel", (h, w), window, stride, pad, kernel=p["kernel"])


class Convolution(LayerKind):
    """A convolution kind: its breakdown row also names the kernel, as MobileNet's Table 2 does."""

    def group(self, p: Params) -> str:
        kh, kw = p["kernel"]
        return f"{self.name} {kh}×{kw}"

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        spans = kernel_spans(p)
        top, _, left, _ = resolve_padding(p["padding"], inputs[0][:2], spans, p["stride"])
        return Window(spans, p["stride"], (-top, -left))


def bias_cost(p: Params, out_channels: int, positions: int) -> Cost:
    """A bias is one parameter per output channel and one add per output element."""
    if not p["bias"]:
        return Cost()
    return Cost(params=note(out_channels, "bias"), other_ops=note(positions * out_channels, "bias adds"))


def check_groups(channels: int, filters: int, groups: int) -> None:
    if channels % groups or filters % groups:
        raise SpecError(
            f"groups {groups} must divide both input channels {channels} and filters {filters}",
            expected="channels and filters divisible by groups",
        )


def per_group(channels: int, groups: int) -> int:
    return channels if groups == 1 else channels // groups


@register
class Conv(Convolution):
    name = "conv"
    summary = "2-D convolution (grouped with groups > 1)"
    params = {
        "filters": Param(positive_int, doc="number of filters n_c' (output channels)"),
        **WINDOW_PARAMS,
        "groups": Param(positive_int, 1, "split input and output channels into this many groups"),
        **BIAS,
        **FUSED_PARAMS,
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        check_groups(c, p["filters"], p["groups"])
        return (*conv_window(p, h, w), p["filters"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, filters = out
        kh, kw = p["kernel"]
        per_output = kh * kw * per_group(inputs[0][2], p["groups"])
        macs = note(oh * ow * filters, "output positions × filters") * note(per_output, "multiplies per output")
        conv = Cost(params=per_output * filters, macs=macs)
        return conv + bias_cost(p, filters, oh * ow) + fused_cost(p, out)

    def kernels(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((kh * kw * per_group(inputs[0][2], p["groups"]) * out[2], out[2]),)


@register
class DepthwiseConv(Convolution):
    name = "depthwise_conv"
    summary = "depthwise convolution: one f×f filter per input channel (times the multiplier)"
    params = {
        **WINDOW_PARAMS,
        "multiplier": Param(positive_int, 1, "filters per input channel; output channels = C × this"),
        **BIAS,
        **FUSED_PARAMS,
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        return (*conv_window(p, h, w), c if p["multiplier"] == 1 else c * p["multiplier"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, channels = out
        kh, kw = p["kernel"]
        macs = note(oh * ow * channels, "output positions × channels") * note(kh * kw, "multiplies per output")
        conv = Cost(params=kh * kw * channels, macs=macs)
        return conv + bias_cost(p, channels, oh * ow) + fused_cost(p, out)

    def kernels(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((kh * kw * out[2], out[2]),)


@register
class SeparableConv(Convolution):
    name = "separable_conv"
    summary = "depthwise-separable convolution: depthwise f×f, then pointwise 1×1 to `filters` (Keras SeparableConv2D)"
    params = {
        "filters": Param(positive_int, doc="output channels of the pointwise 1×1 convolution"),
        **WINDOW_PARAMS,
        "multiplier": Param(positive_int, 1, "depthwise filters per input channel"),
        "bias": Param(boolean, True, "a bias on the pointwise output (as Keras)"),
        **FUSED_PARAMS,
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, _ = spatial(inputs[0], self.name)
        return (*conv_window(p, h, w), p["filters"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, filters = out
        kh, kw = p["kernel"]
        middle = inputs[0][2] if p["multiplier"] == 1 else inputs[0][2] * p["multiplier"]
        depthwise = Cost(params=kh * kw * middle, macs=note(oh * ow * middle * kh * kw, "depthwise"))
        pointwise = Cost(params=middle * filters, macs=note(oh * ow * filters * middle, "pointwise"))
        return depthwise + pointwise + bias_cost(p, filters, oh * ow) + fused_cost(p, out)

    def kernels(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        middle = inputs[0][2] * p["multiplier"]
        return ((kh * kw * middle, middle), (middle * out[2], out[2]))

    def access(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Access:
        # two kernels: the depthwise output is written to memory and read back by the pointwise conv
        oh, ow, _ = out
        middle = oh * ow * inputs[0][2] * p["multiplier"]
        plain = super().access(p, inputs, out)
        return Access(plain.reads + middle, plain.writes + middle, plain.kernels, plain.bias, plain.fused_norm)


@register
class ConvTranspose(Convolution):
    name = "conv_transpose"
    summary = "transposed convolution (PyTorch ConvTranspose2d): upsamples by the stride"
    params = {
        "filters": Param(positive_int, doc="output channels"),
        "kernel": WINDOW_PARAMS["kernel"],
        "stride": WINDOW_PARAMS["stride"],
        "padding": Param(padding(("valid",)), 0, "removed from the output: p, [h, w] or [top, bottom, left, right]"),
        "output_padding": Param(non_negative_pair, 0, "extra rows/columns added on the bottom/right"),
        "dilation": WINDOW_PARAMS["dilation"],
        "groups": Param(positive_int, 1, "channel groups"),
        **BIAS,
        **FUSED_PARAMS,
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        check_groups(c, p["filters"], p["groups"])
        top, bottom, left, right = p["padding"]
        sizes = []
        for size, k, s, d, extra, cut in zip(
            (h, w), p["kernel"], p["stride"], p["dilation"], p["output_padding"], (top + bottom, left + right)
        ):
            if extra >= max(s, d):
                raise SpecError(
                    f"output_padding {extra} is not smaller than stride {s} or dilation {d}",
                    expected="output_padding < max(stride, dilation)",
                )
            sizes.append((size - 1) * s - cut + span(k, d) + extra)
        if min(sizes) < 1:
            raise SpecError(
                f"padding {p['padding']} removes the whole output ({sizes[0]}×{sizes[1]})",
                expected="less padding",
            )
        return (sizes[0], sizes[1], p["filters"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        h, w, c = inputs[0]
        oh, ow, filters = out
        kh, kw = p["kernel"]
        per_input = kh * kw * per_group(filters, p["groups"])  # each input element is scattered to these
        macs = note(h * w * c, "input elements") * note(per_input, "multiplies per input")
        conv = Cost(params=c * per_input, macs=macs)
        return conv + bias_cost(p, filters, oh * ow) + fused_cost(p, out)

    def kernels(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((inputs[0][2] * kh * kw * per_group(out[2], p["groups"]), out[2]),)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        # the linear estimate: output o reads the inputs i with i·s ≤ o + p ≤ i·s + d·(f − 1), at most
        # ⌈span / s⌉ of them, starting near (p − span + 1) / s
        from fractions import Fraction

        spans, stride, pad = kernel_spans(p), p["stride"], p["padding"]
        return Window(
            (-(-spans[0] // stride[0]), -(-spans[1] // stride[1])),
            (Fraction(1, stride[0]), Fraction(1, stride[1])),
            (Fraction(pad[0] - spans[0] + 1, stride[0]), Fraction(pad[2] - spans[1] + 1, stride[1])),
        )
