"""Benchmark: `costcalc analyze model.onnx` as a whole process, beside the import floor and the peers.

Runs on demand (not in the test suite), with the project installed (pip install .):

    python tests/benchmarks/onnx_bench.py --export                  # exports costcalc's resnet50 first (torch)
    python tests/benchmarks/onnx_bench.py --model resnet50.onnx --onnx-tool /tmp/ot/bin/python

Each case is a fresh process: wall seconds (median of several runs) and peak resident MiB (GNU time),
and the ratio to the import floor `python -c "import typer, rich.console, rich.table, yaml"`. The
peers: loading the file with the onnx package (what any onnx-based tool pays first), and onnx-tool's
model_profile (in its own venv, given by --onnx-tool). It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bench_run", HERE / "run.py")
bench = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(bench)  # type: ignore[union-attr]


def export_resnet50(folder: Path) -> Path:
    """costcalc's resnet50 built in PyTorch, exported as torch.onnx.export does by default (TorchScript)."""
    path = folder / "resnet50.onnx"
    code = (
        "import torch, warnings; warnings.simplefilter('ignore')\n"
        "from costcalc.torch import build\n"
        "m = build('resnet50').eval()\n"
        f"torch.onnx.export(m, (m.example_input(),), {str(path)!r}, dynamo=False)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=bench.RUN_IN)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="an ONNX file (default: export costcalc's resnet50)")
    parser.add_argument("--export", action="store_true", help="export resnet50 with PyTorch into a temporary folder")
    parser.add_argument("--onnx-tool", metavar="PYTHON", help="a Python with onnx-tool installed (a scratch venv)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = args.model.resolve() if args.model else export_resnet50(folder)
        out = folder / "model.yaml"
        costcalc = [*bench.COSTCALC]
        cases = [
            ("import floor (typer, rich, yaml)", bench.FLOOR),
            ("costcalc analyze (table)", [*costcalc, "analyze", str(model)]),
            ("costcalc analyze --format json", [*costcalc, "analyze", str(model), "--format", "json"]),
            ("costcalc import -o model.yaml", [*costcalc, "import", str(model), "-o", str(out)]),
        ]
        # the onnx package: in this interpreter, or in onnx-tool's venv (which has it)
        onnx_python = sys.executable if importlib.util.find_spec("onnx") is not None else args.onnx_tool
        if onnx_python:
            cases.append(("python -c 'import onnx'", [onnx_python, "-c", "import onnx"]))
            cases.append(("onnx.load(model)", [onnx_python, "-c", f"import onnx; onnx.load({str(model)!r})"]))
        if args.onnx_tool:
            profile = f"import onnx_tool; onnx_tool.model_profile({str(model)!r})"
            cases.append(("onnx-tool model_profile", [args.onnx_tool, "-c", profile]))
        print(
            f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}"
        )
        print(f"model: {model.name}, {model.stat().st_size / 2**20:.1f} MiB; GNU time: {bool(bench.GNU_TIME)}")
        rows = []
        for label, command in cases:
            wall, peak = bench.median_run(command, args.runs)
            rows.append((label, wall, peak))
        floor = rows[0][1]
        print()
        print(f"{'case':<36} {'wall s':>8} {'peak MiB':>9} {'× floor':>8}")
        print("-" * 64)
        for label, wall, peak in rows:
            print(f"{label:<36} {wall:>8.3f} {peak:>9.1f} {wall / floor:>8.2f}")
        if shutil.which("costcalc") is None:
            print("\n(costcalc is run as python -m costcalc from this interpreter)")


if __name__ == "__main__":
    main()
