"""Element types for the hardware view: bits per element, and how a layer's tensors get theirs.

A model's tensors fall into classes: weights (the multiplicative kernels of conv and fc layers),
activations (every layer's output, the network input included), biases and the other stored
values (batch-norm and PReLU parameters). ``Precision`` gives each class its type, the whole model
or per layer (mixed precision), and says how integer weights carry their scales.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..dtypes import DTYPE_BITS, SCALES  # one table of dtypes for every command
from ..errors import CostcalcError, nearest

INTEGER: frozenset[str] = frozenset({"int8", "int4", "int2"})
# the order a device's peak is looked for when it lists no rate for a type: the next wider type of
# the same family (an int4 product runs on int8 units, a float16 one at float32)
WIDER: dict[str, str] = {
    "int2": "int4",
    "int4": "int8",
    "float8": "float16",
    "float16": "float32",
    "bfloat16": "float32",
}
SCALE_BYTES = 4  # one float32 scale per group of an integer weight tensor
INT32_BITS = 32  # integer bias and accumulators


class PrecisionError(CostcalcError):
    """An unknown dtype or quantization setting (CLI exit code 2)."""


def check_dtype(dtype: str, what: str = "dtype") -> str:
    if dtype not in DTYPE_BITS:
        near = nearest(dtype, DTYPE_BITS)
        hint = f"; did you mean '{near[0]}'?" if near else ""
        raise PrecisionError(f"unknown {what} '{dtype}'{hint}; expected one of " + ", ".join(DTYPE_BITS))
    return dtype


def packed_bytes(elements: int, dtype: str) -> int:
    """Bytes of one tensor of ``elements`` at ``dtype``: dense packing, rounded up to a whole byte."""
    return -(-elements * DTYPE_BITS[dtype] // 8)


def is_integer(dtype: str) -> bool:
    return dtype in INTEGER


def meet(weights: str, activations: str) -> str:
    """The type a product of a weight and an activation is computed in.

    Two integers: the wider (int4 weights × int8 activations run as int8); an integer weight with
    float activations is dequantized to the activations' type (weight-only quantization); two floats:
    the wider, and float16 with bfloat16 meet at float32 (neither holds the other).
    """
    if is_integer(weights) != is_integer(activations):
        return activations if is_integer(weights) else weights
    if weights == activations:
        return weights
    wide_w, wide_a = DTYPE_BITS[weights], DTYPE_BITS[activations]
    if wide_w == wide_a:
        return "float32"  # float16 vs bfloat16
    return weights if wide_w > wide_a else activations


@dataclass(frozen=True, slots=True)
class LayerDtypes:
    """The types of one layer: its kernels' and its output's."""

    weights: str
    activations: str


@dataclass(frozen=True)
class Precision:
    """The element types of a model's tensors, and how integer weights store their scales.

    ``weights``: the kernels of conv and fc layers; ``activations``: every layer's output (and the
    network input); ``layers``: per-layer overrides by layer name (mixed precision). ``scales``:
    ``per_channel`` (one scale and zero point per output channel of each kernel) or ``per_tensor``
    (one pair per kernel). ``fold_batch_norm``: fold a fused batch norm into its layer's bias; None
    means "when the weights are integer" (as every integer deployment does).
    """

    weights: str = "float32"
    activations: str = "float32"
    scales: str = "per_channel"
    fold_batch_norm: bool | None = None
    layers: Mapping[str, LayerDtypes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_dtype(self.weights, "weights dtype")
        check_dtype(self.activations, "activations dtype")
        if self.scales not in SCALES:
            raise PrecisionError(f"unknown scales '{self.scales}'; expected one of " + ", ".join(SCALES))
        for name, dtypes in self.layers.items():
            check_dtype(dtypes.weights, f"weights dtype of layer '{name}'")
            check_dtype(dtypes.activations, f"activations dtype of layer '{name}'")

    def of(self, layer: str) -> LayerDtypes:
        return self.layers.get(layer) or LayerDtypes(self.weights, self.activations)

    def folds(self, weights: str) -> bool:
        return is_integer(weights) if self.fold_batch_norm is None else self.fold_batch_norm

    @property
    def label(self) -> str:
        """'float32', or 'weights int4, activations int8' (and 'mixed' when layers override it)."""
        text = (
            self.weights
            if self.weights == self.activations
            else f"weights {self.weights}, activations {self.activations}"
        )
        return text + (f" ({len(self.layers)} layers set their own)" if self.layers else "")


def bias_dtype(weights: str, activations: str) -> str:
    """int32 when the weights and the activations they multiply are both integer (the accumulator's type,
    the bias scaled by s_w·s_x as ONNX QLinearConv and TFLite store it); with integer weights and float
    activations, the activations' type; otherwise the weights' type."""
    if is_integer(weights):
        return "int32" if is_integer(activations) else activations
    return weights


def accumulator_dtype(weights: str, activations: str) -> str:
    """int32 for integer products, float32 for float ones (float16 tensor cores accumulate in float32)."""
    return "int32" if is_integer(meet(weights, activations)) else "float32"


def bits(dtype: str) -> int:
    return INT32_BITS if dtype == "int32" else DTYPE_BITS[dtype]
