"""The JSON report: a stable contract for scripts, with exact integers."""

from __future__ import annotations

import json
from typing import Any

from ..analysis import Analysis
from ..conventions import CONVENTION
from .columns import GROUP_COLUMNS, LAYER_COLUMNS, TOTAL_FIELDS, row_reader

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
        "layers": list(map(row_reader(exported), analysis.layers)),
        "blocks": [
            {**{c.key: c.get(b, analysis) for c in block_columns}, "repeat": b.repeat, "layers": b.layers}
            for b in analysis.blocks
        ],
    }


def render_json(analysis: Analysis) -> str:
    return dumps_readable(analysis_dict(analysis))


def render_analysis_json(
    analysis: Analysis,
    groups: list[Any] | None = None,
    by: str | None = None,
    extra: dict[str, Any] | None = None,
    layer_fields: list[dict[str, Any]] | None = None,
    block_fields: list[dict[str, Any]] | None = None,
) -> str:
    """The analysis; with a breakdown, also "by" and one entry per group under "groups". ``extra``
    adds top-level keys (peak memory, training), ``layer_fields`` / ``block_fields`` keys to each
    layer / block (receptive fields), in order."""
    data = analysis_dict(analysis)
    if extra:  # right after the totals, where a reader looks for them
        data = {
            k: v for key, value in data.items() for k, v in ((key, value), *(extra.items() if key == "totals" else ()))
        }
    for entries, fields in ((data["layers"], layer_fields), (data["blocks"], block_fields)):
        for entry, more in zip(entries, fields or ()):
            entry.update(more)
    if groups is not None:
        columns = [c for c in GROUP_COLUMNS if c.exported]
        data["by"] = by
        data["groups"] = [{c.key: c.get(g, analysis) for c in columns} for g in groups]
    return dumps_readable(data)


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


def render_comparison_json(
    analyses: list[Analysis], labels: list[str], groups: list[list[Any]] | None = None, by: str | None = None
) -> str:
    """Every spec's analysis (as analyze writes it) under "specs", and the totals side by side."""
    from ..compare import Relation

    specs = []
    for index, analysis in enumerate(analyses):
        data = analysis_dict(analysis)
        data["label"] = labels[index]
        if groups is not None:
            columns = [c for c in GROUP_COLUMNS if c.exported]
            data["by"] = by
            data["groups"] = [{c.key: c.get(g, analysis) for c in columns} for g in groups[index]]
        specs.append(data)
    out: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "labels": labels,
        "conventions": CONVENTION,
        "totals": {key: [getattr(a.totals, key) for a in analyses] for key, _, _ in TOTAL_FIELDS},
    }
    if len(analyses) == 2:
        out["second_vs_first"] = {}
        for key, label, _ in TOTAL_FIELDS:
            relation = Relation(getattr(analyses[0].totals, key), getattr(analyses[1].totals, key))
            ratio = relation.ratio
            out["second_vs_first"][key] = {
                "ratio": [ratio.numerator, ratio.denominator] if ratio is not None else None,
                "difference": relation.difference,
                "words": relation.words(label),
            }
    out["specs"] = specs
    return dumps_readable(out)
