"""Broken and hostile input: always a clear, located error (exit 2), never a crash, hang or memory blow-up."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.analysis import analyze
from costcalc.cli import app
from costcalc.errors import CostcalcError, SpecErrors
from costcalc.graph import build_graph
from costcalc.sources import load_spec

RUNNER = CliRunner()


def validate(path_or_dash: str, input: bytes | str | None = None):
    return RUNNER.invoke(app, ["validate", path_or_dash], input=input)


def assert_clean_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Traceback" not in result.output and "internal error" not in result.output
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


# ---------------------------------------------------------------- files that are not specs


def test_not_yaml(tmp_path):
    (tmp_path / "x.yaml").write_text("input: [1, 2\nlayers: {\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:2:", "not valid YAML")


def test_string_where_a_number_belongs(tmp_path):
    (tmp_path / "x.yaml").write_text("input: [8, 8, 3]\nlayers:\n  - {kind: conv, filters: 'eight', kernel: 3}\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:3:", "filters: cannot evaluate 'eight'")


def test_list_where_a_mapping_belongs(tmp_path):
    (tmp_path / "x.yaml").write_text("input: [8, 8, 3]\nlayers:\n  - [conv, 3]\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:3:5", "a layer is a list of 2; expected a mapping")


def test_empty_and_whitespace_files(tmp_path):
    for text in ("", "\n\n", "# only a comment\n", "---\n"):
        (tmp_path / "x.yaml").write_text(text)
        assert_clean_error(validate(str(tmp_path / "x.yaml")), "the spec is empty")


def test_binary_file(tmp_path):
    (tmp_path / "x.yaml").write_bytes(bytes(range(256)) * 4)
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "binary file")


def test_not_utf8(tmp_path):
    (tmp_path / "x.yaml").write_bytes("input: [8, 8, 3]  # café\n".encode("latin-1"))
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "not UTF-8 text")


def test_missing_file_and_directory(tmp_path):
    assert_clean_error(validate(str(tmp_path / "nope.yaml")), "no spec file")
    (tmp_path / "d.yaml").mkdir()
    assert_clean_error(validate(str(tmp_path / "d.yaml")), "this is a folder")


def test_unreadable_file(tmp_path, monkeypatch):
    """Permissions do not stop root, so the refusal is simulated where the file is opened."""
    path = tmp_path / "x.yaml"
    path.write_text("input: [1]\nlayers: [{kind: relu}]\n")

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    assert_clean_error(validate(str(path)), "cannot read the file: Permission denied")


def test_object_constructing_tags_are_refused(tmp_path):
    for tag in (
        "!!python/object:os.system",
        "!!python/name:os.system",
        "!!python/object/apply:os.system ['id']",
        "!!binary aGVsbG8=",
        "!custom 3",
    ):
        (tmp_path / "x.yaml").write_text(f"input: {tag}\nlayers: [{{kind: relu}}]\n")
        assert_clean_error(validate(str(tmp_path / "x.yaml")), "is not allowed in a spec")


# ---------------------------------------------------------------- bombs and depth

BILLION_LAUGHS = (
    "".join(
        ["x-a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"]
        + [f"x-a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)]
    )
    + "input: [8, 8, 3]\nvars: {v: *a9}\nlayers:\n  - {kind: relu, name: *a9, kernel: *a9}\n"
)


def run_bounded(text: str) -> tuple[str, float]:
    """Parse and analyse ``text`` in this process; return the error text and the peak traced MiB."""
    tracemalloc.start()
    try:
        try:
            analyze(build_graph(load_spec_text(text)))
            message = ""
        except CostcalcError as exc:
            message = exc.format()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    return message, peak


def load_spec_text(text: str):
    from costcalc.spec import parse_spec

    return parse_spec(text, "bomb.yaml")


def test_alias_bomb_is_cheap():
    message, peak_mib = run_bounded(BILLION_LAUGHS)
    assert "vars 'v' nests lists deeper than 4" in message  # a table, refused as too deep
    assert "layer name a list of 9 is not usable" in message
    assert len(message) < 2000  # described, never printed out
    assert peak_mib < 100


def test_deep_nesting_is_refused():
    for text in (
        "input: " + "[" * 5000 + "]" * 5000 + "\nlayers: []\n",
        "input: [1]\nlayers:\n" + "".join("  " * i + "- \n" for i in range(1, 400)),
        "input: " + "{a: " * 300 + "1" + "}" * 300 + "\nlayers: []\n",
    ):
        message, peak_mib = run_bounded(text)
        assert "nested" in message or "nesting" in message, message
        assert peak_mib < 100


def test_a_bomb_through_the_cli_finishes():
    """A whole process with a timeout: a hang would fail here (the time itself is measured, not asserted)."""
    result = subprocess.run(
        [sys.executable, "-m", "costcalc", "validate", "-"],
        input=BILLION_LAUGHS,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_nested_repeats_that_multiply_fail_fast():
    blocks = "".join(f"  b{i}: {{layers: [{{kind: b{i - 1}, repeat: 10}}]}}\n" for i in range(1, 10))
    text = "input: [4, 4, 1]\nblocks:\n  b0: {layers: [{kind: relu}]}\n" + blocks + "layers:\n  - {kind: b9}\n"
    message, peak_mib = run_bounded(text)
    assert "would have more than 50,000 layers (costcalc's limit)" in message
    assert peak_mib < 100


# ---------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("repeat", "fragment"),
    [
        ("-1", "got -1; expected a repeat count ≥ 0"),
        ("-3", "got -3; expected a repeat count ≥ 0"),
        ("2.5", "gives 2.5, not a whole number"),
        ("1000000000", "expected a repeat count ≤ 16,777,216"),
        ("'many'", "cannot evaluate 'many'"),
        ("3000000", "would have more than 50,000 layers (costcalc's limit)"),
    ],
)
def test_bad_repeat_counts(tmp_path, repeat, fragment):
    (tmp_path / "x.yaml").write_text(f"input: [4, 4, 1]\nlayers:\n  - {{kind: relu, name: r, repeat: {repeat}}}\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:3:", fragment)


@pytest.mark.parametrize(
    ("dims", "fragment"),
    [
        ("[0, 8, 3]", "got 0; expected a dimension ≥ 1"),
        ("[-4, 8, 3]", "got -4"),
        ("[8.5, 8, 3]", "gives 8.5, not a whole number"),
        ("[100000000, 8, 3]", "expected a dimension ≤ 16,777,216"),
        ("[8, 8, true]", "got the boolean true"),
    ],
)
def test_bad_input_dimensions(tmp_path, dims, fragment):
    (tmp_path / "x.yaml").write_text(f"input: {dims}\nlayers:\n  - {{kind: relu}}\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:1:8", fragment)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ("filters: 0, kernel: 3", "filters: got 0; expected a whole number ≥ 1"),
        ("filters: -2, kernel: 3", "filters: got -2"),
        ("filters: 4, kernel: 3, stride: 0", "stride: got 0; expected a whole number ≥ 1"),
        ("filters: 4, kernel: 1.5", "kernel: 1.5 gives 1.5, not a whole number"),
        ("filters: 4, kernel: [3, 3, 3]", "kernel: got a list of 3; expected one number or [height, width]"),
        ("filters: 4, kernel: 3, padding: -1", "expected a padding ≥ 0"),
        ("filters: 4, kernel: 3, padding: middle", "padding 'middle' is not 'same', 'valid' or a number; expected"),
        ("filters: 99999999999, kernel: 3", "expected a whole number ≤ 16,777,216"),
        ("filters: 10**10**10, kernel: 3", "too large"),
    ],
)
def test_bad_layer_values(tmp_path, params, fragment):
    (tmp_path / "x.yaml").write_text(f"input: [8, 8, 3]\nlayers:\n  - {{kind: conv, name: c, {params}}}\n")
    assert_clean_error(validate(str(tmp_path / "x.yaml")), "x.yaml:3:", "layer 'c'", fragment)


def test_independent_graph_problems_are_reported_together(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "input: [8, 8, 3]\nlayers:\n"
        "  - {kind: conv, name: a, input: input, filters: 4, kernel: 9}\n"
        "  - {kind: conv, name: b, input: input, filters: 4, kernel: 3, stride: 0}\n"
        "  - {kind: relu, name: after_a, input: a}\n"  # depends on a failed layer: no second error
        "  - {kind: add, name: c, inputs: [input, b]}\n"
    )
    with pytest.raises(SpecErrors) as caught:
        analyze(build_graph(load_spec(str(tmp_path / "x.yaml"))))
    messages = [e.format() for e in caught.value.errors]
    assert len(messages) == 2
    assert "layer 'a': kernel 9×9 does not fit" in messages[0]
    assert "layer 'b': stride: got 0" in messages[1]


def test_error_count_is_capped(tmp_path):
    bad = "".join(f"  - {{kind: relu, name: r{i}, bogus: 1}}\n" for i in range(50))
    (tmp_path / "x.yaml").write_text("input: [4]\nlayers:\n" + bad)
    result = validate(str(tmp_path / "x.yaml"))
    assert_clean_error(result, "stopped after 20 errors; fix these and run again")
    assert result.stderr.count("error:") == 20


# ---------------------------------------------------------------- names


def test_references_into_another_block_are_explained(tmp_path):
    (tmp_path / "x.yaml").write_text(
        "input: [8, 8, 3]\nblocks:\n  b: {layers: [{kind: relu, name: inner}]}\n"
        "layers:\n  - {kind: b, name: blk}\n  - {kind: sigmoid, input: blk.inner}\n"
    )
    assert_clean_error(
        validate(str(tmp_path / "x.yaml")),
        "input 'blk.inner' is not a layer here",
        "names inside a block are not visible outside it",
    )


def test_unicode_and_formula_like_names_are_kept_as_text(tmp_path):
    (tmp_path / "x.yaml").write_text(
        'input: [4, 4, 1]\nlayers:\n  - {kind: relu, name: "東京_ñ"}\n  - {kind: relu, name: "=HYPERLINK(\\"http://x\\")"}\n'
        '  - {kind: relu, name: "[bold]rich[/bold]"}\n'
    )
    result = RUNNER.invoke(app, ["analyze", str(tmp_path / "x.yaml")], env={"COLUMNS": ""})
    assert result.exit_code == 0
    assert "東京_ñ" in result.stdout and '=HYPERLINK("http://x")' in result.stdout
    assert "[bold]rich[/bold]" in result.stdout  # shown literally, never as markup
    data = RUNNER.invoke(app, ["analyze", str(tmp_path / "x.yaml"), "-f", "json"]).stdout
    assert '"name": "=HYPERLINK(\\"http://x\\")"' in data


def test_names_with_dots_or_spaces_are_refused(tmp_path):
    (tmp_path / "x.yaml").write_text(
        'input: [4]\nlayers:\n  - {kind: relu, name: "a.b"}\n  - {kind: relu, name: "a b"}\n'
    )
    result = validate(str(tmp_path / "x.yaml"))
    assert_clean_error(result, "layer name a.b is not usable", "layer name a b is not usable")
