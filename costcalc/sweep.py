"""Sweeps: one spec analysed over every combination of settings (vars, input sizes, batch sizes)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .analysis import Totals, analyze
from .errors import CostcalcError
from .graph import Graph, build_graph
from .layers import Shape
from .memory import peak_memory
from .settings import parse_batch, parse_input
from .spec import Spec

MAX_VARIANTS = 1_000_000


class SweepError(CostcalcError):
    """A sweep axis that cannot be read (CLI exit code 2)."""


@dataclass(frozen=True)
class Axis:
    name: str  # a var of the spec, or "input" / "batch"
    values: tuple[str, ...]  # as written: vars are evaluated by the spec, like --set values


@dataclass(frozen=True)
class Variant:
    settings: dict[str, str]  # axis name -> the value of this combination
    input: Shape
    batch: int
    totals: Totals
    peak_bytes: int  # peak activation memory at inference (costcalc.memory)


def expand_values(text: str, option: str) -> tuple[str, ...]:
    """'1,0.75,0.5' -> three values; 'a..b' or 'a..b..step' -> whole numbers from a to b inclusive.

    A comma inside brackets belongs to its value: 'max(8, 16),32' is two values (vars take expressions).
    """
    values: list[str] = []
    for part in top_level_parts(text):
        part = part.strip()
        match = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(\d+))?", part)
        if match:
            start, stop, step = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
            if step < 1 or stop < start:
                raise SweepError(f"{option}: '{part}' is not a rising range (a..b or a..b..step)")
            values += [str(v) for v in range(start, stop + 1, step)]
        elif part:
            values.append(part)
        else:
            raise SweepError(f"{option}: an empty value in '{text}'")
    return tuple(values)


def top_level_parts(text: str) -> list[str]:
    """``text`` split at the commas outside brackets."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    return [*parts, "".join(current)]


def axes_from(settings: list[str], inputs: list[str], batches: list[str]) -> list[Axis]:
    axes: list[Axis] = []
    for item in settings:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not values.strip():
            raise SweepError(f"--set '{item}' is not NAME=VALUE[,VALUE...] (e.g. --set alpha=1,0.75,0.5)")
        axes.append(Axis(name, expand_values(values, f"--set {name}")))
    for option, given in (("input", inputs), ("batch", batches)):
        values = tuple(v for text in given for v in expand_values(text, f"--{option}"))
        if values:
            axes.append(Axis(option, values))
    for axis in axes:  # each value read by the parser every command uses, so errors come before any work
        if axis.name == "batch":
            for value in axis.values:
                parse_batch(value)
        elif axis.name == "input":
            for value in axis.values:
                parse_input(value)
    names = [a.name for a in axes]
    for name in names:
        if names.count(name) > 1:
            raise SweepError(f"'{name}' is swept twice; give all its values in one option")
    return axes


def count_variants(axes: list[Axis]) -> int:
    total = 1
    for axis in axes:
        total *= len(axis.values)
    return total


def sweep(
    spec: Spec, axes: list[Axis], dtype: str = "float32", progress: Callable[[], None] | None = None
) -> Iterator[Variant]:
    """Analyse ``spec`` for every combination of the axes' values, in order (the last axis varies fastest).

    The spec is parsed once; a graph is built once per combination of vars and input and reused
    for every batch size, since the batch only scales the counts.
    """
    total = count_variants(axes)
    if total > MAX_VARIANTS:
        raise SweepError(f"{total:,} combinations; expected at most {MAX_VARIANTS:,}")
    graphs: dict[tuple, Graph] = {}
    for combination in itertools.product(*(axis.values for axis in axes)):
        settings = dict(zip((a.name for a in axes), combination))
        overrides = {k: v for k, v in settings.items() if k not in ("input", "batch")}
        vars_key = tuple(sorted(overrides.items()))
        # an input size (160: the spec's channels) is resolved by the graph, as in every command
        shape = parse_input(settings["input"]) if "input" in settings else None
        batch = parse_batch(settings.get("batch", "1"))
        key = (vars_key, shape.dims if shape is not None else None)
        graph = graphs.get(key)
        if graph is None:
            graph = graphs[key] = build_graph(spec, overrides, shape)
            if len(graphs) > 64:  # keep memory bounded on long sweeps: only recent graphs are reused
                graphs.pop(next(iter(graphs)))
        analysis = analyze(graph, batch, dtype)
        if progress is not None:
            progress()
        yield Variant(settings, analysis.input, batch, analysis.totals, peak_memory(analysis).bytes)
