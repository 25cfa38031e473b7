"""`costcalc analyze` and `costcalc validate`: one spec, reported or checked."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import CostcalcError
from .core import CheckFailed, app, stderr
from .options import (
    REPORT_SUFFIXES,
    AllOpt,
    BatchOpt,
    ByOpt,
    ColumnsOpt,
    ConventionOpt,
    DepthOpt,
    DType,
    DTypeOpt,
    ExactOpt,
    InPlaceOpt,
    InputOpt,
    MaxActivationBytes,
    MaxActivations,
    MaxFlops,
    MaxMacs,
    MaxParamBytes,
    MaxParams,
    MaxPeakMemory,
    Optimizer,
    OutputOpt,
    ReportFormatOpt,
    SetOpt,
    SpecArg,
    TorchModel,
    TorchModelOpt,
    budgets,
    check_presentation,
    column_keys,
    output_format,
    shown_elsewhere,
    spec_files,
    write_report,
)

StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Treat every warning (a dead layer...) as an error (exit 2).")
]


def fail_on_warnings(messages: list[str], strict: bool) -> None:
    if strict and messages:
        raise CostcalcError("--strict: " + "; ".join(messages))


@app.command()
def analyze(
    spec: SpecArg,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    batch: BatchOpt = "1",
    dtype: DTypeOpt = DType.float32,  # type: ignore[attr-defined]
    depth: DepthOpt = None,
    by: ByOpt = None,
    rf: Annotated[
        bool, typer.Option("--rf", help="Receptive field of every layer: its size on the input and its jump.")
    ] = False,
    training: Annotated[
        Optimizer | None,
        typer.Option("--training", help="Training estimate: weights, gradients, optimizer state, backward MACs."),
    ] = None,
    in_place: InPlaceOpt = False,
    chart: Annotated[bool, typer.Option("--chart", help="A bar per row for its share of the MACs and params.")] = False,
    output_format_: ReportFormatOpt = None,
    output: OutputOpt = None,
    exact: ExactOpt = False,
    show_all: AllOpt = False,
    columns: ColumnsOpt = None,
    strict: StrictOpt = False,
    max_params: MaxParams = None,
    max_macs: MaxMacs = None,
    max_flops: MaxFlops = None,
    max_activations: MaxActivations = None,
    max_param_bytes: MaxParamBytes = None,
    max_activation_bytes: MaxActivationBytes = None,
    max_peak_memory: MaxPeakMemory = None,
    convention: ConventionOpt = None,
    torch_model: TorchModelOpt = TorchModel.auto,  # type: ignore[attr-defined]
) -> None:
    """Report params, MACs, FLOPs, other ops, activations and peak memory, per layer and in total.

    Peak memory is the most activation bytes held at once at inference: each layer's output is held
    from when it runs until the last layer reading it has run; --in-place lets activations (ReLU...)
    overwrite their input when nothing else reads it later.

    Example: costcalc analyze mobilenet_v1 --set alpha=0.5 --input 160

    Example: costcalc analyze resnet50 --by kind -o resnet50.csv --max-macs 5G

    Example: costcalc analyze vgg16 --rf --training adam --batch 32

    Example: costcalc analyze resnet50 --convention ptflops
    """
    from ..reporting import Options, build_report, load_graph
    from ..settings import Settings

    fmt = output_format(output_format_, output, REPORT_SUFFIXES, "table", "analyze")
    check_presentation(fmt, chart=chart, columns=columns is not None)
    settings = Settings.parse(set_, input_size, batch, dtype.value)
    limits = budgets(
        params=max_params,
        macs=max_macs,
        flops=max_flops,
        activations=max_activations,
        param_bytes=max_param_bytes,
        activation_bytes=max_activation_bytes,
        peak_memory=max_peak_memory,
    )
    options = Options(
        depth,
        by.value if by else None,
        rf,
        training.value if training else None,
        in_place,
        chart,
        limits,
        convention.value if convention else None,
        torch_model.value,
    )
    options.check()
    graph, note = load_graph(spec, settings)
    report = build_report(graph, settings, options, note)
    messages = [n.message for n in report.warnings]
    fail_on_warnings(messages, strict)
    write_report(report, fmt, output, spec_files(spec), exact, show_all, column_keys(columns))
    if shown_elsewhere(fmt, output):
        for message in messages:
            stderr(f"warning: {message}")
    if report.over_budget:
        raise CheckFailed("\n".join("over budget: " + b.message() for b in report.over_budget))


@app.command()
def validate(
    spec: SpecArg,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Check a spec (structure, names, values, shapes) without printing a report; exit 0 or 2.

    Example: costcalc validate my_net.yaml
    """
    from ..analysis import analyze as analyze_graph
    from ..checks import dead_layer_notices
    from ..render.text import one_line, shape
    from ..reporting import load_graph
    from ..settings import Settings

    graph, _ = load_graph(spec, Settings.parse(set_, input_size))
    messages = [n.message for n in dead_layer_notices(analyze_graph(graph).layers)]
    fail_on_warnings(messages, strict)
    for message in messages:
        stderr(f"warning: {message}")
    typer.echo(
        one_line(
            f"ok: {graph.name}: {len(graph.nodes) - 1} layers, input {shape(graph.input_shape)}, "
            f"output {shape(graph.nodes[-1].shape)}"
        )
    )
