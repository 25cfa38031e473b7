"""`costcalc graph`, `costcalc plot` and `costcalc report`: diagrams, charts and an HTML report."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .core import app
from .options import (
    ActivationsDTypeOpt,
    BatchesOpt,
    BatchOpt,
    DepthOpt,
    DeviceOpt,
    DType,
    DTypeOpt,
    DTypesOpt,
    ExactOpt,
    InPlaceOpt,
    InputOpt,
    InputsOpt,
    Scales,
    SetAOpt,
    SetBOpt,
    SetOpt,
    SetsOpt,
    SpecArg,
    SpecsArg,
    WeightsDTypeOpt,
    emit,
    hardware_options,
    load_reports,
    output_format,
    per_spec_settings,
    spec_files,
)


class DiagramFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


class ChartFormat(StrEnum):
    svg = "svg"
    png = "png"
    pdf = "pdf"


DIAGRAM_SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png"}
CHART_SUFFIXES = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


@app.command()
def graph(
    spec: SpecArg,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    batch: BatchOpt = "1",
    dtype: DTypeOpt = DType.float32,  # type: ignore[attr-defined]
    depth: DepthOpt = None,
    diagram_format: Annotated[
        DiagramFormat | None,
        typer.Option("--format", "-f", help="mermaid (default), dot, svg or png; else from -o's extension."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (.mmd .dot .svg .png).")
    ] = None,
    exact: ExactOpt = False,
) -> None:
    """Draw the network: layers with kind, output shape and MACs, blocks as clusters, edges labelled with tensors.

    Mermaid renders on GitHub; DOT goes to Graphviz; SVG and PNG use Graphviz's dot.

    Example: costcalc graph googlenet --depth 1 -o googlenet.svg
    """
    from ..render.diagram import build_diagram, render_dot, to_dot, to_mermaid
    from ..reporting import Options, build_report, load_graph
    from ..settings import Settings

    fmt = output_format(diagram_format, output, DIAGRAM_SUFFIXES, "mermaid", "graph")
    settings = Settings.parse(set_, input_size, batch, dtype.value)
    network, note = load_graph(spec, settings)
    report = build_report(network, settings, Options(depth=depth), note)
    diagram = build_diagram(report.analysis, depth, exact)
    if fmt == "mermaid":
        emit(to_mermaid(diagram), output, spec_files(spec))
    elif fmt == "dot":
        emit(to_dot(diagram), output, spec_files(spec))
    else:
        emit(render_dot(to_dot(diagram), fmt), output, spec_files(spec))


@app.command()
def plot(
    specs: SpecsArg,
    output: Annotated[Path, typer.Option("--output", "-o", metavar="FILE", help="chart.svg, chart.png or chart.pdf.")],
    chart_format: Annotated[
        ChartFormat | None, typer.Option("--format", "-f", help="svg, png or pdf; else from -o's extension.")
    ] = None,
    set_: SetsOpt = None,
    set_a: SetAOpt = None,
    set_b: SetBOpt = None,
    input_size: InputsOpt = None,
    batch: BatchesOpt = None,
    dtype: DTypesOpt = None,
    depth: DepthOpt = None,
    device: DeviceOpt = None,
    weights_dtype: WeightsDTypeOpt = None,
    activations_dtype: ActivationsDTypeOpt = None,
) -> None:
    """Chart where the MACs and params are (needs matplotlib: pip install 'costcalc[plot]').

    With --device, the roofline instead: every layer a point at its arithmetic intensity and attainable
    FLOP/s under the device's roof.

    Example: costcalc plot vgg16 -o vgg16.svg

    Example: costcalc plot resnet18 resnet34 resnet50 -o resnets.png

    Example: costcalc plot mobilenet_v2 --device jetson-orin-nano --dtype int8 -o roofline.svg
    """
    from ..render.charts import comparison_chart, layer_chart
    from ..reporting import Options, labels_for

    fmt = output_format(chart_format, output, CHART_SUFFIXES, "svg", "plot")
    settings = per_spec_settings(len(specs), set_, set_a, set_b, input_size, batch, dtype)
    hardware = hardware_options(device, weights_dtype, activations_dtype, Scales.per_channel)  # type: ignore[attr-defined]
    if device is not None and len(specs) != 1:
        raise typer.BadParameter("a roofline chart is of one spec (compare --device sets several side by side)")
    reports = load_reports(specs, settings, Options(depth=depth, **hardware))
    if device is not None:
        if fmt == "pdf":
            raise typer.BadParameter("a roofline chart is drawn as svg or png", param_hint="--output")
        from ..hardware import roofline_chart

        view = reports[0].hardware
        data = roofline_chart(view.roofline, view.traffic, fmt)
    elif len(reports) == 1:
        data = layer_chart(reports[0].analysis, fmt, depth)
    else:
        labels = labels_for([r.name for r in reports], [s.overrides for s in settings])
        data = comparison_chart([r.analysis for r in reports], labels, fmt)
    emit(data, output, spec_files(*specs))


@app.command()
def report(
    specs: SpecsArg,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="FILE", help="report.html (standard output if absent).")
    ] = None,
    set_: SetsOpt = None,
    set_a: SetAOpt = None,
    set_b: SetBOpt = None,
    input_size: InputsOpt = None,
    batch: BatchesOpt = None,
    dtype: DTypesOpt = None,
    in_place: InPlaceOpt = False,
    device: DeviceOpt = None,
    weights_dtype: WeightsDTypeOpt = None,
    activations_dtype: ActivationsDTypeOpt = None,
) -> None:
    """One self-contained HTML file: convention, totals, charts, diagram, a sortable, foldable layer table.

    The same page as `costcalc analyze -f html` (one spec) or `costcalc compare -f html` (several).
    Charts need matplotlib and the diagram Graphviz; without them the report says so in their place.

    Example: costcalc report resnet50 -o resnet50.html

    Example: costcalc report resnet18 resnet50 -o resnets.html

    Example: costcalc report resnet50 --device a100 -o r.html  (with the roofline plot)
    """
    from ..render.html import render_html
    from ..reporting import ComparisonReport, Options, labels_for

    output_format(None, output, {".html": "html", ".htm": "html"}, "html", "report", has_format_option=False)
    settings = per_spec_settings(len(specs), set_, set_a, set_b, input_size, batch, dtype)
    hardware = hardware_options(device, weights_dtype, activations_dtype, Scales.per_channel)  # type: ignore[attr-defined]
    reports = load_reports(specs, settings, Options(in_place=in_place, **hardware))
    if len(reports) == 1:
        page = render_html(reports[0])
    else:
        labels = labels_for([r.name for r in reports], [s.overrides for s in settings])
        page = render_html(ComparisonReport(tuple(reports), labels))
    emit(page, output, spec_files(*specs))
