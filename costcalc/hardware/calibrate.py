"""Fit a device profile to measured latencies: per layer kind, an efficiency and a fixed overhead.

The model fitted is the roofline's own: a layer's estimate = roofline time / efficiency(kind) +
overhead(kind). The fit minimises the squared log error of the layer estimates, each layer weighted by
its share of its model's measured time (so every model counts once, and its heavy layers most). For
each kind and each candidate overhead (0, then a geometric grid from 0.1 µs to about 100 µs) the best
efficiency is found on log(efficiency) by a coarse grid refined by golden-section search; the pair
with the least error wins. A ``default`` pair, fitted on every layer, serves kinds the measurements
did not show. Last, one factor common to every kind is fitted on the models' whole times (the mean log
ratio of measured to estimated): a layer timed alone sees caches and contention that a whole pass
does not, and the whole time is what the estimate is judged on.

Only the models named in ``train`` are fitted (all by default); the others are evaluation only, so
that the report can say how the fitted profile does on models it never saw.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, replace

from ..api import build_spec_graph
from ..errors import CostcalcError
from .device import Device, Figure
from .dtypes import Precision
from .measurements import Measurements
from .roofline import roofline
from .traffic import traffic
from .units import seconds

LOG_EFFICIENCY = (math.log(1e-4), math.log(1e2))  # the range searched
OVERHEADS = [0.0] + [1e-7 * 1.25**i for i in range(32)]  # 0, then 0.1 µs … ~100 µs


class CalibrationError(CostcalcError):
    """Measurements that cannot calibrate a profile (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class ModelFit:
    spec: str
    measured: float
    raw: float  # the profile as it was given
    calibrated: float
    trained: bool  # fitted on (True) or evaluated only

    @staticmethod
    def error(estimate: float, measured: float) -> float:
        return abs(estimate - measured) / measured


@dataclass(frozen=True)
class Calibration:
    device: Device  # the profile with the fitted efficiencies and overhead
    efficiency: dict[str, float]  # by kind, and 'default'
    overhead: dict[str, float]  # seconds, by kind, and 'default'
    layers: int  # layers fitted
    models: tuple[ModelFit, ...]

    def mape(self, which: str, trained: bool | None = None) -> float:
        """Mean absolute percentage error of the whole-model estimates ('raw' or 'calibrated'), over the
        fitted models (trained=True), the others (False) or all (None)."""
        chosen = [m for m in self.models if trained is None or m.trained == trained]
        if not chosen:
            return float("nan")
        return 100 * sum(ModelFit.error(getattr(m, which), m.measured) for m in chosen) / len(chosen)


def model_estimate(device: Device, spec: str, batch: int = 1, dtype: str = "float32") -> tuple[float, dict[str, float]]:
    """The whole-model estimate and each layer's, on ``device``."""
    graph = build_spec_graph(spec)
    result = roofline(traffic(graph, Precision(dtype, dtype), batch), device)
    return result.totals.seconds, {x.name: x.seconds for x in result.layers}


def calibrate(device: Device, measured: Measurements, train: list[str] | None = None, when: str = "") -> Calibration:
    names = [m.spec for m in measured.models]
    train = list(train) if train else names
    unknown = [t for t in train if t not in names]
    if unknown:
        raise CalibrationError(f"--train names specs the measurements do not hold: {', '.join(unknown)}")
    bare = replace(device, efficiency={}, overhead={})
    rows: list[tuple[str, float, float, float]] = []  # kind, roofline seconds, measured seconds, weight
    model_rows: dict[str, list[tuple[str, float]]] = {}  # spec -> (kind, roofline seconds) of every layer that runs
    for model in measured.models:
        if model.spec not in train:
            continue
        graph = build_spec_graph(model.spec)
        times = roofline(traffic(graph, Precision(measured.dtype, measured.dtype), measured.batch), bare)
        model_rows[model.spec] = [(x.kind, x.roofline_seconds) for x in times.layers if x.bound != "none"]
        kept = [
            (x, model.layers[x.name]) for x in times.layers if x.bound != "none" and model.layers.get(x.name, 0) > 0
        ]
        total = sum(m for _, m in kept)
        rows += [(x.kind, x.roofline_seconds, m, m / total) for x, m in kept]
    if not rows:
        raise CalibrationError("the measurements give no per-layer times to fit (each model needs 'layers')")
    by_kind: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for kind, r, m, w in rows:
        by_kind[kind].append((r, m, w))
    by_kind["default"] = [(r, m, w) for _, r, m, w in rows]
    fitted = {kind: _best_fit(data) for kind, data in by_kind.items()}
    # one factor on every kind, fitted on the models' whole times (what the estimate is judged on): layer
    # by layer, each layer's clock sees caches and contention a whole pass does not; dividing every
    # efficiency and multiplying every overhead by s multiplies each estimate by s
    wholes = [(m.seconds, _estimate(model_rows[m.spec], fitted)) for m in measured.models if m.spec in model_rows]
    scale = math.exp(sum(math.log(seen / guess) for seen, guess in wholes) / len(wholes))
    fitted = {kind: (e / scale, o * scale) for kind, (e, o) in fitted.items()}
    when = when or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    source = (
        f"fitted by costcalc device calibrate on {when} from {measured.file or 'measurements'} "
        f"({measured.backend}, {measured.threads} thread(s), {measured.statistic} of {measured.runs} runs, "
        f"{measured.clock} clock); "
        f"fitted on {len(train)} models: {', '.join(train)}"
    )
    counts = {kind: len(data) for kind, data in by_kind.items()}
    order = sorted(fitted, key=lambda kind: (kind == "default", kind))

    def note(kind: str) -> str:
        return f"all {counts[kind]} fitted layers" if kind == "default" else f"{counts[kind]} layers"

    calibrated = replace(
        device,
        sources={**device.sources, "calibration": source},
        efficiency={k: Figure(fitted[k][0], "calibration", f"{fitted[k][0]:.4g}", note=note(k)) for k in order},
        overhead={k: Figure(fitted[k][1], "calibration", seconds(fitted[k][1]), note=note(k)) for k in order},
    )
    fits = []
    for model in measured.models:
        raw, _ = model_estimate(device, model.spec, measured.batch, measured.dtype)
        estimate, _ = model_estimate(calibrated, model.spec, measured.batch, measured.dtype)
        fits.append(ModelFit(model.spec, model.seconds, raw, estimate, model.spec in train))
    return Calibration(
        calibrated,
        {k: e for k, (e, _) in fitted.items()},
        {k: o for k, (_, o) in fitted.items()},
        len(rows),
        tuple(fits),
    )


def _estimate(layers: list[tuple[str, float]], fitted: dict[str, tuple[float, float]]) -> float:
    total = 0.0
    for kind, roofline_seconds in layers:
        e, o = fitted.get(kind, fitted["default"])
        total += roofline_seconds / e + o
    return total


def _best_fit(data: list[tuple[float, float, float]]) -> tuple[float, float]:
    """(efficiency, overhead) with the least weighted squared log error over ``data``."""
    best = min((_best_efficiency(data, o) + (o,) for o in OVERHEADS), key=lambda fit: fit[1])
    return best[0], best[2]


def _loss(data: list[tuple[float, float, float]], log_e: float, overhead: float) -> float:
    e = math.exp(log_e)
    return sum(w * (math.log(r / e + overhead) - math.log(m)) ** 2 for r, m, w in data)


def _best_efficiency(data: list[tuple[float, float, float]], overhead: float) -> tuple[float, float]:
    """The log-efficiency with the least weighted squared log error: the best of a coarse grid, refined by
    golden-section search between its neighbours."""
    lo, hi = LOG_EFFICIENCY
    steps = 40
    grid = [lo + (hi - lo) * i / steps for i in range(steps + 1)]
    at = min(range(len(grid)), key=lambda i: _loss(data, grid[i], overhead))
    lo, hi = grid[max(at - 1, 0)], grid[min(at + 1, steps)]
    ratio = (math.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = _loss(data, a, overhead), _loss(data, b, overhead)
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = _loss(data, a, overhead)
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = _loss(data, b, overhead)
    log_e = (lo + hi) / 2
    return math.exp(log_e), _loss(data, log_e, overhead)
