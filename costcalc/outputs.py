"""Writing reports to files without ever destroying anything.

- A regular file (new or existing) is written whole or not at all: a temporary file in the same
  folder, then renamed over it. A symlink is followed: its target is replaced, the link stays.
- Anything else (a character device such as /dev/null, a FIFO, a socket) is written directly, since
  renaming over it would replace the device itself; /dev/stdout, /dev/stderr and /dev/fd/N write to
  the process's own descriptor (reopening would truncate a file the shell redirected to).
- An output that is one of the command's input files (the same inode) is refused.
- A write error (no space, I/O error, no permission) is an OutputError (CLI exit code 2) and leaves
  no partial regular file behind.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .errors import CostcalcError

_OWN_FD = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")
_STANDARD = {"/dev/stdout": 1, "/dev/stderr": 2}


class OutputError(CostcalcError):
    """A report file could not be written (CLI exit code 2)."""


def shown(path: str | Path) -> str:
    """A path as messages show it (bytes a file system allows but UTF-8 does not, as escapes)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _fail(target: str | Path, exc: OSError | str) -> OutputError:
    reason = exc if isinstance(exc, str) else (exc.strerror or str(exc))
    return OutputError(f"cannot write the report to {shown(target)}: {reason}")


def check_not_input(target: str | Path, inputs: Sequence[str | Path]) -> None:
    """Refuse to write over one of the files the command reads (a report written over its own spec)."""
    try:
        out = os.stat(target)
    except OSError:
        return  # does not exist (yet): it cannot be an input
    for source in inputs:
        try:
            given = os.stat(source)
        except OSError:
            continue
        if (given.st_dev, given.st_ino) == (out.st_dev, out.st_ino):
            raise OutputError(
                f"refusing to write the report to {shown(target)}: it is the input {shown(source)}; "
                "choose another file name"
            )


def write_output(path: str | Path, data: str | bytes, inputs: Sequence[str | Path] = ()) -> None:
    """Write ``data`` (text is UTF-8) to ``path`` as the module's rules say."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    text = os.fspath(path)
    fd = _STANDARD.get(text)
    match = _OWN_FD.fullmatch(text)
    if fd is None and match:
        fd = int(match.group(1))
    if fd is not None:
        _write_descriptor(fd, payload, text)
        return
    check_not_input(path, inputs)
    try:
        info = os.stat(path)  # follows a symlink to what it names
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _fail(path, exc) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise _fail(path, "it is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_special(path, payload)
        return
    target = Path(os.path.realpath(path))  # a symlink's target is what gets replaced; the link stays
    _write_atomic(target, payload, path)


def _write_descriptor(fd: int, payload: bytes, shown_as: str) -> None:
    stream = {1: sys.stdout, 2: sys.stderr}.get(fd)
    try:
        if stream is not None and not getattr(stream, "closed", False):
            stream.flush()
            target = stream.buffer if hasattr(stream, "buffer") else None
            if target is not None:
                target.write(payload)
                target.flush()
            else:
                stream.write(payload.decode("utf-8"))
                stream.flush()
            return
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _fail(shown_as, exc) from None


def _write_special(path: str | Path, payload: bytes) -> None:
    try:
        with open(path, "wb", buffering=0) as stream:
            view = memoryview(payload)
            while view:
                written = stream.write(view)
                if not written:
                    raise OSError(errno.EIO, "nothing was written")
                view = view[written:]
    except OSError as exc:
        raise _fail(path, exc) from None


def _write_atomic(target: Path, payload: bytes, given: str | Path) -> None:
    folder = target.parent
    if not folder.is_dir():
        raise _fail(given, f"the folder {shown(folder)} does not exist")
    temp_name = None
    try:
        # a short fixed-size name: the target's own name may already be NAME_MAX long
        fd, temp_name = tempfile.mkstemp(prefix=".costcalc-", suffix=".tmp", dir=folder)
        os.fchmod(fd, _mode_for(target))  # mkstemp makes owner-only files; a report is an ordinary file
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
        temp_name = None
    except OSError as exc:
        raise _fail(given, exc) from None
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
