"""Layer kinds, found by name through the registry; importing this package registers them all."""

# math_ops and reshaping: the kinds ONNX models need beyond the classic layers
from . import activations, conv, dense, math_ops, merge, normalization, pooling, reshaping, tensor  # noqa: F401
from .base import KINDS, Access, Cost, LayerKind, Param, Shape, elements, fmt_shape

__all__ = ["KINDS", "Access", "Cost", "LayerKind", "Param", "Shape", "elements", "fmt_shape"]
