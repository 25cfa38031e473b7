"""A flat spec (one entry per layer, as converted from ONNX) written out in costcalc's YAML language.

Runs of identical repetitions (ResNet's bottlenecks after the first of each stage) become a block
used with `repeat`; identical means the same kinds, parameters and wiring, each repetition reading
only the one before it. The text is parsed and analysed again before it is returned: when it does
not count exactly as the spec it came from, the flat form is written instead (never a shorter but
different spec).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

from ..spec import INPUT_NAME, Entry, Spec

MAX_BLOCK = 80  # layers in one repeated block
_PLAIN = re.compile(r"[A-Za-z_/][A-Za-z0-9_/\-]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"}


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        if math.isnan(value):
            return ".nan"
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        if exponent and "." not in mantissa:
            text = f"{mantissa}.0e{exponent}"  # YAML 1.1 reads 1e-05 as text, 1.0e-05 as a number
        return text
    if isinstance(value, str):
        if _PLAIN.fullmatch(value) and value.lower() not in _YAML_WORDS:
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} in a spec")


def entry_text(
    kind: str, name: str | None, inputs: Sequence[str] | None, params: dict[str, Any], extra: str = ""
) -> str:
    parts = [f"kind: {scalar(kind)}"]
    if name is not None:
        parts.append(f"name: {scalar(name)}")
    if inputs:  # none: a layer reading nothing (a stored tensor) is written without one
        parts.append(f"input: {scalar(inputs[0])}" if len(inputs) == 1 else f"inputs: {scalar(list(inputs))}")
    parts += [f"{key}: {scalar(value)}" for key, value in params.items()]
    return "{" + ", ".join(parts) + extra + "}"


# ---------------------------------------------------------------- finding repetitions


class Layout:
    """The flat entries with their inputs as indices (-1: the network input) and who reads each."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self.entries = list(entries)
        index = {e.name: i for i, e in enumerate(entries)}
        self.refs: list[tuple[int, ...]] = []
        self.users: list[list[int]] = [[] for _ in entries]
        for i, e in enumerate(entries):
            names = e.inputs if e.inputs is not None else ((entries[i - 1].name,) if i else (INPUT_NAME,))
            refs = tuple(-1 if n == INPUT_NAME else index[n] for n in names)
            self.refs.append(refs)
            for r in refs:
                if r >= 0:
                    self.users[r].append(i)

    def signature(self, start: int, length: int) -> tuple | None:
        """The segment's form relative to its start, or None when it reads anything but the entry before it."""
        out = []
        for i in range(start, start + length):
            refs = []
            for r in self.refs[i]:
                if r == start - 1:
                    refs.append("in")
                elif start <= r < i:
                    refs.append(r - start)
                else:
                    return None
            e = self.entries[i]
            out.append((e.kind, _frozen(e.params), tuple(refs)))
        return tuple(out)

    def closed(self, start: int, length: int, count: int) -> bool:
        """No entry of the run is read from outside its repetition, except each repetition's output by the next
        repetition (and the last one's by anything after the run)."""
        end = start + length * count
        for r in range(count):
            t = start + r * length
            for i in range(t, t + length - 1):
                if any(not t <= u < t + length for u in self.users[i]):
                    return False
            last = t + length - 1
            if r < count - 1 and any(not t + length <= u < t + 2 * length for u in self.users[last]):
                return False
            if r == count - 1 and any(start <= u < end for u in self.users[last]):
                return False
        return True

    def runs(self) -> list[tuple[int, int, int]]:
        """(start, length, count) of every run chosen, left to right, greedily covering the most entries."""
        out = []
        n = len(self.entries)
        i = 0
        while i < n:
            best: tuple[int, int] | None = None  # (length, count)
            for length in range(1, min(MAX_BLOCK, (n - i) // 2) + 1):
                first = self.signature(i, length)
                if first is None:
                    continue
                count = 1
                while i + (count + 1) * length <= n and self.signature(i + count * length, length) == first:
                    count += 1
                while count >= 2 and not self.closed(i, length, count):
                    count -= 1
                if count >= 2 and (best is None or length * count > best[0] * best[1]):
                    best = (length, count)
            if best is None:
                i += 1
                continue
            start = self.phase(i, *best)
            out.append((start, *best))
            i = start + best[0] * best[1]
        return out

    def phase(self, start: int, length: int, count: int) -> int:
        """Where the repetitions begin: of the starts covering as many entries, the one whose input feeds
        the most layers of the block (a residual block's input feeds its first conv and its add)."""

        def readers(s: int) -> int:
            return sum(s - 1 in self.refs[i] for i in range(s, s + length))

        best, score = start, readers(start)
        for shift in range(1, length):
            s = start + shift
            if s + length * count > len(self.entries):
                break
            first = self.signature(s, length)
            if first is None or any(self.signature(s + r * length, length) != first for r in range(1, count)):
                continue
            if self.closed(s, length, count) and readers(s) > score:
                best, score = s, readers(s)
        return best


def _frozen(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def _common_prefix(names: Sequence[str]) -> str:
    first, last = min(names), max(names)
    n = 0
    while n < len(first) and n < len(last) and first[n] == last[n]:
        n += 1
    return first[:n]


# ---------------------------------------------------------------- writing


def write_spec(spec: Spec, header: Sequence[str] = (), repeats: bool = True) -> str:
    """``spec`` (a flat one, as converted from ONNX) as YAML text in costcalc's language."""
    entries = list(spec.layers)
    if spec.blocks or any(e.repeat is not None or e.when is not None or e.first for e in entries):
        raise ValueError("write_spec writes flat specs (as converted from a model file)")
    layout = Layout(entries)
    runs = layout.runs() if repeats else []
    lines = [f"# {line}" if line else "#" for line in header]
    lines.append(f"name: {scalar(spec.name)}")
    if spec.description:
        lines.append(f"description: {scalar(spec.description)}")
    if spec.source:
        lines.append(f"source: {scalar(spec.source)}")
    lines.append(f"input: {scalar(list(spec.input))}")
    blocks: dict[tuple, str] = {}
    block_lines: list[str] = []
    top: list[str] = []
    written: dict[int, str] = {-1: INPUT_NAME}  # entry index -> the name that reaches it at the top level
    taken = {e.name for e in entries}
    previous = -1  # index of the entry (or run output) written last at the top level
    run_at = {start: (length, count) for start, length, count in runs}
    i = 0
    block_number = 0
    while i < len(entries):
        if i in run_at:
            length, count = run_at[i]
            signature = layout.signature(i, length)
            if signature not in blocks:
                block_number += 1
                block = f"block_{block_number}"
                while block in taken:
                    block += "_"
                blocks[signature] = block
                block_lines += _block(block, layout, i, length, count)
            use = _use_name(entries, i, length, count, taken)
            taken.add(use)
            source = layout.refs[i][0] if layout.refs[i] else -1
            inputs = None if source == previous else [written[source]]
            first, last = entries[i].name, entries[i + length * count - 1].name
            top.append(
                f"  - {entry_text(blocks[signature], use, inputs, {}, f', repeat: {count}')}  # {first} … {last}"
            )
            end = i + length * count
            written[end - 1] = use
            previous = end - 1
            i = end
            continue
        e = entries[i]
        refs = layout.refs[i]
        inputs = None if refs == (previous,) else [written[r] for r in refs]
        top.append(f"  - {entry_text(e.kind, e.name, inputs, e.params)}")
        written[i] = e.name  # type: ignore[assignment]
        previous = i
        i += 1
    if block_lines:
        lines.append("blocks:")
        lines += block_lines
    lines.append("layers:")
    lines += top
    return "\n".join(lines) + "\n"


def _use_name(entries: Sequence[Entry], start: int, length: int, count: int, taken: set[str]) -> str:
    firsts = [entries[start + r * length].name or "" for r in range(count)]
    prefix = _common_prefix(firsts).rstrip("_/-:") if len(firsts) > 1 else ""
    name = prefix if len(prefix) >= 3 and prefix not in taken else f"repeat_{start}"
    while name in taken:
        name += "_"
    return name


def _block(block: str, layout: Layout, start: int, length: int, count: int) -> list[str]:
    """The block's definition, its layers named by what the repetitions' node names share."""
    entries = layout.entries
    names = _inner_names(entries, start, length, count)
    out = [f"  {block}:", "    layers:"]
    for k in range(length):
        i = start + k
        e = entries[i]
        refs = [("input" if r == start - 1 else names[r - start]) for r in layout.refs[i]]
        default = names[k - 1] if k else "input"
        inputs = None if refs == [default] else refs
        out.append(f"      - {entry_text(e.kind, names[k], inputs, e.params)}")
    return out


def _inner_names(entries: Sequence[Entry], start: int, length: int, count: int) -> list[str]:
    """Names for a block's layers: what is left of the first repetition's node names once the part
    that differs between repetitions (the path to the repetition) is cut off, if that is the same in
    every repetition and unique; else the kind with a number."""
    reps = [[entries[start + r * length + k].name or "" for k in range(length)] for r in range(count)]
    cut = [len(_common_prefix(rep)) if length > 1 else 0 for rep in reps]
    stripped = [[name[c:] for name in rep] for rep, c in zip(reps, cut)]
    names = stripped[0]
    if all(s == names for s in stripped) and len(set(names)) == length and all(n and n != INPUT_NAME for n in names):
        return names
    counters: dict[str, int] = {}
    out = []
    for k in range(length):
        kind = entries[start + k].kind
        counters[kind] = counters.get(kind, 0) + 1
        out.append(f"{kind}_{counters[kind]}")
    return out


def spec_text(spec: Spec, header: Sequence[str] = (), repeats: bool = True) -> str:
    """The YAML of ``spec``, checked to count exactly as ``spec`` does (flat if repetitions would not)."""
    text = write_spec(spec, header, repeats)
    if not repeats or same_counts(spec, text):
        return text
    flat = write_spec(spec, header, repeats=False)
    if not same_counts(spec, flat):
        raise RuntimeError(f"the spec written for {spec.name} does not count as the model does (a costcalc bug)")
    return flat


def same_counts(spec: Spec, text: str) -> bool:
    """Every layer's kind, output shape and costs, and the totals, the same for ``spec`` and the YAML ``text``."""
    from ..analysis import analyze
    from ..graph import build_graph
    from ..spec import parse_spec

    ours = analyze(build_graph(spec))
    theirs = analyze(build_graph(parse_spec(text, spec.file + ".yaml", spec.name)))

    def rows(analysis: Any) -> list[tuple]:
        return sorted((x.kind, x.output, x.params, x.non_trainable, x.macs, x.other_ops) for x in analysis.layers)

    return ours.totals == theirs.totals and rows(ours) == rows(theirs)
