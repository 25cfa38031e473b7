"""Each layer kind as PyTorch modules: a registry from kind name to the parts that build it.

A part is a module class with its arguments, so the same description both builds the module and
writes its code (`costcalc torch`). Registering a kind twice is an error; a kind without a
builder is an error when it is met, never skipped.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from ..errors import CostcalcError
from ..layers import elements
from . import modules

Shape = tuple[int, ...]


class NoTorchEquivalent(CostcalcError):
    """A layer PyTorch cannot express as costcalc counts it (CLI exit code 2)."""


@dataclass(frozen=True)
class Part:
    cls: str  # a torch.nn class, or a class of costcalc.torch.modules
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    @property
    def helper(self) -> bool:
        return hasattr(modules, self.cls)

    def build(self) -> nn.Module:
        factory = getattr(modules, self.cls) if self.helper else getattr(nn, self.cls)
        return factory(*self.args, **self.kwargs)

    def code(self) -> str:
        """The constructor call, as a person would write it: [h, w] pairs that agree as one number, and
        keyword arguments left out where they are the class's defaults."""
        factory = getattr(modules, self.cls) if self.helper else getattr(nn, self.cls)
        defaults = {name: p.default for name, p in inspect.signature(factory).parameters.items()}
        args = [repr(_plain(a)) for a in self.args]
        args += [f"{k}={_plain(v)!r}" for k, v in self.kwargs.items() if _plain(v) != defaults.get(k, _MISSING)]
        return f"{'' if self.helper else 'nn.'}{self.cls}({', '.join(args)})"


_MISSING = object()


def _plain(value: Any) -> Any:
    """(3, 3) -> 3: PyTorch takes one number for both axes."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        return value[0]
    return value


Builder = Callable[[dict[str, Any], Sequence[Shape], Shape], list[Part]]
BUILDERS: dict[str, Builder] = {}


def builder(*kinds: str) -> Callable[[Builder], Builder]:
    def register(function: Builder) -> Builder:
        for kind in kinds:
            if kind in BUILDERS:
                raise RuntimeError(f"a PyTorch builder for '{kind}' is registered twice")
            BUILDERS[kind] = function
        return function

    return register


def parts_for(kind: str, params: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    if kind not in BUILDERS:
        raise NoTorchEquivalent(f"no PyTorch module for layer kind '{kind}'")
    return BUILDERS[kind](params, inputs, out)


# ---------------------------------------------------------------- padding


def _padding(params: dict[str, Any], size: tuple[int, int], window: tuple[int, int], stride: tuple[int, int]):
    """(parts before the layer, the layer's own padding argument): symmetric padding stays in the layer;
    uneven padding ('same' with an odd total, or four values) becomes a ZeroPad2d in front."""
    from ..layers.windows import resolve_padding

    top, bottom, left, right = resolve_padding(params["padding"], size, window, stride)
    if top == bottom and left == right:
        return [], (top, left)
    return [Part("ZeroPad2d", ((left, right, top, bottom),))], (0, 0)


def _window(params: dict[str, Any]) -> tuple[int, int]:
    from ..layers.windows import span

    dilation = params.get("dilation") or (1, 1)
    kernel = params["kernel"]
    return (span(kernel[0], dilation[0]), span(kernel[1], dilation[1]))


def _fused(params: dict[str, Any], out: Shape) -> list[Part]:
    parts = []
    if params.get("bn"):
        parts.append(Part("BatchNorm2d" if len(out) == 3 else "BatchNorm1d", (out[-1],)))
    activation = params.get("activation")
    if activation:
        parts += ACTIVATIONS[activation]({}, [out], out)
    return parts


# ---------------------------------------------------------------- convolutions and fc


@builder("conv")
def _conv(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, c = inputs[0]
    pad_parts, padding = _padding(p, (h, w), _window(p), p["stride"])
    conv = Part(
        "Conv2d",
        (c, p["filters"], p["kernel"]),
        {
            "stride": p["stride"],
            "padding": padding,
            "dilation": p["dilation"],
            "groups": p["groups"],
            "bias": p["bias"],
        },
    )
    return [*pad_parts, conv, *_fused(p, out)]


@builder("depthwise_conv")
def _depthwise(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, c = inputs[0]
    pad_parts, padding = _padding(p, (h, w), _window(p), p["stride"])
    conv = Part(
        "Conv2d",
        (c, c * p["multiplier"], p["kernel"]),
        {"stride": p["stride"], "padding": padding, "dilation": p["dilation"], "groups": c, "bias": p["bias"]},
    )
    return [*pad_parts, conv, *_fused(p, out)]


@builder("separable_conv")
def _separable(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, c = inputs[0]
    middle = c * p["multiplier"]
    pad_parts, padding = _padding(p, (h, w), _window(p), p["stride"])
    depthwise = Part(
        "Conv2d",
        (c, middle, p["kernel"]),
        {"stride": p["stride"], "padding": padding, "dilation": p["dilation"], "groups": c, "bias": False},
    )
    pointwise = Part("Conv2d", (middle, p["filters"], 1), {"bias": p["bias"]})
    return [*pad_parts, depthwise, pointwise, *_fused(p, out)]


@builder("conv_transpose")
def _transpose(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, c = inputs[0]
    top, bottom, left, right = p["padding"]
    if top != bottom or left != right:
        raise NoTorchEquivalent("ConvTranspose2d takes only symmetric padding; this layer's is uneven")
    conv = Part(
        "ConvTranspose2d",
        (c, p["filters"], p["kernel"]),
        {
            "stride": p["stride"],
            "padding": (top, left),
            "output_padding": p["output_padding"],
            "groups": p["groups"],
            "bias": p["bias"],
            "dilation": p["dilation"],
        },
    )
    return [conv, *_fused(p, out)]


@builder("fc")
def _fc(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    flatten = [Part("Flatten")] if len(inputs[0]) > 1 else []
    return [*flatten, Part("Linear", (elements(inputs[0]), p["units"]), {"bias": p["bias"]}), *_fused(p, out)]


# ---------------------------------------------------------------- pools


@builder("max_pool")
def _max_pool(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, _ = inputs[0]
    stride = p["stride"] or p["kernel"]
    pad_parts, padding = _padding(p, (h, w), _window(p), stride)
    return [
        *pad_parts,
        Part(
            "MaxPool2d",
            (p["kernel"],),
            {"stride": stride, "padding": padding, "dilation": p["dilation"], "ceil_mode": p["ceil_mode"]},
        ),
    ]


@builder("avg_pool")
def _avg_pool(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    h, w, _ = inputs[0]
    stride = p["stride"] or p["kernel"]
    pad_parts, padding = _padding(p, (h, w), _window(p), stride)
    return [
        *pad_parts,
        Part("AvgPool2d", (p["kernel"],), {"stride": stride, "padding": padding, "ceil_mode": p["ceil_mode"]}),
    ]


builder("global_avg_pool")(lambda p, inputs, out: [Part("AdaptiveAvgPool2d", (1,))])
builder("global_max_pool")(lambda p, inputs, out: [Part("AdaptiveMaxPool2d", (1,))])
builder("adaptive_avg_pool")(lambda p, inputs, out: [Part("AdaptiveAvgPool2d", (p["output"],))])
builder("adaptive_max_pool")(lambda p, inputs, out: [Part("AdaptiveMaxPool2d", (p["output"],))])

# ---------------------------------------------------------------- normalization, shape, merges

builder("batch_norm")(
    lambda p, inputs, out: [Part("BatchNorm2d" if len(out) == 3 else "BatchNorm1d", (out[-1],), {"eps": p["epsilon"]})]
)
builder("lrn")(
    lambda p, inputs, out: [
        Part("LocalResponseNorm", (p["size"],), {"alpha": p["alpha"], "beta": p["beta"], "k": p["k"]})
    ]
)
builder("dropout")(lambda p, inputs, out: [Part("Dropout", (p["rate"],))])
builder("flatten")(lambda p, inputs, out: [Part("Flatten")])
builder("identity")(lambda p, inputs, out: [Part("Identity")])
builder("zero_pad")(
    lambda p, inputs, out: [Part("ZeroPad2d", ((p["padding"][2], p["padding"][3], p["padding"][0], p["padding"][1]),))]
)
builder("add")(lambda p, inputs, out: [Part("Add")])
builder("multiply")(lambda p, inputs, out: [Part("Multiply")])
builder("concat")(lambda p, inputs, out: [Part("Concat")])
builder("channel_slice")(lambda p, inputs, out: [Part("ChannelSlice", (p["start"], p["stop"]))])
builder("channel_split")(
    lambda p, inputs, out: [Part("ChannelSlice", (p["index"] * out[-1], (p["index"] + 1) * out[-1]))]
)
builder("channel_shuffle")(lambda p, inputs, out: [Part("ChannelShuffle", (p["groups"],))])


@builder("upsample")
def _upsample(p: dict[str, Any], inputs: Sequence[Shape], out: Shape) -> list[Part]:
    kwargs: dict[str, Any] = {"mode": p["mode"]}
    if p["size"] is not None:
        kwargs["size"] = p["size"]
    else:
        kwargs["scale_factor"] = tuple(float(s) for s in p["scale"])
    if p["mode"] == "bilinear":
        kwargs["align_corners"] = False
    return [Part("Upsample", (), kwargs)]


# ---------------------------------------------------------------- activations

ACTIVATIONS: dict[str, Builder] = {
    "relu": lambda p, inputs, out: [Part("ReLU")],
    "relu6": lambda p, inputs, out: [Part("ReLU6")],
    "leaky_relu": lambda p, inputs, out: [Part("LeakyReLU", (p.get("slope", 0.01),))],
    "prelu": lambda p, inputs, out: [Part("PReLU", (), {"num_parameters": 1 if p.get("shared") else out[-1]})],
    "sigmoid": lambda p, inputs, out: [Part("Sigmoid")],
    "tanh": lambda p, inputs, out: [Part("Tanh")],
    "hard_sigmoid": lambda p, inputs, out: [Part("Hardsigmoid")],
    "hard_swish": lambda p, inputs, out: [Part("Hardswish")],
    "silu": lambda p, inputs, out: [Part("SiLU")],
    "gelu": lambda p, inputs, out: [Part("GELU")],
    "softmax": lambda p, inputs, out: [Part("Softmax", (), {"dim": 1})],
}
for _name, _build in ACTIVATIONS.items():
    builder(_name)(_build)


# ---------------------------------------------------------------- the kinds added for ONNX models

from ..onnx import torch_parts as _onnx_parts  # noqa: E402

for _helper in _onnx_parts.HELPERS:  # found by name like the helpers of costcalc.torch.modules
    setattr(modules, _helper.__name__, _helper)
for _name, _build in _onnx_parts.parts(lambda cls, args=(), kwargs=None: Part(cls, args, kwargs or {})).items():
    builder(_name)(_build)
