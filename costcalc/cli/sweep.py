"""`costcalc sweep`: one spec over every combination of settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .core import app
from .options import (
    REPORT_SUFFIXES,
    DType,
    DTypeOpt,
    ExactOpt,
    OutputOpt,
    ReportFormatOpt,
    SpecArg,
    emit,
    output_format,
    spec_files,
    write_report,
)

PROGRESS_FROM = 50  # variants; fewer finish before a progress bar would help


@app.command()
def sweep(
    spec: SpecArg,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            metavar="NAME=V1,V2,...",
            help="Values of a var to sweep; a..b or a..b..step for ranges. Repeat for more vars.",
        ),
    ] = None,
    input_size: Annotated[
        list[str] | None,
        typer.Option("--input", metavar="S1,S2,...", help="Input sizes, each as analyze reads --input (160, 160x120)."),
    ] = None,
    batch: Annotated[list[str] | None, typer.Option("--batch", "-b", metavar="B1,B2,...", help="Batch sizes.")] = None,
    dtype: DTypeOpt = DType.float32,  # type: ignore[attr-defined]
    output_format_: ReportFormatOpt = None,
    output: OutputOpt = None,
    exact: ExactOpt = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", metavar="FILE", help="Also chart MACs and params against the first swept value (.svg .png .pdf)."
        ),
    ] = None,
    zipped: Annotated[
        list[str] | None,
        typer.Option(
            "--zip",
            metavar="NAME,NAME,...",
            help="Step these swept axes together (their i-th values form one variant); repeatable.",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", min=1, max=256, help="Analyse in this many processes.")] = 1,
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Only the K-th of N slices of the combinations (for a scheduler); concatenate the shards' CSV.",
        ),
    ] = None,
) -> None:
    """Analyse every combination of the given values (cartesian product), one row each.

    Example (MobileNet Table 6): costcalc sweep mobilenet_v1 --set alpha=1,0.75,0.5,0.25 --exact

    Example (Table 7): costcalc sweep mobilenet_v1 --set resolution=224,192,160,128 --exact

    Example (compound scaling): costcalc sweep efficientnet --set variant=0..7 --set resolution=@resolutions
    --zip variant,resolution
    """
    from ..reporting import SweepReport
    from ..sources import load_spec
    from ..sweep import axes_from, count_variants, parse_shard
    from ..sweep import sweep as run_sweep

    fmt = output_format(output_format_, output, REPORT_SUFFIXES, "table", "sweep")
    if fmt == "html":
        raise typer.BadParameter("a sweep is a table: write table, json, csv, markdown or latex", param_hint="--format")
    chart_format = None
    if plot is not None:
        from ..render.charts import CHART_FORMATS

        chart_format = output_format(None, plot, {f".{f}": f for f in CHART_FORMATS}, "svg", "sweep --plot", False)
    parsed = load_spec(spec)  # read once, for every variant (and for the lists @NAME sweeps over)
    groups = [[name.strip() for name in group.split(",") if name.strip()] for group in zipped or ()]
    axes = axes_from(set_ or [], input_size or [], batch or [], parsed, groups)
    if plot is not None and not axes:
        raise typer.BadParameter("nothing is swept to plot against", param_hint="--plot")
    part = parse_shard(shard) if shard is not None else None
    variants = _run(run_sweep, parsed, axes, dtype.value, count_variants(axes), jobs, part)
    report = SweepReport(parsed.name, tuple(axes), tuple(variants), dtype.value)
    write_report(report, fmt, output, spec_files(spec), exact)
    if plot is not None:
        from ..render.charts import sweep_chart

        axis = axes[0]
        chart = sweep_chart(
            parsed.name,
            axis.name,
            [v.settings[axis.name] for v in variants],
            [v.totals.macs for v in variants],
            [v.totals.params for v in variants],
            chart_format or "svg",
        )
        emit(chart, plot, spec_files(spec))


def _run(run_sweep: Any, spec: Any, axes: Any, dtype: str, total: int, jobs: int, shard: Any) -> list[Any]:
    if total < PROGRESS_FROM or sys.stderr is None or not sys.stderr.isatty():
        return list(run_sweep(spec, axes, dtype, jobs=jobs, shard=shard))
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analysing variants", total=total)
        return list(run_sweep(spec, axes, dtype, lambda: progress.advance(task), jobs=jobs, shard=shard))
