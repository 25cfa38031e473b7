"""torchinfo 1.8.0 summary(model, input_data=x).total_mult_adds: "Mult-Adds", from parameter sizes.

Read from torchinfo/layer_info.py (``LayerInfo.calculate_macs``) and torchinfo/model_statistics.py
(``ModelStatistics``: the sum over leaf modules). For each parameter of a module named ``weight`` or
``bias``: if the module's class name contains "Conv", its size × batch × output positions; otherwise its
size × batch. Parameters named otherwise add nothing (costcalc's LayerScale ``scale``), and modules
without parameters (activations, pools, merges) count 0. So:

- a conv: (weights + bias) × output positions = the MACs and the bias adds; a transposed conv too, at
  its *output* positions (more than its MACs);
- nn.Linear: (in × out + out) per image, whatever the positions: a linear over H×W×C counted once, not
  per position;
- batch, layer, group and instance norm: γ and β once per image; PReLU: its slopes once per image.

torchinfo's params (total_params) are every parameter, as costcalc's.
"""

from __future__ import annotations

from .rules import UNKNOWN, Convention, LayerView, Rule, Terms, fused_terms, nothing, products_not_seen, same_params


def with_fused(layer: LayerView, own: Terms) -> Terms:
    return own + fused_terms(CONVENTION, layer)


def conv(layer: LayerView) -> Terms:
    """(weight + bias sizes) × batch × output positions."""
    oh, ow, _ = layer.out
    counted = layer.own.params * oh * ow * layer.batch  # its params are its weights and bias
    bias = layer.bias_adds * layer.batch
    return with_fused(layer, same_params(layer, bias_adds=bias, transposed=counted - bias - layer.macs))


def linear(layer: LayerView) -> Terms:
    """(in × out + out) × batch: per image, not per position."""
    bias = layer.out[-1] * layer.batch if layer.p["bias"] else 0
    counted = layer.own.params * layer.batch
    return with_fused(layer, same_params(layer, bias_adds=bias, positions_once=counted - bias - layer.macs))


def params_once(cause: str) -> Rule:
    def count(layer: LayerView) -> Terms:
        return same_params(layer, **{cause: layer.own.params * layer.batch})

    return Rule(count, "its weight and bias sizes × batch")


ZERO = Rule(nothing, "no weight or bias parameter: 0")

RULES: dict[str, Rule] = {
    "input": ZERO,
    "conv": Rule(conv, "'Conv' module: (weights + bias) × output positions"),
    "depthwise_conv": Rule(conv, "'Conv' module: (weights + bias) × output positions"),
    "separable_conv": Rule(conv, "two 'Conv' modules: (weights + bias) × output positions"),
    "conv_transpose": Rule(conv, "'Conv' module: (weights + bias) × output (not input) positions"),
    "fc": Rule(linear, "nn.Linear: weights + bias, per image"),
    "linear": Rule(linear, "nn.Linear (or a subclass): weights + bias per image, not per position"),
    "batch_norm": params_once("batch_norm"),
    "layer_norm": params_once("normalization"),
    "group_norm": params_once("normalization"),
    "instance_norm": params_once("normalization"),
    "prelu": params_once("activations"),
    "layer_scale": Rule(nothing, "its parameter is named 'scale', not weight or bias: 0"),
    "lrn": ZERO,
    "relu": ZERO,
    "relu6": ZERO,
    "leaky_relu": ZERO,
    "sigmoid": ZERO,
    "tanh": ZERO,
    "hard_sigmoid": ZERO,
    "hard_swish": ZERO,
    "silu": ZERO,
    "gelu": ZERO,
    "softmax": ZERO,
    "max_pool": ZERO,
    "avg_pool": ZERO,
    "global_max_pool": ZERO,
    "global_avg_pool": ZERO,
    "adaptive_max_pool": ZERO,
    "adaptive_avg_pool": ZERO,
    "upsample": ZERO,
    "add": ZERO,
    "multiply": ZERO,
    "concat": ZERO,
    "identity": ZERO,
    "dropout": ZERO,
    "stochastic_depth": ZERO,
    "flatten": ZERO,
    "zero_pad": ZERO,
    "channel_slice": ZERO,
    "channel_split": ZERO,
    "channel_shuffle": ZERO,
    "crop": ZERO,
    "pixel_shuffle": ZERO,
    "pixel_unshuffle": ZERO,
    # the kinds made for ONNX models in costcalc's build: none has a weight or bias parameter
    "elementwise": Rule(nothing, "a learned operand is a parameter named 'operand', not weight or bias: 0"),
    "matmul": Rule(products_not_seen, "a product of two activations has no parameter: 0"),
    "unary": ZERO,
    "clip": ZERO,
    "reduce": ZERO,
    "reshape": ZERO,
    "transpose": ZERO,
    "pad": ZERO,
    "hardmax": ZERO,
    "elu": ZERO,
    "selu": ZERO,
    "celu": ZERO,
    "softplus": ZERO,
    "softsign": ZERO,
    "mish": ZERO,
    "thresholded_relu": ZERO,
    "gelu_tanh": ZERO,
    "log_softmax": ZERO,
    "concat_stored": Rule(nothing, "its parameter is named 'stored', not weight or bias: 0"),
    "stored": Rule(nothing, "a buffer, or a parameter named 'stored', not weight or bias: 0"),
    "gather": ZERO,
    "unknown": UNKNOWN,
}

CONVENTION = Convention(
    name="torchinfo",
    tool="torchinfo 1.8.0 summary",
    label="Mult-Adds",
    key="mult_adds",
    summary="torchinfo summary(...).total_mult_adds: for every weight and bias, its size × output positions "
    "in a 'Conv' module (MACs and bias adds) and its size once per image elsewhere (linear: in × out + out, "
    "not per position; norms: γ and β); activations, pools and merges 0",
    source="torchinfo/layer_info.py LayerInfo.calculate_macs; torchinfo/model_statistics.py ModelStatistics",
    rules=RULES,
)
