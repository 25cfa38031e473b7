"""What a report of an ONNX model must tell besides its numbers: each node costcalc could not count,
and how the conversion settled what the file left open (JSON `warnings`, and in every format)."""

from __future__ import annotations

from .convert import OnnxInfo


def onnx_notices(info: OnnxInfo) -> list:
    """Notices (costcalc.checks.Notice) for a converted model: 'unknown_op' for each node kept as a
    zero-cost 'unknown' layer (--allow-unknown), 'onnx_note' for each note of the conversion."""
    from ..checks import Notice

    out = []
    for unknown in info.unknown:
        op = f"{unknown.domain}.{unknown.op_type}" if unknown.domain else unknown.op_type
        named = f" '{unknown.name}'" if unknown.name else ""
        out.append(
            Notice(
                "unknown_op",
                f"NOT COUNTED: node {unknown.index}{named} ({op}) is an operator costcalc cannot count; kept as a "
                f"zero-cost layer (its output shape {unknown.shape_from}), so every total leaves it out",
                unknown.layer,
            )
        )
    out += [Notice("onnx_note", note) for note in info.notes]
    return out
