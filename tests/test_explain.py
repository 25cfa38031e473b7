"""explain: formulas in the course's notation, produced by the code that computes the numbers."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from costcalc.analysis import analyze
from costcalc.api import build_spec_graph
from costcalc.cli import app
from costcalc.explain import explain
from costcalc.sources import bundled_names
from costcalc.symbolic import Sym, shown

RUNNER = CliRunner()


def value(x):
    return x.value if isinstance(x, Sym) else x


@pytest.mark.parametrize("name", bundled_names())
def test_explained_numbers_equal_the_analysis_on_every_bundled_spec(name):
    graph = build_spec_graph(name)
    analysis = analyze(graph)
    items = explain(graph, analysis)
    assert [x.layer for x in items] == [x.name for x in analysis.layers]
    for item, layer in zip(items, analysis.layers):
        assert tuple(value(d) for d in item.dims) == layer.output, layer.name
        assert value(item.params) == layer.params, layer.name
        assert value(item.non_trainable) == layer.non_trainable, layer.name
        assert value(item.macs) == layer.macs, layer.name
        assert value(item.other_ops) == layer.other_ops, layer.name


def explained(*args: str) -> str:
    result = RUNNER.invoke(app, ["explain", *args], env={"COLUMNS": "", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_course_notation():
    text = explained("inception_naive")
    assert "output height: ⌊(28 + 2·2 − 5) / 1⌋ + 1 = 28" in text
    assert "MACs: 28·28·32 (output positions × filters) × 5·5·192 (multiplies per output) = 120,422,400" in text
    assert "params: 5·5·192·32 + 32 (bias) = 153,632" in text
    assert "other ops: 28·28·32 (bias adds) = 25,088" in text
    assert "2 top, 2 bottom, 2 left, 2 right" in text


def test_separable_pair_ratio():
    text = explained("mobilenet_separable")
    # the standard conv's formula comes from the conv kind's own cost rule
    standard = "4·4·5 (output positions × filters) × 3·3·3 (multiplies per output) = 2,160 MACs"
    assert standard + "; depthwise + pointwise cost 432 + 240 = 672, 0.311 of it" in text
    assert "1/n_c' + 1/f² = 1/5 + 1/9" in text


def test_separable_with_512_channels_is_about_a_ninth():
    text = explained("mobilenet_v1", "--layer", "sep7.0.dw")
    # 14·14·512 × 3·3 = 903,168 depthwise; 14·14·512 × 512 = 51,380,224 pointwise; standard 14·14·512 × 3·3·512
    assert "= 462,422,016 MACs; depthwise + pointwise cost 903,168 + 51,380,224 = 52,283,392" in text
    assert "1/512 + 1/9" in text and "about 1/9" in text


def test_one_by_one_and_bottleneck_notes():
    text = explained("inception_bottleneck", "--layer", "bottleneck")
    assert "1×1 convolution (network in network)" in text and "shrinks the depth 192 → 16" in text
    assert (
        "would cost 28·28·32 (output positions × filters) × 5·5·192 (multiplies per output) = 120,422,400 MACs" in text
    )
    assert "2,408,448 + 10,035,200 = 12,443,648 (9.68× fewer)" in text


def test_ceil_mode_and_fused_layers():
    assert "output height: ⌈(112 − 3) / 2⌉ + 1 = 56" in explained("googlenet", "-l", "maxpool1")
    fused = explained("resnet50", "-l", "layer1.0.conv2")
    assert "params: 3·3·64·64 + 2·64 (batch norm γ, β) = 36,992" in fused
    assert "other ops: 2·56·56·64 (batch norm: a·x + b) + 56·56·64 (relu: max(x, 0)) = 602,112" in fused


def test_unknown_layer_suggests():
    result = RUNNER.invoke(app, ["explain", "resnet50", "--layer", "layer1.0.conv9"])
    assert result.exit_code == 2 and "did you mean" in result.stderr


def test_shown_leaves_plain_numbers_plain():
    assert shown(Sym(5)) == "5" and shown(7) == "7"
    assert shown(Sym(3) * Sym(4) + 2) == "3·4 + 2 = 14"
