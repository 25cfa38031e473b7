"""costcalc: exact computational cost of neural networks from a YAML spec.

    >>> import costcalc
    >>> costcalc.report("inception_naive").fact("macs").value
    120422400

The library imports lazily so that the command line starts fast.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = {
    "report": "costcalc.reporting",
    "Report": "costcalc.reporting",
    "ComparisonReport": "costcalc.reporting",
    "SweepReport": "costcalc.reporting",
    "analyze_spec": "costcalc.api",
    "build_spec_graph": "costcalc.api",
    "bundled_summaries": "costcalc.api",
    "load_spec": "costcalc.sources",
    "bundled_names": "costcalc.sources",
    "parse_spec": "costcalc.spec",
    "build_graph": "costcalc.graph",
    "analyze": "costcalc.analysis",
    "from_torch": "costcalc.onnx.from_torch",
    "load_onnx": "costcalc.onnx",
    "CostcalcError": "costcalc.errors",
    "SpecError": "costcalc.errors",
    "SpecErrors": "costcalc.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'costcalc' has no attribute '{name}'")
