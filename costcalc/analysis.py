"""Graph -> costs: per-layer and per-block figures and totals, as plain integers in frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .dtypes import DTYPE_BYTES
from .errors import CostcalcError
from .expressions import Value
from .graph import TOP, Graph
from .layers import KINDS, Shape, elements


@dataclass(frozen=True, slots=True)
class LayerCost:
    """One layer's figures for the whole batch (``output`` excludes the batch axis)."""

    name: str
    kind: str
    group: str  # its row in a breakdown by kind, for display: the kind, and a convolution's kernel ("conv 3×3")
    block: str | None  # dotted name of the innermost enclosing block
    depth: int  # number of enclosing blocks
    inputs: tuple[str, ...]
    output: Shape
    params: int
    non_trainable: int
    macs: int
    other_ops: int
    activations: int
    kernel: tuple[int, ...] | None = None  # a windowed layer's kernel (conv, pools), as data; None for others

    @property
    def flops(self) -> int:
        return 2 * self.macs


@dataclass(frozen=True, slots=True)
class BlockCost:
    """A block (or a repeat group) with the sums of every layer inside it."""

    name: str
    kind: str  # block definition name, or the layer kind that a repeat group repeats
    block: str | None  # enclosing block
    depth: int  # number of blocks enclosing this one
    repeat: int  # repetitions for a repeat group, 0 for one block instance
    layers: int  # how many layers it holds
    output: Shape
    params: int
    non_trainable: int
    macs: int
    other_ops: int
    activations: int

    @property
    def flops(self) -> int:
        return 2 * self.macs


@dataclass(frozen=True, slots=True)
class Totals:
    params: int
    non_trainable: int
    macs: int
    flops: int
    other_ops: int
    activations: int
    param_bytes: int
    activation_bytes: int


@dataclass(frozen=True)
class Analysis:
    name: str
    description: str
    source: str
    file: str
    input: Shape
    batch: int
    dtype: str
    variables: Mapping[str, Value]
    layers: tuple[LayerCost, ...]
    blocks: tuple[BlockCost, ...]
    totals: Totals

    def rows(self, depth: int | None = None) -> list[LayerCost | BlockCost]:
        """Layers in order, with every block nested deeper than ``depth`` folded into one row.

        ``depth`` 1 shows the top-level entries only (each top-level block as one row);
        None shows every layer.
        """
        rows: list[LayerCost | BlockCost] = []
        shown: set[str] = set()
        for row in self.shown_as(depth):
            if isinstance(row, LayerCost):
                rows.append(row)
            elif row.name not in shown:
                shown.add(row.name)
                rows.append(row)
        return rows

    def shown_as(self, depth: int | None = None) -> list[LayerCost | BlockCost]:
        """For every layer, in order, the row that shows it at ``depth``: itself, or the block it folds into."""
        if depth is None:
            return list(self.layers)
        by_name = {b.name: b for b in self.blocks}
        out: list[LayerCost | BlockCost] = []
        for layer in self.layers:
            if layer.depth < depth:
                out.append(layer)
                continue
            block = by_name[layer.block]  # type: ignore[index]
            while block.depth >= depth:  # climb to the ancestor that sits at the fold depth
                block = by_name[block.block]  # type: ignore[index]
            out.append(block)
        return out


class AnalysisError(CostcalcError):
    """Bad analysis settings (batch, dtype)."""


def analyze(graph: Graph, batch: int = 1, dtype: str = "float32", cost_cache: dict | None = None) -> Analysis:
    """Costs of every layer of ``graph`` for ``batch`` inputs, and totals; bytes use ``dtype``.

    ``cost_cache`` (a dict kept by the caller, e.g. a sweep) remembers each layer's cost by its
    parameters object and shapes: graphs of one spec share those objects wherever nothing changed.
    """
    if not isinstance(batch, int) or batch < 1:
        raise AnalysisError(f"batch must be a whole number ≥ 1, got {batch!r}")
    if dtype not in DTYPE_BYTES:
        raise AnalysisError(f"unknown dtype '{dtype}'; expected one of " + ", ".join(DTYPE_BYTES))
    nodes = graph.nodes
    sums = [[0, 0, 0, 0, 0, 0] for _ in graph.blocks]  # params, non_trainable, macs, other, acts, layers
    depth_of = [b.depth for b in graph.blocks]
    parent_of = [b.parent for b in graph.blocks]
    block_names = [b.name for b in graph.blocks]
    names = [node.name for node in nodes]
    shapes = [node.shape for node in nodes]
    layers = []
    append = layers.append
    for node in nodes:
        kind = KINDS[node.kind]
        if cost_cache is None:
            cost = kind.cost(node.params, [shapes[i] for i in node.inputs], node.shape)
            group, kernel = kind.group(node.params), kind.kernel(node.params)
        else:
            in_shapes = tuple([shapes[i] for i in node.inputs])
            key = (id(node.params), in_shapes, node.shape)
            hit = cost_cache.get(key)
            if hit is None or hit[0] is not node.params:  # identity checked: ids of dead objects are reused
                if len(cost_cache) > 100_000:
                    cost_cache.clear()
                hit = cost_cache[key] = (
                    node.params,
                    kind.cost(node.params, list(in_shapes), node.shape),
                    kind.group(node.params),
                    kind.kernel(node.params),
                )
            cost, group, kernel = hit[1], hit[2], hit[3]
        acts = elements(node.shape) * batch
        macs, other = cost.macs * batch, cost.other_ops * batch
        block = node.block
        append(
            LayerCost(
                node.name,
                node.kind,
                group,
                block_names[block] if block != TOP else None,
                depth_of[block] if block != TOP else 0,
                tuple([names[i] for i in node.inputs]),
                node.shape,
                cost.params,
                cost.non_trainable,
                macs,
                other,
                acts,
                kernel,
            )
        )
        while block != TOP:
            s = sums[block]
            s[0] += cost.params
            s[1] += cost.non_trainable
            s[2] += macs
            s[3] += other
            s[4] += acts
            s[5] += 1
            block = parent_of[block]
    blocks = tuple(
        BlockCost(
            b.name,
            b.kind,
            graph.blocks[b.parent].name if b.parent != TOP else None,
            b.depth - 1,
            b.repeat,
            s[5],
            nodes[b.output].shape,
            s[0],
            s[1],
            s[2],
            s[3],
            s[4],
        )
        for b, s in zip(graph.blocks, sums)
    )
    width = DTYPE_BYTES[dtype]
    params = sum(x.params for x in layers)
    non_trainable = sum(x.non_trainable for x in layers)
    macs = sum(x.macs for x in layers)
    activations = sum(x.activations for x in layers)
    totals = Totals(
        params=params,
        non_trainable=non_trainable,
        macs=macs,
        flops=2 * macs,
        other_ops=sum(x.other_ops for x in layers),
        activations=activations,
        param_bytes=(params + non_trainable) * width,
        activation_bytes=activations * width,
    )
    return Analysis(
        graph.name,
        graph.description,
        graph.source,
        graph.file,
        graph.input_shape,
        batch,
        dtype,
        graph.variables,
        tuple(layers),
        blocks,
        totals,
    )
