"""Element types a report can be sized in, and their bytes per element (the one table every command reads)."""

from __future__ import annotations

DTYPE_BYTES: dict[str, int] = {"float32": 4, "float16": 2, "bfloat16": 2, "int8": 1}
