"""The rule behind every hardware figure, written once: reports, JSON, docs and explain quote these.

``QUANTITIES`` maps the key of each per-layer or total figure (the attribute names of LayerTraffic,
TrafficTotals, LayerTime, RooflineTotals) to its label, unit and rule, so that any output format can
carry the rule with the number (the lead's Report columns and facts plug these in).
"""

from __future__ import annotations

from dataclasses import dataclass

from .traffic import ONCHIP_RULE


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    label: str
    unit: str  # 'elements', 'B', 'FLOP/B', 'BOP', 's', 'FLOP/s', '' (a word)
    rule: str


_ALL = (
    # ------------------------------------------------------------ traffic
    Quantity(
        "weight_elements",
        "weights read",
        "elements",
        "every value the layer stores, read once per batch: its kernels, bias and other stored values (batch-norm "
        "γ, β and running statistics, PReLU slopes); with integer weights a fused batch norm is folded into the "
        "bias (its 4 values per channel become 1 bias per channel)",
    ),
    Quantity(
        "input_elements",
        "inputs read",
        "elements",
        "every input tensor read once in full (× batch); views (flatten, identity, dropout, channel slices, the "
        "network input) read nothing themselves, their reader reads the tensor they view; a separable conv also "
        "reads back its depthwise output",
    ),
    Quantity(
        "output_elements",
        "outputs written",
        "elements",
        "the output tensor written once (× batch); a fused batch norm or activation is applied before it is "
        "written, costing no extra pass; views write nothing; a separable conv also writes its depthwise output",
    ),
    Quantity("elements", "traffic", "elements", "weights read + inputs read + outputs written"),
    Quantity(
        "kernel_bytes",
        "kernel bytes",
        "B",
        "conv and fc kernels at the weights dtype, packed densely (int4: 2 per byte, int2: 4), each tensor "
        "rounded up to a whole byte",
    ),
    Quantity(
        "bias_bytes",
        "bias bytes",
        "B",
        "int32 (4 B) when weights and activations are both integer (the accumulator's type, as ONNX QLinearConv "
        "and TFLite store it); the activations' type with integer weights and float activations; else the weights' type",
    ),
    Quantity(
        "scale_bytes",
        "scale bytes",
        "B",
        "integer weights only: per group, a float32 scale (4 B) and a zero point in the weights' type (ONNX "
        "QuantizeLinear's y_zero_point), packed; a group is an output channel of a kernel (per_channel) or the "
        "whole kernel (per_tensor)",
    ),
    Quantity(
        "other_bytes",
        "other stored bytes",
        "B",
        "batch-norm values and PReLU slopes at the weights dtype when it is a float type, float32 when it is an integer",
    ),
    Quantity("weight_bytes", "weight bytes", "B", "kernel + bias + scale + other stored bytes"),
    Quantity("input_bytes", "input bytes", "B", "each input's elements at the dtype its producer wrote it in, packed"),
    Quantity("output_bytes", "output bytes", "B", "the output's elements at the layer's activations dtype, packed"),
    Quantity("bytes", "bytes moved", "B", "weight bytes + input bytes + output bytes"),
    Quantity("intensity", "arithmetic intensity", "FLOP/B", "FLOPs (2 × MACs) / bytes moved"),
    Quantity("bops", "BOPs", "BOP", "bit operations: MACs × weight bits × input activation bits (conv and fc layers)"),
    Quantity("onchip_bytes", "bytes moved, output kept on chip", "B", ONCHIP_RULE),
    Quantity(
        "compute_dtype",
        "compute dtype",
        "",
        "where a conv or fc layer's weights and input meet: two integers at the wider (int4 × int8 → int8), integer "
        "weights with float activations at the activations' type (dequantized), two floats at the wider (float16 "
        "with bfloat16 at float32); a layer without MACs at its output type",
    ),
    Quantity("accumulator_dtype", "accumulator", "", "int32 for integer products, float32 for float ones"),
    # ------------------------------------------------------------ roofline
    Quantity(
        "peak",
        "peak",
        "FLOP/s",
        "the device's dense peak for the compute dtype, or for the next wider type it lists (int2 → int4 → int8, "
        "float8 → float16 → float32, bfloat16 → float32)",
    ),
    Quantity("matrix_seconds", "matrix time", "s", "FLOPs / peak(compute dtype)"),
    Quantity(
        "vector_seconds",
        "vector time",
        "s",
        "other ops / the device's vector rate at the output dtype (its peak when the profile gives no vector rate)",
    ),
    Quantity("compute_seconds", "compute time", "s", "matrix time + vector time"),
    Quantity("memory_seconds", "memory time", "s", "bytes moved / the device's memory bandwidth"),
    Quantity(
        "bound",
        "bound",
        "",
        "compute when compute time ≥ memory time, else memory; none for a layer that moves and computes nothing",
    ),
    Quantity(
        "fused_seconds",
        "unfused passes",
        "s",
        "on a runtime that does not fuse (profile fuses: false, e.g. PyTorch eager): each batch norm or activation "
        "fused onto a layer's output is a layer of its own kind, roofline max(its ops / vector rate, 2 × output "
        "bytes / bandwidth), estimate that / its kind's efficiency + its kind's overhead; its ops leave the "
        "layer's vector time. 0 on a runtime that fuses (the default)",
    ),
    Quantity("roofline_seconds", "roofline time", "s", "max(compute time, memory time) + unfused passes"),
    Quantity(
        "efficiency",
        "efficiency",
        "",
        "the fraction of the roofline the layer's kind attains, from the profile (fitted by `costcalc device "
        "calibrate`); 1 when the profile gives none",
    ),
    Quantity(
        "overhead_seconds",
        "overhead",
        "s",
        "a fixed time per layer that runs (dispatch, kernel launch), from the profile (measured by `costcalc "
        "device probe`); 0 when the profile gives none",
    ),
    Quantity(
        "seconds",
        "estimated time",
        "s",
        "own roofline time (max(compute, memory)) / efficiency(kind) + overhead(kind), plus each unfused pass's "
        "estimate; the model's total adds the layers, run one after another",
    ),
    Quantity(
        "onchip_seconds",
        "estimated time, outputs kept on chip",
        "s",
        "as the estimated time, with the memory time of the on-chip traffic figure: a lower bound as that figure is",
    ),
    Quantity("attainable", "attainable FLOP/s", "FLOP/s", "FLOPs / estimated time (the roofline chart's height)"),
)

QUANTITIES: dict[str, Quantity] = {q.key: q for q in _ALL}

# The order in which a report shows the hardware totals ("facts") and per-layer columns
TRAFFIC_FACTS = ("weight_bytes", "input_bytes", "output_bytes", "bytes", "onchip_bytes", "intensity", "bops")
ROOFLINE_FACTS = ("compute_seconds", "memory_seconds", "roofline_seconds", "seconds", "onchip_seconds")
LAYER_COLUMNS = ("bytes", "intensity", "bound", "compute_seconds", "memory_seconds", "seconds")


def rule(key: str) -> str:
    return QUANTITIES[key].rule
