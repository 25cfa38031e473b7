"""The protobuf wire format, read in place: fields of a message as offsets into a buffer, nothing copied.

ONNX files are protobuf messages. Reading them needs only varints and length-delimited fields;
weights are length-delimited byte strings that the reader steps over by their length, so of a
100 MB file only the blocks holding message headers are read (FileBuffer). Every length is
checked against the end of the message that holds it (and so against the file size), and varints
are at most 10 bytes: a truncated or corrupt file is a :class:`WireError`, never an overrun.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

VARINT, FIXED64, LENGTH, FIXED32 = 0, 1, 2, 5  # the wire types ONNX uses (3 and 4, groups, are obsolete)

Buffer = Any  # bytes, or a FileBuffer: anything indexable by int and sliceable to bytes


class FileBuffer:
    """A file read on demand in blocks, a few kept: indexable and sliceable like bytes.

    Not a memory map: a fault on a mapped file brings in the page cache's whole (large) folio around
    the header read, weights included, and that counts as resident memory; blocks read with pread
    are small and dropped.
    """

    BLOCK = 1 << 16
    KEPT = 16

    def __init__(self, fd: int, size: int) -> None:
        self.fd, self.size = fd, size
        self.blocks: dict[int, bytes] = {}

    def __len__(self) -> int:
        return self.size

    def block(self, number: int) -> bytes:
        data = self.blocks.get(number)
        if data is None:
            if len(self.blocks) >= self.KEPT:
                self.blocks.clear()
            data = self.blocks[number] = os.pread(self.fd, self.BLOCK, number * self.BLOCK)
        return data

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, _ = index.indices(self.size)
            if stop <= start:
                return b""
            first, last = start // self.BLOCK, (stop - 1) // self.BLOCK
            if first == last:
                offset = first * self.BLOCK
                return self.block(first)[start - offset : stop - offset]
            if stop - start > 4 * self.BLOCK:  # a large range (a weight's values): one read, not cached
                return os.pread(self.fd, stop - start, start)
            data = b"".join(self.block(n) for n in range(first, last + 1))
            return data[start - first * self.BLOCK : stop - first * self.BLOCK]
        if not 0 <= index < self.size:
            raise IndexError(index)
        return self.block(index // self.BLOCK)[index % self.BLOCK]


class WireError(Exception):
    """The bytes are not a well-formed protobuf message: ``offset`` is where reading failed."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def varint(buf: Buffer, pos: int, end: int) -> tuple[int, int]:
    """The unsigned varint at ``pos`` and the position after it."""
    if pos < end:  # the common case: one byte
        byte = buf[pos]
        if byte < 0x80:
            return byte, pos + 1
    result = shift = 0
    start = pos
    while True:
        if pos >= end:
            raise WireError(start, "a number runs past the end of its message (truncated file?)")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift >= 70:
            raise WireError(start, "a number is longer than 10 bytes (not a protobuf message)")


def signed64(value: int) -> int:
    """An int64 field's varint as a signed number (negative numbers are written as 10-byte two's complement)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def fields(buf: Buffer, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(field number, wire type, a, b) for each field of the message in buf[start:end].

    For a varint, ``a`` is its value; for fixed and length-delimited fields, buf[a:b] holds the bytes.
    """
    pos = start
    while pos < end:
        at = pos
        tag, pos = varint(buf, pos, end)
        number, wire = tag >> 3, tag & 7
        if number == 0:
            raise WireError(at, "a field numbered 0 (not a protobuf message)")
        if wire == VARINT:
            value, pos = varint(buf, pos, end)
            yield number, wire, value, 0
        elif wire == LENGTH:
            length, pos = varint(buf, pos, end)
            stop = pos + length
            if stop > end:
                raise WireError(
                    at, f"field {number} declares {length:,} bytes, {stop - end:,} more than its message holds"
                )
            yield number, wire, pos, stop
            pos = stop
        elif wire == FIXED32 or wire == FIXED64:
            stop = pos + (4 if wire == FIXED32 else 8)
            if stop > end:
                raise WireError(at, f"field {number} runs past the end of its message (truncated file?)")
            yield number, wire, pos, stop
            pos = stop
        else:
            raise WireError(at, f"field {number} has wire type {wire}, which protobuf 3 never writes")


def packed_varints(buf: Buffer, start: int, end: int) -> list[int]:
    """The varints of a packed repeated field, in buf[start:end]."""
    out = []
    pos = start
    while pos < end:
        value, pos = varint(buf, pos, end)
        out.append(value)
    return out


def text(buf: Buffer, start: int, end: int) -> str:
    """A string field: UTF-8, with anything undecodable shown as U+FFFD rather than refused."""
    return bytes(buf[start:end]).decode("utf-8", "replace")
