"""Training memory and compute on a tiny network, worked out by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.training import UnknownOptimizer, training_cost

TINY = """
input: [4, 4, 1]
layers:
  - {kind: conv, name: conv, filters: 2, kernel: 3}
  - {kind: flatten, name: flat}
  - {kind: fc, name: fc, units: 3}
"""
# conv: 4×4×1 → 2×2×2; params 3·3·1·2 + 2 = 20; MACs 2·2·2 × 3·3·1 = 72
# fc: 8 → 3; params 8·3 + 3 = 27; MACs 24. Params 47; activations 16 + 8 + 8 + 3 = 35


def test_tiny_network_with_adam(run_spec):
    cost = training_cost(run_spec(TINY), "adam")
    assert cost.weight_bytes == 47 * 4 == 188
    assert cost.gradient_bytes == 188
    assert cost.optimizer_bytes == 2 * 188  # m and v
    assert cost.activation_bytes == 35 * 4 == 140
    assert cost.total_bytes == 188 + 188 + 376 + 140 == 892
    # forward 72 + 24 = 96; weight gradients 72 + 24; input gradients: the conv reads the network input, so
    # only the fc's 24
    assert (cost.forward_macs, cost.weight_gradient_macs, cost.input_gradient_macs) == (96, 96, 24)
    assert (cost.backward_macs, cost.step_macs) == (120, 216)
    assert cost.reads_network_input == ("conv",)


def test_optimizer_state_and_dtype(run_spec):
    analysis = run_spec(TINY, batch=2, dtype="float16")
    # weights and their gradients do not grow with the batch; activations do: 35 · 2 · 2 bytes
    sgd, momentum = training_cost(analysis, "sgd"), training_cost(analysis, "momentum")
    assert (sgd.optimizer_bytes, momentum.optimizer_bytes) == (0, 47 * 2)
    assert sgd.weight_bytes == 47 * 2 and sgd.activation_bytes == 35 * 2 * 2
    assert sgd.forward_macs == 2 * 96 and sgd.backward_macs == 2 * 120
    with pytest.raises(UnknownOptimizer):
        training_cost(analysis, "rmsprop")


def test_non_trainable_buffers_are_weights_without_gradients(run_spec):
    # conv 1×1 on 2×2×3 to 4 filters without bias, then batch norm: params 12 + 8 (γ, β), 8 running stats
    analysis = run_spec("input: [2, 2, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: 1, bias: false, bn: true}\n")
    cost = training_cost(analysis, "momentum")
    assert (cost.weight_bytes, cost.gradient_bytes, cost.optimizer_bytes) == ((20 + 8) * 4, 20 * 4, 20 * 4)


def test_deep_network_is_about_three_times_forward():
    from costcalc.api import analyze_spec

    cost = training_cost(analyze_spec("resnet50"), "sgd")
    # only conv1 (118,013,952 MACs) reads the image: step = 3 × forward − conv1's MACs
    assert cost.step_macs == 3 * cost.forward_macs - 118_013_952
    assert 2.95 < cost.step_macs / cost.forward_macs < 3


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": ""})


def test_cli(write_spec):
    path = str(write_spec(TINY))
    table = run("analyze", path, "--training", "adam")
    assert table.exit_code == 0, table.output
    for text in ("Training with adam", "Optimizer state", "892", "Backward MACs", "2.25 × forward", "none for conv"):
        assert text in table.stdout, text
    data = json.loads(run("analyze", path, "--training", "momentum", "-f", "json").stdout)["training"]
    assert (data["optimizer_bytes"], data["total_bytes"], data["step_macs"]) == (188, 188 * 3 + 140, 216)
    assert data["no_input_gradient"] == ["conv"]
    rows = run("analyze", path, "--training", "momentum", "-f", "csv").stdout.splitlines()
    assert any(row.startswith("fact,training.optimizer_bytes,") and row.endswith(",188") for row in rows)
    assert run("analyze", path, "--training", "lion").exit_code == 2
