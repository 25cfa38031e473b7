"""Warnings about a network that still counts: layers whose output reaches no network output."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import LayerCost


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a user should know about a report that is still correct (JSON `warnings`)."""

    code: str  # "dead_layer", ...
    message: str
    layer: str | None = None


def dead_layers(layers: Sequence[LayerCost]) -> list[str]:
    """Layers (other than the network input) from which the network output (the last layer) cannot be
    reached: a branch someone forgot to merge. They are still counted; the user is told."""
    if not layers:
        return []
    index = {layer.name: i for i, layer in enumerate(layers)}
    alive = bytearray(len(layers))
    alive[-1] = 1
    for i in range(len(layers) - 1, -1, -1):  # topological order: every input comes before its user
        if alive[i]:
            for name in layers[i].inputs:
                alive[index[name]] = 1
    return [layer.name for layer, live in zip(layers, alive) if not live and layer.kind != "input"]


def dead_layer_notices(layers: Sequence[LayerCost], shown: int = 10) -> list[Notice]:
    dead = dead_layers(layers)
    notices = [
        Notice("dead_layer", f"layer '{name}' is counted but its output reaches no network output", name)
        for name in dead[:shown]
    ]
    if len(dead) > shown:
        notices.append(Notice("dead_layer", f"and {len(dead) - shown:,} more layers whose output reaches no output"))
    return notices
