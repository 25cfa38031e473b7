"""Shape and cost rules against hand-computed cases (every expected number is worked out in a comment)."""

from __future__ import annotations

import pytest

from .conftest import layer


def one_layer(run_spec, input_shape, layer_yaml):
    return run_spec(f"input: {list(input_shape)}\nlayers:\n  - {layer_yaml}\n").layers[1]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (7, 3, 2, "same", 4),  # ⌈7/2⌉ = 4 (pad total (4-1)·2+3-7 = 2: 1 top, 1 bottom)
        (8, 3, 2, "same", 4),  # ⌈8/2⌉ = 4 (pad total 3·2+3-8 = 1: 0 top, 1 bottom)
        (7, 3, 2, "valid", 3),  # ⌊(7-3)/2⌋+1 = 3
        (8, 3, 2, "valid", 3),  # ⌊(8-3)/2⌋+1 = 3
        (28, 5, 1, "2", 28),  # ⌊(28+2·2-5)/1⌋+1 = 28, the course's example
        (9, 4, 3, "[1, 2]", 3),  # rows: ⌊(9+2-4)/3⌋+1 = 3; columns ⌊(9+4-4)/3⌋+1 = 4
        (224, 7, 2, "3", 112),  # ResNet conv1: ⌊(224+6-7)/2⌋+1 = 112
        (227, 11, 4, "0", 55),  # AlexNet conv1: ⌊(227-11)/4⌋+1 = 55
    ],
)
def test_conv_output_size(run_spec, size, kernel, stride, padding, expected):
    out = one_layer(
        run_spec, (size, size, 3), f"{{kind: conv, filters: 8, kernel: {kernel}, stride: {stride}, padding: {padding}}}"
    )
    assert out.output[0] == expected
    if padding == "[1, 2]":
        assert out.output[1] == 4


def test_asymmetric_padding_four_values(run_spec):
    # rows: 10 + 0 + 2 - 3 + 1 = 10; columns: 10 + 3 + 1 - 3 + 1 = 12
    out = one_layer(run_spec, (10, 10, 1), "{kind: conv, filters: 1, kernel: 3, padding: [0, 2, 3, 1]}")
    assert out.output == (10, 12, 1)


def test_dilation(run_spec):
    # a 3×3 kernel with dilation 2 spans 5 pixels: ⌊(10-5)/1⌋+1 = 6; MACs unchanged per output: 6·6·4 × 3·3·2
    out = one_layer(run_spec, (10, 10, 2), "{kind: conv, filters: 4, kernel: 3, dilation: 2}")
    assert out.output == (6, 6, 4)
    assert out.macs == 6 * 6 * 4 * 3 * 3 * 2
    same = one_layer(run_spec, (10, 10, 2), "{kind: conv, filters: 4, kernel: 3, dilation: 2, padding: same}")
    assert same.output == (10, 10, 4)


def test_grouped_conv(run_spec):
    # 16 input channels in 4 groups: each filter sees 4 channels. params 3·3·4·32 + 32 = 1,184;
    # MACs 8·8·32 outputs × 3·3·4 = 73,728
    out = one_layer(run_spec, (8, 8, 16), "{kind: conv, filters: 32, kernel: 3, padding: same, groups: 4}")
    assert out.output == (8, 8, 32)
    assert out.params == 1184
    assert out.macs == 73_728


def test_depthwise_with_multiplier(run_spec):
    # 3 channels × multiplier 2 = 6 outputs; params 3·3·6 + 6 bias; MACs 4·4·6 × 3·3
    out = one_layer(run_spec, (6, 6, 3), "{kind: depthwise_conv, kernel: 3, multiplier: 2}")
    assert out.output == (4, 4, 6)
    assert out.params == 60
    assert out.macs == 864


def test_separable_conv(run_spec):
    # depthwise 3·3·3 = 27 weights, pointwise 3·5 = 15, bias 5 -> 47; MACs 432 + 240 (the course's example)
    out = one_layer(run_spec, (6, 6, 3), "{kind: separable_conv, filters: 5, kernel: 3}")
    assert out.output == (4, 4, 5)
    assert out.params == 47
    assert out.macs == 672


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "ceil", "expected"),
    [
        (112, 3, 2, 0, "true", 56),  # GoogLeNet: ⌈(112-3)/2⌉+1 = 56 (floor would give 55)
        (112, 3, 2, 0, "false", 55),
        (5, 2, 2, 0, "true", 3),  # ⌈3/2⌉+1 = 3: the last window starts inside the input
        (4, 2, 3, 1, "true", 2),  # ⌈4/3⌉+1 = 3, but window 3 would start at 6 ≥ 4+1 (padding): dropped
        (14, 2, 2, 0, "true", 7),
    ],
)
def test_pool_ceil_mode(run_spec, size, kernel, stride, padding, ceil, expected):
    out = one_layer(
        run_spec,
        (size, size, 2),
        f"{{kind: max_pool, kernel: {kernel}, stride: {stride}, padding: {padding}, ceil_mode: {ceil}}}",
    )
    assert out.output == (expected, expected, 2)


def test_pool_stride_defaults_to_kernel_and_counts_ops(run_spec):
    # 2×2 windows, stride 2: 4×4 → 2×2; max: 3 comparisons per output, avg: 3 adds + 1 divide
    mx = one_layer(run_spec, (4, 4, 3), "{kind: max_pool, kernel: 2}")
    av = one_layer(run_spec, (4, 4, 3), "{kind: avg_pool, kernel: 2}")
    assert mx.output == av.output == (2, 2, 3)
    assert mx.other_ops == 2 * 2 * 3 * 3
    assert av.other_ops == 2 * 2 * 3 * 4


def test_transposed_conv(run_spec):
    # (7-1)·2 - 2·1 + (4-1) + 1 = 14; params 64·32·4·4 + 32; MACs: each of 7·7·64 inputs × 4·4·32
    out = one_layer(run_spec, (7, 7, 64), "{kind: conv_transpose, filters: 32, kernel: 4, stride: 2, padding: 1}")
    assert out.output == (14, 14, 32)
    assert out.params == 32_800
    assert out.macs == 1_605_632


def test_transposed_conv_output_padding(run_spec):
    # (7-1)·2 - 2·1 + (3-1) + output_padding 1 + 1 = 14
    out = one_layer(
        run_spec, (7, 7, 4), "{kind: conv_transpose, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1}"
    )
    assert out.output == (14, 14, 4)


def test_adaptive_avg_pool(run_spec):
    # 7 → 3 windows: [0,3), [2,5), [4,7): 3 each, so 9 rows × 9 columns summed per channel; 2 channels
    out = one_layer(run_spec, (7, 7, 2), "{kind: adaptive_avg_pool, output: 3}")
    assert out.output == (3, 3, 2)
    assert out.other_ops == 2 * 9 * 9
    identity = one_layer(run_spec, (6, 6, 256), "{kind: adaptive_avg_pool, output: 6}")
    assert identity.other_ops == 6 * 6 * 256  # windows of 1: one divide each


def test_global_pools(run_spec):
    avg = one_layer(run_spec, (7, 7, 8), "{kind: global_avg_pool}")
    mx = one_layer(run_spec, (7, 7, 8), "{kind: global_max_pool}")
    assert avg.output == mx.output == (1, 1, 8)
    assert avg.other_ops == 8 * 49  # 48 adds + 1 divide per channel
    assert mx.other_ops == 8 * 48  # 48 comparisons per channel


def test_fc_flattens_and_counts_bias(run_spec):
    out = one_layer(run_spec, (5, 5, 16), "{kind: fc, units: 120}")
    assert out.output == (120,)
    assert out.params == 400 * 120 + 120
    assert out.macs == 400 * 120
    assert out.other_ops == 120  # the bias adds


def test_batch_norm_params_and_state(run_spec):
    out = one_layer(run_spec, (4, 4, 10), "{kind: batch_norm}")
    assert (out.params, out.non_trainable, out.other_ops) == (20, 20, 2 * 160)


def test_fused_bn_and_activation_match_separate_layers(run_spec):
    fused = run_spec(
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 3, bias: false, bn: true, activation: relu6}\n"
    )
    separate = run_spec(
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 3, bias: false}\n"
        "  - {kind: batch_norm}\n  - {kind: relu6}\n"
    )
    for field in ("params", "non_trainable", "macs", "other_ops"):
        assert getattr(fused.totals, field) == getattr(separate.totals, field)


@pytest.mark.parametrize(
    ("kind", "per_element"),
    [
        ("relu", 1),
        ("relu6", 2),
        ("leaky_relu", 2),
        ("prelu", 2),
        ("sigmoid", 3),
        ("tanh", 1),
        ("hard_sigmoid", 4),
        ("hard_swish", 5),
        ("silu", 4),
        ("gelu", 5),
    ],
)
def test_activation_ops_per_element(run_spec, kind, per_element):
    out = one_layer(run_spec, (2, 3, 4), f"{{kind: {kind}}}")
    assert out.other_ops == per_element * 24


def test_prelu_slopes(run_spec):
    assert one_layer(run_spec, (2, 2, 7), "{kind: prelu}").params == 7
    assert one_layer(run_spec, (2, 2, 7), "{kind: prelu, shared: true}").params == 1


def test_softmax_ops(run_spec):
    # over 10 classes: 10 exps, 9 adds, 10 divides
    assert one_layer(run_spec, (10,), "{kind: softmax}").other_ops == 29


def test_lrn_ops(run_spec):
    assert one_layer(run_spec, (2, 2, 8), "{kind: lrn, size: 5}").other_ops == (2 * 5 + 3) * 32


def test_merges(run_spec):
    analysis = run_spec("""
        input: [4, 4, 8]
        layers:
          - {kind: conv, name: a, filters: 8, kernel: 1}
          - {kind: conv, name: b, input: input, filters: 8, kernel: 1}
          - {kind: add, name: sum, inputs: [a, b, input]}
          - {kind: concat, name: cat, inputs: [a, b]}
          - {kind: global_avg_pool, name: squeeze, input: cat}
          - {kind: fc, name: excite, units: 16, activation: sigmoid}
          - {kind: multiply, name: scale, inputs: [cat, excite]}
        """)
    assert layer(analysis, "sum").output == (4, 4, 8)
    assert layer(analysis, "sum").other_ops == 2 * 128  # three inputs: two adds per element
    assert layer(analysis, "cat").output == (4, 4, 16)
    assert layer(analysis, "scale").output == (4, 4, 16)  # 16 broadcast over 4×4×16
    assert layer(analysis, "scale").other_ops == 256


def test_channel_ops(run_spec):
    analysis = run_spec("""
        input: [4, 4, 12]
        layers:
          - {kind: channel_slice, name: first, start: 2, stop: 5}
          - {kind: channel_split, name: half, input: input, parts: 2, index: 1}
          - {kind: channel_shuffle, name: shuffle, input: input, groups: 3}
          - {kind: upsample, name: up, input: input, scale: 2, mode: bilinear}
          - {kind: upsample, name: sized, input: input, size: [5, 6]}
          - {kind: zero_pad, name: pad, input: input, padding: [1, 2, 3, 4]}
          - {kind: flatten, name: flat, input: input}
        """)
    assert layer(analysis, "first").output == (4, 4, 3)
    assert layer(analysis, "half").output == (4, 4, 6)
    assert layer(analysis, "shuffle").output == (4, 4, 12)
    assert layer(analysis, "up").output == (8, 8, 12)
    assert layer(analysis, "up").other_ops == 7 * 8 * 8 * 12
    assert layer(analysis, "sized").output == (5, 6, 12)
    assert layer(analysis, "sized").other_ops == 0
    assert layer(analysis, "pad").output == (7, 11, 12)
    assert layer(analysis, "flat").output == (192,)


def test_batch_scales_work_not_params(run_spec):
    text = "input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 3}\n"
    one, eight = run_spec(text), run_spec(text, batch=8)
    assert eight.totals.params == one.totals.params
    assert eight.totals.macs == 8 * one.totals.macs
    assert eight.totals.other_ops == 8 * one.totals.other_ops
    assert eight.totals.activations == 8 * one.totals.activations


def test_dtype_bytes(run_spec):
    text = "input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 3, bn: true}\n"
    f32, f16, i8 = (run_spec(text, dtype=d) for d in ("float32", "float16", "int8"))
    stored = f32.totals.params + f32.totals.non_trainable
    assert (f32.totals.param_bytes, f16.totals.param_bytes, i8.totals.param_bytes) == (4 * stored, 2 * stored, stored)
    assert f16.totals.activation_bytes == 2 * f16.totals.activations
