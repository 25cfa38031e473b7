"""What a layer kind is (parameters, shape rule, cost rule) and the registry that finds kinds by name."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import CostcalcError, SpecError, clip, describe, nearest

if TYPE_CHECKING:
    from fractions import Fraction  # only receptive fields need fractions: not imported on every start-up

Shape = tuple[int, ...]  # (H, W, C) channels last, or (N,) for a flat vector; batch not included
Number = int | float | bool
Evaluate = Callable[[str], Number]  # turns an expression string into a number, in the right scope
Params = Mapping[str, Any]

MAX_DIM = 1 << 24  # per axis; anything larger is a typo, not a network


@dataclass(frozen=True, slots=True)
class Cost:
    """One layer's costs at batch 1: plain integers under the documented convention."""

    params: int = 0
    non_trainable: int = 0
    macs: int = 0
    other_ops: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(
            self.params + other.params,
            self.non_trainable + other.non_trainable,
            self.macs + other.macs,
            self.other_ops + other.other_ops,
        )


NO_COST = Cost()


@dataclass(frozen=True, slots=True)
class Access:
    """What one layer moves at inference, batch 1, in elements: the kind's answer for the hardware view.

    ``reads``: activation elements it reads from its inputs; ``writes``: elements it writes to its output
    (each tensor moved once; a fused batch norm or activation works on the output before it is written);
    ``weights``: each multiplicative weight tensor (kernel) as (elements, output channels), the part that
    quantization shrinks and per-channel scales attach to; ``bias``: bias elements; ``fused_norm``: the
    channels of a fused batch norm (bn: true), whose stored values fold into a bias in an integer model;
    ``fused``: each elementwise operation fused onto the output (batch norm, then the activation) as
    (its kind, its other ops), for a runtime that runs them as passes of their own.
    The layer's other stored values (batch-norm γ, β and running stats, PReLU slopes) are its params and
    non-trainable values less the kernels and bias.
    """

    reads: int
    writes: int
    weights: tuple[tuple[int, int], ...] = ()
    bias: int = 0
    fused_norm: int = 0
    fused: tuple[tuple[str, int], ...] = ()


# ---------------------------------------------------------------- values -> typed parameters


def to_number(raw: Any, evaluate: Evaluate, expected: str = "a number") -> Number:
    if isinstance(raw, (bool, int, float)):
        return raw
    if isinstance(raw, str):
        value = evaluate(raw)
        if isinstance(value, str):
            raise SpecError(f"'{raw}' is the word '{value}'", expected=expected)
        return value
    raise SpecError(f"got {describe(raw)}", expected=expected)


# other names people write for a word costcalc knows under one name (activation: swish is silu)
WORD_ALIASES: dict[str, str] = {"swish": "silu", "hardswish": "hard_swish", "hardsigmoid": "hard_sigmoid"}


def to_word(raw: Any, evaluate: Evaluate, options: Sequence[str]) -> str:
    """One of ``options``, written directly or passed through a block argument or var; a known
    alias (swish) is its option's name; a misspelt word gets a did-you-mean."""
    word = None
    if isinstance(raw, str):
        if raw in options:
            return raw
        try:
            value = evaluate(raw)
        except SpecError:
            value = None
        word = value if isinstance(value, str) else raw if raw.strip().isidentifier() else None
        if word in options:
            return word
        if word is not None and WORD_ALIASES.get(word) in options:
            return WORD_ALIASES[word]
    close = nearest(word, options) if word is not None else []
    hint = f"did you mean '{close[0]}'?" if close else None
    raise SpecError(f"got {describe(raw)}", expected="one of " + ", ".join(options), hint=hint)


def to_int(raw: Any, evaluate: Evaluate, minimum: int = 1, what: str = "a whole number") -> int:
    if type(raw) is int and minimum <= raw <= MAX_DIM:
        return raw  # the common case: a plain number in range
    value = to_number(raw, evaluate, what)
    if isinstance(value, bool):
        raise SpecError(f"got {describe(value)}", expected=what)
    if isinstance(value, float):
        if not value.is_integer():
            raise SpecError(
                f"{clip(repr(raw))} gives {value}, not a whole number",
                expected=what,
                hint="wrap it in int(), round() or make_divisible()",
            )
        value = int(value)
    if value < minimum:
        raise SpecError(f"got {value}", expected=f"{what} ≥ {minimum}")
    if value > MAX_DIM:
        raise SpecError(f"got {value:,}", expected=f"{what} ≤ {MAX_DIM:,}")
    return value


def to_bool(raw: Any, evaluate: Evaluate) -> bool:
    if raw is True or raw is False:
        return raw
    value = raw if isinstance(raw, bool) else to_number(raw, evaluate, "true or false")
    if not isinstance(value, bool):
        raise SpecError(f"got {describe(value)}", expected="true or false")
    return value


def _no_scope(text: str) -> Number:
    raise SpecError(f"a default cannot be an expression ('{text}')")


class Param:
    """One parameter of a layer kind: how a raw YAML value becomes a typed value, and its default."""

    REQUIRED: ClassVar[object] = object()

    def __init__(self, convert: Callable[[Any, Evaluate], Any], default: Any = REQUIRED, doc: str = "") -> None:
        self.convert = convert
        # defaults are written as in a spec (kernel: 1) and typed once here, like any value
        self.default = default if default is Param.REQUIRED or default is None else convert(default, _no_scope)
        self.doc = doc

    @property
    def required(self) -> bool:
        return self.default is Param.REQUIRED


def positive_int(raw: Any, evaluate: Evaluate) -> int:
    return to_int(raw, evaluate, 1)


def non_negative_int(raw: Any, evaluate: Evaluate) -> int:
    return to_int(raw, evaluate, 0, "a whole number")


def boolean(raw: Any, evaluate: Evaluate) -> bool:
    return to_bool(raw, evaluate)


def pair(minimum: int) -> Callable[[Any, Evaluate], tuple[int, int]]:
    """An int for both axes, or [height, width]."""

    def convert(raw: Any, evaluate: Evaluate) -> tuple[int, int]:
        if type(raw) is int and minimum <= raw <= MAX_DIM:
            return (raw, raw)
        if isinstance(raw, list):
            if len(raw) != 2:
                raise SpecError(f"got {describe(raw)}", expected="one number or [height, width]")
            return (to_int(raw[0], evaluate, minimum), to_int(raw[1], evaluate, minimum))
        value = to_int(raw, evaluate, minimum)
        return (value, value)

    return convert


positive_pair = pair(1)
non_negative_pair = pair(0)


def padding(keywords: Sequence[str] = ("same", "valid")) -> Callable[[Any, Evaluate], Any]:
    """'same', 'valid', an int, [h, w] or [top, bottom, left, right] -> keyword or 4-tuple."""

    def convert(raw: Any, evaluate: Evaluate) -> str | tuple[int, int, int, int]:
        if isinstance(raw, str) and keywords:
            try:
                word = to_word(raw, evaluate, keywords)
            except SpecError:
                pass
            else:
                return (0, 0, 0, 0) if word == "valid" else word
        if isinstance(raw, list):
            values = [to_int(v, evaluate, 0, "a padding") for v in raw]
            if len(values) == 2:
                return (values[0], values[0], values[1], values[1])
            if len(values) == 4:
                return (values[0], values[1], values[2], values[3])
            raise SpecError(
                f"got {describe(raw)}",
                expected="padding as one number, [h, w] or [top, bottom, left, right]",
            )
        try:
            value = to_int(raw, evaluate, 0, "a padding")
        except SpecError as exc:
            if isinstance(raw, str):
                words = ", ".join(f"'{k}'" for k in keywords)  # none for zero_pad: its padding is numbers only
                detail = "" if raw.strip().isidentifier() else f": {exc.message}"
                close = nearest(raw.strip(), keywords) if raw.strip().isidentifier() else []
                forms = "a number, [h, w] or [top, bottom, left, right]"
                raise SpecError(
                    f"padding '{clip(raw)}' is not {words + ' or ' if words else ''}a number{detail}",
                    expected=f"{words}, {forms}" if words else forms,
                    hint=f"did you mean '{close[0]}'?" if close else None,
                ) from None
            raise
        return (value, value, value, value)

    return convert


def number(minimum: float | None = None, maximum: float | None = None) -> Callable[[Any, Evaluate], float]:
    def convert(raw: Any, evaluate: Evaluate) -> float:
        value = to_number(raw, evaluate)
        if isinstance(value, bool):
            raise SpecError(f"got {describe(value)}", expected="a number")
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            low = "-∞" if minimum is None else minimum
            high = "∞" if maximum is None else maximum
            raise SpecError(f"got {value}", expected=f"a number in [{low}, {high}]")
        return float(value)

    return convert


def choice(*options: str) -> Callable[[Any, Evaluate], str]:
    def convert(raw: Any, evaluate: Evaluate) -> str:
        return to_word(raw, evaluate, options)

    return convert


def fused_activation(raw: Any, evaluate: Evaluate) -> str | None:
    """The name of an activation kind to apply to the output, or none."""
    if raw is None or raw is False:
        return None
    if type(raw) is str:  # the common case, read for every conv of every graph: a fusable kind's name
        kind = KINDS.get(raw)
        if kind is not None and kind.fusable:
            return raw
    names = ["none", *sorted(name for name, k in KINDS.items() if k.fusable)]
    word = to_word(raw, evaluate, names)
    return None if word == "none" else word


# ---------------------------------------------------------------- shapes


def fmt_shape(shape: Shape) -> str:
    return "×".join(str(d) for d in shape)


def elements(shape: Shape) -> int:
    return math.prod(shape)


def spatial(shape: Shape, kind: str) -> tuple[int, int, int]:
    """(H, W, C) of an image-like input, or a clear error for a flat vector."""
    if len(shape) != 3:
        raise SpecError(
            f"{kind} needs an H×W×C input, got a flat vector of {fmt_shape(shape)}",
            hint="put it before the flatten / fc layers",
        )
    return shape  # type: ignore[return-value]


# ---------------------------------------------------------------- receptive-field windows


@dataclass(frozen=True, slots=True)
class Window:
    """How one output position reads its input, per axis (height, width), for receptive fields.

    ``span``: how many neighbouring input positions one output reads (a dilated kernel's d·(f − 1) + 1);
    ``stride``: input positions between neighbouring outputs (a fraction when the layer upsamples);
    ``offset``: the input position where the first output's window starts (−padding before: padding
    shifts the field, it does not change its size);
    ``whole``: the output reads every input position (fully connected, global pools).
    """

    span: tuple[int, int] = (1, 1)
    stride: tuple[int | Fraction, int | Fraction] = (1, 1)
    offset: tuple[int | Fraction, int | Fraction] = (0, 0)
    whole: bool = False


WHOLE_INPUT = Window(whole=True)


# ---------------------------------------------------------------- PyTorch equivalents, as plain data


@dataclass(frozen=True)
class Part:
    """One PyTorch module a layer is built of: a class name and its arguments, no torch import needed.

    ``cls`` names a torch.nn class, or a helper class of costcalc.torch.modules (merges, channel slices);
    costcalc.torch turns parts into modules and into code, so the two cannot disagree.
    """

    cls: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


class NoTorchEquivalent(CostcalcError):
    """A layer PyTorch cannot express as costcalc counts it (CLI exit code 2)."""


# the key under which a layer's resolved geometry is kept in its typed params: a windows.Window2d for
# sliding windows (convs, pools), the four cuts (top, bottom, left, right) for a crop
GEOMETRY = "geometry"


def with_geometry(p: Params, geometry: Any) -> Params:
    """``p`` holding ``geometry`` (see LayerKind.resolve): a dict never resolved before takes it in place
    (no layer holds it yet); one that holds an equal geometry is shared; otherwise a copy."""
    if GEOMETRY not in p:
        p[GEOMETRY] = geometry  # type: ignore[index]
        return p
    if p[GEOMETRY] == geometry:  # the repetitions of an entry on equal inputs share one dict
        return p
    return {**p, GEOMETRY: geometry}


# ---------------------------------------------------------------- kinds and their registry


class LayerKind:
    """A kind of layer. Subclasses set the class attributes and define shape and cost rules.

    ``output_shape`` and ``cost`` are small pure functions of the typed parameters and the input
    shapes (batch excluded); they raise SpecError (without location) for a shape that cannot work.
    """

    name: ClassVar[str]
    summary: ClassVar[str]
    params: ClassVar[dict[str, Param]] = {}
    min_inputs: ClassVar[int] = 1
    max_inputs: ClassVar[int | None] = 1
    fusable: ClassVar[bool] = False  # may be named in another layer's `activation:`
    internal: ClassVar[bool] = False  # not writable in a spec (the network input)
    # may write its output over its input when nothing else reads that input later (ReLU(inplace=True)):
    # used by the peak-memory estimate with in-place activations
    in_place: ClassVar[bool] = False
    # a view of its input (flatten, a channel slice, an inactive dropout): moves no data of its own
    view: ClassVar[bool] = False

    def resolve(self, p: Params, inputs: Sequence[Shape]) -> Params:
        """The typed params with what depends on the input worked out once (a window's stride, padding,
        spans: see windows.Window2d), before the shape rule runs; every later reader uses that.
        The graph calls it right after typing the params; most kinds have nothing to resolve.
        Use ``with_geometry``: layers sharing a dict never see each other's geometry."""
        return p

    def output_shape(self, p: Params, inputs: Sequence[Shape]) -> Shape:
        raise NotImplementedError

    def cost(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Cost:
        raise NotImplementedError

    def torch(self, p: Params, inputs: Sequence[Shape], out: Shape) -> list[Part]:
        """The PyTorch modules that compute this layer as costcalc counts it (NCHW), in order."""
        raise NoTorchEquivalent(f"no PyTorch module for layer kind '{self.name}'")

    def __init__(self) -> None:
        # worked out once: read for every layer of every spec
        self.required = tuple(n for n, prm in self.params.items() if prm.required)
        self.default_values = {n: prm.default for n, prm in self.params.items() if not prm.required}

    def defaults(self) -> dict[str, Any]:
        return dict(self.default_values)

    def group(self, p: Params) -> str:
        """The row a layer joins in a breakdown by kind (`--by kind`): a label, for display only."""
        return self.name

    def kernel(self, p: Params) -> tuple[int, ...] | None:
        """The kernel of a windowed kind (conv, pools), as data; None for the others."""
        return None

    def notes(self, p: Params) -> list[str]:
        """What explain should add about this layer's resolved parameters (how 'same' padding came out)."""
        return []

    def window(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Window | None:
        """How an output position reads the input, for receptive fields; None: position by position
        (elementwise layers, merges, channel operations), so the field is the inputs' widest."""
        return None

    def weight_tensors(self, p: Params, inputs: Sequence[Shape], out: Shape) -> tuple[tuple[int, int], ...]:
        """Its multiplicative weight tensors as (elements, output channels); none for most kinds."""
        return ()

    def access(self, p: Params, inputs: Sequence[Shape], out: Shape) -> Access:
        """Memory traffic at inference (see Access): every input read once, the output written once,
        the weights read once; a view moves nothing (its reader reads the tensor it views)."""
        if self.view:
            return Access(0, 0)
        weights = self.weight_tensors(p, inputs, out)
        channels = out[-1]
        return Access(
            sum(elements(s) for s in inputs),
            elements(out),
            weights,
            channels if weights and p.get("bias") else 0,
            channels if p.get("bn") else 0,
            fused_ops(p, out),
        )

    def data_inputs(self, p: Params, count: int) -> range:
        """The inputs whose values the output is computed from (for receptive fields): all of them, except
        for kinds that read another input's shape only (a crop to match another tensor)."""
        return range(count)


KINDS: dict[str, LayerKind] = {}


def register(cls: type[LayerKind]) -> type[LayerKind]:
    """Class decorator: make a kind findable by name. Registering a name twice is a bug."""
    if cls.name in KINDS:
        raise RuntimeError(f"layer kind '{cls.name}' is registered twice")
    KINDS[cls.name] = cls()
    return cls


def fused_cost(p: Params, out: Shape) -> Cost:
    """The cost of a batch norm and/or activation fused into a conv or fc layer's output."""
    total = NO_COST
    if p.get("bn"):
        bn = KINDS["batch_norm"]
        total += bn.cost(bn.defaults(), (out,), out)
    activation = p.get("activation")
    if activation:
        kind = KINDS[activation]
        total += kind.cost(kind.defaults(), (out,), out)
    return total


def fused_parts(p: Params, out: Shape) -> list[Part]:
    """The PyTorch modules of a batch norm and/or activation fused into a conv or fc layer's output."""
    parts: list[Part] = []
    if p.get("bn"):
        bn = KINDS["batch_norm"]
        parts += bn.torch(bn.defaults(), (out,), out)
    activation = p.get("activation")
    if activation:
        kind = KINDS[activation]
        parts += kind.torch(kind.defaults(), (out,), out)
    return parts


def fused_ops(p: Params, out: Shape) -> tuple[tuple[str, int], ...]:
    """Each operation fused onto a layer's output, its batch norm then its activation: (kind, other ops)."""
    ops = []
    for name in ("batch_norm" if p.get("bn") else None, p.get("activation")):
        if name:
            kind = KINDS[name]
            ops.append((name, kind.cost(kind.defaults(), (out,), out).other_ops))
    return tuple(ops)


FUSED_PARAMS: dict[str, Param] = {
    "bn": Param(boolean, False, "batch norm on the output (γ, β trainable; running mean, var not)"),
    "activation": Param(fused_activation, None, "an activation applied to the output"),
}
