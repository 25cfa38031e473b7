"""Benchmark: whole-process time and peak memory of costcalc against the bare import floor.

Runs on demand (not in the test suite), from the repository root with the project installed:

    .venv/bin/python tests/benchmarks/run.py            # full: up to 1,000,000 layers (several minutes)
    .venv/bin/python tests/benchmarks/run.py --quick    # a one-minute smoke profile

It prints one row per case: layers, wall seconds (median of several runs), peak RSS in MiB,
the ratio to the import floor (`python -c "import typer, rich.console, rich.table, yaml"`),
and the time per layer above that floor. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = [sys.executable, "-c", "import typer, rich.console, rich.table, yaml"]
# as on a user's machine: Python caches compiled modules (this sandbox's environment turns that off)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
RUN_IN = tempfile.gettempdir()  # not the checkout, whose costcalc/ folder would shadow the installed package
COSTCALC = [sys.executable, "-m", "costcalc"]


GNU_TIME = "/usr/bin/time" if Path("/usr/bin/time").exists() else None


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of one run of ``command``.

    The peak comes from GNU time when present: a child forked from this (larger) process would
    otherwise report this process's peak in its own rusage.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss.name, *command] if GNU_TIME else command
        start = time.perf_counter()
        process = subprocess.Popen(wrapped, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=RUN_IN)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.stderr:
            process.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{error}")
        peak_kib = int(rss.read().strip().splitlines()[-1]) if GNU_TIME else usage.ru_maxrss
    return wall, peak_kib / 1024


def median_run(command: list[str], runs: int) -> tuple[float, float]:
    measure(command)  # warm-up: compiled-module caches and the OS file cache
    results = [measure(command) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def cases(folder: Path, quick: bool) -> list[tuple[str, int, list[str], int]]:
    """(label, layers, command, runs) for every case."""
    # costcalc refuses networks of more than 50,000 layers (graph.MAX_NODES) and specs over 8 MiB
    sizes = [10_000] if quick else [10_000, 25_000, 49_000]
    out = [
        ("analyze resnet152 (table)", 0, [*COSTCALC, "analyze", "resnet152"], 3 if quick else 7),
        (
            "analyze resnet50 --format json",
            0,
            [*COSTCALC, "analyze", "resnet50", "--format", "json"],
            3 if quick else 7,
        ),
    ]
    generator = str(Path(__file__).resolve().parent / "generate.py")
    for kind in ("chain", "dag"):
        for size in sizes:
            path = folder / f"{kind}_{size}.yaml"
            # in a child process: a forked child inherits this process's peak memory in its rusage
            with path.open("w", encoding="utf-8") as spec_file:
                subprocess.run([sys.executable, generator, kind, str(size)], stdout=spec_file, check=True)
            runs = 1 if size >= 1_000_000 else 3
            out.append(
                (f"{kind} {size:,} --format json", size, [*COSTCALC, "analyze", str(path), "--format", "json"], runs)
            )
            out.append((f"{kind} {size:,} table (summary)", size, [*COSTCALC, "analyze", str(path)], runs))
    return out


def layer_count(command: list[str]) -> int:
    """Layers the analysis reports (for the bundled cases), read from its JSON."""
    import json

    spec = command[command.index("analyze") + 1]
    result = subprocess.run(
        [*COSTCALC, "analyze", spec, "--format", "json"], capture_output=True, text=True, check=True
    )
    return len(json.loads(result.stdout)["layers"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a one-minute smoke profile")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )
    floor, floor_mib = median_run(FLOOR, 5 if args.quick else 11)
    print(f"import floor: {floor:.3f} s, {floor_mib:.1f} MiB\n")
    header = f"{'case':38} {'layers':>10} {'wall s':>8} {'peak MiB':>9} {'× floor':>8} {'µs/layer':>9}"
    print(header)
    print("-" * len(header))
    folder = Path(tempfile.mkdtemp(prefix="costcalc-bench-"))
    try:
        for label, layers, command, runs in cases(folder, args.quick):
            wall, mib = median_run(command, runs)
            per_layer = f"{(wall - floor) / layers * 1e6:9.2f}" if layers else f"{'–':>9}"  # generated specs only
            layers = layers or layer_count(command)
            print(f"{label:38} {layers:>10,} {wall:>8.3f} {mib:>9.1f} {wall / floor:>8.2f} {per_layer}", flush=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
