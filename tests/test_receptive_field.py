"""Receptive fields against hand-computed cases: VGG's argument, AlexNet's conv1, dilation, DAGs."""

from __future__ import annotations

import json
from fractions import Fraction

from typer.testing import CliRunner

from costcalc.api import build_spec_graph
from costcalc.cli import app
from costcalc.graph import build_graph
from costcalc.receptive_field import receptive_fields
from costcalc.spec import parse_spec


def fields_of(text: str) -> dict:
    graph = build_graph(parse_spec(text, "net.yaml"))
    return {node.name: field for node, field in zip(graph.nodes, receptive_fields(graph))}


def bundled(name: str) -> dict:
    graph = build_spec_graph(name)
    return {node.name: field for node, field in zip(graph.nodes, receptive_fields(graph))}


def test_vgg16_last_conv_and_pool():
    # per stage: each 3×3 conv adds 2 jumps, each 2×2 pool adds 1 jump and doubles it:
    # 1 +2+2 = 5, +1 = 6 (j 2); +4+4 = 14, +2 = 16 (j 4); +8·3 = 40, +4 = 44 (j 8);
    # +16·3 = 92, +8 = 100 (j 16); +32·3 = 196 (the last conv), +16 = 212 (the last pool, j 32)
    fields = bundled("vgg16")
    assert fields["stage5.conv.2"].size == (196, 196) and fields["stage5.conv.2"].jump == (16, 16)
    assert fields["stage5.pool"].size == (212, 212) and fields["stage5.pool"].jump == (32, 32)


def test_stacked_3x3_convs_see_5x5_then_7x7():
    conv = "  - {kind: conv, filters: 8, kernel: 3, padding: 1}\n"
    fields = fields_of("input: [32, 32, 3]\nlayers:\n" + conv * 3)
    assert [fields[f"conv_{i}"].size for i in (1, 2, 3)] == [(3, 3), (5, 5), (7, 7)]
    assert all(fields[f"conv_{i}"].jump == (1, 1) for i in (1, 2, 3))


def test_alexnet_conv1():
    field = bundled("alexnet")["conv1"]
    assert field.size == (11, 11) and field.jump == (4, 4)


def test_dilation_widens_padding_shifts():
    # 3×3 with dilation 2 spans 5 pixels; a second one adds (5 − 1)·1 = 4 more: 9
    fields = fields_of(
        "input: [32, 32, 3]\nlayers:\n"
        "  - {kind: conv, name: a, filters: 4, kernel: 3, dilation: 2}\n"
        "  - {kind: conv, name: b, filters: 4, kernel: 3, dilation: 2, padding: same}\n"
    )
    assert fields["a"].size == (5, 5) and fields["b"].size == (9, 9)
    assert fields["a"].lo == (0, 0) and fields["b"].lo == (-2, -2)  # 'same' pads 2 before: the field starts there


def test_paths_meet_in_the_union_of_their_fields():
    # on 8×8: a pads 0 above and 2 below, b 2 above and 0 below; both give 8×8.
    # output row 0 reads input rows 0…2 through a and −2…0 through b: together 5 rows; columns 3
    fields = fields_of(
        "input: [8, 8, 1]\nlayers:\n"
        "  - {kind: conv, name: a, input: input, filters: 1, kernel: 3, padding: [0, 2, 1, 1]}\n"
        "  - {kind: conv, name: b, input: input, filters: 1, kernel: 3, padding: [2, 0, 1, 1]}\n"
        "  - {kind: add, name: sum, inputs: [a, b]}\n"
    )
    assert fields["a"].size == fields["b"].size == (3, 3)
    assert fields["sum"].size == (5, 3)


def test_fc_and_global_pools_see_the_whole_input():
    # conv 3×3 on 6×6 → 4×4 (field 3, jump 1); global pool over 4 positions: 3 + 3·1 = 6
    fields = fields_of(
        "input: [6, 6, 1]\nlayers:\n  - {kind: conv, filters: 2, kernel: 3}\n"
        "  - {kind: global_avg_pool, name: pool}\n  - {kind: fc, name: fc, units: 3}\n"
    )
    assert fields["conv_1"].whole is False
    assert fields["pool"].whole and fields["pool"].size == (6, 6)
    assert fields["fc"].whole and fields["fc"].size == (6, 6)
    flat = fields_of(
        "input: [6, 6, 1]\nlayers:\n  - {kind: conv, filters: 2, kernel: 3}\n"
        "  - {kind: flatten}\n  - {kind: fc, name: fc, units: 3}\n"
    )
    assert flat["flatten_1"].size == (3, 3) and flat["fc"].size == (6, 6) and flat["fc"].whole


def test_upsampling_halves_the_jump():
    # nearest ×2: outputs ½ input pixel apart; a 3×3 conv after it reads 2 jumps of ½: rows 0…1, 2 pixels
    fields = fields_of(
        "input: [8, 8, 1]\nlayers:\n  - {kind: upsample, name: up, scale: 2}\n"
        "  - {kind: conv, name: c, filters: 1, kernel: 3}\n"
    )
    assert fields["up"].jump == (Fraction(1, 2), Fraction(1, 2)) and fields["c"].size == (2, 2)


def test_flat_input_has_no_receptive_field():
    graph = build_graph(parse_spec("input: [10]\nlayers:\n  - {kind: fc, units: 3}\n", "mlp.yaml"))
    assert receptive_fields(graph) is None


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": ""})


def test_analyze_rf_column_and_json():
    table = run("analyze", "vgg16", "--rf")
    assert table.exit_code == 0, table.output
    stage5 = table.stdout[table.stdout.index(" stage5 ") :]  # the tree: stage5's own pool row comes after it
    row = next(line for line in stage5.splitlines() if line.strip().startswith("pool "))
    assert row.split()[-2:] == ["212×212", "32"]
    data = json.loads(run("analyze", "vgg16", "--rf", "-f", "json").stdout)
    layer = next(x for x in data["layers"] if x["name"] == "stage5.conv.2")
    assert (layer["rf_size"], layer["rf_jump"], layer["rf_whole"]) == ([196, 196], [16, 16], False)
    assert next(x for x in data["layers"] if x["name"] == "fc8")["rf_whole"] is True
    block = next(x for x in data["blocks"] if x["name"] == "stage5")
    assert block["rf_size"] == [212, 212]  # a block's field is its output layer's
    plain = json.loads(run("analyze", "vgg16", "-f", "json").stdout)
    assert "rf_size" not in plain["layers"][1]


def test_analyze_rf_in_csv_and_errors():
    csv = run("analyze", "alexnet", "--rf", "-f", "csv").stdout.splitlines()
    assert csv[0].endswith(",rf,rf_jump,value")
    assert next(line for line in csv if line.startswith("layer,conv1,")).endswith(",11×11,4,")
    assert run("analyze", "vgg16", "--rf", "--by", "kind").exit_code == 2
    mlp = CliRunner().invoke(app, ["analyze", "-", "--rf"], input="input: [10]\nlayers:\n  - {kind: fc, units: 3}\n")
    assert mlp.exit_code == 2 and "no receptive field" in mlp.output


def test_padding_layers_shift_the_field_and_a_transposed_conv_spreads_it():
    # pad [top 1, left 2] then a 3×3 conv: the field is 3×3 starting in the padding at (−1, −2);
    # zero_pad [1, 2, 3, 4] shifts by top 1, left 3
    fields = fields_of(
        "input: [8, 8, 3]\nlayers:\n"
        "  - {kind: pad, name: p, padding: [1, 0, 2, 0], mode: reflect}\n"
        "  - {kind: conv, name: c, filters: 2, kernel: 3}\n"
        "  - {kind: zero_pad, name: z, input: input, padding: [1, 2, 3, 4]}\n"
        # kernel [3, 2], stride 2, padding [1, 0]: an output reads ⌈3/2⌉ = 2 rows and ⌈2/2⌉ = 1 column of the
        # input, from (1 − 3 + 1)/2 = −1/2 and (0 − 2 + 1)/2 = −1/2, at half a pixel per output
        "  - {kind: conv_transpose, name: t, input: input, filters: 2, kernel: [3, 2], stride: 2, padding: [1, 0]}\n"
    )
    assert fields["p"].lo == (-1, -2) and fields["p"].size == (1, 1)
    assert fields["c"].lo == (-1, -2) and fields["c"].size == (3, 3)
    assert fields["z"].lo == (-1, -3)
    half = Fraction(1, 2)
    assert fields["t"].lo == (-half, -half) and fields["t"].size == (2, 1) and fields["t"].jump == (half, half)
