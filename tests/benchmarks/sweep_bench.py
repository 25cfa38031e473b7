"""Sweep throughput: a MobileNet v2 width sweep, variants per second per core at --jobs 1 and 2.

Run from a checkout:  python tests/benchmarks/sweep_bench.py [--variants N] [--jobs 1,2]
Each run is a fresh process (`costcalc.sweep.sweep` over width_mult values from 0.25 in steps of
0.001): the sweep's wall time and CPU time (its worker processes included, start-up and parsing
excluded), and peak memory (max RSS of the largest process). "per core" divides the variants by the CPU seconds, so that a
busy machine (other work on the cores) shows the work itself rather than the wait.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time

CHILD = """
import resource, sys, time
from costcalc.sources import load_spec
from costcalc.sweep import axes_from, sweep
count, jobs = int(sys.argv[1]), int(sys.argv[2])
spec = load_spec("mobilenet_v2")
axes = axes_from([f"width_mult=0.25..{0.25 + (count - 1) * 0.001:.3f}..0.001"], [], [])
def cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime
start, cpu0 = time.perf_counter(), cpu()
n = sum(1 for _ in sweep(spec, axes, jobs=jobs))
print(n, time.perf_counter() - start, cpu() - cpu0)
"""


def run(count: int, jobs: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(count), str(jobs)], capture_output=True, text=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    variants, sweep_s, cpu_s = out.stdout.split()
    cpu = float(cpu_s)  # the sweep's own CPU time (its workers' included), start-up excluded
    return {
        "jobs": jobs,
        "variants": int(variants),
        "sweep_s": float(sweep_s),
        "cpu_s": cpu,
        "per_s": int(variants) / float(sweep_s),
        "per_core_s": int(variants) / cpu,
        "peak_mib": after.ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=2000)
    parser.add_argument("--jobs", default="1,2")
    args = parser.parse_args()
    print(
        f"machine: {os.uname().machine}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'jobs':>4} {'variants':>9} {'sweep s':>8} {'CPU s':>7} {'variants/s':>11} {'per core/s':>11} {'peak MiB':>9}"
    )
    for jobs in (int(j) for j in args.jobs.split(",")):
        r = run(args.variants, jobs)
        print(
            f"{r['jobs']:>4} {r['variants']:>9,} {r['sweep_s']:>8.2f} {r['cpu_s']:>7.2f} {r['per_s']:>11,.0f} "
            f"{r['per_core_s']:>11,.0f} {r['peak_mib']:>9.1f}"
        )
        time.sleep(0.5)


if __name__ == "__main__":
    main()
