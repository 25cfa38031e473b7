"""How numbers are written for people: exact with separators, or short with decimal units."""

from __future__ import annotations

COUNT_UNITS = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))  # decimal, as FLOP counts are quoted
BYTE_UNITS = ((2**40, "TiB"), (2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB"))  # binary, as memory is sized


def exact(n: int) -> str:
    return f"{n:,}"


def short(n: int) -> str:
    """120,422,400 -> '120.42M'; below 1,000 the number itself."""
    for size, unit in COUNT_UNITS:
        if abs(n) >= size:
            return f"{n / size:.2f}{unit}"
    return str(n)


def short_bytes(n: int) -> str:
    for size, unit in BYTE_UNITS:
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "–"
