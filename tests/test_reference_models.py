"""Bundled specs against independently measured figures (tests/data/reference_figures.json)."""

from __future__ import annotations

import pytest

from costcalc.api import analyze_spec

from .conftest import layer

# bundled spec -> key in reference["models"] (torchvision models counted by PyTorch)
TORCHVISION = {
    "alexnet_torchvision": "alexnet",
    "vgg11": "vgg11",
    "vgg16": "vgg16",
    "vgg16_bn": "vgg16_bn",
    "vgg19": "vgg19",
    "resnet18": "resnet18",
    "resnet34": "resnet34",
    "resnet50": "resnet50",
    "resnet101": "resnet101",
    "resnet152": "resnet152",
    "googlenet": "googlenet",
    "mobilenet_v2": "mobilenet_v2",
}


@pytest.mark.parametrize("spec", sorted(TORCHVISION))
def test_torchvision_model_matches_pytorch_exactly(spec, reference):
    expected = reference["models"][TORCHVISION[spec]]
    analysis = analyze_spec(spec)
    assert list(analysis.input) == expected["input"]
    assert analysis.totals.params == expected["params"]
    assert analysis.totals.macs == expected["macs"]
    assert analysis.totals.flops == 2 * expected["macs"]


def test_every_torchvision_reference_has_a_bundled_spec(reference):
    assert set(TORCHVISION.values()) == set(reference["models"])


@pytest.mark.parametrize("row", range(7))
def test_mobilenet_v1_matches_the_paper_tables_6_and_7(row, reference):
    expected = reference["mobilenet_v1_paper"]["rows"][row]
    analysis = analyze_spec(
        "mobilenet_v1", {"alpha": str(expected["alpha"]), "resolution": str(expected["resolution"])}
    )
    assert analysis.totals.macs == expected["macs"]
    # the paper prints millions, rounded or cut (568.74 -> 569 but 290.68 -> 290): within one of the exact figure
    assert abs(analysis.totals.macs / 1e6 - expected["paper_macs_M"]) < 1
    assert round(analysis.totals.params / 1e6, 1) == expected["paper_params_M"]


def test_mobilenet_v1_params_with_and_without_bn_and_bias():
    analysis = analyze_spec("mobilenet_v1")
    # reference note: weights only 4,209,088; with FC bias and BN gamma/beta 4,231,976
    assert analysis.totals.params == 4_231_976
    bn_params = analysis.totals.non_trainable  # BN has as many running stats as γ/β
    fc_bias = 1000
    assert analysis.totals.params - bn_params - fc_bias == 4_209_088


def test_inception_naive_cost(reference):
    expected = reference["course_examples"]["inception_naive"]
    analysis = analyze_spec("inception_naive")
    assert list(analysis.input) == expected["input"]
    assert analysis.totals.macs == expected["macs"] == 120_422_400
    assert layer(analysis, "conv5x5").output == (28, 28, 32)


def test_inception_bottleneck_cost(reference):
    expected = reference["course_examples"]["inception_bottleneck"]
    analysis = analyze_spec("inception_bottleneck")
    assert [x.macs for x in analysis.layers if x.kind == "conv"] == expected["macs_per_layer"]
    assert analysis.totals.macs == expected["macs"] == 12_443_648


def test_mobilenet_course_example(reference):
    normal = analyze_spec("mobilenet_normal")
    separable = analyze_spec("mobilenet_separable")
    assert normal.totals.macs == reference["course_examples"]["mobilenet_normal"]["macs"] == 2160
    assert layer(normal, "conv").output == (4, 4, 5)
    expected = reference["course_examples"]["mobilenet_separable"]
    assert [x.macs for x in separable.layers[1:]] == expected["macs_per_layer"] == [432, 240]
    assert layer(separable, "depthwise").output == (4, 4, 3)
    assert layer(separable, "pointwise").output == (4, 4, 5)
    assert separable.totals.macs == expected["macs"]
    # the course's identity: separable / normal = 1/n_c' + 1/f² = 1/5 + 1/9
    assert separable.totals.macs * 45 == normal.totals.macs * (9 + 5)


def test_lenet5(reference):
    expected = reference["course_examples"]["lenet5"]
    analysis = analyze_spec("lenet5")
    assert list(analysis.input) == expected["input"]
    assert analysis.totals.params == expected["params"] == 61_706
    assert analysis.totals.macs == expected["macs"] == 416_520
    assert "600K" in analysis.description and "60K" in analysis.description


def test_course_cnn_example_table(reference):
    expected = reference["course_examples"]["course_cnn_example"]
    analysis = analyze_spec("course_cnn")
    assert list(analysis.input) == expected["input"]
    assert [x.activations for x in analysis.layers] == expected["activation_sizes"]
    assert [x.params for x in analysis.layers] == expected["params_per_layer"]


def test_mobilenet_v1_table3_layer(reference):
    """A 3×3 conv on 14×14×512 vs its depthwise-separable replacement (the paper's Table 3)."""
    from costcalc.analysis import analyze
    from costcalc.graph import build_graph
    from costcalc.spec import parse_spec

    expected = reference["course_examples"]["mobilenet_v1_table3_layer"]
    full = analyze(
        build_graph(
            parse_spec(
                "input: [14, 14, 512]\nlayers:\n  - {kind: conv, filters: 512, kernel: 3, padding: same, bias: false}\n",
                "t.yaml",
            )
        )
    )
    separable = analyze(
        build_graph(
            parse_spec(
                "input: [14, 14, 512]\nlayers:\n  - {kind: separable_conv, filters: 512, kernel: 3, padding: same, bias: false}\n",
                "t.yaml",
            )
        )
    )
    assert full.totals.macs == expected["full_conv_3x3_512"]["macs"]
    assert full.totals.params == expected["full_conv_3x3_512"]["weights"]
    assert separable.totals.macs == expected["separable"]["macs"]
    assert separable.totals.params == expected["separable"]["weights"]


def test_course_alexnet_shapes_and_params():
    """Hand-computed: 227 → 55 → 27 → 27 → 13 → 13 → 13 → 13 → 6; 62,378,344 parameters."""
    analysis = analyze_spec("alexnet")
    shapes = [x.output for x in analysis.layers if x.kind in ("conv", "max_pool")]
    assert shapes == [
        (55, 55, 96),
        (27, 27, 96),
        (27, 27, 256),
        (13, 13, 256),
        (13, 13, 384),
        (13, 13, 384),
        (13, 13, 256),
        (6, 6, 256),
    ]
    conv = [
        11 * 11 * 3 * 96 + 96,
        5 * 5 * 96 * 256 + 256,
        3 * 3 * 256 * 384 + 384,
        3 * 3 * 384 * 384 + 384,
        3 * 3 * 384 * 256 + 256,
    ]
    fc = [9216 * 4096 + 4096, 4096 * 4096 + 4096, 4096 * 1000 + 1000]
    assert analysis.totals.params == sum(conv) + sum(fc) == 62_378_344


def test_one_by_one_examples():
    small = analyze_spec("one_by_one", {"filters": "4"})
    assert layer(small, "conv1x1").output == (6, 6, 4)
    assert small.totals.macs == 6 * 6 * 4 * 32
    shrink = analyze_spec("one_by_one_shrink")
    assert layer(shrink, "conv1x1").output == (28, 28, 32)
    assert shrink.totals.macs == 28 * 28 * 32 * 192


def test_inception_module_and_residual_blocks():
    module = analyze_spec("inception_module")
    assert layer(module, "concat").output == (28, 28, 256)
    plain, residual = analyze_spec("plain_block"), analyze_spec("residual_block")
    assert residual.totals.params == plain.totals.params
    assert residual.totals.macs == plain.totals.macs
    # the shortcut add costs one op per output element; the relu is where the plain block fused it
    assert layer(residual, "shortcut").other_ops == 56 * 56 * 64
