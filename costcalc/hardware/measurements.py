"""Measured latencies (what `costcalc device calibrate` fits to): per model, the whole forward pass and
each layer, in seconds, with how they were measured. JSON (which the YAML reader also reads), e.g.::

    {"costcalc_measurements": 1, "device": "cpu", "threads": 1, "dtype": "float32", "batch": 1,
     "runs": 10, "backend": "torch 2.13.0+cpu", "statistic": "median", "clock": "wall",
     "models": [{"spec": "resnet18", "seconds": 0.0312, "layers": {"conv1": 0.0021, "maxpool": 0.0004}}]}

``spec`` is a bundled name or a path; ``layers`` maps costcalc's layer names to seconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Location, SpecError, describe
from ..yaml_source import YMap, load_yaml

FORMAT = 1


class MeasurementError(SpecError):
    """A measurement file that cannot be read (located; CLI exit code 2)."""


@dataclass(frozen=True)
class ModelMeasurement:
    spec: str
    seconds: float  # the whole forward pass
    layers: Mapping[str, float]  # costcalc layer name -> seconds


@dataclass(frozen=True)
class Measurements:
    device: str  # what ran the models ('cpu', 'cuda', or a description)
    threads: int | None
    dtype: str
    batch: int
    runs: int | None
    backend: str
    statistic: str  # how each figure summarises the runs ('median')
    models: tuple[ModelMeasurement, ...]
    file: str = ""
    clock: str = "wall"  # 'wall' (elapsed) or 'cpu' (the thread's CPU time; see clocks.py)


def measurements_text(m: Measurements) -> str:
    data = {
        "costcalc_measurements": FORMAT,
        "device": m.device,
        "threads": m.threads,
        "dtype": m.dtype,
        "batch": m.batch,
        "runs": m.runs,
        "backend": m.backend,
        "statistic": m.statistic,
        "clock": m.clock,
        "models": [{"spec": x.spec, "seconds": x.seconds, "layers": dict(x.layers)} for x in m.models],
    }
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def load_measurements(path: str | Path) -> Measurements:
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MeasurementError(f"cannot read the measurements: {exc}", location=Location(file)) from None
    root = load_yaml(text, file)

    def fail(where: Any, message: str, expected: str) -> MeasurementError:
        mark = where if isinstance(where, tuple) else getattr(where, "mark", None)
        return MeasurementError(message, location=Location(file, *mark) if mark else Location(file), expected=expected)

    if not isinstance(root, YMap) or root.get("costcalc_measurements") != FORMAT:
        raise fail(root, "not a costcalc measurement file", f'a JSON object with "costcalc_measurements": {FORMAT}')
    models = root.get("models")
    if not isinstance(models, list) or not models:
        raise fail(root.marks.get("models", root.mark), f"'models' is {describe(models)}", "a list of measured models")
    out = []
    for i, item in enumerate(models):
        where = models.marks[i]  # type: ignore[attr-defined]
        if not isinstance(item, YMap) or not isinstance(item.get("spec"), str):
            raise fail(where, f"model {i + 1} is {describe(item)}", 'an object with "spec", "seconds" and "layers"')
        seconds = item.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
            raise fail(
                item.marks.get("seconds", where),
                f"'seconds' of {item['spec']} is {describe(seconds)}",
                "a positive number",
            )
        layers = item.get("layers", {})
        if not isinstance(layers, YMap):
            raise fail(
                item.marks.get("layers", where), f"'layers' of {item['spec']} is {describe(layers)}", "an object"
            )
        for name, value in layers.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise fail(layers.marks[name], f"layer '{name}' of {item['spec']}: {describe(value)}", "seconds ≥ 0")
        out.append(ModelMeasurement(item["spec"], float(seconds), {k: float(v) for k, v in layers.items()}))
    return Measurements(
        device=str(root.get("device", "")),
        threads=root.get("threads"),
        dtype=str(root.get("dtype", "float32")),
        batch=int(root.get("batch", 1)),
        runs=root.get("runs"),
        backend=str(root.get("backend", "")),
        statistic=str(root.get("statistic", "")),
        models=tuple(out),
        file=file,
        clock=str(root.get("clock", "wall")),
    )
