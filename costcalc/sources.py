"""Where a spec comes from: a file, standard input ("-"), a bundled spec by name, or a named
variant of a bundled family (``efficientnet_b3`` is the variant of that name declared under
``variants:`` in the bundled family file; ``FILE@VARIANT`` picks a variant of any family file)."""

from __future__ import annotations

import os
import re
import sys
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .errors import CostcalcError, Location, SpecError, nearest
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


def _bundled_files() -> list[Path]:
    return sorted(_bundled_dir().glob("*.yaml"))


@lru_cache(maxsize=1)
def bundled_families() -> dict[str, tuple[str, ...]]:
    """Each bundled family file's name -> the names of its variants, in the order it declares them.

    Only files with a top-level ``variants:`` are parsed (once per process); a bundled file of
    the same name as a variant wins over the variant.
    """
    families: dict[str, tuple[str, ...]] = {}
    files = {p.stem for p in _bundled_files()}
    for path in _bundled_files():
        text = path.read_text(encoding="utf-8")
        if not re.search(r"^variants\s*:", text, re.M):
            continue
        try:
            spec = parse_spec(text, str(path), path.stem)
        except CostcalcError:
            continue  # a broken family reports its errors when it is analysed by its own name
        families[path.stem] = tuple(name for name in spec.variants if name not in files)
    return families


def _variant_family(name: str) -> str | None:
    for family, variants in bundled_families().items():
        if name in variants:
            return family
    return None


def bundled_names() -> list[str]:
    """Names of the bundled specs and of the bundled families' variants, sorted."""
    names = {p.stem for p in _bundled_files()}
    for variants in bundled_families().values():
        names.update(variants)
    return sorted(names)


def _strip_suffix(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def bundled_path(name: str) -> Path | None:
    """The bundled file of that name, or the family file declaring a variant of that name."""
    name = _strip_suffix(name)
    if not name or "/" in name:
        return None
    path = _bundled_dir() / f"{name}.yaml"
    if path.is_file():
        return path
    family = _variant_family(name)
    return _bundled_dir() / f"{family}.yaml" if family else None


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


def load_spec(ref: str, variant: str | None = None, allow_unknown: bool = False) -> Spec:
    """Read and parse the spec ``ref`` names (see :func:`resolve`), with a named variant applied:
    ``variant``, or the one ``ref`` names (a bundled variant's name, or ``FILE@VARIANT``).

    An ONNX model (by its .onnx name or its content) is converted into a spec by costcalc.onnx, so every
    command that takes a spec takes one; ``allow_unknown`` keeps the operators costcalc cannot count as
    zero-cost 'unknown' layers, listed in ``spec.onnx.unknown``, instead of failing.
    """
    from .onnx import is_onnx, looks_like_onnx

    if variant is None and "@" in ref and ref != "-" and not Path(ref).exists():
        ref, _, variant = ref.rpartition("@")
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

            return _no_variant(load_onnx_bytes(data, "<stdin>", allow_unknown=allow_unknown), variant)
        spec = parse_spec(decode(data, "<stdin>"), "<stdin>", "stdin")
    elif is_onnx(path):
        from .onnx import load_onnx

        return _no_variant(load_onnx(path, allow_unknown=allow_unknown), variant)
    else:
        # a file name in bytes UTF-8 cannot decode is shown with escapes (n\xff), never as a lone surrogate
        # that no output format could encode
        spec = parse_spec(read_file(path), shown_path(path), shown_path(path.stem))
        name = _strip_suffix(Path(ref).name)
        if variant is None and not Path(ref).exists() and name != path.stem:
            variant = name  # a bundled family's variant, by its name
    return spec.with_variant(variant) if variant is not None else spec


def _no_variant(spec: Spec, variant: str | None) -> Spec:
    if variant is not None:
        raise SpecError(
            f"an ONNX model has no named variants ('{variant}' asked for)",
            location=Location(spec.file),
            expected="the model file alone (its input dims change with --input)",
        )
    return spec


def shown_path(path: str | Path) -> str:
    return os.fsencode(path).decode("utf-8", "backslashreplace")
