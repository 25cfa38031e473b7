"""`costcalc verify` and `costcalc torch`: the spec built in PyTorch (an optional extra)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import CostcalcError
from .core import CheckFailed, app
from .options import InputOpt, OutputOpt, SetOpt, SpecArg, emit, parse_settings, parse_shape, stdout_console

INSTALL = "pip install 'costcalc[torch]'"


def require_torch() -> Any:
    """The costcalc.torch package, or a clear error (exit 2) when PyTorch is not installed."""
    import warnings

    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # torch without numpy: harmless here
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CostcalcError(f"this command needs PyTorch, which is not installed; install it with {INSTALL}") from None
    import costcalc.torch as costcalc_torch

    return costcalc_torch


@app.command()
def verify(spec: SpecArg, set_: SetOpt = None, input_shape: InputOpt = None) -> None:
    """Build the spec in PyTorch, run it once under FlopCounterMode and compare every layer; exit 1 on any mismatch.

    Compared: each layer's output shape, params (numel of its parameters) and MACs (FLOPs / 2), and the totals.

    Example: costcalc verify resnet50
    """
    costcalc_torch = require_torch()
    from ..api import build_spec_graph
    from ..report.verify_view import render_verification

    graph = build_spec_graph(spec, parse_settings(set_), parse_shape(input_shape))
    result = costcalc_torch.verify(graph)
    render_verification(result, stdout_console())
    if not result.ok:
        raise CheckFailed(f"{graph.name}: {len(result.mismatches)} mismatch(es) between costcalc and PyTorch")


@app.command("torch")
def torch_code(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
    output: OutputOpt = None,
    class_name: Annotated[str, typer.Option("--class-name", help="Name of the generated module class.")] = "Net",
) -> None:
    """Print runnable PyTorch code (an nn.Module class) for the spec.

    Example: costcalc torch lenet5 -o lenet5.py
    """
    if not class_name.isidentifier():
        raise typer.BadParameter(f"'{class_name}' is not a Python class name", param_hint="--class-name")
    costcalc_torch = require_torch()
    from ..api import build_spec_graph

    graph = build_spec_graph(spec, parse_settings(set_), parse_shape(input_shape))
    emit(costcalc_torch.module_code(graph, class_name), output)
