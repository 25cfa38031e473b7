"""Keras: Model.count_params(), which counts every weight, the batch-norm moving mean and variance too.

keras/src/layers/layer.py Layer.count_params sums the sizes of ``self.weights`` (trainable and
non-trainable); BatchNormalization makes moving_mean and moving_variance non-trainable weights
(keras/src/layers/normalization/batch_normalization.py build). Keras has no MAC or FLOP counter of its
own: this convention gives params only.
"""

from __future__ import annotations

from ..layers import KINDS
from .rules import PARAMS, Convention, LayerView, Rule, Terms, terms


def weights(layer: LayerView) -> Terms:
    stats = layer.cost.non_trainable
    return terms({PARAMS: layer.cost.params, "bn_statistics": stats}, macs=layer.cost.macs * layer.batch)


# every kind: its weights, trainable or not (a batch norm's 4 per channel: γ, β, moving mean, variance)
RULES = {kind: Rule(weights, "trainable and non-trainable weights") for kind in KINDS}

CONVENTION = Convention(
    name="keras",
    tool="Keras count_params()",
    label="",
    key="",
    summary="params = every weight of the equivalent Keras model, the batch-norm moving mean and variance "
    "included (4 per channel); Keras reports no MACs",
    source="keras/src/layers/layer.py Layer.count_params; "
    "keras/src/layers/normalization/batch_normalization.py BatchNormalization.build",
    rules=RULES,
    needs_model=False,
    counts=False,
    model="the equivalent Keras model",
)
