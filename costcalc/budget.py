"""Budget gates: limits such as 600M MACs or 50MB of activations, and which of them a network exceeds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import CostcalcError

COUNT_UNITS = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}  # decimal, as counts are quoted
BYTE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,  # decimal (SI)
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,  # binary (IEC)
}
_VALUE = re.compile(r"\s*([0-9][0-9_]*(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*")


class BudgetError(CostcalcError):
    """A budget that cannot be read (CLI exit code 2)."""


@dataclass(frozen=True)
class Budget:
    field: str  # a field of Totals
    option: str  # the command-line option
    label: str
    bytes: bool  # read with byte units (KB, MiB, ...) rather than count units (K, M, ...)


BUDGETS: tuple[Budget, ...] = (
    Budget("params", "--max-params", "params", False),
    Budget("macs", "--max-macs", "MACs", False),
    Budget("flops", "--max-flops", "FLOPs", False),
    Budget("activations", "--max-activations", "activations", False),
    Budget("param_bytes", "--max-param-bytes", "param bytes", True),
    Budget("activation_bytes", "--max-activation-bytes", "activation bytes", True),
    Budget("peak_memory", "--max-peak-memory", "peak memory", True),
)


def parse_amount(text: str, budget: Budget) -> int:
    """'5M' -> 5,000,000; '50MB' -> 50,000,000; '50MiB' -> 52,428,800; '1.5G' -> 1,500,000,000."""
    units = BYTE_UNITS if budget.bytes else COUNT_UNITS
    match = _VALUE.fullmatch(text)
    unit = match.group(2).upper() if match else ""
    if not match or unit not in units:
        shown = "5M, 1.5G, 600000" if not budget.bytes else "50MB, 1.5GiB, 2048"
        raise BudgetError(
            f"{budget.option} {text!r} is not an amount; expected a number with an optional "
            f"unit ({', '.join(u for u in units if u)}), e.g. {shown}"
        )
    try:
        value = Decimal(match.group(1).replace("_", "")) * units[unit]
    except InvalidOperation:
        raise BudgetError(f"{budget.option} {text!r} is not a number") from None
    if value != value.to_integral_value():  # one rule for counts and bytes: nothing is rounded silently
        what = "bytes" if budget.bytes else budget.label
        raise BudgetError(
            f"{budget.option} {text!r} is {value.normalize():f} {what}, not a whole number; "
            f"write a whole number of {what} (e.g. {int(value):,}) or a unit that gives one"
        )
    return int(value)
