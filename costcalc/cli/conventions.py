"""`costcalc conventions`: every tool's params and MACs/FLOPs for one spec, side by side, and why they differ."""

from __future__ import annotations

import sys

from .core import app
from .options import (
    REPORT_SUFFIXES,
    BatchOpt,
    InputOpt,
    OutputOpt,
    ReportFormatOpt,
    SetOpt,
    SpecArg,
    TorchModel,
    TorchModelOpt,
    emit,
    output_format,
    show,
    spec_files,
)


@app.command()
def conventions(
    spec: SpecArg,
    set_: SetOpt = None,
    input_size: InputOpt = None,
    batch: BatchOpt = "1",
    torch_model: TorchModelOpt = TorchModel.auto,  # type: ignore[attr-defined]
    output_format_: ReportFormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """One table: params and MACs, FLOPs or mult-adds as each tool counts them (PyTorch's FlopCounterMode,
    fvcore, ptflops with either backend, thop, torchinfo, Keras, the papers), the ratio to costcalc's MACs,
    and under each the difference from costcalc's figures split by cause, summing to the gap exactly.

    The figures are for the PyTorch model the spec follows (torchvision's where its source names one),
    computed from each tool's rules, without PyTorch or the tool installed.

    Example: costcalc conventions resnet50

    Example: costcalc conventions mobilenet_v2 --format json
    """
    from ..conventions.compare import build
    from ..render import conventions_out as out
    from ..reporting import load_graph
    from ..settings import Settings

    fmt = output_format(output_format_, output, REPORT_SUFFIXES, "table", "conventions")
    settings = Settings.parse(set_, input_size, batch)
    graph, note = load_graph(spec, settings)
    report = build(graph, settings.batch, torch_model.value, input_note=note)
    inputs = spec_files(spec)
    if fmt == "table":
        show(lambda width: out.lines(report, width), output, inputs)
        return
    if fmt == "json":
        from ..render.text import can_encode

        to_stdout = output is None or str(output) == "-"
        emit(
            out.render_json(report, to_stdout and not can_encode(getattr(sys.stdout, "encoding", None))), output, inputs
        )
        return
    render = {
        "csv": out.render_csv,
        "markdown": out.render_markdown,
        "latex": out.render_latex,
        "html": out.render_html,
    }
    emit(render[fmt](report), output, inputs)
