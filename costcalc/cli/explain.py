"""`costcalc explain`: how each layer's numbers come out, in the course's notation."""

from __future__ import annotations

from typing import Annotated

import typer

from .core import app
from .options import (
    ActivationsDTypeOpt,
    BatchOpt,
    DeviceOpt,
    DType,
    DTypeOpt,
    InputOpt,
    OutputOpt,
    Scales,
    ScalesOpt,
    SetOpt,
    SpecArg,
    WeightsDTypeOpt,
    hardware_options,
    output_format,
    show,
    spec_files,
)


@app.command()
def explain(
    spec: SpecArg,
    layer: Annotated[
        str | None, typer.Option("--layer", "-l", help="Explain only this layer (its full dotted name).")
    ] = None,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    batch: BatchOpt = "1",
    dtype: DTypeOpt = DType.float32,  # type: ignore[attr-defined]
    output: OutputOpt = None,
    device: DeviceOpt = None,
    weights_dtype: WeightsDTypeOpt = None,
    activations_dtype: ActivationsDTypeOpt = None,
    scales: ScalesOpt = Scales.per_channel,  # type: ignore[attr-defined]
) -> None:
    """Show how each layer's output shape, MACs, params and other ops come out (per input).

    The formulas are produced by the same code that computes the numbers.

    Example: costcalc explain inception_naive

    Example: costcalc explain resnet50 --layer layer1.0.conv2

    Example: costcalc explain mobilenet_v2 --layer stage2.0.depthwise --device jetson-orin-nano --dtype int8
    """
    from ..analysis import analyze
    from ..errors import SpecError, nearest
    from ..explain import explain as explain_layers
    from ..render.explain_text import explain_lines
    from ..reporting import Options, hardware_of, load_graph, load_source
    from ..settings import Settings

    output_format(None, output, {".txt": "table"}, "table", "explain", has_format_option=False)
    settings = Settings.parse(set_, input_size, batch, dtype.value)
    source = load_source(spec)
    graph, _ = load_graph(source, settings)
    options = Options(**hardware_options(device, weights_dtype, activations_dtype, scales))
    if layer is not None and all(node.name != layer for node in graph.nodes):
        near = nearest(layer, [node.name for node in graph.nodes])
        raise SpecError(
            f"no layer '{layer}' in {graph.name}" + (f"; did you mean '{near[0]}'?" if near else ""),
            expected="a full dotted layer name as analyze lists it",
        )
    items = explain_layers(graph, analyze(graph), layer)
    hardware = None
    if options.hardware:
        from ..hardware.formulas import layer_lines

        view = hardware_of(graph, settings, options, source)
        hardware = {item.layer: layer_lines(view.traffic, view.roofline, item.layer) for item in items}
    show(lambda width: explain_lines(items, width, settings.batch, hardware), output, spec_files(spec))
