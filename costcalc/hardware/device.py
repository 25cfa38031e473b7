"""Device profiles: a device's peak compute per dtype, memory bandwidth and the rest, each figure with
the document it comes from. Read with costcalc's safe YAML loader, so a bad profile is a located
error (file:line:column) like a bad spec; the bundled profiles live in ``devices/`` beside this file.

A profile (YAML)::

    name: nvidia-h100-sxm                 # what --device takes; aliases: [h100] also work
    title: NVIDIA H100 SXM5 80 GB (GPU)
    kind: gpu                             # gpu, cpu, npu or mcu
    sources:                              # every document cited, by a short key
      whitepaper: "NVIDIA H100 Tensor Core GPU Architecture (whitepaper), Table 3, H100 SXM5 column"
    peak:                                 # dense peak compute per dtype (FLOP/s, or OP/s for integers)
      float16: {value: 989.4 TFLOP/s, source: whitepaper, sparse: 1978.9 TFLOP/s}
    vector:                               # optional: the rate of elementwise work (CUDA cores, SIMD units)
      float32: {value: 66.9 TFLOP/s, source: whitepaper}
    bandwidth: {value: 3.35 TB/s, source: datasheet}
    buffer: {value: 50 MB, source: whitepaper, note: L2 cache}      # optional on-chip buffer
    overhead: {value: 5 us, source: probe}                          # optional fixed time per layer
    efficiency: {conv: {value: 0.6, source: calibration}}           # optional per-kind fraction

``overhead`` is one figure for every layer, or, like ``efficiency``, a figure per layer kind (with
``default`` for the kinds not listed).
    missing: what the vendor does not publish, and so is left out
    fuses: false                          # optional: the runtime runs a fused batch norm / activation as
                                          # passes of their own (PyTorch eager); default true

Every figure takes ``value`` and ``source`` (a key of ``sources``), and optionally ``note``, ``sparse``
(the vendor's sparse figure, recorded and never used) and ``derived`` (the formula, when the figure is
computed from other published figures rather than quoted).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ErrorCollector, Location, SpecError, describe, nearest
from ..layers import KINDS
from ..yaml_source import Mark, YMap, load_yaml
from .dtypes import DTYPE_BITS, WIDER
from .units import UnitError, parse_quantity

TOP_KEYS = (
    "name",
    "aliases",
    "title",
    "kind",
    "description",
    "sources",
    "peak",
    "vector",
    "bandwidth",
    "buffer",
    "overhead",
    "efficiency",
    "missing",
    "threads",
    "fuses",
)
FIGURE_KEYS = ("value", "source", "note", "sparse", "derived")
DEVICE_KINDS = ("gpu", "cpu", "npu", "mcu")
# dtypes a profile may list peaks for: the storage types, and tf32 (float32 stored, tensor-core math;
# listed for reference, never chosen by the roofline, which computes float32 at the float32 peak)
PEAK_DTYPES = (*DTYPE_BITS, "tf32")
MAX_PROFILE_BYTES = 1024 * 1024


class DeviceError(SpecError):
    """A device profile that cannot be used: located like a spec error (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure of a profile, in its base unit (FLOP/s, B/s, bytes, seconds, or a fraction)."""

    value: float
    source: str  # the key in Device.sources
    text: str = ""  # as written in the profile ('989.4 TFLOP/s')
    note: str = ""
    sparse: float | None = None  # the vendor's figure with structured sparsity, for the record
    derived: str = ""  # the formula, when computed from published figures rather than quoted


@dataclass(frozen=True)
class Device:
    name: str
    title: str
    kind: str
    description: str
    sources: Mapping[str, str]
    peak: Mapping[str, Figure]
    bandwidth: Figure
    vector: Mapping[str, Figure] = field(default_factory=dict)
    buffer: Figure | None = None
    overhead: Mapping[str, Figure] = field(default_factory=dict)  # by kind; 'default' for the others
    efficiency: Mapping[str, Figure] = field(default_factory=dict)
    missing: str = ""
    aliases: tuple[str, ...] = ()
    threads: int | None = None
    # the runtime applies a fused batch norm and activation to a layer's output before writing it (true),
    # or runs each as a pass of its own over the output, as PyTorch's eager mode does (false)
    fuses: bool = True
    file: str = ""

    def peak_for(self, dtype: str) -> tuple[str, Figure]:
        """The peak a ``dtype`` product runs at: its own, else the next wider type's (int4 on int8 units)."""
        return self._rate(self.peak, dtype, "peak")

    def vector_for(self, dtype: str) -> tuple[str, Figure]:
        """The rate of elementwise work at ``dtype``: the vector units' rate if the profile gives one,
        else the peak (one pool of compute)."""
        if self.vector:
            try:
                return self._rate(self.vector, dtype, "vector")
            except DeviceError:
                pass
        return self.peak_for(dtype)

    def _rate(self, table: Mapping[str, Figure], dtype: str, what: str) -> tuple[str, Figure]:
        wanted = dtype
        while dtype not in table:
            if dtype not in WIDER:
                listed = ", ".join(table) or "none"
                raise DeviceError(
                    f"device '{self.name}' gives no {what} rate for {wanted} or a wider type (it lists {listed})",
                    location=Location(self.file) if self.file else None,
                    expected=f"a {what} entry for {wanted}, or a --weights-dtype / --activations-dtype it lists",
                )
            dtype = WIDER[dtype]
        return dtype, table[dtype]

    def efficiency_of(self, kind: str, kernel: tuple[int, ...] | None = None) -> Figure | None:
        """The figure for the kind and kernel size ('conv 1×1'), else for the kind, else the default."""
        return _lookup(self.efficiency, kind, kernel)

    def overhead_of(self, kind: str, kernel: tuple[int, ...] | None = None) -> Figure | None:
        return _lookup(self.overhead, kind, kernel)

    def source_of(self, figure: Figure) -> str:
        return self.sources[figure.source]


def kind_key(kind: str, kernel: tuple[int, ...] | None) -> str:
    """'conv 3×3': the key of a kind at one kernel size (as `--by kind` rows read)."""
    return f"{kind} {'×'.join(map(str, kernel))}" if kernel else kind


def _lookup(table: Mapping[str, Figure], kind: str, kernel: tuple[int, ...] | None) -> Figure | None:
    if kernel and (found := table.get(kind_key(kind, kernel))):
        return found
    return table.get(kind) or table.get("default")


_KEY = re.compile(r"([a-z_0-9]+)(?: ([0-9]+(?:[×x][0-9]+)*))?")

# ---------------------------------------------------------------- reading


def _devices_dir() -> Path:
    return Path(str(resources.files("costcalc.hardware") / "devices"))


def bundled_paths() -> list[Path]:
    return sorted(_devices_dir().glob("*.yaml"))


def bundled_devices() -> list[Device]:
    """Every bundled profile, by name."""
    return [read_device(path) for path in bundled_paths()]


def load_device(ref: str | Path) -> Device:
    """A profile from a file (a real file always wins) or a bundled profile by name or alias."""
    path = Path(ref)
    if path.is_file():
        return read_device(path)
    if path.exists():
        raise DeviceError("this is a folder, not a device profile", location=Location(str(path)))
    wanted = str(ref).removesuffix(".yaml")
    names: list[str] = []
    for device in bundled_devices():
        if wanted == device.name or wanted in device.aliases:
            return device
        names += [device.name, *device.aliases]
    near = nearest(wanted, names, 3)
    hint = ("did you mean " + " or ".join(f"'{n}'" for n in near) + "? ") if near else ""
    raise DeviceError(
        f"no device profile file '{ref}' and no bundled device of that name",
        expected="a path to a device profile (YAML) or a bundled device's name",
        hint=hint + "`costcalc devices` lists the bundled ones",
    )


def read_device(path: Path) -> Device:
    file = str(path)
    try:
        data = path.read_bytes()[: MAX_PROFILE_BYTES + 1]
    except OSError as exc:
        raise DeviceError(f"cannot read the file: {exc.strerror or exc}", location=Location(file)) from None
    if len(data) > MAX_PROFILE_BYTES:
        raise DeviceError("the file is larger than 1 MiB", location=Location(file), expected="a device profile")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeviceError("not UTF-8 text", location=Location(file), expected="a YAML device profile") from None
    return parse_device(text, file)


def parse_device(text: str, file: str) -> Device:
    """A profile from YAML text; every problem is reported together, each with its line and column."""
    try:
        root = load_yaml(text, file)
    except SpecError as exc:
        raise DeviceError(exc.message, location=exc.location, expected=exc.expected, hint=exc.hint) from None
    return _Reader(file).device(root)


class _Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors = ErrorCollector()

    def fail(self, mark: Mark | None, message: str, **kw: Any) -> None:
        location = Location(self.file, *mark) if mark else Location(self.file)
        self.errors.add(DeviceError(message, location=location, **kw))

    def keys(self, data: YMap, allowed: tuple[str, ...], what: str) -> None:
        for key in data:
            if key not in allowed:
                near = nearest(key, allowed)
                self.fail(
                    data.key_marks[key],
                    f"unknown key '{key}' in {what}" + (f"; did you mean '{near[0]}'?" if near else ""),
                    expected="one of " + ", ".join(allowed),
                )

    def text(self, data: YMap, key: str, required: bool = False) -> str:
        if key not in data:
            if required:
                self.fail(data.mark, f"the profile has no '{key}'", expected=f"a top-level '{key}:'")
            return ""
        value = data[key]
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.fail(data.marks[key], f"'{key}' is {describe(value)}", expected="text")
        return ""

    def device(self, root: Any) -> Device:
        if not isinstance(root, YMap):
            self.fail(getattr(root, "mark", None), f"the profile is {describe(root)}", expected="a mapping")
            self.errors.raise_if_any()
        data: YMap = root
        self.keys(data, TOP_KEYS, "the device profile")
        name = self.text(data, "name", required=True)
        title = self.text(data, "title") or name
        kind = self.text(data, "kind", required=True)
        if kind and kind not in DEVICE_KINDS:
            self.fail(data.marks["kind"], f"kind '{kind}'", expected="one of " + ", ".join(DEVICE_KINDS))
        sources = self.sources(data)
        peak = self.table(data, "peak", sources, "rate", required=True)
        vector = self.table(data, "vector", sources, "rate")
        bandwidth = self.figure(data, "bandwidth", sources, "bandwidth", required=True)
        buffer = self.figure(data, "buffer", sources, "size")
        if isinstance(data.get("overhead"), YMap) and "value" in data["overhead"]:
            one = self.figure(data, "overhead", sources, "time")
            overhead = {"default": one} if one is not None else {}
        else:
            overhead = self.by_kind(data, "overhead", sources, "time")
        efficiency = self.by_kind(data, "efficiency", sources, "fraction")
        aliases = self.aliases(data)
        threads = self.threads(data)
        fuses = data.get("fuses", True)
        if not isinstance(fuses, bool):
            self.fail(data.marks["fuses"], f"'fuses' is {describe(fuses)}", expected="true or false")
        self.errors.raise_if_any()
        return Device(
            name=name,
            title=title,
            kind=kind,
            description=self.text(data, "description"),
            sources=sources,
            peak=peak,
            bandwidth=bandwidth,  # type: ignore[arg-type]
            vector=vector,
            buffer=buffer,
            overhead=overhead,
            efficiency=efficiency,
            missing=self.text(data, "missing"),
            aliases=aliases,
            threads=threads,
            fuses=fuses,
            file=self.file,
        )

    def sources(self, data: YMap) -> dict[str, str]:
        value = data.get("sources")
        if not isinstance(value, YMap) or not value:
            self.fail(
                data.marks.get("sources", data.mark),
                "the profile cites no sources" if value is None else f"'sources' is {describe(value)}",
                expected="sources: a mapping from a short key to the document (name, URL, page or table)",
            )
            return {}
        out = {}
        for key, text in value.items():
            if isinstance(text, str) and text.strip():
                out[key] = text.strip()
            else:
                self.fail(value.marks[key], f"source '{key}' is {describe(text)}", expected="the document cited")
        return out

    def figure(
        self, data: YMap, key: str, sources: dict[str, str], unit: str, required: bool = False, what: str = ""
    ) -> Figure | None:
        what = what or key
        if key not in data:
            if required:
                self.fail(data.mark, f"the profile has no '{key}'", expected=f"{key}: {{value: …, source: …}}")
            return None
        raw, mark = data[key], data.marks[key]
        if not isinstance(raw, YMap):
            self.fail(
                mark, f"{what} is {describe(raw)}", expected="{value: …, source: …} (every figure cites its source)"
            )
            return None
        self.keys(raw, FIGURE_KEYS, what)
        ok = True
        if "value" not in raw:
            self.fail(raw.mark, f"{what} has no value", expected="value: the figure, e.g. " + _EXAMPLES[unit])
            ok = False
        source = raw.get("source")
        if not isinstance(source, str) or source not in sources:
            near = nearest(str(source), sources) if isinstance(source, str) else []
            self.fail(
                raw.marks.get("source", raw.mark),
                f"{what} "
                + ("cites no source" if source is None else f"cites '{source}', which is not in sources")
                + (f"; did you mean '{near[0]}'?" if near else ""),
                expected="source: one of the keys of sources (" + (", ".join(sources) or "none given") + ")",
            )
            ok = False
        value = self.quantity(raw, "value", unit, what)
        sparse = self.quantity(raw, "sparse", unit, what) if "sparse" in raw else None
        texts = {k: raw[k] for k in ("note", "derived") if k in raw}
        for k, v in texts.items():
            if not isinstance(v, str):
                self.fail(raw.marks[k], f"{what}: '{k}' is {describe(v)}", expected="text")
                ok = False
        if not ok or value is None:
            return None
        shown = raw["value"] if isinstance(raw["value"], str) else f"{raw['value']}"
        return Figure(value, source, shown, texts.get("note", ""), sparse, texts.get("derived", ""))

    def quantity(self, raw: YMap, key: str, unit: str, what: str) -> float | None:
        if key not in raw:
            return None
        try:
            return parse_quantity(raw[key], unit)
        except UnitError as exc:
            self.fail(raw.marks[key], f"{what}: {key} {exc}")
            return None

    def table(
        self, data: YMap, key: str, sources: dict[str, str], unit: str, required: bool = False
    ) -> dict[str, Figure]:
        if key not in data:
            if required:
                self.fail(data.mark, f"the profile has no '{key}'", expected=f"{key}: a figure per dtype (float32: …)")
            return {}
        raw = data[key]
        if not isinstance(raw, YMap) or (required and not raw):
            self.fail(data.marks[key], f"'{key}' is {describe(raw)}", expected="a mapping from dtype to figure")
            return {}
        out = {}
        for dtype in raw:
            if dtype not in PEAK_DTYPES:
                near = nearest(dtype, PEAK_DTYPES)
                self.fail(
                    raw.key_marks[dtype],
                    f"{key}: unknown dtype '{dtype}'" + (f"; did you mean '{near[0]}'?" if near else ""),
                    expected="one of " + ", ".join(PEAK_DTYPES),
                )
                continue
            figure = self.figure(raw, dtype, sources, unit, what=f"{key} {dtype}")
            if figure is not None:
                out[dtype] = figure
        return out

    def by_kind(self, data: YMap, key_name: str, sources: dict[str, str], unit: str) -> dict[str, Figure]:
        if key_name not in data:
            return {}
        raw = data[key_name]
        if not isinstance(raw, YMap):
            self.fail(
                data.marks[key_name], f"'{key_name}' is {describe(raw)}", expected="a mapping from layer kind to figure"
            )
            return {}
        out = {}
        for key in raw:
            match = _KEY.fullmatch(key)
            kind = match.group(1) if match else key
            if key != "default" and (kind not in KINDS or KINDS[kind].internal or not match):
                near = nearest(kind, [k for k in KINDS if not KINDS[k].internal])
                self.fail(
                    raw.key_marks[key],
                    f"{key_name}: unknown layer kind '{key}'" + (f"; did you mean '{near[0]}'?" if near else ""),
                    expected="a layer kind (`costcalc kinds`), a kind and kernel size ('conv 3×3'), or 'default'",
                )
                continue
            figure = self.figure(raw, key, sources, unit, what=f"{key_name} of {key}")
            if figure is not None:
                out[f"{kind} {match.group(2).replace('x', '×')}" if match and match.group(2) else key] = figure
        return out

    def aliases(self, data: YMap) -> tuple[str, ...]:
        raw = data.get("aliases", [])
        if not isinstance(raw, list) or not all(isinstance(a, str) and a for a in raw):
            self.fail(data.marks.get("aliases"), f"'aliases' is {describe(raw)}", expected="a list of names")
            return ()
        return tuple(raw)

    def threads(self, data: YMap) -> int | None:
        raw = data.get("threads")
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
            self.fail(data.marks["threads"], f"'threads' is {describe(raw)}", expected="a whole number ≥ 1")
            return None
        return raw


_EXAMPLES = {
    "rate": "'989.4 TFLOP/s'",
    "bandwidth": "'3.35 TB/s'",
    "size": "'50 MB'",
    "time": "'5 us'",
    "fraction": "0.7",
}
