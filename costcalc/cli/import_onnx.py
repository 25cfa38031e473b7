"""`costcalc import`: an ONNX model (or a PyTorch module, exported) written as a costcalc spec."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .core import app, remember_specs
from .options import emit

SpecOutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", metavar="FILE", help="Write the spec to FILE instead of the screen.")
]


class Exporter(StrEnum):
    torchscript = "torchscript"
    dynamo = "dynamo"


def parse_dims(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    try:
        dims = tuple(int(p) for p in text.lower().replace("×", "x").replace(",", "x").split("x"))
    except ValueError:
        dims = ()
    if not dims or min(dims) < 1:
        raise typer.BadParameter(f"'{text}' is not dims like 1x3x224x224", param_hint="--input")
    return dims


@app.command("import")
def import_model(
    model: Annotated[
        str | None,
        typer.Argument(
            help="An ONNX file (.onnx, or any file holding an ONNX model).",
            metavar="MODEL",
            show_default=False,
            callback=remember_specs,
        ),
    ] = None,
    output: SpecOutputOpt = None,
    torch_factory: Annotated[
        str | None,
        typer.Option(
            "--torch",
            metavar="PACKAGE.MODULE:FACTORY",
            help="Export the PyTorch module this factory builds (e.g. torchvision.models:resnet50) instead of "
            "reading a file; needs PyTorch.",
        ),
    ] = None,
    input_dims: Annotated[
        str | None,
        typer.Option(
            "--input",
            metavar="NxCxHxW",
            help="Input dims as the model takes them (e.g. 1x3x320x320); for a file, fixes symbolic dims or "
            "changes static ones; with --torch, default 1x3x224x224.",
        ),
    ] = None,
    exporter: Annotated[
        Exporter, typer.Option("--exporter", help="With --torch: torch.onnx.export's TorchScript or dynamo exporter.")
    ] = Exporter.torchscript,
    allow_unknown: Annotated[
        bool,
        typer.Option(
            "--allow-unknown",
            help="Keep operators costcalc cannot count as zero-cost 'unknown' layers (listed) instead of failing.",
        ),
    ] = False,
    flat: Annotated[
        bool, typer.Option("--flat", help="One entry per layer: no blocks for repeated structures.")
    ] = False,
) -> None:
    """Write a model as a costcalc spec (YAML) that analyses to the same figures.

    Each ONNX node becomes a layer named after it (dots and spaces become _), channels last;
    repeated identical structures become a block used with repeat (unless --flat).

    Example: costcalc import model.onnx -o model.yaml

    Example: costcalc import --torch torchvision.models:resnet50 -o resnet50.yaml
    """
    from ..onnx.params import param_figures
    from ..onnx.writer import spec_text

    dims = parse_dims(input_dims)
    if (model is None) == (torch_factory is None):
        raise typer.BadParameter("give an ONNX file or --torch PACKAGE.MODULE:FACTORY (one of them)")
    if torch_factory is not None:
        spec = _from_factory(torch_factory, dims or (1, 3, 224, 224), exporter.value, allow_unknown)
        origin = f"the PyTorch module {torch_factory}() exported by torch.onnx.export ({exporter.value})"
    else:
        spec = _from_file(model, dims, allow_unknown)  # type: ignore[arg-type]
        origin = Path(model).name  # type: ignore[arg-type]
    from ..analysis import analyze
    from ..graph import build_graph

    totals = analyze(build_graph(spec)).totals
    info = spec.onnx
    header = [
        f"Written by costcalc import from {origin}: one layer per ONNX node, named after it, channels last.",
        f"Params {totals.params:,}, MACs {totals.macs:,} (batch 1).",
    ]
    header += [f"{f.label} {f.value:,}: {f.note}." for f in param_figures(info, totals.params, totals.non_trainable)]
    header += [f"Note: {note}" for note in info.notes]
    for unknown in info.unknown:
        header.append(
            f"UNKNOWN: node {unknown.index} '{unknown.name}' ({unknown.op_type}) is not counted "
            f"(layer '{unknown.layer}'; its shape {unknown.shape_from})"
        )
    if info.unknown:
        sys.stderr.write(
            f"warning: {len(info.unknown)} node(s) costcalc cannot count are kept as zero-cost 'unknown' layers: "
            + ", ".join(f"'{u.name or u.op_type}' ({u.op_type})" for u in info.unknown)
            + "\n"
        )
    emit(spec_text(spec, header, repeats=not flat), output)


def _from_file(model: str, dims: tuple[int, ...] | None, allow_unknown: bool):
    from ..errors import SpecError
    from ..onnx import is_onnx, load_onnx

    path = Path(model)
    if not path.exists():
        raise SpecError(f"no file '{model}'", expected="a path to an ONNX model")
    if not is_onnx(path):
        raise SpecError(
            f"'{model}' is not an ONNX model",
            expected="a .onnx file (costcalc import reads ONNX; specs are YAML already)",
        )
    spec = load_onnx(path, dims, allow_unknown)
    return spec.prepared(None)


def _from_factory(target: str, dims: tuple[int, ...], exporter: str, allow_unknown: bool):
    from .torch_commands import require_torch

    require_torch()
    from ..onnx.from_torch import from_torch, load_factory

    module = load_factory(target)
    name = target.rpartition(":")[2].replace(".", "_")
    return from_torch(module, dims, exporter, allow_unknown, name=name)
