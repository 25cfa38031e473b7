"""A roofline latency estimate per layer on a device: the time to compute, the time to move the bytes,
whichever is longer (Williams, Waterman and Patterson 2009), summed over the layers run one after another.

Per layer:
  matrix time  = FLOPs / peak(compute dtype)              (FLOPs = 2 × MACs)
  vector time  = other ops / vector rate(output dtype)      (the peak when the profile gives no vector rate)
  compute time = matrix time + vector time
  memory time  = bytes / bandwidth
  bound        = compute or memory, whichever time is longer ("none" when both are 0)
  roofline     = max(compute time, memory time)
                 (+ on a runtime that does not fuse, fuses: false, each operation fused onto the output,
                 batch norm or activation, as a layer of its own kind: max(its ops / vector rate,
                 2 × output bytes / bandwidth); its ops leave the vector time)
  estimate     = roofline / efficiency(kind) + overhead     (efficiency 1 and overhead 0 unless the profile
                                                              gives them: calibrated, or probed)
"""

from __future__ import annotations

from dataclasses import dataclass

from .device import Device
from .traffic import Traffic


@dataclass(frozen=True, slots=True)
class LayerTime:
    name: str
    kind: str
    kernel: tuple[int, ...] | None
    compute_dtype: str  # the peak its FLOPs ran at (its compute dtype, or the wider one the device has)
    vector_dtype: str  # the rate its other ops ran at
    flops: int
    other_ops: int
    bytes: int
    peak: float  # FLOP/s
    vector_rate: float  # op/s
    bandwidth: float  # B/s
    matrix_seconds: float
    vector_seconds: float
    memory_seconds: float
    efficiency: float
    overhead_seconds: float
    onchip_memory_seconds: float  # memory time of the on-chip traffic figure
    # on a runtime that does not fuse: each fused operation as a pass of its own, (kind, roofline seconds,
    # estimated seconds at that kind's efficiency and overhead)
    passes: tuple[tuple[str, float, float], ...] = ()

    @property
    def fused_seconds(self) -> float:
        """The roofline time of the separate passes (0 on a runtime that fuses)."""
        return sum(r for _, r, _ in self.passes)

    @property
    def compute_seconds(self) -> float:
        return self.matrix_seconds + self.vector_seconds

    @property
    def bound(self) -> str:
        if self.compute_seconds == 0 and self.memory_seconds == 0:
            return "none"
        return "compute" if self.compute_seconds >= self.memory_seconds else "memory"

    @property
    def roofline_seconds(self) -> float:
        return max(self.compute_seconds, self.memory_seconds) + self.fused_seconds

    @property
    def own_seconds(self) -> float:
        """The layer's own roofline time, its separate passes left out."""
        return max(self.compute_seconds, self.memory_seconds)

    @property
    def seconds(self) -> float:
        """The estimate: the roofline time at the kind's efficiency, plus the fixed overhead of a layer that runs."""
        if self.bound == "none":
            return 0.0
        return self.own_seconds / self.efficiency + self.overhead_seconds + sum(e for _, _, e in self.passes)

    @property
    def onchip_seconds(self) -> float:
        """The estimate with the on-chip traffic figure (a lower bound, as that figure is)."""
        if self.bound == "none":
            return 0.0
        onchip = max(self.compute_seconds, self.onchip_memory_seconds)
        return onchip / self.efficiency + self.overhead_seconds + sum(e for _, _, e in self.passes)

    @property
    def attainable(self) -> float:
        """FLOP/s this layer reaches under the estimate (the roofline chart's y)."""
        return self.flops / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class RooflineTotals:
    compute_seconds: float
    memory_seconds: float
    roofline_seconds: float
    seconds: float
    onchip_seconds: float | None
    compute_bound: int  # layers
    memory_bound: int
    compute_bound_seconds: float  # estimated time spent in compute-bound layers


@dataclass(frozen=True)
class Roofline:
    name: str
    device: Device
    layers: tuple[LayerTime, ...]
    totals: RooflineTotals


def ridge(device: Device, dtype: str) -> float:
    """The intensity (FLOP per byte) where the device's roof turns from memory to compute: peak / bandwidth."""
    return device.peak_for(dtype)[1].value / device.bandwidth.value


def roofline(traffic: Traffic, device: Device) -> Roofline:
    """Every layer's time on ``device``; totals for the layers run one after another."""
    bandwidth = device.bandwidth.value
    layers = []
    for row in traffic.layers:
        dtype, peak = device.peak_for(row.compute_dtype)
        vector_dtype, vector = device.vector_for(row.activations_dtype)
        efficiency = device.efficiency_of(row.kind, row.kernel)
        overhead = device.overhead_of(row.kind, row.kernel)
        other_ops, passes = row.other_ops, []
        if not device.fuses:
            # each fused operation is a layer of its own kind: it reads and writes the whole output again
            for kind, ops in row.fused:
                other_ops -= ops
                own = max(ops / vector.value, 2 * row.output_bytes / bandwidth)
                e, o = device.efficiency_of(kind), device.overhead_of(kind)
                passes.append((kind, own, own / (e.value if e else 1.0) + (o.value if o else 0.0)))
        layers.append(
            LayerTime(
                name=row.name,
                kind=row.kind,
                kernel=row.kernel,
                compute_dtype=dtype,
                vector_dtype=vector_dtype,
                flops=row.flops,
                other_ops=other_ops,
                bytes=row.bytes,
                peak=peak.value,
                vector_rate=vector.value,
                bandwidth=bandwidth,
                matrix_seconds=row.flops / peak.value,
                vector_seconds=other_ops / vector.value,
                memory_seconds=row.bytes / bandwidth,
                efficiency=efficiency.value if efficiency else 1.0,
                overhead_seconds=overhead.value if overhead else 0.0,
                onchip_memory_seconds=row.onchip_bytes / bandwidth,
                passes=tuple(passes),
            )
        )
    compute = [x for x in layers if x.bound == "compute"]
    totals = RooflineTotals(
        compute_seconds=sum(x.compute_seconds for x in layers),
        memory_seconds=sum(x.memory_seconds for x in layers),
        roofline_seconds=sum(x.roofline_seconds for x in layers),
        seconds=sum(x.seconds for x in layers),
        onchip_seconds=sum(x.onchip_seconds for x in layers) if traffic.buffer_bytes is not None else None,
        compute_bound=len(compute),
        memory_bound=sum(1 for x in layers if x.bound == "memory"),
        compute_bound_seconds=sum(x.seconds for x in compute),
    )
    return Roofline(traffic.name, device, tuple(layers), totals)
