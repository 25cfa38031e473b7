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
    return dumps_readable(analysis_dict(analysis))


def dumps_readable(data: dict[str, Any]) -> str:
    """JSON with one line per top-level key and one line per list item (layers, blocks).

    json.dumps(indent=...) falls back to the pure-Python encoder, three times slower on
    100,000 layers; this keeps the C encoder and stays easy to read and to diff.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join("    " + encode(item) for item in value)
            lines.append(f"  {encode(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"
