"""The columns of every table, each defined once: the terminal, JSON, CSV, Markdown, LaTeX and HTML
renderers all read these definitions (the value of a row, its unit, its priority on a narrow screen).

A column's unit says how its values are written (costcalc.render.text formats each unit one way,
exact or short); its priority says which columns give way first when a terminal is too narrow
(0: never hidden; larger numbers are hidden first).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, Literal

Unit = Literal[
    "text", "shape", "names", "count", "bytes", "share", "bar", "rf", "jump", "number", "seconds", "ratio", "fact"
]
# "fact": a (value, unit) pair, for a column whose rows are totals of different units (a comparison's)
NUMERIC_UNITS = frozenset({"count", "bytes", "share", "bar", "number", "seconds", "ratio", "fact"})
TOTAL_UNITS = frozenset({"count", "bytes", "share", "seconds", "ratio"})  # what a totals row shows


@dataclass(frozen=True)
class Column:
    key: str  # the JSON and CSV field name
    header: str  # the heading in tables
    unit: Unit
    doc: str  # what it means (README and --help quote it)
    priority: int = 0  # terminal: larger numbers are hidden first to fit the width; 0 never
    get: Callable[[Any], Any] | None = None  # row -> value; None: the row's attribute named `key`
    exported: bool = True  # JSON and CSV carry it (derived shares are not: they follow from the counts)
    default: bool = True  # shown in the human tables unless --columns chooses

    def value(self, row: Any) -> Any:
        return self.get(row) if self.get is not None else getattr(row, self.key)

    @property
    def numeric(self) -> bool:
        return self.unit in NUMERIC_UNITS


def share_of(attribute: str, whole: int) -> Callable[[Any], tuple[int, int]]:
    read = attrgetter(attribute)
    return lambda row: (read(row), whole)


# the counts every row has (layers, blocks and the groups of a breakdown)
PARAMS = Column("params", "Params", "count", "trainable parameters", 0)
NON_TRAINABLE = Column("non_trainable", "Non-trainable", "count", "batch-norm running statistics", 7, default=False)
MACS = Column("macs", "MACs", "count", "multiply-accumulates (conv and fc), for the whole batch", 0)
FLOPS = Column("flops", "FLOPs", "count", "2 × MACs", 7, default=False)
OTHER_OPS = Column("other_ops", "Other ops", "count", "elementwise operations outside MACs, for the whole batch", 6)
ACTIVATIONS = Column("activations", "Activations", "count", "output elements, for the whole batch", 5)

NAME = Column("name", "Layer", "text", "unique dotted name: enclosing blocks, then the layer", 0)


def block_kind(block: Any) -> str:
    """A block's label in every table: the block it instantiates, or the kind it repeats, ×N."""
    return f"{block.kind} ×{block.repeat}" if block.repeat else block.kind


def kind_label(row: Any) -> str:
    return block_kind(row) if getattr(row, "repeat", 0) else row.kind


KIND = Column(
    "kind", "Kind", "text", "layer kind (for a block: the block it instantiates, ×N for a repeat)", 1, kind_label
)
BLOCK = Column(
    "block", "Block", "text", "dotted name of the innermost enclosing block, empty at the top", 8, default=False
)
INPUTS = Column(
    "inputs",
    "Inputs",
    "names",
    "names of the layers feeding this one (empty for a block row)",
    8,
    lambda row: getattr(row, "inputs", ()),
    default=False,
)
OUTPUT = Column("output", "Output", "shape", "output shape H×W×C (or N for a flat vector), batch excluded", 2)


def layer_columns(total_macs: int, total_params: int) -> tuple[Column, ...]:
    """The layer table's own columns, in order (a report may add receptive fields, charts...)."""
    return (
        NAME,
        KIND,
        BLOCK,
        INPUTS,
        OUTPUT,
        PARAMS,
        NON_TRAINABLE,
        MACS,
        Column("macs_share", "% MACs", "share", "share of the network's MACs", 3, share_of("macs", total_macs), False),
        FLOPS,
        replace_default(OTHER_OPS, False),
        ACTIVATIONS,
    )


def chart_columns(total_macs: int, total_params: int) -> tuple[Column, ...]:
    """--chart: each row's share of the MACs and of the params as a bar."""
    return (
        Column(
            "macs_chart", "MACs share", "bar", "share of the MACs, as a bar", 1, share_of("macs", total_macs), False
        ),
        Column(
            "params_chart",
            "Params share",
            "bar",
            "share of the params, as a bar",
            1,
            share_of("params", total_params),
            False,
        ),
    )


def group_columns(total_macs: int, total_params: int) -> tuple[Column, ...]:
    """A breakdown (--by kind / --by block): one row per group of layers."""
    return (
        Column(
            "group",
            "Group",
            "text",
            "kind of layer (convolutions with their kernel), or top-level block",
            0,
            attrgetter("name"),
        ),
        Column("kind", "Kind", "text", "the group's kind (for a block, the block it instantiates)", 2),
        Column("layers", "Layers", "count", "layers in the group", 3),
        PARAMS,
        Column("params_share", "% params", "share", "share of the params", 1, share_of("params", total_params), False),
        NON_TRAINABLE,
        MACS,
        Column("macs_share", "% MACs", "share", "share of the MACs", 1, share_of("macs", total_macs), False),
        FLOPS,
        OTHER_OPS,
        ACTIVATIONS,
    )


def rf_columns(fields: Any) -> tuple[Column, ...]:
    """--rf: each row's receptive field and jump, read by row name from ``fields``."""
    return (
        Column(
            "rf",
            "RF",
            "rf",
            "receptive field on the input, height×width pixels (whole input: fc and global pools)",
            1,
            lambda row: fields[row.name],
        ),
        Column(
            "rf_jump",
            "Jump",
            "jump",
            "input pixels between neighbouring outputs (effective stride)",
            2,
            lambda row: fields[row.name],
        ),
    )


def hardware_columns(figures: Any) -> tuple[Column, ...]:
    """--device and the dtypes: each row's bytes moved, intensity, bound and estimated time (the rules are
    costcalc.hardware.QUANTITIES'), read by row name from ``figures``."""
    from .hardware import QUANTITIES

    def read(key: str) -> Any:
        return lambda row: figures.get(row.name, {}).get(key)

    out = [
        Column("bytes", "Bytes moved", "bytes", QUANTITIES["bytes"].rule, 3, read("bytes")),
        Column("intensity", "FLOP/B", "ratio", QUANTITIES["intensity"].rule, 4, read("intensity")),
    ]
    if any("seconds" in f for f in figures.values()):
        out += [
            Column(
                "bound",
                "Bound",
                "text",
                QUANTITIES["bound"].rule + "; a block: its layers' bound where they agree, else mixed",
                2,
                read("bound"),
            ),
            Column("seconds", "Time", "seconds", QUANTITIES["seconds"].rule, 1, read("seconds")),
            Column(
                "compute_seconds",
                "Compute",
                "seconds",
                QUANTITIES["compute_seconds"].rule,
                6,
                read("compute_seconds"),
                default=False,
            ),
            Column(
                "memory_seconds",
                "Memory",
                "seconds",
                QUANTITIES["memory_seconds"].rule,
                6,
                read("memory_seconds"),
                default=False,
            ),
        ]
    return tuple(out)


def replace_default(column: Column, default: bool) -> Column:
    from dataclasses import replace

    return replace(column, default=default)
