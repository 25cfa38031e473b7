"""A Device back to profile text (YAML that read_device reads again), for the probe and calibration."""

from __future__ import annotations

import json

from .device import Device, Figure

_UNITS = {"rate": "FLOP/s", "bandwidth": "B/s", "size": "B", "time": "s", "fraction": ""}


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _value(figure: Figure, unit: str, dtype: str = "") -> str:
    if figure.text:
        return _q(figure.text) if not _plain(figure.text) else figure.text
    word = "OP/s" if unit == "FLOP/s" and dtype.startswith("int") else unit
    return f"{figure.value:.10g} {word}".strip()


def _plain(text: str) -> bool:
    """Text that YAML reads back as the same plain scalar."""
    return text.replace(" ", "").replace(".", "").replace("/", "").replace("_", "").isalnum()


def _figure(figure: Figure, unit: str, dtype: str = "") -> str:
    parts = [f"value: {_value(figure, unit, dtype)}", f"source: {figure.source}"]
    if figure.sparse is not None:
        parts.append(f"sparse: {figure.sparse:.10g} {'OP/s' if dtype.startswith('int') else unit}")
    if figure.derived:
        parts.append(f"derived: {_q(figure.derived)}")
    if figure.note:
        parts.append(f"note: {_q(figure.note)}")
    return "{" + ", ".join(parts) + "}"


def device_text(device: Device, header: str = "") -> str:
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines.append(f"name: {device.name}")
    if device.aliases:
        lines.append("aliases: [" + ", ".join(_q(a) for a in device.aliases) + "]")
    lines.append(f"title: {_q(device.title)}")
    lines.append(f"kind: {device.kind}")
    if device.description:
        lines.append(f"description: {_q(device.description)}")
    if device.threads is not None:
        lines.append(f"threads: {device.threads}")
    if not device.fuses:
        lines.append("fuses: false  # fused batch norm and activation run as passes of their own")
    lines.append("sources:")
    lines += [f"  {key}: {_q(text)}" for key, text in device.sources.items()]
    lines.append("peak:")
    lines += [f"  {dtype}: {_figure(f, 'FLOP/s', dtype)}" for dtype, f in device.peak.items()]
    if device.vector:
        lines.append("vector:")
        lines += [f"  {dtype}: {_figure(f, 'FLOP/s', dtype)}" for dtype, f in device.vector.items()]
    lines.append(f"bandwidth: {_figure(device.bandwidth, 'B/s')}")
    if device.buffer is not None:
        lines.append(f"buffer: {_figure(device.buffer, 'B')}")
    if list(device.overhead) == ["default"]:
        lines.append(f"overhead: {_figure(device.overhead['default'], 's')}")
    elif device.overhead:
        lines.append("overhead:")
        lines += [f"  {kind}: {_figure(f, 's')}" for kind, f in device.overhead.items()]
    if device.efficiency:
        lines.append("efficiency:")
        lines += [f"  {kind}: {_figure(f, '')}" for kind, f in device.efficiency.items()]
    if device.missing:
        lines.append(f"missing: {_q(device.missing)}")
    return "\n".join(lines) + "\n"


def device_dict(device: Device) -> dict:
    """A profile as plain JSON data: every figure with its value (base unit), text, source document and notes."""

    def figure(f: Figure) -> dict:
        out = {"value": f.value, "text": f.text, "source": f.source, "cited": device.sources[f.source]}
        for key in ("note", "derived"):
            if getattr(f, key):
                out[key] = getattr(f, key)
        if f.sparse is not None:
            out["sparse"] = f.sparse
        return out

    return {
        "name": device.name,
        "aliases": list(device.aliases),
        "title": device.title,
        "kind": device.kind,
        "description": device.description,
        "units": {
            "peak": "FLOP/s (OP/s for integers)",
            "vector": "op/s",
            "bandwidth": "B/s",
            "buffer": "B",
            "overhead": "s",
        },
        "peak": {k: figure(f) for k, f in device.peak.items()},
        "vector": {k: figure(f) for k, f in device.vector.items()},
        "bandwidth": figure(device.bandwidth),
        "buffer": figure(device.buffer) if device.buffer else None,
        "overhead": {k: figure(f) for k, f in device.overhead.items()},
        "efficiency": {k: figure(f) for k, f in device.efficiency.items()},
        "sources": dict(device.sources),
        "missing": device.missing,
        "threads": device.threads,
        "fuses": device.fuses,
        "file": device.file,
    }
