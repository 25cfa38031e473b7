"""What each kind asks PyTorch to build, as data (no torch needed).

costcalc.torch turns these parts into modules; the PyTorch tier (test_torch_oracle.py, verify) checks
that the modules compute what costcalc counts. Here the recipes themselves are checked without
PyTorch, each written from the documented constructor of the torch.nn class it names (nn.Conv2d(in,
out, kernel, stride, padding, dilation, groups, bias), nn.Linear(in, out, bias), nn.GroupNorm(groups,
channels, eps, affine) ...), so a wrong argument is caught by the tier that runs everywhere.
"""

from __future__ import annotations

import pytest

from costcalc.graph import build_graph
from costcalc.layers import KINDS
from costcalc.layers.base import Part
from costcalc.spec import parse_spec

SPEC = """\
input: [9, 8, 4]
layers:
  - {kind: conv, name: conv, filters: 6, kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2}
  - {kind: conv, name: uneven, input: input, filters: 2, kernel: 2, padding: [0, 1, 1, 0], bias: false}
  - {kind: depthwise_conv, name: dw, input: input, kernel: 3, multiplier: 2, padding: 1}
  - {kind: separable_conv, name: sep, input: input, filters: 5, kernel: 3, multiplier: 2, bias: false}
  - {kind: conv_transpose, name: up, input: input, filters: 3, kernel: [2, 3], stride: 2, padding: [0, 1], output_padding: 1}
  - {kind: conv, name: fused, input: input, filters: 4, kernel: 1, bn: true, activation: relu}
  - {kind: linear, name: per_position, input: input, units: 7}
  - {kind: group_norm, name: gn, input: input, groups: 2, epsilon: 0.001}
  - {kind: instance_norm, name: inorm, input: input, affine: true}
  - {kind: batch_norm, name: bn, input: input}
  - {kind: lrn, name: lrn, input: input, size: 3, alpha: 0.0002, beta: 0.75, k: 2}
  - {kind: layer_scale, name: scale, input: input, init: 0.1}
  - {kind: prelu, name: prelu, input: input}
  - {kind: prelu, name: prelu_shared, input: input, shared: true}
  - {kind: leaky_relu, name: leaky, input: input, slope: 0.2}
  - {kind: softmax, name: softmax, input: input}
  - {kind: log_softmax, name: log_softmax, input: input}
  - {kind: adaptive_avg_pool, name: adaptive, input: input, output: [3, 2]}
  - {kind: adaptive_max_pool, name: adaptive_max, input: input, output: 2}
  - {kind: global_avg_pool, name: gap, input: input}
  - {kind: avg_pool, name: avg, input: input, kernel: 2, stride: 2}
  - {kind: max_pool, name: maxp, input: input, kernel: 3, stride: 2, padding: 1, ceil_mode: true}
  - {kind: zero_pad, name: zpad, input: input, padding: [1, 2, 3, 4]}
  - {kind: pad, name: rpad, input: input, padding: [1, 0, 2, 0], mode: reflect}
  - {kind: channel_split, name: half, input: input, parts: 2, index: 1}
  - {kind: channel_slice, name: every_other, input: input, start: 1, stop: 4, step: 2}
  - {kind: channel_slice, name: first_two, input: input, stop: 2}
  - {kind: channel_shuffle, name: shuffle, input: input, groups: 2}
  - {kind: pixel_shuffle, name: ps, input: input, factor: 2}
  - {kind: crop, name: crop, input: input, cropping: [1, 2, 0, 1]}
  - {kind: dropout, name: drop, input: input, rate: 0.3}
  - {kind: stochastic_depth, name: sd, input: input, rate: 0.1}
  - {kind: clip, name: clip, input: input, min: -1, max: 1}
  - {kind: add, name: sum, inputs: [input, drop]}
  - {kind: concat, name: cat, inputs: [input, drop]}
  - {kind: flatten, name: flat, input: input}
  - {kind: fc, name: fc, units: 10, bias: false}
  - {kind: batch_norm, name: bn_flat, input: flat}
  - {kind: linear, name: linear_flat, input: flat, units: 3}
  - {kind: fc, name: fc_image, input: input, units: 3}
  - {kind: reshape, name: tokens, input: input, shape: [72, 4]}
  - {kind: log_softmax, name: log_softmax_tokens, input: tokens}
  - {kind: log_softmax, name: log_softmax_flat, input: flat}
  - {kind: elementwise, name: scaled, input: input, op: multiply, operand: [4], learned: true, value: 2}
  - {kind: elementwise, name: gathered, input: input, op: add, operand: [9, 8, 1], learned: true, table: [5, 1]}
  - {kind: hardmax, name: hardmax, input: input}
  - {kind: matmul, name: mm, inputs: [tokens, tokens], transpose_b: true}
  - {kind: reduce, name: mean_hw, input: input, op: mean, axes: [0, 1], keepdims: false}
  - {kind: multiply, name: gate, inputs: [input, drop]}
  - {kind: layer_norm, name: ln, input: input, epsilon: 0.001}
  - {kind: layer_norm, name: ln_tokens, input: tokens, affine: false}
  - {kind: concat_stored, name: cls, input: tokens, axis: 0, size: 1}
  - {kind: transpose, name: swap, input: tokens, perm: [1, 0]}
  - {kind: stored, name: coords, shape: [5, 5, 2]}
  - {kind: stored, name: learned_table, shape: [7, 3], learned: true}
  - {kind: gather, name: picked, input: tokens, axis: 0, count: 9}
  - {kind: upsample, name: up2, input: input, scale: [2, 3]}
  - {kind: pixel_unshuffle, name: pu, input: up2, factor: 2}
  - {kind: upsample, name: up_size, input: input, size: [18, 16], mode: bilinear}
"""

EXPECTED = {
    # in 4, out 6, kernel (3, 2); stride (2, 1), padding (1, 0) as [h, w], dilation (1, 2), 2 groups, a bias
    "conv": [
        Part(
            "Conv2d",
            (4, 6, (3, 2)),
            {"stride": (2, 1), "padding": (1, 0), "dilation": (1, 2), "groups": 2, "bias": True},
        )
    ],
    # four uneven sides: a ZeroPad2d in front, written (left, right, top, bottom) as PyTorch orders them
    "uneven": [
        Part("ZeroPad2d", ((1, 0, 0, 1),)),
        Part(
            "Conv2d",
            (4, 2, (2, 2)),
            {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1, "bias": False},
        ),
    ],
    # depthwise: groups = in channels, out = in × multiplier
    "dw": [
        Part(
            "Conv2d",
            (4, 8, (3, 3)),
            {"stride": (1, 1), "padding": (1, 1), "dilation": (1, 1), "groups": 4, "bias": True},
        )
    ],
    # separable: the depthwise conv (4 → 8, groups 4, no bias) then the pointwise 1×1 (8 → 5)
    "sep": [
        Part(
            "Conv2d",
            (4, 8, (3, 3)),
            {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 4, "bias": False},
        ),
        Part("Conv2d", (8, 5, 1), {"bias": False}),
    ],
    "fused": [
        Part(
            "Conv2d",
            (4, 4, (1, 1)),
            {"stride": (1, 1), "padding": (0, 0), "dilation": (1, 1), "groups": 1, "bias": True},
        ),
        Part("BatchNorm2d", (4,), {"eps": 1e-5}),
        Part("ReLU"),
    ],
    "per_position": [Part("ChannelsLastLinear", (4, 7), {"bias": True})],
    "gn": [Part("GroupNorm", (2, 4), {"eps": 0.001, "affine": True})],
    "inorm": [Part("InstanceNorm2d", (4,), {"eps": 1e-5, "affine": True})],
    "bn": [Part("BatchNorm2d", (4,), {"eps": 1e-5})],
    "lrn": [Part("LocalResponseNorm", (3,), {"alpha": 0.0002, "beta": 0.75, "k": 2})],
    "scale": [Part("LayerScale", (4,), {"init": 0.1})],
    "prelu": [Part("PReLU", (), {"num_parameters": 4})],
    "prelu_shared": [Part("PReLU", (), {"num_parameters": 1})],
    "leaky": [Part("LeakyReLU", (0.2,))],
    "softmax": [Part("Softmax", (), {"dim": 1})],  # the channels of N×C×H×W
    "log_softmax": [Part("LogSoftmax", (), {"dim": 1})],
    "adaptive": [Part("AdaptiveAvgPool2d", ((3, 2),))],
    "adaptive_max": [Part("AdaptiveMaxPool2d", ((2, 2),))],
    "gap": [Part("AdaptiveAvgPool2d", (1,))],
    "zpad": [Part("ZeroPad2d", ((3, 4, 1, 2),))],  # [top 1, bottom 2, left 3, right 4] as (l, r, t, b)
    "rpad": [Part("Pad", ((1, 0, 2, 0), "reflect", 0.0))],
    "half": [Part("ChannelSlice", (2, 4))],  # the second of two halves of 4 channels
    "every_other": [Part("ChannelSlice", (1, 4, 2))],
    "first_two": [Part("ChannelSlice", (0, 2))],
    "shuffle": [Part("ChannelShuffle", (2,))],
    "ps": [Part("PixelShuffle", (2,))],
    "crop": [Part("Crop", (1, 0, 6, 7))],  # top 1, left 0; 9 − 3 = 6 rows, 8 − 1 = 7 columns
    "drop": [Part("Dropout", (0.3,))],
    "sd": [Part("StochasticDepth", (0.1,), {"mode": "row"})],
    "clip": [Part("Clip", (-1, 1))],
    "sum": [Part("Add")],
    "cat": [Part("Concat")],
    "flat": [Part("Flatten")],
    "fc": [Part("Linear", (288, 10), {"bias": False})],  # 9·8·4 features
    "bn_flat": [Part("BatchNorm1d", (288,), {"eps": 1e-5})],
    "linear_flat": [Part("Linear", (288, 3), {"bias": True})],
    "fc_image": [Part("Flatten"), Part("Linear", (288, 3), {"bias": True})],  # an image is flattened first
    "log_softmax_tokens": [Part("LogSoftmax", (), {"dim": -1})],  # 72 tokens × 4: the last axis
    "log_softmax_flat": [Part("LogSoftmax", (), {"dim": 1})],  # N × 288
    # costcalc's helpers (costcalc/onnx/torch_parts.py): the operand broadcast channels last, a 1 for the batch
    "scaled": [Part("Elementwise", ("multiply", (1, 1, 4), True, 2))],
    "gathered": [Part("Elementwise", ("add", (9, 8, 1), True, 1.0, (5, 1)))],
    "hardmax": [Part("Hardmax")],
    "mm": [Part("MatMul", (True,))],
    "mean_hw": [Part("Reduce", ("mean", (0, 1), False))],
    "gate": [Part("Multiply")],
    "ln": [Part("ChannelsLastLayerNorm", (4,), {"eps": 0.001, "elementwise_affine": True})],
    "ln_tokens": [Part("LayerNorm", (4,), {"eps": 1e-5, "elementwise_affine": False})],
    "cls": [Part("ConcatStored", ((1, 4), 0, True, True))],  # one learned token of 4 before the 72
    "swap": [Part("Transpose", ((1, 0),))],
    "coords": [Part("Stored", ((5, 5, 2), False))],  # a buffer of 5×5×2, read by no input
    "learned_table": [Part("Stored", ((7, 3), True))],  # a parameter
    "picked": [Part("Gather", (0, 9))],  # 9 of the 72 tokens, along axis 0
    "pu": [Part("PixelUnshuffle", (2,))],
    "up2": [Part("Upsample", (), {"mode": "nearest", "scale_factor": (2.0, 3.0)})],
    "up_size": [Part("Upsample", (), {"mode": "bilinear", "size": (18, 16), "align_corners": False})],
}


@pytest.fixture  # per test, not per module: a mutation tool attributes a module fixture's calls to the first test
def recipes():
    graph = build_graph(parse_spec(SPEC, "recipes.yaml"))
    shapes = {node.name: node.shape for node in graph.nodes}
    names = [node.name for node in graph.nodes]
    return {
        node.name: KINDS[node.kind].torch(node.params, [shapes[names[i]] for i in node.inputs], node.shape)
        for node in graph.nodes
        if node.kind != "input"
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_kind_asks_for_the_module_pytorch_documents(recipes, name):
    assert recipes[name] == EXPECTED[name]


def test_pools_and_the_transposed_conv(recipes):
    # avg 2×2 stride 2: AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad)
    (avg,) = recipes["avg"]
    assert avg.cls == "AvgPool2d" and avg.args == ((2, 2),) and avg.kwargs["stride"] == (2, 2)
    (maxp,) = recipes["maxp"]
    assert maxp.cls == "MaxPool2d" and maxp.kwargs["padding"] == (1, 1) and maxp.kwargs["ceil_mode"] is True
    # ConvTranspose2d(in 4, out 3, kernel (2, 3), stride (2, 2), padding (0, 1), output_padding (1, 1))
    (up,) = [p for p in recipes["up"] if p.cls == "ConvTranspose2d"]
    assert up.args == (4, 3, (2, 3))
    assert up.kwargs["stride"] == (2, 2) and up.kwargs["padding"] == (0, 1) and up.kwargs["output_padding"] == (1, 1)
    assert up.kwargs["dilation"] == (1, 1) and up.kwargs["groups"] == 1 and up.kwargs["bias"] is True


def test_a_pointwise_kind_is_registered_with_what_it_is_given():
    from costcalc.layers.math_ops import pointwise

    try:
        pointwise("probe_pointwise", 2, "x + x", Part("Probe"), "a probe")
        kind = KINDS["probe_pointwise"]
        assert (kind.name, kind.ops, kind.formula, kind.summary) == ("probe_pointwise", 2, "x + x", "a probe")
        assert type(kind).__name__ == "probe_pointwise" and kind.torch({}, [(2, 2, 1)], (2, 2, 1)) == [Part("Probe")]
    finally:
        KINDS.pop("probe_pointwise", None)
