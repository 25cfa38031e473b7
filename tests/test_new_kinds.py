"""The kinds for modern networks (ConvNeXt, U-Net, sub-pixel nets): shapes and costs against hand-computed cases.

Every expected number is worked out in a comment from the rule documented in specs/README.md §5, not by
costcalc. The normalizations share one rule: a group of n values normalised by its own mean and variance
costs n (mean: n − 1 adds, a divide) + n (centre) + 2n (variance: squares, n − 1 adds, a divide) + 2 (ε, √)
+ n (divides) = 5n + 2, and the affine γ·x + β 2 more per element.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.analysis import analyze
from costcalc.errors import CostcalcError
from costcalc.explain import explain
from costcalc.graph import build_graph
from costcalc.layers import KINDS
from costcalc.receptive_field import receptive_fields
from costcalc.sources import load_spec
from costcalc.symbolic import shown

from .conftest import layer

DATA = Path(__file__).parent / "data"
NEW_KINDS = (
    "layer_norm",
    "group_norm",
    "instance_norm",
    "layer_scale",
    "stochastic_depth",
    "crop",
    "pixel_shuffle",
    "pixel_unshuffle",
    "linear",
)


def one(run_spec, input_shape, entry: str):
    return run_spec(f"input: {list(input_shape)}\nlayers:\n  - {entry}\n").layers[1]


def figures(x) -> tuple:
    return (x.output, x.params, x.non_trainable, x.macs, x.other_ops)


# ---------------------------------------------------------------- normalizations and the layer scale


def test_layer_norm_over_channels(run_spec):
    # 12×10×8: 120 positions, each a group of its 8 channels; 960 values.
    # other ops 5·960 + 2·120 + 2·960 (affine) = 4,800 + 240 + 1,920 = 6,960; params γ, β: 2·8 = 16
    assert figures(one(run_spec, (12, 10, 8), "{kind: layer_norm}")) == ((12, 10, 8), 16, 0, 0, 6960)
    # without the affine: 4,800 + 240 = 5,040 and no params
    assert figures(one(run_spec, (12, 10, 8), "{kind: layer_norm, affine: false}")) == ((12, 10, 8), 0, 0, 0, 5040)
    # a flat vector of 120 is one group: 5·120 + 2 = 602
    assert figures(one(run_spec, (120,), "{kind: layer_norm, affine: false}")) == ((120,), 0, 0, 0, 602)


def test_group_norm(run_spec):
    # 12×10×8 in 4 groups of 2 channels × 120 positions: 5·960 + 2·4 + 2·960 = 4,800 + 8 + 1,920 = 6,728; params 16
    assert figures(one(run_spec, (12, 10, 8), "{kind: group_norm, groups: 4}")) == ((12, 10, 8), 16, 0, 0, 6728)
    # a flat 6 in 3 groups: 5·6 + 2·3 + 2·6 = 30 + 6 + 12 = 48; params 2·6 = 12
    assert figures(one(run_spec, (6,), "{kind: group_norm, groups: 3}")) == ((6,), 12, 0, 0, 48)
    # one group is a layer norm over every value (GroupNorm(1, C)): 5·960 + 2 = 4,802 without the affine
    assert one(run_spec, (12, 10, 8), "{kind: group_norm, groups: 1, affine: false}").other_ops == 4802


def test_instance_norm(run_spec):
    # one group per channel (8 groups of 120): affine off by default as in PyTorch: 5·960 + 2·8 = 4,816
    assert figures(one(run_spec, (12, 10, 8), "{kind: instance_norm}")) == ((12, 10, 8), 0, 0, 0, 4816)
    # with the affine: + 2·960 = 6,736 and γ, β = 16 params
    assert figures(one(run_spec, (12, 10, 8), "{kind: instance_norm, affine: true}")) == ((12, 10, 8), 16, 0, 0, 6736)


def test_layer_scale(run_spec):
    # one γ per channel (8) and one multiply per value (12·10·8 = 960)
    assert figures(one(run_spec, (12, 10, 8), "{kind: layer_scale}")) == ((12, 10, 8), 8, 0, 0, 960)
    assert figures(one(run_spec, (6,), "{kind: layer_scale, init: 0.5}")) == ((6,), 6, 0, 0, 6)


# ---------------------------------------------------------------- linear, stochastic depth, shuffles, crop


def test_linear_over_channels_at_each_position(run_spec):
    # 12×10×8 → 12×10×16: params 8·16 + 16 = 144; MACs 12·10·16 outputs × 8 = 15,360;
    # other ops: bias 12·10·16 = 1,920, GELU 5·1,920 = 9,600: 11,520
    x = one(run_spec, (12, 10, 8), "{kind: linear, units: 16, activation: gelu}")
    assert figures(x) == ((12, 10, 16), 144, 0, 15360, 11520)
    # without bias, with a fused batch norm: params 8·4 + 2·4 = 40, non-trainable 2·4 = 8, other ops 2·480 = 960
    x = one(run_spec, (12, 10, 8), "{kind: linear, units: 4, bias: false, bn: true}")
    assert figures(x) == ((12, 10, 4), 40, 8, 12 * 10 * 4 * 8, 960)
    # on a flat vector it is fc: 120 → 6: params 720 + 6 = 726, MACs 720, bias adds 6
    assert figures(one(run_spec, (120,), "{kind: linear, units: 6}")) == ((6,), 726, 0, 720, 6)


def test_linear_keeps_positions_where_fc_flattens(run_spec):
    linear = one(run_spec, (3, 2, 5), "{kind: linear, units: 7}")
    fc = one(run_spec, (3, 2, 5), "{kind: fc, units: 7}")
    # linear: 3·2 positions × 7 × 5 = 210 MACs, 5·7 + 7 = 42 params; fc: 30 inputs × 7 = 210 MACs, 30·7 + 7 = 217
    assert (linear.output, linear.params, linear.macs) == ((3, 2, 7), 42, 210)
    assert (fc.output, fc.params, fc.macs) == ((7,), 217, 210)


def test_stochastic_depth_is_free_at_inference(run_spec):
    assert figures(one(run_spec, (12, 10, 8), "{kind: stochastic_depth, rate: 0.2}")) == ((12, 10, 8), 0, 0, 0, 0)
    assert KINDS["stochastic_depth"].in_place


def test_pixel_shuffle_and_unshuffle(run_spec):
    # 12×10×8 → unshuffle 2: 6×5×(8·4 = 32); 6×5×32 → shuffle 2: 12×10×(32 / 4 = 8); both free
    assert figures(one(run_spec, (12, 10, 8), "{kind: pixel_unshuffle, factor: 2}")) == ((6, 5, 32), 0, 0, 0, 0)
    assert figures(one(run_spec, (6, 5, 32), "{kind: pixel_shuffle, factor: 2}")) == ((12, 10, 8), 0, 0, 0, 0)
    # r = 3: 4×2×18 → 12×6×2
    assert one(run_spec, (4, 2, 18), "{kind: pixel_shuffle, factor: 3}").output == (12, 6, 2)


def test_crop_to_a_size_by_amounts_and_to_another_input(run_spec):
    # centre 7×6 of 12×10: rows cut 12 − 7 = 5 (2 top, 3 bottom), columns 4 (2, 2)
    assert figures(one(run_spec, (12, 10, 8), "{kind: crop, size: [7, 6]}")) == ((7, 6, 8), 0, 0, 0, 0)
    # by amounts: 12 − 1 − 0 = 11 rows, 10 − 2 − 1 = 7 columns
    assert one(run_spec, (12, 10, 8), "{kind: crop, cropping: [1, 0, 2, 1]}").output == (11, 7, 8)
    # U-Net's crop-and-concat (the paper's 64×64 skip cropped to the 56×56 up-convolution output)
    analysis = run_spec(
        "input: [64, 64, 512]\nlayers:\n"
        "  - {kind: conv, name: up, filters: 256, kernel: 9}\n"  # 64 − 9 + 1 = 56: a 56×56 map to crop to
        "  - {kind: crop, name: skip, inputs: [input, up]}\n"  # 64 − 56 = 8: 4 cut on each side
        "  - {kind: concat, name: joined, inputs: [skip, up]}\n"
    )
    assert layer(analysis, "skip").output == (56, 56, 512)
    assert layer(analysis, "joined").output == (56, 56, 768)


def test_new_kinds_receptive_fields(write_spec):
    text = (
        "input: [12, 10, 8]\nlayers:\n"
        "  - {kind: crop, name: centre, size: [7, 6]}\n"  # offset 2 top, 2 left; 1×1
        "  - {kind: pixel_unshuffle, name: s2d, input: input, factor: 2}\n"  # a 2×2 block, jump 2
        "  - {kind: pixel_shuffle, name: d2s, factor: 2}\n"  # back to jump 1, still the 2×2 block
        "  - {kind: conv, name: c, input: input, filters: 8, kernel: 3, stride: 2}\n"  # 3×3, jump 2
        "  - {kind: crop, name: like, inputs: [input, c]}\n"  # reads the input only: 1×1, not 3×3
        "  - {kind: instance_norm, name: inorm, input: input}\n"  # statistics over all 12×10 positions
        "  - {kind: layer_norm, name: ln, input: input}\n"  # one position's channels: 1×1
    )
    graph = build_graph(load_spec(str(write_spec(text))))
    fields = {node.name: f for node, f in zip(graph.nodes, receptive_fields(graph))}
    assert (fields["centre"].lo, fields["centre"].size) == ((2, 2), (1, 1))
    assert (fields["s2d"].size, fields["s2d"].jump) == ((2, 2), (2, 2))
    assert (fields["d2s"].size, fields["d2s"].jump) == ((2, 2), (1, 1))
    # like: 12×10 to c's 5×4 (⌊(12 − 3) / 2⌋ + 1 = 5, ⌊(10 − 3) / 2⌋ + 1 = 4): cut 7 rows (3 top), 6 columns (3 left)
    assert (fields["like"].lo, fields["like"].size) == ((3, 3), (1, 1))
    assert (fields["inorm"].size, fields["inorm"].jump, fields["inorm"].whole) == ((12, 10), (1, 1), True)
    assert (fields["ln"].size, fields["ln"].whole) == ((1, 1), False)


def test_new_kinds_explain(write_spec):
    text = (
        "input: [12, 10, 8]\nlayers:\n  - {kind: linear, name: mlp, units: 16}\n  - {kind: layer_norm, name: ln}\n"
        "  - {kind: crop, name: centre, size: [7, 6]}\n"
    )
    graph = build_graph(load_spec(str(write_spec(text))))
    items = {x.layer: x for x in explain(graph, analyze(graph))}
    assert shown(items["mlp"].macs) == "12·10·16 (outputs) × 8 (multiplies per output) = 15,360"
    # 12·10·16 = 1,920 values in 120 groups: 9,600 + 240 + 3,840 = 13,680
    assert shown(items["ln"].other_ops) == (
        "5·12·10·16 (mean, centre, variance, normalise) + 2·12·10 (ε and √ per group) + 2·12·10·16 (γ·x + β) = 13,680"
    )
    assert shown(items["ln"].params) == "2·16 (γ, β) = 32"
    # the crop's cuts, worked out once against its input: 12 − 7 = 5 → 2 top, 3 bottom; 10 − 6 = 4 → 2, 2
    assert [shown(d) for d in items["centre"].dims[:2]] == ["12 − 2 − 3 = 7", "10 − 2 − 2 = 6"]
    assert items["centre"].notes == [
        "centre crop: 2 top, 3 bottom, 2 left, 2 right cut (an odd pixel is cut at the bottom/right)"
    ]


@pytest.mark.parametrize(
    ("entry", "shape", "message"),
    [
        ("{kind: group_norm, groups: 3}", (4, 4, 8), "8 channels do not divide into 3 groups"),
        ("{kind: instance_norm}", (8,), "instance_norm needs an H×W×C input"),
        ("{kind: pixel_shuffle, factor: 2}", (4, 4, 6), "6 channels are not a multiple of r² = 4"),
        ("{kind: pixel_unshuffle, factor: 2}", (5, 4, 3), "5×4 does not divide into 2×2 blocks"),
        ("{kind: crop}", (8, 8, 3), "crop needs exactly one of size, cropping and a second input"),
        (
            "{kind: crop, size: 4, cropping: 1}",
            (8, 8, 3),
            "crop needs exactly one of size, cropping and a second input",
        ),
        ("{kind: crop, size: [9, 2]}", (8, 8, 3), "cannot crop 8×8 to 9×2"),
        ("{kind: crop, cropping: [4, 4, 0, 0]}", (8, 8, 3), "cropping [4, 4, 0, 0] leaves nothing of 8×8"),
        ("{kind: stochastic_depth}", (8, 8, 3), "rate"),
    ],
)
def test_new_kinds_refuse_what_cannot_work(write_spec, entry, shape, message):
    path = write_spec(f"input: {list(shape)}\nlayers:\n  - {entry}\n")
    with pytest.raises(CostcalcError) as caught:
        analyze(build_graph(load_spec(str(path))))
    assert message in caught.value.format()


def test_every_kind_is_in_a_verified_spec():
    # every_kind.yaml and more_kinds.yaml are verified against PyTorch (test_torch.py), math_kinds.yaml (the
    # kinds ONNX models need) in test_onnx_kinds.py: together they hold every kind but 'unknown', the stand-in
    # for an operator costcalc cannot count, which has nothing to verify
    written = {"unknown"}
    for name in ("every_kind.yaml", "more_kinds.yaml", "math_kinds.yaml"):
        graph = build_graph(load_spec(str(DATA / name)))
        written |= {node.kind for node in graph.nodes}
    assert {name for name, kind in KINDS.items() if not kind.internal} <= written
    assert set(NEW_KINDS) <= set(KINDS)


@pytest.mark.parametrize("name", ["convnext_tiny", "efficientnet_b0"])
def test_zoo_networks_written_with_these_kinds_are_torchvisions(name):
    # torchvision's own count (copied into tests/data/zoo_figures.json with its source): ConvNeXt needs
    # layer_norm, linear, layer_scale and stochastic_depth; EfficientNet silu, SE from existing kinds and drop path
    import json

    figures = json.loads((DATA / "zoo_figures.json").read_text(encoding="utf-8"))[name]
    analysis = analyze(build_graph(load_spec(str(DATA / f"{name}.yaml"))))
    assert list(analysis.input) == figures["input"]
    assert (analysis.totals.params, analysis.totals.macs) == (figures["params"], figures["macs"])


def test_unet_crop_and_concat_is_the_papers():
    # Ronneberger et al. 2015, Fig. 1: 572×572×1 → 388×388×2; each skip centre-cropped to the up-convolution:
    # 64 → 56, 136 → 104, 280 → 200, 568 → 392.
    # params by hand (3·3·c·n + n per conv, 2·2·c·n + n per up-convolution):
    #   contracting 640 + 36,928 | 73,856 + 147,584 | 295,168 + 590,080 | 1,180,160 + 2,359,808
    #   bottom 4,719,616 + 9,438,208
    #   expanding 2,097,664 + 4,719,104 + 2,359,808 | 524,544 + 1,179,904 + 590,080 | 131,200 + 295,040 + 147,584
    #             | 32,832 + 73,792 + 36,928;  the 1×1 to 2 classes 130:  31,030,658 in all
    analysis = analyze(build_graph(load_spec(str(DATA / "unet.yaml"))))
    assert analysis.layers[-1].output == (388, 388, 2)
    skips = [layer(analysis, f"skip{i}").output for i in (4, 3, 2, 1)]
    assert skips == [(56, 56, 512), (104, 104, 256), (200, 200, 128), (392, 392, 64)]
    assert analysis.totals.params == 31_030_658


# ---------------------------------------------------------------- a stored tensor and a gather (Swin V2)

STORED = """\
input: [4, 4, 3]
layers:
  - {kind: conv, name: c, filters: 3, kernel: 1}
  - {kind: stored, name: table, shape: [3, 3, 2]}
  - {kind: linear, name: mlp, units: 5}
  - {kind: gather, name: picked, axis: 1, count: 4}
  - {kind: reshape, name: flat, input: picked, shape: [12, 5]}
  - {kind: stored, name: learned, shape: [6, 2], learned: true}
  - {kind: global_avg_pool, name: pool, input: c}
"""


def test_a_stored_tensor_reads_no_layer_and_what_is_computed_on_it_is_counted(run_spec):
    analysis = run_spec(STORED)
    table, mlp, picked = (layer(analysis, n) for n in ("table", "mlp", "picked"))
    # not fed by the conv before it: no inputs, its own shape, no params (a buffer)
    assert (table.inputs, table.output, table.params, table.macs) == ((), (3, 3, 2), 0, 0)
    # linear on it: 3·3 positions · 5 units · 2 features = 90 MACs; params 2·5 + 5 = 15
    assert (mlp.output, mlp.params, mlp.macs) == ((3, 3, 5), 15, 90)
    # 4 picks along axis 1 (of 3: an index any number of times): 3×4×5, free
    assert (picked.output, picked.params, picked.macs, picked.other_ops) == ((3, 4, 5), 0, 0, 0)
    # learned: its 12 elements are parameters
    assert layer(analysis, "learned").params == 12


def test_a_stored_tensor_has_no_receptive_field(write_spec):
    graph = build_graph(load_spec(str(write_spec(STORED))))
    fields = dict(zip((n.name for n in graph.nodes), receptive_fields(graph)))
    assert fields["table"].size == (0, 0) and fields["mlp"].size == (0, 0)  # no input pixel, whatever follows
    assert fields["c"].size == (1, 1) and fields["pool"].whole


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("{kind: stored, shape: [3, 2], input: input}", "stored takes 0 inputs, got 1"),
        ("{kind: stored, shape: [3, 2], repeat: 2}", "a layer that reads no input (stored) cannot take 'repeat'"),
        ("{kind: stored, shape: [3, 2], when: true}", "cannot take 'when'"),
        ("{kind: stored, shape: [in_channels, 2]}", "'in_channels' has no value here: the layer reads no input"),
        ("{kind: gather, axis: 3, count: 2}", "an axis from 0 to 2"),
        ("{kind: gather, axis: 0, count: 0}", "count"),
    ],
)
def test_stored_and_gather_refuse_what_cannot_work(run_spec, entry, message):
    with pytest.raises(CostcalcError) as caught:
        run_spec(f"input: [3, 4, 2]\nlayers:\n  - {entry}\n")
    assert message in caught.value.format()


def test_a_flat_input_has_no_height_and_says_so(run_spec):
    with pytest.raises(CostcalcError) as caught:
        run_spec("input: [12]\nlayers:\n  - {kind: fc, units: in_height}\n")
    message = caught.value.format()
    assert "'in_height' has no value here: the layer's input is 12, not height × width × channels" in message
    assert "did you mean" not in message  # it was "not defined; did you mean 'in_height'?"


def test_a_stored_tensor_moves_no_bytes_itself(write_spec):
    """Like the network input it is in memory already: its readers read it (mlp's input bytes), it writes nothing."""
    import json

    from typer.testing import CliRunner

    from costcalc.cli import app

    path = write_spec(STORED)
    result = CliRunner().invoke(app, ["analyze", str(path), "--device", "apple-m2-gpu", "-f", "json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)["layers"]}
    assert rows["table"]["bytes"] == 0
    # the linear reads the 3×3×2 table (18 floats, 72 B) and its 10 + 5 params (60 B), writes 3×3×5 (180 B)
    assert rows["mlp"]["bytes"] == 72 + 60 + 180
