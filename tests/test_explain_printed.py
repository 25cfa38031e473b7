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
