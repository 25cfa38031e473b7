"""How the PyTorch model behind a spec is written: what decides the figure a hook-based tool prints.

ptflops' and thop's figures depend on the code, not only on the network: a ReLU written as an nn.ReLU
module is seen by their module hooks, one written as F.relu in forward() is not (ptflops counts it once,
through its patch of torch.nn.functional, instead of twice); `out += identity` is an operator no hook
sees. A :class:`Structure` answers, for each layer, how each of its parts is computed (a
:class:`~costcalc.conventions.rules.Call` per role: the layer's own op, its fused batch norm and its
fused activation).

Two kinds of model:

- the one costcalc builds (``costcalc torch NAME``, costcalc.torch.build): every layer a torch.nn module
  from its kind's parts, merges with Python operators;
- the torchvision model a bundled spec follows (its ``source`` names ``torchvision.models.X``): the same,
  but for the facts listed in TORCHVISION, read from torchvision 0.29's code.

A spec that names a torchvision model this table does not describe cannot get a hook-based tool's figure:
that is an error, not a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..graph import Graph
from . import MODELS
from .rules import Call, ConventionError

# kinds whose own op costcalc.torch builds as something other than a plain torch.nn module
# (costcalc/torch/modules.py): a channels-last Linear and LayerNorm are subclasses; the merges, the scale
# and the slices are Python operators on tensors; StochasticDepth is a module of its own
_BUILT: dict[str, Call] = {
    "add": Call.OPERATOR,  # Add: out = out + x
    "multiply": Call.OPERATOR,  # Multiply: out = out * x
    "layer_scale": Call.OPERATOR,  # LayerScale: x * scale
    "concat": Call.FUNCTIONAL,  # Concat: torch.cat
    "channel_slice": Call.OPERATOR,  # ChannelSlice: x[:, a:b]
    "channel_split": Call.OPERATOR,
    "crop": Call.OPERATOR,  # Crop: x[:, :, t:b, l:r]
    "stochastic_depth": Call.HELPER,
}
_CHANNELS_LAST = {"linear": "ChannelsLastLinear", "layer_norm": "ChannelsLastLayerNorm"}

# kinds whose output keeps its input's memory layout, element by element (for a linear's input)
_KEEPS_LAYOUT = frozenset(
    {"relu", "relu6", "sigmoid", "tanh", "hard_sigmoid", "hard_swish", "silu", "gelu", "leaky_relu", "prelu"}
    | {"dropout", "identity", "stochastic_depth", "layer_scale"}
)
_VIEWS = frozenset({"crop", "channel_slice", "channel_split"})  # their outputs are strided views


@dataclass(frozen=True)
class Structure:
    """How one PyTorch model computes each layer's parts."""

    name: str  # "costcalc.torch.build" or "torchvision.models.googlenet"
    model: str  # in words, for titles
    facts: tuple[str, ...] = ()  # the structural facts assumed, in words (the docs list them)
    overrides: Mapping[tuple[str, str], Call] = field(default_factory=dict)  # (kind, role) -> Call
    linear_inputs_contiguous: bool | None = None  # declared by the model; None: worked out from the graph

    def calls(self, graph: Graph, index: int) -> dict[str, Call]:
        node = graph.nodes[index]
        out = {"layer": built_call(node.kind, node.shape), "bn": Call.MODULE, "activation": Call.MODULE}
        for role in out:
            if (node.kind, role) in self.overrides:
                out[role] = self.overrides[(node.kind, role)]
        return out

    def contiguous(self, graph: Graph, index: int) -> bool | None:
        """Whether a linear layer's input reaches PyTorch's linear contiguous once moved channels-last (PyTorch
        then does one addmm, bias included; otherwise a matmul and a separate bias add). None: not known."""
        if self.linear_inputs_contiguous is not None:
            return self.linear_inputs_contiguous
        return built_contiguous(graph, index) if self.name == BUILT else None


def built_call(kind: str, shape: tuple[int, ...]) -> Call:
    """How costcalc.torch builds a layer's own op (costcalc/torch/modules.py and each kind's torch parts)."""
    if kind in _CHANNELS_LAST and len(shape) == 3:
        return Call.SUBCLASS
    return _BUILT.get(kind, Call.MODULE)


def built_contiguous(graph: Graph, index: int) -> bool | None:
    """For costcalc's build: a ChannelsLastLinear/LayerNorm returns a permuted view of a contiguous
    channels-last tensor, which the next one permutes back to contiguous; elementwise layers keep the
    layout. With no such layer upstream every tensor is NCHW, and its channels-last permute is
    contiguous only when C or H·W is 1. Anything else (a merge of both layouts) is not known."""
    node = graph.nodes[index]
    source = graph.nodes[node.inputs[0]]
    while source.kind in _KEEPS_LAYOUT:
        source = graph.nodes[source.inputs[0]]
    if source.kind in _CHANNELS_LAST and len(source.shape) == 3:
        return True
    if _channels_last_upstream(graph, node.inputs[0]) or source.kind in _VIEWS:
        return None
    h, w, c = graph.nodes[node.inputs[0]].shape
    return c == 1 or h * w == 1


def _channels_last_upstream(graph: Graph, index: int) -> bool:
    seen, stack = set(), [index]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        node = graph.nodes[i]
        if node.kind in _CHANNELS_LAST and len(node.shape) == 3:
            return True
        stack.extend(node.inputs)
    return False


BUILT = "costcalc.torch.build"
AS_BUILT = Structure(
    BUILT,
    "the PyTorch model costcalc builds (costcalc torch SPEC)",
    (
        "every layer is a torch.nn module (nn.Sequential of conv, batch norm and activation when fused)",
        "add and multiply are Python operators (x + y, x * s) inside costcalc's Add and Multiply modules",
        "linear and layer_norm on H×W×C are costcalc's ChannelsLastLinear and ChannelsLastLayerNorm, "
        "subclasses of nn.Linear and nn.LayerNorm",
    ),
)

_RESNET = (
    "convs have no bias; nn.BatchNorm2d and one nn.ReLU module per block, called after bn1, bn2 and the add",
    "the shortcut is added with `out += identity`, an in-place operator no hook sees",
    "nn.MaxPool2d, nn.AdaptiveAvgPool2d((1, 1)), torch.flatten, nn.Linear",
)
_VGG = (
    "nn.Conv2d (with bias), nn.ReLU and nn.MaxPool2d modules; nn.AdaptiveAvgPool2d((7, 7)) (6×6 in AlexNet)",
    "torch.flatten, then nn.Linear, nn.ReLU and nn.Dropout modules",
)

# torchvision 0.29 (torchvision/models/*.py), by builder: the facts that decide what a hook sees
TORCHVISION: dict[str, Structure] = {}


def _torchvision(builders: tuple[str, ...], file: str, facts: tuple[str, ...], **overrides: Call) -> None:
    calls = {tuple(key.split(".")): call for key, call in overrides.items()}
    for builder in builders:
        TORCHVISION[builder] = Structure(
            f"torchvision.models.{builder}", f"torchvision.models.{builder} ({file})", facts, calls
        )


_torchvision(
    ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d", "resnext101_32x8d")
    + ("resnext101_64x4d", "wide_resnet50_2", "wide_resnet101_2"),
    "resnet.py",
    _RESNET,
)
_torchvision(("vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn"), "vgg.py", _VGG)
_torchvision(("alexnet",), "alexnet.py", _VGG)
_torchvision(
    ("googlenet",),
    "googlenet.py",
    (
        "BasicConv2d: nn.Conv2d (no bias), nn.BatchNorm2d, then F.relu(x, inplace=True) in forward(): "
        "a functional call, not a module",
        "nn.MaxPool2d modules (ceil_mode), torch.cat of the branches, nn.AdaptiveAvgPool2d((1, 1)), nn.Linear",
        "built with aux_logits=False (the auxiliary classifiers do not run at inference either way)",
    ),
    **{"conv.activation": Call.FUNCTIONAL},
)
_torchvision(
    ("mobilenet_v2",),
    "mobilenetv2.py",
    (
        "Conv2dNormActivation: nn.Conv2d (no bias), nn.BatchNorm2d, nn.ReLU6 modules",
        "the residual is `x + self.conv(x)`, an operator",
        "the global pool is nn.functional.adaptive_avg_pool2d(x, (1, 1)) in forward(), not a module",
        "torch.flatten, then nn.Dropout and nn.Linear",
    ),
    **{"global_avg_pool.layer": Call.FUNCTIONAL},
)

_TORCHVISION_MODEL = re.compile(r"torchvision\.models\.([A-Za-z_][A-Za-z0-9_]*)")


def followed_model(graph: Graph) -> str | None:
    """The torchvision builder a spec says it follows (its source names torchvision.models.X), if any."""
    found = _TORCHVISION_MODEL.findall(graph.source or "")
    if graph.variant and graph.variant in found:
        return graph.variant
    return found[-1] if found else None


@dataclass(frozen=True)
class Unknown:
    """A torchvision model whose structure is not recorded: hook-based conventions refuse it."""

    builder: str

    def error(self, tool: str) -> ConventionError:
        return ConventionError(
            f"{tool}: the spec follows torchvision.models.{self.builder}, whose structure (modules or functional "
            "calls) costcalc has not recorded, and the figure depends on it; add it to "
            "costcalc/conventions/structure.py, or ask for costcalc's own build (--torch-model costcalc)"
        )


def structure_for(graph: Graph, model: str = "auto") -> Structure | Unknown:
    """The structure of the PyTorch model a convention's figures are for."""
    if model not in MODELS:
        raise ConventionError(f"no PyTorch model '{model}'; expected one of {', '.join(MODELS)}")
    if model == "costcalc":
        return AS_BUILT
    builder = followed_model(graph)
    if builder is None:
        return AS_BUILT
    return TORCHVISION.get(builder, Unknown(builder))
