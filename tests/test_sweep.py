"""sweep: every combination of settings, from one parsed spec."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.sources import load_spec
from costcalc.sweep import Axis, SweepError, axes_from, expand_values, sweep

RUNNER = CliRunner()


def run(*args: str):
    return RUNNER.invoke(app, list(args), env={"COLUMNS": "", "NO_COLOR": "1"})


def test_mobilenet_table_6_in_one_command(reference):
    rows = [r for r in reference["mobilenet_v1_paper"]["rows"] if r["resolution"] == 224]
    result = run("sweep", "mobilenet_v1", "--set", "alpha=1,0.75,0.5,0.25", "-f", "csv")
    got = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [g["alpha"] for g in got] == ["1", "0.75", "0.5", "0.25"]
    assert [int(g["macs"]) for g in got] == [r["macs"] for r in rows]


def test_mobilenet_table_7_in_one_command(reference):
    rows = [r for r in reference["mobilenet_v1_paper"]["rows"] if r["alpha"] == 1.0]
    result = run("sweep", "mobilenet_v1", "--set", "resolution=224,192,160,128", "-f", "json")
    data = json.loads(result.stdout)
    assert [v["macs"] for v in data["variants"]] == [r["macs"] for r in rows]
    assert [v["input"] for v in data["variants"]] == [[s, s, 3] for s in (224, 192, 160, 128)]


def test_cartesian_product_order_and_table():
    result = run("sweep", "mobilenet_v1", "--set", "alpha=1,0.5", "--set", "resolution=224,128", "--exact")
    lines = [line.split() for line in result.stdout.splitlines() if line.startswith(" 1 ") or line.startswith(" 0.5 ")]
    assert [(x[0], x[1]) for x in lines] == [("1", "224"), ("1", "128"), ("0.5", "224"), ("0.5", "128")]
    assert "568,740,352" in result.stdout and "4 variants" in result.stdout


def test_input_and_batch_lists():
    data = json.loads(run("sweep", "resnet18", "--input", "224,160", "--batch", "1,8", "-f", "json").stdout)
    variants = data["variants"]
    assert [(v["input"], v["batch"]) for v in variants] == [
        ([224, 224, 3], 1),
        ([224, 224, 3], 8),
        ([160, 160, 3], 1),
        ([160, 160, 3], 8),
    ]
    assert variants[1]["macs"] == 8 * variants[0]["macs"] == 8 * 1_814_073_344
    assert variants[0]["params"] == variants[3]["params"] == 11_689_512


def test_ranges():
    assert expand_values("1..4", "--batch") == ("1", "2", "3", "4")
    assert expand_values("96..128..16,224", "--input") == ("96", "112", "128", "224")
    with pytest.raises(SweepError):
        expand_values("5..1", "--batch")


def test_spec_is_parsed_once_and_graphs_reused(monkeypatch):
    import costcalc.sweep as module

    spec = load_spec("resnet50")
    built = []
    real = module.build_graph
    monkeypatch.setattr(module, "build_graph", lambda *a, **k: built.append(1) or real(*a, **k))
    variants = list(sweep(spec, [Axis("batch", tuple(str(b) for b in range(1, 21)))]))
    assert len(variants) == 20 and len(built) == 1  # the batch only scales the counts
    assert variants[19].totals.macs == 20 * 4_089_184_256


@pytest.mark.parametrize(
    "args",
    [
        ("--set", "alpha"),
        ("--set", "alpha=1,,2"),
        ("--batch", "0"),
        ("--batch", "x"),
        ("--set", "alpha=1", "--set", "alpha=2"),
        ("--input", "big"),
        ("--set", "nosuchvar=1"),
    ],
)
def test_bad_axes_exit_2(args):
    result = run("sweep", "mobilenet_v1", *args)
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_axes_from_rejects_duplicates():
    with pytest.raises(SweepError):
        axes_from(["a=1", "a=2"], [], [])


def test_peak_memory_per_variant():
    data = json.loads(run("sweep", "resnet50", "--batch", "1,8", "-f", "json").stdout)
    # at 224: layer1.0's add holds conv3, the downsample and its own output, 3 · 56·56·256 floats of 4 bytes
    assert [v["peak_memory"] for v in data["variants"]] == [3 * 56 * 56 * 256 * 4, 8 * 3 * 56 * 56 * 256 * 4]
    assert "Peak memory" in run("sweep", "resnet50", "--batch", "1,8").stdout


def test_commas_inside_brackets_belong_to_the_value():
    assert expand_values("max(8, 16),32", "--set x") == ("max(8, 16)", "32")


def test_square_inputs_take_each_combination_s_channels(tmp_path):
    spec = tmp_path / "net.yaml"
    spec.write_text("vars: {c: 3}\ninput: [8, 8, c]\nlayers:\n  - {kind: conv, filters: 2, kernel: 1}\n")
    data = json.loads(run("sweep", str(spec), "--set", "c=1,2", "--input", "4", "-f", "json").stdout)
    assert [v["input"] for v in data["variants"]] == [[4, 4, 1], [4, 4, 2]]
