"""`costcalc analyze` and `costcalc validate`: one spec, reported or checked."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .core import app
from .options import (
    BatchOpt,
    DType,
    DTypeOpt,
    Format,
    InputOpt,
    SetOpt,
    SpecArg,
    parse_settings,
    parse_shape,
    run_analysis,
    stdout_console,
)


@app.command()
def analyze(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", "-d", min=1, help="Fold blocks nested deeper than this into one row each (1: top-level only)."
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="table for people, json for scripts.")
    ] = Format.table,
    exact: Annotated[bool, typer.Option("--exact", help="Full integers in the table instead of K/M/G units.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every row, even in a huge table (over 500 rows show the 25 heaviest).")
    ] = False,
) -> None:
    """Report params, MACs, FLOPs, other ops and activations per layer and in total.

    Example: costcalc analyze mobilenet_v1 --set alpha=0.5 --set resolution=160
    """
    analysis = run_analysis(spec, set_, input_shape, batch, dtype)
    if output_format is Format.json:
        from ..report.json_report import render_json

        sys.stdout.write(render_json(analysis))
        return
    from ..report.table import render_analysis

    render_analysis(analysis, stdout_console(), depth, exact, show_all)


@app.command()
def validate(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
) -> None:
    """Check a spec (structure, names, values, shapes) without printing a report; exit 0 or 2.

    Example: costcalc validate my_net.yaml
    """
    from ..api import build_spec_graph

    graph = build_spec_graph(spec, parse_settings(set_), parse_shape(input_shape))
    from ..layers import fmt_shape

    typer.echo(
        f"ok: {graph.name}: {len(graph.nodes) - 1} layers, input {fmt_shape(graph.input_shape)}, "
        f"output {fmt_shape(graph.nodes[-1].shape)}"
    )
