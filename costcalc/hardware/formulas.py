"""Each layer's hardware figures as the arithmetic that produces them, for explain and reports:
the numbers are the ones traffic() and roofline() computed, written out with their rule."""

from __future__ import annotations

from .roofline import LayerTime, Roofline
from .traffic import LayerTraffic, Traffic
from .units import seconds, short


def traffic_lines(t: LayerTraffic) -> list[str]:
    """'weights read: …', 'inputs read: …', 'outputs written: …', 'traffic: …', 'intensity: …' (and BOPs)."""
    parts = []
    if t.kernel_elements:
        parts.append(f"{t.kernel_elements:,} kernel ({t.weights_dtype})")
    if t.bias_elements:
        parts.append(f"{t.bias_elements:,} bias ({t.bias_dtype})")
    if t.other_elements:
        parts.append(f"{t.other_elements:,} other stored")
    weights = " + ".join(parts) or "0"
    scales = f" + {t.scale_bytes:,} B of scales and zero points ({t.scale_groups:,} groups)" if t.scale_groups else ""
    lines = [
        f"weights read: {weights} = {t.weight_elements:,} elements → {t.weight_bytes:,} B{scales}",
        f"inputs read: {t.input_elements:,} elements ({', '.join(t.input_dtypes) or '–'}) → {t.input_bytes:,} B",
        f"outputs written: {t.output_elements:,} elements ({t.activations_dtype}) → {t.output_bytes:,} B",
        f"traffic: {t.weight_elements:,} + {t.input_elements:,} + {t.output_elements:,} = {t.elements:,} elements; "
        f"{t.weight_bytes:,} + {t.input_bytes:,} + {t.output_bytes:,} = {t.bytes:,} B",
    ]
    if t.bytes:
        lines.append(f"intensity: {t.flops:,} FLOPs / {t.bytes:,} B = {t.flops / t.bytes:.4g} FLOP/B")
    if t.bops:
        operand = t.input_dtypes[0]
        lines.append(f"BOPs: {t.macs:,} MACs × {_bits(t.weights_dtype)} × {_bits(operand)} bits = {t.bops:,}")
    if t.output_on_chip:
        lines.append(
            f"output kept on chip (it fits the buffer and only the next layer reads it): {t.onchip_bytes:,} B moved"
        )
    return lines


def time_lines(r: LayerTime) -> list[str]:
    """'compute: …', 'memory: …', 'bound: …, estimate …'."""
    if r.bound == "none":
        return ["time: 0 (moves and computes nothing)"]
    compute = f"{r.flops:,} FLOPs / {short(r.peak, 'FLOP/s')} ({r.compute_dtype})"
    if r.other_ops:
        compute += f" + {r.other_ops:,} other ops / {short(r.vector_rate, 'OPS')} ({r.vector_dtype})"
    lines = [
        f"compute: {compute} = {seconds(r.compute_seconds)}",
        f"memory: {r.bytes:,} B / {short(r.bandwidth, 'B/s')} = {seconds(r.memory_seconds)}",
    ]
    if r.fused_seconds:
        lines.append(
            f"unfused passes (batch norm / activation, each reading and writing the output again): "
            f"{seconds(r.fused_seconds)}"
        )
    estimate = f"{seconds(r.roofline_seconds)}"
    if r.efficiency != 1.0 or r.overhead_seconds:
        estimate += f" / {r.efficiency:.3g} + {seconds(r.overhead_seconds)} = {seconds(r.seconds)}"
    lines.append(f"bound: {r.bound} → estimate {estimate}")
    return lines


def layer_lines(traffic: Traffic, roofline: Roofline | None, name: str) -> list[str]:
    """Every line for the layer called ``name``."""
    row = next(x for x in traffic.layers if x.name == name)
    lines = traffic_lines(row)
    if roofline is not None:
        lines += time_lines(next(x for x in roofline.layers if x.name == name))
    return lines


def _bits(dtype: str) -> int:
    from .dtypes import bits

    return bits(dtype)
