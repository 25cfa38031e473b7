"""The one error type costcalc reports to users: it carries its location and formats itself."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED_ERRORS = 20
MAX_SHOWN = 60  # characters of a user's value quoted in a message


def clip(text: str, limit: int = MAX_SHOWN) -> str:
    """A user's text as quoted in a message: never longer than ``limit`` (values can be huge)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


MAX_CANDIDATES = 5000  # options compared with a misspelt word: bounds the work of every "did you mean"


def nearest(word: str, options: object, n: int = 1) -> list[str]:
    """The options closest to a misspelt ``word`` (for "did you mean ...?"); difflib loads only on error.

    Only options of a similar length can reach difflib's cutoff of 0.6 (2·matches / total length),
    and at most MAX_CANDIDATES of them are compared, so a spec with thousands of names and
    thousands of typos costs linear work.
    """
    import difflib

    word = word[:200]
    size = len(word)
    # ratio ≥ 0.6 needs 2·min(a, b) / (a + b) ≥ 0.6, i.e. the longer at most 7/3 the shorter
    candidates = []
    for option in options:  # type: ignore[attr-defined]
        if 3 * len(option) <= 7 * size and 3 * size <= 7 * len(option):
            candidates.append(option)
            if len(candidates) >= MAX_CANDIDATES:
                break
    return difflib.get_close_matches(word, candidates, n=n, cutoff=0.6)


def describe(value: object) -> str:
    """What a user's value is, for a message: short, and never a repr of a (possibly huge) structure."""
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int) and abs(value) >= 10**30:
        return f"a number of about {int(value.bit_length() * 0.30103):,} digits"  # never formatted whole
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{clip(value)}'"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty (null)"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a spec file; line and column are 1-based, as editors show them.

    A model file without lines (ONNX) names the node instead: "node 12 '/conv1/Conv' (Conv)".
    """

    file: str
    line: int | None = None
    column: int | None = None
    node: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        if self.node is not None:
            parts.append(" " + self.node)
        return ":".join(parts)


PROGRAM = "costcalc"  # an error with no place in a file is said in the program's name, as Unix tools do


class CostcalcError(Exception):
    """Base of every error that is the user's input, not costcalc's bug (CLI exit code 2)."""

    def format(self) -> str:
        return f"{PROGRAM}: error: {self}"


class SpecError(CostcalcError):
    """A problem in a spec, with where it is, which layer, what was found and what was expected.

    Errors are raised deep down (a shape rule knows nothing of files) and located on the way up
    with :meth:`at`, which fills only the fields still empty.
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        layer: str | None = None,
        expected: str | None = None,
        hint: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.layer = layer
        self.expected = expected
        self.hint = hint
        self.notes = notes

    def at(
        self,
        location: Location | None = None,
        *,
        layer: str | None = None,
        notes: tuple[str, ...] = (),
    ) -> SpecError:
        """This error with the location, layer and notes it did not have yet."""
        return SpecError(
            self.message,
            location=self.location or location,
            layer=self.layer or layer,
            expected=self.expected,
            hint=self.hint,
            notes=self.notes + notes,
        )

    def about(self, what: str) -> SpecError:
        """This error said of a particular value: "stride: got 0" (location and layer still to come)."""
        return SpecError(f"{what}: {self.message}", expected=self.expected, hint=self.hint, notes=self.notes)

    def format(self) -> str:
        head = f"{self.location}: " if self.location else f"{PROGRAM}: "
        where = f"layer '{self.layer}': " if self.layer else ""
        text = f"{head}error: {where}{self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f" ({self.hint})"
        for note in self.notes:
            text += f"\n  {note}"
        return text

    def __str__(self) -> str:
        return self.format()


class SpecErrors(CostcalcError):
    """Several independent problems found in one pass, reported together."""

    def __init__(self, errors: list[SpecError], truncated: bool = False) -> None:
        super().__init__(errors[0].message if errors else "no errors")
        self.errors = errors
        self.truncated = truncated

    def format(self) -> str:
        lines = [e.format() for e in self.errors]
        count = len(self.errors)
        if self.truncated:
            lines.append(f"stopped after {count} errors; fix these and run again")
        elif count > 1:
            lines.append(f"{count} errors")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


class ErrorCollector:
    """Gathers independent errors so one run reports them all (up to a limit)."""

    def __init__(self, limit: int = MAX_REPORTED_ERRORS) -> None:
        self.errors: list[SpecError] = []
        self.limit = limit
        self.truncated = False

    def add(self, error: SpecError) -> None:
        if len(self.errors) < self.limit:
            self.errors.append(error)
        else:
            self.truncated = True

    @property
    def full(self) -> bool:
        return len(self.errors) >= self.limit

    def raise_if_any(self) -> None:
        if len(self.errors) == 1 and not self.truncated:
            raise self.errors[0]
        if self.errors:
            raise SpecErrors(self.errors, self.truncated)


class ChartError(CostcalcError):
    """A chart that cannot be drawn here (no matplotlib, unknown format): CLI exit code 2. One class for
    every chart (the layer charts of render/, the roofline of hardware/), so a report leaving a chart out
    catches them all."""
