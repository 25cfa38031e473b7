"""`costcalc devices` and `costcalc device probe|measure|calibrate`: the device profiles behind the
hardware view (issue 14), which analyze, compare and report read through --device."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .core import app
from .options import OutputOpt, emit, screen

device_app = typer.Typer(
    help="Measure this machine, time specs in PyTorch, and calibrate a device profile.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(device_app, name="device")


@app.command()
def devices(
    device: Annotated[
        str | None,
        typer.Argument(help="Show every figure of this profile (a bundled name or a file).", metavar="DEVICE"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Write the profiles as JSON.")] = False,
) -> None:
    """List the bundled device profiles with their sources, or show one profile in full.

    Every figure of a profile cites the document it comes from; dense peaks only (where a vendor quotes
    sparse rates, the sparse figure is recorded beside the dense one).

    Examples: costcalc devices; costcalc devices h100; costcalc devices my_chip.yaml --json
    """
    from ..hardware.device import bundled_devices, load_device
    from ..hardware.writer import device_dict

    chosen = [load_device(device)] if device is not None else bundled_devices()
    if as_json:
        data = [device_dict(d) for d in chosen]
        typer.echo(json.dumps(data[0] if device is not None else data, indent=1, ensure_ascii=False))
        return
    from ..render.terminal import words
    from ..render.text import one_line

    here = screen()
    lines: list = []
    if device is not None:
        for text in _details(chosen[0]).splitlines():  # each figure's line wraps under its own indentation
            indent = " " * (len(text) - len(text.lstrip()) + 4)
            lines += words(one_line(text.strip()), here.width, None, indent, text[: len(text) - len(text.lstrip())])
        here.print(lines)
        return
    for d in chosen:
        lines += words(one_line(f"{d.kind} · {d.title}"), here.width, None, "    ", f"{d.name}  ")
        for text in (_rates(d), f"sources: {', '.join(d.sources)}"):
            lines += words(one_line(text), here.width, "dim", "      ", "    ")
    lines += [[], *words("`costcalc devices NAME` shows each figure with its source.", here.width)]
    here.print(lines)


def _rates(d) -> str:  # type: ignore[no-untyped-def]
    peaks = ", ".join(f"{dtype} {f.text}" for dtype, f in d.peak.items() if dtype != "tf32")
    extra = f"; buffer {d.buffer.text}" if d.buffer else ""
    return f"peak {peaks}; bandwidth {d.bandwidth.text}{extra}"


def _details(d) -> str:  # type: ignore[no-untyped-def]
    from ..hardware.units import short

    lines = [f"{d.name}: {d.title}" + (f" (also: {', '.join(d.aliases)})" if d.aliases else "")]
    if d.description:
        lines.append(d.description)
    lines.append(f"kind {d.kind}; profile {d.file}" + (f"; measured with {d.threads} thread(s)" if d.threads else ""))

    def row(label: str, f, unit: str = "") -> None:  # type: ignore[no-untyped-def]
        text = f"  {label:22} {f.text:>16}  [{f.source}]"
        if f.sparse is not None:
            text += f" (sparse {short(f.sparse, unit)}: recorded, not used)"
        if f.derived:
            text += f" derived: {f.derived}"
        if f.note:
            text += f" — {f.note}"
        lines.append(text)

    for dtype, f in d.peak.items():
        row(f"peak {dtype}", f, "OP/s" if dtype.startswith("int") else "FLOP/s")
    for dtype, f in d.vector.items():
        row(f"vector {dtype}", f)
    row("bandwidth", d.bandwidth)
    if d.buffer:
        row("on-chip buffer", d.buffer)
    for kind, f in d.overhead.items():
        row(f"overhead {kind}", f)
    for kind, f in d.efficiency.items():
        row(f"efficiency {kind}", f)
    lines.append("sources:")
    lines += [f"  [{key}] {text}" for key, text in d.sources.items()]
    if d.missing:
        lines.append(f"missing: {d.missing}")
    return "\n".join(lines)


@device_app.command()
def probe(
    output: OutputOpt = None,
    threads: Annotated[
        int | None, typer.Option("--threads", min=1, help="Threads to measure with (default: PyTorch's).")
    ] = None,
    target: Annotated[str, typer.Option("--target", help="cpu, or cuda (a GPU; untested here).")] = "cpu",
    quick: Annotated[bool, typer.Option("--quick", help="Small sizes: a first look in a second or two.")] = False,
    clock: Annotated[
        str, typer.Option("--clock", help="wall (elapsed), or cpu: the thread's CPU time (--threads 1 only).")
    ] = "wall",
) -> None:
    """Measure this machine and write a device profile: peak FLOP/s of a large matmul per dtype (PyTorch,
    else NumPy), the streaming bandwidth of a large copy, the rate of in-cache elementwise work, the fixed
    time of one tiny layer, and the largest cache as the on-chip buffer.

    Example: costcalc device probe -o this_machine.yaml --threads 1
    """
    from ..hardware.probe import probe as measure
    from ..hardware.probe import profile_text

    emit(profile_text(measure(threads=threads, quick=quick, target=target, clock_name=clock)), output)


@device_app.command()
def measure(
    specs: Annotated[list[str], typer.Argument(help="Specs to time (bundled names or files).", metavar="SPEC...")],
    output: OutputOpt = None,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Timed runs per model; the median is kept.")] = 10,
    threads: Annotated[int, typer.Option("--threads", min=1, help="torch.set_num_threads.")] = 1,
    target: Annotated[str, typer.Option("--target", help="cpu, or cuda (untested here).")] = "cpu",
    clock: Annotated[
        str, typer.Option("--clock", help="wall (elapsed), or cpu: the thread's CPU time (--threads 1 only).")
    ] = "wall",
) -> None:
    """Time specs in PyTorch (the torch extra): the median of whole forward passes and of each layer,
    written as a measurement file for `costcalc device calibrate`.

    Example: costcalc device measure resnet18 mobilenet_v2 -o measurements.json
    """
    from .torch_commands import require_torch

    require_torch()
    import torch

    from ..hardware.measure import measure_spec
    from ..hardware.measurements import Measurements, measurements_text

    torch.set_num_threads(threads)
    models = tuple(measure_spec(spec, runs=runs, device=target) for spec in specs)
    result = Measurements(
        target, torch.get_num_threads(), "float32", 1, runs, f"torch {torch.__version__}", "median", models
    )
    emit(measurements_text(result), output)


@device_app.command()
def calibrate(
    profile: Annotated[
        str, typer.Argument(help="The device profile to calibrate (a file or a bundled name).", metavar="PROFILE")
    ],
    measurements: Annotated[
        Path, typer.Argument(help="A measurement file (`costcalc device measure`).", metavar="MEASUREMENTS")
    ],
    output: OutputOpt = None,
    train: Annotated[
        list[str] | None, typer.Option("--train", help="Fit on these specs only (repeatable); the rest are evaluated.")
    ] = None,
) -> None:
    """Fit per-kind efficiencies and overheads to measured latencies and write the calibrated profile;
    standard error gets each model's error before and after, and the MAPE.

    Example: costcalc device calibrate this_machine.yaml measurements.json -o calibrated.yaml
    """
    import sys

    from ..hardware.calibrate import calibrate as fit
    from ..hardware.device import load_device
    from ..hardware.measurements import load_measurements
    from ..hardware.writer import device_text

    result = fit(load_device(profile), load_measurements(measurements), train)
    emit(device_text(result.device, "Calibrated by `costcalc device calibrate`."), output)
    for m in result.models:
        sys.stderr.write(
            f"{m.spec:24} {'fitted' if m.trained else 'held out':8} measured {m.measured * 1e3:10.3f} ms, "
            f"raw {100 * (m.raw - m.measured) / m.measured:+6.0f}%, calibrated "
            f"{100 * (m.calibrated - m.measured) / m.measured:+6.0f}%\n"
        )
    sys.stderr.write(
        f"MAPE raw {result.mape('raw'):.1f}%, calibrated {result.mape('calibrated'):.1f}% "
        f"(fitted models {result.mape('calibrated', True):.1f}%, held out {result.mape('calibrated', False):.1f}%)\n"
    )
