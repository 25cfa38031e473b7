"""The layer kinds added for ONNX models: each rule against hand-computed values, and against PyTorch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from costcalc.analysis import analyze
from costcalc.errors import CostcalcError
from costcalc.graph import build_graph
from costcalc.sources import load_spec

DATA = Path(__file__).parent / "data"

# layer: (output, params, MACs, other ops), from the rules in specs/README.md on the 6×5×4 input
EXPECTED = {
    "shift": ((6, 5, 4), 4, 0, 120),  # x − a stored per-channel tensor: 1 per element; its 4 values are params
    "halve": ((6, 5, 4), 0, 0, 120),  # x / 2
    "erf": ((6, 5, 4), 0, 0, 120),
    "floor": ((6, 5, 4), 0, 0, 120),  # one bound: one comparison per element
    "elu": ((6, 5, 4), 0, 0, 4 * 120),
    "selu": ((6, 5, 4), 0, 0, 5 * 120),
    "celu": ((6, 5, 4), 0, 0, 7 * 120),
    "softplus": ((6, 5, 4), 0, 0, 3 * 120),
    "softsign": ((6, 5, 4), 0, 0, 3 * 120),
    "mish": ((6, 5, 4), 0, 0, 5 * 120),
    "thresholded": ((6, 5, 4), 0, 0, 120),
    "gelu_tanh": ((6, 5, 4), 0, 0, 9 * 120),
    "reflect": ((8, 6, 4), 0, 0, 0),  # 6 + 1 + 1 rows, 5 + 1 + 0 columns
    "channel_sum": ((8, 6, 1), 0, 0, 48 * 3),  # 4 channels summed: 3 adds for each of 48 positions
    "biggest": ((8, 6, 4), 0, 0, 192),  # max of two, broadcast over the channels
    "rows": ((8, 24), 0, 0, 0),
    "cols": ((24, 8), 0, 0, 0),
    "gram": ((8, 8), 0, 8 * 8 * 24, 0),  # 64 outputs, 24 multiplies each
    "gram_t": ((8, 8), 0, 8 * 8 * 24, 0),
    "both": ((8, 8), 0, 0, 64),
    "logp": ((8, 8), 0, 0, 8 * 3 * 8),  # per row: 8 exps, 7 adds, a log, 8 subtracts
    "pick": ((8, 8), 0, 0, 8 * 7),
    "cast": ((8, 8), 0, 0, 0),
    "mean": ((8,), 0, 0, 8 * 8),  # 8 outputs of 8 values: 7 adds and a divide each
    "token": ((10,), 2, 0, 0),  # 2 learned values before the 8
    "coords": ((3, 2), 0, 0, 0),  # a stored buffer: read, not computed, not learned
    "coords_mlp": ((3, 10), 2 * 10 + 10, 3 * 10 * 2, 3 * 10),  # 3 rows · 10 outputs · 2 multiplies; bias adds
    "bias": ((4, 10), 0, 0, 0),  # 4 rows picked of the 3 (a row any number of times)
    "biased": ((4, 10), 0, 0, 40),  # the 10 broadcast over the 4 rows
}


def test_every_rule_on_the_math_kinds_spec():
    analysis = analyze(build_graph(load_spec(str(DATA / "math_kinds.yaml"))))
    got = {x.name: (x.output, x.params, x.macs, x.other_ops) for x in analysis.layers if x.name != "input"}
    assert got == EXPECTED
    assert analysis.totals.other_ops == 5632 + 70 and analysis.totals.macs == 3072 + 60 and analysis.totals.params == 36


@pytest.mark.parametrize(
    ("entry", "shape", "message"),
    [
        ("{kind: matmul, inputs: [input, input]}", [3, 4, 2], "inner sizes 2 and 4"),
        ("{kind: reshape, shape: [5, 5]}", [3, 4, 1], "a shape of 12 elements"),
        ("{kind: transpose, perm: [0, 0, 1]}", [3, 4, 2], "a permutation of 0 … 2"),
        ("{kind: reduce, op: sum, axes: [3]}", [3, 4, 2], "distinct axes from 0 to 2"),
        ("{kind: reduce, op: sum, axes: [0], keepdims: false}", [5], "keepdims: true"),
        ("{kind: elementwise, op: subtract}", [3, 4, 2], "two or more inputs, or operand: / value:"),
        ("{kind: elementwise, op: where, value: 1}", [3, 4, 2], "three (condition, then, else)"),
        ("{kind: elementwise, op: add, inputs: [input, input], learned: true}", [3, 4, 2], "learned: true without"),
        ("{kind: elementwise, op: add, operand: [3]}", [3, 4, 2], "cannot broadcast"),
        ("{kind: pad, padding: 4, mode: reflect}", [3, 4, 2], "padding smaller than the image"),
        ("{kind: unknown, op: Foo, shape: [0]}", [3, 4, 2], "shape"),
    ],
)
def test_the_rules_refuse_what_cannot_work(write_spec, entry, shape, message):
    path = write_spec(f"input: {shape}\nlayers:\n  - {entry}\n")
    with pytest.raises(CostcalcError) as caught:
        analyze(build_graph(load_spec(str(path))))
    assert message in caught.value.format()


def test_unknown_is_a_zero_cost_stand_in_with_its_declared_shape(write_spec):
    path = write_spec("input: [3, 4, 2]\nlayers:\n  - {kind: unknown, op: com.microsoft.FusedConv, shape: [3, 4, 8]}\n")
    layer = analyze(build_graph(load_spec(str(path)))).layers[1]
    assert (layer.kind, layer.output, layer.params, layer.macs, layer.other_ops) == ("unknown", (3, 4, 8), 0, 0, 0)


def test_the_math_kinds_verify_against_pytorch():
    if not os.environ.get("COSTCALC_REQUIRE_TORCH"):
        pytest.importorskip("torch", reason="PyTorch is not installed")
    import torch

    from costcalc.api import build_spec_graph
    from costcalc.torch import module_code, verify

    graph = build_spec_graph(str(DATA / "math_kinds.yaml"))
    result = verify(graph)
    assert result.mismatches == [] and result.macs == (3132, 3132) and result.params == (36, 36)
    namespace: dict = {}
    exec(compile(module_code(graph, "Math"), "math_kinds.py", "exec"), namespace)  # noqa: S102 - our own code
    model = namespace["Math"]().eval()
    with torch.no_grad():
        assert tuple(model(torch.zeros(1, 4, 6, 5)).shape) == (1, 4, 10)  # costcalc's 4×10 with a batch of 1
