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
from .breakdown import kernel_of
from .errors import CostcalcError
from .graph import Graph, Node
from .layers import KINDS
from .layers.windows import resolve_padding, span
from .symbolic import Sym, leaf, shown


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


def _same_padding(node: Node, shape: tuple[int, ...]) -> tuple[int, int, int, int] | None:
    p = node.params
    if p.get("padding") != "same" or len(shape) != 3:
        return None
    kernel = p["kernel"]
    dilation = p.get("dilation") or (1, 1)
    stride = p.get("stride") or kernel
    window = (span(kernel[0], dilation[0]), span(kernel[1], dilation[1]))
    return resolve_padding("same", shape[:2], window, stride)


def explain_node(graph: Graph, index: int) -> Explanation:
    node = graph.nodes[index]
    kind = KINDS[node.kind]
    input_shapes = [graph.nodes[i].shape for i in node.inputs]
    params = {name: leaf(value) for name, value in node.params.items()}
    notes = []
    pad = _same_padding(node, input_shapes[0]) if input_shapes else None
    if pad is not None:
        params["padding"] = leaf(pad)  # the same numbers 'same' resolves to, shown as the course writes them
        notes.append(
            f"padding 'same' keeps ⌈n / s⌉ outputs: {pad[0]} top, {pad[1]} bottom, {pad[2]} left, "
            f"{pad[3]} right (an odd pixel goes bottom/right, as in TensorFlow)"
        )
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


def standard_conv_macs(source: tuple[int, ...], like: Node, filters: int, out: tuple[int, ...]) -> Sym | None:
    """The MACs, with their formula, of a plain conv with ``like``'s window (kernel, stride, padding,
    dilation) and ``filters`` filters on a ``source``-shaped input: the conv kind's own rule, so a
    comparison cannot disagree with what analyze would count for that conv. None unless its output
    is ``out`` (the shape of what it would replace)."""
    conv = KINDS["conv"]
    window = {key: like.params[key] for key in ("kernel", "stride", "padding", "dilation")}
    params = {key: leaf(value) for key, value in {**conv.defaults(), **window, "filters": filters}.items()}
    inputs = [leaf(source)]
    try:
        if tuple(int(d) for d in conv.output_shape(params, inputs)) != out:
            return None
    except CostcalcError:
        return None
    macs = conv.cost(params, inputs, leaf(out)).macs
    return macs if isinstance(macs, Sym) else None


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
        kernel = kernel_of(x)
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
        if x.kind == "depthwise_conv" and kernel is not None and kernel[0] == kernel[1]:
            _separable(x, kernel[0], consumers, layers, nodes, out)
    return out


def _separable(dw: LayerCost, f: int, consumers: dict, layers: dict, nodes: dict, out: dict[str, list[str]]) -> None:
    users = consumers.get(dw.name, [])
    if len(users) != 1 or users[0].kind != "conv" or kernel_of(users[0]) != (1, 1):
        return
    pw = users[0]
    c_in = layers[dw.inputs[0]].output[-1]
    if dw.output[-1] != c_in:  # the identity is for a channel multiplier of 1
        return
    n = pw.output[2]
    standard = standard_conv_macs(layers[dw.inputs[0]].output, nodes[dw.name], n, pw.output)
    if standard is None or standard.value == 0:
        return
    separable = dw.macs + pw.macs
    ratio = Fraction(separable, standard.value)
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
    kernel = kernel_of(big)
    source = layers[reduce.inputs[0]].output
    if kernel is None or kernel == (1, 1) or big.output[:2] != reduce.output[:2] or reduce.output[2] >= source[2]:
        return
    kh, kw = kernel
    if nodes[big.name].params["groups"] != 1:
        return
    naive = standard_conv_macs(source, nodes[big.name], big.output[2], big.output)
    total = reduce.macs + big.macs
    if naive is None or not total:
        return
    out.setdefault(reduce.name, []).append(
        f"bottleneck: the {kh}×{kw} conv '{big.name}' straight on the {source[2]} channels would cost "
        f"{shown(naive)} MACs; through this 1×1 reduce to {reduce.output[2]} "
        f"channels: {reduce.macs:,} + {big.macs:,} = {total:,} ({naive.value / total:.2f}× fewer)"
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
