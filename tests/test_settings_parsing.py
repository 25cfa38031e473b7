"""Budget amounts and sweep axes: every unit, boundary and message, with expected values written by hand."""

from __future__ import annotations

import pytest

from costcalc.analysis import Totals
from costcalc.budget import BUDGETS, BudgetError, Violation, check_budgets, parse_amount, violation_message
from costcalc.spec import parse_spec
from costcalc.sweep import (
    MAX_VARIANTS,
    Axis,
    SweepError,
    axes_from,
    count_variants,
    expand_values,
    input_shape,
    sweep,
    top_level_parts,
)


def budget(option: str):
    return next(b for b in BUDGETS if b.option == option)


# ---------------------------------------------------------------- budgets


def test_an_unreadable_count_says_the_units_and_examples():
    with pytest.raises(BudgetError) as caught:
        parse_amount("lots", budget("--max-macs"))
    assert str(caught.value) == (
        "--max-macs 'lots' is not an amount; expected a number with an optional unit (K, M, G, T), e.g. 5M, 1.5G, 600000"
    )


def test_an_unreadable_byte_size_says_the_byte_units_and_examples():
    with pytest.raises(BudgetError) as caught:
        parse_amount("5 parsecs", budget("--max-param-bytes"))
    assert str(caught.value) == (
        "--max-param-bytes '5 parsecs' is not an amount; expected a number with an optional unit "
        "(B, KB, MB, GB, TB, KIB, MIB, GIB, TIB), e.g. 50MB, 1.5GiB, 2048"
    )


def test_a_fractional_count_is_refused_by_name():
    with pytest.raises(BudgetError) as caught:
        parse_amount("1.5", budget("--max-params"))
    assert str(caught.value) == "--max-params '1.5' is not a whole number of params"


def test_underscores_group_digits():
    assert parse_amount("1_000K", budget("--max-params")) == 1_000_000
    assert parse_amount(" 2 M ", budget("--max-params")) == 2_000_000  # spaces around number and unit


def test_violation_messages():
    over = Violation(budget("--max-params"), 25_557_032, 5_000_000)
    # excess 25,557,032 − 5,000,000 = 20,557,032; ratio 25,557,032 / 5,000,000 = 5.111 → 5.11
    assert over.excess == 20_557_032
    assert violation_message(over, "5M") == (
        "params 25,557,032 exceed the budget of 5,000,000 (--max-params 5M) by 20,557,032 (5.11× the budget)"
    )
    zero = Violation(budget("--max-macs"), 7, 0)
    assert violation_message(zero, "0") == "MACs 7 exceed the budget of 0 (--max-macs 0)"


def test_check_budgets_equal_passes_one_over_fails():
    totals = Totals(
        params=10, non_trainable=0, macs=100, flops=200, other_ops=0, activations=5, param_bytes=40, activation_bytes=20
    )
    assert check_budgets(totals, {"params": 10, "macs": 100, "activation_bytes": 20}) == []
    got = check_budgets(totals, {"params": 9, "flops": 199, "activations": 5})
    assert [(v.budget.field, v.value, v.limit) for v in got] == [("params", 10, 9), ("flops", 200, 199)]


# ---------------------------------------------------------------- sweep axes


def test_ranges_and_lists():
    assert expand_values("1..1", "--batch") == ("1",)  # a range of one
    assert expand_values("1,3..5", "--batch") == ("1", "3", "4", "5")  # a value, then a range
    assert expand_values("2..9..3", "--batch") == ("2", "5", "8")
    assert expand_values("-2..0", "--set a") == ("-2", "-1", "0")
    with pytest.raises(SweepError) as caught:
        expand_values("5..4", "--batch")
    assert str(caught.value) == "--batch: '5..4' is not a rising range (a..b or a..b..step)"
    with pytest.raises(SweepError) as caught:
        expand_values("1,,2", "--input")
    assert str(caught.value) == "--input: an empty value in '1,,2'"


def test_commas_inside_parentheses_and_brackets():
    assert top_level_parts("max(8, 16),[1, 2],3") == ["max(8, 16)", "[1, 2]", "3"]
    assert top_level_parts("[[1, 2], 3],4") == ["[[1, 2], 3]", "4"]
    assert expand_values("min(2, 3),[4, 5]", "--set a") == ("min(2, 3)", "[4, 5]")


def test_set_axes():
    [axis] = axes_from(["alpha=a==b"], [], [])  # the first '=' separates the name
    assert axis == Axis("alpha", ("a==b",))
    for bad in ("1alpha=2", "alpha=", "alpha", "=3", "al pha=1"):
        with pytest.raises(SweepError) as caught:
            axes_from([bad], [], [])
        assert str(caught.value) == f"--set '{bad}' is not NAME=VALUE[,VALUE...] (e.g. --set alpha=1,0.75,0.5)"


def test_input_and_batch_axes():
    axes = axes_from([], ["8,16"], ["1..2"])
    assert axes == [Axis("input", ("8", "16")), Axis("batch", ("1", "2"))]
    for bad in (["0"], ["x"], ["2.5"]):
        with pytest.raises(SweepError) as caught:
            axes_from([], [], bad)
        assert str(caught.value) == "--batch takes whole numbers ≥ 1 (e.g. 1,8,32 or 1..64)"
    with pytest.raises(SweepError, match="--input: an empty value"):
        axes_from([], [","], [])
    with pytest.raises(SweepError) as caught:
        axes_from([], ["8", "16"], [])  # two --input options are one axis: fine
        axes_from(["alpha=1", "alpha=2"], [], [])
    assert str(caught.value) == "'alpha' is swept twice; give all its values in one option"


def test_input_shapes():
    assert input_shape("8", (4, 4, 3)) == (8, 8, 3)  # a size takes the spec's channels
    assert input_shape("8x6x2", (4, 4, 3)) == (8, 6, 2)
    assert input_shape("8×6×2", (4, 4, 3)) == (8, 6, 2)
    assert input_shape("8X6X2", (4, 4, 3)) == (8, 6, 2)
    assert input_shape("12", (10,)) == (12,)
    for bad in ("8x6", "0", "8x0x3", "a", "8x6x3x1"):
        with pytest.raises(SweepError) as caught:
            input_shape(bad, (4, 4, 3))
        assert str(caught.value) == f"--input '{bad}' is not a size (160) or a shape (160x160x3)"


def test_count_variants_multiplies():
    axes = [Axis("a", ("1", "2")), Axis("b", ("1", "2", "3"))]
    assert count_variants(axes) == 6 and type(count_variants(axes)) is int
    assert count_variants([Axis("a", ("1", "2", "3"))]) == 3
    assert count_variants([]) == 1


SPEC = "vars: {w: 2}\ninput: [4, 4, 1]\nlayers:\n  - {kind: conv, filters: w, kernel: 1}\n"


def test_the_variant_limit_is_inclusive():
    spec = parse_spec(SPEC, "s.yaml")
    exactly = [Axis("batch", tuple(str(i) for i in range(1, MAX_VARIANTS + 1)))]
    first = next(sweep(spec, exactly))  # exactly the limit: allowed (only the first variant is computed)
    assert first.batch == 1
    with pytest.raises(SweepError) as caught:
        next(sweep(spec, [*exactly, Axis("w", ("1", "2"))]))
    assert str(caught.value) == f"{2 * MAX_VARIANTS:,} combinations; expected at most {MAX_VARIANTS:,}"


def test_many_distinct_graphs_and_the_dtype():
    # 70 input sizes: more graphs than are kept for reuse; peak memory in float16 is 2 bytes per element
    spec = parse_spec(SPEC, "s.yaml")
    variants = list(sweep(spec, [Axis("input", tuple(str(n) for n in range(1, 71)))], dtype="float16"))
    assert [v.input for v in variants] == [(n, n, 1) for n in range(1, 71)]
    # input n·n·1 and conv output n·n·2 held together: 3·n² elements, 2 bytes each
    assert [v.peak_bytes for v in variants] == [2 * 3 * n * n for n in range(1, 71)]
    assert variants[-1].totals.macs == 70 * 70 * 2  # 1×1 conv: n² positions × 2 filters × 1 input channel
