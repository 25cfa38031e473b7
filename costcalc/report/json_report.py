"""The JSON report: a stable contract for scripts, with exact integers."""

from __future__ import annotations

import json
from typing import Any

from ..analysis import Analysis
from ..conventions import CONVENTION
from .columns import LAYER_COLUMNS, TOTAL_FIELDS

SCHEMA_VERSION = 1
_BLOCK_KEYS = (
    "name",
    "kind",
    "block",
    "output",
    "params",
    "non_trainable",
    "macs",
    "flops",
    "other_ops",
    "activations",
)


def analysis_dict(analysis: Analysis) -> dict[str, Any]:
    exported = [c for c in LAYER_COLUMNS if c.exported]
    block_columns = [c for c in exported if c.key in _BLOCK_KEYS]
    return {
        "schema": SCHEMA_VERSION,
        "name": analysis.name,
        "description": analysis.description,
        "source": analysis.source,
        "input": list(analysis.input),
        "batch": analysis.batch,
        "dtype": analysis.dtype,
        "vars": dict(analysis.variables),
        "conventions": CONVENTION,
        "totals": {key: getattr(analysis.totals, key) for key, _, _ in TOTAL_FIELDS},
        "layers": [{c.key: c.get(row, analysis) for c in exported} for row in analysis.layers],
        "blocks": [
            {**{c.key: c.get(b, analysis) for c in block_columns}, "repeat": b.repeat, "layers": b.layers}
            for b in analysis.blocks
        ],
    }


def render_json(analysis: Analysis) -> str:
    return json.dumps(analysis_dict(analysis), indent=2, ensure_ascii=False) + "\n"
