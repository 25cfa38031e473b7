"""compare, breakdowns, exports (CSV / JSON / Markdown / LaTeX), safe files and budget gates."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from typer.testing import CliRunner

from costcalc.api import analyze_spec
from costcalc.breakdown import by_block, by_kind
from costcalc.cli import app
from costcalc.sources import bundled_names

RUNNER = CliRunner()


def run(*args: str, input: str | None = None):
    return RUNNER.invoke(app, list(args), input=input, env={"NO_COLOR": "1", "COLUMNS": ""})


# ---------------------------------------------------------------- compare


def test_inception_comparison_reads_naturally():
    result = run("compare", "inception_naive", "inception_bottleneck")
    assert result.exit_code == 0, result.output
    assert "120,422,400" in result.stdout and "12,443,648" in result.stdout
    assert "9.68× fewer MACs" in result.stdout  # 120,422,400 / 12,443,648 = 9.677…
    assert "inception_bottleneck vs inception_naive: 9.68× fewer MACs" in result.stdout


def test_separable_comparison_names_the_identity():
    result = run("compare", "mobilenet_normal", "mobilenet_separable")
    assert "2,160" in result.stdout and "672" in result.stdout
    assert "0.311" in result.stdout  # 672 / 2,160 = 14/45
    assert "1/n_c' + 1/f² = 1/5 + 1/9" in result.stdout


def test_one_spec_two_settings_and_per_spec_options():
    result = run("compare", "mobilenet_v1", "mobilenet_v1", "--set-b", "alpha=0.5", "-f", "json")
    data = json.loads(result.stdout)
    assert data["labels"] == ["mobilenet_v1", "mobilenet_v1 (alpha=0.5)"]
    assert data["totals"]["macs"] == [568_740_352, 149_497_088]  # the paper's Table 6 rows, exact
    assert data["second_vs_first"]["macs"]["difference"] == 149_497_088 - 568_740_352
    indexed = json.loads(
        run(
            "compare", "mobilenet_v1", "mobilenet_v1", "--set", "2:resolution=128", "--batch", "2:4", "-f", "json"
        ).stdout
    )
    assert indexed["totals"]["macs"] == [568_740_352, 4 * 186_400_768]
    assert [s["batch"] for s in indexed["specs"]] == [1, 4]


def test_compare_needs_two_specs_and_valid_indices():
    assert run("compare", "lenet5").exit_code == 2
    assert run("compare", "lenet5", "lenet5", "--set", "3:alpha=1").exit_code == 2


def test_layers_view_marks_one_sided_layers():
    result = run("compare", "mobilenet_normal", "mobilenet_separable", "--layers")
    lines = result.stdout.splitlines()
    assert "A = mobilenet_normal, B = mobilenet_separable, Δ = B − A" in result.stdout
    assert "9.68× fewer" not in result.stdout and "3.21× fewer MACs" in result.stdout  # the summary stays
    assert any(line.lstrip().startswith("conv ") and "only in A" in line for line in lines)
    assert any(line.lstrip().startswith("depthwise ") and "only in B" in line for line in lines)
    aligned = json.loads(run("compare", "mobilenet_normal", "mobilenet_separable", "--layers", "-f", "json").stdout)
    by_name = {row["layer"]: row for row in aligned["aligned"]}
    # a one-sided layer's delta is its whole value: 0 − 2,160 and 432 − 0
    assert by_name["conv"]["delta"] == -2160 and by_name["depthwise"]["delta"] == 432
    same = run("compare", "vgg16", "vgg16_bn", "--layers", "--exact")
    conv = next(line for line in same.stdout.splitlines() if line.lstrip().startswith("conv.0 "))
    assert "1,792" in conv and "1,920" in conv  # 3·3·3·64 + 64, plus BN's 2·64


def test_three_specs_and_csv_long_form():
    result = run("compare", "resnet18", "resnet34", "resnet50", "-f", "csv")
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["row"] != "convention"]
    assert {r["spec"] for r in rows} == {"resnet18", "resnet34", "resnet50"}
    totals = {r["spec"]: r for r in rows if r["row"] == "total"}
    assert int(totals["resnet50"]["macs"]) == 4_089_184_256
    assert int(totals["resnet18"]["params"]) == 11_689_512
    layers = [r for r in rows if r["spec"] == "resnet18" and r["row"] == "layer"]
    assert len(layers) == len(analyze_spec("resnet18").layers)


# ---------------------------------------------------------------- breakdowns


def test_mobilenet_v1_kind_shares_as_the_paper_table_2():
    groups = {g.name: g for g in by_kind(analyze_spec("mobilenet_v1"))}
    total = 568_740_352
    first = 112 * 112 * 32 * 3 * 3 * 3  # 10,838,016
    # the 13 depthwise 3×3 layers, output positions × channels × 9
    depthwise = 9 * (
        112 * 112 * 32
        + 56 * 56 * 64
        + 56 * 56 * 128
        + 28 * 28 * 128
        + 28 * 28 * 256
        + 14 * 14 * 256
        + 5 * 14 * 14 * 512
        + 7 * 7 * 512
        + 7 * 7 * 1024
    )  # 17,385,984
    fc = 1024 * 1000
    pointwise = total - first - depthwise - fc  # 539,492,352
    assert groups["conv 3×3"].macs == first and groups["depthwise_conv 3×3"].macs == depthwise
    assert groups["fc"].macs == fc and groups["conv 1×1"].macs == pointwise
    assert groups["conv 1×1"].layers == 13 and groups["depthwise_conv 3×3"].layers == 13
    result = run("analyze", "mobilenet_v1", "--by", "kind")
    lines = {line.split()[0] + " " + line.split()[1]: line for line in result.stdout.splitlines() if "×" in line}
    assert "94.86%" in lines["conv 1×1"] and "1.91%" in lines["conv 3×3"]
    assert "3.06%" in lines["depthwise_conv 3×3"]
    assert "0.18%" in next(line for line in result.stdout.splitlines() if line.startswith(" fc "))


def test_by_block_gives_the_resnet_stages():
    groups = by_block(analyze_spec("resnet50"))
    names = [g.name for g in groups]
    assert names == ["input", "conv1", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool", "fc"]
    layer1 = groups[3]
    # block 0: 56·56·(64·64 + 64·576 + 256·64 + 256·64); blocks 1, 2: 56·56·(64·256 + 64·576 + 256·64)
    assert layer1.macs == 56 * 56 * (64 * 64 + 64 * 576 + 256 * 64 * 2) + 2 * 56 * 56 * (64 * 256 + 64 * 576 + 256 * 64)
    assert sum(g.macs for g in groups) == 4_089_184_256
    assert sum(g.params for g in groups) == 25_557_032


def test_breakdown_in_json_and_csv():
    data = json.loads(run("analyze", "googlenet", "--by", "block", "-f", "json").stdout)
    assert data["by"] == "block" and data["groups"][6]["group"] == "inception3a"
    assert sum(g["macs"] for g in data["groups"]) == data["totals"]["macs"] == 1_498_376_192
    rows = list(csv.DictReader(io.StringIO(run("analyze", "googlenet", "--by", "kind", "-f", "csv").stdout)))
    total = next(r for r in rows if r["row"] == "total")
    assert int(total["macs"]) == 1_498_376_192
    assert sum(int(r["macs"]) for r in rows if r["row"] == "group") == 1_498_376_192


# ---------------------------------------------------------------- exports


@pytest.mark.parametrize("name", bundled_names())
def test_csv_and_json_agree_on_every_bundled_spec(name):
    from_json = json.loads(run("analyze", name, "-f", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(run("analyze", name, "-f", "csv").stdout)))
    layers = [r for r in rows if r["row"] == "layer"]
    (total,) = [r for r in rows if r["row"] == "total"]
    assert len(layers) == len(from_json["layers"])
    blocks = {r["name"]: r for r in rows if r["row"] == "block"}
    assert set(blocks) == {b["name"] for b in from_json["blocks"]}
    for block in from_json["blocks"]:  # block rows carry their subtotals, as JSON's blocks
        assert int(blocks[block["name"]]["macs"]) == block["macs"]
    facts = {r["name"]: int(r["value"]) for r in rows if r["row"] == "fact"}
    assert facts == from_json["totals"]
    for row, item in zip(layers, from_json["layers"]):
        assert row["name"] == item["name"] and row["kind"] == item["kind"]
        assert row["block"] == (item["block"] or "")
        assert row["inputs"] == " ".join(item["inputs"])
        assert row["output"] == "×".join(str(d) for d in item["output"])
        for key in ("params", "non_trainable", "macs", "flops", "other_ops", "activations"):
            assert int(row[key]) == item[key], (name, row["name"], key)
    for key in ("params", "non_trainable", "macs", "flops", "other_ops", "activations"):
        assert int(total[key]) == from_json["totals"][key]


def test_formats_carry_the_convention():
    markdown = run("analyze", "lenet5", "-f", "markdown").stdout
    latex = run("analyze", "lenet5", "-f", "latex").stdout
    assert "| conv1 | conv | 28×28×6 | 156 | 117,600 | 28.23% | 4,704 |" in markdown
    assert "FlopCounterMode" in markdown and "FlopCounterMode" in latex
    assert r"\begin{tabular}" in latex and r"117{,}600" in latex


def test_output_file_format_from_extension(tmp_path):
    for suffix, check in (
        (".csv", "row,name,kind"),
        (".json", '"schema": 2'),
        (".html", "<!doctype html>"),
        (".md", "| Layer |"),
        (".tex", r"\begin{table}"),
        (".txt", "Layer"),
    ):
        path = tmp_path / f"report{suffix}"
        result = run("analyze", "lenet5", "-o", str(path))
        assert result.exit_code == 0 and result.stdout == ""
        assert check in path.read_text(encoding="utf-8")
    assert "\x1b[" not in (tmp_path / "report.txt").read_text(encoding="utf-8")
    bad = run("analyze", "lenet5", "-o", str(tmp_path / "report.xlsx"))
    assert bad.exit_code == 2 and "give --format" in bad.output


def test_formula_like_names_are_neutralised_in_csv(tmp_path):
    spec = tmp_path / "evil.yaml"
    spec.write_text(
        'input: [4, 4, 1]\nlayers:\n  - {kind: relu, name: "=HYPERLINK(\\"http://x\\")"}\n'
        '  - {kind: relu, name: "+cmd", input: input}\n  - {kind: relu, name: "@sum"}\n'
    )
    rows = list(csv.reader(io.StringIO(run("analyze", str(spec), "-f", "csv").stdout)))
    layer_rows = [r for r in rows if r[0] == "layer"]
    names = [r[1] for r in layer_rows]
    assert names == ["input", '\'=HYPERLINK("http://x")', "'+cmd", "'@sum"]
    inputs = [r[4] for r in layer_rows]
    assert inputs[3] == "'+cmd"  # a cell made of names is checked too


def test_unwritable_output_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    missing = run("analyze", "lenet5", "-o", str(tmp_path / "nope" / "r.csv"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    target = tmp_path / "r.csv"
    target.write_text("old")

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    failed = run("analyze", "lenet5", "-o", str(target))
    assert failed.exit_code == 2 and "No space left on device" in failed.stderr
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.csv"]


# ---------------------------------------------------------------- budgets


def test_budgets_pass_fail_and_say_by_how_much():
    ok = run("analyze", "mobilenet_v1", "--max-params", "5M", "--max-macs", "600M", "--max-activation-bytes", "50MB")
    assert ok.exit_code == 0
    over = run("analyze", "resnet50", "-f", "json", "--max-params", "5M", "--max-macs", "4G")
    assert over.exit_code == 1
    json.loads(over.stdout)  # the report is still written, whole
    assert "params 25,557,032 exceed the budget of 5,000,000 (--max-params 5M) by 20,557,032" in over.stderr
    assert "MACs 4,089,184,256 exceed the budget of 4,000,000,000 (--max-macs 4G) by 89,184,256" in over.stderr


def test_byte_units_decimal_and_binary():
    # resnet50 activation bytes at float32: 22,506,984 · 4 = 90,027,936
    assert run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "90.1MB").exit_code == 0
    assert run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "90MB").exit_code == 1
    assert run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "86MiB").exit_code == 0  # 90,177,536
    assert run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "85MiB").exit_code == 1  # 89,128,960
    # 85.86MiB is 90,030,735.36 bytes: a fraction of a byte is refused, as a fraction of a count is
    fraction = run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "85.86MiB")
    assert fraction.exit_code == 2 and "not a whole number" in fraction.stderr
    assert run("analyze", "resnet50", "--max-param-bytes", "0.1B").exit_code == 2
    assert run("analyze", "resnet50", "-f", "json", "--max-activation-bytes", "90027936").exit_code == 0


@pytest.mark.parametrize("value", ["5X", "lots", "1.5", "-3M", "5MB"])
def test_malformed_budgets_exit_2(value):
    result = run("analyze", "lenet5", "--max-params", value)
    assert result.exit_code == 2, (value, result.output)
