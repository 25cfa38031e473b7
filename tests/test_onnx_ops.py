"""Hand-built ONNX graphs (onnx.helper) for the awkward cases of each operator's rule.

Expected values are worked out in the comments from the ONNX operator documentation's formulas,
and every graph's shapes are also checked against onnx.shape_inference (check_shapes).
"""

from __future__ import annotations

import math

import pytest

from .onnx_support import check_shapes, floats, helper, ints, layer, model, run, weight


def conv_model(in_dims, w_dims, opset=17, bias=False, **attrs):
    inits = [weight("W", *w_dims)] + ([weight("B", w_dims[0])] if bias else [])
    node = helper.make_node("Conv", ["x", "W"] + (["B"] if bias else []), ["y"], name="conv", **attrs)
    return model([node], [("x", in_dims)], ["y"], inits, opset)


# ---------------------------------------------------------------- convolutions


def test_same_upper_and_same_lower_with_stride_2_on_odd_sizes(tmp_path):
    # 7×9 input, kernel 4, stride 2: out ⌈7/2⌉ = 4, ⌈9/2⌉ = 5; total padding (4−1)·2 + 4 − 7 = 3 and
    # (5−1)·2 + 4 − 9 = 3: SAME_UPPER puts the odd pixel at the end (1, 2), SAME_LOWER at the start (2, 1)
    pads = {}
    for mode in ("SAME_UPPER", "SAME_LOWER"):
        m = conv_model([1, 2, 7, 9], [4, 2, 4, 4], auto_pad=mode, strides=[2, 2])
        spec, analysis = run(m, tmp_path)
        conv = layer(analysis, "conv")
        assert conv.output == (4, 5, 4)
        assert conv.macs == 4 * 5 * 4 * (4 * 4 * 2)  # outputs × multiplies per output = 2,560
        assert conv.params == 4 * 2 * 4 * 4  # no bias
        pads[mode] = spec.layers[0].params["padding"]
        check_shapes(m, spec)
    assert pads == {"SAME_UPPER": "same", "SAME_LOWER": [2, 1, 2, 1]}


def test_same_lower_on_a_pool(tmp_path):
    # 8×8, kernel 3, stride 2: out 4, total padding 3·2 + 3 − 8 = 1: SAME_LOWER pads the top/left
    node = helper.make_node(
        "MaxPool", ["x"], ["y"], name="pool", kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_LOWER"
    )
    m = model([node], [("x", [1, 3, 8, 8])], ["y"])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "pool").output == (4, 4, 3)
    assert spec.layers[0].params["padding"] == [1, 0, 1, 0]
    assert layer(analysis, "pool").other_ops == 4 * 4 * 3 * (9 - 1)
    check_shapes(m, spec)


def test_asymmetric_pads(tmp_path):
    # ONNX pads [top, left, bottom, right] = [0, 1, 2, 1]: H 7 + 0 + 2 − 3 + 1 = 7, W 9 + 1 + 1 − 3 + 1 = 9
    m = conv_model([1, 3, 7, 9], [5, 3, 3, 3], bias=True, pads=[0, 1, 2, 1])
    spec, analysis = run(m, tmp_path)
    conv = layer(analysis, "conv")
    assert conv.output == (7, 9, 5)
    assert spec.layers[0].params["padding"] == [0, 2, 1, 1]  # costcalc's [top, bottom, left, right]
    assert conv.macs == 7 * 9 * 5 * 27 and conv.params == 5 * 27 + 5
    assert conv.other_ops == 7 * 9 * 5  # bias adds
    check_shapes(m, spec)


def test_dilations(tmp_path):
    # kernel 3 with dilation 2 spans 5 pixels: 11 − 5 + 1 = 7
    m = conv_model([1, 3, 11, 11], [4, 3, 3, 3], dilations=[2, 2])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "conv").output == (7, 7, 4)
    assert layer(analysis, "conv").macs == 49 * 4 * 27
    pool = helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], dilations=[2, 2])
    m = model([pool], [("x", [1, 3, 11, 11])], ["y"])
    spec, analysis = run(m, tmp_path)
    # span 3, stride 1: 9×9; each output compares its 4 taps: 3 comparisons
    assert layer(analysis, "pool").output == (9, 9, 3)
    assert layer(analysis, "pool").other_ops == 81 * 3 * 3
    check_shapes(m, spec)


def test_grouped_and_depthwise_convolutions(tmp_path):
    # 8 channels in 4 groups of 2, 12 filters: weight 12×2×3×3
    m = conv_model([1, 8, 6, 6], [12, 2, 3, 3], bias=True, group=4, pads=[1, 1, 1, 1])
    spec, analysis = run(m, tmp_path)
    conv = layer(analysis, "conv")
    assert (conv.kind, conv.output, conv.params, conv.macs) == ("conv", (6, 6, 12), 12 * 18 + 12, 36 * 12 * 18)
    assert spec.layers[0].params["groups"] == 4
    check_shapes(m, spec)
    # group = channels: depthwise, 2 filters per channel
    m = conv_model([1, 8, 6, 6], [16, 1, 3, 3], bias=True, group=8, pads=[1, 1, 1, 1])
    spec, analysis = run(m, tmp_path)
    conv = layer(analysis, "conv")
    assert (conv.kind, conv.output, conv.params, conv.macs) == ("depthwise_conv", (6, 6, 16), 16 * 9 + 16, 36 * 16 * 9)
    assert spec.layers[0].params["multiplier"] == 2
    check_shapes(m, spec)


def test_group_that_does_not_divide_is_an_error(tmp_path):
    m = conv_model([1, 6, 6, 6], [4, 2, 3, 3], group=2)  # 2 channels per group × 2 groups = 4, not 6
    with pytest.raises(Exception, match="node 0 'conv' \\(Conv\\).*group 2"):
        run(m, tmp_path)


def test_conv_transpose_output_padding_and_output_shape(tmp_path):
    # (5 − 1)·2 − 2·1 + 3 + output_padding 1 = 10
    w = weight("W", 4, 3, 3, 3)
    node = helper.make_node(
        "ConvTranspose", ["x", "W", "B"], ["y"], name="up", strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1]
    )
    m = model([node], [("x", [1, 4, 5, 5])], ["y"], [w, weight("B", 3)])
    spec, analysis = run(m, tmp_path)
    up = layer(analysis, "up")
    assert up.output == (10, 10, 3)
    assert up.params == 4 * 3 * 9 + 3 and up.macs == 5 * 5 * 4 * (9 * 3)
    check_shapes(m, spec)
    # output_shape 11×11: the total padding 2·4 + 3 − 11 = 0
    node = helper.make_node("ConvTranspose", ["x", "W"], ["y"], name="up", strides=[2, 2], output_shape=[11, 11])
    m = model([node], [("x", [1, 4, 5, 5])], ["y"], [w])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "up").output == (11, 11, 3)
    check_shapes(m, spec)


def test_a_1d_convolution_is_a_clear_error(tmp_path):
    node = helper.make_node("Conv", ["x", "W"], ["y"], name="conv1d")
    m = model([node], [("x", [1, 3, 20])], ["y"], [weight("W", 4, 3, 5)])
    with pytest.raises(Exception, match="conv1d.*1-D convolution"):
        run(m, tmp_path)


# ---------------------------------------------------------------- pools


def test_ceil_mode_pools(tmp_path):
    # 8 wide, kernel 3, stride 2: ⌊5/2⌋ + 1 = 3 windows, ⌈5/2⌉ + 1 = 4 in ceil mode
    for ceil, size in ((0, 3), (1, 4)):
        node = helper.make_node("MaxPool", ["x"], ["y"], name="p", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=ceil)
        m = model([node], [("x", [1, 2, 8, 8])], ["y"])
        spec, analysis = run(m, tmp_path)
        assert layer(analysis, "p").output == (size, size, 2)
        check_shapes(m, spec)
    # 4 wide, kernel 2, stride 3, padding 1: ⌈4/3⌉ + 1 = 3, but the third window would start at 6,
    # past the input and left padding (4 + 1): dropped, as PyTorch does and ONNX since opset 22
    # (torch.nn.functional.avg_pool2d(zeros(1, 2, 4, 4), 2, 3, 1, ceil_mode=True) is 1×2×2×2)
    for op in ("AveragePool", "MaxPool"):
        for opset in (19, 22):
            node = helper.make_node(
                op, ["x"], ["y"], name="p", kernel_shape=[2, 2], strides=[3, 3], pads=[1, 1, 1, 1], ceil_mode=1
            )
            m = model([node], [("x", [1, 2, 4, 4])], ["y"], opset=opset)
            spec, analysis = run(m, tmp_path)
            assert layer(analysis, "p").output == (2, 2, 2)
            if opset >= 22:
                check_shapes(m, spec)  # before opset 22 ONNX's shape inference keeps the window: 3×3
            else:
                assert "dropped as PyTorch and ONNX opset 22 do" in spec.onnx.notes[0]


@pytest.mark.parametrize("include", [0, 1])
def test_count_include_pad_changes_the_divisor_not_the_count(tmp_path, include):
    node = helper.make_node(
        "AveragePool", ["x"], ["y"], name="p", kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=include
    )
    m = model([node], [("x", [1, 2, 5, 5])], ["y"])
    spec, analysis = run(m, tmp_path)
    pool = layer(analysis, "p")
    assert pool.output == (5, 5, 2)
    assert pool.other_ops == 25 * 2 * 9  # 8 adds and a divide per output
    check_shapes(m, spec)


def test_global_pools_and_reduce_mean(tmp_path):
    nodes = [
        helper.make_node("GlobalMaxPool", ["x"], ["a"], name="gmax"),
        helper.make_node("ReduceMean", ["x"], ["b"], name="mean", axes=[2, 3], keepdims=1),
        helper.make_node("ReduceMean", ["x"], ["c"], name="flat_mean", axes=[2, 3], keepdims=0),
        helper.make_node("ReduceMax", ["x"], ["d"], name="channel_max", axes=[1], keepdims=0),
    ]
    m = model(nodes, [("x", [1, 4, 3, 5])], ["a", "b", "c", "d"], opset=13)
    spec, analysis = run(m, tmp_path)
    assert (layer(analysis, "gmax").kind, layer(analysis, "gmax").other_ops) == ("global_max_pool", 4 * 14)
    assert (layer(analysis, "mean").kind, layer(analysis, "mean").other_ops) == ("global_avg_pool", 4 * 15)
    flat = layer(analysis, "flat_mean")
    assert (flat.kind, flat.output, flat.other_ops) == ("reduce", (4,), 4 * 15)  # 14 adds and a divide each
    channel_max = layer(analysis, "channel_max")
    assert (channel_max.output, channel_max.other_ops) == ((3, 5), 15 * 3)  # 3 comparisons per position
    check_shapes(m, spec)


def test_reduce_axes_attribute_and_input_by_opset(tmp_path):
    for opset in (13, 18):
        axes = {"axes": [2, 3]} if opset < 18 else {}
        inputs = ["x"] if opset < 18 else ["x", "axes"]
        node = helper.make_node("ReduceMean", inputs, ["y"], name="m", keepdims=1, **axes)
        m = model([node], [("x", [1, 3, 4, 4])], ["y"], [ints("axes", [2, 3])] if opset >= 18 else [], opset)
        spec, analysis = run(m, tmp_path)
        assert layer(analysis, "m").output == (1, 1, 3)


# ---------------------------------------------------------------- matrix products


def test_gemm_with_and_without_trans_b(tmp_path):
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "B1"], ["a"], name="fc_t", transB=1),
        helper.make_node("Gemm", ["a", "W2"], ["b"], name="fc"),
    ]
    inits = [weight("W1", 10, 20), weight("B1", 10), weight("W2", 10, 4)]
    m = model(nodes, [("x", [1, 20])], ["b"], inits)
    spec, analysis = run(m, tmp_path)
    assert (layer(analysis, "fc_t").output, layer(analysis, "fc_t").params, layer(analysis, "fc_t").macs) == (
        (10,),
        210,
        200,
    )
    assert (layer(analysis, "fc").params, layer(analysis, "fc").macs) == (40, 40)  # no bias
    assert spec.layers[1].params["bias"] is False
    check_shapes(m, spec)


def test_gemm_transposing_the_batch_is_refused(tmp_path):
    node = helper.make_node("Gemm", ["x", "W"], ["y"], name="g", transA=1)
    m = model([node], [("x", [20, 1])], ["y"], [weight("W", 20, 10)])
    with pytest.raises(Exception, match="transA"):
        run(m, tmp_path)


def test_matmul_batched_between_activations(tmp_path):
    # (4 heads) 6×8 by 8×6: 4·6·6 outputs, 8 multiplies each
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="a"),
        helper.make_node("Transpose", ["x"], ["b"], name="b", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["a", "b"], ["y"], name="qk"),
    ]
    m = model(nodes, [("x", [1, 4, 6, 8])], ["y"])
    spec, analysis = run(m, tmp_path)
    qk = layer(analysis, "qk")
    assert (qk.kind, qk.output, qk.macs) == ("matmul", (4, 6, 6), 4 * 6 * 6 * 8)
    assert analysis.totals.macs == 1152
    check_shapes(m, spec)


def test_matmul_by_a_weight_is_fc(tmp_path):
    node = helper.make_node("MatMul", ["x", "W"], ["y"], name="mm")
    m = model([node], [("x", [1, 12])], ["y"], [weight("W", 12, 5)])
    spec, analysis = run(m, tmp_path)
    assert (layer(analysis, "mm").kind, layer(analysis, "mm").params, layer(analysis, "mm").macs) == ("fc", 60, 60)


# ---------------------------------------------------------------- resizing


def test_resize_by_scales_and_by_sizes(tmp_path):
    nodes = [
        helper.make_node("Resize", ["x", "", "s2"], ["a"], name="x2", mode="nearest"),
        helper.make_node("Resize", ["x", "", "", "sz"], ["b"], name="to_8x11", mode="linear"),
        helper.make_node("Resize", ["x", "", "s15"], ["c"], name="x1_5", mode="nearest"),
    ]
    inits = [floats("s2", [1, 1, 2, 2]), ints("sz", [1, 3, 8, 11]), floats("s15", [1, 1, 1.5, 1.5])]
    m = model(nodes, [("x", [1, 3, 5, 7])], ["a", "b", "c"], inits, opset=13)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "x2").output == (10, 14, 3) and layer(analysis, "x2").other_ops == 0
    assert spec.layers[0].params == {"scale": 2}
    bilinear = layer(analysis, "to_8x11")
    assert bilinear.output == (8, 11, 3)
    assert bilinear.other_ops == 7 * 8 * 11 * 3  # 4 multiplies and 3 adds per output
    # scale 1.5: ⌊5·1.5⌋ = 7, ⌊7·1.5⌋ = 10, written as a size
    assert layer(analysis, "x1_5").output == (7, 10, 3)
    assert spec.layers[2].params == {"size": [7, 10]}
    check_shapes(m, spec)


def test_upsample_of_opset_9(tmp_path):
    node = helper.make_node("Upsample", ["x", "s"], ["y"], name="up", mode="nearest")
    m = model([node], [("x", [1, 2, 3, 4])], ["y"], [floats("s", [1, 1, 2, 3])], opset=9)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "up").output == (6, 12, 2)


# ---------------------------------------------------------------- shape arithmetic on constants


def test_a_shape_subgraph_is_evaluated_as_constants(tmp_path):
    # TorchScript's x.view(x.size(0), -1): Shape → Gather(0) → Unsqueeze → Concat([-1]) → Reshape
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], name="conv"),
        helper.make_node("Shape", ["c"], ["s"], name="shape"),
        helper.make_node("Gather", ["s", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "axes"], ["n1"], name="unsq"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="cat", axis=0),
        helper.make_node("Reshape", ["c", "target"], ["flat"], name="view"),
        helper.make_node("Gemm", ["flat", "W2"], ["y"], name="fc", transB=1),
    ]
    inits = [
        weight("W", 4, 3, 3, 3),
        helper.make_tensor("zero", helper.TensorProto.INT64, [], [0]),
        ints("axes", [0]),
        ints("minus1", [-1]),
        weight("W2", 10, 4 * 4 * 4),
    ]
    m = model(nodes, [("x", [1, 3, 6, 6])], ["y"], inits, opset=13)
    spec, analysis = run(m, tmp_path)
    assert [x.name for x in analysis.layers] == ["input", "conv", "view", "fc"]  # the shape nodes leave no layer
    assert layer(analysis, "view").kind == "flatten"
    assert layer(analysis, "fc").macs == 64 * 10
    check_shapes(m, spec)


def test_channel_shuffle_as_reshape_transpose_reshape(tmp_path):
    # ShuffleNet: N×6×4×4 → N×2×3×4×4 → swap the group axes → N×6×4×4; moves data, computes nothing
    nodes = [
        helper.make_node("Reshape", ["x", "s5"], ["a"], name="split_groups"),
        helper.make_node("Transpose", ["a"], ["b"], name="swap", perm=[0, 2, 1, 3, 4]),
        helper.make_node("Reshape", ["b", "s4"], ["y"], name="merge"),
        helper.make_node("Relu", ["y"], ["z"], name="relu"),
    ]
    m = model(nodes, [("x", [1, 6, 4, 4])], ["z"], [ints("s5", [1, 2, 3, 4, 4]), ints("s4", [1, 6, 4, 4])])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "merge").output == (4, 4, 6)
    assert sum(x.other_ops for x in analysis.layers) == 96  # the ReLU only
    check_shapes(m, spec)


def test_split_slice_concat_on_channels(tmp_path):
    nodes = [
        helper.make_node("Split", ["x", "parts"], ["a", "b"], name="split", axis=1),
        helper.make_node("Slice", ["x", "st", "en", "ax"], ["c"], name="slice"),
        helper.make_node("Concat", ["b", "a", "c"], ["y"], name="cat", axis=1),
    ]
    inits = [ints("parts", [2, 4]), ints("st", [1]), ints("en", [3]), ints("ax", [1])]
    m = model(nodes, [("x", [1, 6, 5, 5])], ["y"], inits, opset=13)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "split").output == (5, 5, 2)
    assert layer(analysis, "split:1").output == (5, 5, 4)
    assert layer(analysis, "slice").output == (5, 5, 2)
    assert layer(analysis, "cat").output == (5, 5, 8)
    check_shapes(m, spec)


def test_opset_11_attributes_and_opset_13_inputs(tmp_path):
    # Split, Squeeze and Unsqueeze took their lists as attributes before opset 13
    nodes = [
        helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1, split=[1, 2]),
        helper.make_node("GlobalAveragePool", ["a"], ["g"], name="gap"),
        helper.make_node("Squeeze", ["g"], ["s"], name="squeeze", axes=[2, 3]),
        helper.make_node("Unsqueeze", ["s"], ["u"], name="unsqueeze", axes=[2, 3]),
    ]
    m = model(nodes, [("x", [1, 3, 4, 4])], ["u", "b"], opset=11)
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "squeeze").output == (1,)
    assert layer(analysis, "unsqueeze").output == (1, 1, 1)
    check_shapes(m, spec)


# ---------------------------------------------------------------- activations and arithmetic


def test_clip_as_relu6_by_opset(tmp_path):
    for opset in (6, 11):
        if opset < 11:
            node = helper.make_node("Clip", ["x"], ["y"], name="clip", min=0.0, max=6.0)
            inits = []
        else:
            node = helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")
            inits = [helper.make_tensor("lo", 1, [], [0.0]), helper.make_tensor("hi", 1, [], [6.0])]
        m = model([node], [("x", [1, 3, 4, 4])], ["y"], inits, opset=max(opset, 7))
        spec, analysis = run(m, tmp_path)
        assert (layer(analysis, "clip").kind, layer(analysis, "clip").other_ops) == ("relu6", 2 * 48)


def test_activations_map_onto_their_kinds(tmp_path):
    ops = {  # ONNX op -> (kind, operations per element)
        "Relu": ("relu", 1),
        "Sigmoid": ("sigmoid", 3),
        "Tanh": ("tanh", 1),
        "HardSigmoid": ("hard_sigmoid", 4),
        "HardSwish": ("hard_swish", 5),
        "Elu": ("elu", 4),
        "Selu": ("selu", 5),
        "Softplus": ("softplus", 3),
        "LeakyRelu": ("leaky_relu", 2),
        "Erf": ("unary", 1),
        "Exp": ("unary", 1),
        "Sqrt": ("unary", 1),
        "Softmax": ("softmax", None),
        "LogSoftmax": ("log_softmax", None),
    }
    nodes = [helper.make_node(op, ["x"], [op], name=op) for op in ops]
    nodes.append(helper.make_node("Gelu", ["x"], ["Gelu"], name="Gelu", domain=""))
    m = model(nodes, [("x", [1, 10])], list(ops) + ["Gelu"], opset=20)
    spec, analysis = run(m, tmp_path)
    for op, (kind, per) in ops.items():
        row = layer(analysis, op)
        assert row.kind == kind, op
        if per is not None:
            assert row.other_ops == 10 * per, op
    assert layer(analysis, "Softmax").other_ops == 3 * 10 - 1  # 10 exps, 9 adds, 10 divides
    assert layer(analysis, "LogSoftmax").other_ops == 3 * 10
    assert (layer(analysis, "Gelu").kind, layer(analysis, "Gelu").other_ops) == ("gelu", 50)


def test_prelu_shared_and_per_channel(tmp_path):
    nodes = [
        helper.make_node("PRelu", ["x", "one"], ["a"], name="shared"),
        helper.make_node("PRelu", ["a", "per_c"], ["b"], name="per_channel"),
    ]
    m = model(nodes, [("x", [1, 4, 3, 3])], ["b"], [weight("one", 1), weight("per_c", 4, 1, 1)])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "shared").params == 1
    assert layer(analysis, "per_channel").params == 4
    check_shapes(m, spec)


def test_erf_gelu_pattern_counts_as_gelu_does(tmp_path):
    # TorchScript's GELU before opset 20: x · 0.5 · (1 + erf(x / √2)), five operations per element
    nodes = [
        helper.make_node("Div", ["x", "sqrt2"], ["d"], name="div"),
        helper.make_node("Erf", ["d"], ["e"], name="erf"),
        helper.make_node("Add", ["e", "one"], ["a"], name="add"),
        helper.make_node("Mul", ["x", "a"], ["m"], name="mul"),
        helper.make_node("Mul", ["m", "half"], ["y"], name="half"),
    ]
    inits = [helper.make_tensor(n, 1, [], [v]) for n, v in (("sqrt2", math.sqrt(2)), ("one", 1.0), ("half", 0.5))]
    m = model(nodes, [("x", [1, 8, 2, 2])], ["y"], inits, opset=13)
    spec, analysis = run(m, tmp_path)
    assert analysis.totals.other_ops == 5 * 32 == 32 * 5
    assert analysis.totals.params == 0  # scalars are not parameters
    check_shapes(m, spec)


def test_broadcasting_with_stored_operands(tmp_path):
    # input normalisation: (x − mean) / std per channel, stored as 1×3×1×1 tensors
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["a"], name="sub"),
        helper.make_node("Div", ["a", "std"], ["b"], name="div"),
        helper.make_node("Mul", ["b", "two"], ["y"], name="double"),
    ]
    inits = [weight("mean", 1, 3, 1, 1), weight("std", 1, 3, 1, 1), helper.make_tensor("two", 1, [], [2.0])]
    m = model(nodes, [("x", [1, 3, 4, 5])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    sub = layer(analysis, "sub")
    assert (sub.kind, sub.output, sub.other_ops, sub.params) == ("elementwise", (4, 5, 3), 60, 3)
    assert spec.layers[0].params == {"op": "subtract", "operand": [3], "learned": True}
    assert spec.layers[2].params == {"op": "multiply", "value": 2}
    assert layer(analysis, "double").params == 0
    check_shapes(m, spec)


def test_squeeze_excite_multiplies_with_broadcasting(tmp_path):
    nodes = [
        helper.make_node("GlobalAveragePool", ["x"], ["g"], name="pool"),
        helper.make_node("Conv", ["g", "W1", "B1"], ["d"], name="down"),
        helper.make_node("Relu", ["d"], ["r"], name="relu"),
        helper.make_node("Conv", ["r", "W2", "B2"], ["u"], name="up"),
        helper.make_node("HardSigmoid", ["u"], ["s"], name="gate", alpha=1 / 6),
        helper.make_node("Mul", ["x", "s"], ["y"], name="scale"),
    ]
    inits = [weight("W1", 2, 8, 1, 1), weight("B1", 2), weight("W2", 8, 2, 1, 1), weight("B2", 8)]
    m = model(nodes, [("x", [1, 8, 5, 5])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    assert (layer(analysis, "scale").kind, layer(analysis, "scale").output) == ("multiply", (5, 5, 8))
    assert analysis.totals.params == 16 + 2 + 16 + 8
    check_shapes(m, spec)


def test_batch_norm_lrn_pad_dropout_identity_cast(tmp_path):
    nodes = [
        helper.make_node("BatchNormalization", ["x", "g", "b", "m", "v"], ["bn"], name="bn", epsilon=1e-3),
        helper.make_node("LRN", ["bn"], ["lrn"], name="lrn", size=3),
        helper.make_node("Pad", ["lrn", "pads"], ["pad"], name="pad", mode="reflect"),
        helper.make_node("Pad", ["pad", "pads0"], ["zp"], name="zero_pad"),
        helper.make_node("Dropout", ["zp"], ["do"], name="drop"),
        helper.make_node("Identity", ["do"], ["id"], name="same"),
        helper.make_node("Cast", ["id"], ["y"], name="cast", to=1),
    ]
    pads = ints("pads", [0, 0, 1, 2, 0, 0, 1, 0])  # begin N C H W, end N C H W
    pads0 = ints("pads0", [0, 0, 0, 1, 0, 0, 0, 1])
    inits = [weight(n, 4) for n in "gbmv"] + [pads, pads0]
    m = model(nodes, [("x", [1, 4, 5, 5])], ["y"], inits, opset=13)
    spec, analysis = run(m, tmp_path)
    bn = layer(analysis, "bn")
    assert (bn.params, bn.non_trainable, bn.other_ops) == (8, 8, 2 * 100)
    assert layer(analysis, "lrn").other_ops == (2 * 3 + 3) * 100
    assert (layer(analysis, "pad").kind, layer(analysis, "pad").output) == ("pad", (7, 7, 4))
    assert spec.layers[2].params == {"padding": [1, 1, 2, 0], "mode": "reflect"}
    assert (layer(analysis, "zero_pad").kind, layer(analysis, "zero_pad").output) == ("zero_pad", (7, 9, 4))
    assert [layer(analysis, n).kind for n in ("drop", "same", "cast")] == ["dropout", "identity", "unary"]
    check_shapes(m, spec)


def test_nhwc_input_transposed_first_is_read_as_channels_last(tmp_path):
    # tf2onnx: a Keras model's NHWC input, transposed to NCHW before the first conv
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], name="to_nchw", perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["t", "W"], ["y"], name="conv", pads=[1, 1, 1, 1]),
    ]
    m = model(nodes, [("x", [1, 8, 9, 3])], ["y"], [weight("W", 4, 3, 3, 3)])
    spec, analysis = run(m, tmp_path)
    assert spec.onnx.input_layout == "NHWC"
    assert analysis.input == (8, 9, 3)
    assert layer(analysis, "conv").output == (8, 9, 4)
    check_shapes(m, spec)


def test_a_class_token_concat_and_its_selection(tmp_path):
    # ViT's head: a learned 1×1×D token before the L patches, a learned position embedding, then x[:, 0]
    nodes = [
        helper.make_node("Concat", ["token", "x"], ["t"], name="cat", axis=1),
        helper.make_node("Add", ["t", "pos"], ["p"], name="pos"),
        helper.make_node("Gather", ["p", "zero"], ["c"], name="select", axis=1),
        helper.make_node("Gemm", ["c", "W"], ["y"], name="head", transB=1),
    ]
    inits = [
        weight("token", 1, 1, 8),
        weight("pos", 1, 5, 8),
        helper.make_tensor("zero", helper.TensorProto.INT64, [], [0]),
        weight("W", 3, 8),
    ]
    m = model(nodes, [("x", [1, 4, 8])], ["y"], inits)
    spec, analysis = run(m, tmp_path)
    assert (layer(analysis, "cat").kind, layer(analysis, "cat").output, layer(analysis, "cat").params) == (
        "concat_stored",
        (5, 8),
        8,
    )
    assert layer(analysis, "pos").params == 40  # the position embedding, 5 × 8
    assert layer(analysis, "select").output == (8,)
    assert analysis.totals.params == 8 + 40 + 24 and analysis.totals.macs == 24
    check_shapes(m, spec)


def test_attention_that_folds_a_batch_of_1_into_the_heads(tmp_path):
    """nn.MultiheadAttention as TorchScript exports it: tokens first (T, N, C), the heads folded into the
    batch axis (T, N·H, D) then moved first (N·H, T, D). With N = 1 every axis is the sample's, so the
    reshapes are free and the two batched products count as FlopCounterMode counts bmm:
    scores 2 heads · 4·4 outputs · 4 multiplies = 128, and the same for the weighted values."""
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], name="tokens_first", perm=[1, 0, 2]),  # 1×4×8 → 4×1×8
        helper.make_node("Reshape", ["t", "heads"], ["h"], name="fold_heads"),  # → 4×2×4 (T, N·H, D)
        helper.make_node("Transpose", ["h"], ["q"], name="heads_first", perm=[1, 0, 2]),  # → 2×4×4
        helper.make_node("Transpose", ["q"], ["k"], name="keys", perm=[0, 2, 1]),
        helper.make_node("MatMul", ["q", "k"], ["s"], name="scores"),
        helper.make_node("Softmax", ["s"], ["p"], name="softmax", axis=-1),
        helper.make_node("MatMul", ["p", "q"], ["y"], name="weighted"),
    ]
    m = model(nodes, [("x", [1, 4, 8])], ["y"], [ints("heads", [4, 2, 4])])
    spec, analysis = run(m, tmp_path)
    assert layer(analysis, "scores").macs == 2 * 4 * 4 * 4
    assert layer(analysis, "weighted").macs == 2 * 4 * 4 * 4
    assert analysis.totals.macs == 256
    check_shapes(m, spec)
    with pytest.raises(Exception, match="batch"):  # a batch of 2 folded into the heads cannot be counted per sample
        run(model(nodes, [("x", [2, 4, 8])], ["y"], [ints("heads", [4, 4, 4])]), tmp_path, "b2.onnx")
