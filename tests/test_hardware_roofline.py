"""The roofline estimate on made-up devices, worked out by hand.

The network: a 1×1 conv 16 → 16 without bias on 8×8×16, then a ReLU.
  conv: MACs 8·8·16·16 = 16,384, FLOPs 32,768; bytes: weights 256·4 = 1,024, input 1,024·4 = 4,096,
        output 4,096: 9,216 B.
  relu: 1,024 other ops, no FLOPs; bytes: reads 4,096, writes 4,096: 8,192 B.
Device A: peak float32 1 GFLOP/s, bandwidth 1 GB/s, no vector rate (other ops at the peak):
  conv: compute 32,768 / 1e9 = 32.768 µs > memory 9,216 / 1e9 = 9.216 µs: compute-bound, 32.768 µs
  relu: compute 1,024 / 1e9 = 1.024 µs < memory 8.192 µs: memory-bound, 8.192 µs;   total 40.960 µs
Device B: the same with a vector rate of 0.1 Gop/s: relu compute 1,024 / 1e8 = 10.24 µs > 8.192 µs:
  compute-bound; total 32.768 + 10.24 = 43.008 µs.
"""

from __future__ import annotations

import math

import pytest

from costcalc.graph import build_graph
from costcalc.hardware import Precision, hardware_view, roofline, traffic
from costcalc.hardware.device import DeviceError, parse_device
from costcalc.hardware.formulas import layer_lines
from costcalc.spec import parse_spec

NET = "input: [8, 8, 16]\nlayers:\n  - {kind: conv, name: mix, filters: 16, kernel: 1, bias: false}\n  - {kind: relu, name: act}\n"

DEVICE = """
name: made-up
kind: cpu
sources: {hand: "a device made up for this test"}
peak:
  float32: {value: 1 GFLOP/s, source: hand}
  int8: {value: 4 GOP/s, source: hand}
bandwidth: {value: 1 GB/s, source: hand}
"""


def graph():
    return build_graph(parse_spec(NET, "net.yaml", "net"))


def layer(result, name):
    return next(x for x in result.layers if x.name == name)


def test_one_layer_bound_each_way() -> None:
    result = roofline(traffic(graph()), parse_device(DEVICE, "a.yaml"))
    mix, act = layer(result, "mix"), layer(result, "act")
    assert mix.bound == "compute"
    assert math.isclose(mix.compute_seconds, 32.768e-6) and math.isclose(mix.memory_seconds, 9.216e-6)
    assert math.isclose(mix.seconds, 32.768e-6)
    assert act.bound == "memory"
    assert math.isclose(act.compute_seconds, 1.024e-6) and math.isclose(act.memory_seconds, 8.192e-6)
    assert math.isclose(act.seconds, 8.192e-6)
    assert layer(result, "input").bound == "none" and layer(result, "input").seconds == 0
    assert math.isclose(result.totals.seconds, 40.96e-6)
    assert math.isclose(result.totals.compute_seconds, 33.792e-6)
    assert math.isclose(result.totals.memory_seconds, 17.408e-6)
    assert (result.totals.compute_bound, result.totals.memory_bound) == (1, 1)
    assert math.isclose(mix.attainable, 1e9)  # compute-bound at the peak


def test_vector_rate_for_other_ops() -> None:
    device = parse_device(DEVICE + "vector:\n  float32: {value: 0.1 GFLOP/s, source: hand}\n", "b.yaml")
    act = layer(roofline(traffic(graph()), device), "act")
    assert math.isclose(act.vector_seconds, 10.24e-6)
    assert act.bound == "compute"
    assert math.isclose(roofline(traffic(graph()), device).totals.seconds, 43.008e-6)


def test_efficiency_and_overhead() -> None:
    extra = """
efficiency:
  conv: {value: 0.5, source: hand}
overhead: {value: 2 us, source: hand}
"""
    result = roofline(traffic(graph()), parse_device(DEVICE + extra, "c.yaml"))
    assert math.isclose(layer(result, "mix").seconds, 32.768e-6 / 0.5 + 2e-6)
    assert math.isclose(layer(result, "act").seconds, 8.192e-6 + 2e-6)  # no efficiency for relu: 1
    per_kind = "overhead:\n  relu: {value: 1 us, source: hand}\n  default: {value: 3 us, source: hand}\n"
    result = roofline(traffic(graph()), parse_device(DEVICE + per_kind, "d.yaml"))
    assert math.isclose(layer(result, "act").seconds, 9.192e-6)
    assert math.isclose(layer(result, "mix").seconds, 35.768e-6)


def test_integer_layers_use_the_integer_peak_and_narrower_types_fall_back() -> None:
    device = parse_device(DEVICE, "a.yaml")
    int8 = layer(roofline(traffic(graph(), Precision("int8", "int8")), device), "mix")
    assert (int8.compute_dtype, int8.peak) == ("int8", 4e9)
    assert math.isclose(int8.matrix_seconds, 32.768e-6 / 4)
    int4 = layer(roofline(traffic(graph(), Precision("int4", "int4")), device), "mix")
    assert int4.compute_dtype == "int8"  # no int4 rate: the next wider type the device lists
    fp16 = layer(roofline(traffic(graph(), Precision("float16", "float16")), device), "mix")
    assert fp16.compute_dtype == "float32"
    only_int = parse_device(DEVICE.replace("  float32: {value: 1 GFLOP/s, source: hand}\n", ""), "e.yaml")
    with pytest.raises(DeviceError, match="no peak rate for float32"):
        roofline(traffic(graph()), only_int)


def test_onchip_time_is_lower() -> None:
    device = parse_device(DEVICE + "buffer: {value: 4 KiB, source: hand}\n", "f.yaml")
    result = roofline(traffic(graph(), buffer_bytes=int(device.buffer.value)), device)
    # mix's 4,096-B output stays on chip: act moves only its own output (4,096 B) -> 4.096 µs
    assert math.isclose(layer(result, "act").onchip_seconds, 4.096e-6)
    assert math.isclose(result.totals.onchip_seconds, 32.768e-6 + 4.096e-6)


def test_explain_lines_show_the_arithmetic() -> None:
    device = parse_device(DEVICE, "a.yaml")
    moved = traffic(graph())
    lines = layer_lines(moved, roofline(moved, device), "mix")
    text = "\n".join(lines)
    assert "256 kernel (float32) = 256 elements → 1,024 B" in text
    assert "traffic: 256 + 1,024 + 1,024 = 2,304 elements; 1,024 + 4,096 + 4,096 = 9,216 B" in text
    assert "32,768 FLOPs / 1 GFLOP/s (float32) = 32.77 µs" in text
    assert "bound: compute → estimate 32.77 µs" in text


def test_hardware_view_on_a_bundled_device() -> None:
    view = hardware_view("mobilenet_v2", "jetson-orin-nano", weights="int8", activations="int8")
    assert view.device.name == "jetson-orin-nano-8gb"
    assert view.roofline.totals.seconds > 0
    # int8 MACs at the dense 20 TOPS: FLOPs / 2e13 is the matrix time of the whole model
    assert math.isclose(sum(x.matrix_seconds for x in view.roofline.layers), view.traffic.totals.flops / 20e12)


def test_roofline_chart() -> None:
    pytest.importorskip("matplotlib")
    from costcalc.hardware.chart import roofline_chart

    view = hardware_view("resnet18", "t4")
    svg = roofline_chart(view.roofline, view.traffic).decode()
    assert "resnet18 on NVIDIA T4 16 GB (GPU)" in svg
    heaviest = max(view.roofline.layers, key=lambda x: x.seconds).name
    assert heaviest in svg
    assert "conv (20)" in svg and "fc (1)" in svg  # the legend counts the points of each kind
    assert "float32 8.1 TFLOP/s" in svg
    assert roofline_chart(view.roofline, view.traffic) == svg.encode()  # reproducible
    assert roofline_chart(view.roofline, view.traffic, "png").startswith(b"\x89PNG")


def test_a_runtime_that_does_not_fuse_runs_batch_norm_and_activation_as_passes() -> None:
    """conv + bn + relu on 8×8×16 → 16: the output is 4,096 B; batch norm 2 ops and relu 1 per element.
    Fused (default): one pass. fuses: false: two more passes over the output, each max(ops / 1e9,
    8,192 B / 1e9): bn max(2,048 ns, 8,192 ns) = 8.192 µs, relu max(1,024 ns, 8,192 ns) = 8.192 µs."""
    net = "input: [8, 8, 16]\nlayers:\n  - {kind: conv, name: c, filters: 16, kernel: 1, bias: false, bn: true, activation: relu}\n"
    moved = traffic(build_graph(parse_spec(net, "n.yaml", "n")))
    fused = layer(roofline(moved, parse_device(DEVICE, "a.yaml")), "c")
    eager = layer(roofline(moved, parse_device(DEVICE + "fuses: false\n", "b.yaml")), "c")
    assert math.isclose(fused.vector_seconds, 3 * 1024 / 1e9) and fused.fused_seconds == 0
    assert eager.vector_seconds == 0 and math.isclose(eager.fused_seconds, 2 * 8.192e-6)
    assert math.isclose(eager.seconds, 32.768e-6 + 16.384e-6)  # the conv's own roofline, then two passes


def test_efficiency_by_kernel_size_falls_back_to_the_kind() -> None:
    extra = "efficiency:\n  conv 1x1: {value: 0.5, source: hand}\n  conv: {value: 0.25, source: hand}\n"
    device = parse_device(DEVICE + extra, "k.yaml")
    assert set(device.efficiency) == {"conv 1×1", "conv"}  # 1x1 is read as 1×1
    mix = layer(roofline(traffic(graph()), device), "mix")
    assert math.isclose(mix.seconds, 32.768e-6 / 0.5)
    three = "input: [8, 8, 16]\nlayers:\n  - {kind: conv, name: c3, filters: 16, kernel: 3, padding: 1, bias: false}\n"
    c3 = layer(roofline(traffic(build_graph(parse_spec(three, "t.yaml", "t"))), device), "c3")
    assert math.isclose(c3.seconds, c3.roofline_seconds / 0.25)
    with pytest.raises(DeviceError, match="unknown layer kind 'cnv 3x3'"):
        parse_device(DEVICE + "efficiency:\n  cnv 3x3: {value: 0.5, source: hand}\n", "bad.yaml")


def test_facts_and_layer_figures_carry_their_rules() -> None:
    from costcalc.hardware.facts import facts, layer_figures
    from costcalc.hardware.rules import QUANTITIES

    view = hardware_view(graph(), parse_device(DEVICE, "a.yaml"))
    by_key = {f.key: f for f in facts(view)}
    assert by_key["bytes"].value == 9216 + 8192 and by_key["bytes"].unit == "bytes"
    assert math.isclose(by_key["seconds"].value, 40.96e-6) and by_key["seconds"].unit == "seconds"
    assert by_key["bound_layers"].value == "1 / 1"
    assert "onchip_bytes" not in by_key  # no buffer on this device
    assert all(f.rule == QUANTITIES[f.key].rule for f in facts(view) if f.key in QUANTITIES)
    figures = layer_figures(view)
    assert figures["mix"]["bound"] == "compute" and figures["act"]["bound"] == "memory"
    assert figures["mix"]["bytes"] == 9216 and math.isclose(figures["mix"]["intensity"], 32768 / 9216)
    assert "bound" not in layer_figures(hardware_view(graph()))["mix"]  # no device, no times


def test_the_figures_docs_hardware_md_quotes() -> None:
    """docs/hardware.md's first example, and the anchor figures it states."""
    from pathlib import Path

    text = (Path(__file__).parent.parent / "docs" / "hardware.md").read_text(encoding="utf-8")
    view = hardware_view("mobilenet_v2", "jetson-orin-nano", weights="int8", activations="int8")
    assert f"{view.traffic.totals.bytes:,} bytes moved, {view.traffic.totals.weight_bytes:,} of them weights" in text
    assert f"{view.traffic.totals.intensity:.1f} FLOP per byte" in text
    assert f"{view.roofline.totals.seconds * 1e6:.1f} µs: every layer memory-bound" in text
    assert view.roofline.totals.compute_bound == 0
    for name, shown in (("resnet18", "11,731,112 B"), ("resnet50", "25,750,952 B")):
        assert f"{traffic(graph_of_bundled(name), Precision('int8', 'int8')).totals.weight_bytes:,} B" == shown
        assert shown in text


def graph_of_bundled(name: str):
    from costcalc.api import build_spec_graph

    return build_spec_graph(name)
