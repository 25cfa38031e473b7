"""Layer kinds, found by name through the registry; importing this package registers them all."""

from . import activations, conv, dense, merge, normalization, pooling, tensor  # noqa: F401  (register)
from .base import KINDS, Access, Cost, LayerKind, Param, Shape, elements, fmt_shape

__all__ = ["KINDS", "Access", "Cost", "LayerKind", "Param", "Shape", "elements", "fmt_shape"]
