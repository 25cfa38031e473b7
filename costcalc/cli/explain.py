"""`costcalc explain`: how each layer's numbers come out, in the course's notation."""

from __future__ import annotations

from typing import Annotated

import typer

from .core import app
from .options import InputOpt, SetOpt, SpecArg, parse_settings, parse_shape, stdout_console


@app.command()
def explain(
    spec: SpecArg,
    layer: Annotated[
        str | None, typer.Option("--layer", "-l", help="Explain only this layer (its full dotted name).")
    ] = None,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
) -> None:
    """Show how each layer's output shape, MACs, params and other ops come out (batch 1).

    The formulas are produced by the same code that computes the numbers.

    Example: costcalc explain inception_naive

    Example: costcalc explain resnet50 --layer layer1.0.conv2
    """
    from ..analysis import analyze
    from ..api import build_spec_graph
    from ..errors import SpecError, nearest
    from ..explain import explain as explain_layers
    from ..report.explain_view import render_explanations

    graph = build_spec_graph(spec, parse_settings(set_), parse_shape(input_shape))
    if layer is not None and all(node.name != layer for node in graph.nodes):
        near = nearest(layer, [node.name for node in graph.nodes])
        raise SpecError(
            f"no layer '{layer}' in {graph.name}" + (f"; did you mean '{near[0]}'?" if near else ""),
            expected="a full dotted layer name as analyze lists it",
        )
    render_explanations(explain_layers(graph, analyze(graph), layer), stdout_console())
