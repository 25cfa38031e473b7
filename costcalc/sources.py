"""Where a spec comes from: a file, standard input ("-"), or a bundled spec by name."""

from __future__ import annotations

import os
import sys
from importlib import resources
from pathlib import Path

from .errors import Location, SpecError, nearest
from .spec import Spec, parse_spec

# Refused before parsing: a larger file could not be answered within the memory budget (about 1 KB
# per written-out layer while parsing), and no spec within the 50,000-layer limit needs more.
MAX_BYTES = 8 * 1024 * 1024
SUFFIXES = (".yaml", ".yml")


def _bundled_dir() -> Path:
    try:
        return Path(str(resources.files("costcalc.specs")))
    except ModuleNotFoundError:
        # the package imported from a source checkout (its folder on sys.path ahead of the
        # installed one): the specs are the checkout's top-level specs/ folder
        return Path(__file__).resolve().parent.parent / "specs"


def bundled_names() -> list[str]:
    """Names of the bundled specs, sorted."""
    return sorted(p.stem for p in _bundled_dir().glob("*.yaml"))


def bundled_path(name: str) -> Path | None:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    path = _bundled_dir() / f"{name}.yaml"
    return path if name and "/" not in name and path.is_file() else None


def decode(data: bytes, file: str) -> str:
    if b"\x00" in data:
        raise SpecError("this is a binary file, not a YAML spec", location=Location(file), expected="a UTF-8 text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"not UTF-8 text (byte {exc.start} is invalid)", location=Location(file), expected="a UTF-8 text file"
        ) from None


def check_size(data: bytes, file: str) -> None:
    if len(data) > MAX_BYTES:
        raise SpecError(
            f"the file is larger than {MAX_BYTES // 2**20} MiB (costcalc's limit for a spec)",
            location=Location(file),
            expected="a spec of a sensible size",
        )


def read_file(path: Path) -> str:
    file = str(path)
    try:
        if path.is_dir():
            raise SpecError("this is a folder, not a spec file", location=Location(file), expected="a .yaml file")
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read the file: {exc.strerror or exc}", location=Location(file)) from None
    check_size(data, file)
    return decode(data, file)


def resolve(ref: str) -> Path | None:
    """The file ``ref`` names: a real file wins, else the bundled spec of that name; None for stdin."""
    if ref == "-":
        return None
    path = Path(ref)
    if path.exists():
        return path
    bundled = bundled_path(ref)
    if bundled is not None:
        return bundled
    names = bundled_names()
    near = nearest(Path(ref).stem, names, 3)
    hint = ("did you mean " + " or ".join(f"'{n}'" for n in near) + "? ") if near else ""
    raise SpecError(
        f"no spec file '{ref}' and no bundled spec of that name",
        expected="a path to a YAML spec, '-' for standard input, or a bundled name",
        hint=hint + "`costcalc specs` lists the bundled ones",
    )


def load_spec(ref: str) -> Spec:
    """Read and parse the spec ``ref`` names (see :func:`resolve`); an ONNX model (by its .onnx name or
    its content) is converted into a spec by costcalc.onnx, so every command that takes a spec takes one."""
    from .onnx import is_onnx, looks_like_onnx

    path = resolve(ref)
    if path is None:
        if sys.stdin is None or getattr(sys.stdin, "closed", False):
            raise SpecError(
                "standard input is closed", location=Location("<stdin>"), expected="a spec on standard input"
            )
        try:
            data = sys.stdin.buffer.read(MAX_BYTES + 1) if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        except OSError as exc:
            raise SpecError(
                f"cannot read standard input: {exc.strerror or exc}", location=Location("<stdin>")
            ) from None
        check_size(data, "<stdin>")
        if looks_like_onnx(data[:2]):
            from .onnx import load_onnx_bytes

            return load_onnx_bytes(data, "<stdin>")
        return parse_spec(decode(data, "<stdin>"), "<stdin>", "stdin")
    if is_onnx(path):
        from .onnx import load_onnx

        return load_onnx(path)
    # a file name in bytes UTF-8 cannot decode is shown with escapes (n\xff), never as a lone surrogate
    # that no output format could encode
    return parse_spec(read_file(path), shown_path(path), shown_path(path.stem))


def shown_path(path: str | Path) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")
