"""CSV, Markdown and LaTeX renderers: exact numbers, safe cells."""

from __future__ import annotations

import csv
import io

from costcalc.report.tabular import Field, neutralise, render_csv, render_latex, render_markdown

FIELDS = [Field("name", "Layer"), Field("output", "Output", "shape"), Field("macs", "MACs", "count")]
ROWS = [
    {"name": "conv1", "output": [28, 28, 32], "macs": 120422400},
    {"name": '=HYPERLINK("x")', "output": [10], "macs": 0},
]


def test_csv_is_exact_and_neutralised():
    rows = list(csv.reader(io.StringIO(render_csv(FIELDS, ROWS))))
    assert rows == [["name", "output", "macs"], ["conv1", "28×28×32", "120422400"], ['\'=HYPERLINK("x")', "10", "0"]]


def test_neutralise_every_formula_start():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1").startswith("'")
    assert neutralise("conv1") == "conv1"


def test_markdown():
    text = render_markdown(FIELDS, ROWS, title="t", footnote="MACs exclude bias | note")
    assert "| conv1 | 28×28×32 | 120,422,400 |" in text
    assert "| Layer | Output | MACs |\n| --- | --- | ---: |" in text
    assert "MACs exclude bias \\| note" in text


def test_latex_escapes():
    text = render_latex(
        [Field("name", "Layer_name"), Field("macs", "MACs", "count")],
        [{"name": "a_b & 100%", "macs": 1234567}],
        caption="x",
        footnote="2 × MACs",
    )
    assert r"a\_b \& 100\%" in text
    assert r"1{,}234{,}567" in text
    assert r"2 $\times$ MACs" in text
    assert r"\begin{tabular}{lr}" in text
