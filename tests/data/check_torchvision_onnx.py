"""Read torchvision's models as ONNX files and compare costcalc's counts with PyTorch's (not run in CI).

Run it with an interpreter that has torch, torchvision, onnx and onnxscript (torchvision does not
import beside the torch of the test venv, so this uses its own):

    python tests/data/check_torchvision_onnx.py --costcalc .venv/bin/costcalc swin_t maxvit_t

For each model (weights=None, eval mode, 224×224 or the size given as name@size): FlopCounterMode's
MACs and sum(p.numel()) on the module, then `costcalc analyze FILE -f json` on its export by each
exporter (TorchScript, dynamo). MACs must be equal (less, for dynamo, what it evaluates at export: Swin V2's
position MLP's first Linear, worked out from the module by folded_at_export); params differ where an exporter stored more or
less than the module has (documented in docs/onnx.md), so the difference is printed, not judged.
Exit status 1 when any MACs differ or a file is not read.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path


def module_figures(model, size: int) -> tuple[int, int]:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        model(torch.zeros(1, 3, size, size))
    return counter.get_total_flops() // 2, sum(p.numel() for p in model.parameters())


def folded_at_export(model) -> int:
    """MACs the dynamo exporter evaluates at export, so that its file does not compute them: the first Linear of
    each Swin V2 position MLP (cpb_mlp), on a stored coordinate table that does not depend on the input. Worked
    out from the module (table rows × in × out features), not from costcalc."""
    total = 0
    for module in model.modules():
        mlp, table = getattr(module, "cpb_mlp", None), getattr(module, "relative_coords_table", None)
        if mlp is not None and table is not None:
            first = mlp[0]
            total += table[..., 0].numel() * first.in_features * first.out_features
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+", help="torchvision model names (name@size for another input size)")
    parser.add_argument("--costcalc", default="costcalc", help="the costcalc command to run")
    parser.add_argument("--keep", type=Path, help="keep the ONNX files in this folder")
    args = parser.parse_args()
    import torch
    import torchvision

    warnings.simplefilter("ignore")
    folder = args.keep or Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    failed = False
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}")
    print(
        f"{'model':22} {'exporter':11} {'MACs (PyTorch)':>16} {'MACs (costcalc)':>16} {'params':>12} {'Δ params':>10}"
    )
    for item in args.models:
        name, _, size = item.partition("@")
        size = int(size or 224)
        model = getattr(torchvision.models, name)(weights=None).eval()
        macs, params = module_figures(model, size)
        for exporter in ("torchscript", "dynamo"):
            path = folder / f"{name}_{size}_{exporter}.onnx"
            try:
                torch.onnx.export(model, (torch.zeros(1, 3, size, size),), str(path), dynamo=exporter == "dynamo")
            except Exception as exc:  # an exporter's refusal is reported, not costcalc's failure
                print(f"{name:22} {exporter:11} export failed: {type(exc).__name__}")
                continue
            run = subprocess.run([args.costcalc, "analyze", str(path), "-f", "json"], capture_output=True, text=True)
            if run.returncode:
                failed = True
                print(f"{name:22} {exporter:11} {macs:16,} {'not read':>16}  {run.stderr.strip()[:300]}")
                continue
            totals = json.loads(run.stdout)["totals"]
            folded = folded_at_export(model) if exporter == "dynamo" else 0
            failed |= totals["macs"] != macs - folded
            mark = f"  = PyTorch − {folded:,} folded at export" if folded else ""
            mark = mark if totals["macs"] == macs - folded else "  MACs DIFFER"
            print(
                f"{name:22} {exporter:11} {macs:16,} {totals['macs']:16,} {totals['params']:12,}"
                f" {totals['params'] - params:+10,}{mark}"
            )
        print(f"{'':22} {'module':11} {'':16} {'':16} {params:12,}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
