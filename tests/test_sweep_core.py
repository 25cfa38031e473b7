"""Sweep core (issue 16 "Sweeps"): exact decimal ranges, sizes known before anything is built,
zipped axes, a spec's own list, shards and jobs that give the whole sweep's rows, and the reuse
between variants giving exactly the graphs and figures that a fresh build gives."""

from __future__ import annotations

import pytest

from costcalc.analysis import analyze
from costcalc.errors import CostcalcError
from costcalc.graph import GraphCache, build_graph
from costcalc.sources import bundled_names, load_spec
from costcalc.spec import parse_spec
from costcalc.sweep import MAX_VARIANTS, SweepError, axes_from, count_variants, expand_values, parse_shard, sweep


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("0.25..1.5..0.25", ["0.25", "0.5", "0.75", "1.0", "1.25", "1.5"]),
        ("0.1..0.3..0.1", ["0.1", "0.2", "0.3"]),  # binary floats would give 0.30000000000000004
        ("1..4", ["1", "2", "3", "4"]),
        ("1..10..4", ["1", "5", "9"]),
        ("-1..1", ["-1", "0", "1"]),
        ("1.0..2", ["1.0", "2.0"]),
        ("0.5,1..2,max(1, 2)", ["0.5", "1", "2", "max(1, 2)"]),
    ],
)
def test_ranges_step_exactly_in_decimal(text, values):
    assert list(expand_values(text, "--set x")) == values


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1..1e9", "has 1,000,000,000 values; expected at most 1,000,000"),
        ("1..100000000", "has 100,000,000 values"),
        ("0..1..0", "has a step of 0; expected a step > 0"),
        ("2..1", "does not rise"),
        ("1..x", "is not a range"),
        ("1..2..3..4", "is not a range"),
        ("1e40..1e41", "too large for a range"),
    ],
)
def test_bad_ranges_are_refused_before_anything_is_built(text, fragment):
    with pytest.raises(SweepError) as caught:
        expand_values(text, "--set alpha")
    assert fragment in str(caught.value)


def test_huge_batch_and_input_ranges_are_refused_at_once():
    import time

    start = time.process_time()
    for option in (["--batch"], ["--input"]):
        with pytest.raises(SweepError, match="at most 1,000,000"):
            axes_from(
                [], ["1..1000000000"] if option == ["--input"] else [], ["1..1e9"] if option == ["--batch"] else []
            )
    with pytest.raises(SweepError, match="at most 1,000,000"):
        axes_from(["alpha=1..1e8"], [], [])
    with pytest.raises(CostcalcError, match="is not a batch size"):  # the one batch parser of every command
        axes_from([], [], ["9" * 401])
    assert time.process_time() - start < 1.0


FAMILY = """
input: [16, 16, 3]
vars:
  width: 8
  depth: 1
  widths: [4, 8, 12]
layers:
  - {kind: conv, name: c, repeat: depth, filters: width, kernel: 3, padding: 1}
"""


def test_a_spec_list_and_zipped_axes():
    spec = parse_spec(FAMILY, "f.yaml")
    axes = axes_from(["width=@widths", "depth=1..3"], [], [], spec, zipped=[["width", "depth"]])
    assert count_variants(axes) == 3
    got = [(v.settings, v.totals.params) for v in sweep(spec, axes)]
    # width w, depth d: 3·3·3·w + w, then (d − 1) × (3·3·w·w + w)
    assert got[0] == ({"width": "4", "depth": "1"}, 27 * 4 + 4)
    assert got[2] == ({"width": "12", "depth": "3"}, 27 * 12 + 12 + 2 * (9 * 144 + 12))
    with pytest.raises(SweepError, match="different numbers of values"):
        axes_from(["width=@widths", "depth=1..2"], [], [], spec, zipped=[["width", "depth"]])
    with pytest.raises(SweepError, match="no var 'sizes'"):
        axes_from(["width=@sizes"], [], [], spec)


def test_shards_partition_the_sweep_and_keep_indices():
    spec = parse_spec(FAMILY, "f.yaml")
    axes = axes_from(["width=1..7", "depth=1..3"], [], ["1,2"])
    whole = list(sweep(spec, axes))
    assert [v.index for v in whole] == list(range(42))
    shards = [list(sweep(spec, axes, shard=(k, 5))) for k in range(1, 6)]
    assert [v for shard in shards for v in shard] == whole
    assert all(abs(len(s) - 42 / 5) < 1 for s in shards)
    assert parse_shard("2/8") == (2, 8)
    for bad in ("0/3", "4/3", "a/b", "1"):
        with pytest.raises(SweepError, match="K/N"):
            parse_shard(bad)


def test_jobs_give_the_same_rows_in_the_same_order():
    spec = load_spec("mobilenet_v2")
    axes = axes_from(["width_mult=0.3..0.9..0.1"], [], ["1,4"])
    assert list(sweep(spec, axes, jobs=2)) == list(sweep(spec, axes))


def test_too_many_combinations():
    spec = parse_spec(FAMILY, "f.yaml")
    with pytest.raises(SweepError, match=f"expected at most {MAX_VARIANTS:,}"):
        list(sweep(spec, axes_from(["width=1..1000", "depth=1..1001"], [], [])))


@pytest.mark.parametrize("name", bundled_names())
def test_reused_work_gives_exactly_a_fresh_build(name):
    """Graphs built with a shared cache (block expansions replayed, plans and literal parameters kept)
    equal graphs built from nothing, node for node, and so do their figures."""
    spec = load_spec(name)
    cache = GraphCache(spec)
    costs: dict = {}
    settings = [{}]
    numeric = [v for v, raw in spec.vars.items() if isinstance(raw, (int, float)) and not isinstance(raw, bool)]
    if numeric:
        settings += [{numeric[0]: "0.5 * " + str(spec.vars[numeric[0]])}, {}]
    for overrides in settings:
        try:
            fresh = build_graph(spec, overrides)
        except Exception:  # a setting the spec refuses (0.5 × an integer var): not this test's subject
            continue
        reused = build_graph(spec, overrides, cache=cache)
        assert reused.nodes == fresh.nodes and reused.blocks == fresh.blocks and reused.output == fresh.output
        assert analyze(reused, 2, "float16", costs) == analyze(fresh, 2, "float16")


def test_reuse_tells_true_from_one():
    """A block recorded with w = 1 must not be replayed for w = true, which filters refuses."""
    text = """
input: [4, 4, 2]
vars: {w: 1}
blocks:
  b:
    args: {w: null}
    layers: [{kind: conv, filters: w, kernel: 1}]
layers:
  - {kind: b, name: one, w: 1}
  - {kind: b, name: flag, w: w}
"""
    spec = parse_spec(text, "x.yaml")
    cache = GraphCache(spec)
    assert build_graph(spec, cache=cache).nodes[-1].shape == (4, 4, 1)
    with pytest.raises(Exception, match="got the boolean true"):
        build_graph(spec, {"w": "true"}, cache=cache)


def test_values_are_indexed_across_their_parts():
    # a single, a range and a stepped range: 7 | 1, 2, 3 | 10, 20, 30 (whole numbers written out, not 1E+1)
    values = expand_values("7,1..3,10..30..10", "--set x")
    assert len(values) == 7
    assert [values[i] for i in range(7)] == ["7", "1", "2", "3", "10", "20", "30"]
    assert values[-1] == "30" and values[2:5] == ["2", "3", "10"]
    assert expand_values("0..200..100", "--set x")[1:] == ["100", "200"]
    with pytest.raises(IndexError):
        values[7]


def test_the_value_limit_counts_every_part():
    # two ranges of 600,000 are each within the limit, together over it
    with pytest.raises(SweepError, match=r"^--set x: more than 1,000,000 values$"):
        expand_values("1..600000,1..600000", "--set x")


def test_jobs_outside_1_to_256_are_refused():
    from costcalc.sources import load_spec

    spec = load_spec("lenet5")
    for jobs in (0, 257):
        with pytest.raises(SweepError, match=rf"^--jobs {jobs}: expected a whole number from 1 to 256$"):
            list(sweep(spec, axes_from([], [], ["1,2"]), jobs=jobs))


def test_zip_refusals_in_their_own_words():
    from costcalc.sweep import Axis, zip_axes

    axes = [Axis("a", ["1", "2"]), Axis("b", ["1", "2", "3"])]
    with pytest.raises(SweepError, match=r"^--zip a: name two or more swept axes to step together$"):
        zip_axes(axes, [["a"]])
    with pytest.raises(SweepError, match=r"^--zip: 'c' is not swept; swept: a, b$"):
        zip_axes(axes, [["a", "c"]])
    with pytest.raises(SweepError, match=r"^--zip: 'c' is not swept; swept: nothing$"):
        zip_axes([], [["c", "d"]])
    with pytest.raises(SweepError, match=r"^--zip a,b: the axes have different numbers of values \(a 2, b 3\)$"):
        zip_axes(axes, [["a", "b"]])


def test_graphs_of_one_cache_share_equal_parameters():
    # the cache interns each kind's typed parameters: two graphs of mobilenet_v1 at widths 1 and 1 (then
    # at 0.5) hold the same parameter objects where the layers are equal, so their costs are worked out once
    spec = load_spec("mobilenet_v1")
    cache = GraphCache(spec)
    first, again = build_graph(spec, {"alpha": 1}, cache=cache), build_graph(spec, {"alpha": 1}, cache=cache)
    assert all(a.params is b.params for a, b in zip(first.nodes, again.nodes))
    half = build_graph(spec, {"alpha": 0.5}, cache=cache)
    shared = sum(a.params is b.params for a, b in zip(first.nodes, half.nodes))
    assert 0 < shared < len(first.nodes)  # the activations and pools are equal, the convs are not


def test_a_decimal_range_slices_and_every_refusal_names_its_option():
    from costcalc.sweep import DecimalRange, Values

    values = expand_values("0.5..2..0.5", "--set x")
    (part,) = values.parts if isinstance(values, Values) else [values]
    assert isinstance(part, DecimalRange) and part[1:3] == ["1.0", "1.5"] and part[::-1][0] == "2.0"
    spec = load_spec("mobilenet_v1")
    cases = {
        "1..x": "--set alpha: '1..x' is not a range; expected a..b or a..b..step with numbers (e.g. 1..8, 0.25..1.5..0.25)",
        "1..2..1e99999": "--set alpha: '1..2..1e99999': 1e99999 is too large for a range",
        "@nope": "--set alpha: '@nope': the spec has no var 'nope'; expected one of its list vars: none",
        "@alpha": "--set alpha: '@alpha': the spec's var 'alpha' is not a list; expected one of its list vars: none",
    }
    for text, message in cases.items():
        with pytest.raises(SweepError) as caught:
            expand_values(text, "--set alpha", spec)
        assert str(caught.value) == message, text


def test_jobs_in_chunks_of_several_variants_give_every_row():
    # 40 variants over 2 jobs: chunks of 40 // 8 = 5, the first variant worked out before the fork
    spec = load_spec("lenet5")
    axes = axes_from([], [], ["1..40"])
    assert [v.batch for v in sweep(spec, axes, jobs=2)] == list(range(1, 41))


def test_all_jobs_means_the_cores_this_process_may_use():
    import os

    from costcalc.sweep import available_jobs

    assert available_jobs() == len(os.sched_getaffinity(0)) >= 1


def test_singles_before_a_spec_list():
    # efficientnet's `scaling` is a list of records: @scaling is refused, but singles before a plain list keep
    # their place: "0.5,@widths" on a spec with widths: [1, 2]
    spec = parse_spec("input: [8, 8, 3]\nvars:\n  widths: [1, 2]\nlayers:\n  - {kind: relu}\n", "w.yaml")
    assert list(expand_values("0.5,@widths,3", "--set w", spec)) == ["0.5", "1", "2", "3"]
