"""Normalization: batch, layer, group and instance norm, local response normalization, and a learned scale."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import SpecError
from ..symbolic import note
from .base import (
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
    fmt_shape,
    number,
    positive_int,
    register,
    spatial,
)


@register
class BatchNorm(LayerKind):
    name = "batch_norm"
    summary = "batch normalization over channels (inference: y = a·x + b per channel)"
    params = {"epsilon": Param(number(0.0), 1e-5, "added to the variance; no effect on costs")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        channels = out[-1]
        # γ, β trainable; running mean and variance are state, not parameters (as Keras reports)
        return Cost(
            params=note(2 * channels, "batch norm γ, β"),
            non_trainable=note(2 * channels, "running mean, variance"),
            other_ops=note(2 * elements(out), "batch norm: a·x + b"),
        )

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("BatchNorm2d" if len(out) == 3 else "BatchNorm1d", (out[-1],), {"eps": p["epsilon"]})]


@register
class LocalResponseNorm(LayerKind):
    name = "lrn"
    summary = "local response normalization across `size` neighbouring channels (AlexNet)"
    params = {
        "size": Param(positive_int, 5, "channels in the normalization window n"),
        "alpha": Param(number(), 1e-4, "α; no effect on costs"),
        "beta": Param(number(), 0.75, "β; no effect on costs"),
        "k": Param(number(), 2.0, "k; no effect on costs"),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        spatial(inputs[0], self.name)  # across the channels of each position: PyTorch and TensorFlow refuse a vector
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        # per element: n squares and n − 1 adds for the window sum, then ·α/n, +k, ^β and a divide
        return Cost(other_ops=(2 * p["size"] + 3) * elements(out))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("LocalResponseNorm", (p["size"],), {"alpha": p["alpha"], "beta": p["beta"], "k": p["k"]})]


def normalize_cost(p: Params, out: Shape, groups: int) -> Cost:
    """Normalising ``elements(out)`` values in ``groups`` groups of n by their own mean and variance.

    Per group: the mean n (n − 1 adds, a divide), centring n, the variance 2n (squares, n − 1 adds, a
    divide), ε and the square root 2, normalising n divides: 5 per element + 2 per group; the affine
    γ·x + β (one γ and β per channel) 2 per element more.
    """
    values = elements(out)
    other = note(5 * values, "mean, centre, variance, normalise") + note(2 * groups, "ε and √ per group")
    if not p["affine"]:
        return Cost(other_ops=other)
    channels = out[-1]
    return Cost(params=note(2 * channels, "γ, β"), other_ops=other + note(2 * values, "γ·x + β"))


EPSILON = Param(number(0.0), 1e-5, "added to the variance; no effect on costs")


def affine(default: bool) -> Param:
    return Param(boolean, default, "learn a scale γ and a shift β per channel")


@register
class LayerNorm(LayerKind):
    name = "layer_norm"
    summary = "layer normalization over the channels at each position (ConvNeXt's channels-last nn.LayerNorm)"
    params = {"epsilon": EPSILON, "affine": affine(True)}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return normalize_cost(p, out, elements(out[:-1]))  # one group per position: its C channels

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        kwargs = {"eps": p["epsilon"], "elementwise_affine": p["affine"]}
        return [Part("ChannelsLastLayerNorm" if len(out) == 3 else "LayerNorm", (out[-1],), kwargs)]


@register
class GroupNorm(LayerKind):
    name = "group_norm"
    summary = "group normalization: the channels in `groups` groups, each normalized over its channels and positions"
    params = {
        "groups": Param(positive_int, doc="number of channel groups G"),
        "epsilon": EPSILON,
        "affine": affine(True),
    }

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        channels = inputs[0][-1]
        if channels % p["groups"]:
            raise SpecError(
                f"{channels} channels do not divide into {p['groups']} groups", expected="groups dividing the channels"
            )
        if elements(inputs[0]) == p["groups"]:  # PyTorch refuses it: "Expected more than 1 value per channel"
            raise SpecError(
                f"group_norm of {fmt_shape(inputs[0])} in {p['groups']} groups: each group's mean and variance "
                "would be of one value",
                expected="groups of more than one value (fewer groups, or a larger input)",
            )
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return normalize_cost(p, out, p["groups"])

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return None if len(out) != 3 else WHOLE_INPUT  # the statistics of a group span every position

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("GroupNorm", (p["groups"], out[-1]), {"eps": p["epsilon"], "affine": p["affine"]})]


@register
class InstanceNorm(LayerKind):
    name = "instance_norm"
    summary = "instance normalization: each channel normalized over its own H×W positions (nn.InstanceNorm2d)"
    params = {"epsilon": EPSILON, "affine": affine(False)}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        h, w, _ = spatial(inputs[0], self.name)
        if h * w == 1:  # PyTorch refuses it: "Expected more than 1 spatial element"
            raise SpecError(
                "instance_norm of a 1×1 input: each channel's mean and variance would be of one value",
                expected="an input of more than one position",
                hint="normalise before the global pool",
            )
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return normalize_cost(p, out, out[-1])  # one group per channel

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        return WHOLE_INPUT  # the mean and variance of a channel span every position

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("InstanceNorm2d", (out[-1],), {"eps": p["epsilon"], "affine": p["affine"]})]


@register
class LayerScale(LayerKind):
    name = "layer_scale"
    summary = "a learned scale per channel, y = γ_c·x (ConvNeXt's layer scale)"
    params = {"init": Param(number(), 1e-6, "the initial γ; no effect on costs")}

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        return Cost(params=note(out[-1], "γ per channel"), other_ops=note(elements(out), "γ·x"))

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        return [Part("LayerScale", (out[-1],), {"init": p["init"]})]
