"""`costcalc compare`: several specs (or one spec with different settings) side by side."""

from __future__ import annotations

from typing import Annotated

import typer

from .core import CheckFailed, app, stderr
from .options import (
    REPORT_SUFFIXES,
    ActivationsDTypeOpt,
    AllOpt,
    BatchesOpt,
    ByOpt,
    DepthOpt,
    DeviceOpt,
    DTypesOpt,
    ExactOpt,
    InPlaceOpt,
    InputsOpt,
    MaxActivationBytes,
    MaxActivations,
    MaxFlops,
    MaxMacs,
    MaxParamBytes,
    MaxParams,
    MaxPeakMemory,
    OutputOpt,
    ReportFormatOpt,
    Scales,
    ScalesOpt,
    SetAOpt,
    SetBOpt,
    SetsOpt,
    SpecsArg,
    WeightsDTypeOpt,
    budgets,
    hardware_options,
    load_reports,
    output_format,
    per_spec_settings,
    shown_elsewhere,
    spec_files,
    write_report,
)


@app.command()
def compare(
    specs: SpecsArg,
    set_: SetsOpt = None,
    set_a: SetAOpt = None,
    set_b: SetBOpt = None,
    input_size: InputsOpt = None,
    batch: BatchesOpt = None,
    dtype: DTypesOpt = None,
    layers: Annotated[
        bool, typer.Option("--layers", help="Also align the layers by name: each side's output, params, MACs, Δ.")
    ] = False,
    depth: DepthOpt = None,
    by: ByOpt = None,
    in_place: InPlaceOpt = False,
    output_format_: ReportFormatOpt = None,
    output: OutputOpt = None,
    exact: ExactOpt = False,
    show_all: AllOpt = False,
    max_params: MaxParams = None,
    max_macs: MaxMacs = None,
    max_flops: MaxFlops = None,
    max_activations: MaxActivations = None,
    max_param_bytes: MaxParamBytes = None,
    max_activation_bytes: MaxActivationBytes = None,
    max_peak_memory: MaxPeakMemory = None,
    device: DeviceOpt = None,
    weights_dtype: WeightsDTypeOpt = None,
    activations_dtype: ActivationsDTypeOpt = None,
    scales: ScalesOpt = Scales.per_channel,  # type: ignore[attr-defined]
) -> None:
    """Compare specs side by side: every total, ratios and differences (worded so the direction is clear).

    Example: costcalc compare inception_naive inception_bottleneck

    Example: costcalc compare mobilenet_v1 mobilenet_v1 --set 2:alpha=0.5

    Example: costcalc compare resnet18 resnet34 --layers --depth 1

    Example: costcalc compare resnet50 mobilenet_v2 --device h100
    """
    from ..reporting import ComparisonReport, Options, labels_for

    if len(specs) < 2:
        raise typer.BadParameter("give at least two specs to compare", param_hint="SPEC...")
    fmt = output_format(output_format_, output, REPORT_SUFFIXES, "table", "compare")
    settings = per_spec_settings(len(specs), set_, set_a, set_b, input_size, batch, dtype)
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
        False,
        None,
        in_place,
        False,
        limits,
        **hardware_options(device, weights_dtype, activations_dtype, scales),
    )
    options.check()
    reports = load_reports(specs, settings, options)
    labels = labels_for([r.name for r in reports], [s.overrides for s in settings])
    comparison = ComparisonReport(tuple(reports), labels, layers)
    write_report(comparison, fmt, output, spec_files(*specs), exact, show_all)
    if shown_elsewhere(fmt, output):
        for label, report in zip(comparison.labels, reports):
            for notice in report.warnings:
                stderr(f"warning: {label}: {notice.message}")
    if comparison.over_budget:
        raise CheckFailed("\n".join(f"over budget: {label}: {b.message()}" for label, b in comparison.over_budget))
