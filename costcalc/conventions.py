"""The counting convention, written once: README, --help and every output format quote this text."""

from __future__ import annotations

CONVENTION: dict[str, str] = {
    "params": "trainable parameters, as sum(p.numel() for p in model.parameters()) of the equivalent "
    "PyTorch model: weights, biases where enabled, batch-norm γ and β, PReLU slopes",
    "non_trainable": "batch-norm running mean and variance (state, not parameters, as Keras reports them)",
    "macs": "multiply-accumulates of conv (grouped, depthwise, transposed too) and fully connected layers, "
    "bias excluded: half of torch.utils.flop_counter.FlopCounterMode's count",
    "flops": "2 × MACs",
    "other_ops": "elementwise work MACs leave out (bias adds, batch norm, activations, pooling, adds, "
    "multiplies, LRN, softmax), by a fixed rule per layer kind; never folded into MACs",
    "activations": "elements of every layer's output, the network input included",
    "param_bytes": "(params + non-trainable) × bytes per element of --dtype",
    "activation_bytes": "activations × bytes per element of --dtype",
    "peak_memory": "the most activation bytes held at once at inference: each layer's output is held from when "
    "it runs until the last layer reading it has run (the input included; --in-place lets "
    "activations such as ReLU overwrite their input)",
    "batch": "--batch N multiplies MACs, FLOPs, other ops and activations, not params",
}

SUMMARY = (
    "Conventions: MACs = conv + fc multiply-accumulates, bias excluded (= FlopCounterMode / 2); "
    "FLOPs = 2 × MACs; other ops = elementwise work, counted apart; params = trainable "
    "(BN running stats listed as non-trainable); activations = output elements of every layer, "
    "input included."
)
