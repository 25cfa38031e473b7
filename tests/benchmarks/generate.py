"""Generators of large specs for the benchmark: a deep chain and a wide DAG of Inception-like modules.

Every layer is written out explicitly (no `repeat`), so parsing, name resolution, shape checks and
rendering all scale with the layer count.

    python tests/benchmarks/generate.py chain 100000 > chain.yaml
"""

from __future__ import annotations

import sys


def chain(layers: int) -> str:
    """A deep chain of 1×1 convs and ReLUs on a small tensor, `layers` layers in all."""
    lines = ["name: chain", f"description: a deep chain of {layers} layers", "input: [8, 8, 16]", "layers:"]
    for i in range(layers):
        if i % 2 == 0:
            lines.append(f"  - {{kind: conv, name: c{i}, filters: 16, kernel: 1}}")
        else:
            lines.append(f"  - {{kind: relu, name: r{i}}}")
    return "\n".join(lines) + "\n"


def dag(layers: int) -> str:
    """Inception-like modules of 8 layers (4 branches, a concat, a 1×1 projection back), explicitly named."""
    lines = ["name: dag", f"description: a wide DAG of about {layers} layers", "input: [8, 8, 32]", "layers:"]
    previous = "input"
    for m in range(max(1, layers // 8)):
        p = f"m{m}_"
        lines += [
            f"  - {{kind: conv, name: {p}b1, input: {previous}, filters: 8, kernel: 1}}",
            f"  - {{kind: conv, name: {p}b2r, input: {previous}, filters: 8, kernel: 1}}",
            f"  - {{kind: conv, name: {p}b2, filters: 8, kernel: 3, padding: same}}",
            f"  - {{kind: conv, name: {p}b3r, input: {previous}, filters: 4, kernel: 1}}",
            f"  - {{kind: conv, name: {p}b3, filters: 8, kernel: 5, padding: same}}",
            f"  - {{kind: max_pool, name: {p}b4p, input: {previous}, kernel: 3, stride: 1, padding: same}}",
            f"  - {{kind: concat, name: {p}cat, inputs: [{p}b1, {p}b2, {p}b3, {p}b4p]}}",
            f"  - {{kind: conv, name: {p}proj, filters: 32, kernel: 1}}",
        ]
        previous = f"{p}proj"
    return "\n".join(lines) + "\n"


GENERATORS = {"chain": chain, "dag": dag}

if __name__ == "__main__":
    kind, count = sys.argv[1], int(sys.argv[2])
    sys.stdout.write(GENERATORS[kind](count))
