"""The peers beside costcalc on ResNet-50, as whole processes: wall time and peak memory (GNU time).

Each peer counts costcalc's own PyTorch build of ResNet-50 (costcalc.torch.build), so nothing but the
peer itself and torch has to be installed (the venv of CI has them: torch 2.13.0 CPU, ptflops 0.7.5,
fvcore 0.1.5, thop 0.1.1, torchinfo 1.8.0). Never run in CI: it measures, it asserts nothing.

    .venv/bin/python tests/benchmarks/peers.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

COUNT = {
    "torchinfo": "from torchinfo import summary; print(summary(m, input_data=x, verbose=0).total_mult_adds)",
    "ptflops": "from ptflops import get_model_complexity_info as g; "
    "print(g(m, (3, 224, 224), as_strings=False, print_per_layer_stat=False)[0])",
    "thop": "from thop import profile; print(profile(m, (x,), verbose=False)[0])",
    "fvcore": "from fvcore.nn import FlopCountAnalysis; print(FlopCountAnalysis(m, x).total())",
    "flop_counter": "from torch.utils.flop_counter import FlopCounterMode as F\n"
    "with F(display=False) as c: m(x)\nprint(c.get_total_flops())",
}
BUILD = (
    "import torch\nfrom costcalc.torch import build\nm = build('resnet50').eval(); x = torch.zeros(1, 3, 224, 224)\n"
)


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak MiB of one whole process (GNU time's %e and %M)."""
    out = subprocess.run(
        ["/usr/bin/time", "-f", "%e %M", *command], capture_output=True, text=True, check=True
    ).stderr.strip()
    wall, kib = out.splitlines()[-1].split()
    return float(wall), int(kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    costcalc = os.path.join(os.path.dirname(sys.executable), "costcalc")
    cases = {"costcalc analyze resnet50 --format json": [costcalc, "analyze", "resnet50", "--format", "json"]}
    cases |= {name: [sys.executable, "-c", BUILD + code] for name, code in COUNT.items()}
    print(f"{'case':42} {'wall s (min–max)':>18} {'peak MiB':>9}")
    for name, command in cases.items():
        figures = [measure(command) for _ in range(runs)]
        walls = sorted(w for w, _ in figures)
        print(f"{name:42} {walls[0]:>8.2f}–{walls[-1]:<8.2f} {max(m for _, m in figures):>9.0f}")


if __name__ == "__main__":
    main()
