"""The report's columns, defined once: the terminal table, JSON and every export read these."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..analysis import Analysis, BlockCost, LayerCost

Row = LayerCost | BlockCost
Style = Literal["text", "shape", "names", "count", "share"]


@dataclass(frozen=True)
class Column:
    key: str  # the JSON / CSV field name
    header: str  # the table heading
    style: Style
    doc: str  # what the column means (README quotes it)
    get: Callable[[Row, Analysis], Any]
    in_table: bool = True  # shown in the terminal table
    exported: bool = True  # written to JSON / CSV (derived ratios are not)


LAYER_COLUMNS: tuple[Column, ...] = (
    Column("name", "Layer", "text", "unique dotted name: enclosing blocks, then the layer", lambda r, a: r.name),
    Column(
        "kind", "Kind", "text", "layer kind (for a block: the block it instantiates or repeats)", lambda r, a: r.kind
    ),
    Column(
        "block",
        "Block",
        "text",
        "dotted name of the innermost enclosing block, empty at the top",
        lambda r, a: r.block,
        in_table=False,
    ),
    Column(
        "inputs",
        "Inputs",
        "names",
        "names of the layers feeding this one",
        lambda r, a: list(r.inputs) if isinstance(r, LayerCost) else [],
        in_table=False,
    ),
    Column(
        "output",
        "Output",
        "shape",
        "output shape H×W×C (or N for a flat vector), batch excluded",
        lambda r, a: list(r.output),
    ),
    Column("params", "Params", "count", "trainable parameters", lambda r, a: r.params),
    Column(
        "non_trainable",
        "Non-trainable",
        "count",
        "batch-norm running statistics",
        lambda r, a: r.non_trainable,
        in_table=False,
    ),
    Column("macs", "MACs", "count", "multiply-accumulates (conv and fc), for the whole batch", lambda r, a: r.macs),
    Column(
        "macs_share",
        "% MACs",
        "share",
        "share of the network's MACs",
        lambda r, a: (r.macs, a.totals.macs),
        exported=False,
    ),
    Column("flops", "FLOPs", "count", "2 × MACs", lambda r, a: r.flops, in_table=False),
    Column(
        "other_ops",
        "Other ops",
        "count",
        "elementwise operations outside MACs, for the whole batch",
        lambda r, a: r.other_ops,
        in_table=False,
    ),
    Column("activations", "Activations", "count", "output elements, for the whole batch", lambda r, a: r.activations),
)

TOTAL_FIELDS: tuple[tuple[str, str, str], ...] = (  # key, label, unit style
    ("params", "Params", "count"),
    ("non_trainable", "Non-trainable", "count"),
    ("macs", "MACs", "count"),
    ("flops", "FLOPs", "count"),
    ("other_ops", "Other ops", "count"),
    ("activations", "Activations", "count"),
    ("param_bytes", "Param bytes", "bytes"),
    ("activation_bytes", "Activation bytes", "bytes"),
)

# a breakdown (--by kind / --by block): one row per group of layers
GROUP_COLUMNS: tuple[Column, ...] = (
    Column(
        "group",
        "Group",
        "text",
        "kind of layer (convolutions with their kernel), or top-level block",
        lambda r, a: r.name,
    ),
    Column("kind", "Kind", "text", "the group's kind (for a block, the block it instantiates)", lambda r, a: r.kind),
    Column("layers", "Layers", "count", "layers in the group", lambda r, a: r.layers),
    Column("params", "Params", "count", "trainable parameters", lambda r, a: r.params),
    Column(
        "params_share",
        "% params",
        "share",
        "share of the network's params",
        lambda r, a: (r.params, a.totals.params),
        exported=False,
    ),
    Column(
        "non_trainable",
        "Non-trainable",
        "count",
        "batch-norm running statistics",
        lambda r, a: r.non_trainable,
        in_table=False,
    ),
    Column("macs", "MACs", "count", "multiply-accumulates, for the whole batch", lambda r, a: r.macs),
    Column(
        "macs_share",
        "% MACs",
        "share",
        "share of the network's MACs",
        lambda r, a: (r.macs, a.totals.macs),
        exported=False,
    ),
    Column("flops", "FLOPs", "count", "2 × MACs", lambda r, a: r.flops, in_table=False),
    Column("other_ops", "Other ops", "count", "elementwise operations outside MACs", lambda r, a: r.other_ops),
    Column("activations", "Activations", "count", "output elements, for the whole batch", lambda r, a: r.activations),
)
