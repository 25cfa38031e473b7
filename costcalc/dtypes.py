"""Element types a report can be sized in, and their bytes per element (the one table every command reads)."""

from __future__ import annotations

DTYPE_BYTES: dict[str, int] = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}

# bits per element of each type the hardware view knows (sub-byte types are packed densely there)
DTYPE_BITS: dict[str, int] = {
    "float32": 32,
    "float16": 16,
    "bfloat16": 16,
    "float8": 8,
    "int8": 8,
    "int4": 4,
    "int2": 2,
}
SCALES = ("per_channel", "per_tensor")  # how integer weights carry their scales and zero points
