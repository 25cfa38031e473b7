"""`costcalc analyze` and `costcalc validate`: one spec, reported or checked."""

from __future__ import annotations

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
    max_activation_bytes: Annotated[
        str | None, typer.Option("--max-activation-bytes", metavar="SIZE", help=BYTES_HELP)
    ] = None,
) -> None:
    """Report params, MACs, FLOPs, other ops and activations per layer and in total.

    Example: costcalc analyze mobilenet_v1 --set alpha=0.5 --set resolution=160

    Example: costcalc analyze resnet50 --by kind -o resnet50.csv --max-macs 5G
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
    analysis = run_analysis(spec, set_, input_shape, batch, dtype)
    groups = None
    if by is not None:
        from ..breakdown import BREAKDOWNS

        groups = BREAKDOWNS[by.value](analysis)
    if fmt is Format.json:
        from ..report.json_report import render_analysis_json

        emit(render_analysis_json(analysis, groups, by.value if by else None), output)
    elif fmt is Format.table:
        from ..report import table

        def render(console: Any) -> None:
            if groups is not None:
                table.render_breakdown(analysis, groups, console, exact)
            else:
                table.render_analysis(analysis, console, depth, exact, show_all, chart)

        if output is None:
            render(stdout_console())
        else:
            emit(render_table_text(render), output)
    else:
        from ..report.exports import render_analysis_file

        emit(render_analysis_file(analysis, fmt.value, groups), output)
    check(analysis.totals, budgets)


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
