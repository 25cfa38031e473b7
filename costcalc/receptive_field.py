"""Receptive fields: how much of the network input one output position of each layer can see.

Each layer kind says how one output position reads its input (its ``window``: span, stride, the
offset where the first window starts); ``None`` means position by position (elementwise layers,
merges, channel operations). Per axis we follow the input interval that the first output
position depends on, [lo, hi] in input pixels, and the jump (effective stride) between
neighbouring positions:

    lo ← lo + offset · jump        hi ← hi + (offset + span − 1) · jump        jump ← jump · stride

so a dilated kernel widens the field by d·(f − 1) jumps, and padding shifts it (negative lo: the
field reaches into the padding) without changing its size. Where paths meet (add, concat) the
field is the union of theirs: the largest over all paths. Fully connected layers and global pools
read every position: their field spans the whole input of the layer. Sizes are not clipped to the
image (the theoretical field, as receptive-field papers report it). For upsampling and transposed
convolutions the field is the linear estimate (outputs 1/s of an input apart).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from .graph import Graph
from .layers import KINDS
from .layers.base import Window

Pair = tuple[int | Fraction, int | Fraction]


@dataclass(frozen=True, slots=True)
class ReceptiveField:
    """The field of one output position of a layer on the network input, per axis (height, width)."""

    lo: Pair  # first input pixel (0 = the image's first; negative: in the padding)
    hi: Pair  # last input pixel
    jump: Pair  # input pixels between neighbouring output positions (the effective stride)
    grid: tuple[int, int]  # the positions this tensor spans (for a flat vector: those it was flattened from)
    whole: bool = False  # the layer reads every position of its input (fc, global pools, and what follows)

    @property
    def empty(self) -> bool:
        """No input pixel at all: a stored tensor's, and what is computed from stored tensors alone."""
        return self.hi[0] < self.lo[0]

    @property
    def size(self) -> Pair:
        return (_whole(self.hi[0] - self.lo[0] + 1), _whole(self.hi[1] - self.lo[1] + 1))


def _whole(x: int | Fraction) -> int | Fraction:
    return int(x) if isinstance(x, int) or x.denominator == 1 else x


def receptive_fields(graph: Graph) -> list[ReceptiveField] | None:
    """The field of every node of ``graph``, in node order; None for a network whose input is flat (no image)."""
    nodes = graph.nodes
    if len(graph.input_shape) != 3:
        return None
    h, w, _ = graph.input_shape
    fields: list[ReceptiveField] = []
    for node in nodes:
        if not node.inputs:  # the network input: each position sees itself; a stored tensor sees nothing (0×0)
            fields.append(ReceptiveField((0, 0), (0, 0), (1, 1), (h, w)) if node.kind == "input" else NOTHING)
            continue
        kind = KINDS[node.kind]
        merged = union([fields[node.inputs[i]] for i in kind.data_inputs(node.params, len(node.inputs))])
        if merged.empty:  # computed from stored tensors alone: still no input pixel
            fields.append(merged)
            continue
        shapes = [nodes[i].shape for i in node.inputs]
        window = kind.window(node.params, shapes, node.shape)
        spatial = (node.shape[0], node.shape[1]) if len(node.shape) == 3 else None
        field = merged if window is None else through(merged, window, keeps_grid=spatial == merged.grid)
        grid = field.grid if spatial is None else spatial
        fields.append(
            field if grid == field.grid else ReceptiveField(field.lo, field.hi, field.jump, grid, field.whole)
        )
    return fields


NOTHING = ReceptiveField((0, 0), (-1, -1), (0, 0), (0, 0))  # no input pixel: size 0×0, jump 0


def union(fields: list[ReceptiveField]) -> ReceptiveField:
    """Where paths meet: the union of their fields, and the largest jump (a path from no input adds nothing)."""
    fields = [f for f in fields if not f.empty] or [NOTHING]
    if len(fields) == 1:
        return fields[0]
    first = fields[0]
    return ReceptiveField(
        (min(f.lo[0] for f in fields), min(f.lo[1] for f in fields)),
        (max(f.hi[0] for f in fields), max(f.hi[1] for f in fields)),
        (max(f.jump[0] for f in fields), max(f.jump[1] for f in fields)),
        first.grid,
        any(f.whole for f in fields),
    )


def through(field: ReceptiveField, window: Window, keeps_grid: bool = False) -> ReceptiveField:
    """The field after a layer that reads its input through ``window``.

    A layer that reads its whole input and keeps its grid (group and instance norm: each output depends on
    statistics over every position) sees the whole input from every position: the jump stays, and once a
    field is whole, reading every position again adds nothing."""
    jump, lo, hi = field.jump, field.lo, field.hi
    if window.whole and keeps_grid:
        if field.whole:
            return field
        grid = field.grid
        last = (hi[0] + (grid[0] - 1) * jump[0], hi[1] + (grid[1] - 1) * jump[1])
        return ReceptiveField(lo, last, jump, grid, True)
    if window.whole:
        grid = field.grid
        return ReceptiveField(
            lo,
            (hi[0] + (grid[0] - 1) * jump[0], hi[1] + (grid[1] - 1) * jump[1]),
            (jump[0] * grid[0], jump[1] * grid[1]),
            (1, 1),
            True,
        )
    span, stride, offset = window.span, window.stride, window.offset
    return ReceptiveField(
        (lo[0] + offset[0] * jump[0], lo[1] + offset[1] * jump[1]),
        (hi[0] + (offset[0] + span[0] - 1) * jump[0], hi[1] + (offset[1] + span[1] - 1) * jump[1]),
        (_whole(jump[0] * stride[0]), _whole(jump[1] * stride[1])),
        field.grid,
        field.whole,
    )


def block_fields(graph: Graph, fields: list[ReceptiveField]) -> list[ReceptiveField]:
    """The field of each block (its output layer's), in the order of graph.blocks."""
    return [fields[block.output] for block in graph.blocks]
