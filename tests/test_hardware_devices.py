"""Device profiles: every bundled one loads and cites a source for each figure; bad ones are located errors."""

from __future__ import annotations

import math

import pytest

from costcalc.hardware import bundled_devices, device_text, load_device
from costcalc.hardware.device import DeviceError, parse_device
from costcalc.hardware.writer import device_dict

REQUIRED = {
    "nvidia-h100-sxm",
    "nvidia-h200-sxm",
    "nvidia-a100-sxm-80gb",
    "nvidia-l4",
    "nvidia-t4",
    "nvidia-rtx-4090",
    "jetson-orin-nano-8gb",
    "raspberry-pi-5",
    "coral-edge-tpu",
    "apple-m2-gpu",
    "cortex-m7",
}


def figures(device):
    yield from (("peak", d, f) for d, f in device.peak.items())
    yield from (("vector", d, f) for d, f in device.vector.items())
    yield ("bandwidth", "", device.bandwidth)
    if device.buffer:
        yield ("buffer", "", device.buffer)
    yield from (("overhead", k, f) for k, f in device.overhead.items())
    yield from (("efficiency", k, f) for k, f in device.efficiency.items())


def test_the_required_devices_are_bundled() -> None:
    assert REQUIRED <= {d.name for d in bundled_devices()}


@pytest.mark.parametrize("device", bundled_devices(), ids=lambda d: d.name)
def test_every_figure_cites_a_document(device) -> None:
    assert device.kind in ("gpu", "cpu", "npu", "mcu")
    for what, key, figure in figures(device):
        cited = device.sources[figure.source]
        assert len(cited) > 30, (what, key)  # a document, not a word
        assert figure.value > 0
        if figure.sparse is not None:
            assert figure.value < figure.sparse  # the dense peak is the one used
    assert device.peak and device.bandwidth
    # reads back from its own text, and the JSON form cites every source
    again = parse_device(device_text(device), "again.yaml")
    assert (again.peak, again.bandwidth, again.buffer, again.sources) == (
        device.peak,
        device.bandwidth,
        device.buffer,
        device.sources,
    )
    data = device_dict(device)
    assert all(entry["cited"] for entry in data["peak"].values())


def test_aliases_find_profiles() -> None:
    assert load_device("h100").name == "nvidia-h100-sxm"
    assert load_device("jetson-orin-nano").name == "jetson-orin-nano-8gb"
    assert load_device("a100").name == "nvidia-a100-sxm-80gb"
    with pytest.raises(DeviceError, match="did you mean 'h100'"):
        load_device("h10")


def test_dense_figures_from_the_datasheets() -> None:
    """Figures as the vendors print them (see each profile's sources)."""
    h100 = load_device("h100")
    assert h100.peak["float16"].value == 989.4e12 and h100.peak["float16"].sparse == 1978.9e12
    assert h100.bandwidth.value == 3.35e12
    assert load_device("h200").bandwidth.value == 4.8e12
    a100 = load_device("a100")
    assert (a100.peak["float16"].value, a100.peak["int8"].value, a100.bandwidth.value) == (312e12, 624e12, 2039e9)
    assert load_device("t4").peak["int8"].value == 130e12
    assert load_device("l4").peak["int8"].sparse == 485e12
    assert load_device("rtx4090").peak["int8"].value == 660.6e12
    assert load_device("jetson-orin-nano").peak["int8"].value == 20e12
    assert load_device("coral").peak["int8"].value == 4e12


def test_derived_figures_follow_their_formulas() -> None:
    """A derived figure states its arithmetic; redo it from the published inputs."""
    pi = load_device("rpi5")
    assert math.isclose(pi.peak["float32"].value, 4 * 2.4e9 * 2 * 4 * 2)
    assert math.isclose(pi.bandwidth.value, 17.07e9, rel_tol=1e-3) and math.isclose(4267e6 * 32 / 8, 17.068e9)
    orin = load_device("orin-nano")
    assert math.isclose(orin.peak["float32"].value, 1024 * 2 * 625e6)
    m7 = load_device("m7")
    assert math.isclose(m7.peak["float32"].value, 480e6 * 2) and math.isclose(m7.bandwidth.value, 8 * 240e6)
    assert math.isclose(load_device("coral").bandwidth.value, 5e9 * 8 / 10 / 8)
    assert math.isclose(load_device("h200").peak["float16"].value, 1979e12 / 2)
    for device in bundled_devices():
        for _, _, figure in figures(device):
            if figure.derived:
                assert "×" in figure.derived or "/" in figure.derived


GOOD = """name: chip
kind: npu
sources:
  sheet: "The chip's datasheet, table 1 (https://example.com/chip.pdf)"
peak:
  int8: {value: 10 TOPS, source: sheet}
bandwidth: {value: 20 GB/s, source: sheet}
"""


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            GOOD.replace("source: sheet}\nbandwidth", "source: sheeet}\nbandwidth"),
            "6:34",
            "cites 'sheeet', which is not in sources; did you mean 'sheet'",
        ),
        (GOOD.replace("10 TOPS", "10 TWOPS"), "6:17", "unknown unit 'TWOPS'"),
        (GOOD.replace("int8:", "int7:"), "6:3", "unknown dtype 'int7'"),
        (
            GOOD.replace("kind: npu", "kind: npu\nbandwith: 3"),
            "3:1",
            "unknown key 'bandwith' in the device profile; did you mean 'bandwidth'",
        ),
        (GOOD.replace("{value: 20 GB/s, source: sheet}", "20 GB/s"), "7:12", "bandwidth is the text '20 GB/s'"),
        (GOOD.replace("10 TOPS", "-1 TOPS"), "6:17", "not a quantity"),
        (GOOD.replace("bandwidth: {value: 20 GB/s, source: sheet}\n", ""), "1:1", "the profile has no 'bandwidth'"),
        (
            GOOD + "efficiency:\n  cnov: {value: 0.5, source: sheet}\n",
            "9:3",
            "unknown layer kind 'cnov'; did you mean 'conv'",
        ),
        (
            GOOD.replace("peak:\n  int8: {value: 10 TOPS, source: sheet}", "peak:\n  int8: {value: 10 TOPS}"),
            "6:9",
            "cites no source",
        ),
        ("name: x\nkind: cpu\npeak: [1, 2\n", "4:1", "not valid YAML"),
    ],
)
def test_bad_profiles_are_located_errors(text: str, where: str, message: str) -> None:
    with pytest.raises(DeviceError) as caught:
        parse_device(text, "chip.yaml")
    shown = caught.value.format()
    assert f"chip.yaml:{where}: error:" in shown
    assert message in shown


def test_several_problems_reported_together() -> None:
    from costcalc.errors import SpecErrors

    bad = GOOD.replace("10 TOPS", "10 TWOPS").replace("20 GB/s, source: sheet", "20 GB/s, source: nope")
    with pytest.raises(SpecErrors) as caught:
        parse_device(bad, "chip.yaml")
    assert len(caught.value.errors) == 2
