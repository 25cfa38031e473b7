"""Convolutions: standard and grouped, depthwise, depthwise-separable and transposed."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import CostcalcError, SpecError
from ..symbolic import leaf, note
from .base import (
    FUSED_PARAMS,
    GEOMETRY,
    KINDS,
    Access,
    Cost,
    NoTorchEquivalent,
    Param,
    Params,
    Part,
    Shape,
    Window,
    boolean,
    fused_cost,
    fused_parts,
    non_negative_pair,
    padding,
    positive_int,
    positive_pair,
    register,
    spatial,
)
from .windows import SlidingWindow, fmt_padding

WINDOW_PARAMS: dict[str, Param] = {
    "kernel": Param(positive_pair, doc="kernel size f: one number or [h, w]"),
    "stride": Param(positive_pair, 1, "stride s: one number or [h, w]"),
    "padding": Param(padding(), 0, "'valid' (= 0), 'same', p, [h, w] or [top, bottom, left, right]"),
    "dilation": Param(positive_pair, 1, "spacing between kernel taps"),
}
BIAS = {"bias": Param(boolean, True, "add a learned bias per output channel")}


class Convolution(SlidingWindow):
    """A convolution kind: its breakdown row also names the kernel, as MobileNet's Table 2 does."""

    def group(self, p: Params) -> str:
        return f"{self.name} {'×'.join(str(k) for k in p['kernel'])}"

    def ungrouped(self, p: Params) -> bool:
        """Every filter reads every input channel (a plain convolution): what explain's bottleneck note needs."""
        return False

    def plain_conv_macs(self, p: Params, source: Shape, filters: int, out: Shape) -> object | None:
        """The MACs, with their formula, of a plain conv with this layer's window (kernel, stride, padding,
        dilation) and ``filters`` filters on a ``source``-shaped input: the conv kind's own rule, so a
        comparison cannot disagree with what analyze would count for that conv. None unless its output
        is ``out`` (the shape of what it would replace)."""
        conv = KINDS["conv"]
        g = p[GEOMETRY]
        window = {"kernel": g.kernel, "stride": g.stride, "padding": g.padding, "dilation": g.dilation}
        try:
            params = conv.resolve({**conv.defaults(), **window, "filters": filters}, [source])
            symbolic = {key: leaf(value) for key, value in params.items()}
            inputs = [leaf(source)]
            if tuple(int(d) for d in conv.output_shape(symbolic, inputs)) != out:
                return None
        except CostcalcError:
            return None
        return conv.cost(symbolic, inputs, leaf(out)).macs

    def torch_conv(self, p: Params, inputs: Sequence[Shape], out_channels: int, groups: int, bias: bool) -> list[Part]:
        """Conv2d with this layer's window (a ZeroPad2d in front when the padding is uneven)."""
        g = p[GEOMETRY]
        pad_parts, pad = g.torch_padding()
        kwargs = {"stride": g.stride, "padding": pad, "dilation": g.dilation, "groups": groups, "bias": bias}
        return [*pad_parts, Part("Conv2d", (inputs[0][2], out_channels, g.kernel), kwargs)]


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
        c = spatial(inputs[0], self.name)[2]
        check_groups(c, p["filters"], p["groups"])
        return (*self.slide(p, inputs), p["filters"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, filters = out
        kh, kw = p["kernel"]
        per_output = kh * kw * per_group(inputs[0][2], p["groups"])
        macs = note(oh * ow * filters, "output positions × filters") * note(per_output, "multiplies per output")
        conv = Cost(params=per_output * filters, macs=macs)
        return conv + bias_cost(p, filters, oh * ow) + fused_cost(p, out)

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((kh * kw * per_group(inputs[0][2], p["groups"]) * out[2], out[2]),)

    def ungrouped(self, p: Params) -> bool:
        return p["groups"] == 1

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [*self.torch_conv(p, inputs, p["filters"], p["groups"], p["bias"]), *fused_parts(p, out)]


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
        c = spatial(inputs[0], self.name)[2]
        return (*self.slide(p, inputs), c if p["multiplier"] == 1 else c * p["multiplier"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, channels = out
        kh, kw = p["kernel"]
        macs = note(oh * ow * channels, "output positions × channels") * note(kh * kw, "multiplies per output")
        conv = Cost(params=kh * kw * channels, macs=macs)
        return conv + bias_cost(p, channels, oh * ow) + fused_cost(p, out)

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((kh * kw * out[2], out[2]),)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        c = inputs[0][2]
        return [*self.torch_conv(p, inputs, c * p["multiplier"], c, p["bias"]), *fused_parts(p, out)]


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
        spatial(inputs[0], self.name)
        return (*self.slide(p, inputs), p["filters"])

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        oh, ow, filters = out
        kh, kw = p["kernel"]
        middle = inputs[0][2] if p["multiplier"] == 1 else inputs[0][2] * p["multiplier"]
        depthwise = Cost(params=kh * kw * middle, macs=note(oh * ow * middle * kh * kw, "depthwise"))
        pointwise = Cost(params=middle * filters, macs=note(oh * ow * filters * middle, "pointwise"))
        return depthwise + pointwise + bias_cost(p, filters, oh * ow) + fused_cost(p, out)

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        middle = inputs[0][2] * p["multiplier"]
        return ((kh * kw * middle, middle), (middle * out[2], out[2]))

    def access(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Access:
        # two kernels: the depthwise output is written to memory and read back by the pointwise conv
        oh, ow, _ = out
        middle = oh * ow * inputs[0][2] * p["multiplier"]
        plain = super().access(p, inputs, out)
        return Access(
            plain.reads + middle, plain.writes + middle, plain.weights, plain.bias, plain.fused_norm, plain.fused
        )

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        c = inputs[0][2]
        middle = c * p["multiplier"]
        depthwise = self.torch_conv(p, inputs, middle, c, False)
        pointwise = Part("Conv2d", (middle, p["filters"], 1), {"bias": p["bias"]})
        return [*depthwise, pointwise, *fused_parts(p, out)]


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
        g = p[GEOMETRY]
        top, bottom, left, right = g.padding
        sizes = []
        for size, s, d, extra, cut, reach in zip(
            (h, w), g.stride, g.dilation, p["output_padding"], (top + bottom, left + right), g.spans
        ):
            if extra >= max(s, d):
                raise SpecError(
                    f"output_padding {extra} is not smaller than stride {s} or dilation {d}",
                    expected="output_padding < max(stride, dilation)",
                )
            sizes.append((size - 1) * s - cut + reach + extra)
        if min(sizes) < 1:
            raise SpecError(
                f"padding {fmt_padding(g.padding)} removes the whole output (it would be {sizes[0]}×{sizes[1]})",
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

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        kh, kw = p["kernel"]
        return ((inputs[0][2] * kh * kw * per_group(out[2], p["groups"]), out[2]),)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        # the linear estimate: output o reads the inputs i with i·s ≤ o + p ≤ i·s + d·(f − 1), at most
        # ⌈span / s⌉ of them, starting near (p − span + 1) / s
        from fractions import Fraction

        g = p[GEOMETRY]
        spans, stride, pad = g.spans, g.stride, g.padding
        return Window(
            (-(-spans[0] // stride[0]), -(-spans[1] // stride[1])),
            (Fraction(1, stride[0]), Fraction(1, stride[1])),
            (Fraction(pad[0] - spans[0] + 1, stride[0]), Fraction(pad[2] - spans[1] + 1, stride[1])),
        )

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        g = p[GEOMETRY]
        top, bottom, left, right = g.padding
        if top != bottom or left != right:
            raise NoTorchEquivalent("ConvTranspose2d takes only symmetric padding; this layer's is uneven")
        kwargs = {
            "stride": g.stride,
            "padding": (top, left),
            "output_padding": p["output_padding"],
            "groups": p["groups"],
            "bias": p["bias"],
            "dilation": g.dilation,
        }
        return [Part("ConvTranspose2d", (inputs[0][2], p["filters"], g.kernel), kwargs), *fused_parts(p, out)]
