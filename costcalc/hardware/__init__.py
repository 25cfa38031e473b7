"""The hardware view: memory traffic per layer, quantized byte counts and BOPs, and a roofline latency
estimate on a device profile (bundled with their sources, probed on this machine, or calibrated).

    >>> from costcalc.hardware import hardware_view
    >>> view = hardware_view("mobilenet_v2", "jetson-orin-nano", weights="int8", activations="int8")
    >>> view.traffic.totals.bytes, view.roofline.totals.seconds

Core: imports neither typer nor rich; PyTorch only in probe and measure, matplotlib only in chart.
"""

from .calibrate import Calibration, calibrate
from .chart import roofline_chart
from .device import Device, DeviceError, Figure, bundled_devices, load_device, read_device
from .dtypes import DTYPE_BITS, LayerDtypes, Precision
from .facts import HardwareFact, facts, layer_figures
from .measurements import Measurements, ModelMeasurement, load_measurements, measurements_text
from .roofline import LayerTime, Roofline, RooflineTotals, ridge, roofline
from .rules import QUANTITIES, Quantity
from .traffic import LayerTraffic, Traffic, TrafficTotals, traffic
from .view import HardwareView, hardware_view, precision_of
from .writer import device_text

__all__ = [
    "DTYPE_BITS",
    "QUANTITIES",
    "Calibration",
    "Device",
    "DeviceError",
    "Figure",
    "HardwareFact",
    "HardwareView",
    "LayerDtypes",
    "LayerTime",
    "LayerTraffic",
    "Measurements",
    "ModelMeasurement",
    "Precision",
    "Quantity",
    "Roofline",
    "RooflineTotals",
    "Traffic",
    "TrafficTotals",
    "bundled_devices",
    "calibrate",
    "device_text",
    "facts",
    "hardware_view",
    "layer_figures",
    "load_device",
    "load_measurements",
    "measurements_text",
    "precision_of",
    "read_device",
    "ridge",
    "roofline",
    "roofline_chart",
    "traffic",
]
