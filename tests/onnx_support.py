"""Helpers for the ONNX tests: hand-built models with onnx.helper, and running costcalc on them.

Skipped without the `onnx` package; CI sets COSTCALC_REQUIRE_TOOLS=1, which makes it an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

if os.environ.get("COSTCALC_REQUIRE_TOOLS"):
    import onnx  # CI: no skipping
else:
    onnx = pytest.importorskip("onnx", reason="the onnx package is not installed (pip install onnx)")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from costcalc.analysis import Analysis, analyze  # noqa: E402
from costcalc.graph import build_graph  # noqa: E402
from costcalc.onnx import load_onnx  # noqa: E402

FLOAT, INT64 = TensorProto.FLOAT, TensorProto.INT64


def weight(name: str, *dims: int, value: float = 0.5) -> Any:
    """A float initializer of ``dims`` (data as raw bytes, as exporters write it)."""
    import numpy as np

    return numpy_helper.from_array(np.full(dims, value, dtype=np.float32), name)


def ints(name: str, values: list[int]) -> Any:
    import numpy as np

    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def floats(name: str, values: list[float]) -> Any:
    import numpy as np

    return numpy_helper.from_array(np.array(values, dtype=np.float32), name)


def model(
    nodes: list[Any],
    inputs: list[tuple[str, list[Any]]],
    outputs: list[str],
    initializers: list[Any] = (),  # type: ignore[assignment]
    opset: int = 17,
    domains: dict[str, int] | None = None,
    ir_version: int = 8,
) -> Any:
    graph = helper.make_graph(
        nodes,
        "test",
        [helper.make_tensor_value_info(name, FLOAT, dims) for name, dims in inputs],
        [helper.make_tensor_value_info(name, FLOAT, None) for name in outputs],
        list(initializers),
    )
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in (domains or {}).items()]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="costcalc-tests")
    m.ir_version = ir_version
    return m


def save(m: Any, path: Path) -> Path:
    path.write_bytes(m.SerializeToString())
    return path


def run(m: Any, tmp_path: Path, name: str = "model.onnx", **kw: Any) -> tuple[Any, Analysis]:
    """Write the model, convert it with costcalc, analyse it: (spec, analysis)."""
    spec = load_onnx(save(m, tmp_path / name), **kw)
    return spec, analyze(build_graph(spec))


def layer(analysis: Analysis, name: str) -> Any:
    for item in analysis.layers:
        if item.name == name:
            return item
    raise KeyError(f"no layer {name!r}; layers: {[x.name for x in analysis.layers]}")


def inferred_dims(m: Any) -> dict[str, tuple[int, ...]]:
    """onnx.shape_inference's dims for every tensor it fully knows (the independent cross-check)."""
    from onnx import shape_inference

    inferred = shape_inference.infer_shapes(m, strict_mode=True)
    out = {}
    for info in list(inferred.graph.value_info) + list(inferred.graph.output) + list(inferred.graph.input):
        dims = info.type.tensor_type.shape.dim
        if info.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            out[info.name] = tuple(d.dim_value for d in dims)
    return out


def check_shapes(m: Any, spec: Any, graph: Any = None) -> int:
    """costcalc's dims equal onnx.shape_inference's for every tensor both know; and each tensor's
    costcalc layer (built by costcalc's own graph engine) has that shape, channels last. Returns the count."""
    theirs = inferred_dims(m)
    graph = graph or build_graph(spec)
    shapes = {node.name: node.shape for node in graph.nodes}
    checked = 0
    for name, (dims, layer_name, axes) in spec.onnx.tensors.items():
        if name in theirs:
            assert dims == theirs[name], f"tensor {name}: costcalc {dims}, onnx.shape_inference {theirs[name]}"
            checked += 1
        assert shapes[layer_name] == tuple(dims[a] for a in axes), (name, layer_name)
    return checked
