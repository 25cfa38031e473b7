"""Bad ONNX files: a clear error naming the file (and the node, where there is one), exit 2, never a
traceback; bounded time and memory on hostile files."""

from __future__ import annotations

import random
import time
import tracemalloc

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.errors import CostcalcError, SpecError
from costcalc.onnx import load_onnx

from .onnx_support import helper, ints, model, run, save, weight

RUNNER = CliRunner()


def small_model():
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["y"], name="relu"),
    ]
    return model(nodes, [("x", [1, 3, 8, 8])], ["y"], [weight("W", 4, 3, 3, 3)])


def analyze_cli(path):
    return RUNNER.invoke(app, ["analyze", str(path)])


def assert_clean_error(result, *fragments):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output and "internal error" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# ---------------------------------------------------------------- not ONNX, empty, truncated, corrupt


def test_files_that_are_not_onnx(tmp_path):
    cases = {
        "text.onnx": b"input: [8, 8, 3]\nlayers: []\n",
        "png.onnx": b"\x89PNG\r\n\x1a\n" + bytes(100),
        "empty.onnx": b"",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert_clean_error(analyze_cli(tmp_path / "text.onnx"), "text.onnx", "not an ONNX model")
    assert_clean_error(analyze_cli(tmp_path / "png.onnx"), "png.onnx", "not an ONNX model")
    assert_clean_error(analyze_cli(tmp_path / "empty.onnx"), "empty.onnx", "the file is empty")
    (tmp_path / "folder.onnx").mkdir()
    assert_clean_error(analyze_cli(tmp_path / "folder.onnx"), "folder.onnx", "folder")


def test_an_onnx_file_is_recognised_by_its_content_whatever_its_name(tmp_path):
    path = save(small_model(), tmp_path / "model.bin")
    result = analyze_cli(path)
    assert result.exit_code == 0, result.output
    assert "conv" in result.stdout


def test_every_truncation_is_a_clear_error(tmp_path):
    data = small_model().SerializeToString()
    path = tmp_path / "cut.onnx"
    for end in range(0, len(data) - 1):
        path.write_bytes(data[:end])
        with pytest.raises(SpecError) as caught:
            load_onnx(path)
        assert "cut.onnx" in str(caught.value)
    path.write_bytes(data[: len(data) // 2])
    assert_clean_error(analyze_cli(path), "cut.onnx", "truncated or corrupt")


def test_corrupt_bytes_never_crash(tmp_path):
    data = bytearray(small_model().SerializeToString())
    rng = random.Random(13)
    path = tmp_path / "corrupt.onnx"
    outcomes = {"error": 0, "ok": 0}
    for _ in range(300):
        copy = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            copy[rng.randrange(2, len(copy))] = rng.randrange(256)
        path.write_bytes(bytes(copy))
        try:
            load_onnx(path)
            outcomes["ok"] += 1  # a flip inside the weights' bytes changes nothing costcalc reads
        except CostcalcError:
            outcomes["error"] += 1
    assert outcomes["error"] > 100


def test_hostile_lengths_and_varints(tmp_path):
    path = tmp_path / "hostile.onnx"
    # ir_version 7, then field 7 (the graph) declaring 2**40 bytes
    path.write_bytes(b"\x08\x07\x3a" + bytes([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]))
    assert_clean_error(analyze_cli(path), "hostile.onnx", "declares 281,474,976,710,656 bytes")
    path.write_bytes(b"\x08\x07\x28" + b"\xff" * 11)  # model_version: an 11-byte varint
    assert_clean_error(analyze_cli(path), "longer than 10 bytes")
    path.write_bytes(b"\x08\x07\x3b\x00")  # a group (wire type 3)
    assert_clean_error(analyze_cli(path), "wire type 3")


def _nested_sequence_type(depth: int) -> bytes:
    """A TypeProto holding a sequence of a sequence of … (depth times): nesting a recursive reader would follow."""
    inner = b"\x0a\x02\x08\x01"  # tensor_type { elem_type: FLOAT }
    for _ in range(depth):
        body = b"\x0a" + _varint(len(inner)) + inner  # Sequence { elem_type: inner }
        inner = b"\x22" + _varint(len(body)) + body  # TypeProto { sequence_type: body }
    return inner


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def test_deep_nesting_takes_bounded_time_and_memory(tmp_path):
    value_info = _field(1, b"x") + _field(2, _nested_sequence_type(50_000))
    graph = _field(11, value_info) + _field(12, _field(1, b"y"))
    path = tmp_path / "deep.onnx"
    path.write_bytes(b"\x08\x08" + _field(7, graph) + _field(8, b"\x10\x11"))
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(SpecError, match="is a sequence"):
        load_onnx(path)
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 2 and peak < 20 * 2**20


def test_too_many_nodes_is_refused_quickly(tmp_path):
    graph = b"\x0a\x00" * 500_001  # half a million and one empty nodes in 1 MB
    path = tmp_path / "many.onnx"
    path.write_bytes(b"\x08\x08" + _field(7, graph))
    started = time.perf_counter()
    assert_clean_error(analyze_cli(path), "more than 500,000 nodes")
    assert time.perf_counter() - started < 20


def test_a_file_over_2_gib_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.onnx"
    with path.open("wb") as stream:
        stream.truncate(2**31 + 10)  # sparse: no disk space used
    assert_clean_error(analyze_cli(path), "huge.onnx", "over protobuf's 2 GiB limit", "external data")


# ---------------------------------------------------------------- broken graphs


def test_a_cycle(tmp_path):
    nodes = [
        helper.make_node("Add", ["x", "b"], ["a"], name="first"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
    ]
    path = save(model(nodes, [("x", [1, 4])], ["b"]), tmp_path / "cycle.onnx")
    assert_clean_error(analyze_cli(path), "cycle.onnx", "the graph has a cycle", "node 0 'first' (Add)", "node 1")


def test_nodes_out_of_order_are_sorted(tmp_path):
    nodes = [
        helper.make_node("Relu", ["a"], ["y"], name="second"),
        helper.make_node("Sigmoid", ["x"], ["a"], name="first"),
    ]
    spec, analysis = run(model(nodes, [("x", [1, 4])], ["y"]), tmp_path)
    assert [x.name for x in analysis.layers] == ["input", "first", "second"]


def test_a_missing_tensor(tmp_path):
    nodes = [helper.make_node("Relu", ["ghost"], ["y"], name="reader")]
    path = save(model(nodes, [("x", [1, 4])], ["y"]), tmp_path / "missing.onnx")
    assert_clean_error(analyze_cli(path), "missing.onnx", "node 0 'reader' (Relu)", "reads tensor 'ghost'")


def test_a_tensor_produced_twice(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Relu", ["x"], ["y"], name="b")]
    path = save(model(nodes, [("x", [1, 4])], ["y"]), tmp_path / "twice.onnx")
    assert_clean_error(analyze_cli(path), "produced twice")


def test_several_inputs(tmp_path):
    nodes = [helper.make_node("Add", ["x", "z"], ["y"], name="add")]
    path = save(model(nodes, [("x", [1, 4]), ("z", [1, 4])], ["y"]), tmp_path / "two.onnx")
    assert_clean_error(analyze_cli(path), "2 inputs ('x', 'z')", "single input")


def test_symbolic_dims_need_the_input(tmp_path):
    m = small_model()
    dims = m.graph.input[0].type.tensor_type.shape.dim
    dims[0].dim_param, dims[2].dim_param, dims[3].dim_param = "N", "H", "W"
    path = save(m, tmp_path / "symbolic.onnx")
    assert_clean_error(analyze_cli(path), "symbolic.onnx", "N×3×H×W", "dims 2, 3 are not fixed", "--input 1x3x224x224")
    result = RUNNER.invoke(app, ["analyze", str(path), "--input", "32x32x3"])  # costcalc's H×W×C
    assert result.exit_code == 0, result.output
    spec = load_onnx(path, (1, 3, 16, 20))  # the file's own order
    assert spec.input == [16, 20, 3] and spec.onnx.batch == 1


def test_a_symbolic_batch_alone_is_taken_as_1(tmp_path):
    m = small_model()
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch_size"
    spec = load_onnx(save(m, tmp_path / "batch.onnx"))
    assert spec.onnx.batch == 1 and spec.input == [8, 8, 3]
    assert "the batch dimension is 'batch_size'; counted for batch 1" in spec.onnx.notes[0]


def test_opset_and_ir_version_out_of_range(tmp_path):
    for opset in (6, 99):
        m = small_model()
        m.opset_import[0].version = opset
        path = save(m, tmp_path / f"opset{opset}.onnx")
        assert_clean_error(analyze_cli(path), f"opset{opset}.onnx", f"opset {opset} of the default domain", "7 to 25")
    m = small_model()
    m.ir_version = 99
    assert_clean_error(analyze_cli(save(m, tmp_path / "ir.onnx")), "IR version 99")


def test_external_data_is_never_needed_for_weights(tmp_path):
    m = small_model()
    tensor = m.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = helper.TensorProto.EXTERNAL
    entry = tensor.external_data.add()
    entry.key, entry.value = "location", "weights.bin"  # never written: costcalc does not open it
    spec, analysis = run(m, tmp_path)
    assert analysis.totals.params == 4 * 27 and spec.onnx.stored_params == 4 * 27


def test_stored_operands_in_external_data_are_counted_unread(tmp_path):
    # the dynamo exporter writes every weight to a .data file; a layer scale is a stored operand of Mul
    scale = weight("gamma", 1, 3, 1, 1)
    scale.ClearField("raw_data")
    scale.data_location = helper.TensorProto.EXTERNAL
    entry = scale.external_data.add()
    entry.key, entry.value = "location", "model.onnx.data"
    nodes = [helper.make_node("Mul", ["gamma", "x"], ["y"], name="layer_scale")]
    spec, analysis = run(model(nodes, [("x", [1, 3, 4, 4])], ["y"], [scale]), tmp_path)
    assert (analysis.layers[1].kind, analysis.layers[1].params) == ("elementwise", 3)


def test_a_constant_in_external_data_is_a_clear_error(tmp_path):
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"], name="view")]
    shape = ints("shape", [1, -1])
    shape.ClearField("raw_data")
    shape.data_location = helper.TensorProto.EXTERNAL
    entry = shape.external_data.add()
    entry.key, entry.value = "location", "data.bin"
    path = save(model(nodes, [("x", [1, 3, 4, 4])], ["y"], [shape]), tmp_path / "ext.onnx")
    assert_clean_error(analyze_cli(path), "node 0 'view' (Reshape)", "external file 'data.bin'")


# ---------------------------------------------------------------- operators costcalc cannot count


def unknown_model(domain: str = ""):
    nodes = [
        helper.make_node("Conv", ["x", "W"], ["c"], name="conv"),
        helper.make_node("Mystery" if not domain else "FusedConv", ["c"], ["m"], name="odd", domain=domain),
        helper.make_node("Relu", ["m"], ["y"], name="relu"),
    ]
    domains = {domain: 1} if domain else None
    m = model(nodes, [("x", [1, 3, 8, 8])], ["y"], [weight("W", 4, 3, 3, 3)], domains=domains)
    m.graph.value_info.append(helper.make_tensor_value_info("m", 1, [1, 4, 6, 6]))
    return m


def test_an_unknown_op_is_a_located_error(tmp_path):
    path = save(unknown_model(), tmp_path / "unknown.onnx")
    assert_clean_error(
        analyze_cli(path),
        "unknown.onnx: node 1 'odd' (Mystery): error:",
        "costcalc has no rule for the ONNX operator 'Mystery'",
        "Conv, ConvTranspose",  # the list of supported operators
        "--allow-unknown",
    )


def test_a_custom_domain_is_named_as_such(tmp_path):
    path = save(unknown_model("com.microsoft"), tmp_path / "ort.onnx")
    assert_clean_error(
        analyze_cli(path),
        "node 1 'odd' (com.microsoft.FusedConv)",
        "custom domain 'com.microsoft' (ONNX Runtime's contrib operators)",
    )


def test_allow_unknown_counts_the_rest_and_lists_the_unknown(tmp_path):
    spec, analysis = run(unknown_model("com.microsoft"), tmp_path, allow_unknown=True)
    (unknown,) = spec.onnx.unknown
    assert (unknown.name, unknown.op_type, unknown.domain, unknown.index) == ("odd", "FusedConv", "com.microsoft", 1)
    assert unknown.shape_from == "the file's value_info"
    odd = next(x for x in analysis.layers if x.name == "odd")
    assert (odd.kind, odd.output, odd.macs, odd.other_ops) == ("unknown", (6, 6, 4), 0, 0)
    assert analysis.totals.macs == 6 * 6 * 4 * 27  # the conv is still counted
