"""Counting conventions: costcalc's own, written once (README, --help and every output format quote
CONVENTION and SUMMARY), and the conventions of the tools people compare it with, each as a table of
rules keyed by layer kind (costcalc/conventions/<tool>.py), read from that tool's own source.

    >>> from costcalc.conventions import convention
    >>> convention("ptflops").label
    'MACs'

The peers' modules are imported only when a convention is asked for: the command line starts without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rules import Convention

CONVENTION: dict[str, str] = {
    "params": "trainable parameters, as sum(p.numel() for p in model.parameters()) of the equivalent "
    "PyTorch model: weights, biases where enabled, batch-norm γ and β, PReLU slopes",
    "non_trainable": "batch-norm running mean and variance (state, not parameters, as Keras reports them)",
    "macs": "multiply-accumulates of conv (grouped, depthwise, transposed too), fully connected and per-position "
    "linear layers and matrix products, bias excluded: half of torch.utils.flop_counter.FlopCounterMode's count",
    "flops": "2 × MACs",
    "other_ops": "elementwise work MACs leave out (bias adds, batch, layer, group and instance norm, activations, "
    "pooling, adds, multiplies, layer scale, LRN, softmax), by a fixed rule per layer kind; never folded into MACs",
    "activations": "elements of every layer's output, the network input included",
    "param_bytes": "(params + non-trainable) × bytes per element of --dtype",
    "activation_bytes": "activations × bytes per element of --dtype",
    "peak_memory": "the most activation bytes held at once at inference: each layer's output is held from when "
    "it runs until the last layer reading it has run (the input included; --in-place lets "
    "activations such as ReLU overwrite their input)",
    "batch": "--batch N multiplies MACs, FLOPs, other ops and activations, not params",
}

SUMMARY = (
    "Conventions: MACs = conv, fc, linear and matmul multiply-accumulates, bias excluded (= FlopCounterMode / 2); "
    "FLOPs = 2 × MACs; other ops = elementwise work, counted apart; params = trainable "
    "(BN running stats listed as non-trainable); activations = output elements of every layer, "
    "input included."
)

# name -> the module holding that convention (its CONVENTION object), in the order tables list them
MODULES: dict[str, str] = {
    "costcalc": "own",
    "flop_counter": "flop_counter",
    "fvcore": "fvcore",
    "ptflops": "ptflops",
    "ptflops_aten": "ptflops_aten",
    "thop": "thop",
    "torchinfo": "torchinfo",
    "keras": "keras",
    "papers": "papers",
}
NAMES = tuple(MODULES)
# the PyTorch model a peer's figures are for: the one the spec follows (torchvision's where its source names
# one), or the one costcalc builds (costcalc torch SPEC); see costcalc/conventions/structure.py
MODELS = ("auto", "costcalc")


def convention(name: str) -> Convention:
    """The convention called ``name`` (one of NAMES), or a ConventionError saying which there are."""
    if name not in MODULES:
        from .rules import ConventionError

        raise ConventionError(f"no convention '{name}'; expected one of {', '.join(NAMES)}")
    return importlib.import_module(f"{__name__}.{MODULES[name]}").CONVENTION


__all__ = ["CONVENTION", "MODELS", "NAMES", "SUMMARY", "convention"]
