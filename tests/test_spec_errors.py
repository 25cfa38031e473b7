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
        "layer 'sum': add needs equal shapes: 28×28×256 vs 28×28×128; expected inputs of the same shape "
        "(a projection (1×1 conv) on the shortcut can match them)",
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
        "layer 'g': groups 4 must divide both input channels 6 and filters 8; expected channels and filters "
        "divisible by groups",
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
    (
        "a misspelt index inside a repeat is offered 'index'",
        'input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, repeat: 2, kernel: 1, filters: "4 + indx"}\n',
        "net.yaml:3:58: error: layer 'c.0': filters: cannot evaluate '4 + indx': name 'indx' is not defined; "
        "did you mean 'index'? (defined here: in_channels, in_height, in_width, index, input)",
    ),
    (
        "outside a repeat there is no index to offer",
        'input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, kernel: 1, filters: "4 + indx"}\n',
        "net.yaml:3:47: error: layer 'c': filters: cannot evaluate '4 + indx': name 'indx' is not defined "
        "(defined here: in_channels, in_height, in_width, input)",
    ),
    (
        "a table row's field with a reserved name, at the for: line",
        "input: [8, 8, 3]\nvars:\n  rows: [{index: 1}]\nlayers:\n  - kind: relu\n    name: r\n    for: rows\n",
        "net.yaml:7:10: error: layer 'r': a row's field 'index' has a reserved name; expected another field name",
    ),
    (
        "a misspelt row field inside a block says where the block is used",
        "input: [8, 8, 3]\nvars:\n  rows: [{fliters: 4}]\nblocks:\n  stage:\n    layers:\n      - kind: conv\n"
        "        name: c\n        kernel: 1\n        filters: 2\n        for: rows\nlayers:\n  - {kind: stage, name: s}\n",
        "net.yaml:11:14: error: layer 's.c': for: the row field 'fliters' is neither a parameter of conv nor read by "
        "this entry; did you mean 'filters'?; expected fields that name arguments, or that the entry's values read\n"
        "  block 'stage' used as 's' at net.yaml:13:5",
    ),
    (
        "a row field like no name the entry takes: no did-you-mean",
        "input: [8, 8, 3]\nvars:\n  rows: [{qqqqzz: 1}]\nlayers:\n  - kind: relu\n    name: r\n    for: rows\n",
        "net.yaml:7:10: error: layer 'r': for: the row field 'qqqqzz' is neither a parameter of relu nor read by "
        "this entry; expected fields that name arguments, or that the entry's values read",
    ),
    (
        "the input's shape where a number is expected is named a shape",
        "input: [6, 5, 3]\nlayers:\n  - {kind: conv, name: c, filters: input, kernel: 1}\n",
        "net.yaml:3:36: error: layer 'c': filters: 'input' is a shape; expected a number or a word (index a list "
        "(widths[i]) or read a row's field (stage.channels))",
    ),
    (
        "a number given as an expression that is a word",
        "input: [4, 4, 3]\nlayers:\n  - {kind: leaky_relu, name: l, slope: \"'abc'\"}\n",
        "net.yaml:3:40: error: layer 'l': slope: ''abc'' is the word 'abc'; expected a number",
    ),
    (
        "an output dimension beyond the limit, with the limit",
        "input: [4, 4, 3]\nlayers:\n  - {kind: upsample, name: u, scale: 10000000}\n",
        "net.yaml:3:5: error: layer 'u': the output would be 40000000×40000000×3; expected dimensions ≤ 16,777,216",
    ),
    (
        "a number given as a list",
        "input: [4, 4, 3]\nlayers:\n  - {kind: leaky_relu, name: l, slope: [1, 2]}\n",
        "net.yaml:3:40: error: layer 'l': slope: got a list of 2; expected a number",
    ),
    (
        "a whole number one past the dimension limit, computed",
        'input: [2]\nlayers:\n  - {kind: fc, name: f, units: "2 ** 24 + 1"}\n',
        "net.yaml:3:32: error: layer 'f': units: got 16,777,217; expected a whole number ≤ 16,777,216",
    ),
    (
        "an empty value inside a block's table argument",
        "input: [4, 4, 3]\nblocks:\n  b:\n    args: {t: []}\n    layers:\n      - {kind: relu, name: r}\n"
        "layers:\n  - {kind: b, name: s, t: [1, null]}\n",
        "net.yaml:8:27: error: layer 's': argument t: got empty (null); expected a number, true/false, an expression, "
        "a word or a table",
    ),
    (
        "a row where a number is expected is named a row",
        "input: [8, 8, 3]\nvars:\n  r: {a: 1}\nlayers:\n  - {kind: conv, name: c, filters: r, kernel: 1}\n",
        "net.yaml:5:36: error: layer 'c': filters: 'r' is a row; expected a number or a word (index a list "
        "(widths[i]) or read a row's field (stage.channels))",
    ),
    # the exact words of each rule's refusal, and where it points (mutants of these messages survived)
    (
        "choice input that cannot be evaluated, at its input: line",
        'input: [8, 8, 3]\nlayers:\n  - kind: relu\n    name: a\n  - kind: relu\n    name: b\n    input: "a if nope else a"\n',
        "net.yaml:7:12: error: layer 'b': input: cannot evaluate 'a if nope else a': name 'nope' is not defined "
        "(defined here: a, b, in_channels, in_height, in_width, input)",
    ),
    (
        "choice input that gives a number, at its inputs: line",
        'input: [8, 8, 3]\nlayers:\n  - kind: relu\n    name: a\n  - kind: add\n    name: c\n    inputs: ["1 if true else a", a]\n',
        "net.yaml:7:13: error: layer 'c': input '1 if true else a' gives the number 1; expected the name of a layer "
        "in the same list, or 'input'",
    ),
    (
        "a table row's value, at the for: line",
        "input: [8, 8, 3]\nvars:\n  rows: [{filters: 4}, {filters: 0}]\nlayers:\n  - kind: conv\n    name: c\n"
        "    kernel: 1\n    for: rows\n",
        "net.yaml:8:10: error: layer 'c.1': filters: got 0; expected a whole number ≥ 1",
    ),
    (
        "transposed conv output padding",
        "input: [4, 4, 3]\nlayers:\n  - {kind: conv_transpose, name: t, filters: 2, kernel: 3, stride: 2, output_padding: 2}\n",
        "net.yaml:3:5: error: layer 't': output_padding 2 is not smaller than stride 2 or dilation 1; "
        "expected output_padding < max(stride, dilation)\n  input: 4×4×3 from 'input'",
    ),
    (
        "transposed conv padding larger than its output",
        "input: [2, 3, 3]\nlayers:\n  - {kind: conv_transpose, name: t, filters: 2, kernel: 2, padding: 2}\n",
        # rows (2 − 1)·1 − 4 + 2 = −1, columns (3 − 1)·1 − 4 + 2 = 0
        "net.yaml:3:5: error: layer 't': padding 2 removes the whole output (it would be -1×0); "
        "expected less padding\n  input: 2×3×3 from 'input'",
    ),
    (
        "elementwise of one input",
        "input: [4, 4, 3]\nlayers:\n  - {kind: elementwise, name: e, op: add}\n",
        "net.yaml:3:5: error: layer 'e': add of one input and no stored operand; expected two or more inputs, "
        "or operand: / value:\n  input: 4×4×3 from 'input'",
    ),
    (
        "learned without an operand",
        "input: [4, 4, 3]\nlayers:\n  - {kind: elementwise, name: e, op: add, inputs: [input, input], learned: true}\n",
        "net.yaml:3:5: error: layer 'e': learned: true without a stored operand; expected operand: [shape] or value:"
        "\n  input: 4×4×3 from 'input', 4×4×3 from 'input'",
    ),
    (
        "an operand of 65 numbers",
        "input: [4, 4, 3]\nlayers:\n  - {kind: elementwise, name: e, op: add, operand: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n",
        "net.yaml:3:52: error: layer 'e': operand: got a list of 65; expected at most 64 numbers",
    ),
    (
        "reflect padding as wide as the image",
        "input: [5, 6, 2]\nlayers:\n  - {kind: pad, name: p, padding: [0, 0, 6, 0], mode: reflect}\n",
        "net.yaml:3:5: error: layer 'p': reflect padding [0, 0, 6, 0] of a 5×6 image; expected padding smaller "
        "than the image\n  input: 5×6×2 from 'input'",
    ),
    (
        "a stored tensor joined along a missing axis",
        "input: [20]\nlayers:\n  - {kind: reshape, name: r, shape: [4, 5]}\n  - {kind: concat_stored, name: t, axis: 3, size: 1}\n",
        "net.yaml:4:5: error: layer 't': axis 3 of a 4×5 input; expected an axis from 0 to 1\n  input: 4×5 from 'r'",
    ),
    (
        "pixel shuffle of channels that do not divide",
        "input: [4, 4, 6]\nlayers:\n  - {kind: pixel_shuffle, name: u, factor: 2}\n",
        "net.yaml:3:5: error: layer 'u': 6 channels are not a multiple of r² = 4; expected channels divisible by 4"
        "\n  input: 4×4×6 from 'input'",
    ),
    (
        "instance norm after a global pool",
        "input: [4, 4, 6]\nlayers:\n  - {kind: global_avg_pool, name: g}\n  - {kind: instance_norm, name: n}\n",
        "net.yaml:4:5: error: layer 'n': instance_norm of a 1×1 input: each channel's mean and variance would be of "
        "one value; expected an input of more than one position (normalise before the global pool)"
        "\n  input: 1×1×6 from 'g'",
    ),
    (
        "matmul of a matrix by a vector",
        "input: [5]\nlayers:\n  - {kind: reshape, name: r, shape: [1, 5]}\n  - {kind: matmul, name: m, inputs: [r, input]}\n",
        "net.yaml:4:5: error: layer 'm': matmul of 1×5 and 5; expected inputs of rank 2 or more"
        "\n  input: 1×5 from 'r', 5 from 'input'",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error_is_located_and_explained(write_spec, text, expected):
    assert expected in error_of(write_spec, text)


def test_error_inside_a_block_says_where_the_block_is_used(write_spec):
    message = error_of(write_spec, next(c[1] for c in CASES if c[0] == "error inside a block names the use"))
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


def test_the_dimension_limit_itself_is_allowed(run_spec):
    """2²⁴ = 16,777,216 is the largest dimension: as an input, and as a computed whole number (units)."""
    assert run_spec("input: [16777216]\nlayers:\n  - {kind: relu, name: r}\n").layers[1].output == (16777216,)
    fc = run_spec('input: [2]\nlayers:\n  - {kind: fc, name: f, units: "2 ** 24"}\n').layers[1]
    assert fc.output == (16777216,) and fc.macs == 2 * 16777216
