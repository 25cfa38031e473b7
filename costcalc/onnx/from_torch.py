"""A live PyTorch module through the ONNX door: exported in memory, then read like any .onnx file.

Needs PyTorch (the torch extra); the dynamo exporter also needs onnxscript. The module's own
parameter count is recorded beside what the export stores (an exporter folds batch norms).
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import warnings
from collections.abc import Sequence
from typing import Any

from ..errors import CostcalcError

EXPORTERS = ("torchscript", "dynamo")


class TorchExportError(CostcalcError):
    """The module could not be exported or built (CLI exit code 2)."""


def export_bytes(module: Any, input_shape: Sequence[int], exporter: str = "torchscript") -> bytes:
    """``module`` exported to ONNX in memory, for an input of ``input_shape`` (N×C×H×W; C×H×W means N = 1)."""
    import torch

    if exporter not in EXPORTERS:
        raise TorchExportError(f"exporter '{exporter}'; expected one of {', '.join(EXPORTERS)}")
    shape = tuple(int(d) for d in input_shape)
    if len(shape) == 3:
        shape = (1, *shape)
    if not shape or min(shape) < 1:
        raise TorchExportError(f"input shape {shape}; expected positive dims, N×C×H×W")
    was_training = module.training
    module.eval()
    buffer = io.BytesIO()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kwargs: dict[str, Any] = {"dynamo": exporter == "dynamo"}
            if exporter == "dynamo":
                kwargs["verbose"] = False
            torch.onnx.export(module, (torch.zeros(shape),), buffer, **kwargs)
    except Exception as exc:  # the exporters raise many types; each is the model's or the setup's problem
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TorchExportError(
            f"torch.onnx.export ({exporter}) failed: {type(exc).__name__}: {first[:300]}",
        ) from None
    finally:
        module.train(was_training)
    return buffer.getvalue()


def from_torch(
    module: Any,
    input_shape: Sequence[int],
    exporter: str = "torchscript",
    allow_unknown: bool = False,
    name: str | None = None,
) -> Any:
    """A costcalc spec (an OnnxSpec) for ``module`` on ``input_shape`` (N×C×H×W, or C×H×W for N = 1).

    >>> spec = costcalc.from_torch(torchvision.models.resnet50(), (1, 3, 224, 224))
    >>> costcalc.analyze_spec(spec).totals.macs
    4089184256
    """
    from . import load_onnx_bytes

    data = export_bytes(module, input_shape, exporter)
    label = f"{name or type(module).__name__}.onnx"
    spec = load_onnx_bytes(data, label, allow_unknown=allow_unknown)
    params = sum(p.numel() for p in module.parameters())  # parameters() gives a shared tensor once
    info = dataclasses.replace(spec.onnx, module_params=params)
    return dataclasses.replace(
        spec, onnx=info, name=name or spec.name, source=f"PyTorch module {type(module).__name__}"
    )


def load_factory(target: str) -> Any:
    """``package.module:factory`` (e.g. torchvision.models:resnet50) called without arguments."""
    module_name, sep, attribute = target.partition(":")
    if not sep or not module_name or not attribute:
        raise TorchExportError(f"--torch '{target}'; expected package.module:factory, e.g. torchvision.models:resnet50")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise TorchExportError(f"cannot import '{module_name}': {type(exc).__name__}: {exc}") from None
    factory = module
    for part in attribute.split("."):
        if not hasattr(factory, part):
            raise TorchExportError(f"'{module_name}' has no '{attribute}'")
        factory = getattr(factory, part)
    try:
        built = factory() if callable(factory) and not _is_module(factory) else factory
    except Exception as exc:
        raise TorchExportError(f"{target}() failed: {type(exc).__name__}: {exc}") from None
    if not _is_module(built):
        raise TorchExportError(f"{target} gave a {type(built).__name__}, not a torch.nn.Module")
    return built


def _is_module(value: Any) -> bool:
    import torch

    return isinstance(value, torch.nn.Module)
