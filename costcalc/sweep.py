"""Sweeps: one spec analysed over every combination of settings (vars, input sizes, batch sizes).

Values of an axis: a list ``1,0.75,0.5``, a range ``a..b`` or ``a..b..step`` (whole or decimal
numbers, stepped exactly in decimal: ``0.25..1.5..0.25`` is 0.25, 0.5, ... 1.5), or ``@name``,
the elements of the spec's list var ``name``. Ranges are never built before their size is known.
Axes multiply (every combination), except zipped axes, which step together (EfficientNet's
compound scaling: width, depth and resolution as one axis).

A large sweep splits two ways: ``jobs`` processes on this machine, and ``shard=(k, n)``: the k-th
of n contiguous slices of the combinations, so that any scheduler can run the slices apart. Each
variant carries its ``index`` among all the combinations: the shards' rows, concatenated in shard
order (or sorted by index), are exactly the rows of the whole sweep.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .analysis import Totals, analyze
from .errors import CostcalcError
from .graph import Graph, GraphCache, build_graph
from .layers import Shape
from .memory import peak_memory
from .settings import parse_batch, parse_input
from .spec import Spec

MAX_VARIANTS = 1_000_000


class SweepError(CostcalcError):
    """A sweep axis that cannot be read (CLI exit code 2)."""


class Values(Sequence[str]):
    """An axis's values, concatenated from lists and ranges without building the ranges."""

    def __init__(self, parts: list[Sequence[str]]) -> None:
        self.parts = parts
        self.count = sum(len(p) for p in parts)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        for part in self.parts:
            if index < len(part):
                return part[index]
            index -= len(part)
        raise IndexError(index)  # pragma: no cover

    def __iter__(self) -> Iterator[str]:
        for part in self.parts:
            yield from part

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and not isinstance(other, str) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"Values({self.count} values)"


class DecimalRange(Sequence[str]):
    """start, start + step, ... up to stop (inclusive), in exact decimal arithmetic."""

    def __init__(self, start: Decimal, stop: Decimal, step: Decimal, decimal: bool) -> None:
        self.start, self.step, self.decimal = start, step, decimal
        self.count = int((stop - start) // step) + 1

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        value = self.start + index * self.step
        text = format(value.normalize(), "f") if value else "0"
        if self.decimal and "." not in text:
            text += ".0"  # a decimal range gives decimal values: 1.0, not the whole number 1
        return text


@dataclass(frozen=True)
class Axis:
    name: str  # a var of the spec, or "input" / "batch"
    values: Sequence[str]  # as written: vars are evaluated by the spec, like --set values
    zip_group: int | None = None  # axes with the same group step together


@dataclass(frozen=True)
class Variant:
    settings: dict[str, str]  # axis name -> the value of this combination
    input: Shape
    batch: int
    totals: Totals
    peak_bytes: int  # peak activation memory at inference (costcalc.memory)
    index: int = 0  # its position among all the combinations (shards and jobs keep it)


_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_RANGE = re.compile(rf"({_NUMBER})\.\.({_NUMBER})(?:\.\.({_NUMBER}))?")


def _decimal(text: str, option: str, part: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SweepError(f"{option}: '{part}' is not a range of numbers") from None
    if not value.is_finite() or abs(value) > Decimal(10) ** 30:
        raise SweepError(f"{option}: '{part}': {text} is too large for a range")
    return value


def expand_values(text: str, option: str, spec: Spec | None = None) -> Values:
    """'1,0.75,0.5' -> three values; 'a..b' or 'a..b..step' -> from a to b inclusive (whole or decimal
    numbers, exact decimal steps); '@name' -> the spec's list var ``name``.

    A comma inside brackets belongs to its value: 'max(8, 16),32' is two values (vars take expressions).
    The size of a range is known before any value is made, so '1..1e9' is refused at once.
    """
    parts: list[Sequence[str]] = []
    singles: list[str] = []
    total = 0
    for part in top_level_parts(text):
        part = part.strip()
        if not part:
            raise SweepError(f"{option}: an empty value in '{text}'")
        match = _RANGE.fullmatch(part)
        if match:
            start, stop = (_decimal(match.group(i), option, part) for i in (1, 2))
            step = _decimal(match.group(3), option, part) if match.group(3) else Decimal(1)
            if step <= 0:
                raise SweepError(f"{option}: '{part}' has a step of {match.group(3)}; expected a step > 0")
            if stop < start:
                raise SweepError(f"{option}: '{part}' does not rise; expected a..b with a ≤ b (or a..b..step)")
            count = (stop - start) // step + 1
            if count > MAX_VARIANTS:
                raise SweepError(f"{option}: '{part}' has {count:,} values; expected at most {MAX_VARIANTS:,}")
            decimal = any("." in (g or "") or "e" in (g or "").lower() for g in match.groups())
            if singles:
                parts.append(tuple(singles))
                singles = []
            parts.append(DecimalRange(start, stop, step, decimal))
            total += int(count)
        elif part.startswith("@"):
            values = _spec_list(part[1:], option, spec)
            if singles:
                parts.append(tuple(singles))
                singles = []
            parts.append(values)
            total += len(values)
        elif ".." in part:
            raise SweepError(
                f"{option}: '{part}' is not a range; expected a..b or a..b..step with numbers "
                "(e.g. 1..8, 0.25..1.5..0.25)"
            )
        else:
            singles.append(part)
            total += 1
        if total > MAX_VARIANTS:
            raise SweepError(f"{option}: more than {MAX_VARIANTS:,} values")
    if singles:
        parts.append(tuple(singles))
    return Values(parts)


def _spec_list(name: str, option: str, spec: Spec | None) -> tuple[str, ...]:
    """The values of the spec's list var ``name`` (each as --set would take it)."""
    if spec is None:
        raise SweepError(f"{option}: '@{name}' names a list of the spec, but no spec was given")
    raw = spec.vars.get(name)
    if not isinstance(raw, list):
        lists = [n for n, v in spec.vars.items() if isinstance(v, list)]
        what = f"the spec has no var '{name}'" if raw is None else f"the spec's var '{name}' is not a list"
        raise SweepError(f"{option}: '@{name}': {what}; expected one of its list vars: " + (", ".join(lists) or "none"))
    if not raw or not all(isinstance(v, (int, float, str)) for v in raw):
        raise SweepError(f"{option}: '@{name}' must be a non-empty list of numbers or expressions")
    return tuple(str(v).lower() if isinstance(v, bool) else str(v) for v in raw)


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


def axes_from(
    settings: list[str],
    inputs: list[str],
    batches: list[str],
    spec: Spec | None = None,
    zipped: Sequence[Sequence[str]] = (),
) -> list[Axis]:
    """The axes of ``--set NAME=VALUES``, ``--input`` and ``--batch`` options; ``zipped`` lists groups
    of axis names that step together (each group's axes must have as many values)."""
    axes: list[Axis] = []
    for item in settings:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not values.strip():
            raise SweepError(f"--set '{item}' is not NAME=VALUE[,VALUE...] (e.g. --set alpha=1,0.75,0.5)")
        axes.append(Axis(name, expand_values(values, f"--set {name}", spec)))
    for option, given in (("input", inputs), ("batch", batches)):
        if given:
            values = Values([expand_values(text, f"--{option}", spec) for text in given])
            if len(values) > MAX_VARIANTS:
                raise SweepError(f"--{option}: more than {MAX_VARIANTS:,} values")
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
    return zip_axes(axes, zipped) if zipped else axes


def zip_axes(axes: list[Axis], groups: Sequence[Sequence[str]]) -> list[Axis]:
    """Mark each group of axes (by name) to step together: their i-th values form one combination."""
    by_name = {a.name: a for a in axes}
    group_of: dict[str, int] = {}
    for number, group in enumerate(groups):
        if len(group) < 2:
            raise SweepError(f"--zip {','.join(group)}: name two or more swept axes to step together")
        for name in group:
            if name not in by_name:
                raise SweepError(f"--zip: '{name}' is not swept; swept: {', '.join(by_name) or 'nothing'}")
            if name in group_of:
                raise SweepError(f"--zip: '{name}' is in two groups")
            group_of[name] = number
        lengths = {name: len(by_name[name].values) for name in group}
        if len(set(lengths.values())) > 1:
            shown = ", ".join(f"{n} {c}" for n, c in lengths.items())
            raise SweepError(f"--zip {','.join(group)}: the axes have different numbers of values ({shown})")
    return [Axis(a.name, a.values, group_of.get(a.name)) for a in axes]


def _dimensions(axes: list[Axis]) -> list[list[Axis]]:
    """Axes grouped into the dimensions of the product: a zipped group is one dimension."""
    dims: list[list[Axis]] = []
    seen: dict[int, list[Axis]] = {}
    for axis in axes:
        if axis.zip_group is None:
            dims.append([axis])
        elif axis.zip_group in seen:
            seen[axis.zip_group].append(axis)
        else:
            seen[axis.zip_group] = [axis]
            dims.append(seen[axis.zip_group])
    return dims


def count_variants(axes: list[Axis]) -> int:
    total = 1
    for dim in _dimensions(axes):
        total *= len(dim[0].values)
    return total


def shard_range(total: int, shard: tuple[int, int] | None) -> range:
    """The combinations of shard (k, n): the k-th (1-based) of n contiguous, near-equal slices."""
    if shard is None:
        return range(total)
    k, n = shard
    if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n):
        raise SweepError(f"--shard {k}/{n}: expected K/N with 1 ≤ K ≤ N (e.g. 2/8)")
    return range(total * (k - 1) // n, total * k // n)


def parse_shard(text: str) -> tuple[int, int]:
    """'2/8' -> (2, 8)."""
    match = re.fullmatch(r"\s*(\d{1,9})\s*/\s*(\d{1,9})\s*", text)
    if not match:
        raise SweepError(f"--shard '{text[:40]}': expected K/N with 1 ≤ K ≤ N (e.g. 2/8)")
    shard = (int(match.group(1)), int(match.group(2)))
    shard_range(1, shard)  # checks the bounds
    return shard


class _Runner:
    """Analyses combinations of one sweep; keeps what does not change between them."""

    def __init__(self, spec: Spec, axes: list[Axis], dtype: str) -> None:
        self.spec, self.dtype = spec, dtype
        self.dims = _dimensions(axes)
        self.cache = GraphCache(spec)
        self.graphs: dict[tuple, Graph] = {}
        self.costs: dict = {}  # each layer's cost by its parameters object (see analysis.analyze)
        self.figures: dict[tuple, tuple] = {}  # (network fingerprint, batch) -> graph, input, totals, peak bytes

    def settings(self, index: int) -> dict[str, str]:
        settings: dict[str, str] = {}
        for dim in reversed(self.dims):  # the last axis varies fastest
            size = len(dim[0].values)
            index, position = divmod(index, size)
            for axis in dim:
                settings[axis.name] = axis.values[position]
        return {name: settings[name] for dim in self.dims for name in (a.name for a in dim)}

    def variant(self, index: int) -> Variant:
        settings = self.settings(index)
        overrides = {k: v for k, v in settings.items() if k not in ("input", "batch")}
        vars_key = tuple(sorted(overrides.items()))
        # an input size (160: the spec's channels) is resolved by the graph, as in every command
        shape = parse_input(settings["input"]) if "input" in settings else None
        batch = parse_batch(settings.get("batch", "1"))
        key = (vars_key, shape.dims if shape is not None else None)
        graph = self.graphs.get(key)
        if graph is None:
            graph = self.graphs[key] = build_graph(self.spec, overrides, shape, cache=self.cache)
            if len(self.graphs) > 64:  # keep memory bounded on long sweeps: only recent graphs are reused
                self.graphs.pop(next(iter(self.graphs)))
        # two settings often give the same network (make_divisible rounds 0.250 and 0.251 alike): its
        # figures are worked out once
        fingerprint = self.fingerprint(graph)
        known = self.figures.get((fingerprint, batch))
        if known is None:
            analysis = analyze(graph, batch, self.dtype, self.costs)
            if len(self.figures) > 1024:
                self.figures.clear()
            # the graph is kept with its figures: the fingerprint names its parameters objects by id
            known = self.figures[(fingerprint, batch)] = (
                graph,
                analysis.input,
                analysis.totals,
                peak_memory(analysis).bytes,
            )
        return Variant(settings, known[1], batch, known[2], known[3], index)

    @staticmethod
    def fingerprint(graph: Graph) -> tuple:
        """The network as its figures see it: each layer's parameters object (graphs of one spec
        share one object for equal parameters, see GraphCache.intern), wiring and shape."""
        return tuple([(id(n.params), n.inputs, n.shape) for n in graph.nodes])


_WORKER: _Runner | None = None  # a job's runner, made once per process


def _start_worker(runner: _Runner | None, spec: Spec, axes: list[Axis], dtype: str) -> None:
    """A job's runner: the parent's, already warm, when the job is a fork of it."""
    global _WORKER
    _WORKER = runner if runner is not None else _Runner(spec, axes, dtype)


def _run_chunk(bounds: tuple[int, int]) -> list[Variant]:
    assert _WORKER is not None
    return [_WORKER.variant(i) for i in range(*bounds)]


def sweep(
    spec: Spec,
    axes: list[Axis],
    dtype: str = "float32",
    progress: Callable[[], None] | None = None,
    jobs: int = 1,
    shard: tuple[int, int] | None = None,
) -> Iterator[Variant]:
    """Analyse ``spec`` for every combination of the axes' values, in order (the last axis varies fastest).

    The spec is parsed once; what a graph works out that does not depend on the settings (checks,
    layer order, literal parameters) is kept for every combination, and a graph is built once per
    combination of vars and input and reused for every batch size. ``shard`` keeps only the k-th of
    n slices; ``jobs`` > 1 spreads the combinations over that many processes (results in order).
    """
    total = count_variants(axes)
    if total > MAX_VARIANTS:
        raise SweepError(f"{total:,} combinations; expected at most {MAX_VARIANTS:,}")
    if not isinstance(jobs, int) or jobs < 1 or jobs > 256:
        raise SweepError(f"--jobs {jobs}: expected a whole number from 1 to 256")
    indices = shard_range(total, shard)
    jobs = min(jobs, len(indices)) or 1
    if jobs == 1:
        runner = _Runner(spec, axes, dtype)
        for index in indices:
            variant = runner.variant(index)
            if progress is not None:
                progress()
            yield variant
        return
    yield from _sweep_in_processes(spec, axes, dtype, progress, jobs, indices)


def _sweep_in_processes(
    spec: Spec,
    axes: list[Axis],
    dtype: str,
    progress: Callable[[], None] | None,
    jobs: int,
    indices: range,
) -> Iterator[Variant]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # chunks of a few hundred: large enough that pickling is cheap, small enough to balance the jobs
    size = max(1, min(500, len(indices) // (jobs * 4) or 1))
    chunks = [(start, min(start + size, indices.stop)) for start in range(indices.start, indices.stop, size)]
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    warm = None
    if method == "fork":  # forked jobs start with what the first variant worked out (parsed, recorded)
        warm = _Runner(spec, axes, dtype)
        first = warm.variant(indices.start)
        if progress is not None:
            progress()
        yield first
        chunks[0] = (chunks[0][0] + 1, chunks[0][1])
    initargs = (warm, spec, axes, dtype)
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker, initargs=initargs) as pool:
        for variants in pool.map(_run_chunk, chunks):
            for variant in variants:
                if progress is not None:
                    progress()
                yield variant


def available_jobs() -> int:
    """The cores this process may use (for --jobs 0 meaning 'all')."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


__all__ = [
    "Axis",
    "MAX_VARIANTS",
    "SweepError",
    "Variant",
    "available_jobs",
    "axes_from",
    "count_variants",
    "expand_values",
    "parse_shard",
    "shard_range",
    "sweep",
    "zip_axes",
]
