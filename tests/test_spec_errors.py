"""Bad specs fail with an error that names file:line, the layer, and what was expected."""

from __future__ import annotations

import pytest

from costcalc.analysis import analyze
from costcalc.errors import CostcalcError
from costcalc.graph import build_graph
from costcalc.sources import load_spec


def error_of(write_spec, text: str, overrides=None) -> str:
    path = write_spec(text)
    with pytest.raises(CostcalcError) as caught:
        analyze(build_graph(load_spec(str(path)), overrides))
    return caught.value.format().replace(str(path), "net.yaml")


CASES = [
    (
        "unknown kind",
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv2d, filters: 4, kernel: 3}\n",
        "net.yaml:3:12: error: unknown kind 'conv2d'; did you mean 'conv'?",
    ),
    (
        "missing input",
        "input: [8, 8, 3]\nlayers:\n  - {kind: relu, name: left}\n  - {kind: add, name: s, inputs: [left, lefft]}\n",
        "net.yaml:4:34: error: layer 's': input 'lefft' is not a layer here; did you mean 'left'?",
    ),
    (
        "cycle",
        "input: [8, 8, 3]\nlayers:\n  - {kind: relu, name: a, input: b}\n  - {kind: relu, name: b, input: a}\n",
        "net.yaml:3:5: error: layer 'a': the inputs form a cycle: a → b → a; expected a network without loops (a DAG)",
    ),
    (
        "kernel too large",
        "input: [3, 3, 1]\nlayers:\n  - {kind: conv, name: big, filters: 1, kernel: 5}\n",
        "net.yaml:3:5: error: layer 'big': kernel 5×5 does not fit input 3×3 with padding 0; expected a kernel no "
        "larger than the padded input 3×3 (use padding: same or a smaller kernel)",
    ),
    (
        "add of different shapes",
        "input: [28, 28, 128]\nlayers:\n  - {kind: conv, name: main, filters: 256, kernel: 1}\n"
        "  - {kind: add, name: sum, inputs: [main, input]}\n",
        "layer 'sum': add needs equal shapes: 28×28×256 vs 28×28×128",
    ),
    (
        "concat of different spatial sizes",
        "input: [28, 28, 8]\nlayers:\n  - {kind: max_pool, name: p, kernel: 2}\n"
        "  - {kind: concat, name: cat, inputs: [p, input]}\n",
        "layer 'cat': concat needs equal spatial sizes: 14×14×8 vs 28×28×8",
    ),
    (
        "groups not dividing channels",
        "input: [8, 8, 6]\nlayers:\n  - {kind: conv, name: g, filters: 8, kernel: 1, groups: 4}\n",
        "layer 'g': groups 4 must divide both input channels 6 and filters 8",
    ),
    (
        "bad value type",
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: many, kernel: 3}\n",
        "net.yaml:3:36: error: layer 'c': filters: cannot evaluate 'many': name 'many' is not defined",
    ),
    (
        "fractional filters",
        "input: [8, 8, 3]\nvars: {alpha: 0.35}\nlayers:\n  - {kind: conv, name: c, filters: 10 * alpha, kernel: 3}\n",
        "filters: '10 * alpha' gives 3.5, not a whole number; expected a whole number "
        "(wrap it in int(), round() or make_divisible())",
    ),
    (
        "zero stride",
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: 4, kernel: 3, stride: 0}\n",
        "layer 'c': stride: got 0; expected a whole number ≥ 1",
    ),
    (
        "unknown name in expression",
        "input: [8, 8, 3]\nvars: {width: 4}\nlayers:\n  - {kind: conv, name: c, filters: widht, kernel: 3}\n",
        "name 'widht' is not defined; did you mean 'width'?",
    ),
    (
        "flat input to a conv",
        "input: [8, 8, 3]\nlayers:\n  - {kind: flatten}\n  - {kind: conv, name: c, filters: 4, kernel: 1}\n",
        "layer 'c': conv needs an H×W×C input, got a flat vector of 192",
    ),
    (
        "missing required parameter",
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, kernel: 3}\n",
        "net.yaml:3:5: error: conv layer 'c' has no 'filters'",
    ),
    (
        "wrong arity",
        "input: [8, 8, 3]\nlayers:\n  - {kind: add, name: s}\n",
        "layer 's': add takes 2 or more inputs, got 1",
    ),
    (
        "block using itself",
        "input: [8, 8, 3]\nblocks:\n  a: {layers: [{kind: b}]}\n  b: {layers: [{kind: a}]}\nlayers:\n  - {kind: a}\n",
        "block 'a' uses itself (a → b → a)",
    ),
    (
        "missing block argument",
        "input: [8, 8, 3]\nblocks:\n  a: {args: {w: null}, layers: [{kind: conv, filters: w, kernel: 1}]}\nlayers:\n  - {kind: a, name: x}\n",
        "block 'a' used 'x' without its argument 'w'",
    ),
    (
        "unknown block argument",
        "input: [8, 8, 3]\nblocks:\n  a: {args: {width: 1}, layers: [{kind: relu}]}\nlayers:\n  - {kind: a, widht: 2}\n",
        "'widht' is not an argument of block 'a'; did you mean 'width'?",
    ),
    (
        "duplicate names",
        "input: [8, 8, 3]\nlayers:\n  - {kind: relu, name: a}\n  - {kind: relu, name: a}\n",
        "duplicate layer name 'a' in the spec (first at line 3)",
    ),
    ("missing layers", "input: [8, 8, 3]\n", "the spec has no 'layers'"),
    (
        "unknown top-level key",
        "input: [8, 8, 3]\nlayer:\n  - {kind: relu}\n",
        "unknown key 'layer' in the spec; did you mean 'layers'?",
    ),
    (
        "bad input",
        "input: [8, 8]\nlayers:\n  - {kind: relu}\n",
        "net.yaml:1:8: error: input is a list of 2; expected [height, width, channels]",
    ),
    (
        "negative repeat",
        "input: [8, 8, 3]\nlayers:\n  - {kind: relu, name: r, repeat: -1}\n",
        "layer 'r': repeat: got -1; expected a repeat count ≥ 0",
    ),
    (
        "comma in an unquoted expression",
        "input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: max(4, 8), kernel: 1}\n",
        "inside { ... } a comma ends the value: quote an expression that has one",
    ),
    (
        "error inside a block names the use",
        "input: [8, 8, 3]\nblocks:\n  b:\n    layers:\n      - {kind: conv, name: c, filters: 4, kernel: 9}\n"
        "layers:\n  - {kind: b, name: stage}\n",
        "net.yaml:5:9: error: layer 'stage.c': kernel 9×9 does not fit input 8×8",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_located_and_explained(write_spec, text, expected):
    assert expected in error_of(write_spec, text)


def test_error_inside_a_block_says_where_the_block_is_used(write_spec):
    message = error_of(write_spec, CASES[-1][1])
    assert "block 'b' used as 'stage' at net.yaml:7:5" in message
    assert "input: 8×8×3 from 'input'" in message


def test_no_silent_zero_for_an_unknown_activation(write_spec):
    message = error_of(
        write_spec, "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: 4, kernel: 1, activation: mish}\n"
    )
    assert "activation: got the text 'mish'" in message and "silu" in message


def test_yaml_syntax_error_is_located(write_spec):
    message = error_of(write_spec, "input: [8, 8, 3]\nlayers:\n  - {kind: relu\n")
    assert message.startswith("net.yaml:4:1: error: not valid YAML")


def test_python_tags_are_refused(write_spec):
    message = error_of(write_spec, "input: !!python/object/apply:os.system ['echo hi']\nlayers: []\n")
    assert "YAML tag '!!python/object/apply:os.system' is not allowed in a spec" in message


def test_empty_file(write_spec):
    assert "the spec is empty" in error_of(write_spec, "")


def test_list_instead_of_mapping(write_spec):
    assert "the spec is a list of 2; expected a mapping" in error_of(write_spec, "- a\n- b\n")
