"""Measure this machine's roofline: peak FLOP/s of a large matmul per dtype, the streaming bandwidth of a
large copy, the rate of in-cache elementwise work and the fixed cost of running one tiny layer; written
as a device profile whose every figure cites the measurement.

Uses PyTorch when it is installed (every dtype it can multiply), else NumPy (float32). Each figure is
the best of several timed runs (a peak is what the machine can reach, not what it usually does), with
the thread count fixed and recorded. On CUDA (``target="cuda"``) the same measurements run on the GPU,
synchronised around each timing (written so, but untested here: this machine has no GPU).
"""

from __future__ import annotations

import datetime
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CostcalcError
from .clocks import clock
from .device import Device, Figure
from .units import seconds, short
from .writer import device_text


class ProbeError(CostcalcError):
    """The probe cannot run (no NumPy or PyTorch, or no such target) (CLI exit code 2)."""


@dataclass(frozen=True)
class Measured:
    value: float
    how: str  # what was timed, for the profile's note


@dataclass(frozen=True)
class ProbeResult:
    name: str
    title: str
    backend: str  # 'torch 2.13.0+cpu' or 'numpy 2.4.6'
    target: str  # 'cpu' or 'cuda'
    threads: int
    peak: dict[str, Measured]
    vector: dict[str, Measured]
    bandwidth: Measured
    overhead: dict[str, Measured]  # by layer kind; 'default' for the rest
    buffer: Measured | None  # the largest cache, read from the OS (not timed)
    skipped: dict[str, str] = field(default_factory=dict)  # dtype -> why it was not measured
    when: str = ""
    clock: str = "wall"


def best_time(
    run: Callable[[], object],
    repeats: int,
    sync: Callable[[], None] = lambda: None,
    now: Callable[[], float] = time.perf_counter,
) -> float:
    """The shortest of ``repeats`` timed calls, after one untimed warm-up."""
    run()
    sync()
    best = float("inf")
    for _ in range(repeats):
        start = now()
        run()
        sync()
        best = min(best, now() - start)
    return best


def probe(
    threads: int | None = None,
    quick: bool = False,
    target: str = "cpu",
    backend: str | None = None,
    clock_name: str = "wall",
) -> ProbeResult:
    """Measure this machine (see the module docstring); ``quick`` uses small sizes (a test, a first look);
    ``clock_name`` 'cpu' times the measuring thread's CPU time (one thread only; see clocks.py)."""
    from .clocks import clock

    clock(clock_name, threads, target)  # a clock that cannot time this run is said before anything is imported
    if backend in (None, "torch"):
        try:
            import torch  # noqa: F401
        except ImportError:
            if backend == "torch":
                raise ProbeError("the probe was asked to use PyTorch, which is not installed") from None
        else:
            return _probe_torch(threads, quick, target, clock_name)
    if target != "cpu":
        raise ProbeError(f"probing {target} needs PyTorch (pip install 'costcalc[torch]')")
    try:
        import numpy  # noqa: F401
    except ImportError:
        raise ProbeError("the probe needs NumPy or PyTorch; install one (pip install numpy)") from None
    return _probe_numpy(threads, quick, clock_name)


def _sizes(quick: bool) -> tuple[int, int, int, int]:
    """matmul n, copy elements (float32), elementwise elements, repeats."""
    if quick:
        return 256, 1 << 22, 1 << 14, 3
    return 2048, 1 << 26, 1 << 16, 7  # 2048³ matmul; 256 MiB copied; 256 KiB operands (in cache)


def _probe_torch(threads: int | None, quick: bool, target: str, clock_name: str) -> ProbeResult:
    import torch

    if target not in ("cpu", "cuda"):
        raise ProbeError(f"unknown probe target '{target}'; expected cpu or cuda")
    if target == "cuda" and not torch.cuda.is_available():
        raise ProbeError("no CUDA device is available to PyTorch here")
    if threads is not None:
        torch.set_num_threads(threads)
    used = torch.get_num_threads()
    now = clock(clock_name, used, target)
    device = torch.device(target)
    sync = torch.cuda.synchronize if target == "cuda" else (lambda: None)
    n, copy_n, vec_n, repeats = _sizes(quick)
    peak: dict[str, Measured] = {}
    skipped: dict[str, str] = {}
    kinds = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}
    with torch.inference_mode():
        for name, dtype in kinds.items():
            try:
                size, seconds = _matmul(
                    lambda k, dtype=dtype: _pair(torch.randn, k, dtype, device), torch.matmul, n, repeats, sync, now
                )
            except (RuntimeError, TypeError) as exc:
                skipped[name] = f"matmul failed: {str(exc).splitlines()[0][:120]}"
                continue
            how = f"torch.matmul of two {size}×{size} {name} matrices, best of {repeats}"
            peak[name] = Measured(2 * size**3 / seconds, how)
        try:  # int8 × int8 → int32 (torch._int_mm); absent or unsupported on some builds
            size, seconds = _matmul(lambda k: _pair(_int8, k, None, device), torch._int_mm, n, repeats, sync, now)
            how = f"torch._int_mm of two {size}×{size} int8 matrices (int32 results), best of {repeats}"
            peak["int8"] = Measured(2 * size**3 / seconds, how)
        except (RuntimeError, AttributeError, TypeError) as exc:
            skipped["int8"] = f"torch._int_mm failed: {str(exc).splitlines()[0][:120]}"
        src = torch.ones(copy_n, device=device)
        dst = torch.empty_like(src)
        seconds = best_time(lambda: dst.copy_(src), repeats, sync, now)
        size = copy_n * 4
        bandwidth = Measured(
            2 * size / seconds,
            f"Tensor.copy_ of {size / 2**20:.0f} MiB of float32, read + write bytes, best of {repeats}",
        )
        x = torch.ones(vec_n, device=device)
        y = torch.ones(vec_n, device=device)
        out = torch.empty_like(x)
        seconds = best_time(lambda: torch.add(x, y, out=out), repeats * 20, sync, now)
        vector = {
            "float32": Measured(
                vec_n / seconds, f"torch.add of two in-cache {vec_n:,}-element float32 vectors (1 op per element)"
            )
        }
        overhead = {}  # the fixed time of one layer: its PyTorch module called on a tiny input
        image = torch.ones(1, 2, 4, 4, device=device)
        tiny = {
            "conv": (torch.nn.Conv2d(2, 2, 1).to(device), image, "nn.Conv2d(2, 2, 1) on 1×2×4×4"),
            "depthwise_conv": (
                torch.nn.Conv2d(2, 2, 3, padding=1, groups=2).to(device),
                image,
                "nn.Conv2d(2, 2, 3, groups=2) on 1×2×4×4",
            ),
            "fc": (torch.nn.Linear(4, 4).to(device), torch.ones(1, 4, device=device), "nn.Linear(4, 4) on 1×4"),
            "batch_norm": (torch.nn.BatchNorm2d(2).eval().to(device), image, "nn.BatchNorm2d(2) (eval) on 1×2×4×4"),
            "default": (torch.nn.ReLU(), torch.ones(1, device=device), "nn.ReLU on a 1-element tensor"),
        }
        for kind, (layer, value, what) in tiny.items():
            seconds = _median_time(lambda layer=layer, value=value: layer(value), 2000, sync, now)
            overhead[kind] = Measured(seconds, f"median time of calling {what} (the fixed cost of one layer)")
    title = _cpu_title() if target == "cpu" else torch.cuda.get_device_name()
    return ProbeResult(
        name="this-machine",
        title=title,
        backend=f"torch {torch.__version__}",
        target=target,
        threads=used,
        peak=peak,
        vector=vector,
        bandwidth=bandwidth,
        overhead=overhead,
        buffer=_largest_cache() if target == "cpu" else None,
        skipped=skipped,
        when=_now(),
        clock=clock_name,
    )


def _probe_numpy(threads: int | None, quick: bool, clock_name: str) -> ProbeResult:
    import numpy as np

    used = threads or os.cpu_count() or 1  # NumPy's BLAS threads are set by environment variables, not here
    now = clock(clock_name, used)
    n, copy_n, vec_n, repeats = _sizes(quick)
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    b = a.copy()
    seconds = best_time(lambda: a @ b, repeats, now=now)
    peak = {"float32": Measured(2 * n**3 / seconds, f"numpy matmul of two {n}×{n} float32 matrices, best of {repeats}")}
    src = np.ones(copy_n, dtype=np.float32)
    dst = np.empty_like(src)
    seconds = best_time(lambda: np.copyto(dst, src), repeats, now=now)
    bandwidth = Measured(2 * copy_n * 4 / seconds, f"numpy.copyto of {copy_n * 4 / 2**20:.0f} MiB, read + write bytes")
    x = np.ones(vec_n, dtype=np.float32)
    out = np.empty_like(x)
    seconds = best_time(lambda: np.add(x, x, out=out), repeats * 20, now=now)
    vector = {"float32": Measured(vec_n / seconds, f"numpy.add of in-cache {vec_n:,}-element vectors")}
    return ProbeResult(
        name="this-machine",
        title=_cpu_title(),
        backend=f"numpy {np.__version__}",
        target="cpu",
        threads=used,
        peak=peak,
        vector=vector,
        bandwidth=bandwidth,
        overhead={},
        buffer=_largest_cache(),
        skipped={"bfloat16": "NumPy has no bfloat16", "float16": "NumPy's float16 matmul is not a BLAS call"},
        when=_now(),
        clock=clock_name,
    )


def _pair(make: Callable, size: int, dtype: object, device: object) -> tuple:
    if dtype is None:
        return make(size, device), make(size, device)
    return make(size, size, device=device).to(dtype), make(size, size, device=device).to(dtype)


def _int8(size: int, device: object) -> object:
    import torch

    return torch.randint(-128, 127, (size, size), dtype=torch.int8, device=device)


def _matmul(
    operands: Callable, multiply: Callable, largest: int, repeats: int, sync: Callable, now: Callable[[], float]
) -> tuple[int, float]:
    """(size, best seconds) of multiplying two size×size matrices: ``largest``, or smaller for a dtype this
    machine multiplies slowly (a first try at 256 sets the size so that one product takes about 0.2 s)."""
    a, b = operands(256)
    first = best_time(lambda: multiply(a, b), 1, sync, now)
    size = (
        largest if first * (largest / 256) ** 3 < 0.5 else max(256, min(largest, int(256 * (0.2 / first) ** (1 / 3))))
    )
    if size != 256:
        a, b = operands(size)
    return size, best_time(lambda: multiply(a, b), repeats, sync, now)


def _median_time(run: Callable[[], object], count: int, sync: Callable[[], None], now: Callable[[], float]) -> float:
    times = []
    for _ in range(count):
        start = now()
        run()
        sync()
        times.append(now() - start)
    times.sort()
    return times[len(times) // 2]


def _cpu_title() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip() + f" (CPU, {os.cpu_count()} cores)"
    except OSError:
        pass
    return (platform.processor() or platform.machine()) + " (CPU)"


def _largest_cache() -> Measured | None:
    """The largest cache the OS reports for CPU 0 (Linux sysfs), as the on-chip buffer."""
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    best: tuple[int, str] | None = None
    for index in sorted(base.glob("index*")):
        try:
            text = (index / "size").read_text().strip()
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
        except OSError:
            continue
        scale = {"K": 1024, "M": 1024**2, "G": 1024**3}.get(text[-1:], 1)
        size = int(text.rstrip("KMG")) * scale
        if kind != "Instruction" and (best is None or size > best[0]):
            best = (size, f"L{level} {kind.lower()} cache of CPU 0, {text} ({index / 'size'})")
    return Measured(float(best[0]), best[1]) if best else None


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- the profile it writes


def probe_device(result: ProbeResult) -> Device:
    """The measurements as a Device, every figure citing the probe (or, for the cache size, the OS)."""
    host = platform.node() or "this machine"
    timed = "the thread's CPU time" if result.clock == "cpu" else "wall-clock time"
    sources = {
        "probe": f"costcalc device probe on {host}, {result.when}, {result.backend}, {result.threads} thread(s), {timed}"
    }
    if result.buffer is not None:
        sources["os"] = "the operating system: " + result.buffer.how

    def figure(m: Measured, unit: str, source: str = "probe") -> Figure:
        text = short(m.value, unit).replace(" kB", " KB")  # 'k' is a decimal thousand; profiles read K too
        return Figure(m.value, source, text, note=m.how)

    missing = "; ".join(f"{dtype}: {why}" for dtype, why in result.skipped.items())
    return Device(
        name=result.name,
        title=result.title,
        kind="gpu" if result.target == "cuda" else "cpu",
        description=f"{result.title}, measured with {result.backend}, {result.threads} thread(s)",
        sources=sources,
        peak={dtype: figure(m, "OP/s" if dtype.startswith("int") else "FLOP/s") for dtype, m in result.peak.items()},
        bandwidth=figure(result.bandwidth, "B/s"),
        vector={dtype: figure(m, "FLOP/s") for dtype, m in result.vector.items()},
        buffer=Figure(result.buffer.value, "os", f"{result.buffer.value / 2**20:g} MiB", note=result.buffer.how)
        if result.buffer is not None
        else None,
        overhead={kind: Figure(m.value, "probe", seconds(m.value), note=m.how) for kind, m in result.overhead.items()},
        missing=("not measured: " + missing) if missing else "",
        threads=result.threads,
        # measured through PyTorch's eager mode, which runs a batch norm and an activation after a conv
        # as kernels of their own; NumPy has no layers at all, so the same holds for what it measures
        fuses=False,
    )


def profile_text(result: ProbeResult) -> str:
    """The measurements as a device profile (YAML)."""
    header = "Measured by `costcalc device probe`: each figure is the best of several timed runs on this machine."
    return device_text(probe_device(result), header)
