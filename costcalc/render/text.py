"""How values are written as text, one way per unit: exact (1,234,567) or short (1.23M, 1.18 MiB);
and how text from a spec is made safe to print (control characters shown, never sent).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ..layers.base import fmt_shape  # the one shape formatter, which error messages use too

COUNT_UNITS = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))  # decimal, as FLOP counts are quoted
BYTE_UNITS = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))  # binary, as memory is sized


def exact(n: int) -> str:
    return f"{n:,}"


def short(n: int) -> str:
    """120,422,400 -> '120.42M'; below 1,000 the number itself."""
    for size, unit in COUNT_UNITS:
        if abs(n) >= size:
            if abs(n) >= 1000 * 10**12:  # beyond T: keep the digits, never a float overflow
                return f"{n // 10**12:,}T"
            return f"{n / size:.2f}{unit}"
    return str(n)


def short_bytes(n: int) -> str:
    for size, unit in BYTE_UNITS:
        if abs(n) >= size:
            if abs(n) >= 1024 * 2**40:
                return f"{n // 2**40:,} TiB"
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "–"


def fraction(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def shape(dims: Sequence[int]) -> str:
    return fmt_shape(tuple(dims))


def pair(values: Sequence[Any]) -> str:
    a, b = (_number(v) for v in values)
    return a if a == b else f"{a}×{b}"


def _number(x: Any) -> str:
    """An int, or a fraction of a pixel (upsampling layers' jumps) as a short decimal."""
    if isinstance(x, int):
        return str(x)
    value = float(x)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


def rf(field: Any) -> str:
    size = "×".join(_number(s) for s in field.size)
    return f"{size} (whole input)" if field.whole else size


def seconds(value: float, digits: int = 4) -> str:
    """A duration with the unit that keeps it readable: '1.23 s', '45.6 ms', '7.89 µs', '12 ns'."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {unit}"
    return "0 s" if value == 0 else f"{value / 1e-9:.{digits}g} ns"


def fact_text(value: Any, unit: str) -> tuple[str, str]:
    """A total as people read it: exactly (1,234,567; 0.000261643 s), and short (1.23M; 261.6 µs)."""
    if unit == "count":
        return exact(value), short(value)
    if unit == "bytes":
        return exact(value), short_bytes(value)
    if unit == "seconds":
        return seconds(value, 7), seconds(value)
    if unit == "ratio":
        return f"{value:.6g}", f"{value:.3g} FLOP/B"
    return str(value), ""


def value_text(value: Any, unit: str, exact_counts: bool) -> str:
    """A cell as people read it: counts exact or short, bytes likewise, shares as percentages."""
    if value is None:
        return ""
    if unit == "fact":  # a comparison's totals: each row its own unit, written exactly
        return fact_text(*value)[0]
    if unit == "seconds":
        return seconds(value, 7) if exact_counts else seconds(value)
    if unit == "ratio":  # two decimals on every row, so that the column lines up
        return f"{value:,.2f}"
    if unit == "count":
        return exact(value) if exact_counts else short(value)
    if unit == "bytes":
        return exact(value) if exact_counts else short_bytes(value)
    if unit in ("share", "bar"):
        return percent(*value)
    if unit == "shape":
        return shape(value)
    if unit == "names":
        return ", ".join(value)
    if unit == "rf":
        return rf(value)
    if unit == "jump":
        return pair(value.jump)
    return str(value)


def plain_value(value: Any, unit: str) -> Any:
    """A cell as a machine reads it (CSV): integers exact, shares as fractions, shapes H×W×C."""
    if value is None:
        return ""
    if unit == "fact":
        return value[0]
    if unit in ("share", "bar"):
        share = fraction(*value)
        return "" if share is None else share
    if unit == "shape":
        return shape(value)
    if unit == "names":
        return " ".join(value)
    if unit == "rf":
        return rf(value)
    if unit == "jump":
        return pair(value.jump)
    return value


# ---------------------------------------------------------------- safe text

# C0 and C1 controls and DEL, but not tab or newline, which our own layout writes
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text with every control character shown as an escape (\\x1b), so that spec text printed to a
    terminal can never move the cursor, set the title or clear the screen."""
    if text.isprintable():
        return text
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def one_line(text: str) -> str:
    """Spec text for one cell or label: controls escaped, line breaks shown as spaces."""
    return printable(text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " "))


# glyphs costcalc writes itself, and an ASCII stand-in for terminals that cannot show them
ASCII_FALLBACK = str.maketrans(
    {
        "×": "x",
        "·": "*",
        "─": "-",
        "…": "...",
        "−": "-",
        "→": "->",
        "←": "<-",
        "≥": ">=",
        "≤": "<=",
        "≈": "~",
        "⌊": "floor(",
        "⌋": ")",
        "⌈": "ceil(",
        "⌉": ")",
        "²": "^2",
        "³": "^3",
        "¹": "^1",
        "⁰": "^0",
        "–": "-",
        "—": "-",
        "Δ": "delta ",
        "█": "#",
        "▏": "|",
        "▎": "|",
        "▍": "|",
        "▌": "|",
        "▋": "|",
        "▊": "|",
        "▉": "|",
        "▾": "v",
        "▸": ">",
        "’": "'",
        "“": '"',
        "”": '"',
        "√": "sqrt",
        "∞": "inf",
        "γ": "gamma",
        "β": "beta",
        "α": "alpha",
    }
)


def for_encoding(text: str, encoding: str | None) -> str:
    """``text`` as a stream of ``encoding`` can take it: our own glyphs in ASCII where needed, anything
    else (a spec's name in another script) as backslash escapes, never an encoding error."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
        return text
    except (UnicodeEncodeError, LookupError):
        pass
    text = text.translate(ASCII_FALLBACK)
    try:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        return text.encode("ascii", "backslashreplace").decode("ascii")


def can_encode(encoding: str | None, sample: str = "×─…·") -> bool:
    try:
        sample.encode(encoding or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False
