"""The command line, driven through typer's CliRunner: exit codes, the JSON contract, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": ""})


def test_analyze_a_bundled_spec_prints_the_table_and_totals():
    result = run("analyze", "inception_bottleneck", "--exact")
    assert result.exit_code == 0, result.output
    assert "bottleneck" in result.output and "conv5x5" in result.output
    assert "12,443,648" in result.output  # the MACs total, exact
    assert "Conventions:" in result.output
    assert "\x1b[" not in result.output  # no colour codes when not a terminal


def test_units_without_exact():
    result = run("analyze", "inception_naive")
    assert "120.42M" in result.output


def test_json_contract():
    result = run("analyze", "resnet50", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) >= {"name", "input", "batch", "dtype", "totals", "layers"}
    assert data["name"] == "resnet50" and data["input"] == [224, 224, 3]
    assert (data["batch"], data["dtype"]) == (1, "float32")
    assert set(data["totals"]) == {
        "params",
        "non_trainable",
        "macs",
        "flops",
        "other_ops",
        "activations",
        "param_bytes",
        "activation_bytes",
        "peak_memory",
    }
    assert data["schema"] == 2
    assert all(type(v) is int for v in data["totals"].values())
    assert data["totals"]["params"] == 25_557_032 and data["totals"]["macs"] == 4_089_184_256
    required = {
        "name": str,
        "kind": str,
        "inputs": list,
        "output": list,
        "params": int,
        "macs": int,
        "other_ops": int,
        "activations": int,
    }
    for item in data["layers"]:
        for key, typ in required.items():
            assert type(item[key]) is typ, (key, item)
        assert item["block"] is None or isinstance(item["block"], str)
    assert sum(x["macs"] for x in data["layers"]) == data["totals"]["macs"]
    conv = next(x for x in data["layers"] if x["name"] == "layer1.0.conv1")
    assert conv == {**conv, "kind": "conv", "block": "layer1.0", "inputs": ["maxpool"], "output": [56, 56, 64]}


def test_set_batch_dtype_depth():
    result = run("analyze", "mobilenet_v1", "--set", "alpha=0.5", "--set", "resolution=160", "-f", "json")
    data = json.loads(result.stdout)
    assert data["input"] == [160, 160, 3] and data["vars"] == {"alpha": 0.5, "resolution": 160}
    batched = json.loads(run("analyze", "resnet50", "--batch", "8", "--dtype", "float16", "-f", "json").stdout)
    single = json.loads(run("analyze", "resnet50", "-f", "json").stdout)
    assert batched["totals"]["macs"] == 8 * single["totals"]["macs"]
    assert batched["totals"]["activation_bytes"] == 2 * batched["totals"]["activations"]
    folded = run("analyze", "resnet50", "--depth", "1")
    assert "residual ×3" in folded.output and "layer1.0.conv1" not in folded.output


def test_input_override():
    data = json.loads(run("analyze", "resnet18", "--input", "160x160x3", "-f", "json").stdout)
    assert data["input"] == [160, 160, 3]


def test_spec_file_stdin_and_yaml_suffix(tmp_path, monkeypatch):
    text = "name: tiny\ninput: [4, 4, 1]\nlayers:\n  - {kind: conv, filters: 2, kernel: 3}\n"
    (tmp_path / "tiny.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    from_file = json.loads(run("analyze", "tiny.yaml", "-f", "json").stdout)
    from_stdin = json.loads(run("analyze", "-", "-f", "json", input=text).stdout)
    assert from_file["totals"] == from_stdin["totals"] and from_file["totals"]["macs"] == 2 * 2 * 2 * 9
    # no file vgg16.yaml here: the bundled vgg16
    assert json.loads(run("analyze", "vgg16.yaml", "-f", "json").stdout)["name"] == "vgg16"
    # a real file wins over a bundled name
    (tmp_path / "vgg16.yaml").write_text(text.replace("tiny", "mine"))
    assert json.loads(run("analyze", "vgg16.yaml", "-f", "json").stdout)["name"] == "mine"


def test_bad_spec_exits_2_with_file_and_line_on_stderr(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: 4, kernel: 11}\n")
    result = run("analyze", str(path), "-f", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}:3:5: error: layer 'c': kernel 11×11 does not fit input 8×8" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_spec_name_suggests():
    result = run("analyze", "resnet05")
    assert result.exit_code == 2
    assert "no spec file 'resnet05' and no bundled spec of that name" in result.stderr
    assert "did you mean 'resnet50'" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("analyze", "resnet50", "--set", "nonsense"),
        ("analyze", "resnet50", "--batch", "0"),
        ("analyze", "resnet50", "--dtype", "float8"),
        ("analyze", "resnet50", "--input", "224x224x3x1"),
        ("analyze", "resnet50", "--input", "0"),
        ("analyze", "resnet50", "--batch", "1" * 401),
        ("analyze",),
        ("frobnicate",),
        ("kinds", "conv2d"),
    ],
)
def test_usage_errors_exit_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_unknown_var_in_set_exits_2():
    result = run("analyze", "mobilenet_v1", "--set", "alpah=0.5")
    assert result.exit_code == 2
    assert "did you mean 'alpha'" in result.stderr


def test_validate():
    ok = run("validate", "googlenet")
    assert ok.exit_code == 0 and ok.stdout.startswith("ok: googlenet:")
    bad = run("validate", "-", input="input: [8, 8, 3]\nlayers:\n  - {kind: relu, repeat: -1}\n")
    assert bad.exit_code == 2 and "<stdin>:3:" in bad.stderr


def test_specs_lists_every_bundled_spec():
    from costcalc.sources import bundled_names

    result = run("specs")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for name in bundled_names():
        assert any(line.lstrip().startswith(name + " ") for line in lines), name
    assert len(bundled_names()) >= 25


def test_kinds():
    listing = run("kinds")
    names = [line.split()[0] for line in listing.stdout.splitlines()]
    assert "depthwise_conv" in names and "input" not in names
    conv = run("kinds", "conv")
    assert "filters" in conv.stdout and "kernel" in conv.stdout and "required" in conv.stdout


def test_help_states_the_convention_and_examples():
    main = run("--help")
    assert "FlopCounterMode" in main.stdout and "Exit codes" in main.stdout
    for command in ("analyze", "validate", "specs", "kinds"):
        assert "Example:" in run(command, "--help").stdout


def test_internal_errors_are_short_and_debug_shows_the_traceback(monkeypatch):
    import costcalc.reporting

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(costcalc.reporting, "build_report", broken)
    result = run("analyze", "lenet5")
    assert result.exit_code == 3
    assert "costcalc: internal error (spec lenet5): ZeroDivisionError: boom" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run("--debug", "analyze", "lenet5")
    assert "Traceback" in debug.stderr


@pytest.mark.skipif("MUTANT_UNDER_TEST" in os.environ, reason="a new process cannot load a mutation tool's trampolines")
def test_python_dash_m_and_installed_script(tmp_path):
    import costcalc

    # the package under test wherever it lies (installed, or a mutation tool's copy of the tree)
    here = os.path.dirname(os.path.dirname(os.path.abspath(costcalc.__file__)))
    env = {
        **os.environ,
        "NO_COLOR": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "costcalc", "analyze", "lenet5", "-f", "json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["totals"]["params"] == 61_706
