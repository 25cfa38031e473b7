"""The zoo's mobile and efficient families, DenseNet, SqueezeNet and Inception v3 against PyTorch's own count.

Each bundled family declares a named variant for every torchvision model name; each variant must give
exactly the params and MACs PyTorch counts for the torchvision model (tests/data/zoo/<family>.json,
copied from the shared reference figures), at the size torchvision evaluates it (the variant's own
input) and at the reference's other size (224×224×3, as `--input 224` asks). Analysis only: no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from costcalc.api import analyze_spec, build_spec_graph
from costcalc.settings import InputSize
from costcalc.sources import bundled_families, load_spec

ZOO = Path(__file__).parent / "data" / "zoo"

# family spec -> its variants, torchvision's model names, in the order the family declares them
FAMILIES = {
    "densenet": ["densenet121", "densenet161", "densenet169", "densenet201"],
    "squeezenet": ["squeezenet1_0", "squeezenet1_1"],
    "shufflenet_v2": ["shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0"],
    "mnasnet": ["mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3"],
    "mobilenet_v3": ["mobilenet_v3_large", "mobilenet_v3_small"],
    "efficientnet": [f"efficientnet_b{i}" for i in range(8)],
    "efficientnet_v2": ["efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l"],
    "inception_v3": [],  # one network, the spec itself
}


def figures(family: str) -> dict:
    data = json.loads((ZOO / f"{family}.json").read_text(encoding="utf-8"))
    assert "figures.json" in data["_source"] and "FlopCounterMode" in data["_source"]
    return {key: value for key, value in data.items() if not key.startswith("_")}


# (family, reference key): every figure copied, at 224 and at torchvision's crop
CASES = [(family, key) for family in FAMILIES for key in figures(family)]
# torchvision name -> family
NAMES = {name: family for family, names in FAMILIES.items() for name in (names or [family])}


def own_size(name: str, reference: dict) -> int:
    """The size torchvision evaluates the model at: its crop where one is given, else the reference's."""
    return reference[name].get("torchvision_crop", reference[name]["input"][0])


def test_every_figure_belongs_to_a_name_and_every_name_has_a_figure():
    for family in FAMILIES:
        keys = figures(family)
        assert {key.partition("@")[0] for key in keys} == {n for n, f in NAMES.items() if f == family}


def test_each_family_declares_every_torchvision_name_as_a_variant():
    families = bundled_families()
    for family, names in FAMILIES.items():
        assert families.get(family, ()) == tuple(names), family


@pytest.mark.parametrize("name", sorted(NAMES))
def test_variant_by_name_is_exact_at_the_size_torchvision_evaluates_it(name):
    reference = figures(NAMES[name])
    size = own_size(name, reference)
    expected = reference[name] if size == reference[name]["input"][0] else reference[f"{name}@{size}"]
    analysis = analyze_spec(name)
    assert analysis.name == name
    assert list(analysis.input) == expected["input"] == [size, size, 3]
    assert analysis.totals.params == expected["params"]
    assert analysis.totals.macs == expected["macs"]


@pytest.mark.parametrize(("family", "key"), CASES, ids=[key for _, key in CASES])
def test_variant_is_exact_at_every_reference_size(family, key):
    """`--input S` (the spec's channels kept) gives the figure measured at S×S×3."""
    expected = figures(family)[key]
    name = key.partition("@")[0]
    analysis = analyze_spec(name, input_shape=InputSize((expected["input"][0],), str(expected["input"][0])))
    assert list(analysis.input) == expected["input"]
    assert analysis.totals.params == expected["params"]
    assert analysis.totals.macs == expected["macs"]
    assert analysis.totals.flops == 2 * expected["macs"]


@pytest.mark.parametrize("name", [n for n in sorted(NAMES) if n.startswith("efficientnet")])
def test_a_variant_evaluated_at_its_own_crop_says_the_size_is_the_variants(name):
    graph = build_spec_graph(name)
    assert (graph.family, graph.variant, graph.input_source) == (NAMES[name], name, "variant")
    assert build_spec_graph(name, input_shape=InputSize((224,), "224")).input_source == "override"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_description_names_its_source_and_torchvision(family):
    spec = load_spec(family)
    assert "torchvision" in spec.description and "torchvision.models." in spec.source
    assert any(word in spec.source for word in ("Table", "Figure", "TensorFlow")), spec.source


def test_the_family_knobs_are_vars_reaching_the_same_networks_as_the_variants():
    """Setting the family's var by hand is the variant (the variants only set vars)."""
    same = [
        ("densenet", {"growth_rate": "48", "block_config": [6, 12, 36, 24], "num_init_features": "96"}, "densenet161"),
        ("shufflenet_v2", {"width": "1.5"}, "shufflenet_v2_x1_5"),
        ("mnasnet", {"alpha": "0.75"}, "mnasnet0_75"),
        ("mobilenet_v3", {"arch": "small"}, "mobilenet_v3_small"),
        ("squeezenet", {"version": "1.1"}, "squeezenet1_1"),
        ("efficientnet", {"variant": "5"}, "efficientnet_b5"),
        ("efficientnet_v2", {"variant": "m"}, "efficientnet_v2_m"),
    ]
    for family, overrides, variant in same:
        ours, theirs = analyze_spec(family, overrides).totals, analyze_spec(variant).totals
        assert (ours.params, ours.macs) == (theirs.params, theirs.macs), variant


def test_densenet_layers_per_block_follow_the_block_config():
    analysis = analyze_spec("densenet169")
    dense = [x for x in analysis.layers if x.name.endswith(".conv2")]
    assert len(dense) == 6 + 12 + 32 + 32
    # the growth rate: every dense layer adds k = 32 channels; the transition halves them
    assert [x.output for x in analysis.layers if x.name.endswith("transition.pool")] == [
        (28, 28, 128),
        (14, 14, 256),
        (7, 7, 640),
    ]


def test_efficientnet_depth_and_width_follow_the_compound_scaling_table():
    """B4 (width 1.4, depth 1.8): stage 6 has ceil(4 · 1.8) = 8 blocks of make_divisible(192 · 1.4, 8) = 272 channels."""
    analysis = analyze_spec("efficientnet_b4")
    stage6 = [x for x in analysis.layers if x.name.startswith("stage.5.") and x.name.endswith(".project")]
    assert len(stage6) == 8
    assert {x.output[2] for x in stage6} == {272}
    # the head: 4 × make_divisible(320 · 1.4, 8) = 4 × 448
    head = next(x for x in analysis.layers if x.name == "head")
    assert head.output == (12, 12, 1792)


def test_an_unknown_width_or_arch_is_an_error_not_a_silent_pick():
    from costcalc.errors import CostcalcError

    for family, overrides in (
        ("shufflenet_v2", {"width": "0.75"}),
        ("mobilenet_v3", {"arch": "medium"}),
        ("efficientnet_v2", {"variant": "xl"}),
    ):
        with pytest.raises(CostcalcError, match="out of range"):
            analyze_spec(family, overrides)


KNOBS = json.loads((ZOO / "zoo_a_knobs.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", KNOBS["cases"], ids=[case["torchvision"] for case in KNOBS["cases"]])
def test_the_knobs_reach_torchvisions_other_settings_exactly(case):
    """Off the named variants: a width, alpha or block config torchvision's constructors take, another size."""
    assert "FlopCounterMode" in KNOBS["_source"]
    analysis = analyze_spec(case["spec"], case["vars"], tuple(case["input"]))
    assert (analysis.totals.params, analysis.totals.macs) == (case["params"], case["macs"])
