"""The library in one call: spec reference -> graph -> analysis (what the CLI and notebooks use)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .analysis import Analysis, analyze
from .gcpause import paused_gc
from .graph import Graph, build_graph
from .layers import Shape, fmt_shape
from .settings import InputSize
from .sources import bundled_names, load_spec
from .spec import Spec


def build_spec_graph(
    ref: str | Spec, overrides: Mapping[str, Any] | None = None, input_shape: Shape | InputSize | None = None
) -> Graph:
    """The expanded graph of a spec given as a path, '-', a bundled name or a parsed Spec; ``input_shape``
    a full shape, or an InputSize (160: the spec's own channels)."""
    with paused_gc():
        spec = ref if isinstance(ref, Spec) else load_spec(ref)
        return build_graph(spec, overrides, input_shape)


def analyze_spec(
    ref: str | Spec,
    overrides: Mapping[str, Any] | None = None,
    input_shape: Shape | InputSize | None = None,
    batch: int = 1,
    dtype: str = "float32",
) -> Analysis:
    """The counts of a spec, layer by layer: ``analyze_spec("mobilenet_v1", {"alpha": 0.5}).totals.macs``.
    :func:`costcalc.report` gives everything analyze prints (peak memory, receptive fields, ...)."""
    with paused_gc():
        return analyze(build_spec_graph(ref, overrides, input_shape), batch, dtype)


@dataclass(frozen=True)
class SpecSummary:
    name: str
    input: str
    params: int
    macs: int
    summary: str  # the first sentence of the description
    family: str | None = None  # the family file a named variant belongs to


def bundled_summaries() -> list[SpecSummary]:
    """One line per bundled spec and per variant of a bundled family (a variant after its family's others)."""
    from .sources import bundled_families

    family_of = {variant: family for family, variants in bundled_families().items() for variant in variants}
    out = []
    for name in bundled_names():
        analysis = analyze_spec(name)
        first = analysis.description.split(": ")[0].split(". ")[0].strip().rstrip(".")
        out.append(
            SpecSummary(
                name,
                fmt_shape(analysis.input),
                analysis.totals.params,
                analysis.totals.macs,
                first,
                family_of.get(name),
            )
        )
    return out
