"""Pausing Python's cyclic garbage collector around the building of large acyclic structures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Parsing and expanding a big spec creates millions of small objects and no reference cycles;
    the collector's repeated full passes over them tripled the time of a 100,000-layer spec.
    Memory is still freed by reference counting while it is paused.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
