"""ONNX models in costcalc: read a .onnx file (weights never loaded) into a spec, and write it out as YAML.

    >>> from costcalc.onnx import load_onnx
    >>> spec = load_onnx("resnet50.onnx")          # a Spec: analyse it like any other
    >>> spec.onnx.stored_params                    # what the file stores, and more (OnnxInfo)

Nothing here needs the `onnx` package: the file is read by a small protobuf reader (wire.py) in small
blocks, so only the bytes of the graph's messages are read, not the weights.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import Location, SpecError

SUFFIX = ".onnx"
MAX_FILE = (1 << 31) - 1  # protobuf's limit for one message: larger models keep their weights in external files


def looks_like_onnx(head: bytes) -> bool:
    """The first bytes of a serialized ModelProto: field 1 (ir_version, a small varint) comes first.

    No text file starts with byte 0x08, so this never mistakes a YAML spec for a model.
    """
    return len(head) >= 2 and head[0] == 0x08 and 0 < head[1] < 0x80


def is_onnx(path: Path) -> bool:
    """A .onnx file, or a file whose content is an ONNX model whatever its name."""
    if path.suffix.lower() == SUFFIX:
        return True
    try:
        with path.open("rb") as stream:
            return looks_like_onnx(stream.read(2))
    except OSError:
        return False


def _error(file: str, message: str, expected: str | None = None, hint: str | None = None) -> SpecError:
    return SpecError(message, location=Location(file), expected=expected, hint=hint)


def read_model(data: Any, file: str) -> Any:
    """Parse ``data`` (bytes or a memory map) as a ModelProto, with errors naming the file."""
    from .proto import read_model as parse
    from .wire import WireError

    if len(data) == 0:
        raise _error(file, "the file is empty", expected="an ONNX model")
    if not looks_like_onnx(bytes(data[:2])):
        raise _error(
            file,
            "not an ONNX model: it does not start as a serialized ModelProto does",
            expected="an ONNX file (as torch.onnx.export or tf2onnx write it)",
        )
    try:
        return parse(data, len(data))
    except WireError as exc:
        raise _error(
            file,
            f"not a valid ONNX file (truncated or corrupt): at byte {exc.offset:,} of {len(data):,}: {exc.message}",
            expected="a complete ONNX model file",
        ) from None
    except RecursionError:  # pragma: no cover - the reader does not recurse
        raise _error(file, "not a valid ONNX file: nested too deeply") from None


def load_onnx(path: str | Path, input_dims: tuple[int, ...] | None = None, allow_unknown: bool = False) -> Any:
    """The ONNX model at ``path`` as an :class:`~costcalc.onnx.convert.OnnxSpec`.

    ``input_dims`` fixes or changes the input: all dims in the file's order (N×C×H×W), or
    costcalc's H×W×C, H×W or one size. Without them, a model whose input dims are symbolic comes
    back waiting for them (build_graph with an input shape converts it; without, it raises why).
    ``allow_unknown`` keeps operators costcalc cannot count as
    zero-cost layers of kind 'unknown' (listed in ``spec.onnx.unknown``) instead of failing.
    """
    from .convert import convert, convert_or_wait

    file = str(path)
    try:
        with open(path, "rb") as stream:
            size = stream.seek(0, 2)
            if size == 0:
                raise _error(file, "the file is empty", expected="an ONNX model")
            if size > MAX_FILE:
                raise _error(
                    file,
                    f"the file is {size / 2**30:.1f} GiB, over protobuf's 2 GiB limit for one message",
                    expected="an ONNX model under 2 GiB",
                    hint="models this large keep their weights in external data files (onnx.save_model(..., "
                    "save_as_external_data=True)); costcalc reads the .onnx and never needs the data files",
                )
            # read in small blocks, the file kept open while the spec may need a constant's values
            from .wire import FileBuffer  # only an ONNX file pays for the reader: every YAML spec asks is_onnx

            data: Any = FileBuffer(os.dup(stream.fileno()), size)
    except IsADirectoryError:
        raise _error(file, "this is a folder, not a model file", expected="a .onnx file") from None
    except OSError as exc:
        raise _error(file, f"cannot read the file: {exc.strerror or exc}") from None
    if input_dims is None:
        return convert_or_wait(read_model(data, file), file, allow_unknown)
    return convert(read_model(data, file), file, input_dims, allow_unknown)


def load_onnx_bytes(
    data: bytes, file: str = "<bytes>", input_dims: tuple[int, ...] | None = None, allow_unknown: bool = False
) -> Any:
    """An ONNX model held in memory (standard input, or an export from PyTorch)."""
    from .convert import convert, convert_or_wait

    if input_dims is None:
        return convert_or_wait(read_model(data, file), file, allow_unknown)
    return convert(read_model(data, file), file, input_dims, allow_unknown)


def __getattr__(name: str) -> Any:
    if name in ("OnnxSpec", "OnnxInfo", "UnknownNode", "FoldedNorm"):
        from . import convert

        return getattr(convert, name)
    raise AttributeError(f"module 'costcalc.onnx' has no attribute '{name}'")


__all__ = ["is_onnx", "load_onnx", "load_onnx_bytes", "looks_like_onnx", "read_model"]
