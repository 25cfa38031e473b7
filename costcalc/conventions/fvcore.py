"""fvcore 0.1.5 FlopCountAnalysis(model, inputs).total(): "flops", one fused multiply-add counted as one.

Read from fvcore/nn/flop_count.py (``_DEFAULT_SUPPORTED_OPS``) and fvcore/nn/jit_handles.py. fvcore
traces the model with torch.jit.trace and counts these aten ops only; every other op (relu, max_pool2d,
add, mul, softmax, cat ...) is reported as unsupported or ignored and counts 0:

- aten::_convolution (``conv_flop_jit`` / ``conv_flop_count``): batch × prod(weight shape) × output
  positions (input positions for a transposed conv): the MACs, "computation for addition and bias is
  ignored";
- aten::linear (``linear_flop_jit``): prod(input shape) × out features; aten::addmm (``addmm_flop_jit``):
  batch × in × out, the bias ignored; aten::mm, aten::matmul, aten::bmm, aten::einsum likewise;
- aten::batch_norm (``batchnorm_flop_jit``), at inference: input elements × (2 with an affine γ, β);
- aten::layer_norm, aten::group_norm, aten::instance_norm (``norm_flop_counter``): input elements × (5 with
  an affine γ, β, else 4);
- aten::upsample_nearest2d: output elements; aten::upsample_bilinear2d: 4 × output elements
  (``elementwise_flop_counter(0, 1)``, ``(0, 4)``);
- aten::adaptive_avg_pool2d: input elements (``elementwise_flop_counter(1, 0)``).

The trace keeps only the ops the model's output depends on: a layer whose output reaches no output is
not counted. Structure matters little (a functional call traces to the same op), but a global average
written as x.mean((2, 3)) traces to aten::mean, which fvcore does not count.
"""

from __future__ import annotations

from ..layers import elements
from .rules import UNKNOWN, Call, Convention, LayerView, Rule, Terms, fused_terms, nothing, same_params


def with_fused(layer: LayerView, own: Terms) -> Terms:
    return own + fused_terms(CONVENTION, layer)


def products(layer: LayerView) -> Terms:
    """aten::_convolution, aten::linear: the multiply-accumulates, the bias ignored."""
    return with_fused(layer, same_params(layer))


def batch_norm(layer: LayerView) -> Terms:
    return same_params(layer, batch_norm=2 * layer.in_elements * layer.batch)


def normalization(layer: LayerView) -> Terms:
    per_element = 5 if layer.p["affine"] else 4
    return same_params(layer, normalization=per_element * layer.in_elements * layer.batch)


def upsample(layer: LayerView) -> Terms:
    per_output = 4 if layer.p["mode"] == "bilinear" else 1
    return same_params(layer, upsampling=per_output * layer.out_elements * layer.batch)


def adaptive_average(layer: LayerView) -> Terms:
    """aten::adaptive_avg_pool2d, module or F.*; a global average written x.mean([2, 3]) traces to aten::mean."""
    if layer.call() == Call.METHOD:
        return same_params(layer)
    return same_params(layer, pooling=layer.in_elements * layer.batch)


def matmul(layer: LayerView) -> Terms:
    """matmul_flop_jit: prod(first input's shape, batch included) × the second's last size (after a transpose)."""
    a, b = layer.inputs
    cols = b[-2] if layer.p["transpose_b"] else b[-1]
    counted = layer.batch * elements(a) * cols
    return same_params(layer, not_counted=counted - layer.macs)


PRODUCTS = Rule(products, "aten::_convolution / aten::linear: the multiply-accumulates, bias ignored")
ZERO = Rule(nothing, "no handle for its aten op: 0")
NORM = Rule(normalization, "norm_flop_counter: input elements × 5 with γ, β (× 4 without)")
POOL = Rule(adaptive_average, "aten::adaptive_avg_pool2d: input elements")

RULES: dict[str, Rule] = {
    "input": ZERO,
    "conv": PRODUCTS,
    "depthwise_conv": PRODUCTS,
    "separable_conv": PRODUCTS,
    "conv_transpose": PRODUCTS,
    "fc": PRODUCTS,
    "linear": PRODUCTS,
    "batch_norm": Rule(batch_norm, "batchnorm_flop_jit at inference: 2 × input elements (affine)"),
    "layer_norm": NORM,
    "group_norm": NORM,
    "instance_norm": NORM,
    "lrn": Rule(nothing, "F.local_response_norm traces to mul, pad, avg_pool3d, pow, div: none counted"),
    "layer_scale": Rule(nothing, "aten::mul: not counted"),
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
    "avg_pool": Rule(nothing, "aten::avg_pool2d: not counted"),
    "global_max_pool": ZERO,
    "adaptive_max_pool": ZERO,
    "global_avg_pool": POOL,
    "adaptive_avg_pool": POOL,
    "upsample": Rule(upsample, "upsample_nearest2d: output elements; upsample_bilinear2d: 4 × output elements"),
    "add": Rule(nothing, "aten::add: not counted"),
    "multiply": Rule(nothing, "aten::mul: not counted"),
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
    # the kinds made for ONNX models (costcalc/layers/math_ops.py, reshaping.py) in costcalc's build
    "elementwise": Rule(nothing, "aten::add, mul, sub, div ...: not counted"),
    "matmul": Rule(lambda layer: matmul(layer), "matmul_flop_jit: prod(first input shape) × last size of the second"),
    "unary": ZERO,
    "clip": ZERO,
    "reduce": Rule(nothing, "aten::mean, sum, amax ...: not counted"),
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
    "concat_stored": Rule(nothing, "aten::cat: not counted"),
    "stored": Rule(nothing, "returns a buffer: no operator"),
    "gather": Rule(nothing, "aten::index_select: not counted"),
    "unknown": UNKNOWN,
}

CONVENTION = Convention(
    name="fvcore",
    tool="fvcore 0.1.5 FlopCountAnalysis",
    label="FLOPs",
    key="flops",
    summary="fvcore FlopCountAnalysis(model, x).total(): one fused multiply-add = 1 flop; conv and linear "
    "products without bias, batch norm 2 per element, layer/group/instance norm 5 per element (4 without "
    "γ, β), adaptive average pools 1 per input element, upsampling 1 (nearest) or 4 (bilinear) per output; "
    "activations, max pools, adds and multiplies 0; layers whose output reaches no output are dropped by "
    "the trace",
    source="fvcore/nn/flop_count.py _DEFAULT_SUPPORTED_OPS; fvcore/nn/jit_handles.py conv_flop_jit, "
    "linear_flop_jit, addmm_flop_jit, batchnorm_flop_jit, norm_flop_counter, elementwise_flop_counter",
    rules=RULES,
    drops_dead=True,
)
