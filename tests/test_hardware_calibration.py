"""The probe writes a profile costcalc reads back; calibration recovers known efficiencies and overheads;
the device commands' exit codes and output."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.hardware import calibrate, load_measurements, measurements_text
from costcalc.hardware.calibrate import OVERHEADS
from costcalc.hardware.device import parse_device, read_device
from costcalc.hardware.measurements import MeasurementError, Measurements, ModelMeasurement

runner = CliRunner()

DEVICE = """
name: made-up
kind: cpu
sources: {hand: "a device made up for this test, 1 GFLOP/s and 1 GB/s"}
peak:
  float32: {value: 1 GFLOP/s, source: hand}
bandwidth: {value: 1 GB/s, source: hand}
"""


def run(*args: str):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": "120"})


def net(tmp_path: Path, size: int) -> str:
    path = tmp_path / f"net{size}.yaml"
    path.write_text(
        f"input: [{size}, {size}, 16]\nlayers:\n  - {{kind: conv, name: mix, filters: 16, kernel: 1, bias: false}}\n"
        "  - {kind: relu, name: act}\n"
    )
    return str(path)


def synthetic(tmp_path: Path) -> Measurements:
    """Two sizes of the two-layer network whose roofline times are worked out by hand (see
    test_hardware_roofline): on 8×8×16 conv 32.768 µs (compute), relu 8.192 µs (memory); on 16×16×16
    four times both. 'Measured' = roofline / efficiency + overhead with conv (0.5, o1) and relu (0.25, o2)."""
    o1, o2 = OVERHEADS[20], OVERHEADS[10]  # on the fit's grid, so it can find them exactly
    models = []
    for size, scale in ((8, 1), (16, 4)):
        mix = 32.768e-6 * scale / 0.5 + o1
        act = 8.192e-6 * scale / 0.25 + o2
        models.append(ModelMeasurement(net(tmp_path, size), mix + act, {"mix": mix, "act": act}))
    return Measurements("cpu", 1, "float32", 1, 5, "hand", "median", tuple(models), str(tmp_path / "m.json"))


def test_calibration_recovers_efficiency_and_overhead(tmp_path: Path) -> None:
    fit = calibrate(parse_device(DEVICE, "d.yaml"), synthetic(tmp_path))
    assert math.isclose(fit.efficiency["conv"], 0.5, rel_tol=1e-3)
    assert math.isclose(fit.efficiency["relu"], 0.25, rel_tol=1e-3)
    assert math.isclose(fit.overhead["conv"], OVERHEADS[20], rel_tol=1e-6)
    assert math.isclose(fit.overhead["relu"], OVERHEADS[10], rel_tol=1e-6)
    assert fit.mape("calibrated") < 0.1
    assert fit.mape("raw") > 40  # the uncalibrated roofline is far off on these made-up measurements
    assert fit.device.efficiency["conv"].source == "calibration" and "fitted" in fit.device.sources["calibration"]


def test_held_out_models_are_evaluated_not_fitted(tmp_path: Path) -> None:
    measured = synthetic(tmp_path)
    fit = calibrate(parse_device(DEVICE, "d.yaml"), measured, train=[measured.models[0].spec])
    assert [m.trained for m in fit.models] == [True, False]
    assert fit.layers == 2  # the first model's conv and relu only
    assert fit.mape("calibrated", True) < 0.1  # one layer per kind: fitted exactly


def test_measurement_files_round_trip_and_bad_ones_are_located(tmp_path: Path) -> None:
    measured = synthetic(tmp_path)
    path = tmp_path / "m.json"
    path.write_text(measurements_text(measured))
    again = load_measurements(path)
    assert again.models == measured.models
    data = json.loads(path.read_text())
    data["models"][0]["seconds"] = -1
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(MeasurementError) as caught:
        load_measurements(path)
    assert f"{path}:" in caught.value.format() and "a positive number" in caught.value.format()


def test_calibrate_command(tmp_path: Path) -> None:
    (tmp_path / "d.yaml").write_text(DEVICE)
    (tmp_path / "m.json").write_text(measurements_text(synthetic(tmp_path)))
    result = run(
        "device", "calibrate", str(tmp_path / "d.yaml"), str(tmp_path / "m.json"), "-o", str(tmp_path / "c.yaml")
    )
    assert result.exit_code == 0, result.output
    calibrated = read_device(tmp_path / "c.yaml")
    assert math.isclose(calibrated.efficiency["conv"].value, 0.5, rel_tol=1e-3)
    assert "MAPE raw" in result.stderr


def test_probe_writes_a_profile_costcalc_reads(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    result = run("device", "probe", "--quick", "--threads", "1", "-o", str(tmp_path / "me.yaml"))
    assert result.exit_code == 0, result.output
    me = read_device(tmp_path / "me.yaml")
    assert me.threads == 1 and me.kind == "cpu"
    assert me.peak["float32"].value > 1e8 and me.bandwidth.value > 1e8  # any machine that runs these tests
    assert set(me.overhead) >= {"conv", "default"}
    assert all(f.source in me.sources for f in [*me.peak.values(), me.bandwidth])


def test_probe_with_numpy_only() -> None:
    pytest.importorskip("numpy")
    from costcalc.hardware.probe import probe, probe_device

    device = probe_device(probe(quick=True, backend="numpy"))
    assert device.peak["float32"].value > 1e8 and "numpy" in device.sources["probe"]


def test_devices_command_lists_every_profile_with_sources() -> None:
    result = run("devices")
    assert result.exit_code == 0
    for name in ("nvidia-h100-sxm", "coral-edge-tpu", "raspberry-pi-5", "cortex-m7", "apple-m2-gpu"):
        assert name in result.output
    assert result.output.count("sources:") >= 11
    shown = run("devices", "h100")
    assert "989.4 TFLOP/s" in shown.output and "[whitepaper]" in shown.output and "sparse" in shown.output
    data = json.loads(run("devices", "t4", "--json").output)
    assert data["peak"]["int8"]["value"] == 130e12 and "T4" in data["peak"]["int8"]["cited"]


def test_a_bad_profile_exits_2_with_its_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        textwrap.dedent(
            """\
            name: bad
            kind: gpu
            sources: {sheet: "some datasheet, page 1"}
            peak:
              float32: {value: 10 TFLOPS, source: sheet}
            bandwidth: {value: 1 TB/s}
            """
        )
    )
    result = run("devices", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:6:12: error: bandwidth cites no source" in result.stderr
    missing = run("devices", "no-such-device")
    assert missing.exit_code == 2 and "costcalc devices" in missing.stderr


def test_whole_model_times_set_one_common_factor(tmp_path: Path) -> None:
    """Layers timed alone at 1/1.2 of what they take in a whole pass: the fitted figures move to what the
    whole passes say (efficiencies about 1.2 times lower), so the whole-model estimates match."""
    measured = synthetic(tmp_path)
    slower = tuple(ModelMeasurement(m.spec, m.seconds * 1.2, m.layers) for m in measured.models)
    fit = calibrate(parse_device(DEVICE, "d.yaml"), Measurements(**{**measured.__dict__, "models": slower}))
    assert math.isclose(fit.efficiency["conv"], 0.5 / 1.2, rel_tol=0.02)
    assert math.isclose(fit.efficiency["relu"], 0.25 / 1.2, rel_tol=0.02)
    assert fit.mape("calibrated") < 1


def test_measure_command_times_each_layer(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    out = tmp_path / "m.json"
    result = run("device", "measure", "one_by_one", "mobilenet_separable", "--runs", "2", "-o", str(out))
    assert result.exit_code == 0, result.output
    measured = load_measurements(out)
    assert [m.spec for m in measured.models] == ["one_by_one", "mobilenet_separable"]
    assert set(measured.models[1].layers) == {"depthwise", "pointwise"}  # costcalc's layer names
    assert all(m.seconds > 0 for m in measured.models) and measured.threads == 1


def test_the_cpu_clock_needs_one_thread() -> None:
    from costcalc.hardware.clocks import ClockError, clock

    assert clock("cpu", 1) is not clock("wall", 1)
    with pytest.raises(ClockError, match="--threads 1"):
        clock("cpu", 2)
    with pytest.raises(ClockError, match="--threads 1"):
        clock("cpu", 1, "cuda")
    result = run("device", "probe", "--quick", "--threads", "2", "--clock", "cpu")
    assert result.exit_code == 2 and "--threads 1" in result.stderr


def test_calibration_with_unfused_passes(tmp_path: Path) -> None:
    """fuses: false. The network (8×8×16, and 16×16×16 = 4 × the activations): a conv with bn and relu,
    then a batch norm and a relu of their own. Roofline parts by hand on 1 GFLOP/s and 1 GB/s:
      8×8:   conv 32.768 µs, its bn pass 8.192, its relu pass 8.192; batch_norm 8.448 (8,192 B + 256 B of
             γ, β, mean, var); relu 8.192
      16×16: conv 131.072, passes 32.768 and 32.768; batch_norm 33.024; relu 32.768
    'Measured' with conv (0.5, o1), batch_norm (0.25, o2), relu (0.8, o3)."""
    truth = {"conv": (0.5, OVERHEADS[20]), "batch_norm": (0.25, OVERHEADS[12]), "relu": (0.8, OVERHEADS[8])}

    def t(kind, r):
        e, o = truth[kind]
        return r * 1e-6 / e + o

    models = []
    for size, k in ((8, 1), (16, 4)):
        path = tmp_path / f"u{size}.yaml"
        path.write_text(
            f"input: [{size}, {size}, 16]\nlayers:\n"
            "  - {kind: conv, name: c, filters: 16, kernel: 1, bias: false, bn: true, activation: relu}\n"
            "  - {kind: batch_norm, name: b}\n  - {kind: relu, name: r}\n"
        )
        layers = {
            "c": t("conv", 32.768 * k) + t("batch_norm", 8.192 * k) + t("relu", 8.192 * k),
            "b": t("batch_norm", 8.192 * k + 0.256),
            "r": t("relu", 8.192 * k),
        }
        models.append(ModelMeasurement(str(path), sum(layers.values()), layers))
    device = parse_device(DEVICE + "fuses: false\n", "d.yaml")
    fit = calibrate(device, Measurements("cpu", 1, "float32", 1, 5, "hand", "median", tuple(models)))
    for kind, (e, o) in truth.items():
        assert math.isclose(fit.efficiency[kind], e, rel_tol=0.01), kind
        assert math.isclose(fit.overhead[kind], o, rel_tol=0.01), kind
    assert fit.mape("calibrated") < 0.5


def test_timing_on_a_gpu_that_is_not_there_is_a_user_error() -> None:
    pytest.importorskip("torch")
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    for args in (("device", "measure", "one_by_one", "--target", "cuda"), ("device", "probe", "--target", "cuda")):
        result = run(*args)
        assert result.exit_code == 2 and "no CUDA device" in result.stderr
