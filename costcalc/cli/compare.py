"""`costcalc compare`: several specs (or one spec with different settings) side by side."""

from __future__ import annotations

import re
from typing import Annotated, Any

import typer

from .core import app, remember_specs
from .options import (
    ByOpt,
    DType,
    Format,
    FormatOpt,
    OutputOpt,
    emit,
    parse_settings,
    parse_shape,
    render_table_text,
    resolve_format,
    stdout_console,
)

PER_SPEC = "Prefix N: to apply it to spec N only (e.g. 2:{example}); otherwise it applies to every spec."


def per_spec(values: list[str] | None, count: int, option: str) -> list[list[str]]:
    """Split option values by the spec they apply to: 'N:value' for spec N, a plain value for all."""
    out: list[list[str]] = [[] for _ in range(count)]
    for value in values or []:
        match = re.fullmatch(r"(\d+):(.*)", value)
        if match:
            index = int(match.group(1))
            if not 1 <= index <= count:
                raise typer.BadParameter(f"'{value}' names spec {index}, but there are {count}", param_hint=option)
            out[index - 1].append(match.group(2))
        else:
            for item in out:
                item.append(value)
    return out


def last(values: list[str], option: str, parse: Any, default: Any) -> Any:
    return parse(values[-1], option) if values else default


def _batch(text: str, option: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise typer.BadParameter(f"'{text}' is not a batch size ≥ 1", param_hint=option)
    return int(text)


def _dtype(text: str, option: str) -> str:
    if text not in DType.__members__:
        raise typer.BadParameter(f"'{text}' is not one of {', '.join(DType.__members__)}", param_hint=option)
    return text


def labels_for(names: list[str], settings: list[dict[str, str]]) -> list[str]:
    """Each spec's name; where names repeat, with the settings that tell them apart."""
    labels = []
    for name, setting in zip(names, settings):
        repeated = names.count(name) > 1
        detail = ", ".join(f"{k}={v}" for k, v in setting.items())
        labels.append(f"{name} ({detail})" if repeated and detail else name)
    for i, label in enumerate(labels):
        if labels.count(label) > 1:
            labels[i] = f"{label} #{i + 1}"
    return labels


@app.command()
def compare(
    specs: Annotated[
        list[str],
        typer.Argument(
            help="Two or more specs (files, '-' or bundled names); the same spec may repeat with other settings.",
            callback=remember_specs,
            show_default=False,
            metavar="SPEC...",
        ),
    ],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set", "-s", metavar="[N:]NAME=VALUE", help="Override a var. " + PER_SPEC.format(example="alpha=0.5")
        ),
    ] = None,
    set_a: Annotated[
        list[str] | None, typer.Option("--set-a", metavar="NAME=VALUE", help="Override a var of the first spec.")
    ] = None,
    set_b: Annotated[
        list[str] | None, typer.Option("--set-b", metavar="NAME=VALUE", help="Override a var of the second spec.")
    ] = None,
    input_shape: Annotated[
        list[str] | None,
        typer.Option(
            "--input", metavar="[N:]HxWxC", help="Replace the input shape. " + PER_SPEC.format(example="160x160x3")
        ),
    ] = None,
    batch: Annotated[
        list[str] | None,
        typer.Option("--batch", "-b", metavar="[N:]SIZE", help="Batch size. " + PER_SPEC.format(example="8")),
    ] = None,
    dtype: Annotated[
        list[str] | None,
        typer.Option(
            "--dtype",
            metavar="[N:]TYPE",
            help="float32, float16, bfloat16 or int8. " + PER_SPEC.format(example="float16"),
        ),
    ] = None,
    layers: Annotated[
        bool, typer.Option("--layers", help="Align the layers by name: each side's shape, params, MACs, the delta.")
    ] = False,
    by: ByOpt = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    exact: Annotated[bool, typer.Option("--exact", help="Full integers instead of K/M/G units.")] = False,
) -> None:
    """Compare specs side by side: totals, ratios and differences (worded so the direction is clear).

    Example: costcalc compare inception_naive inception_bottleneck

    Example: costcalc compare mobilenet_v1 mobilenet_v1 --set-b alpha=0.5

    Example: costcalc compare resnet18 resnet34 resnet50 -o resnets.csv
    """
    count = len(specs)
    if count < 2:
        raise typer.BadParameter("give at least two specs to compare", param_hint="SPECS")
    fmt = resolve_format(output_format, output)
    sets = per_spec(set_, count, "--set")
    sets[0] += set_a or []
    if count > 1:
        sets[1] += set_b or []
    inputs = per_spec(input_shape, count, "--input")
    batches = per_spec(batch, count, "--batch")
    dtypes = per_spec(dtype, count, "--dtype")
    from ..api import analyze_spec
    from ..sources import load_spec

    settings = [parse_settings(s) for s in sets]
    loaded: dict[str, Any] = {}
    analyses = []
    for i, ref in enumerate(specs):
        if ref not in loaded:
            loaded[ref] = load_spec(ref)  # one spec given twice is read once
        analyses.append(
            analyze_spec(
                loaded[ref],
                settings[i],
                last(inputs[i], "--input", lambda t, o: parse_shape(t), None),
                last(batches[i], "--batch", _batch, 1),
                last(dtypes[i], "--dtype", _dtype, "float32"),
            )
        )
    labels = labels_for([a.name for a in analyses], settings)
    groups = None
    if by is not None:
        from ..breakdown import BREAKDOWNS

        groups = [BREAKDOWNS[by.value](a) for a in analyses]
    if fmt is Format.table:
        from ..compare import align_layers
        from ..report import compare_view

        def render(console: Any) -> None:
            if layers:
                compare_view.render_aligned(align_layers(analyses), labels, console, exact)
            if groups is not None:
                compare_view.render_grouped(analyses, labels, groups, console, exact)
            if not layers and groups is None:
                compare_view.render_comparison(analyses, labels, console)

        if output is None:
            render(stdout_console())
        else:
            emit(render_table_text(render), output)
        return
    from ..report import exports

    if fmt is Format.json:
        from ..report.json_report import render_comparison_json

        emit(render_comparison_json(analyses, labels, groups, by.value if by else None), output)
    elif fmt is Format.csv:
        emit(exports.compare_csv(analyses, labels, groups), output)
    else:
        emit(exports.compare_document(analyses, labels, fmt.value, layers, groups), output)
