"""The clocks the probe and the measurements read.

``wall`` is elapsed time (time.perf_counter): what a user waits, and what other processes on a shared
machine stretch. ``cpu`` is the CPU time of the measuring thread (time.thread_time): with one thread
doing all the work (torch.set_num_threads(1)) it is the latency the run would have on an idle machine,
since time spent waiting for the core while other processes run is not counted (stalls on memory are).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..errors import CostcalcError

CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


class ClockError(CostcalcError):
    """A clock that cannot time what was asked (CLI exit code 2)."""


def clock(name: str, threads: int | None, target: str = "cpu") -> Callable[[], float]:
    if name not in CLOCKS:
        raise ClockError(f"unknown clock '{name}'; expected wall or cpu")
    if name == "cpu" and (threads != 1 or target != "cpu"):
        raise ClockError(
            "the cpu clock times one thread: it needs --threads 1 on the CPU (other threads' or a GPU's work "
            "would not be counted)"
        )
    return CLOCKS[name]
