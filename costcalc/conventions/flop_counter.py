"""PyTorch's torch.utils.flop_counter.FlopCounterMode (torch 2.13): FLOPs of conv and matrix products.

torch/utils/flop_counter.py registers formulas for aten.mm (``mm_flop``: 2·m·n·k), aten.addmm
(``addmm_flop``: the mm's, the bias add ignored), aten.bmm, aten.baddbmm and aten.convolution
(``conv_flop_count``: out positions × kernel × c_out × c_in × 2, "computation for bias are ignored";
transposed convs by their input positions). Nothing else is counted. So its figure is 2 × costcalc's MACs
for every layer, which is how costcalc defines MACs (and what `costcalc verify` checks).
"""

from __future__ import annotations

from ..layers import KINDS
from .rules import PARAMS, Convention, LayerView, Rule, Terms, terms


def two_per_mac(layer: LayerView) -> Terms:
    macs = layer.cost.macs * layer.batch
    return terms({PARAMS: layer.cost.params}, macs=macs, fma=macs)


# every kind: 2 FLOPs per conv or fc multiply-accumulate (costcalc's MACs are defined as half this count)
RULES = {kind: Rule(two_per_mac, "2 × its conv and fc multiply-accumulates; nothing else") for kind in KINDS}

CONVENTION = Convention(
    name="flop_counter",
    tool="PyTorch FlopCounterMode",
    label="FLOPs",
    key="flops",
    summary="torch.utils.flop_counter.FlopCounterMode: 2 FLOPs per multiply-accumulate of convolutions and "
    "matrix products (mm, addmm, bmm), bias adds ignored; nothing else counted",
    source="torch/utils/flop_counter.py mm_flop, addmm_flop, bmm_flop, conv_flop_count (torch 2.13)",
    rules=RULES,
    needs_model=False,
)
