"""Layer kinds, found by name through the registry; importing this package registers them all."""

from . import activations, conv, dense, merge, normalization, pooling, tensor  # noqa: F401  (register)
from .base import KINDS, Cost, LayerKind, Param, Shape, elements, fmt_shape

__all__ = ["KINDS", "Cost", "LayerKind", "Param", "Shape", "elements", "fmt_shape"]
