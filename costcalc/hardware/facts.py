"""The hardware view as report material: totals as facts (key, label, value, unit, rule) and each layer's
figures by column key, so that the report can carry them in every format with their rules."""

from __future__ import annotations

from dataclasses import dataclass

from .rules import LAYER_COLUMNS, QUANTITIES, ROOFLINE_FACTS, TRAFFIC_FACTS
from .view import HardwareView

UNITS = {"B": "bytes", "elements": "count", "BOP": "count", "FLOP/B": "flop_per_byte", "s": "seconds", "": "text"}


@dataclass(frozen=True, slots=True)
class HardwareFact:
    key: str
    label: str
    value: int | float | str
    unit: str  # 'bytes', 'count', 'flop_per_byte', 'seconds' or 'text'
    rule: str


def facts(view: HardwareView) -> tuple[HardwareFact, ...]:
    """The totals: traffic (and, on a device, the roofline), each with its rule. A figure that does not
    apply (the on-chip bytes without a buffer, the intensity of a model that moves nothing) is left out."""
    out = []
    t = view.traffic.totals
    for key in TRAFFIC_FACTS:
        out.append(_fact(key, getattr(t, key)))
    if view.roofline is not None:
        r = view.roofline.totals
        for key in ROOFLINE_FACTS:
            out.append(_fact(key, getattr(r, key)))
        out.append(
            HardwareFact(
                "bound_layers",
                "layers compute / memory bound",
                f"{r.compute_bound} / {r.memory_bound}",
                "text",
                QUANTITIES["bound"].rule,
            )
        )
    return tuple(f for f in out if f.value is not None)


def layer_figures(view: HardwareView) -> dict[str, dict[str, int | float | str | None]]:
    """Per layer name, the figures of LAYER_COLUMNS (times only on a device)."""
    times = {x.name: x for x in view.roofline.layers} if view.roofline is not None else {}
    out: dict[str, dict[str, int | float | str | None]] = {}
    for row in view.traffic.layers:
        figures: dict[str, int | float | str | None] = {"bytes": row.bytes, "intensity": row.intensity}
        if row.name in times:
            time = times[row.name]
            figures.update(
                bound=time.bound,
                compute_seconds=time.compute_seconds,
                memory_seconds=time.memory_seconds,
                seconds=time.seconds,
            )
        out[row.name] = {key: figures[key] for key in LAYER_COLUMNS if key in figures}
    return out


def _fact(key: str, value: int | float | None) -> HardwareFact:
    q = QUANTITIES[key]
    return HardwareFact(key, q.label, value, UNITS[q.unit], q.rule)  # type: ignore[arg-type]
