"""The report's columns, defined once: the terminal table, JSON and every export read these."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from operator import attrgetter
from typing import Any, Literal

from ..analysis import Analysis, BlockCost, LayerCost

Row = LayerCost | BlockCost
Style = Literal["text", "shape", "names", "count", "share"]


@dataclass(frozen=True)
class Column:
    key: str  # the JSON / CSV field name; without `derive`, also the attribute of the row it reads
    header: str  # the table heading
    style: Style
    doc: str  # what the column means (README quotes it)
    derive: Callable[[Any, Analysis], Any] | None = None  # for a value that is not an attribute of the row
    in_table: bool = True  # shown in the terminal table
    exported: bool = True  # written to JSON / CSV (derived ratios are not)

    def get(self, row: Any, analysis: Analysis) -> Any:
        return self.derive(row, analysis) if self.derive else getattr(row, self.key)


def row_reader(columns: Sequence[Column]) -> Callable[[Any], dict[str, Any]]:
    """A fast reader of plain attribute columns: one attrgetter call per row (100,000-layer specs)."""
    assert all(c.derive is None for c in columns)
    keys = [c.key for c in columns]
    getter = attrgetter(*keys)
    return lambda row: dict(zip(keys, getter(row)))


# the counts every row has, shared by the layer table and the breakdowns
PARAMS = Column("params", "Params", "count", "trainable parameters")
NON_TRAINABLE = Column("non_trainable", "Non-trainable", "count", "batch-norm running statistics", in_table=False)
MACS = Column("macs", "MACs", "count", "multiply-accumulates (conv and fc), for the whole batch")
MACS_SHARE = Column(
    "macs_share", "% MACs", "share", "share of the network's MACs", lambda r, a: (r.macs, a.totals.macs), exported=False
)
FLOPS = Column("flops", "FLOPs", "count", "2 × MACs", in_table=False)
OTHER_OPS = Column("other_ops", "Other ops", "count", "elementwise operations outside MACs, for the whole batch")
ACTIVATIONS = Column("activations", "Activations", "count", "output elements, for the whole batch")

LAYER_COLUMNS: tuple[Column, ...] = (
    Column("name", "Layer", "text", "unique dotted name: enclosing blocks, then the layer"),
    Column("kind", "Kind", "text", "layer kind (for a block: the block it instantiates or repeats)"),
    Column("block", "Block", "text", "dotted name of the innermost enclosing block, empty at the top", in_table=False),
    Column("inputs", "Inputs", "names", "names of the layers feeding this one", in_table=False),
    Column("output", "Output", "shape", "output shape H×W×C (or N for a flat vector), batch excluded"),
    PARAMS,
    NON_TRAINABLE,
    MACS,
    MACS_SHARE,
    FLOPS,
    replace(OTHER_OPS, in_table=False),  # the layer table keeps to the columns people look for first
    ACTIVATIONS,
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
    Column("kind", "Kind", "text", "the group's kind (for a block, the block it instantiates)"),
    Column("layers", "Layers", "count", "layers in the group"),
    PARAMS,
    Column(
        "params_share",
        "% params",
        "share",
        "share of the network's params",
        lambda r, a: (r.params, a.totals.params),
        exported=False,
    ),
    NON_TRAINABLE,
    MACS,
    MACS_SHARE,
    FLOPS,
    OTHER_OPS,
    ACTIVATIONS,
)
