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
- the torchvision model a bundled spec follows (its ``source`` names ``torchvision.models.X``, or several
  builders of one family file, whose structure is the same): the same, but for the facts listed in
  TORCHVISION, read from torchvision 0.29's code (torchvision/models/*.py, torchvision/ops/misc.py).

A spec that names a torchvision model this table does not describe cannot get a hook-based tool's figure:
that is an error, not a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..graph import Graph
from . import MODELS
from .rules import Call, ConventionError

# kinds whose own op costcalc.torch builds as something other than a plain torch.nn module
# (costcalc/torch/modules.py, costcalc/onnx/torch_parts.py): a channels-last Linear and LayerNorm are
# subclasses; the merges, the scale and the slices are Python operators on tensors; the rest are modules
# of their own that call torch functions (Elementwise calls torch.add, torch.mul ...)
_BUILT: dict[str, Call] = {
    "add": Call.OPERATOR,  # Add: out = out + x
    "multiply": Call.OPERATOR,  # Multiply: out = out * x
    "layer_scale": Call.OPERATOR,  # LayerScale: x * scale
    "concat": Call.FUNCTIONAL,  # Concat: torch.cat
    "channel_slice": Call.OPERATOR,  # ChannelSlice: x[:, a:b]
    "channel_split": Call.OPERATOR,
    "crop": Call.OPERATOR,  # Crop: x[:, :, t:b, l:r]
    "stochastic_depth": Call.HELPER,
    **dict.fromkeys(("elementwise", "unary", "clip", "matmul", "reduce", "reshape", "transpose", "pad"), Call.HELPER),
    "hardmax": Call.HELPER,
    "concat_stored": Call.HELPER,
    "stored": Call.HELPER,
    "gather": Call.HELPER,
}
_CHANNELS_LAST = {"linear": "ChannelsLastLinear", "layer_norm": "ChannelsLastLayerNorm"}

# kinds whose output keeps its input's memory layout, element by element (for a linear's input)
_KEEPS_LAYOUT = frozenset(
    {"relu", "relu6", "sigmoid", "tanh", "hard_sigmoid", "hard_swish", "silu", "gelu", "leaky_relu", "prelu"}
    | {"elu", "selu", "celu", "softplus", "softsign", "mish", "thresholded_relu", "gelu_tanh", "unary", "clip"}
    | {"dropout", "identity", "stochastic_depth", "layer_scale"}
)
_VIEWS = frozenset({"crop", "channel_slice", "channel_split"})  # their outputs are strided views
# modules of costcalc's build that compute channels last and hand back a permuted result: layout not worked out
_OTHER_LAYOUT = frozenset(
    {"elementwise", "matmul", "reduce", "reshape", "transpose", "hardmax", "concat_stored", "unknown"}
    | {"stored", "gather"}
)


@dataclass(frozen=True)
class Override:
    """How a model computes one role of the layers of a kind whose dotted names match ``names``."""

    kind: str
    role: str
    call: Call
    names: str = "*"  # a shell pattern on the layer's dotted name

    def applies(self, kind: str, name: str, role: str) -> bool:
        return kind == self.kind and role == self.role and fnmatchcase(name, self.names)


@dataclass(frozen=True)
class Structure:
    """How one PyTorch model computes each layer's parts."""

    name: str  # "costcalc.torch.build" or "torchvision.models.googlenet"
    model: str  # in words, for titles
    facts: tuple[str, ...] = ()  # the structural facts assumed, in words (the docs list them)
    overrides: tuple[Override, ...] = ()  # applied in order: a later one refines an earlier one
    linear_inputs_contiguous: bool | None = None  # declared by the model; None: worked out (costcalc's build)
    file: str = ""  # torchvision's file (resnet.py): the builders of one file share their structure

    def calls(self, graph: Graph, index: int) -> dict[str, Call]:
        node = graph.nodes[index]
        out = {"layer": built_call(node.kind, node.shape), "bn": Call.MODULE, "activation": Call.MODULE}
        for override in self.overrides:
            for role in out:
                if override.applies(node.kind, node.name, role):
                    out[role] = override.call
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
    if _other_layout_upstream(graph, node.inputs[0]) or source.kind in _VIEWS:
        return None
    h, w, c = graph.nodes[node.inputs[0]].shape
    return c == 1 or h * w == 1


def _other_layout_upstream(graph: Graph, index: int) -> bool:
    seen, stack = set(), [index]
    while stack:
        i = stack.pop()
        if i in seen:
            continue
        seen.add(i)
        node = graph.nodes[i]
        if (node.kind in _CHANNELS_LAST and len(node.shape) == 3) or node.kind in _OTHER_LAYOUT:
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
        "the kinds made for ONNX models (elementwise, unary, clip, matmul, reduce, reshape, transpose, pad, "
        "hardmax) are modules of their own calling torch functions (Elementwise: torch.add, torch.mul ...)",
    ),
)

# torchvision 0.29 (torchvision/models/*.py), by builder: the facts that decide what a hook sees
TORCHVISION: dict[str, Structure] = {}


def _torchvision(
    builders: tuple[str, ...], file: str, facts: tuple[str, ...], *overrides: Override, contiguous: bool | None = None
) -> None:
    for builder in builders:
        model = f"torchvision.models.{builder} ({file})"
        TORCHVISION[builder] = Structure(f"torchvision.models.{builder}", model, facts, overrides, contiguous, file)


_RESNET = (
    "convs have no bias; nn.BatchNorm2d and one nn.ReLU module per block, called after bn1, bn2 and the add",
    "the shortcut is added with `out += identity`, an in-place operator no hook sees",
    "nn.MaxPool2d, nn.AdaptiveAvgPool2d((1, 1)), torch.flatten, nn.Linear",
)
_VGG = (
    "nn.Conv2d (with bias), nn.ReLU and nn.MaxPool2d modules; nn.AdaptiveAvgPool2d((7, 7)) (6×6 in AlexNet)",
    "torch.flatten, then nn.Linear, nn.ReLU and nn.Dropout modules",
)
_SE = (
    "Conv2dNormActivation: nn.Conv2d (no bias), nn.BatchNorm2d and the activation as a module",
    "SqueezeExcitation (torchvision/ops/misc.py): nn.AdaptiveAvgPool2d(1), fc1 and fc2 as 1×1 nn.Conv2d, "
    "the activation and scale_activation modules, then `scale * input`, an operator",
    "the residual is `result += input`, an operator; nn.AdaptiveAvgPool2d(1), nn.Dropout, nn.Linear",
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
    Override("conv", "activation", Call.FUNCTIONAL),
)
_torchvision(
    ("inception_v3",),
    "inception.py",
    (
        "BasicConv2d: nn.Conv2d (no bias), nn.BatchNorm2d, then F.relu in forward(), as in GoogLeNet",
        "the stem's max pools are nn.MaxPool2d modules (maxpool1, maxpool2); every pool inside the Inception "
        "blocks is F.avg_pool2d or F.max_pool2d in forward()",
        "nn.AdaptiveAvgPool2d((1, 1)), nn.Dropout, nn.Linear; built with aux_logits=False, transform_input=False",
    ),
    Override("conv", "activation", Call.FUNCTIONAL),
    Override("avg_pool", "layer", Call.FUNCTIONAL),
    Override("max_pool", "layer", Call.FUNCTIONAL, "Mixed_*"),
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
    Override("global_avg_pool", "layer", Call.FUNCTIONAL),
)
_torchvision(("mobilenet_v3_large", "mobilenet_v3_small"), "mobilenetv3.py", _SE)
_torchvision(
    tuple(f"efficientnet_b{i}" for i in range(8)) + ("efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"),
    "efficientnet.py",
    (*_SE, "StochasticDepth is a module that returns its input at inference"),
)
_torchvision(
    ("densenet121", "densenet161", "densenet169", "densenet201"),
    "densenet.py",
    (
        "each dense layer and transition: nn.BatchNorm2d, nn.ReLU, nn.Conv2d (no bias), nn.AvgPool2d modules; "
        "torch.cat of the features",
        "after the last dense block: nn.BatchNorm2d (norm5), then F.relu and F.adaptive_avg_pool2d in "
        "forward(), functional calls; torch.flatten, nn.Linear",
    ),
    Override("relu", "layer", Call.FUNCTIONAL, "relu"),  # the spec's top-level relu after norm5
    Override("global_avg_pool", "layer", Call.FUNCTIONAL),
)
_torchvision(
    ("squeezenet1_0", "squeezenet1_1"),
    "squeezenet.py",
    (
        "Fire: nn.Conv2d (with bias) and nn.ReLU modules, torch.cat of the expand branches",
        "nn.MaxPool2d (ceil_mode) modules; the classifier nn.Dropout, nn.Conv2d, nn.ReLU, "
        "nn.AdaptiveAvgPool2d((1, 1)); torch.flatten",
    ),
)
_torchvision(
    ("mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"),
    "mnasnet.py",
    (
        "nn.Conv2d (no bias), nn.BatchNorm2d, nn.ReLU modules; the residual is `self.layers(input) + input`",
        "the global pool is x.mean([2, 3]), a Tensor method; then nn.Dropout, nn.Linear",
    ),
    Override("global_avg_pool", "layer", Call.METHOD),
)
_torchvision(
    ("shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"),
    "shufflenetv2.py",
    (
        "branches of nn.Conv2d (no bias), nn.BatchNorm2d, nn.ReLU modules; x.chunk(2, dim=1), torch.cat and "
        "channel_shuffle (view, transpose) in forward()",
        "nn.MaxPool2d; the global pool is x.mean([2, 3]), a Tensor method; nn.Linear",
    ),
    Override("global_avg_pool", "layer", Call.METHOD),
)

_torchvision(
    tuple(f"regnet_{xy}_{size}" for xy in "xy" for size in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf"))
    + ("regnet_y_128gf",),
    "regnet.py",
    (
        "SimpleStemIN and BottleneckTransform's a, b, c: Conv2dNormActivation (nn.Conv2d without bias, "
        "nn.BatchNorm2d, nn.ReLU modules; c without the activation), b grouped",
        "RegNet Y: SqueezeExcitation (torchvision/ops/misc.py) between b and c, as in MobileNet v3: "
        "nn.AdaptiveAvgPool2d(1), fc1 and fc2 as 1×1 nn.Conv2d, nn.ReLU and nn.Sigmoid modules, `scale * input`",
        "ResBottleneckBlock.forward: `self.proj(x) + self.f(x)` or `x + self.f(x)`, an operator, then an nn.ReLU module",
        "nn.AdaptiveAvgPool2d((1, 1)), x.flatten(start_dim=1), nn.Linear",
    ),
)
_torchvision(
    ("convnext_tiny", "convnext_small", "convnext_base", "convnext_large"),
    "convnext.py",
    (
        "the stem, each downsample and the head normalise with LayerNorm2d, a subclass of nn.LayerNorm whose "
        "forward() permutes to channels last, calls F.layer_norm and permutes back",
        "CNBlock: nn.Conv2d (depthwise 7×7, with bias), Permute, then nn.LayerNorm, nn.Linear, nn.GELU, nn.Linear "
        "modules themselves on the channels-last tensor (contiguous: F.layer_norm returns a contiguous tensor), "
        "Permute back",
        "`self.layer_scale * self.block(input)`, an operator on an nn.Parameter; StochasticDepth, a module that "
        "returns its input at inference; `result += input`, an operator",
        "nn.AdaptiveAvgPool2d(1); the classifier LayerNorm2d, nn.Flatten, nn.Linear",
    ),
    Override("layer_norm", "layer", Call.SUBCLASS),  # LayerNorm2d, but on H×W×C ...
    Override("layer_norm", "layer", Call.MODULE, "stage*.norm"),  # ... inside a block nn.LayerNorm itself
    Override("linear", "layer", Call.MODULE),
    contiguous=True,
)
_SEGMENTATION = (
    "_SimpleSegmentationModel / LRASPP.forward: the scores are upsampled by F.interpolate(..., mode='bilinear'), "
    "a functional call; measured on model(x)['out'] (the models return a dict), aux_loss=False",
)
_ASPP = (
    "DeepLabHead: ASPP (branches of nn.Conv2d without bias, nn.BatchNorm2d, nn.ReLU modules; ASPPPooling: "
    "nn.AdaptiveAvgPool2d(1), conv, batch norm, ReLU, then F.interpolate back to the map's size, a functional "
    "call; torch.cat; the projection with nn.Dropout(0.5)), a 3×3 conv, batch norm, ReLU and a 1×1 nn.Conv2d",
)
_torchvision(
    ("fcn_resnet50", "fcn_resnet101"),
    "segmentation/fcn.py",
    (
        "the backbone: torchvision's ResNet (resnet.py) up to layer4, layer3 and layer4 dilated (replace_stride_with_dilation)",
        "FCNHead: nn.Conv2d (no bias), nn.BatchNorm2d, nn.ReLU, nn.Dropout(0.1), nn.Conv2d (with bias) modules",
        *_SEGMENTATION,
    ),
    Override("upsample", "layer", Call.FUNCTIONAL),
)
_torchvision(
    ("deeplabv3_resnet50", "deeplabv3_resnet101"),
    "segmentation/deeplabv3.py",
    (
        "the backbone: torchvision's ResNet (resnet.py) up to layer4, layer3 and layer4 dilated (replace_stride_with_dilation)",
        *_ASPP,
        *_SEGMENTATION,
    ),
    Override("upsample", "layer", Call.FUNCTIONAL),
)
_torchvision(
    ("deeplabv3_mobilenet_v3_large",),
    "segmentation/deeplabv3.py",
    (
        "the backbone: MobileNet v3 Large's features (mobilenetv3.py), the last three bnecks dilated (dilated=True)",
        *_ASPP,
        *_SEGMENTATION,
    ),
    Override("upsample", "layer", Call.FUNCTIONAL),
)
_torchvision(
    ("lraspp_mobilenet_v3_large",),
    "segmentation/lraspp.py",
    (
        "the backbone: MobileNet v3 Large's features (mobilenetv3.py), the last three bnecks dilated (dilated=True)",
        "LRASPPHead: cbr (nn.Conv2d without bias, nn.BatchNorm2d, nn.ReLU), scale (nn.AdaptiveAvgPool2d(1), "
        "nn.Conv2d without bias, nn.Sigmoid) modules, `x * s`, an operator, F.interpolate to the low map's size, "
        "the two nn.Conv2d classifiers added with `+`, an operator",
        *_SEGMENTATION,
    ),
    Override("upsample", "layer", Call.FUNCTIONAL),
)

_PACKAGES = frozenset({"segmentation"})  # torchvision.models.segmentation names a package of files, not a builder
_TORCHVISION_MODEL = re.compile(r"torchvision\.models\.([A-Za-z_][A-Za-z0-9_]*)")
_NAME = re.compile(r"(/\s*)?\b([A-Za-z_][A-Za-z0-9_]*)")


def _modules() -> dict[str, str]:
    """torchvision.models' module names (resnet, vgg, mobilenetv3 ...) -> their file, for the builders here."""
    return {structure.file.removesuffix(".py"): structure.file for structure in TORCHVISION.values()}


def followed_models(graph: Graph) -> list[str]:
    """The torchvision builders (or modules, torchvision.models.resnet) a spec's source says it follows: every
    torchvision.models.X, and the builders listed after the last one in its clause, whole or, after a '/', by
    their ending ("torchvision.models.vgg11 … vgg19_bn", "torchvision.models.shufflenet_v2_x0_5 / x1_0",
    "torchvision.models.resnet (resnet18 … wide_resnet101_2)")."""
    source = graph.source or ""
    found = _TORCHVISION_MODEL.findall(source)
    if found:
        first = found[-1]
        tail = source[source.rindex(first) + len(first) :].split(";")[0]
        for slash, name in _NAME.findall(tail):
            if name not in TORCHVISION and slash:
                cuts = range(len(first), -1, -1)
                name = next((first[:cut] + name for cut in cuts if first[:cut] + name in TORCHVISION), name)
            if (name in TORCHVISION or slash) and name not in found:
                found.append(name)
    return [name for name in found if name not in _PACKAGES]


def followed_model(graph: Graph) -> str | None:
    """The one torchvision builder this graph follows: the named variant it was built as (a variant named like a
    builder of a file the source names counts, "efficientnet_b0 ... efficientnet_b7"), or the only one named;
    None when it names none, or several and the graph is none of them."""
    found = followed_models(graph)
    files = {TORCHVISION[f].file for f in found if f in TORCHVISION} | {_modules()[f] for f in found if f in _modules()}
    for name in (graph.variant, graph.name):
        if name and name in found and name in TORCHVISION:
            return name
        if name in TORCHVISION and TORCHVISION[name].file in files:
            return name
    builders = [f for f in found if f in TORCHVISION or f not in _modules()]  # alexnet: a builder and a file
    return builders[0] if len(builders) == 1 and len(found) == 1 else None


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
    if builder is not None:
        return TORCHVISION.get(builder, Unknown(builder))
    named = followed_models(graph)
    if not named:
        return AS_BUILT
    modules = _modules()
    structures = []
    for name in named:
        if name in TORCHVISION:
            structures.append(TORCHVISION[name])
        elif name in modules:
            structures.append(next(s for s in TORCHVISION.values() if s.file == modules[name]))
        else:
            return Unknown(name)
    # a family spec's default, or several builders: one structure when what decides a figure (the overrides and
    # the linears' layout) is the same in all their files (segmentation's fcn.py, deeplabv3.py)
    if len({(s.overrides, s.linear_inputs_contiguous) for s in structures}) != 1:
        return Unknown(" or ".join(named))
    files = list(dict.fromkeys(s.file for s in structures))
    facts = tuple(dict.fromkeys(fact for s in structures for fact in s.facts))
    first = structures[0]
    words = f"torchvision.models ({', '.join(files)}: {' / '.join(named)})"
    return Structure(first.name, words, facts, first.overrides, first.linear_inputs_contiguous, first.file)
