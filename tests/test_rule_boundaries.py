"""Rules on non-square inputs, kernels and strides, and the boundaries where plausible bugs hide.

Every expected number is worked out by hand in a comment from the documented rule (specs/README.md,
PyTorch's and TensorFlow's documentation), never computed by costcalc. Each test names the wrong
rule it is there to catch: with height and width equal, or away from a boundary, a wrong rule gives
the right answer and the suite cannot see it.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from costcalc.budget import BUDGETS, BudgetError, parse_amount
from costcalc.errors import CostcalcError, SpecError
from costcalc.expressions import MappingScope, evaluate, make_divisible
from costcalc.graph import build_graph
from costcalc.layers.windows import window2d
from costcalc.memory import peak_memory
from costcalc.receptive_field import receptive_fields
from costcalc.spec import parse_spec

from .conftest import layer


def one_layer(run_spec, input_shape, layer_yaml):
    return run_spec(f"input: {list(input_shape)}\nlayers:\n  - {layer_yaml}\n").layers[1]


def refused(run_spec, text: str) -> str:
    with pytest.raises(CostcalcError) as caught:
        run_spec(text)
    return caught.value.format()


# ---------------------------------------------------------------- every window rule, height ≠ width


def test_conv_non_square_everything(run_spec):
    # 9×8×4, kernel [3, 2], stride [2, 1], dilation [1, 2], padding [1, 0], groups 2, 6 filters
    # rows: span 3, ⌊(9 + 2 − 3) / 2⌋ + 1 = 5; columns: span 2·(2 − 1) + 1 = 3, ⌊(8 + 0 − 3) / 1⌋ + 1 = 6
    # params 3·2·(4/2)·6 + 6 = 78; MACs 5·6·6 × 3·2·2 = 2,160; bias adds 5·6·6 = 180
    # (kernel swapped: columns span 5 → 4; stride swapped: rows 9; padding swapped: rows 4)
    out = one_layer(
        run_spec,
        (9, 8, 4),
        "{kind: conv, filters: 6, kernel: [3, 2], stride: [2, 1], dilation: [1, 2], padding: [1, 0], groups: 2}",
    )
    assert (out.output, out.params, out.macs, out.other_ops) == ((5, 6, 6), 78, 2160, 180)


def test_depthwise_non_square_four_value_padding(run_spec):
    # 10×9×3, kernel [1, 3], stride [3, 2], padding [top 0, bottom 0, left 2, right 1], multiplier 2
    # rows: ⌊(10 − 1) / 3⌋ + 1 = 4; columns: ⌊(9 + 3 − 3) / 2⌋ + 1 = 5; channels 3·2 = 6
    # params 1·3·6 + 6 = 24; MACs 4·5·6 × 1·3 = 360
    out = one_layer(
        run_spec,
        (10, 9, 3),
        "{kind: depthwise_conv, kernel: [1, 3], stride: [3, 2], padding: [0, 0, 2, 1], multiplier: 2}",
    )
    assert (out.output, out.params, out.macs) == ((4, 5, 6), 24, 360)


def test_separable_conv_uses_its_depth_multiplier(run_spec):
    # 6×5×3, kernel [3, 1], multiplier 2 (6 middle channels), 4 filters, 'valid': 4×5
    # depthwise 3·1·6 = 18 weights, pointwise 6·4 = 24, bias 4 → 46
    # MACs: depthwise 4·5·6 × 3·1 = 360, pointwise 4·5·4 × 6 = 480 → 840
    # (ignoring the multiplier: 9 + 12 + 4 = 25 params, 180 + 240 = 420 MACs)
    out = one_layer(run_spec, (6, 5, 3), "{kind: separable_conv, filters: 4, kernel: [3, 1], multiplier: 2}")
    assert (out.output, out.params, out.macs) == ((4, 5, 4), 46, 840)


def test_conv_transpose_non_square_with_dilation(run_spec):
    # 5×4×4 → 6 filters, kernel [3, 2], stride [2, 3], padding [1, 0], output_padding [1, 2], dilation [2, 1], groups 2
    # rows: (5 − 1)·2 − 2·1 + 2·(3 − 1) + 1 + 1 = 12; columns: (4 − 1)·3 − 0 + 1·(2 − 1) + 2 + 1 = 13
    # params C·(filters/g)·kh·kw + filters = 4·3·3·2 + 6 = 78; MACs H·W·C × kh·kw·filters/g = 80 × 18 = 1,440
    # (ignoring dilation: rows 10; PyTorch's ConvTranspose2d gives 12×13)
    out = one_layer(
        run_spec,
        (5, 4, 4),
        "{kind: conv_transpose, filters: 6, kernel: [3, 2], stride: [2, 3], padding: [1, 0],"
        " output_padding: [1, 2], dilation: [2, 1], groups: 2}",
    )
    assert (out.output, out.params, out.macs) == ((12, 13, 6), 78, 1440)


def test_conv_transpose_dilation_alone(run_spec):
    # 3×3×1 → kernel 3, dilation 3, stride 1: (3 − 1)·1 + 3·(3 − 1) + 1 = 9 (ignoring dilation: 5)
    assert one_layer(run_spec, (3, 3, 1), "{kind: conv_transpose, filters: 1, kernel: 3, dilation: 3}").output == (
        9,
        9,
        1,
    )


def test_conv_transpose_output_padding_bound():
    # PyTorch: output_padding must be smaller than either stride or dilation: < max(s, d)
    text = "input: [4, 4, 1]\nlayers:\n  - {{kind: conv_transpose, filters: 1, kernel: 3, stride: {s}, dilation: {d}, output_padding: {op}}}\n"
    ok = build_graph(parse_spec(text.format(s=1, d=3, op=2), "t.yaml")).nodes[1].shape
    assert ok == ((4 - 1) + 3 * 2 + 2 + 1,) * 2 + (1,)  # 12
    with pytest.raises(SpecError, match="output_padding 3 is not smaller than stride 1 or dilation 3"):
        build_graph(parse_spec(text.format(s=1, d=3, op=3), "t.yaml"))


def test_max_pool_uses_its_dilation(run_spec):
    # 10×12×2, kernel 2, dilation [3, 1], stride = kernel 2: rows span 3·1 + 1 = 4, ⌊(10 − 4) / 2⌋ + 1 = 4;
    # columns span 2, ⌊(12 − 2) / 2⌋ + 1 = 6; other ops (2·2 − 1) per output: 4·6·2·3 = 144
    # (ignoring dilation: rows 5; PyTorch's MaxPool2d(2, dilation=3) on 10 gives 4)
    out = one_layer(run_spec, (10, 12, 2), "{kind: max_pool, kernel: 2, dilation: [3, 1]}")
    assert (out.output, out.other_ops) == ((4, 6, 2), 144)


def test_max_pool_non_square_ceil_mode(run_spec):
    # 9×7, kernel [3, 2], stride [2, 1], padding [1, 0], dilation [1, 2], ceil_mode
    # rows: span 3, ⌈(9 + 2 − 3) / 2⌉ + 1 = 5, last start 4·2 = 8 < 9 + 1: kept → 5
    # columns: span 3, ⌈(7 − 3) / 1⌉ + 1 = 5 (PyTorch: 5×5)
    out = one_layer(
        run_spec,
        (9, 7, 1),
        "{kind: max_pool, kernel: [3, 2], stride: [2, 1], padding: [1, 0], dilation: [1, 2], ceil_mode: true}",
    )
    assert out.output == (5, 5, 1)


def test_avg_pool_non_square(run_spec):
    # 7×6×2, kernel [3, 2], stride [1, 2], padding 1, ceil_mode
    # rows ⌈(7 + 2 − 3) / 1⌉ + 1 = 7; columns ⌈(6 + 2 − 2) / 2⌉ + 1 = 4, last start 3·2 = 6 < 6 + 1: kept
    # other ops kh·kw per output: 7·4·2·6 = 336 (PyTorch: 7×4)
    out = one_layer(
        run_spec, (7, 6, 2), "{kind: avg_pool, kernel: [3, 2], stride: [1, 2], padding: 1, ceil_mode: true}"
    )
    assert (out.output, out.other_ops) == ((7, 4, 2), 336)


def test_adaptive_pools_non_square(run_spec):
    # 7×5×2 → [3, 2]. Rows, 7 → 3: windows [⌊i·7/3⌋, ⌈(i+1)·7/3⌉) = [0,3) [2,5) [4,7): 3 + 3 + 3 = 9
    # columns, 5 → 2: [0,3) [2,5): 3 + 3 = 6. avg: 2·9·6 = 108; max: 108 − 3·2·2 = 96
    # (axes swapped: rows 7 → 2 = 8, columns 5 → 3 = 2 + 3 + 2 = 7: 112)
    avg = one_layer(run_spec, (7, 5, 2), "{kind: adaptive_avg_pool, output: [3, 2]}")
    mx = one_layer(run_spec, (7, 5, 2), "{kind: adaptive_max_pool, output: [3, 2]}")
    assert (avg.output, avg.other_ops, mx.output, mx.other_ops) == ((3, 2, 2), 108, (3, 2, 2), 96)


def test_upsample_non_square_scale(run_spec):
    # 4×5×2 by [2, 3]: 8×15×2; bilinear 7 per output: 7·8·15·2 = 1,680
    out = one_layer(run_spec, (4, 5, 2), "{kind: upsample, scale: [2, 3], mode: bilinear}")
    assert (out.output, out.other_ops) == ((8, 15, 2), 1680)


def test_zero_pad_non_square(run_spec):
    # 4×5 padded [top 1, bottom 2, left 3, right 4]: 7×12
    assert one_layer(run_spec, (4, 5, 3), "{kind: zero_pad, padding: [1, 2, 3, 4]}").output == (7, 12, 3)


def test_global_pools_non_square(run_spec):
    # 3×5×2: avg H·W per channel = 30; max H·W − 1 per channel = 28
    avg = one_layer(run_spec, (3, 5, 2), "{kind: global_avg_pool}")
    mx = one_layer(run_spec, (3, 5, 2), "{kind: global_max_pool}")
    assert (avg.other_ops, mx.other_ops) == (30, 28)


# ---------------------------------------------------------------- 'same': TensorFlow's documented rule

# TensorFlow (tf.nn.convolution, padding='SAME'): out = ⌈n / s⌉,
# pad_total = max((out − 1)·s + d·(k − 1) + 1 − n, 0), pad_before = pad_total // 2, the rest after.
# (n, k, s, d) → (out, before, after), each worked out by hand:
SAME_TABLE = [
    ((7, 3, 2, 1), (4, 1, 1)),  # out 4, total 3·2 + 3 − 7 = 2
    ((8, 3, 2, 1), (4, 0, 1)),  # out 4, total 3·2 + 3 − 8 = 1: the odd pixel after (bottom/right)
    ((8, 4, 2, 1), (4, 1, 1)),  # total 3·2 + 4 − 8 = 2
    ((7, 4, 2, 1), (4, 1, 2)),  # total 3·2 + 4 − 7 = 3
    ((10, 5, 3, 1), (4, 2, 2)),  # out 4, total 3·3 + 5 − 10 = 4
    ((11, 5, 3, 1), (4, 1, 2)),  # total 9 + 5 − 11 = 3
    ((9, 3, 3, 1), (3, 0, 0)),  # total 6 + 3 − 9 = 0
    ((6, 1, 2, 1), (3, 0, 0)),  # total max(4 + 1 − 6, 0) = 0
    ((8, 2, 3, 1), (3, 0, 0)),  # out 3, total 6 + 2 − 8 = 0
    ((13, 4, 3, 1), (5, 1, 2)),  # out 5, total 12 + 4 − 13 = 3
    ((1, 3, 2, 1), (1, 1, 1)),  # out 1, total 0 + 3 − 1 = 2
    ((2, 4, 3, 1), (1, 1, 1)),  # out 1, total 0 + 4 − 2 = 2
    ((4, 4, 3, 1), (2, 1, 2)),  # out 2, total 3 + 4 − 4 = 3
    ((5, 3, 1, 2), (5, 2, 2)),  # stride 1, dilated span 5: total 4 + 5 − 5 = 4
    ((6, 2, 1, 3), (6, 1, 2)),  # stride 1, span 4: total 5 + 4 − 6 = 3
    ((7, 3, 2, 2), (4, 2, 2)),  # span 5: total 6 + 5 − 7 = 4
    ((6, 2, 2, 1), (3, 0, 0)),  # total 4 + 2 − 6 = 0
    ((5, 2, 2, 1), (3, 0, 1)),  # total 4 + 2 − 5 = 1
]


@pytest.mark.parametrize(("rows", "columns"), list(zip(SAME_TABLE, SAME_TABLE[1:] + SAME_TABLE[:1])))
def test_same_padding_follows_tensorflow(rows, columns):
    (nh, kh, sh, dh), (oh, top, bottom) = rows
    (nw, kw, sw, dw), (ow, left, right) = columns
    text = (
        f"input: [{nh}, {nw}, 1]\nlayers:\n"
        f"  - {{kind: conv, filters: 1, kernel: [{kh}, {kw}], stride: [{sh}, {sw}], dilation: [{dh}, {dw}], padding: same}}\n"
        f"  - {{kind: max_pool, input: input, kernel: [{kh}, {kw}], stride: [{sh}, {sw}], dilation: [{dh}, {dw}],"
        f" padding: same}}\n"
    )
    graph = build_graph(parse_spec(text, "same.yaml"))
    fields = receptive_fields(graph)
    for node, field in zip(graph.nodes[1:], fields[1:]):
        assert node.shape == (oh, ow, 1), node.name
        assert field.lo == (-top, -left), node.name  # the first window starts `before` pixels into the padding
    assert window2d((kh, kw), (sh, sw), (dh, dw), "same", (nh, nw)).padding == (top, bottom, left, right)


# ---------------------------------------------------------------- ceil mode at its boundaries


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (6, 3, 2, 1, 4),  # ⌈(6 + 2 − 3) / 2⌉ + 1 = 4 (floor: 3); last start 3·2 = 6 < 6 + 1: kept (PyTorch: 4)
        (5, 2, 2, 1, 3),  # ⌈(5 + 2 − 2) / 2⌉ + 1 = 4, but last start 3·2 = 6 ≥ 5 + 1: dropped → 3 (PyTorch: 3)
        (4, 2, 3, 1, 2),  # ⌈4 / 3⌉ + 1 = 3, last start 6 ≥ 5: dropped → 2 (PyTorch: 2)
        (7, 2, 2, 0, 4),  # ⌈5 / 2⌉ + 1 = 4, last start 6 < 7: kept (floor: 3)
        (8, 3, 3, 1, 3),  # ⌈(8 + 2 − 3) / 3⌉ + 1 = 4, last start 9 ≥ 9: dropped → 3 (floor: 3)
        (9, 3, 3, 1, 4),  # ⌈8 / 3⌉ + 1 = 4, last start 9 < 10: kept (floor: 3)
    ],
)
def test_ceil_mode_boundaries(run_spec, size, kernel, stride, padding, expected):
    for kind in ("max_pool", "avg_pool"):
        # non-square: the width takes the floor-mode case of the same numbers, ⌊(n + 2p − k) / s⌋ + 1
        floor_width = (size + 2 * padding - kernel) // stride + 1
        ceil = one_layer(
            run_spec,
            (size, size, 1),
            f"{{kind: {kind}, kernel: {kernel}, stride: {stride}, padding: {padding}, ceil_mode: true}}",
        )
        floor = one_layer(
            run_spec, (size, size, 1), f"{{kind: {kind}, kernel: {kernel}, stride: {stride}, padding: {padding}}}"
        )
        assert ceil.output == (expected, expected, 1), kind
        assert floor.output == (floor_width, floor_width, 1), kind


def test_ceil_mode_with_uneven_padding_drops_by_the_padding_before(run_spec):
    # 3×3, kernel 2, stride 3, padding [top 0, bottom 1, left 1, right 0], ceil_mode (the documented rule:
    # a last window starting in the bottom/right padding is dropped, the padding before counting as input start)
    # rows: ⌈(3 + 1 − 2) / 3⌉ + 1 = 2, last start 3 ≥ 3 + 0 (top): dropped → 1
    # columns: ⌈(3 + 1 − 2) / 3⌉ + 1 = 2, last start 3 < 3 + 1 (left): kept → 2
    out = one_layer(
        run_spec, (3, 3, 1), "{kind: max_pool, kernel: 2, stride: 3, padding: [0, 1, 1, 0], ceil_mode: true}"
    )
    assert out.output == (1, 2, 1)


# ---------------------------------------------------------------- what PyTorch refuses (issue 12 §6)


@pytest.mark.parametrize("kind", ["max_pool", "avg_pool"])
@pytest.mark.parametrize(
    ("kernel", "padding", "ok"),
    [
        (2, "1", True),  # 1 ≤ ⌊2/2⌋
        (2, "5", False),  # the example
        (2, "2", False),
        (3, "1", True),
        (3, "2", False),  # 2 > ⌊3/2⌋ = 1
        (1, "1", False),  # ⌊1/2⌋ = 0
        (4, "2", True),
        ("[3, 2]", "[1, 1]", True),  # rows ≤ 1, columns ≤ 1
        ("[3, 2]", "[1, 2]", False),  # columns 2 > ⌊2/2⌋
        ("[2, 5]", "[1, 2]", True),
        ("[2, 5]", "[2, 1]", False),  # rows 2 > ⌊2/2⌋ (height and width swapped would pass)
        ("2", "[0, 1, 1, 0]", True),  # per side
        ("2", "[0, 2, 0, 0]", False),  # the bottom alone over half
        ("[4, 2]", "[2, 0, 0, 1]", True),
        ("[4, 2]", "[0, 0, 2, 0]", False),  # the left alone over ⌊2/2⌋
        ("3", "same", True),  # 'same' pads less than the window by construction
        ("3", "valid", True),
    ],
)
def test_pool_padding_at_most_half_the_kernel(run_spec, kind, kernel, padding, ok):
    text = (
        f"input: [9, 9, 2]\nlayers:\n  - {{kind: {kind}, name: p, kernel: {kernel}, stride: 1, padding: {padding}}}\n"
    )
    if ok:
        run_spec(text)
        return
    message = refused(run_spec, text)
    assert "net.yaml:3:" in message and "layer 'p'" in message
    assert "exceeds half the" in message and "expected padding ≤" in message and "PyTorch refuses" in message


def test_dilated_max_pool_padding_is_bounded_by_the_kernel_not_its_span(run_spec):
    # PyTorch checks pad ≤ kW / 2 (MaxPool2d(2, padding=2, dilation=3) is refused though its span is 4)
    assert one_layer(run_spec, (9, 9, 1), "{kind: max_pool, kernel: 2, stride: 1, dilation: 3, padding: 1}").output == (
        8,
        8,
        1,
    )  # ⌊(9 + 2 − 4) / 1⌋ + 1 = 8
    refused(run_spec, "input: [9, 9, 1]\nlayers:\n  - {kind: max_pool, kernel: 2, dilation: 3, padding: 2}\n")
    # 'same' on a dilated pool may pad more than half the kernel (span 4, stride 1: 1 before, 2 after): allowed
    same = one_layer(run_spec, (9, 9, 1), "{kind: max_pool, kernel: 2, stride: 1, dilation: 3, padding: same}")
    assert same.output == (9, 9, 1)


@pytest.mark.parametrize("kind", ["lrn", "channel_shuffle"])
def test_channel_windows_need_an_image(run_spec, kind):
    # PyTorch refuses both on a flat vector (LocalResponseNorm: 3-D or more; ChannelShuffle: more than 2 dims)
    params = ", groups: 2" if kind == "channel_shuffle" else ""
    message = refused(run_spec, f"input: [8]\nlayers:\n  - {{kind: {kind}, name: x{params}}}\n")
    assert "layer 'x'" in message and "needs an H×W×C input" in message


# ---------------------------------------------------------------- expressions


@pytest.mark.parametrize(
    ("value", "divisor", "expected"),
    [
        (10, 3, 9),  # ⌊(10 + 1.5)⌋ // 3 · 3 = 9, and 9 = 0.9·10 is not below 0.9·10: kept
        (10.1, 3, 12),  # 9 < 0.9·10.1 = 9.09: one divisor more
        (100, 8, 104),  # ⌊104⌋ // 8 · 8 = 104
        (99.9, 8, 96),  # ⌊103.9⌋ = 103 → 96 ≥ 89.91
        (11.9, 8, 16),  # ⌊15.9⌋ → 8 < 10.71 → 16
        (1, 8, 8),  # min_value = divisor
    ],
)
def test_make_divisible_boundaries(value, divisor, expected):
    assert make_divisible(value, divisor) == expected
    assert evaluate(f"make_divisible({value}, {divisor})", MappingScope({})) == expected


def test_make_divisible_min_value_and_default_divisor():
    # max(16, ⌊5 + 4⌋ // 8 · 8 = 8) = 16; default divisor 8: ⌊20 + 4⌋ // 8 · 8 = 24
    assert evaluate("make_divisible(5, 8, 16)", MappingScope({})) == 16
    assert evaluate("make_divisible(20)", MappingScope({})) == 24
    with pytest.raises(SpecError, match="positive divisor"):
        evaluate("make_divisible(20, 0)", MappingScope({}))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 < 2 < 3", True),
        ("1 < 3 < 2", False),  # the second comparison decides
        ("3 < 2 < 4", False),  # the first decides
        ("1 < 2 <= 2", True),
        ("2 == 2 == 3", False),
        ("1 != 2 != 1", True),  # Python's meaning: 1 != 2 and 2 != 1
        ("0 < c < 30 > 20", True),
        ("0 < c < 20", False),
    ],
)
def test_chained_comparisons(text, value):
    result = evaluate(text, MappingScope({"c": 24}))
    assert result is value


# ---------------------------------------------------------------- the language: first, when


def test_first_overrides_the_entrys_own_values(run_spec):
    # repeat 2 with stride: 1 written on the entry and first: {stride: 2}: the first strides (16 → 8), the second not
    analysis = run_spec("""
        input: [16, 16, 3]
        blocks:
          unit:
            args: {stride: 1}
            layers:
              - {kind: conv, filters: 4, kernel: 3, stride: stride, padding: 1}
        layers:
          - {kind: conv, name: c, filters: 4, kernel: 3, stride: 1, padding: 1, repeat: 2, first: {stride: 2}}
          - {kind: unit, name: u, stride: 1, repeat: 2, first: {stride: 2}}
        """)
    assert layer(analysis, "c.0").output == (8, 8, 4) and layer(analysis, "c.1").output == (8, 8, 4)
    assert layer(analysis, "u.0.conv_1").output == (4, 4, 4) and layer(analysis, "u.1.conv_1").output == (4, 4, 4)


# ---------------------------------------------------------------- peak memory


def test_a_tensor_read_twice_by_one_layer_is_freed_once(run_spec):
    # input 4·4·1 = 16; a: 4·4·4 = 64; s = add [a, a]: 64; b: 4·4·8 = 128
    # input: 16 | a: 80, input freed → 64 | s: 128, a freed once → 64 | b: 64 + 128 = 192 (peak), s freed → 128
    # (freeing a twice would leave 0 after s, and the peak 128 at s)
    text = """
    input: [4, 4, 1]
    layers:
      - {kind: conv, name: a, filters: 4, kernel: 1}
      - {kind: add, name: s, inputs: [a, a]}
      - {kind: conv, name: b, filters: 8, kernel: 1}
    """
    peak = peak_memory(run_spec(text))
    assert (peak.elements, peak.layer, peak.held) == (192, "b", ("s", "b"))


def test_multi_input_layer_frees_each_input_after_its_last_reader(run_spec):
    # input 2·2·1 = 4; a: 2·2·2 = 8; b: 2·2·3 = 12; cat [a, b, input]: 2·2·6 = 24; out: conv to 2·2·12 = 48
    # input: 4 | a: 12 | b: 24 | cat: 48, a, b and input freed → 24 | out: 24 + 48 = 72 (peak), cat freed → 48
    text = """
    input: [2, 2, 1]
    layers:
      - {kind: conv, name: a, filters: 2, kernel: 1}
      - {kind: conv, name: b, input: input, filters: 3, kernel: 1}
      - {kind: concat, name: cat, inputs: [a, b, input]}
      - {kind: conv, name: out, filters: 12, kernel: 1}
    """
    peak = peak_memory(run_spec(text))
    assert (peak.elements, peak.layer, peak.held) == (72, "out", ("cat", "out"))
    assert peak_memory(run_spec(text), in_place=True).elements == 72  # nothing here runs in place


# ---------------------------------------------------------------- receptive fields where paths meet


def test_union_takes_the_widest_field_and_the_largest_jump():
    # input 8×8. a: adaptive pool 8 → 3, windows [0,3) [2,6) [5,8): span 4, jump 8/3, field [0, 3]
    # b: conv 2, stride 3: field [0, 1], jump 3; b2: conv 3, stride 3, padding 1: field [−1, 1], jump 3
    # cat: the union [−1, 3], jump max(8/3, 3, 3) = 3; c: conv 3 on it: [−1, 3 + 2·3] = [−1, 9]: size 11, jump 3
    # (the smallest jump would give 3 + 2·8/3: size 31/3; the first path's lo: size 10)
    text = """
    input: [8, 8, 1]
    layers:
      - {kind: adaptive_avg_pool, name: a, input: input, output: 3}
      - {kind: conv, name: b, input: input, filters: 1, kernel: 2, stride: 3}
      - {kind: conv, name: b2, input: input, filters: 1, kernel: 3, stride: 3, padding: 1}
      - {kind: concat, name: cat, inputs: [a, b, b2]}
      - {kind: conv, name: c, filters: 1, kernel: 3}
    """
    graph = build_graph(parse_spec(text, "rf.yaml"))
    fields = {node.name: f for node, f in zip(graph.nodes, receptive_fields(graph))}
    assert fields["a"].jump == (Fraction(8, 3), Fraction(8, 3)) and fields["a"].size == (4, 4)
    assert fields["cat"].lo == (-1, -1) and fields["cat"].hi == (3, 3) and fields["cat"].jump == (3, 3)
    assert fields["c"].size == (11, 11) and fields["c"].jump == (3, 3)


# ---------------------------------------------------------------- budgets: decimal counts, both kinds of bytes


def budget(option: str):
    return next(b for b in BUDGETS if b.option == option)


@pytest.mark.parametrize(
    ("option", "text", "value"),
    [
        ("--max-params", "5K", 5_000),  # K = 10³ for counts (not 1,024)
        ("--max-macs", "0.5K", 500),
        ("--max-macs", "2T", 2_000_000_000_000),
        ("--max-flops", "3k", 3_000),
        ("--max-activations", "1_500", 1_500),
        ("--max-param-bytes", "1KB", 1_000),  # KB decimal
        ("--max-param-bytes", "1KiB", 1_024),  # KiB binary
        ("--max-activation-bytes", "1.5KiB", 1_536),
        ("--max-activation-bytes", "2MB", 2_000_000),
        ("--max-activation-bytes", "1GiB", 1 << 30),
        ("--max-activation-bytes", "1TiB", 1 << 40),
    ],
)
def test_budget_units(option, text, value):
    assert parse_amount(text, budget(option)) == value


@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("--max-params", "1.0001K"),
        ("--max-macs", "5KiB"),
        ("--max-param-bytes", "5X"),
        ("--max-macs", "M"),
        ("--max-param-bytes", "0.1KiB"),  # 102.4 bytes: a fraction of a byte is refused, as of a count
        ("--max-param-bytes", "0.1B"),
    ],
)
def test_budget_refusals(option, text):
    with pytest.raises(BudgetError):
        parse_amount(text, budget(option))


def fields(text: str) -> dict:
    graph = build_graph(parse_spec(text, "rf.yaml"))
    return {node.name: f for node, f in zip(graph.nodes, receptive_fields(graph))}


def test_receptive_fields_non_square():
    # input 12×9. c: kernel [3, 2], stride [2, 1], padding [top 1, bottom 0, left 0, right 1], dilation [1, 2]
    #   rows: span 3, offset −1: lo −1, hi −1 + 3 − 1 = 1, jump 2; columns: span 3, offset 0: lo 0, hi 2, jump 1
    #   output rows ⌊(12 + 1 − 3) / 2⌋ + 1 = 6, columns ⌊(9 + 1 − 3) / 1⌋ + 1 = 8
    # p: max pool [2, 3], stride [1, 3]: rows hi 1 + (2 − 1)·2 = 3, jump 2; columns hi 2 + (3 − 1)·1 = 4, jump 3
    #   output rows 6 − 2 + 1 = 5, columns ⌊(8 − 3) / 3⌋ + 1 = 2
    # up: bilinear upsample [2, 3] of p: 2 taps per axis: hi (3 + 2, 4 + 3) = (5, 7), jump (2/2, 3/3) = (1, 1)
    # near: nearest: 1 tap: hi (3, 4), jump (1, 1)
    # flat, then fc: the whole 5×2 grid of p: hi (3 + (5 − 1)·2, 4 + (2 − 1)·3) = (11, 7), jump (2·5, 3·2)
    text = """
    input: [12, 9, 1]
    layers:
      - {kind: conv, name: c, filters: 2, kernel: [3, 2], stride: [2, 1], padding: [1, 0, 0, 1], dilation: [1, 2]}
      - {kind: max_pool, name: p, kernel: [2, 3], stride: [1, 3]}
      - {kind: upsample, name: up, scale: [2, 3], mode: bilinear}
      - {kind: upsample, name: near, input: p, scale: [2, 3]}
      - {kind: flatten, name: flat, input: p}
      - {kind: fc, name: fc, units: 3}
    """
    f = fields(text)
    assert (f["c"].lo, f["c"].hi, f["c"].jump, f["c"].grid) == ((-1, 0), (1, 2), (2, 1), (6, 8))
    assert (f["p"].size, f["p"].jump, f["p"].grid) == ((5, 5), (2, 3), (5, 2))
    assert (f["up"].hi, f["up"].size, f["up"].jump, f["up"].grid) == ((5, 7), (7, 8), (1, 1), (10, 6))
    assert (f["near"].hi, f["near"].jump) == ((3, 4), (1, 1))
    assert all(type(j) is int for j in f["up"].jump)  # whole jumps are plain ints, not Fraction(1)
    assert (f["flat"].grid, f["flat"].whole) == ((5, 2), False)
    assert (f["fc"].lo, f["fc"].hi, f["fc"].jump, f["fc"].grid, f["fc"].whole) == (
        (-1, 0),
        (11, 7),
        (10, 6),
        (1, 1),
        True,
    )
    assert f["fc"].size == (13, 8)


def test_receptive_fields_of_whole_input_layers():
    # fc on the 4×3 input itself: the whole input, size 4×3, jump 4×3; a global pool then a 1×1 conv and an
    # upsample stay "whole"
    f = fields("""
    input: [4, 3, 1]
    layers:
      - {kind: fc, name: fc, units: 2}
      - {kind: global_avg_pool, name: gap, input: input}
      - {kind: conv, name: c, filters: 1, kernel: 1}
      - {kind: upsample, name: up, scale: 2}
      - {kind: relu, name: r, input: input}
    """)
    assert (f["fc"].size, f["fc"].jump, f["fc"].whole) == ((4, 3), (4, 3), True)
    assert (f["gap"].size, f["gap"].whole, f["c"].whole, f["up"].whole, f["r"].whole) == (
        (4, 3),
        True,
        True,
        True,
        False,
    )


def test_union_of_flat_paths_keeps_the_first_paths_grid():
    # input 3×2. flat: the input flattened (grid 3×2, field one pixel); fc1: the whole input, hi (2, 1), jump (3, 2),
    # grid 1×1. cat [flat, fc1]: lo (0, 0), hi (2, 1), jump (3, 2), grid of the first input (3, 2), whole.
    # fc2 on cat: hi (2 + 2·3, 1 + 1·2) = (8, 3): size 9×4
    f = fields("""
    input: [3, 2, 1]
    layers:
      - {kind: flatten, name: flat}
      - {kind: fc, name: fc1, input: input, units: 2}
      - {kind: concat, name: cat, inputs: [flat, fc1]}
      - {kind: fc, name: fc2, units: 2}
    """)
    assert (f["cat"].hi, f["cat"].jump, f["cat"].grid, f["cat"].whole) == ((2, 1), (3, 2), (3, 2), True)
    assert f["fc2"].size == (9, 4)


# ---------------------------------------------------------------- channel operations and merges at their bounds


@pytest.mark.parametrize(
    ("start", "stop", "ok"),
    [(0, 6, True), (5, 6, True), (2, 3, True), (3, 3, False), (4, 3, False), (0, 7, False)],
)
def test_channel_slice_bounds(run_spec, start, stop, ok):
    text = f"input: [2, 2, 6]\nlayers:\n  - {{kind: channel_slice, name: s, start: {start}, stop: {stop}}}\n"
    if ok:
        assert run_spec(text).layers[1].output == (2, 2, stop - start)
        return
    message = refused(run_spec, text)
    assert f"slice {start}:{stop} of 6 channels; expected 0 ≤ start < stop ≤ 6" in message


def test_channel_split_bounds(run_spec):
    assert one_layer(run_spec, (2, 3, 12), "{kind: channel_split, parts: 3, index: 2}").output == (2, 3, 4)
    assert one_layer(run_spec, (2, 3, 12), "{kind: channel_split, parts: 4, index: 0}").output == (2, 3, 3)
    message = refused(run_spec, "input: [2, 3, 12]\nlayers:\n  - {kind: channel_split, parts: 3, index: 3}\n")
    assert "index 3 of 3 parts; expected index < 3" in message
    message = refused(run_spec, "input: [2, 3, 12]\nlayers:\n  - {kind: channel_split, parts: 5, index: 0}\n")
    assert "12 channels do not split into 5 equal parts; expected parts dividing 12" in message
    # a flat vector splits too (torch.unflatten on a (1, 12) tensor): 12 → 4
    assert one_layer(run_spec, (12,), "{kind: channel_split, parts: 3, index: 1}").output == (4,)


def test_channel_shuffle_message(run_spec):
    message = refused(run_spec, "input: [2, 3, 12]\nlayers:\n  - {kind: channel_shuffle, groups: 5}\n")
    assert "12 channels do not divide into 5 groups; expected groups dividing the channels" in message


def test_upsample_needs_exactly_one_of_scale_and_size(run_spec):
    for params in ("", ", scale: 2, size: [3, 3]"):
        message = refused(run_spec, f"input: [2, 3, 1]\nlayers:\n  - {{kind: upsample{params}}}\n")
        assert "upsample needs exactly one of scale and size; expected scale: 2 or size: [h, w]" in message


def test_spatial_kinds_name_themselves_on_a_flat_vector(run_spec):
    for kind, params in (("upsample", ", scale: 2"), ("zero_pad", ", padding: 1"), ("conv", ", filters: 1, kernel: 1")):
        message = refused(run_spec, f"input: [4]\nlayers:\n  - {{kind: {kind}{params}}}\n")
        assert f"{kind} needs an H×W×C input, got a flat vector of 4" in message


@pytest.mark.parametrize(
    ("shapes", "expected"),
    [
        (("[4, 3, 2]", "[1, 1, 2]"), (4, 3, 2)),  # 1×1×C scales H×W×C
        (("[4, 3, 2]", "[4, 3, 1]"), (4, 3, 2)),  # H×W×1 scales every channel
        (("[4, 3, 2]", "[1, 3, 1]"), (4, 3, 2)),
        (("[4, 3, 2]", "[4, 1, 2]", "[1, 3, 1]"), (4, 3, 2)),
        (("[4, 3, 2]", "[2, 3, 2]"), None),  # 4 vs 2 on the rows
        (("[4, 3, 2]", "[4, 3, 3]"), None),
        (("[4, 3, 2]", "[4, 2, 2]", "[4, 1, 2]"), None),  # 3 vs 2 on the columns, whatever the third
    ],
)
def test_multiply_broadcasting(run_spec, shapes, expected):
    # each input shape made by an upsample of a 1×1 conv output: zero_pad grows the input to that shape
    layers = []
    for i, shape in enumerate(shapes):
        h, w, c = (int(x) for x in shape.strip("[]").split(","))
        layers.append(f"  - {{kind: conv, name: x{i}, input: input, filters: {c}, kernel: 1}}")
        layers.append(f"  - {{kind: adaptive_avg_pool, name: s{i}, output: [{h}, {w}]}}")
    names = ", ".join(f"s{i}" for i in range(len(shapes)))
    text = "input: [4, 3, 1]\nlayers:\n" + "\n".join(layers) + f"\n  - {{kind: multiply, name: m, inputs: [{names}]}}\n"
    if expected is not None:
        out = layer(run_spec(text), "m")
        assert out.output == expected
        assert out.other_ops == (len(shapes) - 1) * 4 * 3 * 2
        return
    message = refused(run_spec, text)
    assert "multiply cannot broadcast" in message and "expected equal sizes or 1 on each axis" in message


def test_concat_refuses_other_spatial_sizes(run_spec):
    message = refused(
        run_spec,
        "input: [4, 4, 2]\nlayers:\n  - {kind: max_pool, name: p, kernel: 2}\n  - {kind: concat, inputs: [p, input]}\n",
    )
    assert "concat needs equal spatial sizes: 2×2×2 vs 4×4×2; expected inputs that differ only in channels" in message


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [
        (1, 2, 2, 1),  # ⌈(1 − 2) / 2⌉ + 1 = 0 + 1 = 1: the window starts inside and hangs over (PyTorch: 1×1)
        (2, 4, 3, 1),  # ⌈−2 / 3⌉ + 1 = 1 (PyTorch: 1×1)
        (3, 5, 3, 1),  # ⌈−2 / 3⌉ + 1 = 1
        (1, 3, 2, None),  # ⌈−2 / 2⌉ + 1 = 0: refused (PyTorch: "Calculated output size: 0×0")
    ],
)
def test_ceil_mode_window_larger_than_the_input(run_spec, size, kernel, stride, expected):
    for kind in ("max_pool", "avg_pool"):
        text = f"input: [{size}, {size}, 1]\nlayers:\n  - {{kind: {kind}, kernel: {kernel}, stride: {stride}, ceil_mode: true}}\n"
        if expected is None:
            assert "does not fit input" in refused(run_spec, text)
        else:
            assert run_spec(text).layers[1].output == (expected, expected, 1)
        # without ceil mode the window must fit: ⌊(n − f) / s⌋ + 1 < 1
        assert "does not fit input" in refused(run_spec, text.replace(", ceil_mode: true", ""))


def test_normalizations_over_one_value_are_refused(run_spec):
    # PyTorch: InstanceNorm2d on 1×1 "Expected more than 1 spatial element"; GroupNorm with one value per group
    # "Expected more than 1 value per channel". 1×1×4 in 4 groups: one value each; in 2 groups: two each
    message = refused(run_spec, "input: [1, 1, 4]\nlayers:\n  - {kind: instance_norm, name: n}\n")
    assert "layer 'n'" in message and "instance_norm of a 1×1 input" in message
    assert one_layer(run_spec, (1, 2, 4), "{kind: instance_norm}").output == (1, 2, 4)
    message = refused(run_spec, "input: [1, 1, 4]\nlayers:\n  - {kind: group_norm, name: g, groups: 4}\n")
    assert "layer 'g'" in message and "group_norm of 1×1×4 in 4 groups" in message
    assert one_layer(run_spec, (1, 1, 4), "{kind: group_norm, groups: 2}").output == (1, 1, 4)
    assert "in 3 groups" in refused(run_spec, "input: [3]\nlayers:\n  - {kind: group_norm, groups: 3}\n")


# ---------------------------------------------------------------- survivors of the sampled mutation run
# (tests/mutation/sample.py, 15% of each file's mutants): each test names the wrong rule it catches.


def test_channel_functions_count_per_position_of_a_rank_3_tensor(run_spec):
    # 2×3×5: 6 positions of 5 channels. softmax 6·(3·5 − 1) = 84; log softmax 6·3·5 = 90; hardmax 6·4 = 24
    # (positions from out[:-2] would give 2; channels from out[1] 3)
    analysis = run_spec(
        "input: [2, 3, 5]\nlayers:\n"
        "  - {kind: softmax, name: s, input: input}\n"
        "  - {kind: log_softmax, name: l, input: input}\n"
        "  - {kind: hardmax, name: h, input: input}\n"
        "  - {kind: add, inputs: [s, l, h]}\n"
    )
    assert [layer(analysis, n).other_ops for n in "slh"] == [84, 90, 24]


def test_elementwise_where_and_mean_of_three_inputs(run_spec):
    # 4×4×2 = 32 elements: where picks once per element (32); mean adds 2 and divides once (3·32 = 96);
    # add of three: 2 adds per element (64)
    analysis = run_spec(
        "input: [4, 4, 2]\nlayers:\n"
        "  - {kind: relu, name: a}\n"
        "  - {kind: sigmoid, name: b, input: input}\n"
        "  - {kind: elementwise, name: w, op: where, inputs: [input, a, b]}\n"
        "  - {kind: elementwise, name: m, op: mean, inputs: [input, a, b]}\n"
        "  - {kind: elementwise, name: s, op: add, inputs: [w, m, b]}\n"
    )
    assert [layer(analysis, n).other_ops for n in "wms"] == [32, 96, 64]


def test_a_batched_matmul_and_one_of_a_vector(run_spec):
    # 3×4×5 by its own transpose: 3 batches of 4×4 outputs, 5 multiplies each = 240 MACs
    out = one_layer(run_spec, (3, 4, 5), "{kind: matmul, inputs: [input, input], transpose_b: true}")
    assert (out.output, out.macs) == ((3, 4, 4), 240)
    # a 1×5 matrix by a vector of 5: refused (both inputs need rank 2), never a crash
    text = refused(
        run_spec,
        "input: [5]\nlayers:\n  - {kind: reshape, name: r, shape: [1, 5]}\n  - {kind: matmul, inputs: [r, input]}\n",
    )
    assert "inputs of rank 2 or more" in text


def test_pad_widths_and_the_wrap_boundary(run_spec):
    # reflect [top 1, bottom 2, left 3, right 1] on 5×6×2: 8×10×2
    out = one_layer(run_spec, (5, 6, 2), "{kind: pad, padding: [1, 2, 3, 1], mode: reflect}")
    assert out.output == (8, 10, 2)
    # wrap may take the whole width once (PyTorch's circular padding: pad ≤ size); reflect may not (pad < size)
    assert one_layer(run_spec, (5, 6, 2), "{kind: pad, padding: [0, 0, 6, 0], mode: wrap}").output == (5, 12, 2)
    for mode, left in (("wrap", 7), ("reflect", 6)):
        text = refused(
            run_spec, f"input: [5, 6, 2]\nlayers:\n  - {{kind: pad, padding: [0, 0, {left}, 0], mode: {mode}}}\n"
        )
        assert "padding smaller than the image" in text, mode


def test_an_adaptive_pool_reads_height_and_width_apart():
    # 8×6 to 2×3: windows of 8/2 = 4 rows and 6/3 = 2 columns, jumps 4 and 2 (height read as width: 3, 3)
    fields = rf_of("input: [8, 6, 1]\nlayers:\n  - {kind: adaptive_avg_pool, name: p, output: [2, 3]}\n")
    assert fields["p"].size == (4, 2) and fields["p"].jump == (4, 2)


def test_a_norm_over_every_position_after_a_non_square_field():
    # conv [3, 1] on 8×6: 6×6 outputs, each seeing 3×1 pixels; a group norm then sees the whole 8×6 input
    # from every position: hi = (2 + 5, 0 + 5), size 8×6 (the width's last from the height's: 6×6)
    fields = rf_of(
        "input: [8, 6, 2]\nlayers:\n"
        "  - {kind: conv, name: c, filters: 2, kernel: [3, 1]}\n"
        "  - {kind: group_norm, name: g, groups: 1}\n"
    )
    assert fields["c"].size == (3, 1) and fields["c"].grid == (6, 6)
    assert fields["g"].size == (8, 6) and fields["g"].whole


def rf_of(text: str) -> dict:
    graph = build_graph(parse_spec(text, "net.yaml"))
    return {node.name: field for node, field in zip(graph.nodes, receptive_fields(graph))}


def test_a_pool_padding_error_writes_four_values_when_they_differ(run_spec):
    # [1, 1, 0, 2]: top = bottom but left ≠ right, so it cannot be written as [h, w]
    text = refused(run_spec, "input: [8, 8, 1]\nlayers:\n  - {kind: max_pool, kernel: 2, padding: [1, 1, 0, 2]}\n")
    assert "padding [1, 1, 0, 2] exceeds half the 2×2 pool window" in text


def kernels_read(analysis_graph, name):
    from costcalc.layers import KINDS

    graph, shapes = analysis_graph
    node = next(n for n in graph.nodes if n.name == name)
    return KINDS[node.kind].access(node.params, [shapes[i] for i in node.inputs], node.shape).weights


def graph_of(text):
    graph = build_graph(parse_spec(text, "net.yaml"))
    return graph, [n.shape for n in graph.nodes]


def test_the_kernels_the_hardware_view_reads():
    # conv_transpose kernel [3, 2], 4 → 6 channels: 4·3·2·6 = 144 weights for 6 output channels;
    # separable 3×3 with multiplier 2 on 4 channels: depthwise 3·3·8 = 72 (8 channels), pointwise 8·5 = 40
    g = graph_of(
        "input: [5, 5, 4]\nlayers:\n"
        "  - {kind: conv_transpose, name: t, filters: 6, kernel: [3, 2]}\n"
        "  - {kind: separable_conv, name: s, input: input, filters: 5, kernel: 3, multiplier: 2}\n"
    )
    assert kernels_read(g, "t") == ((144, 6),)
    assert kernels_read(g, "s") == ((72, 8), (40, 5))


def test_the_separable_identity_of_a_strided_pair():
    # 8×8×4, depthwise 3×3 stride 2 → 4×4×4, pointwise to 16: a standard 3×3 stride-2 conv would cost
    # 4·4·16 · 9·4 = 9,216 MACs; depthwise 576 + pointwise 1,024 = 1,600 = 1/16 + 1/9 of it
    from costcalc.analysis import analyze
    from costcalc.explain import insights

    graph = build_graph(
        parse_spec(
            "input: [8, 8, 4]\nlayers:\n"
            "  - {kind: depthwise_conv, name: dw, kernel: 3, stride: 2, padding: 1}\n"
            "  - {kind: conv, name: pw, filters: 16, kernel: 1}\n",
            "net.yaml",
        )
    )
    notes = insights(analyze(graph), graph)["dw"]
    assert any("9,216" in n and "576 + 1,024 = 1,600" in n for n in notes), notes


def test_the_kinds_in_a_written_spec(run_spec):
    # channels 1, 4, 7 of 10 (below stop 9, every 3rd from 1); a 9-entry table gathered into 4×4×1: 9 params
    analysis = run_spec(
        "input: [4, 4, 10]\nlayers:\n"
        "  - {kind: channel_slice, name: cut, start: 1, stop: 9, step: 3}\n"
        "  - {kind: elementwise, name: bias, op: add, operand: [4, 4, 1], learned: true, table: [9, 1]}\n"
    )
    assert layer(analysis, "cut").output == (4, 4, 3)
    assert layer(analysis, "bias").params == 9 and layer(analysis, "bias").other_ops == 4 * 4 * 3
    assert "table: without a learned operand" in refused(
        run_spec, "input: [4, 4, 1]\nlayers:\n  - {kind: elementwise, op: add, operand: [4, 4, 1], table: [9]}\n"
    )
    assert "step: got 0" in refused(
        run_spec, "input: [4, 4, 10]\nlayers:\n  - {kind: channel_slice, stop: 9, step: 0}\n"
    )


def test_a_group_norm_over_tokens_reads_position_by_position():
    # on a 72×4 token tensor (not an image) a group norm has no window: the field stays the reshape's
    fields = rf_of(
        "input: [9, 8, 4]\nlayers:\n"
        "  - {kind: reshape, name: tokens, shape: [72, 4]}\n"
        "  - {kind: group_norm, name: g, groups: 2}\n"
    )
    assert fields["g"] == fields["tokens"] and not fields["g"].whole


def test_an_activation_without_a_pytorch_module_is_refused_as_such():
    # every bundled activation names its module; one that does not (a kind added without one) is refused
    from costcalc.layers.activations import Elementwise
    from costcalc.layers.base import NoTorchEquivalent

    class Moduleless(Elementwise):
        name, ops, formula, module = "moduleless", 1, "x", ""

    with pytest.raises(NoTorchEquivalent, match="^no PyTorch module for layer kind 'moduleless'$"):
        Moduleless().torch({}, [(4, 4, 3)], (4, 4, 3))


def test_a_ceil_mode_pool_with_padding_on_one_side_only(run_spec):
    """7×7, kernel 4, stride 2, padding [0, 0, 2, 0] (2 on the left), ceil mode: height ⌈(7 − 4) / 2⌉ + 1 = 3;
    width ⌈(7 + 2 + 0 − 4) / 2⌉ + 1 = 4, the last window starting at 3·2 − 2 = 4, inside the input."""
    analysis = run_spec(
        "input: [7, 7, 1]\nlayers:\n  - {kind: max_pool, name: p, kernel: 4, stride: 2, padding: [0, 0, 2, 0], ceil_mode: true}\n"
    )
    assert analysis.layers[1].output == (3, 4, 1)
    # the kernel wider than the padded width (2 + 1 + 0 = 3 < 4), kept by ceil mode as PyTorch keeps a window that
    # starts inside: ⌈(2 + 1 + 0 − 4) / 2⌉ + 1 = 1 (the left padding counts; without it, 0 and refused)
    analysis = run_spec(
        "input: [4, 2, 1]\nlayers:\n  - {kind: max_pool, name: p, kernel: 4, stride: 2, padding: [0, 0, 1, 0], ceil_mode: true}\n"
    )
    assert analysis.layers[1].output == (1, 1, 1)
