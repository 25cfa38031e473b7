"""Comparisons of several analyses: totals side by side, layers aligned by name, and how they relate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .analysis import Analysis


def _square(kernel: tuple[int, ...] | None) -> int | None:
    """f of an f×f kernel; None for any other (non-square, 1-D, 3-D, or no kernel)."""
    if kernel is None or len(kernel) != 2 or kernel[0] != kernel[1]:
        return None
    return kernel[0]


@dataclass(frozen=True, slots=True)
class Relation:
    """How a second value relates to a first: exact ratio (second / first) and difference (second − first)."""

    first: int | float
    second: int | float

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.second) / Fraction(self.first) if self.first else None  # exact for ints and floats

    @property
    def difference(self) -> int:
        return self.second - self.first

    def words(self, quantity: str) -> str:
        """The second relative to the first, so that the direction cannot be misread: '9.68× fewer MACs'."""
        if self.second == self.first:
            return f"same {quantity}"
        if self.first == 0:
            return f"{quantity} from none"
        if self.second == 0:
            return f"no {quantity}"
        fewer, more = comparatives(quantity)
        if self.second < self.first:
            return f"{self.first / self.second:.2f}× {fewer} {quantity}"
        return f"{self.second / self.first:.2f}× {more} {quantity}"


def comparatives(quantity: str) -> tuple[str, str]:
    """'fewer params', 'less memory', 'lower intensity': the words a quantity takes."""
    if "intensity" in quantity:
        return "lower", "higher"
    if "memory" in quantity or "time" in quantity:
        return "less", "more"
    return "fewer", "more"


@dataclass(frozen=True, slots=True)
class SeparableIdentity:
    """A standard conv in one spec replaced by depthwise + pointwise in the other (MobileNet's argument)."""

    standard: str  # the standard conv's name
    depthwise: str
    pointwise: str
    kernel: int  # f
    filters: int  # n_c'
    standard_macs: int
    separable_macs: int

    @property
    def ratio(self) -> Fraction:
        return Fraction(self.separable_macs, self.standard_macs)

    @property
    def identity(self) -> Fraction:
        """1/n_c' + 1/f²: the ratio for a depthwise-separable replacement with multiplier 1."""
        return Fraction(1, self.filters) + Fraction(1, self.kernel * self.kernel)


def separable_identities(standard: Analysis, separable: Analysis) -> list[SeparableIdentity]:
    """Standard square convs of ``standard`` that ``separable`` replaces by a depthwise conv and a 1×1 conv
    from the same input shape to the same output shape."""
    shapes_a = {x.name: x.output for x in standard.layers}
    shapes_b = {x.name: x.output for x in separable.layers}
    by_name_b = {x.name: x for x in separable.layers}
    pairs = []
    for pw in separable.layers:
        if pw.kind != "conv" or pw.kernel != (1, 1) or len(pw.inputs) != 1:
            continue
        dw = by_name_b.get(pw.inputs[0])
        if dw is None or dw.kind != "depthwise_conv" or len(dw.inputs) != 1:
            continue
        if dw.output[-1] != shapes_b[dw.inputs[0]][-1]:  # multiplier 1: the identity assumes it
            continue
        pairs.append((shapes_b[dw.inputs[0]], pw.output, dw, pw))
    out = []
    for conv in standard.layers:
        size = _square(conv.kernel)
        if conv.kind != "conv" or size is None or size == 1 or len(conv.inputs) != 1:
            continue
        for source, target, dw, pw in pairs:
            if source == shapes_a[conv.inputs[0]] and target == conv.output and dw.kernel == conv.kernel:
                out.append(
                    SeparableIdentity(conv.name, dw.name, pw.name, size, conv.output[-1], conv.macs, dw.macs + pw.macs)
                )
                break
    return out


@dataclass(frozen=True, slots=True)
class AlignedRow:
    """One row name across the compared tables; None where a spec has no row of that name."""

    name: str
    rows: tuple[Any, ...]


def align_rows(tables: list[Sequence[Any]]) -> list[AlignedRow]:
    """Table rows (anything with ``item.name``) matched by name, in the first table's order; a name only
    later tables have follows the name before it in its own table."""
    known: set[str] = set()
    base: list[str] = []
    after: dict[str | None, list[str]] = {}
    for index, rows in enumerate(tables):
        anchor: str | None = None
        for row in rows:
            name = row.item.name
            if name not in known:
                known.add(name)
                if index == 0:
                    base.append(name)
                else:
                    after.setdefault(anchor, []).append(name)
            anchor = name
    names: list[str] = []
    stack = list(reversed(base)) + list(reversed(after.get(None, [])))
    while stack:
        name = stack.pop()
        names.append(name)
        stack.extend(reversed(after.get(name, [])))
    by_name = [{row.item.name: row for row in rows} for rows in tables]
    return [AlignedRow(name, tuple(index.get(name) for index in by_name)) for name in names]
