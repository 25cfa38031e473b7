"""Adaptive pools' windows in closed form (issue 12 §5): checked against the defining loop on every small case,
against PyTorch's own AdaptiveAvgPool2d windows, and for bounded work at the largest output size."""

from __future__ import annotations

import os
import time
import warnings

import pytest

from costcalc.layers.pooling import adaptive_window, adaptive_windows


def windows(n: int, o: int) -> list[int]:
    """The defining loop (PyTorch's adaptive pooling): window i covers [⌊i·n/o⌋, ⌈(i+1)·n/o⌉)."""
    return [-(-((i + 1) * n) // o) - (i * n) // o for i in range(o)]


def test_closed_forms_equal_the_loop_on_every_small_case():
    for n in range(1, 130):
        for o in range(1, 130):
            lengths = windows(n, o)
            assert adaptive_windows(n, o) == sum(lengths), (n, o)
            assert adaptive_window(n, o) == max(lengths), (n, o)


@pytest.mark.parametrize(
    ("n", "o", "total", "longest"),
    [
        (7, 3, 9, 3),  # [0, 3) [2, 5) [4, 7): 3 + 3 + 3; 7 + 3 − gcd 1 = 9
        (10, 4, 12, 3),  # [0, 3) [2, 5) [5, 8) [7, 10): 3 + 3 + 3 + 3; 10 + 4 − 2 = 12
        (2, 3, 4, 2),  # upsampling: [0, 1) [0, 2) [1, 2): 1 + 2 + 1; 2 + 3 − 1 = 4
        (7, 7, 7, 1),  # VGG's 7 → 7: one pixel each
        (12, 3, 12, 4),  # divisible: three windows of 4
        (5, 1, 5, 5),  # global
    ],
)
def test_hand_computed_windows(n, o, total, longest):
    assert (adaptive_windows(n, o), adaptive_window(n, o)) == (total, longest)


def test_the_largest_output_is_answered_at_once(run_spec):
    # 2²⁴ outputs per axis looped 16M steps per layer before; the closed form is one gcd.
    # 3 + 16,777,216 − gcd(3, 16,777,216) = 16,777,218 per axis
    start = time.perf_counter()
    analysis = run_spec("input: [3, 3, 1]\nlayers:\n  - {kind: adaptive_avg_pool, output: 16777216}\n")
    assert time.perf_counter() - start < 2
    assert analysis.layers[1].other_ops == 16_777_218**2


torch_required = bool(os.environ.get("COSTCALC_REQUIRE_TORCH"))


@pytest.mark.parametrize("kind", ["adaptive_avg_pool", "adaptive_max_pool"])
def test_windows_are_pytorchs(run_spec, kind):
    """PyTorch's own windows: push one-hot images through AdaptiveAvgPool2d; output (i, j) is non-zero exactly
    for the inputs in its window, so the non-zeros count Σ|window| and each output's own count its size."""
    if torch_required:
        import torch
    else:
        torch = pytest.importorskip("torch")
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
    pool_ops = {"adaptive_avg_pool": 0, "adaptive_max_pool": -1}[kind]  # per output: window, or window − 1
    for h, w, oh, ow in [(7, 5, 3, 2), (10, 12, 4, 3), (2, 3, 3, 5), (9, 9, 4, 4), (13, 6, 6, 6), (1, 8, 1, 3)]:
        eye = torch.eye(h * w).reshape(h * w, 1, h, w)
        pooled = torch.nn.AdaptiveAvgPool2d((oh, ow))(eye)  # (h·w samples, 1, oh, ow)
        sizes = (pooled != 0).sum(dim=0).flatten()  # the size of each output's window
        analysis = run_spec(f"input: [{h}, {w}, 1]\nlayers:\n  - {{kind: {kind}, output: [{oh}, {ow}]}}\n")
        assert analysis.layers[1].other_ops == int(sizes.sum()) + pool_ops * oh * ow, (h, w, oh, ow)
        reads = (pooled != 0).reshape(h, w, oh, ow)  # input (a, b) is in the window of output (i, j)
        rows = reads.any(dim=1).sum(dim=0)  # each window's height: the input rows it reads
        columns = reads.any(dim=0).sum(dim=0)  # and its width
        assert (adaptive_window(h, oh), adaptive_window(w, ow)) == (int(rows.max()), int(columns.max()))
