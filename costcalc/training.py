"""Training cost estimate: the memory a training step holds and the MACs of its backward pass.

Memory, for the batch and dtype of the analysis:
- weights: params and non-trainable buffers (batch-norm running statistics);
- gradients: one per trainable param;
- optimizer state: per trainable param, none for plain SGD, one velocity for SGD with momentum,
  two moments (m, v) for Adam;
- activations kept for backward: every layer's output, the network input included (the sum
  analyze reports; frameworks that recompute or free some need less).

Compute: for every layer with MACs (conv and fc), the gradient with respect to its weights and the
gradient with respect to its input each take as many MACs as the forward pass, except that no
gradient is needed with respect to the network input, so a layer that reads it only computes its
weight gradient. Forward + backward is therefore about 3 × forward. Other ops are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import DTYPE_BYTES, Analysis
from .errors import CostcalcError
from .spec import INPUT_NAME

OPTIMIZERS: dict[str, tuple[int, str]] = {  # state per trainable param, and what it is
    "sgd": (0, "none"),
    "momentum": (1, "a velocity"),
    "adam": (2, "first and second moments m, v"),
}


class UnknownOptimizer(CostcalcError):
    pass


@dataclass(frozen=True, slots=True)
class TrainingCost:
    optimizer: str
    state_per_param: int
    weight_bytes: int
    gradient_bytes: int
    optimizer_bytes: int
    activation_bytes: int
    forward_macs: int
    input_gradient_macs: int
    weight_gradient_macs: int
    reads_network_input: tuple[str, ...]  # layers with MACs that need no gradient for their input

    @property
    def total_bytes(self) -> int:
        return self.weight_bytes + self.gradient_bytes + self.optimizer_bytes + self.activation_bytes

    @property
    def backward_macs(self) -> int:
        return self.input_gradient_macs + self.weight_gradient_macs

    @property
    def step_macs(self) -> int:
        return self.forward_macs + self.backward_macs


def training_cost(analysis: Analysis, optimizer: str) -> TrainingCost:
    if optimizer not in OPTIMIZERS:
        raise UnknownOptimizer(f"unknown optimizer '{optimizer}'; expected one of {', '.join(OPTIMIZERS)}")
    state, _ = OPTIMIZERS[optimizer]
    width = DTYPE_BYTES[analysis.dtype]
    totals = analysis.totals
    input_grads = weight_grads = 0
    first = []
    for layer in analysis.layers:
        if not layer.macs:
            continue
        weight_grads += layer.macs
        if INPUT_NAME in layer.inputs:
            first.append(layer.name)
        else:
            input_grads += layer.macs
    return TrainingCost(
        optimizer=optimizer,
        state_per_param=state,
        weight_bytes=totals.param_bytes,
        gradient_bytes=totals.params * width,
        optimizer_bytes=state * totals.params * width,
        activation_bytes=totals.activation_bytes,
        forward_macs=totals.macs,
        input_gradient_macs=input_grads,
        weight_gradient_macs=weight_grads,
        reads_network_input=tuple(first),
    )
