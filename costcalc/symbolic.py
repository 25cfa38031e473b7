"""Numbers that remember how they were computed, so `explain` can show the formula behind each figure.

The layer kinds' shape and cost rules are plain arithmetic. Run on ints they give the numbers;
run on ``Sym`` values (an exact int plus the text of its formula) they give the same numbers and
the formulas, e.g. ``28·28·32 (output positions × filters) × 5·5·192 (multiplies per output)``.
The explanation therefore cannot disagree with the analysis: it is the same code.
"""

from __future__ import annotations

import math
from dataclasses import fields, is_dataclass, replace
from typing import Any

# how tightly an expression binds: an operand that binds less tightly is put in parentheses
ATOM, PRODUCT, SUM = 0, 1, 2


class Sym:
    __slots__ = ("value", "text", "level", "labelled")

    def __init__(self, value: int, text: str | None = None, level: int = ATOM, labelled: bool = False) -> None:
        self.value = value
        self.text = str(value) if text is None else text
        self.level = level
        self.labelled = labelled

    # the value is what comparisons, truth, indexing and formatting see
    def __int__(self) -> int:
        return int(self.value)

    def __index__(self) -> int:
        return int(self.value)

    def __bool__(self) -> bool:
        return bool(self.value)

    def __hash__(self) -> int:
        return hash(self.value)

    def __eq__(self, other: object) -> bool:
        return self.value == _value(other)

    def __lt__(self, other: Any) -> bool:
        return self.value < _value(other)

    def __le__(self, other: Any) -> bool:
        return self.value <= _value(other)

    def __gt__(self, other: Any) -> bool:
        return self.value > _value(other)

    def __ge__(self, other: Any) -> bool:
        return self.value >= _value(other)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    def __repr__(self) -> str:
        return f"Sym({self.value}, {self.text!r})"

    # arithmetic builds the formula; 0 added and 1 multiplied leave no trace
    def __add__(self, other: Any) -> Any:
        return _add(self, other)

    def __radd__(self, other: Any) -> Any:
        return _add(other, self)

    def __sub__(self, other: Any) -> Any:
        return _sub(self, other)

    def __rsub__(self, other: Any) -> Any:
        return _sub(other, self)

    def __mul__(self, other: Any) -> Any:
        return _mul(self, other)

    def __rmul__(self, other: Any) -> Any:
        return _mul(other, self)

    def __floordiv__(self, other: Any) -> Any:
        return floor_div(self, other)

    def __rfloordiv__(self, other: Any) -> Any:
        return floor_div(other, self)

    def __mod__(self, other: Any) -> Any:
        return Sym(self.value % _value(other))

    def __neg__(self) -> Any:
        return Sym(-self.value, f"−{_wrap(self, ATOM)}")


def _value(x: Any) -> Any:
    return x.value if isinstance(x, Sym) else x


def _sym(x: Any) -> Sym:
    return x if isinstance(x, Sym) else Sym(x)


def _wrap(x: Sym, level: int) -> str:
    return f"({x.text})" if x.level > level else x.text


def _add(a: Any, b: Any) -> Any:
    if not isinstance(a, Sym) and a == 0:
        return b
    if not isinstance(b, Sym) and b == 0:
        return a
    a, b = _sym(a), _sym(b)
    return Sym(a.value + b.value, f"{_wrap(a, SUM)} + {_wrap(b, SUM)}", SUM)


def _sub(a: Any, b: Any) -> Any:
    if not isinstance(b, Sym) and b == 0:
        return a
    a, b = _sym(a), _sym(b)
    return Sym(a.value - b.value, f"{_wrap(a, SUM)} − {_wrap(b, ATOM if b.level == SUM else SUM)}", SUM)


def _mul(a: Any, b: Any) -> Any:
    if not isinstance(a, Sym) and a == 1:
        return b
    if not isinstance(b, Sym) and b == 1:
        return a
    a, b = _sym(a), _sym(b)
    joint = " × " if a.labelled or b.labelled else "·"
    return Sym(a.value * b.value, f"{_wrap(a, PRODUCT)}{joint}{_wrap(b, PRODUCT)}", PRODUCT, a.labelled or b.labelled)


def floor_div(a: Any, b: Any) -> Any:
    """a // b, shown as ⌊a / b⌋ (a division by 1 shows as the division all the same, as in the notes)."""
    if not isinstance(a, Sym) and not isinstance(b, Sym):
        return a // b
    a, b = _sym(a), _sym(b)
    return Sym(a.value // b.value, f"⌊{_wrap(a, PRODUCT)} / {_wrap(b, ATOM)}⌋")


def ceil_div(a: Any, b: Any) -> Any:
    """⌈a / b⌉ for ints and Syms alike."""
    if not isinstance(a, Sym) and not isinstance(b, Sym):
        return -(-a // b)
    a, b = _sym(a), _sym(b)
    return Sym(-(-a.value // b.value), f"⌈{_wrap(a, PRODUCT)} / {_wrap(b, ATOM)}⌉")


def gcd(a: Any, b: Any) -> Any:
    """gcd(a, b) for ints and Syms alike; for Syms, the value labelled with what it is the gcd of."""
    value = math.gcd(int(a), int(b))
    if not isinstance(a, Sym) and not isinstance(b, Sym):
        return value
    return note(Sym(value), f"gcd of {int(a)} and {int(b)}")


def note(x: Any, label: str) -> Any:
    """``x`` annotated with what it counts, e.g. "(output positions × filters)"; ints pass through."""
    if not isinstance(x, Sym):
        return x
    return Sym(x.value, f"{x.text} ({label})", PRODUCT, labelled=True)


def leaf(value: Any) -> Any:
    """A number as the start of a formula (ints become Syms; tuples element by element, and the fields
    of a frozen dataclass such as a layer's resolved window)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return Sym(value)
    if isinstance(value, tuple):
        return tuple(leaf(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return replace(value, **{f.name: leaf(getattr(value, f.name)) for f in fields(value) if f.init})
    return value


def shown(x: Any) -> str:
    """'formula = value' for a Sym that is a formula; the plain value otherwise."""
    if isinstance(x, Sym) and x.text != str(x.value):
        return f"{x.text} = {x.value:,}"
    return f"{_value(x):,}"
