"""`costcalc verify` never crashes on a layer PyTorch refuses: the layer and PyTorch's message are a failed check.

Skipped without PyTorch; COSTCALC_REQUIRE_TORCH=1 (CI) makes a missing PyTorch an error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import pytest
from typer.testing import CliRunner

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
if os.environ.get("COSTCALC_REQUIRE_TORCH"):
    import torch  # noqa: F401  (CI: no skipping)
else:
    pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'costcalc[torch]')")

from costcalc.api import build_spec_graph  # noqa: E402
from costcalc.cli import app  # noqa: E402
from costcalc.layers import pooling  # noqa: E402
from costcalc.torch import verify  # noqa: E402

POOL = "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: 4, kernel: 3}\n  - {kind: max_pool, name: p, kernel: 2, padding: 5}\n"


def test_costcalc_refuses_the_pool_pytorch_refuses_and_verify_says_where(tmp_path):
    # the example: now a located error (exit 2) from the installed CLI, before PyTorch is reached
    spec = tmp_path / "pool.yaml"
    spec.write_text(POOL, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "costcalc", "verify", str(spec)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2, result.stderr
    assert (
        "pool.yaml:4:" in result.stderr and "layer 'p'" in result.stderr and "half the 2×2 pool window" in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_layer_pytorch_refuses_is_a_failed_check_not_a_crash(tmp_path, monkeypatch):
    # had costcalc counted the pool (as before the rule), verify reports PyTorch's refusal at that layer, exit 1
    monkeypatch.setattr(pooling, "check_pool_padding", lambda p: None)
    spec = tmp_path / "pool.yaml"
    spec.write_text(POOL, encoding="utf-8")
    result = verify(build_spec_graph(str(spec)))
    assert not result.ok
    [refusal] = result.mismatches
    assert (refusal.layer, refusal.quantity, refusal.costcalc) == ("p", "PyTorch refuses the layer", "counted")
    assert "pad should be" in refusal.pytorch and "half" in refusal.pytorch  # PyTorch's own words
    cli = CliRunner().invoke(app, ["verify", str(spec)], env={"COLUMNS": "250", "NO_COLOR": "1"})
    assert cli.exit_code == 1, cli.output
    assert "PyTorch refuses the layer" in cli.stdout and "pad should be" in cli.stdout
    assert "Traceback" not in cli.output and "internal error" not in cli.output


def test_a_refusal_in_a_module_constructor_is_located_too(tmp_path, monkeypatch):
    # a wrong shape rule that lets groups pass: nn.Conv2d's constructor raises, verify names the layer
    from costcalc.layers import conv

    monkeypatch.setattr(conv, "check_groups", lambda *args: None)
    spec = tmp_path / "groups.yaml"
    spec.write_text(
        "input: [4, 4, 3]\nlayers:\n  - {kind: relu, name: r}\n  - {kind: conv, name: g, filters: 4, kernel: 1, groups: 2}\n",
        encoding="utf-8",
    )
    result = verify(build_spec_graph(str(spec)))
    assert [(m.layer, m.quantity) for m in result.mismatches] == [("g", "PyTorch refuses the layer")]
    assert "divisible by groups" in result.mismatches[0].pytorch
