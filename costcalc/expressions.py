"""A small whitelist evaluator for the arithmetic in specs (``32 * alpha``, ``make_divisible(...)``).

Python's parser reads the text; only numbers, names, arithmetic, comparisons, ``and``/``or``/
``not``, ``a if c else b``, indexing a list (``widths[i]``), a field of a row (``stage.channels``)
and the functions in FUNCTIONS are accepted, and everything is compiled once into closures.
Nothing reaches ``eval``; powers, magnitudes and every argument that drives the size of a result
are bounded, so that ``10**10**10`` or ``round(1, -10**9)`` is refused at once instead of eating
the machine.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Protocol

from .errors import SpecError, clip, describe, nearest

Number = int | float | bool

MAX_TEXT = 500
MAX_NESTING = 40
MAX_MAGNITUDE = 2**63  # larger than any real dimension or count, small enough to stay fast
MAX_DIGITS = 100  # round(x, n): |n| at most this (round(1, -10**9) would compute 10**10**9)

_TRANSLATE = str.maketrans({"×": "*", "−": "-", "÷": "/", "·": "*"})


class Record(dict):
    """A row of a table (``{c: 16, s: 2}``) or a tensor's shape (``input.channels``): fields read with
    a dot. A dict, so that reports write it as a mapping (JSON: an object); never changed once made."""

    __slots__ = ("what",)

    def __init__(self, fields: dict[str, Value], what: str = "row") -> None:  # noqa: F821 (Value: below)
        super().__init__(fields)
        self.what = what

    @property
    def fields(self) -> dict[str, Value]:  # noqa: F821
        return self

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(self.items()))

    def __repr__(self) -> str:
        return f"Record({dict(self)!r})"


# a str is a word (activation: relu) passed through an argument or var; a tuple is a list (a table's
# column or rows); a Record is a row of a table or a tensor's shape (input.channels)
Value = Number | str | tuple | Record


class NamedShape(str):
    """A layer's name that is also its shape: in `input: "skip if skip.channels > 8 else input"` the
    input names choose a layer and ``.channels`` reads its shape."""

    __slots__ = ("record",)

    def __new__(cls, name: str, record: Record) -> NamedShape:
        self = super().__new__(cls, name)
        self.record = record
        return self


class Scope(Protocol):
    """What an expression can read: a value by name, and the names for suggestions."""

    def lookup(self, name: str) -> Value: ...  # raises KeyError when undefined

    def names(self) -> Iterable[str]: ...


def make_divisible(value: Number, divisor: Number = 8, min_value: Number | None = None) -> int:
    """Round ``value`` to a multiple of ``divisor``, never dropping more than 10% (MobileNet v2).

    The same rule as torchvision's ``_make_divisible``.
    """
    if divisor <= 0:
        raise ValueError("make_divisible needs a positive divisor")
    if min_value is None:
        min_value = divisor
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return int(new_value)


def _round(value: Number, digits: int | None = None) -> Number:
    if digits is None:
        return round(value)
    if isinstance(digits, bool) or not isinstance(digits, int):
        raise ValueError(f"the number of digits must be a whole number, got {digits}")
    if abs(digits) > MAX_DIGITS:
        raise ValueError(f"the number of digits must be between -{MAX_DIGITS} and {MAX_DIGITS}, got {_short(digits)}")
    return round(value, digits)


def _length(values: Value) -> int:
    if isinstance(values, (tuple, Record)):
        return len(values)
    raise ValueError(f"{kind_of(values)} has no length (len() takes a list)")


def _extreme(pick: Callable[..., Number]) -> Callable[..., Number]:
    """min/max of several numbers, or of one list of numbers."""

    def extreme(*values: Value) -> Number:
        if len(values) == 1:
            if not isinstance(values[0], tuple) or not values[0]:
                raise ValueError("one argument must be a non-empty list (or give two or more numbers)")
            values = values[0]
        return pick(_num(v) for v in values)

    return extreme


def _sum(values: Value) -> Number:
    if not isinstance(values, tuple):
        raise ValueError(f"sum() takes a list, got {kind_of(values)}")
    total: Number = 0
    for v in values:
        total = _check(total + _num(v))
    return total


# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "min": (_extreme(min), 1, None),
    "max": (_extreme(max), 1, None),
    "round": (_round, 1, 2),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "int": (int, 1, 1),
    "abs": (abs, 1, 1),
    "make_divisible": (make_divisible, 1, 3),
    "len": (_length, 1, 1),
    "sum": (_sum, 1, 1),
}
# functions whose arguments may be lists or rows rather than numbers
_TAKES_VALUES = frozenset({"min", "max", "len", "sum"})

CONSTANTS: dict[str, Number] = {"true": True, "false": False, "True": True, "False": False}


class _Fail(Exception):
    """Internal: an evaluation problem, turned into a SpecError naming the expression."""


class NoValueHere(KeyError):
    """A name the scope knows but cannot give a value for here (in_height of a flat input), with the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(value: Value) -> str:
    """What a value is, in a message."""
    if isinstance(value, str):
        return f"the word '{clip(value, 40)}'"
    if isinstance(value, tuple):
        return f"a list of {len(value)}"
    if isinstance(value, Record):
        return f"a {value.what}"
    return f"the number {value}"


def _num(value: Value) -> Number:
    if isinstance(value, (int, float)):
        return value
    raise _Fail(f"{kind_of(value)} is not a number")


def _check(value: Number) -> Number:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Fail("the result is not a finite number")
        if abs(value) >= MAX_MAGNITUDE:
            raise _Fail("the result is too large")
    elif abs(value) >= MAX_MAGNITUDE:
        raise _Fail(f"the result has more than {MAX_MAGNITUDE.bit_length() - 1} bits")
    return value


def _power(base: Number, exponent: Number) -> Number:
    # |base| > 1 with a large positive exponent, or 0 < |base| < 1 with a large negative one, explode
    if base != 0 and abs(exponent) * abs(math.log2(abs(base))) >= MAX_MAGNITUDE.bit_length():
        if (abs(base) > 1) == (exponent > 0):
            raise _Fail(f"{_short(base)}**{_short(exponent)} is too large")
    if base == 0 and exponent < 0:
        raise _Fail("zero cannot be raised to a negative power")
    result = base**exponent
    if isinstance(result, complex):
        raise _Fail("a negative number to a fractional power is not real")
    return result


def _short(value: Number) -> str:
    """A number as a message shows it (operands are bounded, so this is short)."""
    return f"({value})" if value < 0 else clip(str(value), 30)


def _divide(op: Callable[[Number, Number], Number]) -> Callable[[Number, Number], Number]:
    def divide(a: Number, b: Number) -> Number:
        if b == 0:
            raise _Fail("division by zero")
        return op(a, b)

    return divide


_BINARY: dict[type, Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _divide(operator.truediv),
    ast.FloorDiv: _divide(operator.floordiv),
    ast.Mod: _divide(operator.mod),
    ast.Pow: _power,
}
_COMPARE: dict[type, Callable[[Number, Number], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_UNARY: dict[type, Callable[[Number], Number]] = {
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
}

Compiled = Callable[[Scope], Value]


def _compile(node: ast.AST, depth: int) -> Compiled:
    if depth > MAX_NESTING:
        raise _Fail(f"nested deeper than {MAX_NESTING} levels")
    depth += 1
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, (int, float)):  # bool is an int
            value = _check(value)
            return lambda scope: value
        if isinstance(value, str):  # a quoted word, for comparisons such as act == 'relu'
            return lambda scope: value
        raise _Fail(f"{describe(value)} is not a number")
    if isinstance(node, ast.Name):
        return _compile_name(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        left, right = _compile(node.left, depth), _compile(node.right, depth)

        def binary(scope: Scope) -> Number:
            try:
                return _check(op(_num(left(scope)), _num(right(scope))))
            except OverflowError:  # float arithmetic past about 1.8e308
                raise _Fail("the result is too large") from None

        return binary
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        uop = _UNARY[type(node.op)]
        operand = _compile(node.operand, depth)
        return lambda scope: uop(_num(operand(scope)))
    if isinstance(node, ast.BoolOp):
        # Python's meaning: `a or b` is a when a is true (non-zero), else b; `a and b` is a when a is
        # false, else b. So `0 or 8` is 8 and `c > 16 and 2` is false or 2.
        parts = [_compile(v, depth) for v in node.values]
        is_and = isinstance(node.op, ast.And)

        def boolean(scope: Scope) -> Value:
            value: Value = False
            for part in parts:
                value = part(scope)
                if bool(value) != is_and:
                    return value
            return value

        return boolean
    if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
        return _compile_compare(node, depth)
    if isinstance(node, ast.IfExp):
        test, body, orelse = (_compile(n, depth) for n in (node.test, node.body, node.orelse))
        return lambda scope: body(scope) if test(scope) else orelse(scope)
    if isinstance(node, ast.Call):
        return _compile_call(node, depth)
    if isinstance(node, ast.Subscript) and not isinstance(node.slice, ast.Slice):
        return _compile_index(_compile(node.value, depth), _compile(node.slice, depth), ast.unparse(node.value))
    if isinstance(node, ast.Attribute) and not node.attr.startswith("_"):
        return _compile_field(_compile(node.value, depth), node.attr, ast.unparse(node.value))
    raise _Fail(f"'{ast.unparse(node)}' is not allowed here")


def _compile_name(name: str) -> Compiled:
    if name in CONSTANTS:
        constant = CONSTANTS[name]
        return lambda scope: constant
    if name in FUNCTIONS:
        raise _Fail(f"'{name}' is a function; call it like {name}(...)")

    def lookup(scope: Scope) -> Value:
        try:
            return scope.lookup(name)
        except NoValueHere as exc:
            raise _Fail(f"'{name}' has no value here: {exc.reason}") from None
        except KeyError:
            known = sorted(set(scope.names()))
            close = nearest(name, known)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise _Fail(f"name '{name}' is not defined{hint} (defined here: {shown or 'none'})") from None

    return lookup


def _compile_index(container: Compiled, index: Compiled, written: str) -> Compiled:
    def item(scope: Scope) -> Value:
        values, i = container(scope), index(scope)
        if not isinstance(values, tuple):
            raise _Fail(f"'{clip(written, 40)}' is {kind_of(values)}, not a list: it cannot be indexed")
        if isinstance(i, bool) or not isinstance(i, int):
            if isinstance(i, float) and i.is_integer():
                i = int(i)
            else:
                raise _Fail(f"a list index must be a whole number, got {kind_of(i)}")
        if not -len(values) <= i < len(values):
            raise _Fail(f"index {i} is out of range for '{clip(written, 40)}', a list of {len(values)}")
        return values[i]

    return item


def _compile_field(record: Compiled, name: str, written: str) -> Compiled:
    def field(scope: Scope) -> Value:
        value = record(scope)
        if isinstance(value, NamedShape):
            value = value.record
        if not isinstance(value, Record):
            raise _Fail(f"'{clip(written, 40)}' is {kind_of(value)}: it has no field '{name}'")
        try:
            return value.fields[name]
        except KeyError:
            close = nearest(name, value.fields)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            fields = ", ".join(list(value.fields)[:12])
            raise _Fail(f"'{clip(written, 40)}' has no field '{name}'{hint} (its fields: {fields})") from None

    return field


def _compile_compare(node: ast.Compare, depth: int) -> Compiled:
    first = _compile(node.left, depth)
    rest = [(_COMPARE[type(op)], _compile(c, depth)) for op, c in zip(node.ops, node.comparators)]

    def compare(scope: Scope) -> bool:
        left = first(scope)
        for op, right_fn in rest:
            right = right_fn(scope)
            if isinstance(left, (tuple, Record)) or isinstance(right, (tuple, Record)):
                if op not in (operator.eq, operator.ne):
                    raise _Fail("a list or a row can only be compared with == or !=")
            elif isinstance(left, str) != isinstance(right, str):
                if op not in (operator.eq, operator.ne):
                    raise _Fail("a word can only be compared with == or !=")
            elif isinstance(left, str) and op not in (operator.eq, operator.ne):
                raise _Fail("a word can only be compared with == or !=")
            if not op(left, right):
                return False
            left = right
        return True

    return compare


def _compile_call(node: ast.Call, depth: int) -> Compiled:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        called = ast.unparse(node.func)
        allowed = ", ".join(FUNCTIONS)
        raise _Fail(f"calling '{called}' is not allowed (functions: {allowed})")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise _Fail(f"{node.func.id}() takes plain positional arguments only")
    name = node.func.id
    function, fewest, most = FUNCTIONS[name]
    if len(node.args) < fewest or (most is not None and len(node.args) > most):
        wanted = f"{fewest}" if fewest == most else f"{fewest} or more" if most is None else f"{fewest} to {most}"
        raise _Fail(f"{name}() takes {wanted} arguments, got {len(node.args)}")
    args = [_compile(a, depth) for a in node.args]

    takes_values = name in _TAKES_VALUES

    def call(scope: Scope) -> Number:
        values = [a(scope) for a in args] if takes_values else [_num(a(scope)) for a in args]
        try:
            return _check(function(*values))
        except (ValueError, OverflowError, TypeError) as exc:
            raise _Fail(f"{name}() failed: {exc}") from None

    return call


_NUMBER_TEXT = re.compile(r"[\s+-]*(0[xXoObB])?[0-9a-fA-F_]+(\.[0-9_]*)?([eE][+-]?[0-9_]+)?\s*")


@lru_cache(maxsize=8192)
def _compiled(text: str) -> Compiled:
    if len(text) > MAX_TEXT:
        if _NUMBER_TEXT.fullmatch(text):  # never converted: Python refuses ints of more than 4,300 digits
            raise _Fail(f"a number written with {len(text):,} characters; expected a number below 2**63")
        raise _Fail(f"longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.translate(_TRANSLATE).strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _Fail("not a valid expression") from None
    return _compile(tree.body, 0)


def evaluate(text: str, scope: Scope) -> Value:
    """The value of ``text`` in ``scope``; a SpecError (without location) says what went wrong."""
    try:
        return _compiled(text)(scope)
    except _Fail as exc:
        raise SpecError(f"cannot evaluate '{clip(text, 80)}': {exc}") from None
    except RecursionError:
        raise SpecError(f"cannot evaluate '{clip(text, 80)}': nested too deeply") from None


class MappingScope:
    """A scope over a plain dict, for tests and simple callers."""

    def __init__(self, values: dict[str, Value]) -> None:
        self.values = values

    def lookup(self, name: str) -> Value:
        return self.values[name]

    def names(self) -> Iterable[str]:
        return self.values.keys()


@lru_cache(maxsize=4096)
def names_in(text: str) -> frozenset[str]:
    """The names an expression reads (for checks such as "is this row field used?"); empty if unreadable."""
    if len(text) > MAX_TEXT:
        return frozenset()
    try:
        tree = ast.parse(text.translate(_TRANSLATE).strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
