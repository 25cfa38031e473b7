"""How good is the roofline estimate? Run every bundled spec in PyTorch, time it, compare.

    python tests/benchmarks/roofline.py                      # this CPU, 1 thread: probe, measure, calibrate
    python tests/benchmarks/roofline.py --threads 2 --runs 20
    python tests/benchmarks/roofline.py --profile this_machine.yaml   # use a probed profile, skip the probe
    python tests/benchmarks/roofline.py --device cuda        # the same on a GPU (written for it, untested here)

Needs the torch extra. Steps: (1) `costcalc device probe` of this machine (unless --profile), with the
thread count fixed (torch.set_num_threads); (2) every bundled spec built with costcalc.torch.build, run
under torch.inference_mode on zeros of its input shape, batch 1, float32: the median of --runs whole
forward passes, and the median time of each layer (the module's plan run layer by layer, a clock around
each); (3) the estimate of each model with the probed profile ("raw"; and "roofline", the same without
the probed per-layer overhead); (4) `costcalc device calibrate` fitted on the --train specs (default:
every other spec in name order) and evaluated on all, the others being ones the fit never saw. Prints
each model's figures and the mean absolute percentage error (MAPE) of the whole-model estimates; writes
the profile, the measurements and the calibrated profile to --out.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout's costcalc, when run from it

from costcalc.hardware import calibrate, device_text, load_device, load_measurements, measurements_text  # noqa: E402
from costcalc.hardware.calibrate import ModelFit, model_estimate  # noqa: E402
from costcalc.hardware.measure import measure_spec  # noqa: E402
from costcalc.hardware.measurements import Measurements  # noqa: E402
from costcalc.hardware.probe import probe, probe_device  # noqa: E402
from costcalc.sources import bundled_names  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--runs", type=int, default=10, help="timed runs per model (default 10; the median is kept)")
    parser.add_argument("--min-seconds", type=float, default=0.5, help="keep running a model until this long")
    parser.add_argument(
        "--statistic", choices=("median", "min"), default="median", help="what each figure keeps of the runs"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: elapsed time; cpu: the thread's CPU time (one thread; not stretched by other processes)",
    )
    parser.add_argument("--profile", help="a device profile to use instead of probing now")
    parser.add_argument("--measurements", help="a measurement file to use instead of timing the specs now")
    parser.add_argument("--specs", nargs="*", help="the specs (default: every bundled spec)")
    parser.add_argument("--train", nargs="*", help="the specs to calibrate on (default: every other, in name order)")
    parser.add_argument("--out", default="roofline-benchmark", help="folder for the files written")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"torch {torch.__version__}, {torch.get_num_threads()} thread(s), device {args.device}"
    )
    if args.profile:
        device = load_device(args.profile)
    else:
        started = time.perf_counter()
        device = probe_device(probe(threads=args.threads, target=args.device, clock_name=args.clock))
        (out / "this_machine.yaml").write_text(device_text(device, "Measured by `costcalc device probe`."))
        print(f"probed in {time.perf_counter() - started:.1f} s -> {out / 'this_machine.yaml'}")
    for dtype, figure in device.peak.items():
        print(f"  peak {dtype}: {figure.text or figure.value}")
    print(
        f"  bandwidth: {device.bandwidth.text}; overhead: "
        + ", ".join(f"{k} {f.text}" for k, f in device.overhead.items())
    )

    if args.measurements:
        measured = load_measurements(args.measurements)
        specs = [m.spec for m in measured.models]
        train = args.train if args.train is not None else specs[::2]
    else:
        specs = args.specs or bundled_names()
        train = args.train if args.train is not None else specs[::2]
        models = []
        for spec in specs:
            started = time.perf_counter()
            models.append(
                measure_spec(
                    spec,
                    args.runs,
                    device=args.device,
                    min_seconds=args.min_seconds,
                    statistic=args.statistic,
                    clock_name=args.clock,
                )
            )
            print(f"  measured {spec:24} {models[-1].seconds * 1e3:10.3f} ms  ({time.perf_counter() - started:.1f} s)")
        measured = Measurements(
            device=args.device,
            threads=torch.get_num_threads(),
            dtype="float32",
            batch=1,
            runs=args.runs,
            backend=f"torch {torch.__version__}",
            statistic=args.statistic,
            models=tuple(models),
            file=str(out / "measurements.json"),
            clock=args.clock,
        )
        (out / "measurements.json").write_text(measurements_text(measured))
    fit = calibrate(device, measured, train)
    (out / "calibrated.yaml").write_text(device_text(fit.device, "Calibrated by `costcalc device calibrate`."))
    bare = replace(device, overhead={}, efficiency={})
    load_after = os.getloadavg()

    print()
    print(
        f"{'spec':24} {'fit':>5} {'measured':>11} {'roofline':>11} {'err':>7} {'raw':>11} {'err':>7} "
        f"{'calibrated':>11} {'err':>7}"
    )
    roofline_errors = []
    for m in fit.models:
        pure, _ = model_estimate(bare, m.spec)
        roofline_errors.append(ModelFit.error(pure, m.measured))
        print(
            f"{m.spec:24} {'train' if m.trained else 'test':>5} {_ms(m.measured)} {_ms(pure)} "
            f"{_pct(pure, m.measured)} {_ms(m.raw)} {_pct(m.raw, m.measured)} {_ms(m.calibrated)} "
            f"{_pct(m.calibrated, m.measured)}"
        )
    print()
    print(f"MAPE, whole-model latency, {len(fit.models)} models:")
    print(f"  roofline only (probed peak and bandwidth)     {100 * sum(roofline_errors) / len(roofline_errors):6.1f}%")
    print(f"  raw (the probed profile, with its overheads)   {fit.mape('raw'):6.1f}%")
    print(
        f"  calibrated, on the {sum(m.trained for m in fit.models)} fitted models          {fit.mape('calibrated', True):6.1f}%"
    )
    print(
        f"  calibrated, on the {sum(not m.trained for m in fit.models)} models not fitted        {fit.mape('calibrated', False):6.1f}%"
    )
    print(f"  calibrated, all                                {fit.mape('calibrated'):6.1f}%")
    print(f"fitted on: {', '.join(train)}")
    print(
        "efficiency / overhead per kind: "
        + ", ".join(f"{k} {fit.efficiency[k]:.3g} / {fit.overhead[k] * 1e6:.3g} µs" for k in sorted(fit.efficiency))
    )
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (other processes share the cores)")


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:8.3f} ms"


def _pct(estimate: float, measured: float) -> str:
    return f"{100 * (estimate - measured) / measured:+6.0f}%"


if __name__ == "__main__":
    main()
