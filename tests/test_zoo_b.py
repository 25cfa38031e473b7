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

X_SIZES = ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")
Y_SIZES = ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")

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
    "regnet": tuple(f"regnet_{x}_{size}" for x, sizes in (("x", X_SIZES), ("y", Y_SIZES)) for size in sizes),
    "convnext": ("convnext_tiny", "convnext_small", "convnext_base", "convnext_large"),
    "resnet_segmentation": ("fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101"),
    "mobilenet_v3_segmentation": ("deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large"),
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
        # a variant states its own input only where torchvision's crop is not the family's size
        family_size = build_spec_graph(family).input_shape
        own = "spec" if family_size == (crop, crop, 3) else "variant"
        assert (graph.variant, graph.family, graph.input_source) == (variant, family, own)
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


@cache
def zoo_data(family: str) -> dict:
    return json.loads((DATA / "zoo" / f"{family}.json").read_text(encoding="utf-8"))


def regnet_stages(graph) -> dict:
    """Blocks, width and group width of each stage of a RegNet graph that has blocks (stages left empty vanish)."""
    nodes = {node.name: node for node in graph.nodes}
    depths, widths, group_widths = [], [], []
    for stage in range(1, 5):
        blocks = sum(1 for name in nodes if name.startswith(f"block{stage}.") and name.endswith(".c"))
        if not blocks:
            continue
        conv = nodes[f"block{stage}.0.b"]
        depths.append(blocks)
        widths.append(conv.shape[2])
        group_widths.append(conv.shape[2] // conv.params["groups"])
    return {"depths": depths, "widths": widths, "group_widths": group_widths}


@pytest.mark.parametrize("variant", FAMILIES["regnet"])
def test_regnet_stages_are_torchvisions_quantisation(variant):
    """Blocks, width and group width of each stage, against the table torchvision's
    BlockParams.from_init_params printed (tests/data/zoo/regnet.json, "stages")."""
    assert regnet_stages(build_spec_graph(variant)) == zoo_data("regnet")["stages"][variant]


@pytest.mark.parametrize("case", range(8))
def test_regnet_design_space_off_the_named_variants(case):
    """Other settings of the design space (--set depth, w_0, w_a, w_m, group_width): torchvision's stages,
    two or three of them included where the rule gives fewer than four."""
    row = zoo_data("regnet")["design_space"][case]
    graph = build_spec_graph("regnet", {name: str(value) for name, value in row["vars"].items()})
    assert regnet_stages(graph) == row["stages"]


@pytest.mark.parametrize("case", range(3))
def test_regnet_refuses_a_fifth_stage(case):
    from costcalc.errors import SpecError

    settings = zoo_data("regnet")["refused"][case]
    with pytest.raises(SpecError, match="at_most_four_stages"):
        build_spec_graph("regnet", {name: str(value) for name, value in settings.items()})


def test_regnet_y_has_squeeze_excitation_of_the_blocks_input_width():
    """RegNetY-400MF, block2.0: input 48 channels (stage 1), width 104; SE squeezes to round(0.25 · 48) = 12."""
    graph = build_spec_graph("regnet_y_400mf")
    nodes = {node.name: node for node in graph.nodes}
    assert nodes["block2.0.se.fc1"].shape == (1, 1, 12)
    assert nodes["block2.0.se.fc2"].shape == (1, 1, 104)
    assert not any(".se." in node.name for node in build_spec_graph("regnet_x_400mf").nodes)


def test_convnext_block_reads_as_the_paper():
    """ConvNeXt-T, stage1.0 on 56×56×96: depthwise 7×7 with bias, layer norm, linear 96 → 384 → 96, layer scale."""
    analysis = analyze_spec("convnext_tiny")
    rows = {x.name: x for x in analysis.layers}
    assert (rows["stage1.0.dwconv"].params, rows["stage1.0.dwconv"].macs) == (7 * 7 * 96 + 96, 56 * 56 * 96 * 49)
    assert rows["stage1.0.norm"].params == 2 * 96
    assert rows["stage1.0.pwconv1"].output == (56, 56, 384)
    assert rows["stage1.0.pwconv1"].macs == 56 * 56 * 384 * 96
    assert rows["stage1.0.gamma"].params == 96
    assert rows["downsample3.conv"].output == (7, 7, 768)
    # the drop rate grows linearly over the 18 blocks to 0.1 (it costs nothing: only the graph keeps it)
    nodes = {node.name: node for node in build_spec_graph("convnext_tiny").nodes}
    assert nodes["stage1.0.drop_path"].params["rate"] == 0
    assert nodes["stage4.2.drop_path"].params["rate"] == pytest.approx(0.1)


@pytest.mark.parametrize("variant", FAMILIES["resnet_segmentation"] + FAMILIES["mobilenet_v3_segmentation"])
def test_segmentation_scores_come_back_at_the_input_size(variant):
    for size in (520, 224):
        analysis = analyze_spec(variant, input_shape=(size, size, 3))
        assert analysis.layers[-1].output == (size, size, 21)
        assert analysis.layers[-1].kind == "upsample"


def test_dilated_resnet_keeps_output_stride_8():
    """torchvision's replace_stride_with_dilation [False, True, True]: layer3 and layer4 stay at 65×65 from 520,
    the first block of each keeps the previous dilation (1, then 2), the others take 2 and 4."""
    nodes = {node.name: node for node in build_spec_graph("deeplabv3_resnet101").nodes}
    assert nodes["layer2.0.conv2"].shape == (65, 65, 128)
    assert nodes["layer4.2.conv3"].shape == (65, 65, 2048)
    dilations = [nodes[f"layer3.{i}.conv2"].params["dilation"] for i in (0, 1, 22)]
    dilations += [nodes[f"layer4.{i}.conv2"].params["dilation"] for i in (0, 1, 2)]
    assert dilations == [(1, 1), (2, 2), (2, 2), (2, 2), (4, 4), (4, 4)]
    assert nodes["deeplabv3.aspp.cat"].shape == (65, 65, 5 * 256)


def test_lraspp_joins_the_1_8_and_1_16_maps():
    nodes = {node.name: node for node in build_spec_graph("lraspp_mobilenet_v3_large").nodes}
    assert nodes["low.3.project"].shape == (65, 65, 40)  # the C2 map, output stride 8
    assert nodes["conv_last"].shape == (33, 33, 960)  # dilated: output stride 16
    assert nodes["lraspp.up"].shape == (65, 65, 128)
    assert nodes["lraspp.scores"].shape == (65, 65, 21)


def test_an_unknown_segmentation_head_is_an_error():
    from costcalc.errors import SpecError

    with pytest.raises(SpecError, match="out of range"):
        analyze_spec("fcn_resnet50", {"head": "'fnc'"})


# ---------------------------------------------------------------- figures written by hand


def test_alexnet_original_by_hand():
    """The 2012 network in the course's reading, each layer from its table: (output, params, MACs).

    conv2, conv4 and conv5 are split over the two GPUs (2 groups: each kernel sees half the channels),
    conv3 and the FC layers see everything. 60,965,224 params and 724,406,816 MACs, as the notes say.
    """
    expected = {
        "conv1": ((55, 55, 96), 11 * 11 * 3 * 96 + 96, 55 * 55 * 96 * (11 * 11 * 3)),
        "pool1": ((27, 27, 96), 0, 0),
        "conv2": ((27, 27, 256), 5 * 5 * 48 * 256 + 256, 27 * 27 * 256 * (5 * 5 * 48)),
        "pool2": ((13, 13, 256), 0, 0),
        "conv3": ((13, 13, 384), 3 * 3 * 256 * 384 + 384, 13 * 13 * 384 * (3 * 3 * 256)),
        "conv4": ((13, 13, 384), 3 * 3 * 192 * 384 + 384, 13 * 13 * 384 * (3 * 3 * 192)),
        "conv5": ((13, 13, 256), 3 * 3 * 192 * 256 + 256, 13 * 13 * 256 * (3 * 3 * 192)),
        "pool5": ((6, 6, 256), 0, 0),
        "fc6": ((4096,), 9216 * 4096 + 4096, 9216 * 4096),
        "fc7": ((4096,), 4096 * 4096 + 4096, 4096 * 4096),
        "fc8": ((1000,), 4096 * 1000 + 1000, 4096 * 1000),
    }
    analysis = analyze_spec("alexnet_original")
    rows = {x.name: x for x in analysis.layers}
    for name, (output, params, macs) in expected.items():
        assert (rows[name].output, rows[name].params, rows[name].macs) == (output, params, macs), name
    # local response normalization after conv1 and conv2, 2n + 3 = 13 other ops per element
    assert [x.name for x in analysis.layers if x.kind == "lrn"] == ["norm1", "norm2"]
    assert rows["norm1"].other_ops == 55 * 55 * 96 * 13
    assert sum(p for _, p, _ in expected.values()) == analysis.totals.params == 60_965_224
    assert sum(m for _, _, m in expected.values()) == analysis.totals.macs == 724_406_816


def test_unet_by_hand():
    """Ronneberger et al. 2015, Figure 1: 572×572×1 to 388×388×2 by valid 3×3 convs (each with a bias), 2×2
    max pools, 2×2 up-convolutions halving the channels and crop-and-concat; 31,030,658 params."""

    def conv(k, c_in, c_out):
        return k * k * c_in * c_out + c_out

    down = conv(3, 1, 64) + conv(3, 64, 64) + conv(3, 64, 128) + conv(3, 128, 128)
    down += conv(3, 128, 256) + conv(3, 256, 256) + conv(3, 256, 512) + conv(3, 512, 512)
    bottom = conv(3, 512, 1024) + conv(3, 1024, 1024)
    up = 0
    for c in (512, 256, 128, 64):  # up-conv 2c → c, then two 3×3 convs on the 2c channels of the concat
        up += conv(2, 2 * c, c) + conv(3, 2 * c, c) + conv(3, c, c)
    head = conv(1, 64, 2)
    assert down + bottom + up + head == 31_030_658

    analysis = analyze_spec("unet")
    assert analysis.input == (572, 572, 1)
    assert analysis.totals.params == 31_030_658
    rows = {x.name: x for x in analysis.layers}
    # the paper's sizes: 568 → 284 … 28 at the bottom; up 56 (crop 64 → 56), 104 (136), 200 (280), 392 (568)
    assert [rows[f"down{i}.conv2"].output for i in range(1, 5)] == [
        (568, 568, 64),
        (280, 280, 128),
        (136, 136, 256),
        (64, 64, 512),
    ]
    assert rows["bottom.conv2"].output == (28, 28, 1024)
    assert [rows[f"up{i}.crop"].output for i in (4, 3, 2, 1)] == [
        (56, 56, 512),
        (104, 104, 256),
        (200, 200, 128),
        (392, 392, 64),
    ]
    assert rows["classifier"].output == (388, 388, 2)
    # MACs of the first and the last up-convolution, by the transposed conv's rule (each input pixel × kernel × out)
    assert rows["up4.upconv"].macs == 28 * 28 * 1024 * (2 * 2 * 512)
    assert rows["classifier"].macs == 388 * 388 * 2 * 64
