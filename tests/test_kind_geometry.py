"""Each kind answers for itself: a windowed layer's geometry is resolved once, against its input, and every
reader (shape rule, receptive field, explain, PyTorch parts, breakdowns) takes it from there.

Every expected number is worked out by hand in a comment from the documented rule (specs/README.md §5).
"""

from __future__ import annotations

import pytest

from costcalc.analysis import analyze
from costcalc.breakdown import by_kind
from costcalc.compare import separable_identities
from costcalc.explain import explain
from costcalc.graph import build_graph
from costcalc.layers import KINDS, Cost
from costcalc.layers.base import GEOMETRY, Part
from costcalc.layers.pooling import WindowPool
from costcalc.layers.windows import Window2d
from costcalc.receptive_field import receptive_fields
from costcalc.sources import load_spec

from .conftest import layer


def graph_of(write_spec, text: str):
    return build_graph(load_spec(str(write_spec(text))))


def test_pool_geometry_is_resolved_once_with_its_default_stride_and_same_padding(write_spec):
    # max_pool 3, no stride: stride = kernel = 3. 'same' on 7 rows: ⌈7/3⌉ = 3 outputs, padding total
    # (3 − 1)·3 + 3 − 7 = 2 → 1 top, 1 bottom; on 8 columns: ⌈8/3⌉ = 3, total (3 − 1)·3 + 3 − 8 = 1 → 0 left, 1 right
    graph = graph_of(write_spec, "input: [7, 8, 2]\nlayers:\n  - {kind: max_pool, name: p, kernel: 3, padding: same}\n")
    node = graph.nodes[1]
    assert node.params[GEOMETRY] == Window2d((3, 3), (3, 3), (1, 1), (1, 1, 0, 1), same=True)
    assert node.shape == (3, 3, 2)
    # the receptive field reads the same window: from −1 (top padding) and 0 (no left padding), 3 wide, jump 3
    field = receptive_fields(graph)[1]
    assert (field.lo, field.size, field.jump) == ((-1, 0), (3, 3), (3, 3))
    # the PyTorch parts: the uneven padding in front, the pool with the defaulted stride
    assert KINDS["max_pool"].torch(node.params, [(7, 8, 2)], node.shape) == [
        Part("ZeroPad2d", ((0, 1, 1, 1),)),
        Part("MaxPool2d", ((3, 3),), {"stride": (3, 3), "padding": (0, 0), "dilation": (1, 1), "ceil_mode": False}),
    ]
    # explain's note comes from the kind, with the resolved numbers
    (item,) = [x for x in explain(graph, analyze(graph)) if x.layer == "p"]
    assert item.notes == [
        "padding 'same' keeps ⌈n / s⌉ outputs: 1 top, 1 bottom, 0 left, 1 right "
        "(an odd pixel goes bottom/right, as in TensorFlow)"
    ]


def test_dilated_same_conv_geometry(write_spec):
    # kernel [3, 5], dilation 2: spans 2·(3 − 1) + 1 = 5 and 2·(5 − 1) + 1 = 9; 'same' stride 1 on 10×11:
    # totals 5 − 1 = 4 → 2, 2 and 9 − 1 = 8 → 4, 4; output 10×11
    graph = graph_of(
        write_spec,
        "input: [10, 11, 3]\nlayers:\n  - {kind: conv, filters: 4, kernel: [3, 5], dilation: 2, padding: same}\n",
    )
    geometry = graph.nodes[1].params[GEOMETRY]
    assert geometry.spans == (5, 9)
    assert geometry.padding == (2, 2, 4, 4)
    assert graph.nodes[1].shape == (10, 11, 4)


def test_repetitions_on_different_inputs_keep_their_own_geometry(write_spec):
    # one literal entry repeated: 'same' with stride 2 on 9 → 5 (total (5 − 1)·2 + 3 − 9 = 2: 1, 1),
    # then on 5 → 3 (total (3 − 1)·2 + 3 − 5 = 2: 1, 1), then on 3 → 2 (total (2 − 1)·2 + 3 − 3 = 2: 1, 1),
    # and on 2 → 1 (total 0 + 3 − 2 = 1: 0 top, 1 bottom)
    graph = graph_of(
        write_spec,
        "input: [9, 9, 1]\nlayers:\n  - {kind: conv, name: c, filters: 1, kernel: 3, stride: 2, padding: same, repeat: 4}\n",
    )
    pads = [node.params[GEOMETRY].padding for node in graph.nodes[1:]]
    assert pads == [(1, 1, 1, 1), (1, 1, 1, 1), (1, 1, 1, 1), (0, 1, 0, 1)]
    assert [node.shape[0] for node in graph.nodes[1:]] == [5, 3, 2, 1]


def test_the_kernel_is_data_and_the_group_only_a_label(run_spec):
    analysis = run_spec(
        "input: [12, 12, 4]\nlayers:\n"
        "  - {kind: conv, name: c, filters: 4, kernel: [3, 5]}\n"
        "  - {kind: avg_pool, name: a, kernel: 2}\n"
        "  - {kind: fc, name: f, units: 3}\n"
    )
    assert layer(analysis, "c").kernel == (3, 5)
    assert layer(analysis, "a").kernel == (2, 2)
    assert layer(analysis, "f").kernel is None
    assert {g.name for g in by_kind(analysis)} == {"conv 3×5", "avg_pool", "fc", "input"}


def test_compare_reads_kernels_not_labels(run_spec, monkeypatch):
    # a group label that is not "kind f×f" (as a 3-D kind's "conv3d 3×3×3" would be) must not matter
    standard = run_spec("input: [6, 6, 3]\nlayers:\n  - {kind: conv, name: conv, filters: 5, kernel: 3}\n")
    separable = run_spec(
        "input: [6, 6, 3]\nlayers:\n  - {kind: depthwise_conv, name: dw, kernel: 3}\n"
        "  - {kind: conv, name: pw, filters: 5, kernel: 1}\n"
    )
    monkeypatch.setattr(type(KINDS["conv"]), "group", lambda self, p: "conv 3×3×3")
    (found,) = separable_identities(standard, separable)
    # the course's numbers: 4·4·5 × 3·3·3 = 2,160 vs 4·4·3·9 + 4·4·5·3 = 432 + 240 = 672
    assert (found.kernel, found.standard_macs, found.separable_macs) == (3, 2160, 672)


class L2Pool(WindowPool):
    """A new 2-D kind written as one class: everything else (shape, field, explain, PyTorch) follows."""

    name = "test_l2_pool"
    summary = "L2 pooling (PyTorch LPPool2d with p = 2)"
    params = {key: KINDS["avg_pool"].params[key] for key in ("kernel", "stride", "padding", "ceil_mode")}

    def cost(self, p, inputs, out):
        kh, kw = p["kernel"]
        oh, ow, c = out
        return Cost(other_ops=oh * ow * c * (2 * kh * kw + 1))  # squares, adds, a square root

    def torch(self, p, inputs, out):
        g = p[GEOMETRY]
        return [Part("LPPool2d", (2, g.kernel), {"stride": g.stride})]


def test_a_new_windowed_kind_is_one_class(write_spec, monkeypatch):
    monkeypatch.setitem(KINDS, L2Pool.name, L2Pool())
    graph = graph_of(write_spec, "input: [9, 8, 2]\nlayers:\n  - {kind: test_l2_pool, name: l2, kernel: [3, 2]}\n")
    # stride = kernel: ⌊(9 − 3) / 3⌋ + 1 = 3 rows, ⌊(8 − 2) / 2⌋ + 1 = 4 columns; other ops 3·4·2 × (2·6 + 1) = 312
    analysis = analyze(graph)
    assert (analysis.layers[1].output, analysis.layers[1].other_ops, analysis.layers[1].kernel) == (
        (3, 4, 2),
        312,
        (3, 2),
    )
    field = receptive_fields(graph)[1]
    assert (field.size, field.jump) == ((3, 2), (3, 2))
    (item,) = [x for x in explain(graph, analysis) if x.layer == "l2"]
    assert item.dims[0].text == "⌊(9 − 3) / 3⌋ + 1"
    torch = pytest.importorskip("torch")
    from costcalc.torch import verify

    assert torch is not None and verify(graph).mismatches == []
