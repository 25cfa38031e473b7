"""The language reference's examples (specs/README.md §7) are real specs, with figures worked out
by hand from the layers' documented rules (k·k·C_in·C_out + bias; batch norm 2C trainable and
2C running statistics)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from costcalc.analysis import analyze
from costcalc.graph import build_graph
from costcalc.spec import parse_spec

README = (Path(__file__).resolve().parent.parent / "specs" / "README.md").read_text(encoding="utf-8")
EXAMPLES = dict(re.findall(r"<!-- example: (\w+) -->\n```yaml\n(.*?)```", README, re.S))

# name -> (output shape, params, non-trainable)
EXPECTED = {
    # reduce 64·16 + 16 = 1,040; expand 16·64 + 64 = 1,088
    "se_block": ((14, 14, 64), 2_128, 0),
    # row 1: dw 9·16 + 32, project 16·16 + 32; row 2: expand 16·64 + 128, dw 9·64 + 128, project 64·24 + 48;
    # row 3: expand 24·72 + 144, dw 25·72 + 144, SE 72·24 + 24 and 24·72 + 72, project 72·40 + 80
    "mobilenet_v3_bneck": ((28, 28, 40), 14_232, 2 * (16 + 16 + 64 + 64 + 24 + 72 + 72 + 40)),
    # bottom 9·64·128 + 128, upconv 128·64·4 + 64, conv1 9·128·64 + 64, conv2 9·64·64 + 64
    "unet_stage": ((64, 64, 64), 73_856 + 32_832 + 73_792 + 36_928, 0),
}


# torchvision's models as PyTorch counts them (copied from the shared reference figures, see the file)
TORCHVISION = json.loads((Path(__file__).parent / "data" / "language_examples_figures.json").read_text())
PAPER_TABLES = ("densenet121", "efficientnet_b0", "regnet_x_400mf")


def test_every_example_is_checked():
    assert set(EXAMPLES) == set(EXPECTED) | set(PAPER_TABLES)


@pytest.mark.parametrize("name", PAPER_TABLES)
def test_paper_tables_are_torchvisions_models_exactly(name):
    analysis = analyze(build_graph(parse_spec(EXAMPLES[name], f"{name}.yaml")))
    expected = TORCHVISION[name]
    assert list(analysis.input) == expected["input"]
    assert (analysis.totals.params, analysis.totals.macs) == (expected["params"], expected["macs"])


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_figures(name):
    analysis = analyze(build_graph(parse_spec(EXAMPLES[name], f"{name}.yaml")))
    shape, params, non_trainable = EXPECTED[name]
    assert analysis.layers[-1].output == shape
    assert (analysis.totals.params, analysis.totals.non_trainable) == (params, non_trainable)


def test_mobilenet_v3_rows_follow_the_table():
    graph = build_graph(parse_spec(EXAMPLES["mobilenet_v3_bneck"], "x.yaml"))
    names = {n.name for n in graph.nodes}
    assert "bneck.0.expand" not in names  # expansion size 16 = input channels: no expand conv
    assert "bneck.0.residual" in names and "bneck.1.residual" not in names  # stride 1 and same channels only
    assert "bneck.2.se.fc1" in names and "bneck.1.se.fc1" not in names
    assert graph.dead_layers() == ()


def test_the_table_fragment_builds():
    fragment = re.search(r"\*\*Tables as data\.\*\*.*?```yaml\n(.*?)```", README, re.S).group(1)
    block = (
        "blocks:\n  mbconv:\n    args: {e: null, k: null, s: 1, c: null}\n"
        "    layers: [{kind: conv, filters: c * e, kernel: k, stride: s, padding: (k - 1) // 2}]\n"
    )
    graph = build_graph(parse_spec("input: [8, 8, 3]\n" + block + fragment, "x"))
    got = {n.name: n.shape for n in graph.nodes}
    assert got["conv_1"] == (4, 4, 32)  # stages[0].c · 2, stride 2
    assert got["stage.0.0.conv_1"] == (4, 4, 16)  # e 1, c 16, stride 1
    assert got["stage.1.0.conv_1"] == (2, 2, 144) and got["stage.1.1.conv_1"] == (2, 2, 144)  # first strides


def test_the_variants_fragment_parses():
    fragment = re.search(r"## 4b\. Named variants.*?```yaml\n(.*?)```", README, re.S).group(1)
    spec = parse_spec(fragment + "layers:\n  - {kind: relu}\n", "efficientnet.yaml")
    b3 = build_graph(spec.with_variant("efficientnet_b3"))
    assert b3.input_shape == (300, 300, 3) and b3.input_source == "spec"  # resolution is a var: the spec's input
    b7 = build_graph(spec.with_variant("efficientnet_b7"))
    assert b7.input_shape == (600, 600, 3) and b7.input_source == "variant"
