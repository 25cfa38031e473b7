"""A small whitelist evaluator for the arithmetic in specs (``32 * alpha``, ``make_divisible(...)``).

Python's parser reads the text; only numbers, names, arithmetic, comparisons, ``and``/``or``/
``not``, ``a if c else b`` and the functions in FUNCTIONS are accepted, and everything is compiled
once into closures. Nothing reaches ``eval``; powers and magnitudes are bounded so that
``10**10**10`` is refused at once instead of eating the machine.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Protocol

from .errors import SpecError, clip, describe, nearest

Number = int | float | bool
Value = Number | str  # a str is a word (activation: relu) passed through an argument or var

MAX_TEXT = 500
MAX_NESTING = 40
MAX_MAGNITUDE = 2**63  # larger than any real dimension or count, small enough to stay fast

_TRANSLATE = str.maketrans({"×": "*", "−": "-", "÷": "/", "·": "*"})


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
    return round(value) if digits is None else round(value, digits)


# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int | None]] = {
    "min": (min, 2, None),
    "max": (max, 2, None),
    "round": (_round, 1, 2),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "int": (int, 1, 1),
    "abs": (abs, 1, 1),
    "make_divisible": (make_divisible, 1, 3),
}

CONSTANTS: dict[str, Number] = {"true": True, "false": False, "True": True, "False": False}


class _Fail(Exception):
    """Internal: an evaluation problem, turned into a SpecError naming the expression."""


def _num(value: Value) -> Number:
    if isinstance(value, str):
        raise _Fail(f"the word '{value}' is not a number")
    return value


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
    if abs(base) > 1 and exponent > 0:
        if exponent * math.log2(abs(base)) >= MAX_MAGNITUDE.bit_length():
            raise _Fail(f"{base}**{exponent} is too large")
    if base == 0 and exponent < 0:
        raise _Fail("zero cannot be raised to a negative power")
    result = base**exponent
    if isinstance(result, complex):
        raise _Fail("a negative number to a fractional power is not real")
    return result


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
        return lambda scope: _check(op(_num(left(scope)), _num(right(scope))))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        uop = _UNARY[type(node.op)]
        operand = _compile(node.operand, depth)
        return lambda scope: uop(_num(operand(scope)))
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v, depth) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda scope: all(p(scope) for p in parts)
        return lambda scope: any(p(scope) for p in parts)
    if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
        return _compile_compare(node, depth)
    if isinstance(node, ast.IfExp):
        test, body, orelse = (_compile(n, depth) for n in (node.test, node.body, node.orelse))
        return lambda scope: body(scope) if test(scope) else orelse(scope)
    if isinstance(node, ast.Call):
        return _compile_call(node, depth)
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
        except KeyError:
            known = sorted(set(scope.names()))
            close = nearest(name, known)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise _Fail(f"name '{name}' is not defined{hint} (defined here: {shown or 'none'})") from None

    return lookup


def _compile_compare(node: ast.Compare, depth: int) -> Compiled:
    first = _compile(node.left, depth)
    rest = [(_COMPARE[type(op)], _compile(c, depth)) for op, c in zip(node.ops, node.comparators)]

    def compare(scope: Scope) -> bool:
        left = first(scope)
        for op, right_fn in rest:
            right = right_fn(scope)
            if isinstance(left, str) != isinstance(right, str):
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

    def call(scope: Scope) -> Number:
        values = [_num(a(scope)) for a in args]
        try:
            return _check(function(*values))
        except (ValueError, OverflowError, TypeError) as exc:
            raise _Fail(f"{name}() failed: {exc}") from None

    return call


@lru_cache(maxsize=8192)
def _compiled(text: str) -> Compiled:
    if len(text) > MAX_TEXT:
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
