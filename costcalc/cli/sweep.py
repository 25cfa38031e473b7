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
) -> None:
    """Analyse every combination of the given values (cartesian product), one row each.

    Example (MobileNet Table 6): costcalc sweep mobilenet_v1 --set alpha=1,0.75,0.5,0.25 --exact

    Example (Table 7): costcalc sweep mobilenet_v1 --set resolution=224,192,160,128 --exact
    """
    from ..reporting import SweepReport
    from ..sources import load_spec
    from ..sweep import axes_from, count_variants
    from ..sweep import sweep as run_sweep

    fmt = output_format(output_format_, output, REPORT_SUFFIXES, "table", "sweep")
    if fmt == "html":
        raise typer.BadParameter("a sweep is a table: write table, json, csv, markdown or latex", param_hint="--format")
    chart_format = None
    if plot is not None:
        from ..render.charts import CHART_FORMATS

        chart_format = output_format(None, plot, {f".{f}": f for f in CHART_FORMATS}, "svg", "sweep --plot", False)
    axes = axes_from(set_ or [], input_size or [], batch or [])
    if plot is not None and not axes:
        raise typer.BadParameter("nothing is swept to plot against", param_hint="--plot")
    parsed = load_spec(spec)  # read once, for every variant
    variants = _run(run_sweep, parsed, axes, dtype.value, count_variants(axes))
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


def _run(run_sweep: Any, spec: Any, axes: Any, dtype: str, total: int) -> list[Any]:
    if total < PROGRESS_FROM or sys.stderr is None or not sys.stderr.isatty():
        return list(run_sweep(spec, axes, dtype))
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analysing variants", total=total)
        return list(run_sweep(spec, axes, dtype, lambda: progress.advance(task)))
