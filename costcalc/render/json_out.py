"""Reports as JSON: the stable contract for scripts, every figure an exact integer.

The keys of layers, blocks, rows and groups are the exported columns of costcalc.columns; the totals
are the report's facts, under the same keys as in CSV's fact rows.
"""

from __future__ import annotations

import json
from operator import attrgetter
from typing import Any

from ..columns import Column
from ..reporting import SCHEMA_VERSION, ComparisonReport, Report, Section, SweepReport
from ..tables import aligned_layers, sweep_variants
from .text import fraction

# a layer's plain attributes, read in one call per layer (100,000-layer specs)
_LAYER_KEYS = ("name", "kind", "block", "inputs", "output", "params", "non_trainable", "macs", "flops")
_LAYER_KEYS += ("other_ops", "activations")
_BLOCK_KEYS = ("name", "kind", "block", "output", "params", "non_trainable", "macs", "flops", "other_ops")
_BLOCK_KEYS += ("activations", "repeat", "layers")


HARDWARE_KEYS = {"bytes", "intensity", "bound", "seconds", "compute_seconds", "memory_seconds"}


def rf_fields(field: Any) -> dict[str, Any]:
    return {
        "rf_size": [_number(v) for v in field.size],
        "rf_jump": [_number(v) for v in field.jump],
        "rf_whole": field.whole,
    }


def _number(x: Any) -> int | float:
    return x if isinstance(x, int) else int(x) if x.denominator == 1 else float(x)


def _reader(keys: tuple[str, ...]) -> Any:
    getter = attrgetter(*keys)
    return lambda item: dict(zip(keys, getter(item)))


def section_dict(section: Section) -> dict[str, int]:
    return {f.key: f.value for f in section.facts}


def _columns_dict(columns: tuple[Column, ...], item: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in columns:
        if not column.exported or column.unit == "jump":
            continue
        value = column.value(item)
        if column.unit == "rf":
            out.update(rf_fields(value))
        elif column.unit in ("share", "bar"):
            out[column.key] = fraction(*value)
        else:
            out[column.key] = value
    return out


def report_dict(report: Report) -> dict[str, Any]:
    a = report.analysis
    data: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "name": a.name,
        "description": a.description,
        "source": a.source,
        "input": list(a.input),
        "batch": a.batch,
        "dtype": a.dtype,
        "vars": dict(a.variables),
        "conventions": dict(report.conventions),
    }
    if report.input_note:
        data["input_from"] = report.input_note
    if report.convention is not None:
        from ..conventions.in_report import json_dict

        data["convention"] = json_dict(report.convention, sorted({layer.kind for layer in a.layers}))
    for section in report.sections:
        if section.key == "totals":
            data["totals"] = section_dict(section)
            peak = report.peak
            data["peak_memory"] = {
                "bytes": peak.bytes,
                "elements": peak.elements,
                "layer": peak.layer,
                "held": list(peak.held),
                "in_place": peak.in_place,
            }
        elif section.key == "hardware" and report.hardware is not None:
            view = report.hardware
            precision = view.traffic.precision
            data["hardware"] = {
                "device": view.device.name if view.device is not None else None,
                "weights_dtype": precision.weights,
                "activations_dtype": precision.activations,
                "scales": precision.scales,
                "layers_with_own_dtypes": {k: [v.weights, v.activations] for k, v in precision.layers.items()},
                **{f.key: f.value for f in section.facts},
                "rules": {f.key: f.note for f in section.facts},
            }
        elif section.key == "onnx":
            data["onnx"] = {**section_dict(section), "notes": {f.key: f.note for f in section.facts}}
        elif section.key == "training" and report.training is not None:
            cost = report.training
            data["training"] = {
                "optimizer": cost.optimizer,
                "optimizer_state_per_param": cost.state_per_param,
                **section_dict(section),
                "no_input_gradient": list(cost.reads_network_input),
            }
    if report.budgets:
        data["budgets"] = [
            {"key": b.key, "option": b.option, "written": b.written, "limit": b.limit, "value": b.value, "ok": b.ok}
            for b in report.budgets
        ]
    data["warnings"] = [{"code": n.code, "message": n.message, "layer": n.layer} for n in report.warnings]
    own = ("rf",)
    # a peer convention's per-layer figures and the hardware view's ride along with costcalc's
    keys = set(report.convention_keys) | (HARDWARE_KEYS if report.hardware is not None else set())
    extra = tuple(c for c in report.columns if c.unit in own or c.key in keys) if report.groups is None else ()
    layers = list(map(_reader(_LAYER_KEYS), a.layers))
    blocks = list(map(_reader(_BLOCK_KEYS), a.blocks))
    if extra:
        for entry, layer in zip(layers, a.layers):
            entry.update(_columns_dict(extra, layer))
        for entry, block in zip(blocks, a.blocks):
            entry.update(_columns_dict(extra, block))
    data["layers"] = layers
    data["blocks"] = blocks
    if report.depth is not None:
        data["depth"] = report.depth
        data["rows"] = [
            {"row": row.role, "depth": row.depth, **_columns_dict(report.columns, row.item)} for row in report.rows
        ]
    if report.groups is not None:
        data["by"] = report.by
        data["groups"] = [_columns_dict(report.columns, g) for g in report.groups]
    return data


def _section(report: Report, key: str) -> Section:
    return next(s for s in report.sections if s.key == key)


def comparison_dict(comparison: ComparisonReport) -> dict[str, Any]:
    reports, labels = comparison.reports, comparison.labels
    totals_keys = [f.key for f in reports[0].sections[0].facts]
    out: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "labels": list(labels),
        "conventions": dict(comparison.conventions),
        "totals": {key: [r.fact(key).value for r in reports] for key in totals_keys},
    }
    if all(r.hardware is not None for r in reports):
        keys = [f.key for f in _section(reports[0], "hardware").facts]
        out["hardware"] = {key: [r.fact(f"hardware.{key}").value for r in reports] for key in keys}
    if len(reports) == 2:
        out["second_vs_first"] = {}
        for fact in reports[0].sections[0].facts:
            relation = comparison.relations(fact.key)
            ratio = relation.ratio
            words = fact.label if fact.label in ("MACs", "FLOPs") else fact.label.lower()
            out["second_vs_first"][fact.key] = {
                "ratio": [ratio.numerator, ratio.denominator] if ratio is not None else None,
                "difference": relation.difference,
                "words": relation.words(words),
            }
        hardware = [_section(r, "hardware") for r in reports if r.hardware is not None]
        if len(hardware) == len(reports):
            for fact in hardware[0].facts:
                if fact.unit != "text":
                    relation = comparison.relations(f"hardware.{fact.key}")
                    out["second_vs_first"][f"hardware.{fact.key}"] = {
                        "ratio": float(relation.ratio) if relation.ratio is not None else None,
                        "difference": relation.difference,
                        "words": relation.words(fact.label.lower()),
                    }
        out["headline"] = comparison.headline
        out["separable"] = list(comparison.separable_notes)
    if comparison.layers:
        table, legend = aligned_layers(comparison)
        out["aligned"] = [
            {c.key: _plain_json(c.value(e.item), c.unit) for c in table.columns if c.value(e.item) is not None}
            | {"row": e.role}
            for e in table.entries
        ]
    out["specs"] = [{"label": label, **report_dict(r)} for label, r in zip(labels, reports)]
    return out


def _plain_json(value: Any, unit: str) -> Any:
    if unit == "fact":
        return value[0]
    return list(value) if unit == "shape" else value


def sweep_dict(sweep: SweepReport) -> dict[str, Any]:
    table = sweep_variants(sweep, exported=True)
    return {
        "schema": SCHEMA_VERSION,
        "name": sweep.name,
        "dtype": sweep.dtype,
        "axes": {a.name: list(a.values) for a in sweep.axes},
        "conventions": dict(sweep.conventions),
        "variants": [{c.key: _plain_json(c.value(e.item), c.unit) for c in table.columns} for e in table.entries],
    }


def dumps_readable(data: dict[str, Any], ascii_only: bool = False) -> str:
    """JSON with one line per top-level key and one line per list item (layers, blocks).

    json.dumps(indent=...) falls back to the pure-Python encoder, three times slower on 100,000
    layers; this keeps the C encoder and stays easy to read and to diff. ``ascii_only`` escapes
    every non-ASCII character (for a stream that cannot take UTF-8): the same JSON.
    """
    encode = json.JSONEncoder(ensure_ascii=ascii_only).encode
    lines = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join("    " + encode(item) for item in value)
            lines.append(f"  {encode(key)}: [\n{items}\n  ]")
        else:
            lines.append(f"  {encode(key)}: {encode(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def render_report(report: Report, ascii_only: bool = False) -> str:
    return dumps_readable(report_dict(report), ascii_only)


def render_comparison(comparison: ComparisonReport, ascii_only: bool = False) -> str:
    return dumps_readable(comparison_dict(comparison), ascii_only)


def render_sweep(sweep: SweepReport, ascii_only: bool = False) -> str:
    return dumps_readable(sweep_dict(sweep), ascii_only)
