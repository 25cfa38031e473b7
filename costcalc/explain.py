"""Why each number is what it is: every layer's shape and cost rules rerun on formula-carrying numbers.

``explain`` runs each layer kind's own ``output_shape`` and ``cost`` on :class:`~costcalc.symbolic.Sym`
values, so every formula shown is the computation that produced the analysis (at batch 1), plus a
few notes in the course's terms: what a 1×1 convolution does to depth, what a depthwise-separable
pair saves (1/n_c' + 1/f²), what an Inception bottleneck saves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .analysis import Analysis, LayerCost
from .graph import Graph
from .layers import KINDS
from .symbolic import leaf, shown


@dataclass(frozen=True)
class Explanation:
    layer: str
    kind: str
    inputs: list[tuple[str, tuple[int, ...]]]  # (name, shape) of each input
    output: tuple[int, ...]
    dims: list[Any]  # the output shape, each dimension with its formula (Sym) where it is computed
    params: Any  # Sym or int, each with its formula
    non_trainable: Any
    macs: Any
    other_ops: Any
    notes: list[str] = field(default_factory=list)


def explain_node(graph: Graph, index: int) -> Explanation:
    node = graph.nodes[index]
    kind = KINDS[node.kind]
    input_shapes = [graph.nodes[i].shape for i in node.inputs]
    # the resolved geometry is in the params too, so 'same' padding shows as the numbers it resolved to
    params = {name: leaf(value) for name, value in node.params.items()}
    notes = list(kind.notes(node.params))
    if input_shapes:
        dims = list(kind.output_shape(params, [leaf(s) for s in input_shapes]))
    else:
        dims = list(node.shape)  # the network input: given, not computed
    cost = kind.cost(params, [leaf(s) for s in input_shapes], leaf(node.shape))
    return Explanation(
        node.name,
        node.kind,
        [(graph.nodes[i].name, graph.nodes[i].shape) for i in node.inputs],
        node.shape,
        dims,
        cost.params,
        cost.non_trainable,
        cost.macs,
        cost.other_ops,
        notes,
    )


def plain_conv_macs(source: tuple[int, ...], like: LayerCost, nodes: dict, filters: int, out: tuple[int, ...]) -> Any:
    """The MACs (with formula) of a plain conv with the window of ``like`` (a convolution), by its kind's own
    rule; None where that conv's output would not be ``out``."""
    return KINDS[like.kind].plain_conv_macs(nodes[like.name].params, source, filters, out)


def insights(analysis: Analysis, graph: Graph) -> dict[str, list[str]]:
    """Course-style notes by layer name: 1×1 convolutions, depthwise-separable pairs, bottlenecks."""
    layers = {x.name: x for x in analysis.layers}
    nodes = {node.name: node for node in graph.nodes}
    consumers: dict[str, list[LayerCost]] = {}
    for x in analysis.layers:
        for source in x.inputs:
            consumers.setdefault(source, []).append(x)
    out: dict[str, list[str]] = {}
    for x in analysis.layers:
        kernel = x.kernel
        if x.kind == "conv" and kernel == (1, 1) and len(x.inputs) == 1:
            source = layers[x.inputs[0]].output
            if len(source) == 3:
                c, n = source[2], x.output[2]
                change = "shrinks" if n < c else "grows" if n > c else "keeps"
                out.setdefault(x.name, []).append(
                    f"1×1 convolution (network in network): at each of the {x.output[0]}·{x.output[1]} positions, "
                    f"{n} weighted sums of the {c} input channels; it {change} the depth {c} → {n} and leaves "
                    "height and width alone"
                )
                _bottleneck(x, consumers, layers, nodes, out)
        if x.kind == "depthwise_conv" and kernel is not None and len(kernel) == 2 and kernel[0] == kernel[1]:
            _separable(x, kernel[0], consumers, layers, nodes, out)
    return out


def _separable(dw: LayerCost, f: int, consumers: dict, layers: dict, nodes: dict, out: dict[str, list[str]]) -> None:
    users = consumers.get(dw.name, [])
    if len(users) != 1 or users[0].kind != "conv" or users[0].kernel != (1, 1):
        return
    pw = users[0]
    c_in = layers[dw.inputs[0]].output[-1]
    if dw.output[-1] != c_in:  # the identity is for a channel multiplier of 1
        return
    n = pw.output[2]
    standard = plain_conv_macs(layers[dw.inputs[0]].output, dw, nodes, n, pw.output)
    if standard is None or standard == 0:
        return
    separable = dw.macs + pw.macs
    ratio = Fraction(separable, int(standard))
    identity = Fraction(1, n) + Fraction(1, f * f)
    text = (
        f"depthwise-separable with '{pw.name}': a standard {f}×{f} conv from {c_in} to {n} channels would cost "
        f"{shown(standard)} MACs; depthwise + pointwise cost {dw.macs:,} + "
        f"{pw.macs:,} = {separable:,}, {float(ratio):.3f} of it = 1/n_c' + 1/f² = 1/{n} + 1/{f * f}"
    )
    if ratio != identity:
        text += f" = {float(identity):.3f}"
    if n >= 64:
        text += f" (about 1/{f * f}: with many channels the 1/f² term dominates)"
    out.setdefault(dw.name, []).append(text)


def _bottleneck(reduce: LayerCost, consumers: dict, layers: dict, nodes: dict, out: dict[str, list[str]]) -> None:
    users = consumers.get(reduce.name, [])
    if len(users) != 1 or users[0].kind != "conv":
        return
    big = users[0]
    kernel = big.kernel
    source = layers[reduce.inputs[0]].output
    if kernel is None or len(kernel) != 2 or kernel == (1, 1):
        return
    if big.output[:2] != reduce.output[:2] or reduce.output[2] >= source[2]:
        return
    kh, kw = kernel
    if not KINDS[big.kind].ungrouped(nodes[big.name].params):
        return
    naive = plain_conv_macs(source, big, nodes, big.output[2], big.output)
    total = reduce.macs + big.macs
    if naive is None or not total:
        return
    out.setdefault(reduce.name, []).append(
        f"bottleneck: the {kh}×{kw} conv '{big.name}' straight on the {source[2]} channels would cost "
        f"{shown(naive)} MACs; through this 1×1 reduce to {reduce.output[2]} "
        f"channels: {reduce.macs:,} + {big.macs:,} = {total:,} ({int(naive) / total:.2f}× fewer)"
    )


def explain(graph: Graph, analysis: Analysis, layer: str | None = None) -> list[Explanation]:
    """Explanations of every layer (or of the one named), in the network's order. ``analysis`` is at batch 1."""
    notes = insights(analysis, graph)
    indices = range(len(graph.nodes)) if layer is None else [i for i, n in enumerate(graph.nodes) if n.name == layer]
    out = []
    for i in indices:
        item = explain_node(graph, i)
        item.notes.extend(notes.get(item.layer, []))
        out.append(item)
    return out
