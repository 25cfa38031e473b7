"""costcalc in PyTorch: build a spec as a torch.nn.Module, write its code, verify costcalc's numbers.

    >>> from costcalc.torch import build
    >>> model = build("mobilenet_v2")

Needs PyTorch (pip install 'costcalc[torch]'); nothing else in costcalc imports this package.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # torch without numpy: harmless here

from ..api import build_spec_graph  # noqa: E402
from .model import SpecModule, build_module, module_code  # noqa: E402
from .verify import Verification, verify  # noqa: E402


def build(
    spec: Any, overrides: Mapping[str, Any] | None = None, input_shape: tuple[int, ...] | None = None
) -> SpecModule:
    """A torch.nn.Module with the spec's graph (a path, a bundled name or a parsed Spec)."""
    return build_module(build_spec_graph(spec, overrides, input_shape))


__all__ = ["SpecModule", "Verification", "build", "build_module", "module_code", "verify"]
