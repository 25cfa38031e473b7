"""Layers that reshape, select or resample without learned weights."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SpecError
from .base import (
    GEOMETRY,
    Cost,
    LayerKind,
    Param,
    Params,
    Part,
    Shape,
    Window,
    choice,
    elements,
    non_negative_int,
    number,
    padding,
    positive_int,
    positive_pair,
    register,
    spatial,
    with_geometry,
)


class Free(LayerKind):
    """A layer that computes nothing (the output is the input, moved or reshaped)."""

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost()


@register
class NetworkInput(Free):
    name = "input"
    summary = "the network input (added by costcalc, not written in specs)"
    min_inputs, max_inputs = 0, 0
    internal = True
    view = True  # given to the network: its readers read it, nothing is written


@register
class Identity(Free):
    name = "identity"
    summary = "passes its input through unchanged"
    in_place = True
    view = True

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Identity")]


@register
class Dropout(Free):
    name = "dropout"
    summary = "dropout: inactive at inference, so no cost"
    in_place = True
    view = True
    params = {"rate": Param(number(0.0, 1.0), 0.5, "fraction dropped while training")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Dropout", (p["rate"],))]


@register
class StochasticDepth(Free):
    name = "stochastic_depth"
    summary = "drop path (torchvision StochasticDepth): drops a residual branch while training; identity at inference"
    in_place = True
    view = True
    params = {
        "rate": Param(number(0.0, 1.0), doc="probability of dropping the branch while training; no effect on costs"),
        "mode": Param(choice("row", "batch"), "row", "drop per sample (row) or for the whole batch (batch)"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("StochasticDepth", (p["rate"],), {"mode": p["mode"]})]


@register
class Flatten(Free):
    name = "flatten"
    summary = "H×W×C → a flat vector of H·W·C"
    in_place = True  # a view of its input
    view = True

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return (elements(inputs[0]),)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("Flatten")]


@register
class ZeroPad(Free):
    name = "zero_pad"
    summary = "pad with zeros around the image"
    params = {"padding": Param(padding(()), doc="p, [h, w] or [top, bottom, left, right]")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        top, bottom, left, right = p["padding"]
        return (h + top + bottom, w + left + right, c)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        top, _, left, _ = p["padding"]
        return Window(offset=(-top, -left))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        top, bottom, left, right = p["padding"]
        return [Part("ZeroPad2d", ((left, right, top, bottom),))]


@register
class ChannelSlice(Free):
    name = "channel_slice"
    summary = "channels start ≤ c < stop of the input, every step-th (x[..., start:stop:step])"
    view = True  # a strided view (x[:, start:stop:step]): its reader reads only the slice
    params = {
        "start": Param(non_negative_int, 0, "first channel kept (from 0)"),
        "stop": Param(positive_int, doc="one past the last channel kept"),
        "step": Param(positive_int, 1, "keep every step-th channel from start (Swin's patch merging: 2)"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        channels = inputs[0][-1]
        start, stop = p["start"], p["stop"]
        if not start < stop <= channels:
            raise SpecError(
                f"slice {start}:{stop} of {channels} channels",
                expected=f"0 ≤ start < stop ≤ {channels}",
            )
        return (*inputs[0][:-1], len(range(start, stop, p["step"])))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        if p["step"] == 1:
            return [Part("ChannelSlice", (p["start"], p["stop"]))]
        return [Part("ChannelSlice", (p["start"], p["stop"], p["step"]))]


@register
class ChannelSplit(Free):
    name = "channel_split"
    summary = "part `index` of the channels split into `parts` equal parts (ShuffleNet v2)"
    view = True
    params = {
        "parts": Param(positive_int, 2, "number of equal parts"),
        "index": Param(non_negative_int, doc="which part, from 0"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        channels = inputs[0][-1]
        parts, index = p["parts"], p["index"]
        if channels % parts:
            raise SpecError(
                f"{channels} channels do not split into {parts} equal parts", expected=f"parts dividing {channels}"
            )
        if index >= parts:
            raise SpecError(f"index {index} of {parts} parts", expected=f"index < {parts}")
        return (*inputs[0][:-1], channels // parts)

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        width = out[-1]
        return [Part("ChannelSlice", (p["index"] * width, (p["index"] + 1) * width))]


@register
class ChannelShuffle(Free):
    name = "channel_shuffle"
    summary = "interleave channels across groups (ShuffleNet)"
    params = {"groups": Param(positive_int, doc="number of groups")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        channels = spatial(inputs[0], self.name)[2]  # groups of channels at each position (PyTorch refuses a vector)
        if channels % p["groups"]:
            raise SpecError(
                f"{channels} channels do not divide into {p['groups']} groups", expected="groups dividing the channels"
            )
        return inputs[0]

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("ChannelShuffle", (p["groups"],))]


@register
class Upsample(LayerKind):
    name = "upsample"
    summary = "resize by an integer scale or to a size, nearest or bilinear"
    params = {
        "scale": Param(positive_pair, None, "integer factor: one number or [h, w]"),
        "size": Param(positive_pair, None, "output size [h, w] (instead of scale)"),
        "mode": Param(choice("nearest", "bilinear"), "nearest", "nearest or bilinear"),
    }
    BILINEAR_OPS = 7  # per output element: 4 weighted samples = 4 multiplies + 3 adds

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        if (p["scale"] is None) == (p["size"] is None):
            raise SpecError("upsample needs exactly one of scale and size", expected="scale: 2 or size: [h, w]")
        if p["size"] is not None:
            return (*p["size"], c)
        sh, sw = p["scale"]
        return (h * sh, w * sw, c)

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(other_ops=self.BILINEAR_OPS * elements(out) if p["mode"] == "bilinear" else 0)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        # nearest reads one input, bilinear two neighbours per axis; outputs step 1/scale of an input apart
        from fractions import Fraction

        taps = 2 if p["mode"] == "bilinear" else 1
        return Window((taps, taps), (Fraction(inputs[0][0], out[0]), Fraction(inputs[0][1], out[1])))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        kwargs: dict = {"mode": p["mode"]}
        if p["size"] is not None:
            kwargs["size"] = p["size"]
        else:
            kwargs["scale_factor"] = tuple(float(s) for s in p["scale"])
        if p["mode"] == "bilinear":
            kwargs["align_corners"] = False
        return [Part("Upsample", (), kwargs)]


def centre(size: int, target: int) -> tuple[int, int]:
    """Cuts before and after that keep the middle ``target`` of ``size``: the odd pixel is cut after."""
    before = (size - target) // 2
    return before, size - target - before


@register
class Crop(Free):
    name = "crop"
    summary = "cut the borders: a centre crop to a size or to another input's size (U-Net's skips), or given amounts"
    min_inputs, max_inputs = 1, 2
    view = True  # a strided view of its first input (x[..., t:b, l:r]); its reader reads only the crop
    params = {
        "size": Param(positive_pair, None, "centre crop to [h, w]"),
        "cropping": Param(padding(()), None, "cut p, [h, w] or [top, bottom, left, right] pixels"),
    }

    def resolve(self, p: Params, inputs: Sequence[Shape]) -> Params:
        h, w, _ = spatial(inputs[0], self.name)
        given = [p["size"] is not None, p["cropping"] is not None, len(inputs) == 2]
        if sum(given) != 1:
            raise SpecError(
                "crop needs exactly one of size, cropping and a second input",
                expected="size: [h, w], cropping: [top, bottom, left, right], or inputs: [tensor, like]",
            )
        if p["cropping"] is not None:
            cuts = p["cropping"]
        else:
            target = p["size"] if p["size"] is not None else spatial(inputs[1], self.name)[:2]
            if target[0] > h or target[1] > w:
                raise SpecError(
                    f"cannot crop {h}×{w} to {target[0]}×{target[1]}", expected=f"a size no larger than {h}×{w}"
                )
            cuts = (*centre(h, target[0]), *centre(w, target[1]))
        if cuts[0] + cuts[1] >= h or cuts[2] + cuts[3] >= w:
            raise SpecError(f"cropping {list(cuts)} leaves nothing of {h}×{w}", expected="smaller cuts")
        return with_geometry(p, cuts)

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        top, bottom, left, right = p[GEOMETRY]
        return (h - top - bottom, w - left - right, c)

    def data_inputs(self, p: Params, count: int) -> range:
        return range(1)  # a second input gives the size only

    def notes(self, p: Params) -> list[str]:
        if p["cropping"] is not None:
            return []
        top, bottom, left, right = p[GEOMETRY]
        return [
            f"centre crop: {top} top, {bottom} bottom, {left} left, {right} right cut (an odd pixel is cut at the"
            " bottom/right)"
        ]

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        top, _, left, _ = p[GEOMETRY]
        return Window(offset=(top, left))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        top, _, left, _ = p[GEOMETRY]
        return [Part("Crop", (top, left, out[0], out[1]))]


@register
class PixelShuffle(Free):
    name = "pixel_shuffle"
    summary = "sub-pixel upsampling (nn.PixelShuffle): H×W×C·r² → H·r×W·r×C"
    params = {"factor": Param(positive_int, doc="the upscale factor r")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        r = p["factor"]
        if c % (r * r):
            raise SpecError(
                f"{c} channels are not a multiple of r² = {r * r}", expected=f"channels divisible by {r * r}"
            )
        return (h * r, w * r, c // (r * r))

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        from fractions import Fraction

        step = Fraction(1, p["factor"])  # r outputs per input pixel, each reading that one pixel
        return Window(stride=(step, step))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("PixelShuffle", (p["factor"],))]


@register
class PixelUnshuffle(Free):
    name = "pixel_unshuffle"
    summary = "space to depth (nn.PixelUnshuffle): H×W×C → H/r×W/r×C·r²"
    params = {"factor": Param(positive_int, doc="the downscale factor r")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, c = spatial(inputs[0], self.name)
        r = p["factor"]
        if h % r or w % r:
            raise SpecError(
                f"{h}×{w} does not divide into {r}×{r} blocks", expected=f"height and width divisible by {r}"
            )
        return (h // r, w // r, c * r * r)

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        r = p["factor"]
        return Window((r, r), (r, r))  # one output position holds an r×r block

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("PixelUnshuffle", (p["factor"],))]
