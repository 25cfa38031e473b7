"""Memory traffic, quantized byte counts and BOPs, against hand-computed figures.

ShuffleNet v2 (Ma et al. 2018, section 2, G1): for a 1×1 convolution with c1 input and c2 output channels
on an h×w feature map, the memory access cost is MAC = h·w·(c1 + c2) + c1·c2 elements; for a grouped
1×1 convolution with g groups, h·w·(c1 + c2) + c1·c2 / g (G2). Worked out here on 56×56:
  c1 = c2 = 128: 3136·256 + 16384  =   802,816 +  16,384 =   819,200
  90:180:        3136·270 + 16200  =   846,720 +  16,200 =   862,920
  52:312:        3136·364 + 16224  = 1,141,504 +  16,224 = 1,157,728
  36:432:        3136·468 + 15552  = 1,467,648 +  15,552 = 1,483,200
  c = 180, g = 2: 3136·360 + 32400/2 = 1,128,960 + 16,200 = 1,145,160
All five figures of the issue agree with the paper's formula.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costcalc.graph import build_graph
from costcalc.hardware import Precision, traffic
from costcalc.hardware.dtypes import PrecisionError, bias_dtype, meet
from costcalc.spec import parse_spec

DATA = Path(__file__).parent / "data"


def graph_of(text: str):
    return build_graph(parse_spec(text, "test.yaml", "test"))


def one_conv(h: int, w: int, c1: int, c2: int, groups: int = 1, extra: str = "bias: false"):
    return graph_of(
        f"input: [{h}, {w}, {c1}]\nlayers:\n  - {{kind: conv, name: conv, filters: {c2}, kernel: 1, groups: {groups}, {extra}}}\n"
    )


def row(result, name: str):
    return next(x for x in result.layers if x.name == name)


@pytest.mark.parametrize(
    ("c1", "c2", "groups", "expected"),
    [
        (128, 128, 1, 819_200),
        (90, 180, 1, 862_920),
        (52, 312, 1, 1_157_728),
        (36, 432, 1, 1_483_200),
        (180, 180, 2, 1_145_160),
    ],
)
def test_shufflenet_v2_memory_access_cost(c1: int, c2: int, groups: int, expected: int) -> None:
    result = traffic(one_conv(56, 56, c1, c2, groups))
    conv = row(result, "conv")
    assert conv.elements == expected
    assert (conv.weight_elements, conv.input_elements, conv.output_elements) == (
        c1 * c2 // groups,
        3136 * c1,
        3136 * c2,
    )
    assert conv.bytes == 4 * expected  # float32
    assert result.totals.elements == expected  # the input layer moves nothing of its own
    assert conv.flops == 2 * 3136 * c1 * c2 // groups


def test_g1_equal_channels_minimise_the_cost() -> None:
    """The paper's point: at (nearly) equal FLOPs, c1 = c2 moves the least."""
    costs = [
        row(traffic(one_conv(56, 56, a, b)), "conv").elements for a, b in [(128, 128), (90, 180), (52, 312), (36, 432)]
    ]
    assert costs == sorted(costs)


def test_views_move_nothing_and_separable_writes_its_middle() -> None:
    g = graph_of(
        """
input: [4, 4, 8]
layers:
  - {kind: separable_conv, name: sep, filters: 6, kernel: 3, padding: 1, bias: false}
  - {kind: flatten, name: flat}
  - {kind: dropout, name: drop}
  - {kind: fc, name: fc, units: 2, bias: false}
"""
    )
    result = traffic(g)
    sep = row(result, "sep")
    # depthwise 3·3·8 and pointwise 8·6 weights; reads the input (128) and its own middle (128), writes both
    assert (sep.weight_elements, sep.input_elements, sep.output_elements) == (72 + 48, 128 + 128, 128 + 96)
    for name in ("input", "flat", "drop"):
        assert row(result, name).elements == 0
    fc = row(result, "fc")
    assert (fc.weight_elements, fc.input_elements, fc.output_elements) == (96 * 2, 96, 2)


CONV_BN = "input: [8, 8, 16]\nlayers:\n  - {kind: conv, name: conv, filters: 32, kernel: 3, padding: 1, bias: true, bn: true}\n"


def test_float32_weight_bytes_are_the_param_bytes() -> None:
    conv = row(traffic(graph_of(CONV_BN)), "conv")
    # params 3·3·16·32 + 32 bias + 64 γβ = 4,704 and 64 running statistics: 4,768 values × 4 B
    assert (conv.kernel_elements, conv.bias_elements, conv.other_elements) == (4608, 32, 128)
    assert conv.weight_bytes == 4768 * 4 == 19_072
    assert (conv.input_bytes, conv.output_bytes) == (8 * 8 * 16 * 4, 8 * 8 * 32 * 4)


@pytest.mark.parametrize(
    ("weights", "kernel", "zero_points"),
    [("int8", 4608, 32), ("int4", 2304, 16), ("int2", 1152, 8)],  # 4608 weights packed; 32 zero points packed
)
def test_integer_weight_bytes(weights: str, kernel: int, zero_points: int) -> None:
    conv = row(traffic(graph_of(CONV_BN), Precision(weights, "int8")), "conv")
    assert conv.kernel_bytes == kernel
    # the batch norm folds into the bias (already there): 32 int32 biases, no other stored values
    assert (conv.bias_elements, conv.other_elements, conv.bias_dtype) == (32, 0, "int32")
    assert conv.bias_bytes == 128
    assert conv.scale_groups == 32
    assert conv.scale_bytes == 32 * 4 + zero_points  # a float32 scale and a zero point per output channel
    assert conv.weight_bytes == kernel + 128 + 128 + zero_points
    assert (conv.input_bytes, conv.output_bytes) == (1024, 2048)  # int8 activations


def test_per_tensor_scales_and_int4_activations() -> None:
    conv = row(traffic(graph_of(CONV_BN), Precision("int8", "int4", scales="per_tensor")), "conv")
    assert (conv.scale_groups, conv.scale_bytes) == (1, 4 + 1)
    assert (conv.input_bytes, conv.output_bytes) == (512, 1024)


def test_batch_norm_becomes_a_bias_when_the_layer_had_none() -> None:
    g = graph_of(
        "input: [4, 4, 3]\nlayers:\n  - {kind: conv, name: conv, filters: 8, kernel: 1, bias: false, bn: true}\n"
    )
    conv = row(traffic(g, Precision("int8", "int8")), "conv")
    assert (conv.kernel_elements, conv.bias_elements, conv.other_elements) == (24, 8, 0)
    assert conv.weight_bytes == 24 + 8 * 4 + 8 * 5
    kept = row(traffic(g, Precision("int8", "int8", fold_batch_norm=False)), "conv")
    assert (kept.bias_elements, kept.other_elements) == (0, 32)  # γ, β, mean, variance kept as float32
    assert kept.other_bytes == 128


def test_sub_byte_tensors_round_up_to_whole_bytes() -> None:
    g = graph_of("input: [3]\nlayers:\n  - {kind: fc, name: fc, units: 5, bias: false}\n")
    fc = row(traffic(g, Precision("int4", "int4")), "fc")
    assert fc.kernel_bytes == 8  # 15 weights × 4 bits = 60 bits → 8 bytes
    assert fc.scale_bytes == 5 * 4 + 3  # 5 zero points × 4 bits → 3 bytes
    assert (fc.input_bytes, fc.output_bytes) == (2, 3)  # 3 and 5 int4 activations


@pytest.mark.parametrize(
    ("weights", "activations", "bits"),
    [
        ("float32", "float32", 32 * 32),
        ("int8", "int8", 64),
        ("int4", "int8", 32),
        ("int2", "int8", 16),
        ("int4", "int4", 16),
    ],
)
def test_bops(weights: str, activations: str, bits: int) -> None:
    conv = row(traffic(graph_of(CONV_BN), Precision(weights, activations)), "conv")
    macs = 8 * 8 * 32 * (3 * 3 * 16)  # 294,912
    assert conv.macs == macs
    assert conv.bops == macs * bits


def test_batch_scales_activations_not_weights() -> None:
    one = row(traffic(graph_of(CONV_BN)), "conv")
    four = row(traffic(graph_of(CONV_BN), batch=4), "conv")
    assert four.weight_bytes == one.weight_bytes
    assert (four.input_bytes, four.output_bytes, four.macs) == (4 * one.input_bytes, 4 * one.output_bytes, 4 * one.macs)


def test_mixed_precision_reads_each_input_in_its_producers_type() -> None:
    from costcalc.hardware import LayerDtypes

    g = graph_of(
        "input: [4, 4, 2]\nlayers:\n  - {kind: conv, name: a, filters: 2, kernel: 1}\n  - {kind: relu, name: b}\n"
    )
    result = traffic(g, Precision("float32", "float32", layers={"a": LayerDtypes("int8", "int8")}))
    a, b = row(result, "a"), row(result, "b")
    assert (a.input_bytes, a.output_bytes) == (32 * 4, 32)  # reads the float32 input, writes int8
    assert (b.input_bytes, b.output_bytes) == (32, 32 * 4)  # reads a's int8 output, writes float32
    # int8 weights on the float32 network input: dequantized, computed and biased in float32
    assert (a.compute_dtype, a.bias_dtype, a.accumulator_dtype) == ("float32", "float32", "float32")
    assert row(result, "b").compute_dtype == "float32"


def test_compute_and_bias_types() -> None:
    assert meet("int4", "int8") == "int8"
    assert meet("int8", "float16") == "float16"
    assert meet("float16", "bfloat16") == "float32"
    assert meet("float16", "float32") == "float32"
    assert bias_dtype("int8", "int8") == "int32"
    assert bias_dtype("int4", "float16") == "float16"
    assert bias_dtype("float16", "float16") == "float16"
    with pytest.raises(PrecisionError, match="did you mean 'int8'"):
        Precision("int9")


def test_onchip_bound_keeps_an_output_for_its_only_reader() -> None:
    g = graph_of(
        "input: [8, 8, 16]\nlayers:\n  - {kind: conv, name: mix, filters: 16, kernel: 1, bias: false}\n  - {kind: relu, name: act}\n"
    )
    # mix writes 8·8·16 float32 = 4,096 B, read by act only, which runs next
    fits = traffic(g, buffer_bytes=4096)
    assert row(fits, "mix").output_on_chip
    assert row(fits, "mix").onchip_bytes == row(fits, "mix").bytes - 4096
    assert row(fits, "act").onchip_bytes == row(fits, "act").bytes - 4096
    assert not row(fits, "act").output_on_chip  # the network's output is always written
    assert fits.totals.onchip_bytes == fits.totals.bytes - 2 * 4096
    too_small = traffic(g, buffer_bytes=4095)
    assert too_small.totals.onchip_bytes == too_small.totals.bytes
    assert traffic(g).totals.onchip_bytes is None


def test_onchip_bound_needs_a_single_reader_that_runs_next() -> None:
    g = graph_of(
        """
input: [4, 4, 4]
layers:
  - {kind: conv, name: a, filters: 4, kernel: 1}
  - {kind: relu, name: b}
  - {kind: add, name: c, inputs: [a, b]}
"""
    )
    result = traffic(g, buffer_bytes=10**9)
    assert not row(result, "a").output_on_chip  # read by b and by c
    assert row(result, "b").output_on_chip  # read by c only, which runs next
    assert row(result, "c").onchip_bytes == row(result, "c").bytes - 64 * 4


def test_torchvision_int8_file_sizes() -> None:
    """int8 per-channel weight bytes of ResNet-18 and -50 within 2% of torchvision's quantized files.

    Expected bytes derived here from PyTorch's own counts (tests/data/reference_figures.json): every conv
    is followed by a batch norm (non-trainable = 2 × BN channels), folded into an int32 bias per channel;
    kernels int8; per output channel a float32 scale and an int8 zero point. The files hold a little more:
    PyTorch pickles each per-channel scale as float64 and zero point as int64 (16 B, not 5), plus each
    quantized op's output scale and zero point and the pickle's own structure.
    """
    sizes = json.loads((DATA / "torchvision_quantized_sizes.json").read_text())
    reference = json.loads((DATA / "reference_figures.json").read_text())["models"]
    for name, fc_in in (("resnet18", 512), ("resnet50", 2048)):
        params = reference[name]["params"]
        from costcalc.api import analyze_spec

        bn_channels = analyze_spec(name).totals.non_trainable // 2
        fc = fc_in * 1000
        conv_weights = params - 2 * bn_channels - fc - 1000  # all but the batch norms' γ, β and the fc layer
        channels = bn_channels + 1000  # one int32 bias and one scale + zero point per output channel
        expected = (conv_weights + fc) + 4 * channels + 5 * channels
        got = traffic(graph_of_bundled(name), Precision("int8", "int8")).totals.weight_bytes
        assert got == expected
        documented = sizes["models"][name]["file_size"] * sizes["unit_bytes"]
        assert abs(got / documented - 1) <= 0.02, (name, got, documented)


def graph_of_bundled(name: str):
    from costcalc.api import build_spec_graph

    return build_spec_graph(name)


MIXED = """
input: [4, 4, 2]
blocks:
  unit:
    args: {}
    layers:
      - {kind: conv, name: c, filters: 2, kernel: 1}
      - {kind: relu, name: r, dtype: {activations: float16}}
layers:
  - {kind: conv, name: first, filters: 2, kernel: 1, dtype: int8}
  - {kind: unit, name: quantized, dtype: {weights: int4, activations: int8}}
  - {kind: unit, name: plain}
"""


def test_per_layer_dtypes_from_the_spec() -> None:
    """A layer's own dtype: wins; a block use's applies inside it; each of weights and activations apart."""
    from costcalc.hardware import LayerDtypes, hardware_view

    view = hardware_view(parse_spec(MIXED, "mixed.yaml", "mixed"))
    assert dict(view.traffic.precision.layers) == {
        "first": LayerDtypes("int8", "int8"),
        "quantized.c": LayerDtypes("int4", "int8"),
        "quantized.r": LayerDtypes("int4", "float16"),
        "plain.r": LayerDtypes("float32", "float16"),
    }
    assert row(view.traffic, "quantized.c").kernel_bytes == 2  # 4 int4 weights
    assert row(view.traffic, "plain.c").kernel_bytes == 16  # the same block, used without a dtype


def test_a_bad_dtype_in_a_spec_is_located() -> None:
    from costcalc.errors import SpecError
    from costcalc.hardware import hardware_view

    bad = MIXED.replace("dtype: int8}", "dtype: int9}")
    with pytest.raises(SpecError) as caught:
        hardware_view(parse_spec(bad, "mixed.yaml", "mixed"))
    assert "mixed.yaml:10:61: error: layer 'first': dtype 'int9'; did you mean 'int8'?" in caught.value.format()
    with pytest.raises(SpecError, match="expected a dtype"):
        parse_spec(MIXED.replace("dtype: int8}", "dtype: [int8]}"), "mixed.yaml", "mixed")


def test_every_bundled_spec_on_every_bundled_device() -> None:
    """At float32 the weights read are the analysis' param bytes; every layer with MACs has its kernels
    (no kind forgets to say which of its params multiply); a roofline on each device that computes float."""
    from costcalc.analysis import analyze
    from costcalc.hardware import bundled_devices, roofline
    from costcalc.sources import bundled_names

    devices = [d for d in bundled_devices() if "float32" in d.peak]
    for name in bundled_names():
        graph = graph_of_bundled(name)
        moved = traffic(graph)
        assert moved.totals.weight_bytes == analyze(graph).totals.param_bytes, name
        for layer in moved.layers:
            assert layer.kernel_elements > 0 or layer.macs == 0 or layer.kind == "matmul", (name, layer.name)
        int8 = traffic(graph, Precision("int8", "int8"))
        assert int8.totals.bops == 64 * int8.totals.macs, name
        for device in devices:
            assert roofline(moved, device).totals.seconds > 0, (name, device.name)
