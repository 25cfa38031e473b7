"""Budget amounts and sweep axes: every unit, boundary and message, with expected values written by hand."""

from __future__ import annotations

import pytest

from costcalc.budget import BUDGETS, BudgetError, parse_amount
from costcalc.errors import CostcalcError
from costcalc.reporting import BudgetCheck
from costcalc.settings import SettingsError, parse_input
from costcalc.spec import parse_spec
from costcalc.sweep import (
    MAX_VARIANTS,
    Axis,
    SweepError,
    axes_from,
    count_variants,
    expand_values,
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
    assert str(caught.value) == (
        "--max-params '1.5' is 1.5 params, not a whole number; write a whole number of params (e.g. 1) "
        "or a unit that gives one"
    )


def test_underscores_group_digits():
    assert parse_amount("1_000K", budget("--max-params")) == 1_000_000
    assert parse_amount(" 2 M ", budget("--max-params")) == 2_000_000  # spaces around number and unit


def test_violation_messages():
    over = BudgetCheck("params", "params", "--max-params", "5M", 5_000_000, 25_557_032)
    # excess 25,557,032 − 5,000,000 = 20,557,032; ratio 25,557,032 / 5,000,000 = 5.111 → 5.11
    assert not over.ok
    assert over.message() == (
        "params 25,557,032 exceed the budget of 5,000,000 (--max-params 5M) by 20,557,032 (5.11× the budget)"
    )
    zero = BudgetCheck("macs", "MACs", "--max-macs", "0", 0, 7)
    assert zero.message() == "MACs 7 exceed the budget of 0 (--max-macs 0) by 7"


def test_a_budget_equal_to_the_total_passes_one_below_fails():
    assert BudgetCheck("params", "params", "--max-params", "10", 10, 10).ok
    assert not BudgetCheck("params", "params", "--max-params", "9", 9, 10).ok
    within = BudgetCheck("macs", "MACs", "--max-macs", "1K", 1000, 999)
    assert within.message() == "MACs 999 within the budget of 1,000 (--max-macs 1K)"


# ---------------------------------------------------------------- sweep axes


def test_ranges_and_lists():
    assert expand_values("1..1", "--batch") == ("1",)  # a range of one
    assert expand_values("1,3..5", "--batch") == ("1", "3", "4", "5")  # a value, then a range
    assert expand_values("2..9..3", "--batch") == ("2", "5", "8")
    assert expand_values("-2..0", "--set a") == ("-2", "-1", "0")
    with pytest.raises(SweepError) as caught:
        expand_values("5..4", "--batch")
    assert str(caught.value) == "--batch: '5..4' does not rise; expected a..b with a ≤ b (or a..b..step)"
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
    for bad in (["0"], ["x"], ["2.5"]):  # read by the one batch parser of every command
        with pytest.raises(CostcalcError) as caught:
            axes_from([], [], bad)
        assert caught.value.format() == (
            f"costcalc: error: --batch {bad[0]} is not a batch size; expected a whole number from 1 to 2,147,483,647"
        )
    with pytest.raises(SweepError, match="--input: an empty value"):
        axes_from([], [","], [])
    with pytest.raises(SweepError) as caught:
        axes_from([], ["8", "16"], [])  # two --input options are one axis: fine
        axes_from(["alpha=1", "alpha=2"], [], [])
    assert str(caught.value) == "'alpha' is swept twice; give all its values in one option"


def test_input_shapes():
    """--input as every command reads it (costcalc.settings), resolved against the spec's own input."""
    assert parse_input("8").resolve((4, 4, 3)) == (8, 8, 3)  # a size takes the spec's channels
    assert parse_input("8x6").resolve((4, 4, 3)) == (8, 6, 3)  # height × width, the spec's channels
    assert parse_input("8x6x2").resolve((4, 4, 3)) == (8, 6, 2)
    assert parse_input("8×6×2").resolve((4, 4, 3)) == (8, 6, 2)
    assert parse_input("8X6X2").resolve((4, 4, 3)) == (8, 6, 2)
    assert parse_input("12").resolve((10,)) == (12,)
    for bad in ("0", "8x0x3", "a", "8x6x3x1", "", "8x"):
        with pytest.raises(SettingsError, match="is not a size"):
            parse_input(bad)
    with pytest.raises(SettingsError, match="flat vector"):
        parse_input("8x6").resolve((10,))


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


def test_a_fractional_amount_is_refused_in_the_budgets_own_words():
    with pytest.raises(BudgetError) as caught:
        parse_amount("0.1B", budget("--max-param-bytes"))
    assert str(caught.value) == (
        "--max-param-bytes '0.1B' is 0.1 bytes, not a whole number; write a whole number of bytes (e.g. 0) "
        "or a unit that gives one"
    )
    assert parse_amount("2.5K", budget("--max-macs")) == 2500  # a fraction with a unit that makes it whole
    with pytest.raises(BudgetError) as caught:
        parse_amount("1.25", budget("--max-macs"))
    assert str(caught.value) == (
        "--max-macs '1.25' is 1.25 MACs, not a whole number; write a whole number of MACs (e.g. 1) "
        "or a unit that gives one"
    )
