"""Time a spec's PyTorch module (costcalc.torch.build): each layer and the whole forward pass, the median
of several runs, with the thread count fixed. Needs PyTorch (imported here only).

Layer times come from running the module's own plan layer by layer with a clock around each call (on
CUDA, synchronised after each); the whole-model time is a plain forward pass, timed on its own (each
followed by a layer-by-layer pass), so the per-layer clock reads do not slow it.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from ..api import build_spec_graph
from ..errors import CostcalcError
from .clocks import clock
from .measurements import ModelMeasurement


class MeasureError(CostcalcError):
    """Timing that cannot run here (no such device): CLI exit code 2."""


def measure_spec(
    spec: str,
    runs: int = 10,
    warmup: int = 2,
    device: str = "cpu",
    min_seconds: float = 0.0,
    batch: int = 1,
    statistic: str = "median",
    clock_name: str = "wall",
) -> ModelMeasurement:
    """Seconds of the whole model and of each layer (by costcalc's layer names) over ``runs`` runs (more, up
    to 10 × runs, until the runs took ``min_seconds``): their median, or with ``statistic="min"`` the
    fastest (what the machine does when nothing else runs on it: other processes only ever add time).
    ``clock_name`` 'cpu' reads the thread's CPU time instead of the wall clock (one thread; clocks.py)."""
    summary = {"median": statistics.median, "min": min}[statistic]
    import torch

    from ..torch.model import attribute_names, build_module

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise MeasureError("no CUDA device is available to PyTorch here")
    if not device.startswith(("cpu", "cuda")):
        raise MeasureError(f"unknown device '{device}' to time on; expected cpu or cuda")

    now = clock(clock_name, torch.get_num_threads(), "cuda" if device.startswith("cuda") else "cpu")
    graph = build_spec_graph(spec)
    module = build_module(graph).eval().to(device)
    names = dict(zip(attribute_names(graph), (node.name for node in graph.nodes)))
    x = module.example_input(batch).to(device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    layers: dict[str, list[float]] = {names[name]: [] for name, _ in module.plan}
    whole: list[float] = []
    with torch.inference_mode():
        for _ in range(warmup):
            module(x)
            _by_layer(module, x, sync, now)
        # a whole pass, then a layer-by-layer pass, alternately: on a shared machine both see the same
        # spells of contention, so the layers' sum and the whole stay comparable
        spent = 0.0
        while len(whole) < runs or (spent < min_seconds and len(whole) < 10 * runs):
            start = now()
            module(x)
            sync()
            whole.append(now() - start)
            spent += whole[-1]
            for name, seconds in _by_layer(module, x, sync, now).items():
                layers[names[name]].append(seconds)
    return ModelMeasurement(spec, summary(whole), {name: summary(times) for name, times in layers.items()})


def _by_layer(module: Any, x: Any, sync: Any, now: Any = time.perf_counter) -> dict[str, float]:
    values = {module.input_name: x}
    out = {}
    for name, inputs in module.plan:
        args = [values[i] for i in inputs]
        start = now()
        values[name] = module.layers[name](*args)
        sync()
        out[name] = now() - start
    return out
