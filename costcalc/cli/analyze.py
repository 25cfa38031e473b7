"""`costcalc analyze` and `costcalc validate`: one spec, reported or checked."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from .core import CheckFailed, app
from .options import (
    BatchOpt,
    ByOpt,
    DType,
    DTypeOpt,
    Format,
    FormatOpt,
    InputOpt,
    OutputOpt,
    SetOpt,
    SpecArg,
    emit,
    parse_settings,
    parse_shape,
    render_table_text,
    resolve_format,
    run_analysis,
    stdout_console,
)

_MAX = "Fail (exit 1) when the total exceeds this; "
COUNT_HELP = _MAX + "decimal units K, M, G, T (600M = 600,000,000)."
BYTES_HELP = _MAX + "KB, MB, GB are decimal (10³…), KiB, MiB, GiB binary (2¹⁰…)."


class Optimizer(StrEnum):
    sgd = "sgd"
    momentum = "momentum"
    adam = "adam"


@app.command()
def analyze(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
    batch: BatchOpt = 1,
    dtype: DTypeOpt = DType.float32,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth", "-d", min=1, help="Fold blocks nested deeper than this into one row each (1: top-level only)."
        ),
    ] = None,
    by: ByOpt = None,
    output_format: FormatOpt = None,
    output: OutputOpt = None,
    exact: Annotated[bool, typer.Option("--exact", help="Full integers in the table instead of K/M/G units.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every row, even in a huge table (over 500 rows show the 25 heaviest).")
    ] = False,
    chart: Annotated[
        bool, typer.Option("--chart", help="A bar per row for its share of the MACs and of the params.")
    ] = False,
    max_params: Annotated[str | None, typer.Option("--max-params", metavar="N", help=COUNT_HELP)] = None,
    max_macs: Annotated[str | None, typer.Option("--max-macs", metavar="N", help=COUNT_HELP)] = None,
    max_flops: Annotated[str | None, typer.Option("--max-flops", metavar="N", help=COUNT_HELP)] = None,
    max_activations: Annotated[str | None, typer.Option("--max-activations", metavar="N", help=COUNT_HELP)] = None,
    max_param_bytes: Annotated[str | None, typer.Option("--max-param-bytes", metavar="SIZE", help=BYTES_HELP)] = None,
    rf: Annotated[
        bool,
        typer.Option(
            "--rf", help="Receptive field of every layer: its size on the input and its jump (effective stride)."
        ),
    ] = False,
    training: Annotated[
        Optimizer | None,
        typer.Option(
            "--training",
            help="Training estimate for this optimizer: weights, gradients, optimizer state, activations kept, "
            "and backward MACs.",
        ),
    ] = None,
    in_place: Annotated[
        bool,
        typer.Option(
            "--in-place", help="Peak memory with activations (ReLU...) written over their input, as inplace=True."
        ),
    ] = False,
    max_activation_bytes: Annotated[
        str | None, typer.Option("--max-activation-bytes", metavar="SIZE", help=BYTES_HELP)
    ] = None,
) -> None:
    """Report params, MACs, FLOPs, other ops and activations per layer and in total.

    The totals include the peak activation memory at inference: each layer's output is held
    from the moment it runs until the last layer that reads it has run; --in-place lets
    activations (ReLU...) overwrite their input when nothing else reads it later.

    Example: costcalc analyze mobilenet_v1 --set alpha=0.5 --set resolution=160

    Example: costcalc analyze resnet50 --by kind -o resnet50.csv --max-macs 5G

    Example: costcalc analyze vgg16 --rf --training adam --batch 32
    """
    budgets = read_budgets(
        params=max_params,
        macs=max_macs,
        flops=max_flops,
        activations=max_activations,
        param_bytes=max_param_bytes,
        activation_bytes=max_activation_bytes,
    )
    fmt = resolve_format(output_format, output)
    if rf and by is not None:
        raise typer.BadParameter("receptive fields are per layer; leave out --by", param_hint="--rf")
    if training is not None and fmt not in (Format.table, Format.json):
        raise typer.BadParameter("the training estimate is in the table and JSON reports", param_hint="--training")
    if rf:  # each layer's window comes from the graph
        graph, analysis = graph_analysis(spec, set_, input_shape, batch, dtype)
    else:
        analysis = run_analysis(spec, set_, input_shape, batch, dtype)
    groups = None
    if by is not None:
        from ..breakdown import BREAKDOWNS

        groups = BREAKDOWNS[by.value](analysis)
    from ..memory import peak_memory
    from ..report import analysis_extras as extras

    peak = peak_memory(analysis, in_place)
    fields = receptive_fields_by_name(graph, analysis) if rf else None
    cost = None
    if training is not None:
        from ..training import training_cost

        cost = training_cost(analysis, training.value)
    if fmt is Format.json:
        from ..report.json_report import render_analysis_json

        more: dict[str, Any] = {"peak_memory": extras.peak_dict(peak)}
        if cost is not None:
            more["training"] = extras.training_dict(cost)
        layer_fields = block_fields = None
        if fields is not None:
            layer_fields = [extras.rf_dict(fields[x.name]) for x in analysis.layers]
            block_fields = [extras.rf_dict(fields[b.name]) for b in analysis.blocks]
        emit(render_analysis_json(analysis, groups, by.value if by else None, more, layer_fields, block_fields), output)
    elif fmt is Format.table:
        from ..report import table

        columns = extras.rf_columns(fields) if fields is not None else ()
        sections = [extras.training_text(cost, analysis)] if cost is not None else []

        def render(console: Any) -> None:
            if groups is not None:
                table.render_breakdown(analysis, groups, console, exact)
            else:
                table.render_analysis(
                    analysis, console, depth, exact, show_all, chart, columns, [extras.peak_row(peak)], sections
                )

        if output is None:
            render(stdout_console())
        else:
            emit(render_table_text(render), output)
    else:
        from ..report.exports import render_analysis_file

        columns = extras.rf_columns(fields) if fields is not None else ()
        emit(render_analysis_file(analysis, fmt.value, groups, columns), output)
    check(analysis.totals, budgets)


def graph_analysis(spec: str, settings: list[str] | None, input_shape: str | None, batch: int, dtype: DType) -> Any:
    """The graph and its analysis (for what needs each layer's parameters: receptive fields)."""
    from ..analysis import analyze as analyze_graph
    from ..api import build_spec_graph

    graph = build_spec_graph(spec, parse_settings(settings), parse_shape(input_shape))
    return graph, analyze_graph(graph, batch, dtype.value)


def receptive_fields_by_name(graph: Any, analysis: Any) -> dict[str, Any]:
    """Every layer's and block's receptive field, by name (a block's is its output layer's)."""
    from ..receptive_field import block_fields, receptive_fields

    fields = receptive_fields(graph)
    if fields is None:
        raise typer.BadParameter(
            f"{graph.name} has a flat input ({graph.input_shape[0]} features): no image, no receptive field",
            param_hint="--rf",
        )
    by_name = {layer.name: field for layer, field in zip(analysis.layers, fields)}
    by_name.update({block.name: field for block, field in zip(analysis.blocks, block_fields(graph, fields))})
    return by_name


def read_budgets(**given: str | None) -> dict[str, tuple[int, str]]:
    """Totals field -> (limit, as written) for every budget option given."""
    if not any(given.values()):
        return {}
    from ..budget import BUDGETS, parse_amount

    by_field = {b.field: b for b in BUDGETS}
    return {field: (parse_amount(text, by_field[field]), text) for field, text in given.items() if text is not None}


def check(totals: Any, budgets: dict[str, tuple[int, str]]) -> None:
    if not budgets:
        return
    from ..budget import check_budgets, violation_message

    violations = check_budgets(totals, {field: limit for field, (limit, _) in budgets.items()})
    if violations:
        raise CheckFailed(
            "\n".join("over budget: " + violation_message(v, budgets[v.budget.field][1]) for v in violations)
        )


@app.command()
def validate(
    spec: SpecArg,
    set_: SetOpt = None,
    input_shape: InputOpt = None,
) -> None:
    """Check a spec (structure, names, values, shapes) without printing a report; exit 0 or 2.

    Example: costcalc validate my_net.yaml
    """
    from ..api import build_spec_graph
    from ..layers import fmt_shape

    graph = build_spec_graph(spec, parse_settings(set_), parse_shape(input_shape))
    typer.echo(
        f"ok: {graph.name}: {len(graph.nodes) - 1} layers, input {fmt_shape(graph.input_shape)}, "
        f"output {fmt_shape(graph.nodes[-1].shape)}"
    )
