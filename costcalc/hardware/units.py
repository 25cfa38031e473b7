"""Quantities in device profiles, written as the datasheets write them: '989.4 TFLOP/s', '3.35 TB/s',
'50 MB', '8 µs'. Decimal prefixes are powers of 10 (k, M, G, T, P); KiB, MiB, GiB are powers of 2."""

from __future__ import annotations

import math
import re

DECIMAL = {"": 1.0, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
BINARY = {"Ki": 2.0**10, "Mi": 2.0**20, "Gi": 2.0**30, "Ti": 2.0**40}
TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ns": 1e-9}

# what each kind of figure is measured in, and the unit words it accepts after a prefix
UNITS: dict[str, tuple[str, ...]] = {
    "rate": ("FLOP/s", "FLOPS", "OP/s", "OPS"),  # peak compute: floating-point or integer operations per second
    "bandwidth": ("B/s",),
    "size": ("B",),
    "time": tuple(TIME),
    "fraction": ("",),
}
BASE_UNIT = {"rate": "FLOP/s", "bandwidth": "B/s", "size": "B", "time": "s", "fraction": ""}

_QUANTITY = re.compile(r"\s*([0-9][0-9_,]*(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\s*(\S*)\s*")


class UnitError(ValueError):
    """A quantity that cannot be read; the caller adds where it was written."""


def parse_quantity(raw: object, kind: str) -> float:
    """A positive number (a time may also be 0) in the base unit of ``kind``; a plain number is taken
    as already in it."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise UnitError(f"expected a number or a quantity such as {example(kind)}")
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        match = _QUANTITY.fullmatch(raw)
        if not match:
            raise UnitError(f"'{raw}' is not a quantity; expected a number and a unit, e.g. {example(kind)}")
        value = float(match.group(1).replace("_", "").replace(",", "")) * _scale(match.group(2), kind, raw)
    if not math.isfinite(value) or value < 0 or (value == 0 and kind != "time"):
        raise UnitError(f"{raw!r} is not a positive amount" + (" (a time may be 0)" if kind == "time" else ""))
    return value


def _scale(unit: str, kind: str, raw: str) -> float:
    if kind == "time":
        if unit in TIME:
            return TIME[unit]
    elif kind == "fraction":
        if unit == "":
            return 1.0
        if unit == "%":
            return 0.01
    else:
        for word in UNITS[kind]:
            if unit.endswith(word):
                prefix = unit[: -len(word)]
                if prefix in DECIMAL:
                    return DECIMAL[prefix]
                if kind in ("bandwidth", "size") and prefix in BINARY:
                    return BINARY[prefix]
        if unit == "":
            return 1.0  # written in the base unit
    raise UnitError(f"'{raw}': unknown unit '{unit}'; expected e.g. {example(kind)}")


def example(kind: str) -> str:
    return {
        "rate": "'989.4 TFLOP/s' or '20 TOPS'",
        "bandwidth": "'3.35 TB/s' or '68 GB/s'",
        "size": "'50 MB' or '8 MiB'",
        "time": "'5 us' or '0.2 ms'",
        "fraction": "0.7 or '70%'",
    }[kind]


def short(value: float, unit: str) -> str:
    """989.4e12 'FLOP/s' -> '989.4 TFLOP/s': three significant digits and a decimal prefix."""
    if value == 0:
        return f"0 {unit}".rstrip()
    for prefix, scale in (("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3), ("", 1.0)):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {prefix}{unit}".rstrip()
    return f"{value:.3g} {unit}".rstrip()


def seconds(value: float) -> str:
    """A duration with the unit that keeps it readable: '1.23 s', '45.6 ms', '7.89 µs', '12 ns'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(value) >= scale:
            return f"{value / scale:.4g} {unit}"
    return "0 s" if value == 0 else f"{value / 1e-9:.3g} ns"
