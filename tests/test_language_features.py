"""Issue 16's language: tables as data, `for:` over rows, blocks with several inputs, the block's
input by name, choices, `repeat: 0`, named variants, dead layers. Expected figures are worked out
by hand in the comments (k·k·C_in·C_out + C_out for a conv with bias, H·W·C_out·k·k·C_in MACs)."""

from __future__ import annotations

import pytest

from costcalc.errors import CostcalcError, SpecError
from costcalc.graph import build_graph
from costcalc.spec import parse_spec

from .conftest import layer


def graph_of(text: str, overrides=None, input_shape=None):
    return build_graph(parse_spec(text, "net.yaml"), overrides, input_shape)


def error_of(text: str, overrides=None) -> str:
    with pytest.raises(CostcalcError) as caught:
        graph_of(text, overrides)
    return caught.value.format()


def shapes(graph) -> dict[str, tuple[int, ...]]:
    return {node.name: node.shape for node in graph.nodes}


# ---------------------------------------------------------------- tables as data


def test_list_vars_index_len_and_sum():
    graph = graph_of("""
input: [8, 8, 3]
vars:
  widths: [4, 8, 16]
  last: widths[-1]
layers:
  - {kind: conv, name: a, filters: "widths[0]", kernel: 1}
  - {kind: conv, name: b, filters: "widths[len(widths) - 2]", kernel: 1}
  - {kind: conv, name: c, filters: last + sum(widths), kernel: 1}
  - {kind: conv, name: d, filters: "max(widths) + min(widths)", kernel: 1}
""")
    got = shapes(graph)
    assert [got[n][2] for n in "abcd"] == [4, 8, 16 + 28, 20]


def test_rows_of_a_table_by_field():
    graph = graph_of("""
input: [8, 8, 3]
vars:
  stages:
    - {channels: 4, stride: 1}
    - {channels: 6, stride: 2}
layers:
  - {kind: conv, name: s0, filters: "stages[0].channels", kernel: 3, padding: 1, stride: "stages[0].stride"}
  - {kind: conv, name: s1, filters: "stages[1].channels", kernel: 3, padding: 1, stride: "stages[1].stride"}
""")
    assert shapes(graph)["s0"] == (8, 8, 4) and shapes(graph)["s1"] == (4, 4, 6)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("widths[3]", "index 3 is out of range for 'widths', a list of 3"),
        ("widths[0.5]", "a list index must be a whole number"),
        ("widths.channels", "'widths' is a list of 3: it has no field 'channels'"),
        ("rows[0].chanels", "has no field 'chanels'; did you mean 'channels'?"),
        ("widths", "'widths' is a list of 3; expected a number or a word"),
        ("widths + 1", "a list of 3 is not a number"),
        ("len(4)", "has no length"),
        ("widths < 3", "can only be compared with == or !="),
    ],
)
def test_table_misuse_is_a_located_error(value, fragment):
    message = error_of(f"""
input: [8, 8, 3]
vars:
  widths: [4, 8, 16]
  rows: [{{channels: 4}}]
layers:
  - {{kind: conv, name: c, filters: "{value}", kernel: 1}}
""")
    assert "net.yaml:7:" in message and "layer 'c'" in message and fragment in message, message


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("[[[[[1]]]]]", "nests lists deeper than 4"),
        ("[" + ", ".join(["1"] * 10_001) + "]", "more than 10,000 values"),
        ("[{in: 1}]", "cannot be read in expressions"),
        ("[1, null]", "holds empty (null)"),
    ],
)
def test_tables_are_bounded(table, fragment):
    assert fragment in error_of(f"input: [4]\nvars:\n  t: {table}\nlayers:\n  - {{kind: relu}}\n")


def test_an_alias_bomb_in_a_table_is_refused_cheaply():
    levels = ["x-a0: &a0 [" + ", ".join(["1"] * 20) + "]"]
    levels += [f"x-a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 20) + "]" for i in range(1, 4)]
    text = "\n".join(levels) + "\ninput: [4]\nvars:\n  t: *a3\nlayers:\n  - {kind: relu}\n"
    assert "more than 10,000 values" in error_of(text)  # 20**4 = 160,000 cells, never expanded


# ---------------------------------------------------------------- for: a block per row

MOBILENET_V2_LIKE = """
input: [32, 32, 16]
vars:
  width_mult: 1.0
  table:          # t (expansion), c (channels), n (repeat), s (stride of the first)
    - {t: 1, c: 16, n: 1, s: 1}
    - {t: 6, c: 24, n: 2, s: 2}
blocks:
  inverted_residual:
    args: {t: null, c: null, s: 1}
    layers:
      - {kind: conv, name: expand, filters: in_channels * t, kernel: 1, when: t != 1}
      - {kind: depthwise_conv, name: dw, kernel: 3, stride: s, padding: 1}
      - {kind: conv, name: project, filters: c, kernel: 1}
layers:
  - {kind: inverted_residual, name: stage, for: table, repeat: n, c: "int(c * width_mult)", s: 1, first: {s: s}}
"""


def test_for_repeats_a_block_over_the_rows_of_a_table():
    graph = graph_of(MOBILENET_V2_LIKE)
    got = shapes(graph)
    # row 0: t 1 (no expand), 16 channels, stride 1; row 1: two blocks, the first strides 2
    assert "stage.0.0.expand" not in got and got["stage.0.0.project"] == (32, 32, 16)
    assert got["stage.1.0.expand"] == (32, 32, 96)  # 16 · 6
    assert got["stage.1.0.dw"] == (16, 16, 96)  # the first of the row strides
    assert got["stage.1.1.expand"] == (16, 16, 144)  # 24 · 6
    assert got["stage.1.1.dw"] == (16, 16, 144)  # stride 1 after the first
    assert got["stage.1.1.project"] == (16, 16, 24)
    groups = {b.name: (b.kind, b.repeat) for b in graph.blocks}
    assert groups["stage"] == ("inverted_residual", 2) and groups["stage.1"] == ("inverted_residual", 2)
    assert shapes(graph_of(MOBILENET_V2_LIKE, {"width_mult": "0.5"}))["stage.1.1.project"] == (16, 16, 12)


def test_for_over_a_plain_list_reads_row_and_row_index():
    graph = graph_of("""
input: [4, 4, 2]
vars:
  block_config: [3, 5]
layers:
  - {kind: conv, name: c, for: block_config, filters: row + row_index, kernel: 1}
""")
    assert shapes(graph)["c.0"] == (4, 4, 3) and shapes(graph)["c.1"] == (4, 4, 6)


def test_for_over_a_literal_list_and_an_empty_table():
    graph = graph_of("""
input: [4, 4, 2]
vars:
  none: []
layers:
  - {kind: conv, name: c, for: [{filters: 3}, {filters: 7}], kernel: 1}
  - {kind: relu, name: gone, for: none}
  - {kind: sigmoid, name: after}
""")
    assert shapes(graph)["c.1"] == (4, 4, 7)
    assert "gone" not in shapes(graph)
    assert graph.nodes[-1].inputs == (2,)  # an empty table passes its input on


def test_a_row_field_that_is_no_argument_and_not_read_is_a_typo():
    message = error_of("""
input: [4, 4, 2]
vars:
  rows: [{filtrs: 3}]
layers:
  - {kind: conv, name: c, for: rows, filters: 4, kernel: 1}
""")
    assert "the row field 'filtrs' is neither a parameter of conv nor read by this entry" in message
    assert "did you mean 'filters'?" in message


def test_a_row_without_a_required_argument():
    message = error_of("""
input: [4, 4, 2]
vars:
  rows: [{c: 3}, {s: 2}]
blocks:
  b:
    args: {c: null, s: 1}
    layers: [{kind: conv, filters: c, kernel: 1, stride: s}]
layers:
  - {kind: b, name: stage, for: rows}
""")
    assert "without its argument 'c'" in message and "stage.1" in message


def test_for_counts_against_the_layer_limit():
    message = error_of("input: [4]\nvars:\n  n: 60000\nlayers:\n  - {kind: relu, for: '[1] * n'}\n")
    assert "not a number" in message or "not allowed" in message  # lists are data, never computed
    text = "input: [4]\nvars:\n  t: [" + ", ".join(["1"] * 9000) + "]\nblocks:\n  b: {layers: [{kind: relu, for: t}]}\n"
    text += "layers:\n  - {kind: b, for: t}\n"  # 9,000 × 9,000 layers
    assert "more than 50,000 layers (costcalc's limit)" in error_of(text)


# ---------------------------------------------------------------- the block's input by name

SQUEEZE_EXCITE = """
input: [8, 8, 32]
blocks:
  se:
    args: {ratio: 4}
    layers:
      - {kind: global_avg_pool, name: squeeze}
      - {kind: conv, name: reduce, filters: input.channels // ratio, kernel: 1, activation: relu}
      - {kind: conv, name: expand, filters: input.channels, kernel: 1, activation: sigmoid}
      - {kind: multiply, name: scale, inputs: [input, expand]}
layers:
  - {kind: se, name: se}
"""


def test_input_channels_is_the_blocks_input_on_every_layer():
    graph = graph_of(SQUEEZE_EXCITE)
    got = shapes(graph)
    assert got["se.reduce"] == (1, 1, 8) and got["se.expand"] == (1, 1, 32) and got["se.scale"] == (8, 8, 32)
    params = {n.name: n for n in graph.nodes}
    assert params["se.expand"].params["filters"] == 32  # in_channels here would be reduce's 8


def test_in_channels_keeps_its_meaning_the_layers_own_input():
    graph = graph_of(
        SQUEEZE_EXCITE.replace("filters: input.channels, kernel", "filters: in_channels, kernel").replace(
            "{kind: multiply, name: scale, inputs: [input, expand]}", "{kind: relu, name: scale}"
        )
    )
    assert shapes(graph)["se.expand"] == (1, 1, 8)


def test_input_height_width_and_the_network_input():
    graph = graph_of("""
input: [12, 10, 3]
layers:
  - {kind: conv, name: c, filters: input.height + input.width, kernel: 1}
  - {kind: fc, name: f, units: input.channels}
""")
    assert shapes(graph)["c"] == (12, 10, 22) and shapes(graph)["f"] == (3,)
    message = error_of("input: [6]\nlayers:\n  - {kind: fc, name: f, units: input.height}\n")
    assert "has no field 'height'" in message and "its fields: channels" in message


# ---------------------------------------------------------------- blocks with several inputs

UNET_STAGE = """
input: [16, 16, 8]
blocks:
  up:
    description: U-Net decoder stage
    inputs: [x, skip]
    args: {c: null}
    layers:
      - {kind: conv_transpose, name: upconv, input: x, filters: c, kernel: 2, stride: 2}
      - {kind: concat, name: cat, inputs: [upconv, skip]}
      - {kind: conv, name: conv1, filters: c, kernel: 3, padding: 1, activation: relu}
      - {kind: conv, name: conv2, filters: skip.channels, kernel: 3, padding: 1, activation: relu}
layers:
  - {kind: conv, name: enc, filters: 8, kernel: 3, padding: 1}
  - {kind: max_pool, name: pool, kernel: 2}
  - {kind: conv, name: bottom, filters: 16, kernel: 3, padding: 1}
  - {kind: up, name: dec, inputs: [bottom, enc], c: 4}
"""


def test_a_block_with_two_named_inputs():
    graph = graph_of(UNET_STAGE)
    got = shapes(graph)
    assert got["dec.upconv"] == (16, 16, 4) and got["dec.cat"] == (16, 16, 12)
    assert got["dec.conv2"] == (16, 16, 8)  # skip.channels: enc's 8
    node = next(n for n in graph.nodes if n.name == "dec.cat")
    assert [graph.nodes[i].name for i in node.inputs] == ["dec.upconv", "enc"]
    # upconv: 2·2·16·4 + 4 params; conv1: 3·3·12·4 + 4
    params = {n.name: n.params for n in graph.nodes}
    assert params["dec.conv1"]["filters"] == 4


def test_a_block_used_with_the_wrong_number_of_inputs():
    message = error_of(UNET_STAGE.replace("inputs: [bottom, enc], c: 4", "c: 4"))
    assert "block 'up' takes 2 inputs (x, skip), got 1" in message and "inputs: [x, skip]" in message


def test_block_input_names_must_be_distinct():
    text = UNET_STAGE.replace("inputs: [x, skip]", "inputs: [x, upconv]")
    assert "input name 'upconv' of block 'up' is also a layer" in error_of(text)


# ---------------------------------------------------------------- choices


def test_input_chosen_by_an_expression():
    text = """
input: [4, 4, 8]
vars: {split: true}
layers:
  - {kind: channel_split, name: left, parts: 2, index: 0}
  - {kind: relu, name: r, input: "left if split else input"}
"""
    assert shapes(graph_of(text))["r"] == (4, 4, 4)
    assert shapes(graph_of(text, {"split": "false"}))["r"] == (4, 4, 8)
    message = error_of(text.replace("left if split else input", "lefft if split else input"))
    assert "name 'lefft' is not defined; did you mean 'left'?" in message
    message = error_of(text.replace("left if split else input", "left if split else 3"), {"split": "false"})
    assert "input 'left if split else 3' gives the number 3" in message


def test_a_choice_reads_the_blocks_inputs_shapes():
    graph = graph_of("""
input: [4, 4, 8]
blocks:
  pick:
    inputs: [a, b]
    layers:
      - {kind: relu, name: out, input: "a if a.channels > b.channels else b"}
layers:
  - {kind: conv, name: narrow, filters: 2, kernel: 1}
  - {kind: pick, name: p, inputs: [narrow, input]}
""")
    assert shapes(graph)["p.out"] == (4, 4, 8)


def test_repeat_zero_passes_the_input_on():
    graph = graph_of("""
input: [4, 4, 2]
vars: {depth: 0}
layers:
  - {kind: conv, name: stage, repeat: depth, filters: 8, kernel: 1}
  - {kind: relu, name: after}
""")
    assert "stage" not in shapes(graph) and shapes(graph)["after"] == (4, 4, 2)


# ---------------------------------------------------------------- friendlier


def test_value_errors_of_a_chain_come_in_one_run():
    message = error_of("""
input: [8, 8, 3]
layers:
  - {kind: conv, name: a, filters: 4, kernel: 3, activation: rleu}
  - {kind: conv, name: b, filters: 4, kernel: 3, padding: smae}
  - {kind: conv, name: c, filters: 4, kernel: 3, activation: sigmod}
  - {kind: max_pool, name: d, kernel: 2, ceil_mode: maybe}
""")
    assert "4 errors" in message
    for name in "abcd":
        assert f"layer '{name}'" in message


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ("{kind: dense, units: 3}", "unknown kind 'dense'; did you mean 'fc'? (dense is called fc here)"),
        ("{kind: Linear, units: 3}", "did you mean 'fc'?"),
        ("{kind: BatchNorm2d}", "did you mean 'batch_norm'?"),
        ("{kind: conv, filters: 4, kernel: 1, activation: rleu}", "(did you mean 'relu'?)"),
        ("{kind: conv, filters: 4, kernel: 3, padding: smae}", "(did you mean 'same'?)"),
        ("{kind: upsample, scale: 2, mode: bilinar}", "(did you mean 'bilinear'?)"),
        ("{kind: conv, filters: 4, kernel: 1, activation: hard_swsh}", "(did you mean 'hard_swish'?)"),
    ],
)
def test_did_you_mean_for_kinds_and_every_enumerated_value(written, fragment):
    from costcalc.layers import KINDS

    if "Linear" in written and "linear" in KINDS:  # the per-position linear kind exists: Linear means it
        fragment = "did you mean 'linear'?"
    assert fragment in error_of(f"input: [8, 8, 3]\nlayers:\n  - {written}\n")


def test_swish_is_silus_other_name():
    swish = graph_of("input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 1, activation: swish}\n")
    assert swish.nodes[-1].params["activation"] == "silu"


def test_a_channels_first_input_gets_a_hint():
    text = "input: [3, 224, 224]\nlayers:\n  - {kind: conv, name: c, filters: 8, kernel: 7, stride: 2}\n"
    message = error_of(text)
    assert "looks channels first; specs are channels last" in message and "[224, 224, 3]" in message
    graph = graph_of("input: [3, 32, 32]\nlayers:\n  - {kind: relu}\n")
    assert graph.warnings and "channels first" in graph.warnings[0]
    assert not graph_of("input: [32, 32, 3]\nlayers:\n  - {kind: relu}\n").warnings


# ---------------------------------------------------------------- named variants

FAMILY = """
name: family
description: a family of widths
input: [32, 32, 3]
vars:
  width: 8
  resolution: 32
variants:
  family_s: {vars: {width: 4}}
  family_l: {vars: {width: 16, resolution: 64}, input: [resolution, resolution, 3], description: the large one}
layers:
  - {kind: conv, name: c, filters: width, kernel: 3, padding: 1}
"""


def test_variants_apply_their_vars_and_input():
    spec = parse_spec(FAMILY, "family.yaml")
    assert list(spec.variants) == ["family_s", "family_l"]
    small = build_graph(spec.with_variant("family_s"))
    assert (small.name, small.variant, small.family, small.input_source) == ("family_s", "family_s", "family", "spec")
    assert small.nodes[-1].shape == (32, 32, 4)
    large = build_graph(spec.with_variant("family_l"))
    assert large.nodes[-1].shape == (64, 64, 16) and large.input_source == "variant"
    assert large.description == "the large one"
    assert build_graph(spec.with_variant("family_l"), {"width": "2"}).nodes[-1].shape == (64, 64, 2)
    assert build_graph(spec.with_variant("family_l"), None, (16, 16, 3)).input_source == "override"
    with pytest.raises(SpecError, match="'family' has no variant 'family_m'; did you mean 'family_s'"):
        spec.with_variant("family_m")


def test_a_variant_setting_an_unknown_var():
    message = error_of(FAMILY.replace("{vars: {width: 4}}", "{vars: {widht: 4}}"))
    assert "variant 'family_s' sets 'widht', which is not a var of the spec; did you mean 'width'?" in message


def test_bundled_variants_resolve_by_name(tmp_path, monkeypatch):
    from costcalc import sources

    (tmp_path / "family.yaml").write_text(FAMILY)
    (tmp_path / "plain.yaml").write_text("input: [4]\nlayers: [{kind: relu}]\n")
    monkeypatch.setattr(sources, "_bundled_dir", lambda: tmp_path)
    sources.bundled_families.cache_clear()
    monkeypatch.chdir(tmp_path / "..")
    try:
        assert sources.bundled_families() == {"family": ("family_s", "family_l")}
        assert sources.bundled_names() == ["family", "family_l", "family_s", "plain"]
        spec = sources.load_spec("family_l")
        assert (spec.name, spec.family, spec.input_from_variant) == ("family_l", "family", True)
        assert sources.load_spec(str(tmp_path / "family.yaml") + "@family_s").variant == "family_s"
        assert sources.load_spec("family").variant is None
        with pytest.raises(SpecError, match="'family_l'"):
            sources.resolve("family_k")
    finally:
        sources.bundled_families.cache_clear()


# ---------------------------------------------------------------- dead layers


def test_dead_layers_are_the_ones_reaching_no_output():
    graph = graph_of("""
input: [4, 4, 8]
layers:
  - {kind: conv, name: a, input: input, filters: 4, kernel: 1}
  - {kind: conv, name: forgotten, input: input, filters: 4, kernel: 1}
  - {kind: relu, name: after_forgotten}
  - {kind: conv, name: b, input: input, filters: 4, kernel: 1}
  - {kind: concat, name: out, inputs: [a, b]}
""")
    assert graph.dead_layers() == ("forgotten", "after_forgotten")


def test_dead_layers_inside_blocks_and_none_in_a_chain():
    graph = graph_of(
        UNET_STAGE.replace(
            "      - {kind: conv_transpose",
            "      - {kind: relu, name: unused, input: skip}\n      - {kind: conv_transpose",
        )
    )
    assert graph.dead_layers() == ("dec.unused",)
    assert graph_of(SQUEEZE_EXCITE).dead_layers() == ()


def test_layer_helper_still_works(run_spec):
    analysis = run_spec(SQUEEZE_EXCITE)
    assert layer(analysis, "se.reduce").params == 32 * 8 + 8  # 1·1·32·8 + 8 bias


def test_tables_reach_every_output_format(tmp_path):
    """Vars that are tables go into the reports (JSON writes a row as an object)."""
    import json

    from typer.testing import CliRunner

    from costcalc.cli import app

    path = tmp_path / "t.yaml"
    path.write_text(MOBILENET_V2_LIKE)
    runner = CliRunner()
    result = runner.invoke(app, ["analyze", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["params"] > 0
    for fmt in ("csv", "markdown", "latex", "table"):
        assert runner.invoke(app, ["analyze", str(path), "-f", fmt]).exit_code == 0, fmt
    assert runner.invoke(app, ["explain", str(path)]).exit_code == 0


def test_the_input_records_fields_are_its_own_axes(run_spec):
    """input.height, .width and .channels of a 6×5×3 input, each different (a square or equal pair hides a swap):
    6·100 + 5·10 + 3 = 653 filters, at the top level and inside a block."""
    spec = (
        "input: [6, 5, 3]\nblocks:\n  b:\n    layers:\n"
        '      - {kind: conv, name: c, filters: "input.height * 100 + input.width * 10 + input.channels", kernel: 1}\n'
        "layers:\n"
        '  - {kind: conv, name: top, filters: "input.height * 100 + input.width * 10 + input.channels", kernel: 1}\n'
        "  - {kind: b, name: inner, input: input}\n"
    )
    analysis = run_spec(spec)
    assert [x.output for x in analysis.layers[1:]] == [(6, 5, 653), (6, 5, 653)]


def test_a_table_rows_values_are_expressions_read_where_the_table_is(run_spec):
    """A row's values are evaluated in the spec's scope: filters 2·width = 8, then width + 1 = 5 (width: 4)."""
    analysis = run_spec(
        'input: [4, 4, 3]\nvars:\n  width: 4\n  rows: [{filters: "2 * width"}, {filters: "width + 1"}]\n'
        "layers:\n  - {kind: conv, name: c, kernel: 1, for: rows}\n"
    )
    assert [x.output for x in analysis.layers[1:]] == [(4, 4, 8), (4, 4, 5)]
