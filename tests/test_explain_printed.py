"""explain, as printed: on every layer of every bundled spec the final numbers are the analysis' own,
and every formula (the comparisons' included) evaluates back to the number it ends in."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from costcalc.analysis import analyze
from costcalc.api import build_spec_graph
from costcalc.cli import app
from costcalc.sources import bundled_names

FIGURES = {"params": "params", "non-trainable": "non_trainable", "MACs": "macs", "other ops": "other_ops"}
FIGURE_LINE = re.compile(r"^  (params|non-trainable|MACs|other ops): (?:(.*) = )?([\d,]+)$")
DIM_LINE = re.compile(r"^  output (height|width|channels|features): (.*) = ([\d,]+)$")


def value_of(formula: str) -> int:
    """Evaluate a printed formula (test-only: the text is costcalc's own): labels dropped, ⌊a / b⌋ and
    ⌈a / b⌉ as floor divisions, · and × multiply."""
    text = formula
    while True:  # a label is ' (...)' right after a number or a closing bracket
        match = re.search(r"(?<=[\d)⌋⌉]) \(", text)
        if not match:
            break
        depth, end = 0, match.start() + 1
        for end in range(match.start() + 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[: match.start()] + text[end + 1 :]
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    for old, new in (("·", "*"), ("×", "*"), ("−", "-"), (" / ", ") // (")):
        text = text.replace(old, new)
    for old, new in (("⌊", "(("), ("⌋", "))"), ("⌈", "(-(-("), ("⌉", ")))")):
        text = text.replace(old, new)
    return eval(text, {"__builtins__": {}})  # noqa: S307


def test_the_formula_reader_itself():
    assert value_of("⌊(28 + 2·2 − 5) / 1⌋ + 1") == 28
    assert value_of("⌈(112 − 3) / 2⌉ + 1") == 56
    assert value_of("28·28·32 (output positions × filters) × 5·5·192 (multiplies per output)") == 120_422_400
    assert value_of("2·56·56·64 (batch norm: a·x + b) + 56·56·64 (relu: max(x, 0))") == 602_112


@pytest.mark.parametrize("name", bundled_names())
def test_printed_numbers_are_the_analysis_and_formulas_hold(name):
    result = CliRunner().invoke(app, ["explain", name], env={"NO_COLOR": "1", "COLUMNS": ""})
    assert result.exit_code == 0, result.output
    analysis = analyze(build_spec_graph(name))
    blocks = result.stdout.split("\n\n")
    assert len(blocks) == len(analysis.layers) + 1  # every layer, then the conventions
    for layer, block in zip(analysis.layers, blocks):
        header, *lines = block.splitlines()
        assert header.startswith(f"{layer.name}  ({layer.kind})  ") and header.endswith(
            "→ " + "×".join(map(str, layer.output))
        )
        printed = dict.fromkeys(FIGURES.values(), 0)
        for line in lines:
            figure, dim = FIGURE_LINE.match(line), DIM_LINE.match(line)
            if figure:
                printed[FIGURES[figure.group(1)]] = number = int(figure.group(3).replace(",", ""))
                if figure.group(2):
                    assert value_of(figure.group(2)) == number, (layer.name, line)
            elif dim:
                assert value_of(dim.group(2)) == int(dim.group(3).replace(",", "")), (layer.name, line)
            for formula, number in re.findall(r"would cost (.*?) = ([\d,]+) MACs", line):
                assert value_of(formula) == int(number.replace(",", "")), (layer.name, line)
        assert printed == {key: getattr(layer, key) for key in FIGURES.values()}, layer.name


def test_each_kinds_formula_and_its_words_as_printed(write_spec):
    """The text itself, worked out by hand for a small net (the numbers and the words each kind uses for
    them): softmax 4·4 positions × (3·3 − 1); conv_transpose (4 − 1)·1 + 2 = 5 rows, each of 4·4·3 input
    elements times 2·2·2; separable depthwise 3·3·2·3·3 = 162 + pointwise 3·3·2·2 = 36."""
    path = write_spec(
        "input: [4, 4, 3]\nlayers:\n"
        "  - {kind: softmax, name: s}\n"
        "  - {kind: prelu, name: p}\n"
        "  - {kind: clip, name: c, min: 0, max: 2}\n"
        "  - {kind: layer_scale, name: g}\n"
        "  - {kind: elementwise, name: e, op: add, operand: [3], learned: true}\n"
        "  - {kind: conv_transpose, name: t, filters: 2, kernel: 2}\n"
        "  - {kind: separable_conv, name: sp, filters: 2, kernel: 3}\n"
        "  - {kind: batch_norm, name: bn}\n"
        "  - {kind: conv, name: pw, filters: 2, kernel: 1}\n"
    )
    result = CliRunner().invoke(app, ["explain", str(path)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    expected = """\
s  (softmax)  4×4×3 from 'input' → 4×4×3
  other ops: 4·4·(3·3 − 1) (softmax: C exps, C − 1 adds, C divides) = 128

p  (prelu)  4×4×3 from 's' → 4×4×3
  params: 3 (slopes) = 3
  other ops: 2·4·4·3 (prelu: x if x > 0 else a_c·x) = 96

c  (clip)  4×4×3 from 'p' → 4×4×3
  other ops: 2·4·4·3 (clip: a comparison per bound) = 96

g  (layer_scale)  4×4×3 from 'c' → 4×4×3
  params: 3 (γ per channel) = 3
  other ops: 4·4·3 (γ·x) = 48

e  (elementwise)  4×4×3 from 'g' → 4×4×3
  params: 3 (stored operand) = 3
  other ops: 4·4·3 (add: a + b) = 48

t  (conv_transpose)  4×4×3 from 'e' → 5×5×2
  output height: (4 − 1)·1 − (0 + 0) + 2 + 0 = 5
  output width: (4 − 1)·1 − (0 + 0) + 2 + 0 = 5
  MACs: 4·4·3 (input elements) × 2·2·2 (multiplies per input) = 384
  params: 3·2·2·2 + 2 (bias) = 26
  other ops: 5·5·2 (bias adds) = 50

sp  (separable_conv)  5×5×2 from 't' → 3×3×2
  output height: ⌊(5 − 3) / 1⌋ + 1 = 3
  output width: ⌊(5 − 3) / 1⌋ + 1 = 3
  MACs: 3·3·2·3·3 (depthwise) + 3·3·2·2 (pointwise) = 198
  params: 3·3·2 + 2·2 + 2 (bias) = 24
  other ops: 3·3·2 (bias adds) = 18

bn  (batch_norm)  3×3×2 from 'sp' → 3×3×2
  params: 2·2 (batch norm γ, β) = 4
  non-trainable: 2·2 (running mean, variance) = 4
  other ops: 2·3·3·2 (batch norm: a·x + b) = 36

pw  (conv)  3×3×2 from 'bn' → 3×3×2
  output height: ⌊(3 − 1) / 1⌋ + 1 = 3
  output width: ⌊(3 − 1) / 1⌋ + 1 = 3
  MACs: 3·3·2 (output positions × filters) × 1·1·2 (multiplies per output) = 36
  params: 1·1·2·2 + 2 (bias) = 6
  other ops: 3·3·2 (bias adds) = 18
"""
    assert expected in result.stdout
