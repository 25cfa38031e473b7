"""What a user asks for, parsed once: input sizes, var settings, batch sizes and dtypes.

Every command reads these through the same functions, so `--input 160` means 160×160 with the
spec's channels in analyze, compare, sweep, explain, graph, plot and report alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .dtypes import DTYPE_BYTES
from .errors import SpecError, clip

MAX_BATCH = 2**31 - 1  # larger than any real batch; keeps every count a few dozen digits at most
MAX_DIM = 1 << 24  # the same bound the layer rules put on each axis


class SettingsError(SpecError):
    """A command-line value that cannot be read (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class InputSize:
    """An input size as the user wrote it: 160 (square, the spec's channels), 160x120 (H×W, the spec's
    channels) or 160x120x3 (a full H×W×C shape; for a flat spec, one number is its feature count)."""

    dims: tuple[int, ...]
    text: str

    def resolve(self, spec_input: tuple[int, ...]) -> tuple[int, ...]:
        """The shape this size gives a spec whose own input is ``spec_input``."""
        dims = self.dims
        if len(spec_input) == 3:
            if len(dims) == 1:
                return (dims[0], dims[0], spec_input[2])
            if len(dims) == 2:
                return (dims[0], dims[1], spec_input[2])
            return dims
        if len(dims) == 1:  # a flat input: its feature count
            return dims
        if len(dims) == 3:
            return dims  # an image where the spec had a vector: the layers say whether that works
        raise SettingsError(
            f"--input {self.text}: the spec's input is a flat vector of {spec_input[0]} features",
            expected="one number (the feature count) or a full HxWxC shape",
        )


_SIZE = re.compile(r"\s*\d+(\s*[xX×,]\s*\d+){0,2}\s*")


def parse_input(text: str) -> InputSize:
    """'160', '160x120', '160x120x3' (also with × or commas) -> an InputSize."""
    if not _SIZE.fullmatch(text) or len(text) > 60:
        raise SettingsError(
            f"--input '{clip(text)}' is not a size",
            expected="160 (160×160 with the spec's channels), 160x120 (height × width) or 160x120x3",
        )
    dims = tuple(int(part) for part in re.split(r"[xX×,]", text.replace(" ", "")))
    for dim in dims:
        if not 1 <= dim <= MAX_DIM:
            raise SettingsError(f"--input '{clip(text)}': {dim} is not a size from 1 to {MAX_DIM:,}")
    return InputSize(dims, text.strip())


def parse_batch(text: str | int, option: str = "--batch") -> int:
    """A batch size: a whole number from 1 to MAX_BATCH."""
    value = text if isinstance(text, int) else None
    if isinstance(text, str):
        stripped = text.strip().replace("_", "")
        if stripped.isdigit() and len(stripped) <= 12:
            value = int(stripped)
    if value is None or isinstance(value, bool) or not 1 <= value <= MAX_BATCH:
        shown = clip(str(text)) if isinstance(text, str) else str(text)[:20]
        raise SettingsError(f"{option} {shown} is not a batch size", expected=f"a whole number from 1 to {MAX_BATCH:,}")
    return value


def parse_dtype(text: str, option: str = "--dtype") -> str:
    if text not in DTYPE_BYTES:
        raise SettingsError(f"{option} '{clip(text)}' is not a dtype", expected="one of " + ", ".join(DTYPE_BYTES))
    return text


def parse_setting(item: str, option: str = "--set") -> tuple[str, str]:
    """'alpha=0.5' -> ('alpha', '0.5'); the value may be any expression the spec language reads."""
    name, sep, value = item.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name.isidentifier() or not value:
        raise SettingsError(f"{option} '{clip(item)}' is not NAME=VALUE", expected="e.g. --set alpha=0.5")
    return name, value


def merge_settings(items: Iterable[tuple[str, str, str]]) -> dict[str, str]:
    """(name, value, where it was given) triples -> one value per name; two different values for one
    name are an error (the later one does not silently win)."""
    out: dict[str, str] = {}
    given: dict[str, str] = {}
    for name, value, where in items:
        if name in out and out[name] != value:
            raise SettingsError(
                f"{name} is set twice: {clip(out[name], 30)} ({given[name]}) and {clip(value, 30)} ({where})",
                expected="one value per var",
            )
        out[name] = value
        given[name] = where
    return out


def parse_settings(values: Sequence[str] | None, option: str = "--set") -> dict[str, str]:
    """Repeated NAME=VALUE options -> a mapping (a name given twice with different values is an error)."""
    return merge_settings((*parse_setting(item, option), f"{option} {item}") for item in values or ())


_PER_SPEC = re.compile(r"(\d+):(.*)", re.S)


def split_per_spec(values: Sequence[str] | None, count: int, option: str) -> list[list[str]]:
    """Values of an option given to several specs: 'N:value' is for spec N (from 1), a plain value for all."""
    out: list[list[str]] = [[] for _ in range(count)]
    for value in values or ():
        match = _PER_SPEC.fullmatch(value)
        if match:
            index = int(match.group(1)) if len(match.group(1)) < 6 else 0
            if not 1 <= index <= count:
                raise SettingsError(
                    f"{option} '{clip(value)}' names spec {clip(match.group(1), 8)}, but there are {count}",
                    expected=f"N: from 1 to {count}",
                )
            out[index - 1].append(match.group(2))
        else:
            for item in out:
                item.append(value)
    return out


def single(values: Sequence[str], option: str) -> str | None:
    """The one value an option got for a spec (repeating it with another value is an error)."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) > 1:
        raise SettingsError(f"{option} is given twice for one spec: {', '.join(clip(v, 20) for v in distinct)}")
    return distinct[0] if distinct else None


@dataclass(frozen=True)
class Settings:
    """How one spec is analysed: var overrides, input size, batch and dtype."""

    overrides: Mapping[str, str]
    input: InputSize | None = None
    batch: int = 1
    dtype: str = "float32"

    @staticmethod
    def parse(
        sets: Sequence[str] | None = None,
        input_size: str | None = None,
        batch: str | int = 1,
        dtype: str = "float32",
    ) -> Settings:
        return Settings(
            parse_settings(sets),
            parse_input(input_size) if input_size is not None else None,
            parse_batch(batch),
            parse_dtype(dtype),
        )


def input_size(value: str | int | Sequence[int] | InputSize | None) -> InputSize | None:
    """An input size given in the library as 160, '160x120', (160, 120, 3) or an InputSize."""
    if value is None or isinstance(value, InputSize):
        return value
    if isinstance(value, str):
        return parse_input(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return parse_input(str(value))
    if isinstance(value, Sequence) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        return parse_input("x".join(str(v) for v in value))
    raise SettingsError(f"input {value!r} is not a size", expected="160, '160x120', '160x120x3' or (160, 120, 3)")
