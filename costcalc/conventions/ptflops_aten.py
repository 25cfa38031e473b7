"""ptflops 0.7.5 get_model_complexity_info(model, input_res, backend='aten').

Read from ptflops/aten_engine.py (``FlopCounterMode.__torch_dispatch__``: every aten op the model runs
is looked up in the mapping; anything else counts 0) and ptflops/aten_ops.py (``ATEN_OPS_MAPPING``):

- aten.convolution (``conv_flop``, ``conv_flop_count``): batch × prod(weight shape) × output positions
  (input positions when transposed): the MACs, plus batch × output elements for a bias;
- aten.addmm (``addmm_flop``): batch × in × out, plus batch × out for the bias: what nn.Linear on a
  batch of vectors runs;
- aten.mm, aten.matmul, aten.bmm (``matmul_flop``, ``bmm_flop``): the products only.

A linear on an H×W×C tensor depends on its memory layout (aten/src/ATen/native/Linear.cpp ``linear``):
a contiguous input with a bias goes to ``_flatten_nd_linear``, one addmm (bias counted); a strided one
to at::matmul (an mm) and a separate ``output.add_(bias)`` (not counted). The counts are for the whole batch; batch norm,
activations, pools and merges are not counted.
"""

from __future__ import annotations

from .rules import UNKNOWN, Convention, ConventionError, LayerView, Rule, Terms, fused_terms, nothing, same_params


def products(layer: LayerView) -> Terms:
    """aten.convolution / aten.addmm: the MACs and the bias adds; the fused batch norm and activation: 0."""
    return same_params(layer, bias_adds=layer.bias_adds * layer.batch) + fused_terms(CONVENTION, layer)


def linear(layer: LayerView) -> Terms:
    if len(layer.out) != 3 or not layer.p["bias"]:
        return products(layer)  # a batch of vectors: addmm; no bias: mm, the products only
    if layer.contiguous is None:
        raise ConventionError(
            f"ptflops (aten backend): linear layer '{layer.name}' counts its bias adds only when its H×W×C input "
            "reaches PyTorch's linear contiguous (one addmm) and not otherwise (matmul, then add_); "
            "which one this input is cannot be told here"
        )
    return products(layer) if layer.contiguous else same_params(layer) + fused_terms(CONVENTION, layer)


PRODUCTS = Rule(products, "aten.convolution / aten.addmm: MACs + batch × output elements for a bias")
ZERO = Rule(nothing, "no conv or matrix product: 0")

RULES: dict[str, Rule] = {
    "input": ZERO,
    "conv": PRODUCTS,
    "depthwise_conv": PRODUCTS,
    "separable_conv": PRODUCTS,
    "conv_transpose": PRODUCTS,
    "fc": PRODUCTS,
    "linear": Rule(linear, "addmm on a contiguous input (bias counted), else mm + add_ (bias not counted)"),
    "batch_norm": ZERO,
    "layer_norm": ZERO,
    "group_norm": ZERO,
    "instance_norm": ZERO,
    "lrn": ZERO,
    "layer_scale": ZERO,
    "relu": ZERO,
    "relu6": ZERO,
    "leaky_relu": ZERO,
    "prelu": ZERO,
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
    # the kinds made for ONNX models in costcalc's build
    "matmul": Rule(same_params, "torch.matmul reaches aten.mm / aten.bmm: the MACs"),
    "elementwise": ZERO,
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
    "concat_stored": ZERO,
    "stored": ZERO,
    "gather": ZERO,
    "unknown": UNKNOWN,
}

CONVENTION = Convention(
    name="ptflops_aten",
    tool="ptflops 0.7.5 (aten backend)",
    label="MACs",
    key="macs",
    summary="ptflops get_model_complexity_info(..., backend='aten'): aten.convolution and aten.addmm/mm/bmm only: "
    "conv and linear MACs plus their bias adds; nothing else",
    source="ptflops/aten_ops.py ATEN_OPS_MAPPING, conv_flop, conv_flop_count, addmm_flop, matmul_flop; "
    "ptflops/aten_engine.py FlopCounterMode.__torch_dispatch__",
    rules=RULES,
)
