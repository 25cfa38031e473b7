"""The spec language: chaining, DAGs, blocks, repeat, first, when, vars and expressions."""

from __future__ import annotations

import pytest

from costcalc.errors import SpecError, SpecErrors

from .conftest import layer


def test_layers_chain_in_order_and_get_automatic_names(run_spec):
    analysis = run_spec("""
        input: 8x8x3
        layers:
          - {kind: conv, filters: 4, kernel: 3}
          - {kind: relu}
          - {kind: conv, filters: 4, kernel: 3}
        """)
    assert [x.name for x in analysis.layers] == ["input", "conv_1", "relu_1", "conv_2"]
    assert [x.inputs for x in analysis.layers[1:]] == [("input",), ("conv_1",), ("relu_1",)]


def test_forward_references_are_sorted_topologically(run_spec):
    analysis = run_spec("""
        input: [4, 4, 2]
        layers:
          - {kind: add, name: out, inputs: [left, right]}
          - {kind: relu, name: left, input: input}
          - {kind: sigmoid, name: right, input: input}
        """)
    names = [x.name for x in analysis.layers]
    assert names.index("out") > names.index("left") and names.index("out") > names.index("right")


def test_block_with_arguments_defaults_and_repeat(run_spec):
    analysis = run_spec("""
        input: [16, 16, 8]
        blocks:
          pair:
            args: {width: null, kernel: 3}
            layers:
              - {kind: conv, name: a, filters: width, kernel: kernel, padding: same}
              - {kind: conv, name: b, filters: 2 * width, kernel: 1}
        layers:
          - {kind: pair, name: stage, repeat: 3, width: 4, first: {kernel: 5}}
        """)
    assert [x.name for x in analysis.layers[1:]] == [
        "stage.0.a",
        "stage.0.b",
        "stage.1.a",
        "stage.1.b",
        "stage.2.a",
        "stage.2.b",
    ]
    assert layer(analysis, "stage.0.a").params == 5 * 5 * 8 * 4 + 4  # first: kernel 5 on 8 channels
    assert layer(analysis, "stage.1.a").params == 3 * 3 * 8 * 4 + 4  # then kernel 3 on the 8 from .0.b
    assert layer(analysis, "stage.2.b").output == (16, 16, 8)
    assert layer(analysis, "stage.1.a").block == "stage.1"
    group = next(b for b in analysis.blocks if b.name == "stage")
    assert (group.kind, group.repeat, group.layers) == ("pair", 3, 6)
    assert group.macs == sum(x.macs for x in analysis.layers)


def test_when_drops_a_layer_and_references_pass_through(run_spec):
    text = """
        input: [8, 8, IN]
        vars: {IN: 16}
        blocks:
          res:
            args: {out: null}
            layers:
              - {kind: conv, name: main, filters: out, kernel: 3, padding: 1}
              - {kind: conv, name: proj, input: input, filters: out, kernel: 1, when: in_channels != out}
              - {kind: add, inputs: [main, proj]}
        layers:
          - {kind: res, name: r, out: 16}
        """
    same = run_spec(text)
    assert "r.proj" not in [x.name for x in same.layers]
    assert layer(same, "r.add_1").inputs == ("r.main", "input")
    wider = run_spec(text, {"IN": "8"})
    assert layer(wider, "r.add_1").inputs == ("r.main", "r.proj")


def test_a_left_out_merge_passes_its_first_input(run_spec):
    analysis = run_spec("""
        input: [4, 4, 4]
        layers:
          - {kind: relu, name: a}
          - {kind: add, name: skip, inputs: [a, input], when: false}
          - {kind: sigmoid, name: b}
        """)
    assert layer(analysis, "b").inputs == ("a",)


def test_vars_expressions_and_overrides(run_spec):
    text = """
        input: [res, res, 3]
        vars:
          alpha: 1.0
          res: 224
          width: make_divisible(32 * alpha, 8)
        layers:
          - {kind: conv, filters: width, kernel: 3, stride: 2, padding: 1}
        """
    assert layer(run_spec(text), "conv_1").output == (112, 112, 32)
    assert layer(run_spec(text, {"alpha": "0.35", "res": "96"}), "conv_1").output == (48, 48, 16)


def test_block_vars_read_the_incoming_shape(run_spec):
    analysis = run_spec("""
        input: [8, 8, 24]
        blocks:
          expand:
            args: {t: 6}
            vars: {hidden: round(in_channels * t)}
            layers:
              - {kind: conv, filters: hidden, kernel: 1}
        layers:
          - {kind: expand, name: e}
        """)
    assert layer(analysis, "e.conv_1").output == (8, 8, 144)


def test_words_pass_through_block_arguments(run_spec):
    analysis = run_spec("""
        input: [8, 8, 4]
        blocks:
          unit:
            args: {act: relu, pad: same}
            layers:
              - {kind: conv, filters: 4, kernel: 3, padding: pad, activation: act}
        layers:
          - {kind: unit, name: a}
          - {kind: unit, name: b, act: hard_swish, pad: valid}
        """)
    a, b = layer(analysis, "a.conv_1"), layer(analysis, "b.conv_1")
    assert a.output == (8, 8, 4) and b.output == (6, 6, 4)
    assert b.other_ops - a.other_ops * 36 // 64 == 4 * 36 * 4  # hard_swish 5 ops vs relu 1, on 6·6·4


def test_index_is_the_repetition_number(run_spec):
    analysis = run_spec("""
        input: [4, 4, 2]
        layers:
          - {kind: conv, name: c, repeat: 3, filters: 2 * (index + 1), kernel: 1}
        """)
    assert [x.output[2] for x in analysis.layers[1:]] == [2, 4, 6]


def test_block_output_can_be_named(run_spec):
    analysis = run_spec("""
        input: [4, 4, 2]
        blocks:
          two:
            output: first
            layers:
              - {kind: conv, name: first, filters: 3, kernel: 1}
              - {kind: conv, name: side, filters: 5, kernel: 1}
        layers:
          - {kind: two, name: t}
          - {kind: relu, name: after}
        """)
    assert layer(analysis, "after").inputs == ("t.first",)


def test_anchors_and_merge_keys(run_spec):
    analysis = run_spec("""
        input: [8, 8, 3]
        x-common: &common {bias: false, bn: true, activation: relu}
        layers:
          - {kind: conv, filters: 4, kernel: 3, <<: *common}
        """)
    assert analysis.totals.params == 3 * 3 * 3 * 4 + 2 * 4


def test_inception_style_dag(run_spec):
    analysis = run_spec("""
        input: [28, 28, 192]
        layers:
          - {kind: conv, name: b1, input: input, filters: 64, kernel: 1}
          - {kind: conv, name: b2, input: input, filters: 96, kernel: 1}
          - {kind: conv, name: b2b, filters: 128, kernel: 3, padding: same}
          - {kind: max_pool, name: p, input: input, kernel: 3, stride: 1, padding: same}
          - {kind: concat, name: out, inputs: [b1, b2b, p]}
        """)
    assert layer(analysis, "out").output == (28, 28, 64 + 128 + 192)


def test_flat_input(run_spec):
    analysis = run_spec("input: [784]\nlayers:\n  - {kind: fc, units: 10}\n")
    assert analysis.totals.params == 7850


def test_input_override(run_spec):
    analysis = run_spec("input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 3}\n", input_shape=(10, 12, 3))
    assert analysis.layers[1].output == (8, 10, 4)


def test_unknown_override_is_an_error(run_spec):
    with pytest.raises(SpecError, match="no var 'alpah'; did you mean 'alpha'"):
        run_spec("input: [4]\nvars: {alpha: 1}\nlayers:\n  - {kind: relu}\n", {"alpah": "2"})


def test_depth_folding_rows(run_spec):
    analysis = run_spec("""
        input: [8, 8, 4]
        blocks:
          inner: {layers: [{kind: relu}, {kind: relu}]}
          outer: {layers: [{kind: inner, name: i}, {kind: sigmoid}]}
        layers:
          - {kind: outer, name: o, repeat: 2}
          - {kind: tanh}
        """)
    assert [r.name for r in analysis.rows(1)] == ["input", "o", "tanh_1"]
    assert [r.name for r in analysis.rows(2)] == ["input", "o.0", "o.1", "tanh_1"]
    assert [r.name for r in analysis.rows(3)] == ["input", "o.0.i", "o.0.sigmoid_1", "o.1.i", "o.1.sigmoid_1", "tanh_1"]
    folded = analysis.rows(1)[1]
    assert folded.other_ops == sum(x.other_ops for x in analysis.layers if x.name.startswith("o."))
    assert folded.layers == 6


def test_several_problems_are_reported_together(write_spec):
    from costcalc.sources import load_spec

    path = write_spec("""
        input: [8, 8, 3]
        layers:
          - {kind: conv2d, filters: 4}
          - {kind: conv, filters: 4, kernal: 3}
          - {kind: relu, nme: x}
        """)
    with pytest.raises(SpecErrors) as caught:
        load_spec(str(path))
    text = caught.value.format()
    assert "unknown kind 'conv2d'; did you mean 'conv'?" in text
    assert "'kernal' is not a parameter of conv; did you mean 'kernel'?" in text
    assert "'nme' is not a parameter of relu; did you mean 'name'?" in text
    assert "conv layer has no 'kernel'" in text
    assert "4 errors" in text
    assert text.count(f"{path}:") == 4  # every one located
