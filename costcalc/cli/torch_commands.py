"""`costcalc verify` and `costcalc torch`: the spec built in PyTorch (an optional extra)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ..errors import CostcalcError
from .core import CheckFailed, app
from .options import (
    InputOpt,
    InputsOpt,
    OutputOpt,
    SetOpt,
    SetsOpt,
    SpecArg,
    SpecsArg,
    emit,
    output_format,
    per_spec_settings,
    show,
    spec_files,
)

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
def verify(
    specs: SpecsArg,
    set_: SetsOpt = None,
    input_size: InputsOpt = None,
    meta: Annotated[
        bool,
        typer.Option(
            "--meta",
            help="Run on PyTorch's meta device: every shape and count, nothing computed (fast for large inputs).",
        ),
    ] = False,
) -> None:
    """Build each spec in PyTorch, run it once under FlopCounterMode and compare every layer; exit 1 on any mismatch.

    Compared: each layer's output shape, params (numel of its parameters) and MACs (FLOPs / 2), and the totals.
    Several specs are checked one after another (N:VALUE gives spec N its own --set or --input).

    Example: costcalc verify resnet50

    Example: costcalc verify --meta deeplabv3_resnet101 regnet_y_128gf
    """
    costcalc_torch = require_torch()
    import torch

    from ..render.verify_text import verification_lines
    from ..reporting import load_graph

    failed = []
    for settings, spec in zip(per_spec_settings(len(specs), set_, None, None, input_size, None, None), specs):
        network, _ = load_graph(spec, settings)
        result = costcalc_torch.verify(network, meta=meta)
        show(lambda width, result=result: verification_lines(result, torch.__version__, width), None, [])
        if not result.ok:
            failed.append(f"{network.name}: {len(result.mismatches)} mismatch(es)")
    if failed:
        raise CheckFailed("; ".join(failed) + " between costcalc and PyTorch")


@app.command("torch")
def torch_code(
    spec: SpecArg,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    output: OutputOpt = None,
    class_name: Annotated[str, typer.Option("--class-name", help="Name of the generated module class.")] = "Net",
) -> None:
    """Print runnable PyTorch code (an nn.Module class) for the spec.

    Example: costcalc torch lenet5 -o lenet5.py
    """
    output_format(None, output, {".py": "python"}, "python", "torch", has_format_option=False)
    import keyword

    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise typer.BadParameter(f"'{class_name}' is not a Python class name", param_hint="--class-name")
    costcalc_torch = require_torch()
    from ..reporting import load_graph
    from ..settings import Settings

    network, _ = load_graph(spec, Settings.parse(set_, input_size))
    emit(costcalc_torch.module_code(network, class_name), output, spec_files(spec))
