"""The one report under a peer's convention (issue 15), and `costcalc conventions`, in every format: the
convention's name, rule and figures carried by each; costcalc's own convention stays the default."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import costcalc
from costcalc.cli import app
from costcalc.conventions import NAMES, convention
from costcalc.conventions.compare import conventions_report
from costcalc.errors import CostcalcError

RUNNER = CliRunner()


def run(*args: str) -> str:
    result = RUNNER.invoke(app, list(args), env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_analyze_under_a_convention_in_every_format():
    data = json.loads(run("analyze", "resnet50", "--convention", "ptflops", "-f", "json"))
    assert data["convention"]["name"] == "ptflops" and data["convention"]["figure"] == 4_132_436_968
    assert sum(layer["ptflops_macs"] for layer in data["layers"]) == 4_132_436_968
    assert data["totals"]["macs"] == 4_089_184_256  # costcalc's own figures stay as they are
    table = run("analyze", "resnet50", "--convention", "ptflops", "--exact")
    assert "ptflops convention" in table.splitlines()[0]
    assert "4,132,436,968" in table and "Convention: ptflops 0.7.5" in table
    csv = run("analyze", "resnet50", "--convention", "ptflops", "-f", "csv")
    assert "about,convention,,,,,,,,,,,,,ptflops" in csv and "fact,convention.macs,,,,,,,,,,,,,4132436968" in csv
    for fmt in ("markdown", "latex", "html"):
        text = run("analyze", "resnet50", "--convention", "ptflops", "-f", fmt)
        assert "ptflops 0.7.5" in text and ("4,132,436,968" in text or "4{,}132{,}436{,}968" in text), fmt
    assert costcalc.report("resnet50", convention="ptflops").to_json() == run(
        "analyze", "resnet50", "--convention", "ptflops", "-f", "json"
    )


def test_an_unknown_convention_is_a_usage_error():
    with pytest.raises(CostcalcError, match="no convention 'flopz'"):
        costcalc.report("lenet5", convention="flopz")
    result = RUNNER.invoke(app, ["analyze", "lenet5", "--convention", "flopz"])
    assert result.exit_code == 2 and "ptflops_aten" in result.output


def test_the_default_is_costcalcs_own_convention():
    plain = run("analyze", "lenet5", "-f", "json")
    assert "convention" not in json.loads(plain)
    assert run("analyze", "lenet5", "--convention", "costcalc", "-f", "json") == plain


def test_conventions_in_every_format():
    report = conventions_report("resnet50")
    figures = {row.convention.name: row.peer.figure for row in report.rows}
    assert figures["ptflops"] == 4_132_436_968 and figures["keras"] is None
    data = json.loads(run("conventions", "resnet50", "-f", "json"))
    assert {row["name"]: row["figure"] for row in data["rows"]} == figures
    csv = run("conventions", "resnet50", "-f", "csv")
    assert "convention,ptflops,,25557032,4132436968,MACs" in csv and "cause,ptflops,batch_norm,0,22227968" in csv
    table = run("conventions", "resnet50")
    for text in ("4,132,436,968", "8,178,368,512", "25,610,152", "FMA counted as 2 FLOPs"):
        assert text in table
    for fmt in ("markdown", "latex", "html"):
        text = run("conventions", "resnet50", "-f", fmt)
        assert "4,132,436,968" in text or "4{,}132{,}436{,}968" in text, fmt


@pytest.mark.parametrize("name", [n for n in NAMES if n not in ("costcalc", "keras")])
@pytest.mark.parametrize("shown", [{}, {"depth": 1}, {"by": "kind"}, {"by": "block"}])
def test_per_layer_figures_sum_to_the_total_however_the_table_folds(name, shown):
    report = costcalc.report("resnet50", convention=name, **shown)
    total = report.convention.figure
    column = next(c for c in report.columns if c.key == f"{name}_{convention(name).key}")
    counted = [row for row in report.rows if row.role in ("layer", "group") or row.folded]
    assert sum(column.value(row.item) for row in counted) == total
    assert column.value(report.total_row) == total
