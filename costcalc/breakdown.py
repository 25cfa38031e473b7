"""Breakdowns of an analysis: totals per kind of layer, or per top-level block, with their sums."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .analysis import Analysis, BlockCost, LayerCost


@dataclass(frozen=True, slots=True)
class GroupCost:
    """The sums of one group of layers (batch included, like the layers)."""

    name: str  # "conv 1×1", or a top-level block or layer name
    kind: str  # the group's kind: for a block, the block it instantiates
    layers: int
    params: int
    non_trainable: int
    macs: int
    other_ops: int
    activations: int

    @property
    def flops(self) -> int:
        return 2 * self.macs


def _sum(name: str, kind: str, layers: Iterable[LayerCost]) -> GroupCost:
    count = params = non_trainable = macs = other = acts = 0
    for x in layers:
        count += 1
        params += x.params
        non_trainable += x.non_trainable
        macs += x.macs
        other += x.other_ops
        acts += x.activations
    return GroupCost(name, kind, count, params, non_trainable, macs, other, acts)


def by_kind(analysis: Analysis) -> list[GroupCost]:
    """One row per kind of layer (convolutions per kernel size), heaviest MACs first."""
    groups: dict[str, list[LayerCost]] = {}
    for layer in analysis.layers:
        groups.setdefault(layer.group, []).append(layer)
    rows = [_sum(name, members[0].kind, members) for name, members in groups.items()]
    return sorted(rows, key=lambda g: (-g.macs, -g.params, g.name))


def by_block(analysis: Analysis) -> list[GroupCost]:
    """One row per top-level entry (ResNet stages, Inception modules, and the layers between), in order."""
    out = []
    for row in analysis.rows(1):
        if isinstance(row, BlockCost):
            out.append(
                GroupCost(
                    row.name,
                    row.kind,
                    row.layers,
                    row.params,
                    row.non_trainable,
                    row.macs,
                    row.other_ops,
                    row.activations,
                )
            )
        else:
            out.append(_sum(row.name, row.kind, [row]))
    return out


BREAKDOWNS: dict[str, Callable[[Analysis], list[GroupCost]]] = {"kind": by_kind, "block": by_block}
