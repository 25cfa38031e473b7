"""The zoo's families (ResNet, VGG, RegNet, ConvNeXt, segmentation, AlexNet original, U-Net) against
PyTorch's own count of the torchvision models (tests/data/zoo/<family>.json, copied with their source
from the project's reference figures) and against figures written by hand from the papers."""

from __future__ import annotations

import json
from functools import cache

import pytest

from costcalc.api import analyze_spec, build_spec_graph
from costcalc.sources import bundled_families

from .conftest import DATA

# each family file -> its variants, in the order the file declares them (torchvision's names)
FAMILIES = {
    "resnet": (
        "resnet18",
        "resnet34",
        "resnet50",
        "resnet101",
        "resnet152",
        "resnext50_32x4d",
        "resnext101_32x8d",
        "resnext101_64x4d",
        "wide_resnet50_2",
        "wide_resnet101_2",
    ),
    "vgg": ("vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn"),
}


@cache
def figures(family: str) -> dict:
    return json.loads((DATA / "zoo" / f"{family}.json").read_text(encoding="utf-8"))["figures"]


def torchvision_crop(family: str, variant: str) -> int:
    """The size torchvision evaluates the model at (its DEFAULT weights' crop; 224 where none is given)."""
    return figures(family)[variant].get("torchvision_crop", 224)


CASES = [(family, key) for family in FAMILIES for key in figures(family)]


@pytest.mark.parametrize(("family", "key"), CASES, ids=[key for _, key in CASES])
def test_variant_is_exactly_torchvisions_model(family, key):
    """Params and MACs equal PyTorch's count at each size measured: the variant's own input where it is
    that size, else --input that size."""
    variant = key.partition("@")[0]
    expected = figures(family)[key]
    own = build_spec_graph(variant).input_shape
    size = tuple(expected["input"])
    analysis = analyze_spec(variant) if own == size else analyze_spec(variant, input_shape=size)
    assert analysis.input == size
    assert analysis.name == variant
    assert (analysis.totals.params, analysis.totals.macs) == (expected["params"], expected["macs"])


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_each_family_declares_every_torchvision_name_at_its_crop(family):
    assert bundled_families()[family] == FAMILIES[family]
    for variant in FAMILIES[family]:
        assert variant in figures(family), variant
        graph = build_spec_graph(variant)
        crop = torchvision_crop(family, variant)
        assert graph.input_shape == (crop, crop, 3), variant
        assert (graph.variant, graph.family, graph.input_source) == (variant, family, "variant")
        assert "torchvision" in graph.description, variant


def test_resnet_variants_differ_only_in_their_vars():
    """The family's knobs: ResNeXt's groups and width per group, Wide ResNet's doubled width."""
    base = analyze_spec("resnet50")
    wide = analyze_spec("resnet", {"width_per_group": "128"})
    assert wide.totals.params == figures("resnet")["wide_resnet50_2"]["params"]
    resnext = analyze_spec("resnet", {"groups": "32", "width_per_group": "4"})
    assert resnext.totals.macs == figures("resnet")["resnext50_32x4d"]["macs"]
    # ResNeXt-50's conv2 in conv2_x: 32 groups of 4 = 128 channels, each filter sees 4 of them
    conv2 = next(x for x in resnext.layers if x.name == "layer1.0.conv2")
    assert conv2.output == (56, 56, 128)
    assert conv2.params - conv2.non_trainable == 3 * 3 * 4 * 128
    assert base.totals.params == figures("resnet")["resnet50"]["params"]

