"""Fit a device profile to measured latencies: per layer kind, an efficiency and a fixed overhead.

The model fitted is the roofline's own. A layer's estimate is the sum over its parts of roofline time /
efficiency(kind) + overhead(kind): one part, the layer itself, or on a runtime that does not fuse
(fuses: false) also a part per batch norm or activation fused onto its output, each of that kind.

The fit minimises the squared log error of the layer estimates, each layer weighted by its share of its
model's measured time (so every model's layers weigh 1 together, its heavy layers most), plus the
squared log error of each model's whole estimate (the sum of its layers', weight 1: what the estimate
is judged on, and what ties a kind that is never alone to the others). It goes kind by kind,
the others held (coordinate descent, heaviest kinds first, until a round gains less than a
millionth): for each candidate overhead (0, then a geometric grid from 0.1 µs to about 100 µs) the
best efficiency is found on log(efficiency) by a coarse grid refined by golden-section search, and
the pair with the least error wins. Then, where the measurements hold at least 8 layers of one kind
and kernel size and the kind comes in several sizes, that group is fitted on its own ('conv 1×1',
'conv 3×3': a 1×1 convolution reaches less of the peak than a 3×3 one), the kind's pair serving its
other sizes. A kind met only as such passes, never as a layer of its own,
keeps the given profile's values (nothing in the measurements tells its time apart from its
layer's). A ``default`` pair, fitted the same way as though every layer were of one kind, serves
kinds the measurements did not show. Last, one factor common to every kind is fitted on the models'
whole times (the mean log ratio of measured to estimated): a layer timed alone sees caches and
contention that a whole pass does not, and the whole time is what the estimate is judged on.

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
from .device import Device, Figure, kind_key
from .dtypes import Precision
from .measurements import Measurements
from .roofline import LayerTime, roofline
from .traffic import traffic
from .units import seconds

LOG_EFFICIENCY = (math.log(1e-4), math.log(1e2))  # the range searched
OVERHEADS = [0.0] + [1e-7 * 1.25**i for i in range(32)]  # 0, then 0.1 µs … ~100 µs
ROUNDS = 12  # at most; the descent stops once a round improves the error by less than a millionth
MIN_GROUP = 8  # layers of one kind and kernel size it takes to fit them apart from their kind
WHOLE_WEIGHT = 1.0  # a model's whole time weighs as much in the fit as all its layers together

Part = tuple[str, float]  # (kind, roofline seconds)
Fit = dict[str, tuple[float, float]]  # kind -> (efficiency, overhead seconds)


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
    device: Device  # the profile with the fitted efficiencies and overheads
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


def parts_of(layer: LayerTime, groups: set[str] = frozenset()) -> list[Part]:  # type: ignore[assignment]
    """The parts a layer's estimate adds up: itself (under its kind and kernel size when that is one of
    ``groups``, else its kind), then each separate pass."""
    key = kind_key(layer.kind, layer.kernel)
    own = key if key in groups else layer.kind
    return [(own, layer.own_seconds), *((kind, seconds) for kind, seconds, _ in layer.passes)]


def calibrate(device: Device, measured: Measurements, train: list[str] | None = None, when: str = "") -> Calibration:
    names = [m.spec for m in measured.models]
    train = list(train) if train else names
    unknown = [t for t in train if t not in names]
    if unknown:
        raise CalibrationError(f"--train names specs the measurements do not hold: {', '.join(unknown)}")
    bare = replace(device, efficiency={}, overhead={})
    rows: list[tuple[list[Part], float, float]] = []  # a layer's parts, its measured seconds, its weight
    fitted_layers: list[LayerTime] = []  # the same layers (to key them again by kernel size)
    running_of: dict[str, list[LayerTime]] = {}  # spec -> every layer that runs
    for model in measured.models:
        if model.spec not in train:
            continue
        graph = build_spec_graph(model.spec)
        times = roofline(traffic(graph, Precision(measured.dtype, measured.dtype), measured.batch), bare)
        running = [x for x in times.layers if x.bound != "none"]
        running_of[model.spec] = running
        kept = [(x, model.layers[x.name]) for x in running if model.layers.get(x.name, 0) > 0]
        total = sum(m for _, m in kept)
        rows += [(parts_of(x), m, m / total) for x, m in kept]
        fitted_layers += [x for x, _ in kept]
    if not rows:
        raise CalibrationError("the measurements give no per-layer times to fit (each model needs 'layers')")
    own_kinds = {parts[0][0] for parts, _, _ in rows}
    held = {}
    for parts, _, _ in rows:
        for kind, _ in parts[1:]:
            if kind not in own_kinds:
                e, o = device.efficiency_of(kind), device.overhead_of(kind)
                held[kind] = (e.value if e else 1.0, o.value if o else 0.0)
    wholes = [
        ([p for x in running_of[m.spec] for p in parts_of(x)], m.seconds, WHOLE_WEIGHT)
        for m in measured.models
        if m.spec in running_of
    ]
    by_kind = _fit(rows, held, wholes)
    # then, where the measurements hold enough layers of one kind and kernel size (and the kind comes in
    # several), that group on its own: a 1×1 convolution is not as efficient as a 3×3 one
    sizes: dict[str, int] = defaultdict(int)
    for x in fitted_layers:
        sizes[kind_key(x.kind, x.kernel)] += 1
    kernels: dict[str, set] = defaultdict(set)
    for x in fitted_layers:
        kernels[x.kind].add(x.kernel)
    groups = {
        kind_key(x.kind, x.kernel)
        for x in fitted_layers
        if x.kernel and len(kernels[x.kind]) > 1 and sizes[kind_key(x.kind, x.kernel)] >= MIN_GROUP
    }
    fitted = dict(by_kind)
    if groups:
        keyed = [(parts_of(x, groups), m, w) for x, (_, m, w) in zip(fitted_layers, rows)]
        keyed_wholes = [
            ([p for x in running_of[m.spec] for p in parts_of(x, groups)], m.seconds, WHOLE_WEIGHT)
            for m in measured.models
            if m.spec in running_of
        ]
        fitted.update({g: e_o for g, e_o in _fit(keyed, held, keyed_wholes).items() if g in groups})
    model_parts = {spec: [parts_of(x, groups) for x in layers] for spec, layers in running_of.items()}
    # one factor on every kind, fitted on the models' whole times (what the estimate is judged on): layer
    # by layer, each layer's clock sees caches and contention a whole pass does not; dividing every
    # efficiency and multiplying every overhead by s multiplies each estimate by s
    pairs = [(m.seconds, _whole(model_parts[m.spec], fitted)) for m in measured.models if m.spec in model_parts]
    scale = math.exp(sum(math.log(seen / guess) for seen, guess in pairs) / len(pairs))
    fitted = {kind: (e / scale, o * scale) for kind, (e, o) in fitted.items()}

    when = when or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    source = (
        f"fitted by costcalc device calibrate on {when} from {measured.file or 'measurements'} "
        f"({measured.backend}, {measured.threads} thread(s), {measured.statistic} of {measured.runs} runs, "
        f"{measured.clock} clock); fitted on {len(train)} models: {', '.join(train)}"
    )
    counts: dict[str, int] = defaultdict(int)  # the layers (and passes) each figure was fitted on
    for parts, _, _ in rows:
        for kind, _ in parts:
            counts[kind] += 1
    for group in groups:
        counts[group] = sizes[group]
    order = sorted(fitted, key=lambda kind: (kind == "default", kind))

    def note(kind: str) -> str:
        if kind in held:
            return "held at the given profile's value: met only as passes of other layers"
        return f"fitted on all {len(rows)} layers" if kind == "default" else f"{counts[kind]} layers or passes"

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


def _fit(rows: list[tuple[list[Part], float, float]], held: Fit, wholes: list[tuple[list[Part], float, float]]) -> Fit:
    """Per-kind (efficiency, overhead) by coordinate descent, then the default pair. The kinds in
    ``held`` (those met only as separate passes, never as a layer of their own) keep their values:
    with no layer of their own, nothing tells their time apart from their layer's. ``wholes`` are the
    models' whole times, each as one more row of all its layers' parts."""
    time_of: dict[str, float] = defaultdict(float)
    for parts, m, _ in rows:
        time_of[parts[0][0]] += m
    kinds = sorted(time_of, key=lambda k: -time_of[k])
    fitted: Fit = {kind: (1.0, 0.0) for kind in kinds}
    fitted.update(held)
    everything = rows + wholes
    before = _total_loss(everything, fitted)
    for _ in range(ROUNDS):
        for kind in kinds:
            fitted[kind] = _best_fit(_terms(everything, fitted, lambda k, kind=kind: k == kind))
        after = _total_loss(everything, fitted)
        if before - after <= 1e-6 * before or after < 1e-15:
            break
        before = after
    # the default: as though each layer itself (not its passes) were of one unknown kind
    default: list[tuple[float, float, float, float, float]] = []
    for parts, m, w in rows:
        (_, own), *passes = parts
        rest = sum(r / fitted[k][0] + fitted[k][1] for k, r in passes)
        default.append((rest, own, 1.0, math.log(m), w))
    fitted["default"] = _best_fit(default)
    return fitted


def _total_loss(rows: list[tuple[list[Part], float, float]], fitted: Fit) -> float:
    return sum(
        w * (math.log(sum(r / fitted[k][0] + fitted[k][1] for k, r in parts)) - math.log(m)) ** 2
        for parts, m, w in rows
    )


def _terms(
    rows: list[tuple[list[Part], float, float]], fitted: Fit, chosen
) -> list[tuple[float, float, float, float, float]]:  # type: ignore[no-untyped-def]
    """For the rows with a part of the chosen kind: (the other parts' estimate, its parts' roofline seconds,
    how many such parts, log measured, weight)."""
    out = []
    for parts, m, w in rows:
        mine = [r for k, r in parts if chosen(k)]
        if not mine:
            continue
        rest = sum(r / fitted[k][0] + fitted[k][1] for k, r in parts if not chosen(k))
        out.append((rest, sum(mine), float(len(mine)), math.log(m), w))
    return out


def _whole(layers: list[list[Part]], fitted: Fit) -> float:
    total = 0.0
    for parts in layers:
        for kind, roofline_seconds in parts:
            e, o = fitted.get(kind, fitted["default"])
            total += roofline_seconds / e + o
    return total


def _best_fit(data: list[tuple[float, float, float, float, float]]) -> tuple[float, float]:
    """(efficiency, overhead) with the least weighted squared log error over ``data``."""
    best = min((_best_efficiency(data, o) + (o,) for o in OVERHEADS), key=lambda fit: fit[1])
    return best[0], best[2]


def _loss(data: list[tuple[float, float, float, float, float]], log_e: float, overhead: float) -> float:
    inverse = math.exp(-log_e)
    return sum(w * (math.log(rest + r * inverse + n * overhead) - log_m) ** 2 for rest, r, n, log_m, w in data)


def _best_efficiency(data: list[tuple[float, float, float, float, float]], overhead: float) -> tuple[float, float]:
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
