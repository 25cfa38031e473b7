"""costcalc's protobuf reader against the onnx package's (the official protobuf parser is the oracle)."""

from __future__ import annotations

import pytest

from costcalc.onnx.proto import read_model, tensor_values
from costcalc.onnx.wire import WireError, fields, signed64, varint

from .onnx_support import helper, model, numpy_helper, onnx  # skips the module without onnx

np = pytest.importorskip("numpy")  # comes with onnx


def parse(m):
    data = m.SerializeToString()
    return read_model(data, len(data)), data


def test_varints_and_signed_int64():
    assert varint(b"\x96\x01", 0, 2) == (150, 2)
    assert varint(b"\x00", 0, 1) == (0, 1)
    tail = b"\xff" * 9 + b"\x01"  # -1 as an int64 varint: ten bytes
    assert signed64(varint(tail, 0, 10)[0]) == -1
    with pytest.raises(WireError, match="past the end"):
        varint(b"\x80\x80", 0, 2)
    with pytest.raises(WireError, match="longer than 10 bytes"):
        varint(b"\xff" * 11, 0, 11)


def test_fields_check_lengths_against_their_message():
    assert list(fields(b"\x08\x05\x12\x02hi", 0, 6)) == [(1, 0, 5, 0), (2, 2, 4, 6)]
    with pytest.raises(WireError, match="declares 5 bytes"):
        list(fields(b"\x12\x05hi", 0, 4))
    with pytest.raises(WireError, match="numbered 0"):
        list(fields(b"\x00\x01", 0, 2))


def test_every_attribute_type_as_onnx_reads_it():
    tensor = numpy_helper.from_array(np.arange(6, dtype=np.int64).reshape(2, 3) - 3, "t")
    node = helper.make_node(
        "Custom",
        ["x"],
        ["y"],
        name="n",
        domain="my.domain",
        f=1.5,
        i=-7,
        s="text",
        t=tensor,
        floats=[0.5, -2.0],
        ints=[-1, 0, 2**40],
        strings=["a", "b"],
    )
    m = model([node], [("x", [1, 2])], ["y"], domains={"my.domain": 1})
    ours, data = parse(m)
    (node,) = ours.graph.nodes
    attributes = {k: a.value for k, a in node.attributes.items()}
    assert attributes["f"] == 1.5 and attributes["i"] == -7 and attributes["s"] == "text"
    assert attributes["floats"] == [0.5, -2.0] and attributes["ints"] == [-1, 0, 2**40]
    assert attributes["strings"] == ["a", "b"]
    assert attributes["t"].dims == (2, 3) and tensor_values(data, attributes["t"]) == [-3, -2, -1, 0, 1, 2]
    assert (node.name, node.op_type, node.domain, node.inputs, node.outputs) == (
        "n",
        "Custom",
        "my.domain",
        ["x"],
        ["y"],
    )
    assert ours.opsets == {"": 17, "my.domain": 1}


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float16, np.float64, np.int8, np.uint8, np.int16, np.int32, np.int64, np.bool_]
)
def test_tensor_values_raw_and_typed(dtype):
    values = np.array([[1, 0, 3], [4, 5, 1]]).astype(dtype)
    raw = numpy_helper.from_array(values, "raw")
    onnx_type = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    typed = helper.make_tensor("typed", onnx_type, [2, 3], values.flatten().tolist(), raw=False)
    m = model([helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 2])], ["y"], [raw, typed])
    ours, data = parse(m)
    for tensor in ours.graph.initializers:
        assert tensor.dims == (2, 3) and tensor.dtype == onnx_type
        got = tensor_values(data, tensor)
        assert got == values.flatten().tolist(), (tensor.name, got)


def test_bfloat16_values():
    t = helper.make_tensor("b", onnx.TensorProto.BFLOAT16, [2], [1.5, -2.0])
    m = model([helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 2])], ["y"], [t])
    ours, data = parse(m)
    assert tensor_values(data, ours.graph.initializers[0]) == [1.5, -2.0]


def test_value_infos_dims_and_symbols():
    m = model([helper.make_node("Relu", ["x"], ["y"])], [("x", ["N", 3, None, 224])], ["y"])
    ours, _ = parse(m)
    assert ours.graph.inputs[0].dims == ("N", 3, None, 224)
    assert ours.graph.outputs[0].dims is None  # no shape given


def test_a_raw_size_that_disagrees_with_the_dims_is_corrupt():
    t = numpy_helper.from_array(np.zeros((4, 4), dtype=np.float32), "w")
    t.raw_data = t.raw_data[:10]
    m = model([helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 2])], ["y"], [t])
    data = m.SerializeToString()
    with pytest.raises(WireError, match="'w' is 4×4 float32 \\(64 bytes\\) but stores 10 bytes"):
        read_model(data, len(data))


def test_weights_are_stepped_over_not_read():
    # a 1 MiB weight: the reader records where its bytes are and never copies them
    t = numpy_helper.from_array(np.zeros((256, 1024), dtype=np.float32), "big")
    m = model([helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 2])], ["y"], [t])
    data = m.SerializeToString()

    class Counting(bytes):
        touched = 0

        def __getitem__(self, index):
            if isinstance(index, slice):
                Counting.touched += len(range(*index.indices(len(self))))
            else:
                Counting.touched += 1
            return bytes.__getitem__(self, index)

    buf = Counting(data)
    ours = read_model(buf, len(buf))
    assert ours.graph.initializers[0].dims == (256, 1024)
    assert Counting.touched < 1000  # of 1,048,600 bytes
