"""Memory traffic per layer: the weights read, the inputs read and the output written, in elements and
in bytes at the layer's dtypes; the model's total; arithmetic intensity; BOPs.

For a 1×1 convolution this is ShuffleNet v2's memory access cost, MAC = h·w·(c1 + c2) + c1·c2 (Ma et
al. 2018, section 2, guideline G1): each tensor is moved once. What each kind reads and writes is its
own answer (LayerKind.access); the rules are stated in rules.py and docs/hardware.md.

With an on-chip buffer size, a second, lower figure: a layer's output that fits in the buffer and is
read by one layer only, the next one to run, stays on chip; its write and that read leave the total.
It is a bound, not a prediction (see ``ONCHIP_RULE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..graph import Graph
from ..layers import KINDS, elements
from .dtypes import (
    SCALE_BYTES,
    Precision,
    accumulator_dtype,
    bias_dtype,
    bits,
    is_integer,
    meet,
    packed_bytes,
)

BN_STORED = 4  # a batch norm stores γ, β, running mean and running variance per channel

ONCHIP_RULE = (
    "a layer's output stays on chip when its bytes fit in the device's buffer, it is not a network output, and "
    "it is read by exactly one layer, the next one to run (views such as flatten pass it on): that write and "
    "that read are not memory traffic. A lower bound for running the layers one at a time in this order: it "
    "gives the whole buffer to that one tensor (the weights and the layer's other operands need room too) and "
    "never keeps weights on chip between inferences; schedules that tile or fuse across layers can move less"
)


@dataclass(frozen=True, slots=True)
class LayerTraffic:
    """One layer's memory traffic for the whole batch (weights are read once per batch)."""

    name: str
    kind: str
    kernel: tuple[int, ...] | None  # a windowed kind's kernel size (conv, pools), as the kind gives it
    weights_dtype: str  # its kernels' type
    activations_dtype: str  # the type its output is written in
    input_dtypes: tuple[str, ...]  # the types its inputs were written in
    compute_dtype: str  # where its multiply-accumulates meet (dtypes.meet); its output type if it has none
    accumulator_dtype: str
    bias_dtype: str
    # elements
    kernel_elements: int  # multiplicative weights (conv, fc kernels)
    bias_elements: int  # after folding a batch norm into the bias, when the weights are integer
    other_elements: int  # other stored values (batch-norm parameters and statistics, PReLU slopes)
    scale_groups: int  # scales (with zero points) of integer kernels: per output channel, or one per kernel
    input_elements: int
    output_elements: int
    # bytes
    kernel_bytes: int
    bias_bytes: int
    other_bytes: int
    scale_bytes: int  # float32 scales and zero points in the weight type
    input_bytes: int
    output_bytes: int
    # work (whole batch), from the kind's cost rule
    macs: int
    other_ops: int
    fused: tuple[tuple[str, int], ...]  # each operation fused onto the output: (kind, its share of other ops)
    bops: int  # MACs × weight bits × activation bits
    # the on-chip bound
    output_on_chip: bool
    onchip_bytes: int  # this layer's traffic when outputs that fit stay on chip (== bytes without a buffer)

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def weight_elements(self) -> int:
        return self.kernel_elements + self.bias_elements + self.other_elements

    @property
    def weight_bytes(self) -> int:
        return self.kernel_bytes + self.bias_bytes + self.other_bytes + self.scale_bytes

    @property
    def elements(self) -> int:
        return self.weight_elements + self.input_elements + self.output_elements

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def intensity(self) -> float | None:
        """FLOPs per byte moved; None for a layer that moves nothing."""
        return self.flops / self.bytes if self.bytes else None


@dataclass(frozen=True, slots=True)
class TrafficTotals:
    weight_elements: int
    input_elements: int
    output_elements: int
    weight_bytes: int
    input_bytes: int
    output_bytes: int
    macs: int
    other_ops: int
    bops: int
    onchip_bytes: int | None  # None without a buffer size

    @property
    def elements(self) -> int:
        return self.weight_elements + self.input_elements + self.output_elements

    @property
    def bytes(self) -> int:
        return self.weight_bytes + self.input_bytes + self.output_bytes

    @property
    def flops(self) -> int:
        return 2 * self.macs

    @property
    def intensity(self) -> float | None:
        return self.flops / self.bytes if self.bytes else None


@dataclass(frozen=True)
class Traffic:
    name: str
    batch: int
    precision: Precision
    buffer_bytes: int | None
    layers: tuple[LayerTraffic, ...]
    totals: TrafficTotals


def traffic(
    graph: Graph, precision: Precision | None = None, batch: int = 1, buffer_bytes: int | None = None
) -> Traffic:
    """Every layer's memory traffic at ``precision`` for ``batch`` inputs; with ``buffer_bytes`` (a device's
    on-chip buffer) also the lower on-chip figure."""
    precision = precision or Precision()
    nodes = graph.nodes
    out_dtype: list[str] = []
    rows: list[dict] = []
    for node in nodes:
        kind = KINDS[node.kind]
        shapes = [nodes[i].shape for i in node.inputs]
        cost = kind.cost(node.params, shapes, node.shape)
        access = kind.access(node.params, shapes, node.shape)
        dtypes = precision.of(node.name)
        w, a = dtypes.weights, dtypes.activations
        input_dtypes = tuple(out_dtype[i] for i in node.inputs)
        # a view writes nothing: what its readers read is the tensor it views, in that tensor's type
        own = input_dtypes[0] if kind.view and input_dtypes else a
        out_dtype.append(own)

        # stored values: kernels, bias, the rest; a fused batch norm folds into the bias when integer
        kernel = sum(e for e, _ in access.weights)
        bias = access.bias
        other = cost.params + cost.non_trainable - kernel - bias
        if access.fused_norm and precision.folds(w):
            other -= BN_STORED * access.fused_norm
            bias = bias or access.fused_norm
        if other < 0:
            raise RuntimeError(f"layer '{node.name}': the kind's weights exceed its params (a bug in costcalc)")
        groups = 0
        scale = 0
        if is_integer(w):
            for _, channels in access.weights:
                g = channels if precision.scales == "per_channel" else 1
                groups += g
                scale += SCALE_BYTES * g + packed_bytes(g, w)
        operand = input_dtypes[0] if input_dtypes else a  # what the weights multiply
        b_dtype = bias_dtype(w, operand) if access.weights else w
        stored_dtype = "float32" if is_integer(w) else w  # batch-norm values and slopes stay float

        # activations: inputs in their producers' types; an intermediate (separable conv) in the layer's own
        in_elements = [elements(s) * batch for s in shapes]
        if access.reads == 0:
            in_bytes = 0
        else:
            in_bytes = sum(packed_bytes(e, t) for e, t in zip(in_elements, input_dtypes))
            extra = access.reads * batch - sum(in_elements)
            in_bytes += packed_bytes(extra, a) if extra > 0 else 0
        has_macs = bool(access.weights)
        macs = cost.macs * batch
        rows.append(
            dict(
                name=node.name,
                kind=node.kind,
                kernel=kind.kernel(node.params),
                weights_dtype=w,
                activations_dtype=own,
                input_dtypes=input_dtypes,
                compute_dtype=meet(w, operand) if has_macs else own,
                accumulator_dtype=accumulator_dtype(w, operand) if has_macs else own,
                bias_dtype=b_dtype,
                kernel_elements=kernel,
                bias_elements=bias,
                other_elements=other,
                scale_groups=groups,
                input_elements=access.reads * batch,
                output_elements=access.writes * batch,
                kernel_bytes=sum(packed_bytes(e, w) for e, _ in access.weights),
                bias_bytes=bias * bits(b_dtype) // 8,
                other_bytes=packed_bytes(other, stored_dtype),
                scale_bytes=scale,
                input_bytes=in_bytes,
                output_bytes=packed_bytes(access.writes * batch, own),
                macs=macs,
                other_ops=cost.other_ops * batch,
                fused=tuple((kind, ops * batch) for kind, ops in access.fused),
                bops=macs * bits(w) * bits(operand) if has_macs else 0,
                output_on_chip=False,
                onchip_bytes=0,
            )
        )
    _onchip(graph, rows, buffer_bytes, batch)
    layers = tuple(LayerTraffic(**row) for row in rows)
    totals = TrafficTotals(
        weight_elements=sum(x.weight_elements for x in layers),
        input_elements=sum(x.input_elements for x in layers),
        output_elements=sum(x.output_elements for x in layers),
        weight_bytes=sum(x.weight_bytes for x in layers),
        input_bytes=sum(x.input_bytes for x in layers),
        output_bytes=sum(x.output_bytes for x in layers),
        macs=sum(x.macs for x in layers),
        other_ops=sum(x.other_ops for x in layers),
        bops=sum(x.bops for x in layers),
        onchip_bytes=sum(x.onchip_bytes for x in layers) if buffer_bytes is not None else None,
    )
    return Traffic(graph.name, batch, precision, buffer_bytes, layers, totals)


def _onchip(graph: Graph, rows: list[dict], buffer_bytes: int | None, batch: int) -> None:
    """Fill output_on_chip and onchip_bytes by ONCHIP_RULE (onchip_bytes = bytes without a buffer)."""
    nodes = graph.nodes
    for row in rows:
        row["onchip_bytes"] = (
            row["kernel_bytes"]
            + row["bias_bytes"]
            + row["other_bytes"]
            + row["scale_bytes"]
            + row["input_bytes"]
            + row["output_bytes"]
        )
    if buffer_bytes is None:
        return
    views = [KINDS[n.kind].view for n in nodes]
    owner = list(range(len(nodes)))  # the layer that wrote the tensor each output is (a view: its input's)
    for i, node in enumerate(nodes):
        if views[i] and node.inputs:
            owner[i] = owner[node.inputs[0]]
    readers: list[list[int]] = [[] for _ in nodes]
    for j, node in enumerate(nodes):
        if views[j]:
            continue
        for k in node.inputs:
            readers[owner[k]].append(j)
    runs = [i for i in range(len(nodes)) if not views[i]]  # the layers that move data, in order
    following = dict(zip(runs, runs[1:]))
    for i in runs:
        users = set(readers[i])
        if len(users) != 1 or rows[i]["output_bytes"] > buffer_bytes:
            continue
        (j,) = users
        if following.get(i) != j:
            continue
        rows[i]["output_on_chip"] = True
        rows[i]["onchip_bytes"] -= rows[i]["output_bytes"]
        for k, dtype in zip(nodes[j].inputs, rows[j]["input_dtypes"]):
            if owner[k] == i:
                rows[j]["onchip_bytes"] -= packed_bytes(elements(nodes[k].shape) * batch, dtype)
