"""`costcalc sweep`: one spec over every combination of settings."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .core import app
from .options import (
    DType,
    DTypeOpt,
    Format,
    FormatOpt,
    OutputOpt,
    SpecArg,
    emit,
    render_table_text,
    resolve_format,
    stdout_console,
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
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            metavar="S1,S2,...",
            help="Input sizes (224 = 224×224 with the spec's channels) or shapes (160x160x3).",
        ),
    ] = None,
    batch: Annotated[list[str] | None, typer.Option("--batch", "-b", metavar="B1,B2,...", help="Batch sizes.")] = None,
    dtype: DTypeOpt = DType.float32,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    exact: Annotated[bool, typer.Option("--exact", help="Full integers instead of K/M/G units.")] = False,
    plot: Annotated[
        Path | None,
        typer.Option(
            "--plot", metavar="FILE", help="Also chart MACs and params against the first swept value (.svg, .png)."
        ),
    ] = None,
) -> None:
    """Analyse every combination of the given values (cartesian product), one row each.

    Example (MobileNet Table 6): costcalc sweep mobilenet_v1 --set alpha=1,0.75,0.5,0.25 --exact

    Example (Table 7): costcalc sweep mobilenet_v1 --set resolution=224,192,160,128 --exact
    """
    from ..sources import load_spec
    from ..sweep import axes_from, count_variants
    from ..sweep import sweep as run_sweep

    fmt = resolve_format(output_format, output)
    axes = axes_from(set_ or [], input_shape or [], batch or [])
    parsed = load_spec(spec)  # read once, for every variant
    total = count_variants(axes)
    variants = _run(run_sweep, parsed, axes, dtype.value, total)
    from ..report import sweep_view

    if fmt is Format.table:

        def render(console: Any) -> None:
            sweep_view.render_sweep(parsed.name, axes, variants, console, exact)

        if output is None:
            render(stdout_console())
        else:
            emit(render_table_text(render), output)
    else:
        emit(sweep_view.sweep_file(parsed.name, axes, variants, fmt.value), output)
    if plot is not None:
        from ..report.charts import sweep_chart
        from .pictures import suffix_format, write_bytes

        if not axes:
            raise typer.BadParameter("nothing is swept to plot against", param_hint="--plot")
        axis = axes[0]
        chart = sweep_chart(
            parsed.name,
            axis.name,
            [v.settings[axis.name] for v in variants],
            [v.totals.macs for v in variants],
            [v.totals.params for v in variants],
            suffix_format(plot, {".svg": "svg", ".png": "png"}, "svg"),
        )
        write_bytes(chart, plot)


def _run(run_sweep: Any, spec: Any, axes: Any, dtype: str, total: int) -> list[Any]:
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return list(run_sweep(spec, axes, dtype))
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("analysing variants", total=total)
        return list(run_sweep(spec, axes, dtype, lambda: progress.advance(task)))
