"""ONNX files through the commands: every command that takes a spec takes one, and `costcalc import`."""

from __future__ import annotations

import json
import math
import os

import pytest
from typer.testing import CliRunner

from costcalc.cli import app

from .onnx_support import helper, ints, model, save, weight

RUNNER = CliRunner()


def invoke(*args: str, **kw):
    return RUNNER.invoke(app, list(args), env={"COLUMNS": "160", "NO_COLOR": "1"}, **kw)


@pytest.fixture
def net(tmp_path):
    """A small CNN: conv → relu → pool → flatten → fc (a shape subgraph for the flatten, as TorchScript writes)."""
    nodes = [
        helper.make_node("Conv", ["x", "W", "B"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="/relu/Relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["g"], name="/gap/GlobalAveragePool"),
        helper.make_node("Flatten", ["g"], ["f"], name="/flatten/Flatten"),
        helper.make_node("Gemm", ["f", "W2", "B2"], ["y"], name="/fc/Gemm", transB=1),
    ]
    inits = [weight("W", 8, 3, 3, 3), weight("B", 8), weight("W2", 10, 8), weight("B2", 10)]
    return save(model(nodes, [("x", ["batch", 3, 32, 32])], ["y"], inits), tmp_path / "net.onnx")


def totals_of(*args: str) -> dict:
    result = invoke("analyze", *args, "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["totals"]


def test_analyze_an_onnx_file(net):
    result = invoke("analyze", str(net), "--exact")
    assert result.exit_code == 0, result.output
    assert "/conv/Conv" in result.stdout and "32×32×8" in result.stdout
    totals = totals_of(str(net))
    assert totals["macs"] == 32 * 32 * 8 * 27 + 8 * 10
    assert totals["params"] == 8 * 27 + 8 + 80 + 10


def test_input_override_redoes_the_model(net):
    # costcalc's H×W×C form through today's --input; the file's N×C×H×W form is the lead's parser's to pass on
    totals = totals_of(str(net), "--input", "64x64x3")
    assert totals["macs"] == 64 * 64 * 8 * 27 + 8 * 10


def test_standard_input(net):
    result = RUNNER.invoke(app, ["analyze", "-", "-f", "json"], input=net.read_bytes())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["totals"]["macs"] == 32 * 32 * 8 * 27 + 80


def test_compare_explain_graph_sweep_validate(net, tmp_path):
    other = tmp_path / "other.onnx"
    other.write_bytes(net.read_bytes())
    result = invoke("compare", str(net), str(other))
    assert result.exit_code == 0, result.output
    assert "same MACs" in result.stdout or "1.000" in result.stdout
    result = invoke("explain", str(net), "--layer", "/conv/Conv")
    assert result.exit_code == 0, result.output
    assert "32·32·8" in result.stdout and "3·3·3" in result.stdout
    result = invoke("graph", str(net))
    assert result.exit_code == 0 and "flowchart" in result.stdout
    result = invoke("sweep", str(net), "--input", "16,32", "--exact")
    assert result.exit_code == 0, result.output
    assert f"{16 * 16 * 8 * 27 + 80:,}" in result.stdout and f"{32 * 32 * 8 * 27 + 80:,}" in result.stdout
    assert invoke("validate", str(net)).exit_code == 0


def test_import_writes_a_spec_that_counts_the_same(net, tmp_path):
    out = tmp_path / "net.yaml"
    result = invoke("import", str(net), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.startswith("# Written by costcalc import from net.onnx")
    assert "{kind: conv, name: /conv/Conv, filters: 8, kernel: 3, padding: 1}" in text
    assert totals_of(str(out)) == totals_of(str(net))
    printed = invoke("import", str(net), "--flat")
    assert printed.exit_code == 0 and printed.stdout.count("kind:") == 6


def test_import_refuses_what_is_not_onnx(tmp_path):
    yaml = tmp_path / "spec.yaml"
    yaml.write_text("input: [8, 8, 3]\nlayers:\n  - {kind: relu}\n")
    result = invoke("import", str(yaml))
    assert result.exit_code == 2 and "is not an ONNX model" in result.stderr
    result = invoke("import")
    assert result.exit_code == 2
    result = invoke("import", str(tmp_path / "absent.onnx"))
    assert result.exit_code == 2 and "no file" in result.stderr


def test_import_with_unknown_operators(tmp_path):
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="relu"),
        helper.make_node("NonMaxSuppression", ["a"], ["b"], name="nms"),
        helper.make_node("Sigmoid", ["b"], ["y"], name="sig"),
    ]
    path = save(model(nodes, [("x", [1, 4, 3, 3])], ["y"]), tmp_path / "odd.onnx")
    out = tmp_path / "odd.yaml"
    result = invoke("import", str(path), "--allow-unknown", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "warning: 1 node(s) costcalc cannot count" in result.stderr
    text = out.read_text()
    assert "# UNKNOWN: node 1 'nms' (NonMaxSuppression) is not counted" in text
    assert "kind: unknown" in text
    assert totals_of(str(out))["other_ops"] == 36 + 3 * 36  # the ReLU and the sigmoid
    assert invoke("import", str(path)).exit_code == 2


def every_new_kind(tmp_path):
    """A graph with an operator for each kind added for ONNX: elementwise, unary, clip, matmul, reduce, pad..."""
    nodes = [
        helper.make_node("Sub", ["x", "mean"], ["a"], name="sub"),
        helper.make_node("Div", ["a", "two"], ["b"], name="div"),
        helper.make_node("Erf", ["b"], ["c"], name="erf"),
        helper.make_node("Clip", ["c", "lo", ""], ["d"], name="clip"),
        helper.make_node("Elu", ["d"], ["e"], name="elu"),
        helper.make_node("Pad", ["e", "pads"], ["f"], name="pad", mode="reflect"),
        helper.make_node("ReduceSum", ["f", "axes"], ["g"], name="sum", keepdims=1),
        helper.make_node("Max", ["f", "g"], ["h"], name="max"),
        helper.make_node("Transpose", ["h"], ["t"], name="transpose", perm=[0, 1, 3, 2]),
        helper.make_node("MatMul", ["h", "t"], ["m"], name="matmul"),
        helper.make_node("Reshape", ["m", "shape"], ["r"], name="reshape"),
        helper.make_node("LogSoftmax", ["r"], ["y"], name="log_softmax", axis=-1),
    ]
    inits = [
        weight("mean", 1, 4, 1, 1),
        helper.make_tensor("two", 1, [], [2.0]),
        helper.make_tensor("lo", 1, [], [-0.5]),
        ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]),
        ints("axes", [1]),
        ints("shape", [1, 4, 49]),
    ]
    return save(model(nodes, [("x", [1, 4, 5, 5])], ["y"], inits, opset=13), tmp_path / "new_kinds.onnx")


def test_the_new_kinds_import_and_count(tmp_path):
    path = every_new_kind(tmp_path)
    out = tmp_path / "new_kinds.yaml"
    assert invoke("import", str(path), "-o", str(out)).exit_code == 0
    ours, theirs = totals_of(str(path)), totals_of(str(out))
    assert ours == theirs
    assert ours["macs"] == 4 * 7 * 7 * 7  # matmul: 4 × 7×7 outputs, 7 multiplies each
    assert ours["params"] == 4  # the stored mean, per channel
    # other ops: sub 100, div 100, erf 100, clip (one bound) 100, elu 4·100, pad 0, sum over 4 channels:
    # 3 adds for each of 49 outputs, max 196, matmul 0, reshape 0, log softmax 3·49 per row of 4·7 rows... over 49
    assert ours["other_ops"] == 100 + 100 + 100 + 100 + 400 + 3 * 49 + 196 + 4 * 3 * 49


def test_the_new_kinds_verify_against_pytorch(tmp_path):
    if not os.environ.get("COSTCALC_REQUIRE_TORCH"):
        pytest.importorskip("torch", reason="PyTorch is not installed")
    path = every_new_kind(tmp_path)
    out = tmp_path / "new_kinds.yaml"
    assert invoke("import", str(path), "-o", str(out)).exit_code == 0
    result = invoke("verify", str(out))
    assert result.exit_code == 0, result.output
    assert "every output shape, params and MACs equal" in result.stdout


def test_gelu_decomposed_imports_as_its_operations(tmp_path):
    nodes = [
        helper.make_node("Div", ["x", "sqrt2"], ["d"], name="div"),
        helper.make_node("Erf", ["d"], ["e"], name="erf"),
        helper.make_node("Add", ["e", "one"], ["a"], name="add"),
        helper.make_node("Mul", ["x", "a"], ["m"], name="mul"),
        helper.make_node("Mul", ["m", "half"], ["y"], name="half"),
    ]
    inits = [helper.make_tensor(n, 1, [], [v]) for n, v in (("sqrt2", math.sqrt(2)), ("one", 1.0), ("half", 0.5))]
    path = save(model(nodes, [("x", [1, 8])], ["y"], inits, opset=13), tmp_path / "gelu.onnx")
    out = tmp_path / "gelu.yaml"
    assert invoke("import", str(path), "-o", str(out)).exit_code == 0
    assert totals_of(str(out))["other_ops"] == 5 * 8
    assert "value: 1.41421354" in out.read_text()


def test_the_params_an_onnx_file_names_are_in_every_format(tmp_path):
    """A conv whose weights TorchScript computed (onnx::Conv_N: a batch norm of 8 channels folded in):
    graph 8·27 + 8 + 10·8 + 10 = 314 params; before folding − 8 folded biases + 16 γ, β = 322."""
    nodes = [
        helper.make_node("Conv", ["x", "onnx::Conv_5", "onnx::Conv_6"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c"], ["g"], name="/gap/GlobalAveragePool"),
        helper.make_node("Flatten", ["g"], ["f"], name="/flatten/Flatten"),
        helper.make_node("Gemm", ["f", "W2", "B2"], ["y"], name="/fc/Gemm", transB=1),
    ]
    inits = [weight("onnx::Conv_5", 8, 3, 3, 3), weight("onnx::Conv_6", 8), weight("W2", 10, 8), weight("B2", 10)]
    path = save(model(nodes, [("x", [1, 3, 8, 8])], ["y"], inits), tmp_path / "folded.onnx")
    expected = {"params_stored": 314, "params_graph": 314, "params_framework": 322}
    data = json.loads(invoke("analyze", str(path), "-f", "json").stdout)
    assert data["totals"]["params"] == 314
    assert {k: data["onnx"][k] for k in expected} == expected
    assert "batch norms folded" in data["onnx"]["notes"]["params_graph"]
    rows = {r.split(",")[1]: r.split(",")[-1] for r in invoke("analyze", str(path), "-f", "csv").stdout.splitlines()}
    assert {k: int(rows[f"onnx.{k}"]) for k in expected} == expected
    labels = {"params_stored": "Params as stored", "params_framework": "Params before folding"}
    for fmt in ("table", "markdown", "latex", "html"):
        text = invoke("analyze", str(path), *(["-f", fmt] if fmt != "table" else [])).stdout
        for key, label in labels.items():
            assert label in text and str(expected[key]) in text, (fmt, key)
    # a spec that is not an ONNX file has no such section
    assert "onnx" not in json.loads(invoke("analyze", "lenet5", "-f", "json").stdout)
