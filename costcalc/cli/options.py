"""Options shared by several commands, and how their values are parsed."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from .core import remember_specs


class Format(StrEnum):
    table = "table"
    json = "json"


class DType(StrEnum):
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"


SpecArg = Annotated[
    str,
    typer.Argument(
        help="A spec file, '-' for standard input, or a bundled spec name (see `costcalc specs`).",
        show_default=False,
        callback=remember_specs,
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        "-s",
        metavar="NAME=VALUE",
        help="Override a var of the spec; repeatable. The value may be an expression.",
    ),
]
InputOpt = Annotated[
    str | None, typer.Option("--input", metavar="HxWxC", help="Replace the spec's input shape, e.g. 160x160x3.")
]
BatchOpt = Annotated[
    int, typer.Option("--batch", "-b", min=1, help="Batch size: scales MACs, FLOPs, other ops and activations.")
]
DTypeOpt = Annotated[DType, typer.Option("--dtype", help="Element type for the byte counts.")]


def parse_settings(values: list[str] | None) -> dict[str, str]:
    settings: dict[str, str] = {}
    for item in values or []:
        name, sep, value = item.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name.isidentifier() or not value:
            raise typer.BadParameter(f"'{item}' is not NAME=VALUE (e.g. --set alpha=0.5)", param_hint="--set")
        settings[name] = value
    return settings


def parse_shape(text: str | None) -> tuple[int, ...] | None:
    if text is None:
        return None
    parts = [p.strip() for p in text.replace("×", "x").replace(",", "x").split("x")]
    try:
        dims = tuple(int(p) for p in parts)
    except ValueError:
        dims = ()
    if len(dims) not in (1, 3) or min(dims) < 1:
        raise typer.BadParameter(f"'{text}' is not HxWxC (e.g. 224x224x3) or a feature count", param_hint="--input")
    return dims


def run_analysis(spec: str, settings: list[str] | None, input_shape: str | None, batch: int, dtype: DType) -> Any:
    from ..api import analyze_spec

    return analyze_spec(spec, parse_settings(settings), parse_shape(input_shape), batch, dtype.value)


def stdout_console() -> Any:
    from ..report.table import report_console

    return report_console()
