"""One report for every door: a fact in one format is in all of them, with the same value; options mean
the same in every command; the library gives the same report as the command line."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import re
import sys

import pytest
from typer.testing import CliRunner

import costcalc
from costcalc.cli import app
from costcalc.sources import bundled_names

RUNNER = CliRunner()
FORMATS = ("table", "json", "csv", "markdown", "latex", "html")


def run(*args: str) -> str:
    result = RUNNER.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": ""})
    assert result.exit_code == 0, result.output
    return result.stdout


# ---------------------------------------------------------------- how each format writes a fact


def facts_in_table(text: str) -> dict[str, int]:
    """'Peak memory   9,633,792   9.19 MiB  …' -> {'Peak memory': 9633792} (label, then the exact value)."""
    out = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Z][A-Za-z -]+?)\s{2,}(-?[\d,]+)\s{2,}\S", line)
        if match:
            out[match.group(1)] = int(match.group(2).replace(",", ""))
    return out


def facts_in_markdown(text: str) -> dict[str, int]:
    return {m[0]: int(m[1].replace(",", "")) for m in re.findall(r"^\| ([^|]+?) \| (-?[\d,]+) \|", text, re.M)}


def facts_in_latex(text: str) -> dict[str, int]:
    found = re.findall(r"^([^&\n]+?) & (-?[\d{},]+) & ", text, re.M)
    return {label: int(value.replace("{,}", "").replace(",", "")) for label, value in found}


def facts_in_html(text: str) -> dict[str, int]:
    rows = re.findall(r'<tr data-key="([^"]+)"><th>[^<]*</th><td class="num">(-?[\d,]+)</td>', text)
    return {key: int(value.replace(",", "")) for key, value in rows}


def facts_in_csv(text: str) -> dict[str, int]:
    return {r["name"]: int(r["value"]) for r in csv.DictReader(io.StringIO(text)) if r["row"] == "fact"}


LABELS = {
    "params": "Params",
    "non_trainable": "Non-trainable",
    "macs": "MACs",
    "flops": "FLOPs",
    "other_ops": "Other ops",
    "activations": "Activations",
    "param_bytes": "Param bytes",
    "activation_bytes": "Activation bytes",
    "peak_memory": "Peak memory",
}


@pytest.mark.parametrize("name", bundled_names())
def test_every_total_is_in_every_format_with_the_same_value(name):
    data = json.loads(run("analyze", name, "-f", "json"))
    totals = data["totals"]
    assert totals["peak_memory"] == data["peak_memory"]["bytes"]
    assert set(totals) == set(LABELS)
    by_label = {LABELS[k]: v for k, v in totals.items()}
    assert facts_in_table(run("analyze", name)) == by_label
    assert facts_in_markdown(run("analyze", name, "-f", "markdown")) | by_label == facts_in_markdown(
        run("analyze", name, "-f", "markdown")
    )
    markdown = facts_in_markdown(run("analyze", name, "-f", "markdown"))
    assert {k: markdown[k] for k in by_label} == by_label
    latex = facts_in_latex(run("analyze", name, "-f", "latex"))
    assert {k: latex[k] for k in by_label} == by_label
    assert facts_in_csv(run("analyze", name, "-f", "csv")) == totals
    fragment = costcalc.report(name)._repr_html_()  # the full page's facts are the same function's
    assert facts_in_html(fragment) == totals


@pytest.mark.parametrize("name", ["lenet5", "resnet50", "googlenet"])
def test_the_html_page_and_the_training_section(name):
    page = run("analyze", name, "--training", "adam", "-f", "html")
    data = json.loads(run("analyze", name, "--training", "adam", "-f", "json"))
    expected = {**data["totals"], **{f"training.{k}": v for k, v in data["training"].items() if type(v) is int}}
    expected.pop("training.optimizer_state_per_param")
    assert facts_in_html(page) == expected
    assert facts_in_csv(run("analyze", name, "--training", "adam", "-f", "csv")) == expected
    table = facts_in_table(run("analyze", name, "--training", "adam"))
    assert table["Training memory"] == data["training"]["total_bytes"]
    assert table["Training step MACs"] == data["training"]["step_macs"]


def test_compare_carries_every_total_of_every_spec():
    args = ["compare", "resnet18", "mobilenet_v2"]
    data = json.loads(run(*args, "-f", "json"))
    assert data["schema"] == 2
    assert set(data["totals"]) == set(LABELS)
    for index, spec in enumerate(data["specs"]):
        assert spec["totals"] == {key: values[index] for key, values in data["totals"].items()}
        assert spec["peak_memory"]["bytes"] == spec["totals"]["peak_memory"]
    table = run(*args)
    for key, label in LABELS.items():
        line = next(line for line in table.splitlines() if line.startswith(f" {label} "))
        assert all(f"{v:,}" in line for v in data["totals"][key]), line
    markdown = run(*args, "-f", "markdown")
    latex = run(*args, "-f", "latex")
    page = run(*args, "-f", "html")
    for values in data["totals"].values():
        for v in values:
            assert f"{v:,}" in markdown and f"{v:,}".replace(",", "{,}") in latex and f"{v:,}" in page
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv"))))
    for index, label in enumerate(data["labels"]):
        facts = {r["name"]: int(r["value"]) for r in rows if r["spec"] == label and r["row"] == "fact"}
        assert facts == data["specs"][index]["totals"]


def test_sweep_carries_every_total_in_every_format():
    args = ["sweep", "mobilenet_v1", "--set", "alpha=1,0.5", "--batch", "1,2"]
    data = json.loads(run(*args, "-f", "json"))
    assert data["schema"] == 2 and len(data["variants"]) == 4
    rows = list(csv.DictReader(io.StringIO(run(*args, "-f", "csv"))))
    for variant, row in zip(data["variants"], rows):
        for key in LABELS:
            assert (
                int(row[key])
                == variant[key]
                == costcalc.report("mobilenet_v1", overrides={"alpha": variant["alpha"]}, batch=variant["batch"])
                .fact(key)
                .value
            )
    table, markdown, latex = run(*args, "--exact"), run(*args, "-f", "markdown"), run(*args, "-f", "latex")
    for variant in data["variants"]:
        for key in ("params", "macs", "peak_memory"):
            text = f"{variant[key]:,}"
            assert text in table and text in markdown and text.replace(",", "{,}") in latex


# ---------------------------------------------------------------- --depth folds every format


def rows_of(fmt: str, *args: str) -> list[str]:
    text = run("analyze", *args, "-f", fmt) if fmt != "table" else run("analyze", *args)
    if fmt == "json":
        return [r["name"] for r in json.loads(text)["rows"]]
    if fmt == "csv":
        return [r["name"] for r in csv.DictReader(io.StringIO(text)) if r["row"] in ("layer", "block")]
    if fmt == "markdown":
        lines = text.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("| ---")) + 1
        body = lines[start : lines.index("", start)]
        names = [line.split(" | ")[0].strip("| *") for line in body]
        return [n.replace("\\_", "_") for n in names if n and n != "Total"]
    if fmt == "latex":
        body = text.split(r"\hline", 2)[2].split(r"\hline")[0]
        names = [line.split(" & ")[0] for line in body.strip().splitlines()]
        return [n.replace(r"\textbf{", "").rstrip("}").replace(r"\_", "_") for n in names]
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "───" in line) + 1
    out = []
    for line in lines[start:]:
        if not line.strip():
            break
        out.append(line[1:].split("  ")[0].strip())
    return out


@pytest.mark.parametrize("name", ["resnet18", "googlenet", "mobilenet_v2"])
def test_depth_gives_the_same_rows_in_every_format(name):
    json_rows = rows_of("json", name, "--depth", "1")
    assert json_rows == [r.item.name for r in costcalc.report(name, depth=1).rows]
    for fmt in ("csv", "markdown", "latex"):
        assert rows_of(fmt, name, "--depth", "1") == json_rows, fmt
    assert rows_of("table", name, "--depth", "1") == json_rows  # at depth 1 every row is top level
    deeper = rows_of("json", name, "--depth", "2")
    assert rows_of("csv", name, "--depth", "2") == deeper and len(deeper) > len(json_rows)


# ---------------------------------------------------------------- one meaning per option


def test_input_160_means_the_same_in_every_command(tmp_path):
    expected = costcalc.report("resnet18", input=160)
    assert expected.analysis.input == (160, 160, 3)
    macs = expected.fact("macs").value
    assert json.loads(run("analyze", "resnet18", "--input", "160", "-f", "json"))["totals"]["macs"] == macs
    compared = json.loads(run("compare", "resnet18", "resnet18", "--input", "2:160", "-f", "json"))
    assert compared["specs"][1]["input"] == [160, 160, 3] and compared["totals"]["macs"][1] == macs
    swept = json.loads(run("sweep", "resnet18", "--input", "160,224", "-f", "json"))
    assert swept["variants"][0]["input"] == [160, 160, 3] and swept["variants"][0]["macs"] == macs
    explained = run("explain", "resnet18", "--input", "160", "--layer", "conv1")
    assert "160×160×3 from 'input' → 80×80×64" in explained
    mermaid = run("graph", "resnet18", "--input", "160")
    assert "80×80×64" in mermaid and "112×112×64" not in mermaid
    page = run("report", "resnet18", "--input", "160")
    assert f"{macs:,}" in page
    assert "160×120×3" in run("analyze", "resnet18", "--input", "160x120", "--depth", "1")


def test_batch_and_dtype_are_read_by_one_parser_everywhere():
    for args in (["analyze", "lenet5"], ["compare", "lenet5", "lenet5"], ["sweep", "lenet5"], ["graph", "lenet5"]):
        for bad in (["--batch", "0"], ["--batch", "1" * 401], ["--batch", "two"]):
            result = RUNNER.invoke(app, [*args, *bad])
            assert result.exit_code == 2 and "costcalc: error:" in result.stderr, (args, bad, result.output)
    assert RUNNER.invoke(app, ["compare", "lenet5", "lenet5", "--dtype", "2:float8"]).exit_code == 2


def test_conflicting_settings_are_an_error():
    result = RUNNER.invoke(
        app, ["compare", "mobilenet_v1", "mobilenet_v1", "--set-a", "alpha=0.5", "--set", "1:alpha=0.75"]
    )
    assert result.exit_code == 2 and "alpha is set twice" in result.stderr
    assert RUNNER.invoke(app, ["analyze", "mobilenet_v1", "--set", "alpha=0.5", "--set", "alpha=0.75"]).exit_code == 2
    same = RUNNER.invoke(app, ["analyze", "mobilenet_v1", "--set", "alpha=0.5", "--set", "alpha=0.5", "-f", "json"])
    assert same.exit_code == 0
    alias = json.loads(run("compare", "mobilenet_v1", "mobilenet_v1", "--set-b", "alpha=0.5", "-f", "json"))
    indexed = json.loads(run("compare", "mobilenet_v1", "mobilenet_v1", "--set", "2:alpha=0.5", "-f", "json"))
    assert alias["totals"] == indexed["totals"]


@pytest.mark.parametrize(
    "args, says",
    [
        (["torch", "lenet5", "-o", "x.json"], "costcalc torch cannot tell what to write to 'x.json': it writes .py"),
        (["plot", "lenet5", "-o", "x.gif"], "it writes .svg, .png, .pdf; or give --format"),
        (["analyze", "lenet5", "-o", "x.xlsx"], "it writes .txt, .json, .csv"),
        (["analyze", "lenet5", "-f", "json", "--chart"], "--chart"),
        (["sweep", "lenet5", "-f", "html"], "a sweep is a table"),
    ],
)
def test_a_format_a_command_cannot_write_is_refused(args, says):
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 2 and says in result.stderr, result.output


# ---------------------------------------------------------------- the library


def test_the_library_gives_the_cli_report():
    report = costcalc.report("resnet50", rf=True, training="adam")
    assert report.fact("peak_memory").value == 9_633_792
    assert report.fact("training.step_macs").value == report.training.step_macs
    assert report.fields["layer4"].size == report.fields["layer4.2.relu_1"].size
    assert json.loads(report.to_json()) == json.loads(
        run("analyze", "resnet50", "--rf", "--training", "adam", "-f", "json")
    )
    assert report.to_csv() == run("analyze", "resnet50", "--rf", "--training", "adam", "-f", "csv")


class _Checker(html.parser.HTMLParser):
    """Strict enough for a notebook cell: every opened tag closed in order."""

    VOID = {"br", "meta", "img", "input", "hr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()


def test_a_notebook_cell_shows_the_report():
    report = costcalc.report("mobilenet_v2")
    fragment = report._repr_html_()
    checker = _Checker()
    checker.feed(fragment)
    checker.close()
    assert checker.stack == []
    assert "300,774,272" in fragment and "3,504,872" in fragment and "<script" not in fragment
    assert report._repr_markdown_() == run("analyze", "mobilenet_v2", "-f", "markdown")


def test_to_dataframe_round_trips_the_csv():
    pandas = pytest.importorskip("pandas")  # CI installs it
    report = costcalc.report("lenet5", training="sgd")
    frame = report.to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    text = report.to_csv()
    assert list(frame.columns) == text.splitlines()[0].split(",")
    assert len(frame) == len(list(csv.reader(io.StringIO(text)))) - 1
    layers = frame[frame["row"] == "layer"]
    assert list(layers["name"]) == [x.name for x in report.analysis.layers]
    assert list(layers["macs"]) == [x.macs for x in report.analysis.layers]
    facts = frame[frame["row"] == "fact"].set_index("name")["value"]
    assert int(facts["peak_memory"]) == report.fact("peak_memory").value
    again = io.StringIO()
    frame.to_csv(again, index=False, lineterminator="\n")
    assert list(csv.reader(io.StringIO(again.getvalue()))) == list(csv.reader(io.StringIO(text)))


# ---------------------------------------------------------------- the hardware view, in every format


@pytest.mark.parametrize(
    "args",
    [
        ["mobilenet_v2", "--device", "jetson-orin-nano", "--dtype", "int8"],
        ["resnet18", "--device", "h100", "--weights-dtype", "int4", "--activations-dtype", "int8"],
        ["lenet5", "--weights-dtype", "int8"],  # traffic only: no device, no times
    ],
    ids=lambda a: " ".join(a),
)
def test_the_hardware_view_is_in_every_format(args):
    from costcalc.render.text import fact_text

    data = json.loads(run("analyze", *args, "-f", "json"))
    hardware = {k: v for k, v in data["hardware"].items() if k in data["hardware"]["rules"]}
    assert hardware and ("seconds" in hardware) == ("--device" in args)
    table, markdown = run("analyze", *args), run("analyze", *args, "-f", "markdown")
    latex, page = run("analyze", *args, "-f", "latex"), run("analyze", *args, "-f", "html")
    facts = {r["name"]: r["value"] for r in csv.DictReader(io.StringIO(run("analyze", *args, "-f", "csv")))}
    for key, value in hardware.items():
        unit = "text" if isinstance(value, str) else None
        shown = fact_text(value, unit or _unit_of(key, value))[0]
        assert shown in table and shown in markdown and shown in page, (key, shown)
        assert shown.replace(",", "{,}").replace("µ", "$\\mu$") in latex or shown in latex, (key, shown)
        assert facts[f"hardware.{key}"] == str(value), key  # CSV: the figure itself
    layer = data["layers"][1]
    assert {"bytes", "intensity"} <= set(layer) and (("seconds" in layer) == ("--device" in args))


def _unit_of(key: str, value: object) -> str:
    if key == "intensity":
        return "ratio"
    if key.endswith("seconds"):
        return "seconds"
    return "count" if key == "bops" else "bytes"


def test_compare_sets_the_hardware_views_side_by_side():
    data = json.loads(run("compare", "resnet50", "mobilenet_v2", "--device", "h100", "-f", "json"))
    assert set(data["hardware"]) >= {"bytes", "seconds", "intensity"}
    for index, spec in enumerate(data["specs"]):
        assert data["hardware"]["seconds"][index] == spec["hardware"]["seconds"]
    relation = data["second_vs_first"]["hardware.seconds"]
    assert relation["ratio"] == pytest.approx(data["hardware"]["seconds"][1] / data["hardware"]["seconds"][0])
    assert "less estimated time" in relation["words"]
    table = run("compare", "resnet50", "mobilenet_v2", "--device", "h100")
    assert "Estimated time" in table and "µs" in table
    ratio = data["hardware"]["seconds"][0] / data["hardware"]["seconds"][1]
    assert f"{ratio:.2f}× less estimated time on nvidia-h100-sxm" in " ".join(table.split())  # the headline


def test_a_block_is_bound_as_its_layers_agree_or_mixed():
    """ResNet-50 on an H100: its 7×7 stem conv is compute-bound, its pools memory-bound, and each stage
    holds both kinds of layer; a block row says 'mixed' there, and one bound where all its layers agree."""
    report = costcalc.report("resnet50", device="h100", depth=1)
    figures = report.hardware_figures
    assert figures["conv1"]["bound"] == "compute" and figures["maxpool"]["bound"] == "memory"
    for block in ("layer1", "layer2", "layer3", "layer4"):
        layers = {figures[x.name]["bound"] for x in report.analysis.layers if x.name.startswith(block + ".")}
        assert layers - {"none"} == {"compute", "memory"}, block
        assert figures[block]["bound"] == "mixed"
    small = costcalc.report("mobilenet_v2", device="jetson-orin-nano", weights_dtype="int8", activations_dtype="int8")
    assert small.hardware_figures["stage2"]["bound"] == "memory"  # int8 at 68 GB/s: every layer waits on memory
    assert "mixed" in run("analyze", "resnet50", "--device", "h100", "--depth", "1", "--columns", "name,bound")


def test_a_report_with_a_device_but_no_matplotlib_leaves_the_roofline_out(monkeypatch):
    """The roofline is a picture in the HTML page: without matplotlib the page is still written, with every
    figure, and says what is left out (as a plain clone's `pip install -e '.[test]'` has no matplotlib)."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    page = run("analyze", "mobilenet_v2", "--device", "jetson-orin-nano", "--dtype", "int8", "-f", "html")
    assert "charts need matplotlib" in page and "17,791,728" in page  # the bytes moved are still there
