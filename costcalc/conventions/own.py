"""costcalc's own convention (costcalc.conventions.CONVENTION) as a row of the comparison: its params and MACs."""

from __future__ import annotations

from ..layers import KINDS
from .rules import PARAMS, Convention, LayerView, Rule, Terms, terms


def whole(layer: LayerView) -> Terms:
    return terms({PARAMS: layer.cost.params}, macs=layer.cost.macs * layer.batch)


# every kind counts as its own cost rule says (costcalc/layers): the table is the kinds' registry itself
RULES = {kind: Rule(whole, "its own cost rule (costcalc kinds " + kind + ")") for kind in KINDS}

CONVENTION = Convention(
    name="costcalc",
    tool="costcalc's MACs",
    label="MACs",
    key="macs",
    summary="conv and fc multiply-accumulates, bias excluded (= FlopCounterMode / 2); params = trainable "
    "(batch-norm running statistics apart, as non-trainable)",
    source="costcalc/conventions/__init__.py CONVENTION; each kind's cost rule in costcalc/layers",
    rules=RULES,
    needs_model=False,
)
