"""The few ONNX messages costcalc needs, read from the wire format into small objects, weights left in place.

ModelProto → GraphProto → NodeProto → AttributeProto → TensorProto is the whole depth that is
read: subgraphs (the bodies of If and Loop), sparse tensors and nested type protos are kept as
byte ranges, never parsed, so nesting cannot run deep. A tensor records its name, dims, element
type and where its data is (a range of the buffer, or an external file); its values are decoded
only on request and only for small tensors (shapes, axes, scales, pads, scalars).

Field numbers are those of onnx/onnx.proto3 (IR version 10).
"""

from __future__ import annotations

import struct
from typing import Any

from .wire import (
    FIXED32,
    FIXED64,
    LENGTH,
    VARINT,
    Buffer,
    FileBuffer,
    WireError,
    fields,
    packed_varints,
    signed64,
    text,
)

# how much a file may hold before it is refused as hostile (real models stay far below)
MAX_NODES = 500_000
MAX_TENSORS = 500_000
MAX_VALUE_INFOS = 2_000_000
MAX_RANK = 64
MAX_REPEATED = 1 << 20  # values of one repeated attribute or one decoded tensor
MAX_DIM_VALUE = 1 << 40

# TensorProto.DataType: name, bits per element, struct code (None: not decoded here), floating point
DATA_TYPES: dict[int, tuple[str, int, str | None, bool]] = {
    1: ("float32", 32, "f", True),
    2: ("uint8", 8, "B", False),
    3: ("int8", 8, "b", False),
    4: ("uint16", 16, "H", False),
    5: ("int16", 16, "h", False),
    6: ("int32", 32, "i", False),
    7: ("int64", 64, "q", False),
    8: ("string", 0, None, False),
    9: ("bool", 8, "?", False),
    10: ("float16", 16, "e", True),
    11: ("float64", 64, "d", True),
    12: ("uint32", 32, "I", False),
    13: ("uint64", 64, "Q", False),
    14: ("complex64", 64, None, True),
    15: ("complex128", 128, None, True),
    16: ("bfloat16", 16, None, True),
    17: ("float8e4m3fn", 8, None, True),
    18: ("float8e4m3fnuz", 8, None, True),
    19: ("float8e5m2", 8, None, True),
    20: ("float8e5m2fnuz", 8, None, True),
    21: ("uint4", 4, None, False),
    22: ("int4", 4, None, False),
    23: ("float4e2m1", 4, None, True),
    24: ("float8e8m0", 8, None, True),
    25: ("uint2", 2, None, False),
    26: ("int2", 2, None, False),
}
INT64, FLOAT = 7, 1

# AttributeProto.AttributeType
ATTR_FLOAT, ATTR_INT, ATTR_STRING, ATTR_TENSOR, ATTR_GRAPH = 1, 2, 3, 4, 5
ATTR_FLOATS, ATTR_INTS, ATTR_STRINGS, ATTR_TENSORS, ATTR_GRAPHS = 6, 7, 8, 9, 10
ATTR_SPARSE_TENSOR, ATTR_SPARSE_TENSORS, ATTR_TYPE_PROTO, ATTR_TYPE_PROTOS = 11, 12, 13, 14

# node metadata read (the dynamo exporter names the rewrite rules that made a node, e.g. a folded batch norm)
METADATA_KEYS = frozenset({"pkg.onnxscript.rewriter.rule_name", "pkg.torch.onnx.fx_node"})


def dtype_name(code: int) -> str:
    return DATA_TYPES[code][0] if code in DATA_TYPES else f"data type {code}"


def _count(what: str, n: int, limit: int, offset: int) -> None:
    if n > limit:
        raise WireError(offset, f"more than {limit:,} {what} (a hostile or broken file)")


class Tensor:
    """A TensorProto without its data: where the data is, and how to decode it when it is small."""

    __slots__ = ("name", "dims", "dtype", "raw", "typed", "typed_count", "external", "span", "offset", "buf")

    def __init__(self) -> None:
        self.buf: Buffer = b""  # what the offsets below index (the file, or the slice holding a small message)
        self.name = ""
        self.dims: tuple[int, ...] = ()
        self.dtype = 0  # UNDEFINED
        self.raw: tuple[int, int] | None = None  # buf range of raw_data
        self.typed: list[tuple[int, int, int, int]] = []  # (field, wire, a, b) of float_data, int64_data, ...
        self.typed_count = 0
        self.external: str | None = None  # the file holding the data (data_location EXTERNAL)
        self.span: tuple[int, int | None] = (0, None)  # offset and length of the data in that file
        self.offset = 0  # where the message starts, for error messages

    @property
    def elements(self) -> int:
        n = 1
        for d in self.dims:
            n *= d
        return n

    @property
    def floating(self) -> bool:
        return DATA_TYPES.get(self.dtype, ("", 0, None, False))[3]


class ValueInfo:
    """A ValueInfoProto: a tensor's name and, when given, its element type and dims (int, symbolic str or None)."""

    __slots__ = ("name", "kind", "elem_type", "dims")

    def __init__(self) -> None:
        self.name = ""
        self.kind = "tensor"  # or sequence, map, optional, sparse_tensor, opaque, unknown
        self.elem_type = 0
        self.dims: tuple[int | str | None, ...] | None = None  # None: no shape given


class Attribute:
    __slots__ = ("name", "type", "value")

    def __init__(self, name: str, type_: int, value: Any) -> None:
        self.name, self.type, self.value = name, type_, value


class Node:
    __slots__ = ("name", "op_type", "domain", "inputs", "outputs", "attributes", "metadata", "index")

    def __init__(self, index: int) -> None:
        self.name = ""
        self.op_type = ""
        self.domain = ""
        self.inputs: list[str] = []
        self.outputs: list[str] = []
        self.attributes: dict[str, Attribute] = {}
        self.metadata: dict[str, str] = {}
        self.index = index  # position in the graph's node list (0-based)


class Graph:
    __slots__ = ("name", "nodes", "initializers", "sparse_initializers", "inputs", "outputs", "value_info")

    def __init__(self) -> None:
        self.name = ""
        self.nodes: list[Node] = []
        self.initializers: list[Tensor] = []
        self.sparse_initializers: list[tuple[str, tuple[int, ...]]] = []  # (name, dims)
        self.inputs: list[ValueInfo] = []
        self.outputs: list[ValueInfo] = []
        self.value_info: list[ValueInfo] = []


class Model:
    __slots__ = (
        "ir_version",
        "producer_name",
        "producer_version",
        "domain",
        "model_version",
        "opsets",
        "graph",
        "functions",
        "buf",
        "size",
    )

    def __init__(self, buf: Buffer, size: int) -> None:
        self.ir_version = 0
        self.producer_name = ""
        self.producer_version = ""
        self.domain = ""
        self.model_version = 0
        self.opsets: dict[str, int] = {}  # domain ("" = ai.onnx) -> version
        self.graph: Graph | None = None
        self.functions: list[tuple[str, str]] = []  # (domain, name) of model-local functions
        self.buf = buf
        self.size = size


# ---------------------------------------------------------------- reading


def read_model(buf: Buffer, size: int) -> Model:
    """Parse a serialized ModelProto held in buf[0:size] (raises WireError)."""
    model = Model(buf, size)
    for number, wire, a, b in fields(buf, 0, size):
        if number == 1 and wire == VARINT:
            model.ir_version = signed64(a)
        elif number == 2 and wire == LENGTH:
            model.producer_name = text(buf, a, b)
        elif number == 3 and wire == LENGTH:
            model.producer_version = text(buf, a, b)
        elif number == 4 and wire == LENGTH:
            model.domain = text(buf, a, b)
        elif number == 5 and wire == VARINT:
            model.model_version = signed64(a)
        elif number == 7 and wire == LENGTH:
            if model.graph is not None:
                raise WireError(a, "two graphs in one model")
            model.graph = read_graph(buf, a, b)
        elif number == 8 and wire == LENGTH:
            domain, version = _opset(buf, a, b)
            model.opsets[domain] = version
        elif number == 25 and wire == LENGTH:
            model.functions.append(_function_id(buf, a, b))
        elif wire not in (VARINT, LENGTH, FIXED32, FIXED64):
            raise WireError(a, f"unexpected field {number}")
    return model


def _opset(buf: Buffer, start: int, end: int) -> tuple[str, int]:
    domain, version = "", 0
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            domain = text(buf, a, b)
        elif number == 2 and wire == VARINT:
            version = signed64(a)
    return ("" if domain == "ai.onnx" else domain), version


def _function_id(buf: Buffer, start: int, end: int) -> tuple[str, str]:
    name, domain = "", ""
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            name = text(buf, a, b)
        elif number == 10 and wire == LENGTH:
            domain = text(buf, a, b)
    return domain, name


def read_graph(buf: Buffer, start: int, end: int) -> Graph:
    graph = Graph()
    nodes, initializers = graph.nodes, graph.initializers
    infos = 0
    for number, wire, a, b in fields(buf, start, end):
        if wire != LENGTH:
            continue
        if number == 1:
            _count("nodes", len(nodes) + 1, MAX_NODES, a)
            nodes.append(_local(read_node, buf, a, b, len(nodes)))
        elif number == 5:
            _count("initializers", len(initializers) + 1, MAX_TENSORS, a)
            initializers.append(read_tensor(buf, a, b))  # in place: its data is stepped over, never read
        elif number == 15:
            _count("sparse initializers", len(graph.sparse_initializers) + 1, MAX_TENSORS, a)
            graph.sparse_initializers.append(_sparse_tensor(buf, a, b))
        elif number in (11, 12, 13):
            infos += 1
            _count("inputs, outputs and value infos", infos, MAX_VALUE_INFOS, a)
            info = _local(read_value_info, buf, a, b)
            (graph.inputs if number == 11 else graph.outputs if number == 12 else graph.value_info).append(info)
        elif number == 2:
            graph.name = text(buf, a, b)
    return graph


SMALL = 1 << 20


def _local(reader: Any, buf: Buffer, start: int, end: int, *args: Any) -> Any:
    """Read a small message of a file from one slice of it (one read instead of many byte lookups)."""
    if not isinstance(buf, FileBuffer) or end - start > SMALL:
        return reader(buf, start, end, *args)
    chunk = buf[start:end]
    try:
        return reader(chunk, 0, len(chunk), *args)
    except WireError as exc:
        raise WireError(exc.offset + start, exc.message) from None


def read_node(buf: Buffer, start: int, end: int, index: int) -> Node:
    node = Node(index)
    for number, wire, a, b in fields(buf, start, end):
        if wire != LENGTH:
            continue
        if number == 1:
            node.inputs.append(text(buf, a, b))
        elif number == 2:
            node.outputs.append(text(buf, a, b))
        elif number == 3:
            node.name = text(buf, a, b)
        elif number == 4:
            node.op_type = text(buf, a, b)
        elif number == 7:
            node.domain = text(buf, a, b)
        elif number == 5:
            attribute = read_attribute(buf, a, b)
            node.attributes[attribute.name] = attribute
            _count("attributes in one node", len(node.attributes), 10_000, a)
        elif number == 9:
            key, value = _metadata(buf, a, b)
            if key is not None:
                node.metadata[key] = value
        if len(node.inputs) + len(node.outputs) > MAX_REPEATED:
            raise WireError(a, f"a node with more than {MAX_REPEATED:,} inputs and outputs")
    if node.domain == "ai.onnx":
        node.domain = ""
    return node


def _metadata(buf: Buffer, start: int, end: int) -> tuple[str | None, str]:
    """A StringStringEntryProto whose key costcalc reads (others are skipped without decoding)."""
    key, value = None, (0, 0)
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            key = text(buf, a, b)
        elif number == 2 and wire == LENGTH:
            value = (a, b)
    if key not in METADATA_KEYS:
        return None, ""
    return key, text(buf, *value)


def read_attribute(buf: Buffer, start: int, end: int) -> Attribute:
    name, type_ = "", 0
    single: Any = None
    ints: list[int] = []
    floats: list[float] = []
    strings: list[str] = []
    tensors: list[Tensor] = []
    spans: list[tuple[int, int]] = []  # graphs, sparse tensors, type protos: kept unparsed
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            name = text(buf, a, b)
        elif number == 20 and wire == VARINT:
            type_ = a
        elif number == 2 and wire == FIXED32:
            single = struct.unpack_from("<f", bytes(buf[a:b]))[0]
        elif number == 3 and wire == VARINT:
            single = signed64(a)
        elif number == 4 and wire == LENGTH:
            single = bytes(buf[a:b])
        elif number == 5 and wire == LENGTH:
            single = read_tensor(buf, a, b)
        elif number in (6, 11, 14, 22) and wire == LENGTH:
            single = (a, b)
        elif number == 7:
            if wire == LENGTH:
                if (b - a) // 4 > MAX_REPEATED:
                    raise WireError(a, f"attribute '{name}' holds more than {MAX_REPEATED:,} values")
                floats.extend(struct.unpack_from(f"<{(b - a) // 4}f", bytes(buf[a:b])))
            elif wire == FIXED32:
                floats.append(struct.unpack_from("<f", bytes(buf[a:b]))[0])
        elif number == 8:
            if wire == LENGTH:
                if b - a > MAX_REPEATED:
                    raise WireError(a, f"attribute '{name}' holds more than {MAX_REPEATED:,} values")
                ints.extend(signed64(v) for v in packed_varints(buf, a, b))
            elif wire == VARINT:
                ints.append(signed64(a))
        elif number == 9 and wire == LENGTH:
            strings.append(text(buf, a, b))
        elif number == 10 and wire == LENGTH:
            tensors.append(read_tensor(buf, a, b))
        elif number in (11, 15, 23) and wire == LENGTH:
            spans.append((a, b))
        if len(ints) + len(floats) + len(strings) + len(tensors) + len(spans) > MAX_REPEATED:
            raise WireError(a, f"attribute '{name}' holds more than {MAX_REPEATED:,} values")
    if type_ == 0:  # IR version < 2 left the type out: tell it by the field present
        type_ = (
            ATTR_INTS
            if ints
            else ATTR_FLOATS
            if floats
            else ATTR_STRINGS
            if strings
            else ATTR_TENSORS
            if tensors
            else ATTR_INT
            if isinstance(single, int)
            else ATTR_FLOAT
            if isinstance(single, float)
            else ATTR_STRING
            if isinstance(single, bytes)
            else ATTR_TENSOR
            if isinstance(single, Tensor)
            else 0
        )
    value: Any
    if type_ == ATTR_INTS:
        value = ints
    elif type_ == ATTR_FLOATS:
        value = floats
    elif type_ == ATTR_STRINGS:
        value = strings
    elif type_ == ATTR_TENSORS:
        value = tensors
    elif type_ in (ATTR_GRAPHS, ATTR_SPARSE_TENSORS, ATTR_TYPE_PROTOS):
        value = spans
    elif type_ == ATTR_FLOAT:
        value = float(single) if isinstance(single, (int, float)) else 0.0  # proto3: absent means 0
    elif type_ == ATTR_INT:
        value = single if isinstance(single, int) else 0
    elif type_ == ATTR_STRING:
        value = single.decode("utf-8", "replace") if isinstance(single, bytes) else ""
    else:
        value = single
    return Attribute(name, type_, value)


def read_tensor(buf: Buffer, start: int, end: int) -> Tensor:
    tensor = Tensor()
    tensor.offset = start
    tensor.buf = buf
    dims: list[int] = []
    location = 0
    external: dict[str, str] = {}
    for number, wire, a, b in fields(buf, start, end):
        if number == 1:
            if wire == LENGTH:
                dims.extend(signed64(v) for v in packed_varints(buf, a, b))
            elif wire == VARINT:
                dims.append(signed64(a))
            if len(dims) > MAX_RANK:
                raise WireError(a, f"a tensor with more than {MAX_RANK} dims")
        elif number == 2 and wire == VARINT:
            tensor.dtype = a
        elif number == 8 and wire == LENGTH:
            tensor.name = text(buf, a, b)
        elif number == 9 and wire == LENGTH:
            tensor.raw = (a, b)
        elif number in (4, 5, 7, 10, 11):  # float_data, int32_data, int64_data, double_data, uint64_data
            if len(tensor.typed) < MAX_REPEATED:
                tensor.typed.append((number, wire, a, b))
            if wire == LENGTH:
                width = 4 if number == 4 else 8 if number == 10 else 0
                tensor.typed_count += (b - a) // width if width else (b - a)  # varints: an upper bound
            else:
                tensor.typed_count += 1
        elif number == 6 and wire == LENGTH:
            tensor.typed_count += 1  # string_data
        elif number == 3 and wire == LENGTH:
            raise WireError(a, "a segmented tensor (TensorProto.segment), which ONNX no longer writes")
        elif number == 13 and wire == LENGTH:
            key, value = _entry(buf, a, b)
            external[key] = value
        elif number == 14 and wire == VARINT:
            location = a
    for d in dims:
        if d < 0 or d > MAX_DIM_VALUE:
            raise WireError(start, f"tensor '{tensor.name}' has a dimension of {d:,}")
    tensor.dims = tuple(dims)
    if location == 1:
        tensor.external = external.get("location", "?")
        try:
            tensor.span = (int(external.get("offset", "0")), int(external["length"]) if "length" in external else None)
        except ValueError:
            raise WireError(
                start, f"tensor '{tensor.name}' has an external offset or length that is not a number"
            ) from None
    elif tensor.raw is not None:
        _check_raw_size(tensor)
    return tensor


def _check_raw_size(tensor: Tensor) -> None:
    bits = DATA_TYPES.get(tensor.dtype, ("", 0, None, False))[1]
    if not bits:
        return
    expected = (tensor.elements * bits + 7) // 8
    a, b = tensor.raw  # type: ignore[misc]
    if b - a != expected:
        shown = "×".join(str(d) for d in tensor.dims) or "a scalar"
        raise WireError(
            a,
            f"tensor '{tensor.name}' is {shown} {dtype_name(tensor.dtype)} ({expected:,} bytes) "
            f"but stores {b - a:,} bytes",
        )


def _entry(buf: Buffer, start: int, end: int) -> tuple[str, str]:
    key = value = ""
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            key = text(buf, a, b)
        elif number == 2 and wire == LENGTH:
            value = text(buf, a, b)
    return key, value


def _sparse_tensor(buf: Buffer, start: int, end: int) -> tuple[str, tuple[int, ...]]:
    name, dims = "", []
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            name = read_tensor(buf, a, b).name  # the values tensor carries the name
        elif number == 3:
            if wire == LENGTH:
                dims.extend(signed64(v) for v in packed_varints(buf, a, b))
            elif wire == VARINT:
                dims.append(signed64(a))
            if len(dims) > MAX_RANK:
                raise WireError(a, f"a sparse tensor with more than {MAX_RANK} dims")
    return name, tuple(dims)


def read_value_info(buf: Buffer, start: int, end: int) -> ValueInfo:
    info = ValueInfo()
    for number, wire, a, b in fields(buf, start, end):
        if number == 1 and wire == LENGTH:
            info.name = text(buf, a, b)
        elif number == 2 and wire == LENGTH:
            _type(buf, a, b, info)
    return info


_TYPE_KINDS = {4: "sequence", 5: "map", 7: "opaque", 8: "sparse_tensor", 9: "optional"}


def _type(buf: Buffer, start: int, end: int, info: ValueInfo) -> None:
    """A TypeProto: a tensor's element type and shape; other kinds are named, not read (no recursion)."""
    info.kind = "unknown"
    for number, wire, a, b in fields(buf, start, end):
        if wire != LENGTH:
            continue
        if number == 1:
            info.kind = "tensor"
            for n2, w2, a2, b2 in fields(buf, a, b):
                if n2 == 1 and w2 == VARINT:
                    info.elem_type = a2
                elif n2 == 2 and w2 == LENGTH:
                    info.dims = _shape(buf, a2, b2)
        elif number in _TYPE_KINDS:
            info.kind = _TYPE_KINDS[number]


def _shape(buf: Buffer, start: int, end: int) -> tuple[int | str | None, ...]:
    dims: list[int | str | None] = []
    for number, wire, a, b in fields(buf, start, end):
        if number != 1 or wire != LENGTH:
            continue
        dim: int | str | None = None
        for n2, w2, a2, b2 in fields(buf, a, b):
            if n2 == 1 and w2 == VARINT:
                dim = signed64(a2)
            elif n2 == 2 and w2 == LENGTH:
                dim = text(buf, a2, b2) or None
        dims.append(dim)
        if len(dims) > MAX_RANK:
            raise WireError(a, f"a shape with more than {MAX_RANK} dims")
    return tuple(dims)


# ---------------------------------------------------------------- values of small tensors


class TensorValueError(Exception):
    """A tensor's values cannot be decoded here (too large, external, or an unusual type)."""


def external_tensor(tensor: Tensor, folder: str | None, limit: int) -> Tensor:
    """A small tensor kept in an external data file beside the model, read from there (only its own bytes).

    The dynamo exporter keeps even small index tensors outside the model (as_strided's indices); the
    file must be a plain relative name inside the model's folder, as ONNX's external data rule says.
    """
    import os

    location = tensor.external or ""
    width = DATA_TYPES.get(tensor.dtype, ("", 0, None, False))[1] // 8
    offset, length = tensor.span
    unread = f"its data is in the external file '{location}'"
    if folder is None:
        raise TensorValueError(unread + ", and the model was not read from a file whose folder could hold it")
    if tensor.elements > limit or not width:
        raise TensorValueError(unread + ", which costcalc reads only for small tensors of plain numbers")
    if os.path.isabs(location) or ".." in location.replace("\\", "/").split("/"):
        raise TensorValueError(unread + ", a path outside the model's folder, which costcalc does not read")
    size = tensor.elements * width
    if length is not None and length != size:
        raise TensorValueError(unread + f" with a length of {length:,} bytes, expected {size:,}")
    try:
        with open(os.path.join(folder, location), "rb") as stream:
            stream.seek(offset)
            data = stream.read(size)
    except OSError as exc:
        raise TensorValueError(unread + f", which cannot be read: {exc.strerror or exc}") from None
    if len(data) != size:
        raise TensorValueError(unread + f", which ends before its {size:,} bytes at offset {offset:,}")
    copy = Tensor()
    copy.name, copy.dims, copy.dtype, copy.buf, copy.raw = tensor.name, tensor.dims, tensor.dtype, data, (0, size)
    return copy


def tensor_values(buf: Buffer, tensor: Tensor, limit: int = MAX_REPEATED, folder: str | None = None) -> list[Any]:
    """The elements of a small tensor, row-major, as Python ints, floats or bools (one in an external data
    file is read from ``folder``, the model's)."""
    count = tensor.elements
    name = dtype_name(tensor.dtype)
    if count > limit:
        raise TensorValueError(f"it has {count:,} elements, more than the {limit:,} read as a constant")
    if tensor.external is not None:
        tensor = external_tensor(tensor, folder, limit)
    code = DATA_TYPES.get(tensor.dtype, ("", 0, None, False))[2]
    buf = tensor.buf if tensor.buf else buf
    if tensor.raw is not None:
        a, b = tensor.raw
        data = bytes(buf[a:b])
        if tensor.dtype == 16:  # bfloat16: the top half of a float32
            return [struct.unpack("<f", struct.pack("<I", v << 16))[0] for v in struct.unpack(f"<{count}H", data)]
        if code is None:
            raise TensorValueError(f"costcalc does not decode {name} values")
        return list(struct.unpack(f"<{count}{code}", data))
    values: list[Any] = []
    for number, wire, a, b in tensor.typed:
        if number == 4:  # float_data
            if wire == LENGTH:
                values.extend(struct.unpack(f"<{(b - a) // 4}f", bytes(buf[a:b])))
            elif wire == FIXED32:
                values.extend(struct.unpack("<f", bytes(buf[a:b])))
        elif number == 10:  # double_data
            if wire == LENGTH:
                values.extend(struct.unpack(f"<{(b - a) // 8}d", bytes(buf[a:b])))
            elif wire == FIXED64:
                values.extend(struct.unpack("<d", bytes(buf[a:b])))
        elif number in (5, 7, 11):  # int32_data (also int8/16, bool, float16 bits), int64_data, uint64_data
            raw = packed_varints(buf, a, b) if wire == LENGTH else [a] if wire == VARINT else []
            values.extend(raw if number == 11 else (signed64(v) for v in raw))
        if len(values) > limit:
            raise TensorValueError(f"it stores more than {limit:,} values")
    if tensor.dtype == 10:  # float16 values travel as their bits in int32_data
        values = [struct.unpack("<e", struct.pack("<H", v & 0xFFFF))[0] for v in values]
    elif tensor.dtype == 16:
        values = [struct.unpack("<f", struct.pack("<I", (v & 0xFFFF) << 16))[0] for v in values]
    elif tensor.dtype == 9:
        values = [bool(v) for v in values]
    elif tensor.dtype in (2, 3, 4, 5, 6):  # narrow ints in int32 varints: sign-correct them
        values = [_narrow(v, tensor.dtype) for v in values]
    elif code is None:
        raise TensorValueError(f"costcalc does not decode {name} values")
    if len(values) != count:
        shown = "×".join(str(d) for d in tensor.dims) or "a scalar"
        raise TensorValueError(f"it is {shown} but stores {len(values):,} values")
    return values


def _narrow(value: int, dtype: int) -> int:
    bits = {2: 8, 3: 8, 4: 16, 5: 16, 6: 32}[dtype]
    value &= (1 << bits) - 1
    if dtype in (3, 5, 6) and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value
