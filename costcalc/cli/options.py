"""Options shared by the commands, declared once, and how a command writes what it made.

Every value is parsed by the core (costcalc.settings), so an option means the same in every command;
the choices of the enums come from the core's own tables.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..breakdown import BREAKDOWNS
from ..conventions import MODELS, NAMES
from ..dtypes import DTYPE_BYTES
from ..errors import CostcalcError
from ..training import OPTIMIZERS
from .core import remember_specs, stderr

DType = StrEnum("DType", {name: name for name in DTYPE_BYTES})  # type: ignore[misc]
By = StrEnum("By", {name: name for name in BREAKDOWNS})  # type: ignore[misc]
Optimizer = StrEnum("Optimizer", {name: name for name in OPTIMIZERS})  # type: ignore[misc]
ConventionName = StrEnum("ConventionName", {name: name for name in NAMES})  # type: ignore[misc]
TorchModel = StrEnum("TorchModel", {name: name for name in MODELS})  # type: ignore[misc]


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    latex = "latex"
    html = "html"


REPORT_SUFFIXES = {
    ".txt": "table",
    ".json": "json",
    ".csv": "csv",
    ".md": "markdown",
    ".markdown": "markdown",
    ".tex": "latex",
    ".html": "html",
    ".htm": "html",
}

INPUT_HELP = (
    "Input size: 160 (160×160 with the spec's channels), 160x120 (height × width) or 160x120x3; "
    "for a flat spec, its feature count."
)

SpecArg = Annotated[
    str,
    typer.Argument(
        help="A spec file, '-' for standard input, or a bundled spec name (see `costcalc specs`).",
        show_default=False,
        callback=remember_specs,
        metavar="SPEC",
    ),
]
SpecsArg = Annotated[
    list[str],
    typer.Argument(
        help="Specs (files, '-' or bundled names); the same spec may repeat with other settings.",
        callback=remember_specs,
        show_default=False,
        metavar="SPEC...",
    ),
]
SetOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="NAME=VALUE", help="Set a var of the spec (an expression); repeatable."),
]
InputOpt = Annotated[str | None, typer.Option("--input", metavar="SIZE", help=INPUT_HELP)]
BatchOpt = Annotated[
    str, typer.Option("--batch", "-b", metavar="N", help="Batch size: scales MACs, FLOPs, other ops and activations.")
]
DTypeOpt = Annotated[DType, typer.Option("--dtype", help="Element type for the byte counts.")]
DepthOpt = Annotated[
    int | None,
    typer.Option("--depth", "-d", min=1, help="Fold blocks nested deeper than this into one row each (1: top level)."),
]
ExactOpt = Annotated[bool, typer.Option("--exact", help="Full integers instead of K/M/G units in the tables.")]
AllOpt = Annotated[
    bool, typer.Option("--all", help="Every row, even in a huge table (over 500 rows show the 25 heaviest).")
]
ColumnsOpt = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="KEY,...",
        help="The table's columns, by key (name,kind,output,params,macs,macs_share,activations,flops,other_ops,"
        "non_trainable,block,inputs; rf,rf_jump with --rf): kept whatever the terminal's width.",
    ),
]
ByOpt = Annotated[
    By | None, typer.Option("--by", help="Totals per kind of layer (convolutions by kernel) or per top-level block.")
]
ReportFormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format", "-f", help="table (default), json, csv, markdown, latex or html; else from -o's extension."
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        help="Write to FILE (its extension picks the format); '-' for standard output.",
    ),
]
ConventionOpt = Annotated[
    ConventionName | None,
    typer.Option(
        "--convention",
        help="Params and MACs (or FLOPs, mult-adds) per layer as this tool counts them for the equivalent "
        "PyTorch model, with the difference from costcalc's by cause (costcalc conventions SPEC shows them all).",
    ),
]
TorchModelOpt = Annotated[
    TorchModel,
    typer.Option(
        "--torch-model",
        help="The PyTorch model a tool's figures are for: auto (the torchvision model the spec follows, else "
        "costcalc's build) or costcalc (the module `costcalc torch` builds).",
    ),
]
InPlaceOpt = Annotated[
    bool,
    typer.Option(
        "--in-place", help="Peak memory with activations (ReLU...) written over their input, as inplace=True."
    ),
]

_MAX = "Fail (exit 1) when the total exceeds this; "
COUNT_HELP = _MAX + "decimal units K, M, G, T (600M = 600,000,000)."
BYTES_HELP = _MAX + "KB, MB, GB are decimal (10³…), KiB, MiB, GiB binary (2¹⁰…)."
MaxParams = Annotated[str | None, typer.Option("--max-params", metavar="N", help=COUNT_HELP)]
MaxMacs = Annotated[str | None, typer.Option("--max-macs", metavar="N", help=COUNT_HELP)]
MaxFlops = Annotated[str | None, typer.Option("--max-flops", metavar="N", help=COUNT_HELP)]
MaxActivations = Annotated[str | None, typer.Option("--max-activations", metavar="N", help=COUNT_HELP)]
MaxParamBytes = Annotated[str | None, typer.Option("--max-param-bytes", metavar="SIZE", help=BYTES_HELP)]
MaxActivationBytes = Annotated[str | None, typer.Option("--max-activation-bytes", metavar="SIZE", help=BYTES_HELP)]
MaxPeakMemory = Annotated[str | None, typer.Option("--max-peak-memory", metavar="SIZE", help=BYTES_HELP)]


def budgets(**given: str | None) -> dict[str, str]:
    """Fact key -> the limit as written, for every budget option given."""
    return {key: text for key, text in given.items() if text is not None}


def column_keys(text: str | None) -> list[str] | None:
    if text is None:
        return None
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise typer.BadParameter("give at least one column key", param_hint="--columns")
    return keys


# ---------------------------------------------------------------- several specs

PER_SPEC = "Prefix N: for spec N only (e.g. {example}); otherwise it applies to every spec."
SetsOpt = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="[N:]NAME=VALUE", help="Set a var. " + PER_SPEC.format(example="2:alpha=0.5")),
]
SetAOpt = Annotated[
    list[str] | None, typer.Option("--set-a", metavar="NAME=VALUE", help="The same as --set 1:NAME=VALUE.")
]
SetBOpt = Annotated[
    list[str] | None, typer.Option("--set-b", metavar="NAME=VALUE", help="The same as --set 2:NAME=VALUE.")
]
InputsOpt = Annotated[
    list[str] | None,
    typer.Option("--input", metavar="[N:]SIZE", help="Input size (as analyze). " + PER_SPEC.format(example="2:160")),
]
BatchesOpt = Annotated[
    list[str] | None,
    typer.Option("--batch", "-b", metavar="[N:]N", help="Batch size. " + PER_SPEC.format(example="2:8")),
]
DTypesOpt = Annotated[
    list[str] | None,
    typer.Option("--dtype", metavar="[N:]TYPE", help="Element type for bytes. " + PER_SPEC.format(example="2:int8")),
]


def per_spec_settings(
    count: int,
    sets: list[str] | None,
    set_a: list[str] | None,
    set_b: list[str] | None,
    inputs: list[str] | None,
    batches: list[str] | None,
    dtypes: list[str] | None,
) -> list[Any]:
    """The Settings of each of ``count`` specs from options that take an N: prefix (--set-a/-b are
    --set 1:/2:); a var or option given two different values for one spec is an error."""
    from ..settings import (
        Settings,
        merge_settings,
        parse_batch,
        parse_dtype,
        parse_input,
        parse_setting,
        single,
        split_per_spec,
    )

    per_set = split_per_spec(sets, count, "--set")
    origins = [[f"--set {v}" for v in values] for values in per_set]
    for index, extra, option in ((0, set_a, "--set-a"), (1, set_b, "--set-b")):
        if extra and index >= count:
            raise typer.BadParameter(f"there is no spec {index + 1}", param_hint=option)
        if extra:
            per_set[index] += extra
            origins[index] += [f"{option} {v}" for v in extra]
    per_input = split_per_spec(inputs, count, "--input")
    per_batch = split_per_spec(batches, count, "--batch")
    per_dtype = split_per_spec(dtypes, count, "--dtype")
    out = []
    for i in range(count):
        chosen = merge_settings((*parse_setting(v, "--set"), where) for v, where in zip(per_set[i], origins[i]))
        size = single(per_input[i], "--input")
        out.append(
            Settings(
                chosen,
                parse_input(size) if size is not None else None,
                parse_batch(single(per_batch[i], "--batch") or "1"),
                parse_dtype(single(per_dtype[i], "--dtype") or "float32"),
            )
        )
    return out


def load_reports(specs: list[str], settings: list[Any], options: Any) -> list[Any]:
    """One report per spec reference (a spec given twice is read once)."""
    from ..reporting import build_report, load_graph
    from ..sources import load_spec

    loaded: dict[str, Any] = {}
    reports = []
    for ref, chosen in zip(specs, settings):
        if ref not in loaded:
            loaded[ref] = load_spec(ref)
        graph, note = load_graph(loaded[ref], chosen)
        reports.append(build_report(graph, chosen, options, note))
    return reports


# ---------------------------------------------------------------- where output goes


def output_format(
    fmt: str | None,
    output: Path | None,
    suffixes: dict[str, str],
    default: str,
    command: str,
    has_format_option: bool = True,
) -> str:
    """--format wins; else -o's extension says; else (no -o, or a name without an extension) the
    command's default. An extension the command cannot write is refused with what it can write."""
    if fmt is not None:
        return str(fmt)
    if output is None or str(output) == "-":
        return default
    suffix = output.suffix.lower()
    if suffix in suffixes:
        return suffixes[suffix]
    if not suffix:  # no extension (/dev/null, a FIFO, a plain name): the command's own format
        return default
    known = ", ".join(suffixes)
    hint = "; or give --format" if has_format_option else ""
    raise CostcalcError(f"costcalc {command} cannot tell what to write to '{output}': it writes {known}{hint}")


def stdout_text(text: str) -> None:
    """Text to standard output, as its encoding can take it (ASCII stand-ins where it cannot)."""
    from ..render.text import can_encode, for_encoding

    stream = sys.stdout
    if stream is None:
        raise CostcalcError("standard output is closed: give -o FILE")
    encoding = getattr(stream, "encoding", None)
    if not can_encode(encoding):
        text = for_encoding(text, encoding)
    stream.write(text)
    stream.flush()


def emit(data: str | bytes, output: Path | None, inputs: list[Path] | None = None) -> None:
    """What a command made, to standard output or to a file (written whole, never over an input)."""
    if output is None or str(output) == "-":
        if isinstance(data, bytes):
            stream = getattr(sys.stdout, "buffer", None)
            if stream is None:
                raise CostcalcError("standard output is closed: give -o FILE")
            if sys.stdout.isatty():
                raise CostcalcError("this is a binary file; give -o FILE rather than print it to a terminal")
            stream.write(data)
            stream.flush()
        else:
            stdout_text(data)
        return
    from ..outputs import shown, write_output

    write_output(output, data, inputs or [])
    stderr(f"wrote {shown(output)}")


def spec_files(*refs: str) -> list[Path]:
    """The files the given spec references read (a report must never be written over one of them)."""
    from ..sources import resolve

    out = []
    for ref in refs:
        try:
            path = resolve(ref)
        except CostcalcError:
            continue
        if path is not None:
            out.append(path)
    return out


def shown_elsewhere(fmt: str, output: Path | None) -> bool:
    """Whether a report's warnings need saying on standard error too: unless a table went to the terminal
    (where the warnings stand at its end), the user looking at the screen would not see them."""
    to_terminal = output is None or str(output) == "-"
    return fmt != "table" or not to_terminal or sys.stdout is None or not sys.stdout.isatty()


def screen() -> Any:
    from ..render.terminal import Screen

    return Screen()


def show(lines_for: Any, output: Path | None, inputs: list[Path]) -> None:
    """A terminal view (``lines_for(width)`` lays it out): printed at the screen's width, or written to a
    file as plain text at full width (no colour codes)."""
    if output is None or str(output) == "-":
        here = screen()
        here.print(lines_for(here.width))
        return
    from ..render.terminal import plain

    emit(plain(lines_for(None)), output, inputs)


# ---------------------------------------------------------------- reports, in any format

PRESENTATION_ONLY = {"json": ("--chart", "--columns"), "csv": ("--chart",)}


def check_presentation(fmt: str, **given: bool) -> None:
    """Options that only change how a table looks are refused where there is no table to change."""
    for option in PRESENTATION_ONLY.get(fmt, ()):
        if given.get(option.strip("-")):
            raise typer.BadParameter(
                f"{option} changes the tables; {fmt} carries every figure as it is", param_hint=option
            )


def write_report(
    subject: Any,
    fmt: str,
    output: Path | None,
    inputs: list[Path],
    exact: bool = False,
    show_all: bool = False,
    keys: list[str] | None = None,
) -> None:
    """A Report, ComparisonReport or SweepReport, rendered in ``fmt`` and written to ``output``."""
    from ..reporting import ComparisonReport, Report

    kind = (
        "report" if isinstance(subject, Report) else "comparison" if isinstance(subject, ComparisonReport) else "sweep"
    )
    if fmt == "table":
        from ..render import terminal

        if kind == "report":
            show(lambda width: terminal.report_lines(subject, width, exact, show_all, keys), output, inputs)
        elif kind == "comparison":
            show(lambda width: terminal.comparison_lines(subject, width, exact, show_all), output, inputs)
        else:
            show(lambda width: terminal.sweep_lines(subject, width, exact), output, inputs)
        return
    if fmt == "json":
        from ..render import json_out
        from ..render.text import can_encode

        to_stdout = output is None or str(output) == "-"
        ascii_only = to_stdout and not can_encode(getattr(sys.stdout, "encoding", None))
        render = {"report": json_out.render_report, "comparison": json_out.render_comparison}.get(
            kind, json_out.render_sweep
        )
        emit(render(subject, ascii_only), output, inputs)
        return
    if fmt == "html":
        if kind == "sweep":
            raise CostcalcError("a sweep has no HTML report; write csv, json, markdown or latex")
        from ..render.html import render_html

        emit(render_html(subject), output, inputs)
        return
    import importlib

    module = importlib.import_module(
        {"csv": "..render.csv_out", "markdown": "..render.markdown"}.get(fmt, "..render.latex"), __package__
    )
    if kind == "report":
        emit(module.render_report(subject, keys), output, inputs)
    elif kind == "comparison":
        emit(module.render_comparison(subject), output, inputs)
    else:
        emit(module.render_sweep(subject), output, inputs)
