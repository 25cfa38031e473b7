"""The whitelist expression evaluator."""

from __future__ import annotations

import pytest

from costcalc.errors import SpecError
from costcalc.expressions import MappingScope, evaluate, make_divisible

SCOPE = MappingScope({"alpha": 0.75, "c": 24, "act": "relu"})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("32 * alpha", 24.0),
        ("7 // 2", 3),
        ("7 % 4", 3),
        ("7 / 2", 3.5),
        ("2 ** 10", 1024),
        ("-c + 30", 6),
        ("min(c, 16, 20)", 16),
        ("max(1.0, alpha)", 1.0),
        ("round(2.5)", 2),  # Python's round: half to even, as torchvision's int(round(...))
        ("round(3.5)", 4),
        ("floor(2.7)", 2),
        ("ceil(2.1)", 3),
        ("int(32 * alpha)", 24),
        ("2 if c > 16 else 1", 2),
        ("c == 24 and not alpha > 1", True),
        ("act == 'relu'", True),
        ("3 × 4 − 2", 10),  # the course's symbols are read as * and -
        ("true", True),
    ],
)
def test_values(text, value):
    result = evaluate(text, SCOPE)
    assert result == value and type(result) is type(value)


@pytest.mark.parametrize(
    ("value", "divisor", "expected"),
    # torchvision's _make_divisible: round to the nearest multiple, never more than 10% down
    [
        (32 * 1.0, 8, 32),
        (16 * 0.5, 8, 8),
        (24 * 0.35, 8, 8),
        (1280 * 1.4, 8, 1792),
        (96 * 0.75, 8, 72),
        (10, 8, 16),
        (3, 8, 8),
        (27, 4, 28),
    ],
)
def test_make_divisible(value, divisor, expected):
    assert make_divisible(value, divisor) == expected
    assert evaluate(f"make_divisible({value}, {divisor})", SCOPE) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10**10**10", "too large"),
        ("2**64", "too large"),
        ("9" * 30, "bits"),
        ("1 / 0", "division by zero"),
        ("5 // (c - 24)", "division by zero"),
        ("alpah * 2", "name 'alpah' is not defined; did you mean 'alpha'?"),
        ("c.__class__", "is not allowed"),
        ("__import__('os')", "calling '__import__' is not allowed"),
        ("factorial(100)", "calling 'factorial' is not allowed"),
        ("open('x')", "calling 'open' is not allowed"),
        ("[1, 2]", "is not allowed"),
        ("lambda: 1", "is not allowed"),
        ("c +", "not a valid expression"),
        ("act * 2", "the word 'relu' is not a number"),
        ("min(1)", "min() failed: one argument must be a non-empty list"),
        ("min()", "min() takes 1 or more arguments, got 0"),
        ("round(1, key=2)", "plain positional arguments"),
        ("x" * 600, "longer than 500"),
        ("-" * 200 + "1", "nested"),
        ("1e18 * 1e18", "too large"),
    ],
)
def test_refused(text, message):
    with pytest.raises(SpecError, match=None) as caught:
        evaluate(text, SCOPE)
    assert message in caught.value.message


def test_refusals_are_fast():
    import time

    start = time.perf_counter()
    for text in ("10**10**10", "9**9**9**9", "2**(2**100)"):
        with pytest.raises(SpecError):
            evaluate(text, SCOPE)
    assert time.perf_counter() - start < 1.0  # a guard against evaluating the power, not a benchmark


def test_the_function_factories_themselves():
    """min/max and the divisions are built once, at import (tests/mutation/equivalent.md: a mutation tool
    that forks after the import never runs a mutated factory unless a test calls it)."""
    import operator

    from costcalc.expressions import _divide, _extreme, _Fail, kind_of

    assert _extreme(max)(3, 5) == 5 and _extreme(min)((4, 2, 9)) == 2
    with pytest.raises(_Fail, match="^the word 'a' is not a number$"):
        _extreme(max)("a", 1)
    assert _divide(operator.floordiv)(7, 2) == 3
    with pytest.raises(_Fail, match="^division by zero$"):
        _divide(operator.truediv)(1, 0)
    # a long word is quoted to 40 characters, the last an ellipsis
    assert kind_of("w" * 50) == "the word '" + "w" * 39 + "…'"


def test_powers_at_zero_and_below_zero_and_lengths_of_what_has_none():
    scope = MappingScope({})
    assert evaluate("2 ** -1", scope) == 0.5 and evaluate("0 ** 0", scope) == 1 and evaluate("0 ** 2", scope) == 0
    with pytest.raises(SpecError, match="zero cannot be raised to a negative power"):
        evaluate("0 ** -1", scope)
    with pytest.raises(SpecError, match="the number 3 has no length"):
        evaluate("len(3)", scope)


def test_a_word_and_a_number_are_unequal_and_not_ordered():
    """== and != of a word and a number answer (they differ); <, <=, >, >= of a word refuse, word for word."""
    assert evaluate("act == 1", SCOPE) is False and evaluate("act != 1", SCOPE) is True
    for text in ("act < 1", "act < 'x'"):
        with pytest.raises(SpecError) as caught:
            evaluate(text, SCOPE)
        assert caught.value.message == f"cannot evaluate '{text}': a word can only be compared with == or !="


def test_indexing_what_is_not_a_list_says_what_it_is():
    with pytest.raises(SpecError) as caught:
        evaluate("c[0]", SCOPE)
    assert caught.value.message == "cannot evaluate 'c[0]': 'c' is the number 24, not a list: it cannot be indexed"


def test_a_whole_float_indexes_a_list():
    scope = MappingScope({"w": (8, 16, 32)})
    assert evaluate("w[1.0]", scope) == 16 and evaluate("w[4 / 2]", scope) == 32 and evaluate("w[-1.0]", scope) == 32
    with pytest.raises(SpecError) as caught:
        evaluate("w[0.5]", scope)
    assert caught.value.message == "cannot evaluate 'w[0.5]': a list index must be a whole number, got the number 0.5"


def test_the_nesting_limit_is_the_one_the_message_states():
    """40 nested unary minuses are 40 levels: allowed; 41 are refused as 'nested deeper than 40 levels'."""
    assert evaluate("-" * 40 + "1", SCOPE) == 1
    with pytest.raises(SpecError) as caught:
        evaluate("-" * 41 + "1", SCOPE)
    assert caught.value.message.endswith("': nested deeper than 40 levels")


def test_results_out_of_range_say_which_way_word_for_word():
    cases = (
        ("1e400", "the result is not a finite number"),
        ("1e308 + 1e308", "the result is too large"),
        ("1e300 ** 2", "the result is too large"),  # Python's float power raises OverflowError here
    )
    for text, reason in cases:
        with pytest.raises(SpecError) as caught:
            evaluate(text, SCOPE)
        assert caught.value.message == f"cannot evaluate '{text}': {reason}"
