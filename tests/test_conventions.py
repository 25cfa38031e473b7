"""The peers' conventions (issue 15), without the peers installed: every table complete, the figures the
tools print for the torchvision models (measured independently, tests/data/peers.json), the rules worked
by hand from each tool's source on a small network, the reconciliation summing exactly, and every format
of `analyze --convention` and `costcalc conventions`.

tests/test_conventions_peers.py runs the tools themselves on costcalc's PyTorch build.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import costcalc
from costcalc.api import build_spec_graph
from costcalc.conventions import NAMES, convention
from costcalc.conventions.compare import build, conventions_report
from costcalc.conventions.count import count
from costcalc.conventions.rules import ConventionError
from costcalc.conventions.structure import TORCHVISION, followed_model
from costcalc.layers import KINDS, elements
from costcalc.sources import bundled_names

DATA = Path(__file__).parent / "data"
RECORDED = json.loads((DATA / "peers.json").read_text(encoding="utf-8"))
TEST_SPECS = [str(DATA / n) for n in ("peer_kinds.yaml", "every_kind.yaml", "more_kinds.yaml", "math_kinds.yaml")]


def figure(spec, name: str, model: str = "auto", batch: int = 1):
    return count(build_spec_graph(spec), convention(name), model, batch)


# ---------------------------------------------------------------- the tables


@pytest.mark.parametrize("name", NAMES)
def test_every_convention_has_one_rule_for_every_kind(name):
    rules = convention(name).rules
    assert set(rules) == set(KINDS), sorted(set(KINDS) ^ set(rules))


def test_a_kind_without_a_rule_is_an_error_that_names_it():
    thop = convention("thop")
    partial = replace(thop, rules={kind: rule for kind, rule in thop.rules.items() if kind != "lrn"})
    with pytest.raises(ConventionError, match=r"'lrn' layer \(layer 'norm'\) is not known"):
        count(build_spec_graph(str(DATA / "peer_kinds.yaml")), partial, "costcalc")


def test_an_unknown_convention_is_an_error_with_the_names():
    with pytest.raises(ConventionError, match="expected one of costcalc, flop_counter"):
        convention("flopz")


# ---------------------------------------------------------------- the torchvision figures, measured independently

FOLLOWING = {}  # bundled spec -> the key of its torchvision model in peers.json ('name', or 'name@size')
for _spec in bundled_names():
    _graph = build_spec_graph(_spec)
    _model = followed_model(_graph)
    if _model is not None:  # the entry of that model at the spec's own input size
        _keys = [k for k in (_model, f"{_model}@{_graph.input_shape[0]}") if k in RECORDED["peers"]]
        _fits = [k for k in _keys if RECORDED["peers"][k]["input"] == list(_graph.input_shape)]
        FOLLOWING[_spec] = _fits[0] if _fits else f"{_model}@{_graph.input_shape[0]}"


def test_every_torchvision_spec_has_recorded_figures_and_structure():
    assert len(FOLLOWING) >= 40, FOLLOWING  # ResNet, VGG, AlexNet, GoogLeNet, MobileNet v2 and zoo_a's families
    for spec, key in FOLLOWING.items():
        assert key in RECORDED["peers"], (spec, key)
        assert list(RECORDED["peers"][key]["input"]) == list(build_spec_graph(spec).input_shape), spec
        assert key.split("@")[0] in TORCHVISION, (spec, key)


@pytest.mark.parametrize("spec", sorted(FOLLOWING))
def test_the_figures_each_tool_prints_for_the_torchvision_model(spec):
    shared = RECORDED["peers"][FOLLOWING[spec]]
    graph = build_spec_graph(spec)
    got = {name: count(graph, convention(name)) for name in NAMES}
    assert got["ptflops"].figure == shared["ptflops_macs"]
    assert got["fvcore"].figure == shared["fvcore_flops"]
    assert got["torchinfo"].figure == shared["torchinfo_mult_adds"]
    assert got["costcalc"].figure == got["papers"].figure == shared["torch_macs"]
    assert got["flop_counter"].figure == 2 * shared["torch_macs"]
    measured = RECORDED["measured"].get(FOLLOWING[spec])
    for name in NAMES:
        if name != "keras":  # thop sums only the params of modules it has a rule for: measured where they differ
            want = measured["thop_params"] if name == "thop" and measured else shared["params"]
            assert got[name].tool_params == want, name
    assert got["keras"].figure is None
    stats = shared.get("bn_running_stats", measured["bn_running_stats"] if measured else None)
    if stats is not None:
        assert got["keras"].tool_params == shared["params"] + stats
    if measured is not None:  # thop and ptflops' aten backend, measured here for one model of each family
        assert got["ptflops_aten"].figure == measured["ptflops_aten_macs"]
        assert (got["thop"].tool_params, got["thop"].figure) == (measured["thop_params"], measured["thop_macs"])
        assert got["flop_counter"].figure == measured["flop_counter_flops"]


def test_thop_and_ptflops_aten_were_measured_for_every_family():
    measured = {key.split("@")[0] for key in RECORDED["measured"]}
    files = {TORCHVISION[key.split("@")[0]].model.split("(")[-1] for key in FOLLOWING.values()}
    assert files == {TORCHVISION[m].model.split("(")[-1] for m in measured}


def test_the_model_decides_a_hook_based_figure():
    """torchvision's GoogLeNet calls F.relu after each conv: ptflops counts it once (its F.relu patch), where
    costcalc's build, an nn.ReLU module, is counted twice (hook and patch); thop and fvcore do not care."""
    graph = build_spec_graph("googlenet")
    conv_outputs = sum(elements(node.shape) for node in graph.nodes if node.kind == "conv")
    for name, gap in (("ptflops", conv_outputs), ("thop", 0), ("fvcore", 0), ("torchinfo", 0)):
        built, followed = (count(graph, convention(name), model).figure for model in ("costcalc", "auto"))
        assert built - followed == gap, name
    # torchvision's MobileNet v2 pools with nn.functional.adaptive_avg_pool2d: thop does not see it at all
    graph = build_spec_graph("mobilenet_v2")
    built, followed = (count(graph, convention("thop"), model).figure for model in ("costcalc", "auto"))
    assert built - followed == (7 * 7 + 1) * 1280


def test_a_torchvision_model_whose_structure_is_not_recorded_is_an_error(write_spec):
    path = write_spec(
        "name: t\nsource: torchvision.models.not_recorded_net\ninput: [8, 8, 3]\n"
        "layers:\n  - {kind: conv, filters: 4, kernel: 3, activation: relu}\n"
    )
    with pytest.raises(ConventionError, match="torchvision.models.not_recorded_net"):
        figure(str(path), "ptflops")
    assert figure(str(path), "ptflops", "costcalc").figure == 6 * 6 * 4 * 27 + 144 + 2 * 144
    assert figure(str(path), "flop_counter").figure == 2 * 6 * 6 * 4 * 27  # no hooks: any model
    report = conventions_report(str(path))
    assert [row.convention.name for row in report.rows if row.peer is None] == [
        "fvcore",
        "ptflops",
        "ptflops_aten",
        "thop",
        "torchinfo",
    ]
    assert "not_recorded_net" in report.errors[0]


# ---------------------------------------------------------------- the rules, worked by hand from each tool's source

SMALL = """
name: small
input: [8, 8, 3]
layers:
  - {kind: conv, filters: 4, kernel: 3, padding: 1, bn: true, activation: relu}
  - {kind: max_pool, kernel: 2}
  - {kind: global_avg_pool}
  - {kind: fc, units: 10, activation: softmax}
"""
# conv: 8·8·4 = 256 outputs × 27 = 6,912 MACs, 108 + 4 params, batch norm 8 (+ 8 running statistics);
# max pool: 256 in, 64 out; global pool: 64 in (4 channels of 4×4), 4 out; fc 4 → 10: 40 MACs, 50 params
BY_HAND = {
    "costcalc": 6912 + 40,
    "flop_counter": 2 * (6912 + 40),
    # MACs + bias 256 + BN 2·256 + nn.ReLU 2·256 (hook, F.relu); pool 2·256; global pool 2·64; fc 40 + 10;
    # F.softmax 10
    "ptflops": 6912 + 256 + 512 + 512 + 512 + 128 + 50 + 10,
    "ptflops_aten": 6912 + 256 + 40 + 10,  # convolution with its bias, addmm with its bias
    "fvcore": 6912 + 512 + 64 + 40,  # conv, batch_norm 2·256, adaptive_avg_pool2d 64, linear
    # conv, BN 4·256, max pool 0, AdaptiveAvgPool2d int((4·4 + 1)·4), linear 40, softmax 3·10 − 1
    "thop": 6912 + 1024 + 68 + 40 + 29,
    "torchinfo": (108 + 4) * 64 + 8 + 50,  # conv weights × 64 positions, BN γβ, linear weights + bias
    "papers": 6912 + 40,
}


@pytest.mark.parametrize("name", sorted(BY_HAND))
def test_a_small_network_by_hand(name, write_spec):
    got = figure(str(write_spec(SMALL)), name)
    assert got.figure == BY_HAND[name]
    assert got.tool_params == 170
    assert figure(str(write_spec(SMALL)), "keras").tool_params == 178


def test_ptflops_divides_its_hooks_by_the_batch_but_not_its_patched_functions(write_spec):
    # per image: conv 6,912 + 256 + BN 512, the hooks of nn.ReLU 256, max pool 256, global pool 64, fc 50;
    # per batch of 2: F.relu 2·256, F.max_pool2d 2·256, F.adaptive_avg_pool2d 2·64, F.softmax 2·10
    hooks = 6912 + 256 + 512 + 256 + 256 + 64 + 50
    functions = 2 * (256 + 256 + 64 + 10)
    assert figure(str(write_spec(SMALL)), "ptflops", batch=2).figure == hooks + functions
    assert figure(str(write_spec(SMALL)), "fvcore", batch=2).figure == 2 * BY_HAND["fvcore"]


def test_ptflops_aten_needs_to_know_a_linear_inputs_layout(write_spec):
    strided = "input: [4, 4, 3]\nlayers:\n  - {kind: conv, filters: 8, kernel: 1}\n  - {kind: linear, units: 5}\n"
    assert figure(str(write_spec(strided)), "ptflops_aten").figure == 16 * 8 * 3 + 128 + 16 * 5 * 8
    contiguous = strided.replace("  - {kind: linear", "  - {kind: layer_norm}\n  - {kind: linear")
    assert figure(str(write_spec(contiguous)), "ptflops_aten").figure == 16 * 8 * 3 + 128 + 16 * 5 * 8 + 16 * 5
    mixed = strided.replace(
        "  - {kind: linear", "  - {kind: layer_norm, name: ln}\n  - {kind: add, inputs: [input, ln]}\n  - {kind: linear"
    )
    mixed = mixed.replace("input: [4, 4, 3]", "input: [4, 4, 8]").replace(
        "filters: 8, kernel: 1", "filters: 8, kernel: 1, name: c"
    )
    with pytest.raises(ConventionError, match="contiguous"):
        figure(str(write_spec(mixed)), "ptflops_aten")


def test_fvcore_drops_a_branch_whose_output_reaches_no_output():
    got = figure(str(DATA / "every_kind.yaml"), "fvcore", "costcalc")
    assert got.layers["adapt"].total_count == 0
    assert any(cause.key == "dead_branch" for cause in got.causes) is False  # adapt has no MACs to lose


# ---------------------------------------------------------------- the reconciliation


@pytest.mark.parametrize("spec", [*bundled_names(), *TEST_SPECS])
def test_the_causes_sum_to_each_gap_exactly(spec):
    """For every convention: its figure − costcalc's MACs = the sum of its causes' counts, its params −
    costcalc's params = the sum of their params; so the gap between any two conventions is theirs too. The
    same holds layer by layer."""
    ours = costcalc.analyze_spec(spec)
    report = build(build_spec_graph(spec), model="costcalc")
    failed = [row.convention.name for row in report.rows if row.peer is None]
    assert failed == (["ptflops_aten"] if spec.endswith("more_kinds.yaml") else []), report.errors
    for row in report.rows:
        peer = row.peer
        if peer is None:
            continue
        assert (peer.macs, peer.params) == (ours.totals.macs, ours.totals.params)
        assert peer.tool_params - peer.params == sum(c.params for c in peer.causes), row.convention.name
        if peer.figure is not None:
            assert peer.figure - peer.macs == sum(c.count for c in peer.causes), row.convention.name
        for layer in ours.layers:
            terms = peer.layers[layer.name]
            assert terms.count["macs"] == layer.macs and terms.params.get("params", 0) == layer.params


def test_an_operator_costcalc_cannot_count_has_no_figure_under_any_tool(write_spec):
    path = str(
        write_spec(
            "input: [4, 4, 3]\nlayers:\n  - {kind: unknown, op: FancyOp, shape: [4, 4, 3]}\n"
            "  - {kind: conv, filters: 2, kernel: 1}\n"
        )
    )
    assert figure(path, "costcalc").figure == 4 * 4 * 2 * 3  # costcalc's own report lists it as unknown
    for name in NAMES[1:]:
        with pytest.raises(ConventionError, match="FancyOp"):
            figure(path, name, "costcalc")


def test_the_rules_page_is_written_from_the_tables():
    from costcalc.conventions.doc import markdown

    page = (Path(__file__).parent.parent / "docs" / "conventions.md").read_text(encoding="utf-8")
    assert page == markdown(), "refresh it: .venv/bin/python -m costcalc.conventions.doc > docs/conventions.md"
