"""Peak activation memory at inference: tensors held at once, walking the layers in order.

Each layer's output is allocated when the layer runs, while its inputs are still held, and freed
once the last layer that reads it has run; outputs nobody reads (the network's outputs) are kept.
The peak is the most bytes held at once (the network input included, weights and workspace
excluded), and where it happens. With ``in_place``, a layer whose kind may run in place
(activations such as ReLU, dropout, identity, flatten) writes its output over its input when no
later layer reads that input, as torch.nn.ReLU(inplace=True) does: no new tensor.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from .analysis import DTYPE_BYTES, Analysis
from .layers import KINDS


@dataclass(frozen=True, slots=True)
class PeakMemory:
    elements: int  # activations held at the peak, for the whole batch
    bytes: int
    layer: str  # the layer running when the peak is reached (its output just allocated)
    held: tuple[str, ...]  # the layers whose outputs are held at that moment
    in_place: bool


def peak_memory(analysis: Analysis, in_place: bool = False) -> PeakMemory:
    layers = analysis.layers
    count = len(layers)
    index = dict(zip(map(attrgetter("name"), layers), range(count)))
    inputs = list(map(attrgetter("inputs"), layers))  # names; looked up as needed, no list per layer (1M layers)
    last_read = list(range(count))  # a tensor nobody reads (an output of the network) is never freed
    for i, names in enumerate(inputs):
        for name in names:
            last_read[index[name]] = i
    reuses = bytearray(count)
    if in_place:
        for i, (layer, names) in enumerate(zip(layers, inputs)):
            if names and len(set(names)) == 1 and last_read[index[names[0]]] == i and KINDS[layer.kind].in_place:
                reuses[i] = 1
    sizes = list(map(attrgetter("activations"), layers))
    live = peak = peak_at = 0
    for i, names in enumerate(inputs):
        if reuses[i]:
            continue  # its input's tensor becomes its output: nothing allocated, nothing freed
        live += sizes[i]
        if live > peak:
            peak, peak_at = live, i
        if len(names) == 1:
            j = index[names[0]]
            if last_read[j] == i:
                live -= sizes[j]
        else:
            for j in {index[name] for name in names}:
                if last_read[j] == i:
                    live -= sizes[j]
    width = DTYPE_BYTES[analysis.dtype]
    name = layers[peak_at].name if layers else ""
    held = [layers[i].name for i in _held_at(peak_at, inputs, index, last_read, reuses)]
    return PeakMemory(peak, peak * width, name, tuple(held), in_place)


def _held_at(
    step: int, inputs: list[tuple[str, ...]], index: dict[str, int], last_read: list[int], reuses: bytearray
) -> list[int]:
    """The tensors held just after layer ``step`` allocated its output (the same walk, stopped there)."""
    held: dict[int, None] = {}  # insertion-ordered: in the order they were made
    for i in range(step + 1):
        sources = {index[name] for name in inputs[i]}
        if reuses[i]:
            del held[sources.pop()]
        elif i < step:
            for j in sources:
                if last_read[j] == i:
                    held.pop(j, None)
        held[i] = None
    return list(held)
