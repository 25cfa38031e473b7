"""An ONNX graph as a costcalc spec: every node mapped onto costcalc's layer kinds, shapes from the input.

The result is the same kind of :class:`~costcalc.spec.Spec` the YAML parser makes (one entry per
ONNX node that computes on activations, named after the node), so the normal graph builder and
analysis count it, and `costcalc import` only has to write it out. Shape computations on
constants (Shape → Gather → Concat → Reshape) are evaluated here and leave no layer.

Each node's output dims are worked out twice: by ONNX's rule for the operator (here and in
ops.py) and by the costcalc kind it maps onto; they must agree, so a mapping mistake is an error
naming the node, never a silently wrong count.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import ErrorCollector, Location, SpecError
from ..layers import KINDS, fmt_shape
from ..spec import INPUT_NAME, Entry, Spec
from ..yaml_source import Mark
from . import proto
from .proto import Model, Node, Tensor, TensorValueError, tensor_values
from .values import Act, Const, FoldError, Value, Weight, canonical_axes

MIN_OPSET, MAX_OPSET = 7, 25  # of the default domain (ai.onnx) whose operators ops.py implements
MIN_IR, MAX_IR = 3, 12
MAX_NAME = 100  # a costcalc layer name's limit

CUSTOM_DOMAINS = {
    "com.microsoft": "ONNX Runtime's contrib operators",
    "ai.onnx.ml": "ONNX-ML, the classical machine-learning operators",
    "ai.onnx.training": "ONNX training operators",
    "ai.onnx.preview.training": "ONNX training operators (preview)",
    "com.microsoft.nchwc": "ONNX Runtime's NCHWc layout operators",
    "org.pytorch.aten": "PyTorch ATen fallback operators",
}


class InputNeeded(SpecError):
    """The model's input dims are not all fixed: it can be converted once they are given (--input)."""


class NodeFailure(Exception):
    """Raised by an op handler: what is wrong with the node (the converter adds where)."""

    def __init__(self, message: str, expected: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.expected, self.hint = message, expected, hint


@dataclass(frozen=True)
class UnknownNode:
    """A node costcalc cannot count, kept (with --allow-unknown) as a zero-cost layer of kind 'unknown'."""

    index: int
    name: str
    op_type: str
    domain: str
    layer: str  # the costcalc layer standing in for it
    shape_from: str  # where its output shape came from


@dataclass(frozen=True)
class FoldedNorm:
    """A conv (or fc) that an exporter made by folding a batch norm into it."""

    layer: str
    channels: int  # the batch norm's: 2 × this γ, β and 2 × this running mean, variance
    bias: int  # elements of the folded layer's bias (0: the exporter dropped an all-zero bias)
    evidence: str
    own_bias: bool | None  # whether the bias is the layer's own (kept through folding); None: not known


@dataclass(frozen=True)
class OnnxInfo:
    """What the ONNX file says beyond the layers: for the report's facts and warnings."""

    file: str
    ir_version: int
    producer: str
    opset: int
    opsets: dict[str, int]
    input_name: str
    input_dims: tuple[int, ...]  # ONNX order, batch first, as converted
    input_layout: str  # "NCHW", "NHWC", "NC" ...
    batch: int
    notes: tuple[str, ...]  # how the input dims were settled and anything else worth saying
    stored_params: int  # elements of the floating-point initializers, each once
    stored_tensors: int
    folded_norms: tuple[FoldedNorm, ...]
    unknown: tuple[UnknownNode, ...]
    shared_weights: tuple[tuple[str, tuple[str, ...]], ...]  # initializer -> the layers that each count it
    layer_names: dict[str, str] = field(repr=False)  # ONNX node name -> costcalc layer name
    # every activation tensor: its ONNX dims (batch first), the costcalc layer computing it and which
    # ONNX axis each costcalc axis is (for cross-checks against onnx.shape_inference)
    tensors: dict[str, tuple[tuple[int, ...], str, tuple[int, ...]]] = field(repr=False, default_factory=dict)
    module_params: int | None = None  # sum(p.numel()) of the PyTorch module it was exported from, if known
    # (layer, elements): an all-zero bias the dynamo exporter removed (RemoveOptionalBiasFromConv) that the
    # module had as a parameter (its fx_node metadata names it)
    removed_biases: tuple[tuple[str, int], ...] = ()
    outputs: tuple[str, ...] = ()  # the costcalc layers computing the graph's outputs (a model may have several)


@dataclass(frozen=True)
class OnnxSpec(Spec):
    """A spec converted from an ONNX model; errors point at nodes, and it can be redone for another input."""

    onnx: OnnxInfo | None = None
    model: Any = field(default=None, repr=False, compare=False)
    allow_unknown: bool = False
    pending: InputNeeded | None = None  # not converted yet: the input dims are needed first

    def location(self, mark: Mark | None) -> Location:
        if mark and self.model is not None and self.model.graph is not None:
            nodes = self.model.graph.nodes
            if 0 < mark[0] <= len(nodes):
                return Location(self.file, node=describe_node(nodes[mark[0] - 1]))
        return Location(self.file)

    def with_input(self, dims: Sequence[int]) -> OnnxSpec:
        """The same model converted for other input dims: all dims in the file's order (N×C×H×W),
        or costcalc's H×W×C, H×W or one size (N is then the file's, or 1)."""
        return convert(self.model, self.file, tuple(dims), self.allow_unknown)

    def prepared(self, dims: Any) -> OnnxSpec:
        """This spec for the input ``dims`` (None: the file's own; an InputSize from the command line gives
        its dims), as build_graph needs it."""
        if dims is not None:
            return self.with_input(getattr(dims, "dims", dims))
        if self.pending is not None:
            raise self.pending
        return self


def describe_node(node: Node) -> str:
    op = f"{node.domain}.{node.op_type}" if node.domain else node.op_type
    named = f" '{node.name}'" if node.name else ""
    return f"node {node.index}{named} ({op})"


# ---------------------------------------------------------------- the converter


class Converter:
    """Walks the graph in order, keeping what every tensor is (activation, weight, constant)."""

    def __init__(self, model: Model, file: str, input_dims: tuple[int, ...] | None, allow_unknown: bool) -> None:
        from . import ops  # the handlers register themselves

        self.handlers = ops.HANDLERS
        self.model = model
        self.graph = model.graph
        self.buf = model.buf
        self.file = file
        # external data files are looked for beside the model (None: the model did not come from a file)
        self.folder = (os.path.dirname(file) or ".") if os.path.isfile(file) else None
        self.override = input_dims
        self.allow_unknown = allow_unknown
        self.opset = model.opsets.get("", 0)
        self.values: dict[str, Value] = {}
        self.entries: list[Entry] = []
        self.taken: set[str] = {INPUT_NAME}
        self.layer_names: dict[str, str] = {}
        self.notes: list[str] = []
        self.unknown: list[UnknownNode] = []
        self.folded: list[FoldedNorm] = []
        self.removed_biases: list[tuple[str, int]] = []
        self.weight_users: dict[str, list[str]] = {}
        self.stored_layers: dict[str, Act] = {}  # stored tensors read as data, by tensor name
        self.expanded: dict[str, tuple[int, ...]] = {}  # Expand outputs read as their unexpanded input
        self.declared: dict[str, tuple[int | str | None, ...]] = {}
        self.consumers: dict[str, list[Node]] = {}
        self.batch = 1
        self.node: Node | None = None

    # errors ---------------------------------------------------------

    def located(self, message: str, expected: str | None = None, hint: str | None = None) -> SpecError:
        node = self.node
        where = Location(self.file, node=describe_node(node)) if node is not None else Location(self.file)
        return SpecError(message, location=where, expected=expected, hint=hint)

    def needs_input(self, message: str, expected: str) -> InputNeeded:
        return InputNeeded(message, location=Location(self.file), expected=expected)

    # the model ------------------------------------------------------

    def check_model(self) -> None:
        model = self.model
        if model.graph is None or not (model.graph.nodes or model.graph.outputs):
            raise self.located(
                "not an ONNX model: it has no graph",
                expected="an ONNX model file (a serialized ModelProto)",
            )
        if not MIN_IR <= model.ir_version <= MAX_IR:
            raise self.located(
                f"ONNX IR version {model.ir_version}",
                expected=f"IR version {MIN_IR} to {MAX_IR}",
                hint="re-export the model with a current exporter" if model.ir_version < MIN_IR else None,
            )
        if "" not in model.opsets:
            raise self.located("the model imports no opset of the default domain (ai.onnx)", expected="an opset_import")
        if not MIN_OPSET <= self.opset <= MAX_OPSET:
            raise self.located(
                f"opset {self.opset} of the default domain (ai.onnx)",
                expected=f"opset {MIN_OPSET} to {MAX_OPSET}",
                hint="convert it with onnx.version_converter.convert_version(model, 17)",
            )

    def network_input(self) -> proto.ValueInfo:
        graph = self.graph
        stored = {t.name for t in graph.initializers} | {name for name, _ in graph.sparse_initializers}
        real = [i for i in graph.inputs if i.name not in stored]
        if len(real) != 1:
            names = ", ".join(f"'{i.name}'" for i in real) or "none"
            raise self.located(
                f"the graph has {len(real)} inputs ({names})",
                expected="one input tensor: costcalc analyses networks with a single input",
            )
        info = real[0]
        if info.kind != "tensor":
            raise self.located(f"input '{info.name}' is a {info.kind}", expected="a tensor input")
        return info

    def input_layout(self, info: proto.ValueInfo, rank: int) -> tuple[str, tuple[int, ...]]:
        """NCHW unless every reader of a rank-4 input transposes it to NCHW first (TensorFlow's NHWC)."""
        if rank == 4:
            readers = self.consumers.get(info.name, [])
            if readers and all(n.op_type == "Transpose" and _perm(n) == [0, 3, 1, 2] for n in readers):
                return "NHWC", (1, 2, 3)
            return "NCHW", (2, 3, 1)
        return ("NC" if rank == 2 else "N" + "·" * (rank - 1)), canonical_axes(rank)

    def resolve_input(self, info: proto.ValueInfo) -> tuple[tuple[int, ...], str, tuple[int, ...]]:
        declared = info.dims
        override = self.override
        if declared is None and override is None:
            raise self.needs_input(
                f"input '{info.name}' has no shape in the file",
                expected="its dims: give them with --input (N×C×H×W as the file writes them, e.g. 1x3x224x224)",
            )
        rank = len(declared) if declared is not None else len(override)  # type: ignore[arg-type]
        if rank < 2:
            raise self.located(
                f"input '{info.name}' has rank {rank}", expected="a batch axis and at least one more (N×C×H×W, N×F)"
            )
        layout, axes = self.input_layout(info, rank)
        dims: list[int | str | None] = list(declared) if declared is not None else [None] * rank
        if override is not None:
            dims = self.apply_override(info, dims, layout, axes, override)
        missing = [i for i, d in enumerate(dims) if i and (not isinstance(d, int) or d < 1)]
        if missing:
            shown = "×".join(str(d) if d is not None else "?" for d in dims)
            example = "x".join(
                str(d) if isinstance(d, int) and d > 0 else "1" if i == 0 else "224" for i, d in enumerate(dims)
            )
            raise self.needs_input(
                f"input '{info.name}' is {shown}: dims {', '.join(str(i) for i in missing)} are not fixed",
                expected=f"sizes for them: give --input {example} ({layout}, as the file writes them)",
            )
        if not isinstance(dims[0], int) or dims[0] < 1:
            what = f"'{dims[0]}'" if isinstance(dims[0], str) else "not given"
            self.notes.append(f"input '{info.name}': the batch dimension is {what}; counted for batch 1")
            dims[0] = 1
        return tuple(dims), layout, axes  # type: ignore[return-value]

    def apply_override(
        self,
        info: proto.ValueInfo,
        dims: list[int | str | None],
        layout: str,
        axes: tuple[int, ...],
        override: tuple[int, ...],
    ) -> list[int | str | None]:
        """--input: the file's own order (all dims), or costcalc's H×W×C, H×W or one size."""
        rank = len(dims)
        if any(not isinstance(d, int) or d < 1 for d in override):
            raise self.located(f"--input {override}", expected="whole numbers ≥ 1")
        if len(override) == rank:
            return list(override)
        spatial = [a for a in axes if a != axes[-1]] if rank >= 3 else []
        out = list(dims)
        if len(override) == rank - 1 and rank >= 3:  # costcalc's order, channels last, no batch
            for axis, size in zip(axes, override):
                out[axis] = size
        elif len(override) == len(spatial) and spatial:
            for axis, size in zip(spatial, override):
                out[axis] = size
        elif len(override) == 1 and spatial:
            for axis in spatial:
                out[axis] = override[0]
        elif len(override) == 1 and rank == 2:
            out[1] = override[0]
        else:
            raise self.located(
                f"--input {'x'.join(map(str, override))} does not fit input '{info.name}' of rank {rank} ({layout})",
                expected=f"{rank} dims in the file's order ({layout}), or costcalc's H×W×C, H×W or one size",
            )
        self.notes.append(f"input '{info.name}': dims set by --input")
        return out

    # the walk -------------------------------------------------------

    def order(self) -> list[Node]:
        """The nodes in an order where every input is produced first (ONNX requires it; some files break it)."""
        nodes = self.graph.nodes
        known = set(self.values)
        produced_by: dict[str, Node] = {}
        for node in nodes:
            for out in node.outputs:
                if not out:
                    continue
                if out in produced_by or out in known:
                    self.node = node
                    raise self.located(
                        f"tensor '{out}' is produced twice", expected="each tensor produced by one node (SSA form)"
                    )
                produced_by[out] = node
        for node in nodes:
            for name in node.inputs:
                if name and name not in known and name not in produced_by:
                    self.node = node
                    raise self.located(
                        f"reads tensor '{name}', which no node, input or initializer provides",
                        expected="a graph whose every tensor is defined (a missing tensor: a truncated or broken file)",
                    )
        ready = set(known)
        in_order = True
        for node in nodes:
            if any(n and n not in ready for n in node.inputs):
                in_order = False
                break
            ready.update(o for o in node.outputs if o)
        if in_order:
            return list(nodes)
        # Kahn's algorithm, stable: among ready nodes, the earliest listed first
        import heapq

        waiting = {}
        users: dict[str, list[int]] = {}
        for node in nodes:
            needs = {n for n in node.inputs if n and n not in known}
            waiting[node.index] = len(needs)
            for n in needs:
                users.setdefault(n, []).append(node.index)
        heap = [i for i, w in waiting.items() if w == 0]
        heapq.heapify(heap)
        out = []
        while heap:
            node = nodes[heapq.heappop(heap)]
            out.append(node)
            for o in node.outputs:
                for user in users.get(o, ()):
                    waiting[user] -= 1
                    if waiting[user] == 0:
                        heapq.heappush(heap, user)
        if len(out) < len(nodes):
            stuck = [n for n in nodes if waiting[n.index] > 0]
            cycle = _cycle(stuck, produced_by, known)
            self.node = cycle[0]
            shown = " → ".join(describe_node(n) for n in cycle + cycle[:1])
            raise self.located(f"the graph has a cycle: {shown}", expected="an acyclic graph (a DAG)")
        return out

    def run(self) -> OnnxSpec:
        self.check_model()
        graph = self.graph
        for node in graph.nodes:
            for name in node.inputs:
                if name:
                    self.consumers.setdefault(name, []).append(node)
        for info in graph.value_info + graph.outputs:
            if info.dims is not None:
                self.declared[info.name] = info.dims
        for tensor in graph.initializers:
            self.values[tensor.name] = self.stored(tensor)
        for name, dims in graph.sparse_initializers:
            self.values[name] = Weight(dims, True, frozenset({name}), name)
        info = self.network_input()
        dims, layout, axes = self.resolve_input(info)
        self.batch = dims[0]
        self.values[info.name] = Act(dims, INPUT_NAME, axes)
        input_act = self.values[info.name]
        errors = ErrorCollector()
        for node in self.order():
            self.node = node
            try:
                self.convert_node(node)
            except NodeFailure as exc:
                errors.add(self.located(exc.message, exc.expected, exc.hint))
                break  # later nodes read this one's outputs
            except SpecError as exc:
                errors.add(exc.at(self.located("").location))
                break
        self.node = None
        errors.raise_if_any()
        for out in graph.outputs:
            if out.name not in self.values:
                raise self.located(
                    f"graph output '{out.name}' is not computed by any node", expected="a complete graph"
                )
        if not self.entries:
            raise self.located("the graph computes nothing on its input", expected="at least one layer")
        return self.spec(info, input_act, layout)

    def stored(self, tensor: Tensor) -> Value:
        name = tensor.name
        if not tensor.floating and tensor.elements <= 1024 and tensor.external is None:
            try:
                values = tensor_values(self.buf, tensor)
            except TensorValueError:
                pass
            else:
                return Const(tensor.dims, values, False, frozenset({name}))
        return Weight(tensor.dims, tensor.floating, frozenset({name}), name, tensor)

    def convert_node(self, node: Node) -> None:
        if node.domain:
            self.custom_domain(node)
            return
        handler = self.handlers.get(node.op_type)
        if handler is None:
            self.unknown_op(node, f"costcalc has no rule for the ONNX operator '{node.op_type}'")
            return
        handler(self, node)
        for i, out in enumerate(node.outputs):
            if out and out not in self.values and self.is_read(out):
                raise NodeFailure(
                    f"output {i} ('{out}') of {node.op_type} is read by later nodes, which costcalc does not support",
                    expected=f"only the outputs of {node.op_type} that costcalc computes",
                )

    def is_read(self, name: str) -> bool:
        return bool(self.consumers.get(name)) or any(o.name == name for o in self.graph.outputs)

    def custom_domain(self, node: Node) -> None:
        functions = set(self.model.functions)
        if (node.domain, node.op_type) in functions:
            what = f"a model-local function '{node.op_type}' of domain '{node.domain}'"
        else:
            about = CUSTOM_DOMAINS.get(node.domain, "a custom operator set")
            what = f"an operator of the custom domain '{node.domain}' ({about})"
        self.unknown_op(node, f"{node.op_type} is {what}, which costcalc cannot count")

    def unknown_op(self, node: Node, message: str) -> None:
        from .ops import supported_ops

        if not self.allow_unknown:
            raise NodeFailure(
                message,
                expected="an operator of the default ONNX domain that costcalc counts: " + ", ".join(supported_ops()),
                hint="--allow-unknown counts the rest of the model and lists every node it could not count",
            )
        acts = [self.values.get(n) for n in node.inputs if n]
        acts = [a for a in acts if isinstance(a, Act)]
        if not acts:
            raise NodeFailure(
                message + "; with --allow-unknown too: it reads no activation", expected="a known operator"
            )
        for i, out in enumerate(node.outputs):
            if not out:
                continue
            declared = self.declared.get(out)
            if declared is not None and all(isinstance(d, int) and d > 0 for d in declared) and len(declared) >= 2:
                dims, shape_from = tuple(declared), "the file's value_info"  # type: ignore[arg-type]
                if dims[0] != self.batch and acts[0].batched:
                    dims = (self.batch, *dims[1:])
            else:
                dims, shape_from = acts[0].dims, f"assumed equal to its input '{node.inputs[0]}'"
            axes = acts[0].axes if dims == acts[0].dims else canonical_axes(len(dims), acts[0].batched)
            shape = [dims[a] for a in axes]
            act = self.emit(
                node,
                "unknown",
                {"op": (node.domain + "." if node.domain else "") + node.op_type, "shape": shape},
                [a for a in acts],
                dims,
                axes,
                output=i,
            )
            self.unknown.append(UnknownNode(node.index, node.name, node.op_type, node.domain, act.layer, shape_from))

    # reading a node's inputs ----------------------------------------

    def input(self, node: Node, i: int) -> Value | None:
        if i >= len(node.inputs) or not node.inputs[i]:
            return None
        return self.values[node.inputs[i]]

    def act(self, node: Node, i: int = 0) -> Act:
        value = self.input(node, i)
        if not isinstance(value, Act):
            what = "missing" if value is None else "a stored tensor" if isinstance(value, Weight) else "a constant"
            raise NodeFailure(
                f"input {i} of {node.op_type} is {what}", expected="an activation (a tensor computed from the input)"
            )
        return value

    def weight(self, node: Node, i: int, what: str = "weight") -> Weight | Const:
        value = self.input(node, i)
        if isinstance(value, (Weight, Const)):
            return value
        if value is None:
            raise NodeFailure(f"{node.op_type} has no {what} (input {i})", expected=f"a stored {what}")
        raise NodeFailure(
            f"the {what} of {node.op_type} (input {i}) is computed from the input",
            expected=f"a stored {what} (an initializer)",
        )

    def const(self, node: Node, i: int, what: str = "value") -> Const:
        value = self.input(node, i)
        if isinstance(value, Const):
            return value
        if isinstance(value, Weight):
            return self.decode(value, node, what)
        if value is None:
            raise NodeFailure(f"{node.op_type} has no {what} (input {i})", expected=f"a constant {what}")
        raise NodeFailure(
            f"the {what} of {node.op_type} (input {i}) depends on the input's values",
            expected=f"a constant {what} (known without running the network)",
        )

    def optional_const(self, node: Node, i: int, what: str = "value") -> Const | None:
        return None if self.input(node, i) is None else self.const(node, i, what)

    def decode(self, weight: Weight, node: Node, what: str) -> Const:
        tensor = weight.tensor
        if tensor is None:
            raise NodeFailure(f"the {what} of {node.op_type} is computed from stored tensors", expected="a constant")
        try:
            values = tensor_values(self.buf, tensor, folder=self.folder)
        except TensorValueError as exc:
            raise NodeFailure(f"the {what} '{tensor.name}' of {node.op_type} cannot be read: {exc}") from None
        return Const(weight.dims, values, weight.floating, weight.sources)

    def attr(self, node: Node, name: str, default: Any = None) -> Any:
        attribute = node.attributes.get(name)
        return default if attribute is None else attribute.value

    def ints(self, node: Node, name: str, default: Any = None) -> Any:
        value = self.attr(node, name, None)
        if value is None:
            return default
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise NodeFailure(f"attribute '{name}' is not a list of integers", expected="ints")
        return value

    def int_(self, node: Node, name: str, default: int) -> int:
        value = self.attr(node, name, default)
        if not isinstance(value, int):
            raise NodeFailure(f"attribute '{name}' is not an integer", expected="an int")
        return value

    def float_(self, node: Node, name: str, default: float) -> float:
        value = self.attr(node, name, default)
        if not isinstance(value, (int, float)):
            raise NodeFailure(f"attribute '{name}' is not a number", expected="a float")
        return float(value)

    def string(self, node: Node, name: str, default: str) -> str:
        value = self.attr(node, name, default)
        if not isinstance(value, str):
            raise NodeFailure(f"attribute '{name}' is not text", expected="a string")
        return value

    # writing a node's outputs ---------------------------------------

    def set(self, node: Node, value: Value, output: int = 0) -> None:
        kept = getattr(node, "kept", None)
        if kept is not None:  # a helper layer's output, handed back to the handler that made it
            kept.value = value
            return
        if output < len(node.outputs) and node.outputs[output]:
            self.values[node.outputs[output]] = value

    def layer_name(self, node: Node, output: int) -> str:
        base = node.name or f"{node.op_type}_{node.index}"
        if output and len([o for o in node.outputs if o]) > 1:
            base = f"{base}:{output}"
        name = valid_name(base)
        candidate, n = name, 2
        while candidate in self.taken:
            suffix = f"_{n}"
            candidate = name[: MAX_NAME - len(suffix)] + suffix
            n += 1
        self.taken.add(candidate)
        if output == 0 and node.name:
            self.layer_names[node.name] = candidate
        return candidate

    def emit(
        self,
        node: Node,
        kind: str,
        params: dict[str, Any],
        inputs: Sequence[Act],
        dims: Sequence[int],
        axes: Sequence[int] | None = None,
        output: int = 0,
        batched: bool | None = None,
    ) -> Act:
        """Add a costcalc layer for ``node``'s output; its shape by costcalc's rule must equal ONNX's ``dims``.

        The output keeps the batch as its first axis when every input does (``batched`` None), or as
        ``batched`` says: without one (an exporter moved or folded it) only for a batch of 1."""
        dims = tuple(dims)
        if batched is None:
            batched = all(a.batched for a in inputs)
        axes = canonical_axes(len(dims), batched) if axes is None else tuple(axes)
        if batched and (len(dims) < 2 or dims[0] != self.batch):
            raise NodeFailure(
                f"the output {list(dims)} does not keep the batch ({self.batch}) as its first axis",
                expected="an operator that works on each sample apart (costcalc counts per sample × batch)",
            )
        if not batched and self.batch != 1:
            raise NodeFailure(
                f"the output {list(dims)} mixes the batch ({self.batch}) with the other axes",
                expected="a model exported for a batch of 1, or operators that keep the batch as the first axis",
                hint="export the model with a batch of 1 (costcalc multiplies by --batch)",
            )
        expected = tuple(dims[a] for a in axes)
        layer_kind = KINDS[kind]
        typed = dict(layer_kind.default_values)
        for key, value in params.items():
            typed[key] = layer_kind.params[key].convert(value, _no_expressions)
        shapes = [a.shape for a in inputs]
        resolve = getattr(layer_kind, "resolve", None)
        if resolve is not None:
            typed = resolve(typed, shapes)
        try:
            shape = layer_kind.output_shape(typed, shapes)
        except SpecError as exc:
            raise NodeFailure(f"as costcalc's {kind}: {exc.message}", exc.expected, exc.hint) from None
        if tuple(shape) != expected:
            raise NodeFailure(
                f"costcalc's {kind} rule gives {fmt_shape(shape)} where ONNX's {node.op_type} gives "
                f"{fmt_shape(expected)} (ONNX dims {list(dims)})",
                expected="a node whose output costcalc's rule reproduces",
                hint="please report this model: a mapping costcalc gets wrong",
            )
        name = self.layer_name(node, output)
        entry = Entry(kind, name, tuple(a.layer for a in inputs), params, None, None, None, (node.index + 1, 0), {})
        self.entries.append(entry)
        act = Act(dims, name, axes, batched)
        self.set(node, act, output)
        return act

    def used_weight(self, weight: Weight | Const, layer: str) -> None:
        for source in weight.sources:
            self.weight_users.setdefault(source, []).append(layer)

    # the spec -------------------------------------------------------

    def spec(self, info: proto.ValueInfo, input_act: Act, layout: str) -> OnnxSpec:
        model, graph = self.model, self.graph
        stored_params = stored_tensors = 0
        for tensor in graph.initializers:
            if tensor.floating:
                stored_params += tensor.elements
                stored_tensors += 1
        shared = tuple(
            (name, tuple(users))
            for name, users in self.weight_users.items()
            if len(set(users)) > 1 and _is_float(self.values.get(name))
        )
        producer = " ".join(p for p in (model.producer_name, model.producer_version) if p) or "an unnamed producer"
        stem = self.file.rsplit("/", 1)[-1]
        name = stem[: -len(".onnx")] if stem.lower().endswith(".onnx") else stem
        description = (
            f"imported from ONNX ({producer}, opset {self.opset}, IR {model.ir_version}); "
            f"input '{info.name}' {'×'.join(map(str, input_act.dims))} {layout}"
        )
        onnx_info = OnnxInfo(
            file=self.file,
            ir_version=model.ir_version,
            producer=producer,
            opset=self.opset,
            opsets=dict(model.opsets),
            input_name=info.name,
            input_dims=input_act.dims,
            input_layout=layout,
            batch=self.batch,
            notes=tuple(self.notes),
            stored_params=stored_params,
            stored_tensors=stored_tensors,
            folded_norms=tuple(self.folded),
            unknown=tuple(self.unknown),
            shared_weights=shared,
            layer_names=self.layer_names,
            tensors={n: (v.dims, v.layer, v.axes) for n, v in self.values.items() if isinstance(v, Act)},
            removed_biases=tuple(self.removed_biases),
            outputs=tuple(
                dict.fromkeys(v.layer for o in graph.outputs if isinstance(v := self.values.get(o.name), Act))
            ),
        )
        return OnnxSpec(
            name=valid_name(name or "model"),
            description=description,
            source=self.file,
            input=list(input_act.shape),
            vars={},
            blocks={},
            layers=tuple(self.entries),
            file=self.file,
            marks={},
            onnx=onnx_info,
            model=model,
            allow_unknown=self.allow_unknown,
        )


def _is_float(value: Value | None) -> bool:
    return isinstance(value, Weight) and value.floating


def _no_expressions(text: str) -> Any:
    raise SpecError(f"'{text}' is not a value")  # converted params are plain values, never expressions


def _perm(node: Node) -> list[int] | None:
    attribute = node.attributes.get("perm")
    return attribute.value if attribute is not None else None


def _cycle(stuck: list[Node], produced_by: dict[str, Node], known: set[str]) -> list[Node]:
    """One cycle among the nodes that could not be ordered, starting at the earliest listed."""
    inside = {n.index for n in stuck}
    node = stuck[0]
    seen: dict[int, int] = {}
    path: list[Node] = []
    while node.index not in seen:
        seen[node.index] = len(path)
        path.append(node)
        node = next(produced_by[n] for n in node.inputs if n and n not in known and produced_by[n].index in inside)
    cycle = path[seen[node.index] :][::-1]
    first = min(range(len(cycle)), key=lambda i: cycle[i].index)
    return cycle[first:] + cycle[:first]


_INVALID = re.compile(r"[\s.\x00-\x1f\x7f]+")


def valid_name(name: str) -> str:
    """An ONNX name as a costcalc layer name: dots and spaces become _, at most 100 characters."""
    name = _INVALID.sub("_", name) or "_"
    if len(name) > MAX_NAME:
        name = name[:40] + "…" + name[-(MAX_NAME - 41) :]
    return "input_" if name == INPUT_NAME else name


def convert(
    model: Model, file: str, input_dims: tuple[int, ...] | None = None, allow_unknown: bool = False
) -> OnnxSpec:
    return Converter(model, file, input_dims, allow_unknown).run()


def convert_or_wait(model: Model, file: str, allow_unknown: bool = False) -> OnnxSpec:
    """The converted spec, or one waiting for its input dims when the file leaves them open."""
    try:
        return convert(model, file, None, allow_unknown)
    except InputNeeded as exc:
        stem = file.rsplit("/", 1)[-1]
        return OnnxSpec(
            name=valid_name(stem[:-5] if stem.lower().endswith(".onnx") else stem),
            description="",
            source=file,
            input=None,
            vars={},
            blocks={},
            layers=(),
            file=file,
            model=model,
            allow_unknown=allow_unknown,
            pending=exc,
        )


__all__ = ["Converter", "FoldError", "NodeFailure", "OnnxInfo", "OnnxSpec", "convert", "describe_node"]
