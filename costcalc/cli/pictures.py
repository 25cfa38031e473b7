"""`costcalc graph`, `costcalc plot` and `costcalc report`: diagrams, charts and an HTML report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .core import app, remember_specs
from .options import DType, InputOpt, SetOpt, SpecArg, emit, run_analysis

DepthOpt = Annotated[int | None, typer.Option("--depth", "-d", min=1, help="Fold blocks nested deeper than this.")]


class DiagramFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


DIAGRAM_SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}


def write_bytes(data: bytes, output: Path | None) -> None:
    if output is None:
        if sys.stdout.isatty():
            raise typer.BadParameter("this is a binary image; give -o FILE", param_hint="--output")
        sys.stdout.buffer.write(data)
        return
    from ..report.files import write_atomic

    write_atomic(output, data)
    sys.stderr.write(f"wrote {output}\n")


def suffix_format(output: Path | None, known: dict[str, str], default: str) -> str:
    if output is None:
        return default
    suffix = output.suffix.lower()
    if suffix not in known:
        raise typer.BadParameter(
            f"cannot tell the format of '{output}' from its extension (known: {', '.join(known)}); give --format",
            param_hint="--output",
        )
    return known[suffix]


@app.command()
def graph(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
    depth: DepthOpt = None,
    diagram_format: Annotated[
        DiagramFormat | None,
        typer.Option("--format", "-f", help="mermaid (default), dot, svg or png; inferred from -o."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (.mmd .dot .svg .png).")
    ] = None,
) -> None:
    """Draw the network: layers with kind, output shape and MACs, blocks as clusters, edges labelled with tensors.

    Mermaid renders on GitHub; DOT goes to Graphviz; SVG and PNG use Graphviz's dot.

    Example: costcalc graph googlenet --depth 1 -o googlenet.svg
    """
    from ..report.diagram import build_diagram, render_dot, to_dot, to_mermaid

    fmt = diagram_format.value if diagram_format else suffix_format(output, DIAGRAM_SUFFIXES, "mermaid")
    analysis = run_analysis(spec, set_, input_shape, 1, DType.float32)
    diagram = build_diagram(analysis, depth)
    if fmt == "mermaid":
        emit(to_mermaid(diagram), output)
    elif fmt == "dot":
        emit(to_dot(diagram), output)
    else:
        write_bytes(render_dot(to_dot(diagram), fmt), output)


@app.command()
def plot(
    specs: Annotated[
        list[str],
        typer.Argument(
            help="One spec: a chart of its layers; several: grouped bars per block.",
            callback=remember_specs,
            show_default=False,
            metavar="SPEC...",
        ),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="chart.svg or chart.png.")],
    set_: SetOpt = None,
    input_shape: InputOpt = None,
    depth: DepthOpt = None,
) -> None:
    """Chart where the MACs and params are (needs matplotlib: pip install 'costcalc[plot]').

    Example: costcalc plot vgg16 -o vgg16.svg

    Example: costcalc plot resnet18 resnet34 resnet50 -o resnets.png
    """
    from ..report.charts import comparison_chart, layer_chart

    fmt = suffix_format(output, {".svg": "svg", ".png": "png"}, "svg")
    analyses = [run_analysis(spec, set_, input_shape, 1, DType.float32) for spec in specs]
    if len(analyses) == 1:
        data = layer_chart(analyses[0], fmt, depth)
    else:
        from .compare import labels_for

        data = comparison_chart(analyses, labels_for([a.name for a in analyses], [{}] * len(analyses)), fmt)
    write_bytes(data, output)


@app.command()
def report(
    specs: Annotated[
        list[str],
        typer.Argument(help="One or more specs.", callback=remember_specs, show_default=False, metavar="SPEC..."),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="report.html (standard output if absent).")
    ] = None,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
) -> None:
    """One self-contained HTML file: convention, totals, charts, diagram, a sortable, foldable layer table.

    Charts need matplotlib and the diagram Graphviz; without them the report says so in their place.

    Example: costcalc report resnet50 -o resnet50.html

    Example: costcalc report resnet18 resnet50 -o resnets.html
    """
    from ..report.html_report import render_html
    from .compare import labels_for

    analyses = [run_analysis(spec, set_, input_shape, 1, DType.float32) for spec in specs]
    emit(render_html(analyses, labels_for([a.name for a in analyses], [{}] * len(analyses))), output)
