"""Writing report files safely: all or nothing, with a clear error when the path cannot be written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import CostcalcError


class OutputError(CostcalcError):
    """A report file could not be written (CLI exit code 2)."""


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename it.

    A failure at any point (missing folder, no permission, full disk) leaves no partial file
    behind and any existing file untouched.
    """
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise OutputError(f"cannot write the report to {target}: it is a folder")
    if not folder.is_dir():
        raise OutputError(f"cannot write the report to {target}: the folder {folder} does not exist")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    temp_name = None
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
        os.fchmod(fd, _mode_for(target))  # mkstemp makes owner-only files; a report is an ordinary file
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
        temp_name = None
    except OSError as exc:
        raise OutputError(f"cannot write the report to {target}: {exc.strerror or exc}") from None
    finally:
        if temp_name is not None:
            try:
                os.unlink(temp_name)
            except OSError:
                pass


def _mode_for(target: Path) -> int:
    """An existing file keeps its mode; a new one gets what the umask allows of rw-rw-rw-."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
