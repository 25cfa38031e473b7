"""What a convention is: a tool's name and labels, and one rule per layer kind saying what the tool counts
for a layer, written as costcalc's own figures plus named differences (the causes of every gap).

A rule returns :class:`Terms`: the tool's params and its figure (MACs, FLOPs, mult-adds) for the layer as
sums of (cause, count). The ``macs`` cause is always costcalc's MACs and the ``params`` cause costcalc's
params, so what is left is the difference between the two conventions, split by cause, and it sums to
the gap exactly by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from ..errors import CostcalcError
from ..layers import KINDS, Cost, Shape, elements
from ..layers.base import NO_COST, Params, fused_cost


class ConventionError(CostcalcError):
    """A convention cannot say what its tool counts for this network (CLI exit code 2)."""


# ---------------------------------------------------------------- causes

MACS = "macs"
PARAMS = "params"

# key -> what it is, in words: the rows of a reconciliation
CAUSES: dict[str, str] = {
    MACS: "conv and fc multiply-accumulates (costcalc's MACs)",
    PARAMS: "parameters (costcalc's params)",
    "fma": "FMA counted as 2 FLOPs",
    "bias_adds": "bias adds",
    "batch_norm": "batch norm",
    "normalization": "layer/group/instance norm",
    "lrn": "local response norm",
    "activations": "activations",
    "softmax": "softmax",
    "pooling": "pooling",
    "upsampling": "upsampling",
    "residual_adds": "residual adds",
    "multiplies": "elementwise multiplies",
    "transposed": "transposed conv per output",
    "positions_once": "linear once, not per position",
    "not_counted": "conv/fc products not seen",
    "dead_branch": "dead branch (not traced)",
    "per_image": "per image (÷ batch)",
    "bn_statistics": "BN running mean, variance",
    "params_without_rule": "params of unhooked modules",
}


@dataclass(frozen=True)
class Terms:
    """A tool's params and its figure for some layers, each a sum of (cause, count)."""

    params: Mapping[str, int] = field(default_factory=dict)
    count: Mapping[str, int] = field(default_factory=dict)

    def __add__(self, other: Terms) -> Terms:
        return Terms(_merge(self.params, other.params), _merge(self.count, other.count))

    def scaled(self, factor: int) -> Terms:
        """The count for ``factor`` images (params do not grow with the batch)."""
        return Terms(self.params, {k: v * factor for k, v in self.count.items()})

    @property
    def total_params(self) -> int:
        return sum(self.params.values())

    @property
    def total_count(self) -> int:
        return sum(self.count.values())


def _merge(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return out


def total(items: Iterable[Terms]) -> Terms:
    params: dict[str, int] = {}
    count: dict[str, int] = {}
    for item in items:
        for key, value in item.params.items():
            params[key] = params.get(key, 0) + value
        for key, value in item.count.items():
            count[key] = count.get(key, 0) + value
    return Terms(params, count)


def terms(params: Mapping[str, int] | None = None, **count: int) -> Terms:
    """Terms with the zero counts left out (a layer's row lists what it has)."""
    return Terms({k: v for k, v in (params or {}).items() if v}, {k: v for k, v in count.items() if v or k == MACS})


NOTHING = Terms()


# ---------------------------------------------------------------- how a layer is written in PyTorch


class Call(StrEnum):
    """How the PyTorch code computes a part of a layer: what decides whether a hook-based tool sees it."""

    MODULE = "module"  # the torch.nn class itself: hooks and lookups by type see it
    SUBCLASS = (
        "subclass"  # a subclass of a torch.nn class (costcalc's channels-last Linear): lookups by exact type miss it
    )
    HELPER = "helper"  # a module of its own that no tool has a rule for (costcalc's StochasticDepth)
    FUNCTIONAL = "functional"  # a torch.nn.functional call inside forward(): no module hook sees it
    OPERATOR = "operator"  # a Python operator or an index on tensors (x + y, out += identity, x * s, x[:, a:b])


ROLES = ("layer", "bn", "activation")  # the layer's own op, and its fused batch norm and activation


@dataclass(frozen=True)
class LayerView:
    """One layer as a rule sees it: its kind, typed params and shapes (batch 1), costcalc's own cost, and
    how its PyTorch code computes each part (``calls``: role -> Call)."""

    name: str
    kind: str
    p: Params
    inputs: tuple[Shape, ...]
    out: Shape
    cost: Cost  # costcalc's, the fused batch norm and activation included
    calls: Mapping[str, Call]
    contiguous: bool | None = None  # a linear's input reaches PyTorch's linear contiguous (None: not known)
    batch: int = 1  # images in the batch the tool is run on: rules count for all of them

    def call(self, role: str = "layer") -> Call:
        return self.calls.get(role, Call.MODULE)

    @property
    def macs(self) -> int:
        """costcalc's MACs of the layer's own op for the whole batch: the ``macs`` term of every rule."""
        return self.own.macs * self.batch

    @property
    def out_elements(self) -> int:
        return elements(self.out)

    @property
    def in_elements(self) -> int:
        return elements(self.inputs[0])

    @property
    def bias_adds(self) -> int:
        """One add per output element when the layer has a bias (every kind with a bias adds it so)."""
        return self.out_elements if self.p.get("bias") else 0

    @property
    def own(self) -> Cost:
        """costcalc's cost of the layer without its fused batch norm and activation."""
        if not (self.p.get("bn") or self.p.get("activation")):
            return self.cost
        fused = fused_cost(self.p, self.out)
        return Cost(
            self.cost.params - fused.params,
            self.cost.non_trainable - fused.non_trainable,
            self.cost.macs - fused.macs,
            self.cost.other_ops - fused.other_ops,
        )

    def fused(self) -> list[LayerView]:
        """The fused batch norm and activation, each as a layer of its own on the output."""
        parts = []
        for role, kind in (
            ("bn", "batch_norm" if self.p.get("bn") else None),
            ("activation", self.p.get("activation")),
        ):
            if kind is None:
                continue
            spec = KINDS[kind]
            p = spec.defaults()
            cost = spec.cost(p, (self.out,), self.out)
            calls = {"layer": self.call(role)}
            parts.append(
                LayerView(f"{self.name} ({role})", kind, p, (self.out,), self.out, cost, calls, None, self.batch)
            )
        return parts


# ---------------------------------------------------------------- rules and conventions


@dataclass(frozen=True)
class Rule:
    """What a tool counts for one kind of layer: the counting function and the rule in words."""

    count: Callable[[LayerView], Terms]
    text: str


def own_params(layer: LayerView) -> dict[str, int]:
    return {PARAMS: layer.own.params}


def same_params(layer: LayerView, **count: int) -> Terms:
    """The tool counts the layer's own params as costcalc does, costcalc's MACs, and ``count`` more."""
    return terms(own_params(layer), macs=layer.macs, **count)


def nothing(layer: LayerView) -> Terms:
    """No work counted, and the params costcalc counts."""
    return terms(own_params(layer), macs=layer.macs)


@dataclass(frozen=True)
class Convention:
    """A tool's way of counting: its figure's name, its rules (one per layer kind) and where they come from."""

    name: str
    tool: str  # the tool and version the rules were read from
    label: str  # what the tool calls its figure ("MACs", "FLOPs", "Mult-Adds")
    key: str  # that figure's key in JSON and CSV ("macs", "flops", "mult_adds")
    summary: str  # the rules in a paragraph
    source: str  # the files and functions the rules were read from
    rules: Mapping[str, Rule]  # one per layer kind
    needs_model: bool = True  # the figure depends on how the PyTorch model is written
    per_image: bool = False  # the figure is per image whatever the batch
    drops_dead: bool = False  # layers whose output reaches no output are not counted
    counts: bool = True  # False: the tool reports params only (Keras)
    params_label: str = "Params"
    model: str = "any PyTorch model of the network"  # what the figures are for when the structure does not matter

    def rule(self, kind: str, layer: str = "") -> Rule:
        try:
            return self.rules[kind]
        except KeyError:
            where = f" (layer '{layer}')" if layer else ""
            raise ConventionError(
                f"{self.tool}: how it counts a '{kind}' layer{where} is not known; "
                "costcalc does not guess (add the kind to costcalc/conventions/" + self.name + ".py)"
            ) from None


def fused_terms(convention: Convention, layer: LayerView) -> Terms:
    """What the tool counts for the layer's fused batch norm and activation, by their own kinds' rules."""
    out = NOTHING
    for part in layer.fused():
        out = out + convention.rule(part.kind, layer.name).count(part)
    return out


__all__ = [
    "CAUSES",
    "MACS",
    "NOTHING",
    "NO_COST",
    "PARAMS",
    "Call",
    "Convention",
    "ConventionError",
    "LayerView",
    "Rule",
    "Terms",
    "fused_terms",
    "nothing",
    "own_params",
    "same_params",
    "terms",
    "total",
]
