"""Cross-checks against PyTorch: every layer's shape, params and MACs (FlopCounterMode FLOPs / 2).

Skipped without PyTorch; CI sets COSTCALC_REQUIRE_TORCH=1, which makes a missing PyTorch an error here.
"""

from __future__ import annotations

import dataclasses
import os
import runpy
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
if os.environ.get("COSTCALC_REQUIRE_TORCH"):
    import torch  # CI: no skipping
else:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'costcalc[torch]')")

from costcalc.analysis import analyze  # noqa: E402
from costcalc.api import build_spec_graph  # noqa: E402
from costcalc.cli import app  # noqa: E402
from costcalc.layers import KINDS, Cost  # noqa: E402
from costcalc.layers.base import LayerKind  # noqa: E402
from costcalc.sources import bundled_names  # noqa: E402
from costcalc.torch import build, module_code, verify  # noqa: E402

DATA = Path(__file__).parent / "data"
RUNNER = CliRunner()


@pytest.mark.parametrize("name", bundled_names())
def test_every_bundled_spec_verifies_layer_by_layer(name):
    result = verify(build_spec_graph(name))
    assert result.mismatches == []
    assert result.params[0] == result.params[1] and result.macs[0] == result.macs[1]


def test_every_layer_kind_and_awkward_case_verifies():
    result = verify(build_spec_graph(str(DATA / "every_kind.yaml")))
    assert result.mismatches == []
    assert result.layers == 41


def test_the_newer_kinds_verify():
    # layer/group/instance norm, layer scale, stochastic depth, crop, pixel (un)shuffle, linear
    result = verify(build_spec_graph(str(DATA / "more_kinds.yaml")))
    assert result.mismatches == []
    assert (result.layers, result.params, result.macs) == (22, (1770, 1770), (44880, 44880))


@pytest.mark.parametrize("name", ["convnext_tiny", "efficientnet_b0", "unet"])
def test_zoo_networks_of_the_newer_kinds_verify(name):
    assert verify(build_spec_graph(str(DATA / f"{name}.yaml"))).mismatches == []


def test_generated_code_for_the_newer_kinds_runs():
    graph = build_spec_graph(str(DATA / "more_kinds.yaml"))
    namespace: dict = {}
    exec(compile(module_code(graph, "More"), "more_kinds.py", "exec"), namespace)  # noqa: S102 - our own code
    model = namespace["More"]().eval()
    assert sum(p.numel() for p in model.parameters()) == 1770
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, 8, 12, 10)).shape) == (1, 6)


def test_channels_last_helpers_compute_what_they_say():
    from costcalc.torch import modules

    x = torch.randn(2, 8, 5, 4)
    norm = modules.ChannelsLastLayerNorm(8, eps=1e-6)
    mean = x.mean(dim=1, keepdim=True)
    var = x.var(dim=1, unbiased=False, keepdim=True)
    assert torch.allclose(norm(x), (x - mean) / torch.sqrt(var + 1e-6), atol=1e-5)
    linear = modules.ChannelsLastLinear(8, 3)
    expected = torch.einsum("nchw,oc->nohw", x, linear.weight) + linear.bias.view(1, 3, 1, 1)
    assert torch.allclose(linear(x), expected, atol=1e-5)
    scale = modules.LayerScale(8, init=0.5)
    assert torch.allclose(scale(x), 0.5 * x)
    crop = modules.Crop(1, 2, 3, 2)
    assert torch.equal(crop(x, torch.zeros(1)), x[:, :, 1:4, 2:4])


def test_stochastic_depth_drops_whole_samples_only_while_training():
    from costcalc.torch.modules import StochasticDepth

    x = torch.ones(64, 3, 2, 2)
    drop = StochasticDepth(0.5, "row")
    assert torch.equal(drop.eval()(x), x)
    out = drop.train()(x)
    per_sample = out.flatten(1)
    # each sample is dropped (0) or kept and scaled by 1 / (1 − 0.5) = 2, as a whole
    assert all(set(row.tolist()) in ({0.0}, {2.0}) for row in per_sample)
    assert torch.equal(StochasticDepth(1.0, "batch").train()(x), torch.zeros_like(x))


def test_every_kind_has_a_builder():
    # each kind builds itself: its class overrides LayerKind.torch (which refuses)
    assert [name for name, kind in KINDS.items() if not kind.internal and type(kind).torch is LayerKind.torch] == []


def test_a_wrong_cost_rule_is_caught_at_its_layer(monkeypatch):
    kind = KINDS["depthwise_conv"]

    def wrong(p, inputs, out):  # forgets the channel multiplier, as a plausible bug would
        oh, ow, _ = out
        kh, kw = p["kernel"]
        channels = inputs[0][2]
        return Cost(
            params=kh * kw * channels * p["multiplier"] + (channels * p["multiplier"]),
            macs=oh * ow * channels * kh * kw,
        )

    monkeypatch.setattr(kind, "cost", wrong)
    result = verify(build_spec_graph(str(DATA / "wrong_rule.yaml")))
    assert {(m.layer, m.quantity) for m in result.mismatches} == {("dw", "MACs"), ("(network)", "total MACs")}
    layer = next(m for m in result.mismatches if m.layer == "dw")
    assert (layer.costcalc, layer.pytorch) == (16 * 16 * 8 * 9, 16 * 16 * 16 * 9)
    cli = RUNNER.invoke(app, ["verify", str(DATA / "wrong_rule.yaml")], env={"COLUMNS": ""})
    assert cli.exit_code == 1
    assert " dw " in cli.stdout and "18,432" in cli.stdout and "36,864" in cli.stdout
    assert "wrong_rule: 2 mismatch(es)" in cli.stderr


def test_a_wrong_rule_is_caught_on_the_meta_device_too(monkeypatch):
    """--meta counts on PyTorch's meta device: the same per-layer check, so the same wrong rule is caught."""
    kind = KINDS["depthwise_conv"]
    right = kind.cost
    monkeypatch.setattr(kind, "cost", lambda p, inputs, out: dataclasses.replace(right(p, inputs, out), macs=1))
    result = verify(build_spec_graph(str(DATA / "wrong_rule.yaml")), meta=True)
    assert result.meta and {(m.layer, m.quantity) for m in result.mismatches} == {
        ("dw", "MACs"),
        ("(network)", "total MACs"),
    }
    assert next(m.pytorch for m in result.mismatches if m.layer == "dw") == 16 * 16 * 16 * 9


def test_verify_checks_several_specs_and_fails_if_any_does(monkeypatch):
    cli = RUNNER.invoke(app, ["verify", "--meta", "lenet5", "mobilenet_v2", "--input", "2:160"], env={"COLUMNS": ""})
    assert cli.exit_code == 0, cli.output
    assert "verified lenet5" in cli.stdout and "verified mobilenet_v2" in cli.stdout and "meta device" in cli.stdout
    assert "MACs 416,520" in cli.stdout and "MACs 300,774,272" not in cli.stdout  # 2:160 reached spec 2 only
    kind = KINDS["depthwise_conv"]
    right = kind.cost
    monkeypatch.setattr(kind, "cost", lambda p, inputs, out: dataclasses.replace(right(p, inputs, out), macs=1))
    cli = RUNNER.invoke(app, ["verify", "lenet5", str(DATA / "wrong_rule.yaml")], env={"COLUMNS": ""})
    assert cli.exit_code == 1 and "verified lenet5" in cli.stdout and "wrong_rule: 2 mismatch(es)" in cli.stderr


def test_verify_command_success():
    result = RUNNER.invoke(app, ["verify", "mobilenet_v2"], env={"COLUMNS": ""})
    assert result.exit_code == 0
    assert "verified mobilenet_v2" in result.stdout and "params 3,504,872, MACs 300,774,272" in result.stdout
    assert "unchecked: other ops of" in result.stdout


@pytest.mark.parametrize("name", ["lenet5", "resnet18", "googlenet", "mobilenet_v2"])
def test_generated_code_runs_and_has_the_parameters(tmp_path, name):
    graph = build_spec_graph(name)
    path = tmp_path / "net.py"
    result = RUNNER.invoke(app, ["torch", name, "-o", str(path)])
    assert result.exit_code == 0
    namespace = runpy.run_path(str(path))
    model = namespace["Net"]().eval()
    assert sum(p.numel() for p in model.parameters()) == analyze(graph).totals.params
    h, w, c = graph.input_shape
    with torch.no_grad():
        out = model(torch.zeros(1, c, h, w))
    assert tuple(out.shape[1:]) == graph.nodes[-1].shape


def test_generated_code_for_every_kind_runs(tmp_path):
    code = module_code(build_spec_graph(str(DATA / "every_kind.yaml")), "EveryKind")
    namespace: dict = {}
    exec(compile(code, "every_kind.py", "exec"), namespace)  # noqa: S102 - our own generated code
    model = namespace["EveryKind"]().eval()
    assert sum(p.numel() for p in model.parameters()) == 4392
    assert "class Multiply(nn.Module)" in code  # helper modules travel with the code


def test_build_gives_a_module():
    model = build("mobilenet_v2").eval()
    with torch.no_grad():
        assert tuple(model(model.example_input()).shape) == (1, 1000)


def test_without_torch_the_commands_say_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    for command in (["verify", "lenet5"], ["torch", "lenet5"]):
        result = RUNNER.invoke(app, command)
        assert result.exit_code == 2
        assert "pip install 'costcalc[torch]'" in result.stderr
