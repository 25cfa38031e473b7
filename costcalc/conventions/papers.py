"""The papers' Mult-Adds: multiply-accumulates of conv and fully connected layers, nothing else.

The MobileNet papers (Howard et al. 2017, Table 2 and 4: "Mult-Adds"; Sandler et al. 2018, Table 3:
"MAdds"), ShuffleNet's and ResNet's ("FLOPs" in He et al. 2015, Table 1, are multiply-adds: 3.6×10⁹ for
ResNet-34) count the products of conv and fc weights with their inputs, one per multiply-accumulate,
biases, batch norm, activations and pooling left out: costcalc's MACs.
"""

from __future__ import annotations

from ..layers import KINDS
from .rules import PARAMS, Convention, LayerView, Rule, Terms, terms


def mult_adds(layer: LayerView) -> Terms:
    return terms({PARAMS: layer.cost.params}, macs=layer.cost.macs * layer.batch)


# every kind: its conv and fc multiply-accumulates (costcalc's MACs), nothing more
RULES = {kind: Rule(mult_adds, "conv and fc multiply-accumulates only") for kind in KINDS}

CONVENTION = Convention(
    name="papers",
    tool="the papers' Mult-Adds",
    label="Mult-Adds",
    key="mult_adds",
    summary="one per multiply-accumulate of conv and fc weights with their inputs; biases, batch norm, "
    "activations and pooling left out (MobileNet v1 Table 2, MobileNet v2 'MAdds', ResNet 'FLOPs')",
    source="Howard et al. 2017 (MobileNets) Tables 2 and 4; Sandler et al. 2018 (MobileNetV2) Table 3; "
    "He et al. 2015 (ResNet) Table 1",
    rules=RULES,
    needs_model=False,
    model="the network",
)
