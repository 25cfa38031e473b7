"""Options shared by several commands, and how their values are parsed."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from .core import remember_specs


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"


class By(StrEnum):
    kind = "kind"
    block = "block"


SUFFIX_FORMATS = {
    ".json": Format.json,
    ".csv": Format.csv,
    ".md": Format.markdown,
    ".markdown": Format.markdown,
    ".tex": Format.latex,
    ".txt": Format.table,
}


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
        metavar="SPEC",
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


FormatOpt = Annotated[
    Format | None,
    typer.Option("--format", "-f", help="table (default), json, csv, markdown or latex; inferred from -o's extension."),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write the report to FILE (.json .csv .md .tex .txt) instead of the screen.",
    ),
]
ByOpt = Annotated[
    By | None, typer.Option("--by", help="Totals per kind of layer (convolutions by kernel) or per top-level block.")
]


def resolve_format(fmt: Format | None, output: Path | None) -> Format:
    """--format wins; else -o's extension says; else the table."""
    if fmt is not None:
        return fmt
    if output is None:
        return Format.table
    suffix = output.suffix.lower()
    if suffix not in SUFFIX_FORMATS:
        known = ", ".join(SUFFIX_FORMATS)
        raise typer.BadParameter(
            f"cannot tell the format of '{output}' from its extension (known: {known}); give --format",
            param_hint="--output",
        )
    return SUFFIX_FORMATS[suffix]


def emit(text: str, output: Path | None) -> None:
    """The report to standard output, or to a file written whole (never half)."""
    if output is None:
        sys.stdout.write(text)
        return
    from ..report.files import write_atomic

    write_atomic(output, text)
    sys.stderr.write(f"wrote {output}\n")


def render_table_text(render: Any) -> str:
    """What a terminal renderer prints, as plain text for a file (no colour codes)."""
    import io

    from ..report.table import report_console

    buffer = io.StringIO()
    render(report_console(buffer))
    return buffer.getvalue()
