"""thop 0.1.1 (pytorch-OpCounter) profile(model, inputs): "MACs" and params, from module hooks only.

Read from thop/profile.py (``register_hooks``, ``profile``, its ``dfs_count``), thop/vision/basic_hooks.py
and thop/vision/calc_func.py. A forward hook runs on every module whose exact type is in
``register_hooks`` (a subclass is missed); every other module counts 0 MACs *and 0 params*, since params
are summed from the hooked modules only (``count_parameters``). Functional calls and Python operators are
never seen.

- nn.Conv2d, nn.ConvTranspose2d (``count_convNd`` / ``calculate_conv2d_flops``): output elements ×
  input channels per group × kernel area, the bias ignored: the MACs for a conv, but for a transposed
  conv output (not input) positions;
- nn.Linear (``count_linear``): in features × output elements;
- nn.BatchNorm2d/1d, nn.LayerNorm, nn.InstanceNorm2d (``count_normalization``): 2 × input elements, × 2
  again with an affine γ, β; nn.GroupNorm is not registered;
- nn.ReLU, nn.ReLU6, nn.MaxPool2d, nn.AdaptiveMaxPool2d, nn.Dropout, nn.ZeroPad2d, nn.PixelShuffle: 0
  (``zero_ops``); nn.LeakyReLU: 0 (``count_relu`` returns ``calculate_relu_flops`` = 0); nn.PReLU
  (``count_prelu``): input elements at inference;
- nn.Softmax (``count_softmax``): per position C exps + C − 1 adds + C divides;
- nn.AvgPool2d (``count_avgpool``): output elements; nn.AdaptiveAvgPool2d (``count_adap_avgpool``):
  int((∏ input/output size + 1) × output elements), in float64;
- nn.Upsample (``count_upsample`` / ``calculate_upsample``): output elements (nearest), × 11 (bilinear);
- not registered, so 0: nn.Sigmoid, nn.Tanh, nn.SiLU, nn.GELU, nn.Hardswish, nn.Hardsigmoid,
  nn.LocalResponseNorm, nn.GroupNorm, nn.Flatten, nn.Identity, nn.ChannelShuffle, nn.PixelUnshuffle and
  costcalc's own modules (Add, Multiply, Concat, slices, LayerScale, the channels-last Linear/LayerNorm).
"""

from __future__ import annotations

from collections.abc import Callable

from .rules import (
    UNKNOWN,
    Call,
    Convention,
    ConventionError,
    LayerView,
    Rule,
    Terms,
    fused_terms,
    nothing,
    products_not_seen,
    same_params,
    terms,
)


def with_fused(layer: LayerView, own: Terms) -> Terms:
    return own + fused_terms(CONVENTION, layer)


def unhooked(layer: LayerView) -> Terms:
    """A module thop has no rule for: no MACs counted, and its params left out of thop's params."""
    own = layer.own
    return terms({"params": own.params, "params_without_rule": -own.params}, macs=layer.macs, not_counted=-layer.macs)


def conv(layer: LayerView) -> Terms:
    """calculate_conv2d_flops: output elements × in channels per group × kernel area; bias ignored."""
    if layer.kind != "conv_transpose":
        return with_fused(layer, same_params(layer))
    h, w, c = layer.inputs[0]
    kh, kw = layer.p["kernel"]
    counted = layer.out_elements * (c // layer.p["groups"]) * kh * kw * layer.batch
    return with_fused(layer, same_params(layer, transposed=counted - layer.macs))


def linear(layer: LayerView) -> Terms:
    """count_linear on nn.Linear: in features × output elements; a subclass of nn.Linear: not registered."""
    call = layer.call()
    if call == Call.MODULE:
        return with_fused(layer, same_params(layer))
    if call == Call.SUBCLASS:
        return with_fused(layer, unhooked(layer))
    raise unknown(layer, call)


def normalization(cause: str) -> Rule:
    def count(layer: LayerView) -> Terms:
        call = layer.call()
        if call == Call.SUBCLASS:
            return unhooked(layer)
        if call == Call.FUNCTIONAL:
            return same_params(layer)
        if call != Call.MODULE:
            raise unknown(layer, call)
        affine = layer.kind == "batch_norm" or layer.p["affine"]
        return same_params(layer, **{cause: (4 if affine else 2) * layer.in_elements * layer.batch})

    return Rule(count, "count_normalization: 2 × input elements, × 2 with γ, β")


def hooked(count: Callable[[LayerView], Terms]) -> Callable[[LayerView], Terms]:
    """A rule for a registered module: as a functional call or a Tensor method there is no module to hook (0)."""

    def rule(layer: LayerView) -> Terms:
        call = layer.call()
        if call in (Call.FUNCTIONAL, Call.METHOD):
            return same_params(layer)
        if call != Call.MODULE:
            raise unknown(layer, call)
        return count(layer)

    return rule


def prelu(layer: LayerView) -> Terms:
    return same_params(layer, activations=layer.in_elements * layer.batch)


def softmax(layer: LayerView) -> Terms:
    channels = layer.out[-1]
    positions = layer.out_elements // channels
    return same_params(layer, softmax=positions * (3 * channels - 1) * layer.batch)


def avg_pool(layer: LayerView) -> Terms:
    return same_params(layer, pooling=layer.out_elements * layer.batch)


def adaptive_avg_pool(layer: LayerView) -> Terms:
    """count_adap_avgpool, in float64 as thop does: int((∏ in_i / out_i + 1) × output elements)."""
    call = layer.call()
    if call in (Call.FUNCTIONAL, Call.METHOD):  # F.adaptive_avg_pool2d, x.mean([2, 3]): no module to hook
        return same_params(layer)
    if call != Call.MODULE:
        raise unknown(layer, call)
    (h, w, _), (oh, ow, _) = layer.inputs[0], layer.out
    kernel = (h / oh) * (w / ow)
    return same_params(layer, pooling=int((kernel + 1.0) * (layer.out_elements * layer.batch)))


def upsample(layer: LayerView) -> Terms:
    per_output = 11 if layer.p["mode"] == "bilinear" else 1
    return same_params(layer, upsampling=per_output * layer.out_elements * layer.batch)


def unknown(layer: LayerView, call: Call) -> ConventionError:
    return ConventionError(
        f"thop: how it counts a '{layer.kind}' layer written as a {call.value} (layer '{layer.name}') is not known"
    )


def helper(layer: LayerView) -> Terms:
    """One of costcalc's own modules, an operator or a function: 0, and its params (LayerScale's γ) not counted."""
    return unhooked(layer) if layer.own.params else same_params(layer)


CONV = Rule(conv, "calculate_conv2d_flops: output elements × C/groups × kernel area (bias ignored)")
ZERO = Rule(nothing, "registered as zero_ops, or not registered: 0")
HELPER = Rule(helper, "not registered: 0, and its params not counted")

RULES: dict[str, Rule] = {
    "input": ZERO,
    "conv": CONV,
    "depthwise_conv": CONV,
    "separable_conv": CONV,
    "conv_transpose": CONV,
    "fc": Rule(linear, "count_linear: in features × output elements"),
    "linear": Rule(linear, "count_linear on nn.Linear; a subclass (channels-last linear) is not registered"),
    "batch_norm": normalization("batch_norm"),
    "layer_norm": normalization("normalization"),
    "instance_norm": normalization("normalization"),
    "group_norm": HELPER,
    "lrn": ZERO,
    "layer_scale": HELPER,
    "relu": ZERO,
    "relu6": ZERO,
    "leaky_relu": Rule(nothing, "count_relu: calculate_relu_flops returns 0"),
    "prelu": Rule(hooked(prelu), "count_prelu: input elements at inference"),
    "sigmoid": ZERO,
    "tanh": ZERO,
    "hard_sigmoid": ZERO,
    "hard_swish": ZERO,
    "silu": ZERO,
    "gelu": ZERO,
    "softmax": Rule(hooked(softmax), "count_softmax: positions × (3C − 1)"),
    "max_pool": ZERO,
    "global_max_pool": ZERO,
    "adaptive_max_pool": ZERO,
    "avg_pool": Rule(hooked(avg_pool), "count_avgpool: output elements (F.avg_pool2d: 0)"),
    "global_avg_pool": Rule(adaptive_avg_pool, "count_adap_avgpool: int((H·W + 1) × C) per image"),
    "adaptive_avg_pool": Rule(adaptive_avg_pool, "count_adap_avgpool: int((∏ in/out + 1) × output elements)"),
    "upsample": Rule(hooked(upsample), "count_upsample: output elements (nearest), 11 × (bilinear)"),
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
    # the kinds made for ONNX models in costcalc's build: modules thop has no rule for
    "elementwise": HELPER,
    "matmul": Rule(products_not_seen, "costcalc's MatMul module: not registered, its products not counted"),
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
    "concat_stored": HELPER,
    "stored": HELPER,
    "gather": HELPER,
    "unknown": UNKNOWN,
}

CONVENTION = Convention(
    name="thop",
    tool="thop 0.1.1 profile",
    label="MACs",
    key="macs",
    summary="thop profile(model, (x,)): module hooks only, by exact type: conv and linear MACs without bias "
    "(transposed convs per output position), batch and layer norm 2-4 per element, average pools and "
    "softmax, upsampling; ReLU and max pools 0; functional calls, operators and unregistered modules 0, "
    "and the params of unregistered modules (GroupNorm, subclasses) not counted",
    source="thop/profile.py register_hooks, profile; thop/vision/basic_hooks.py count_convNd, count_linear, "
    "count_normalization, count_prelu, count_softmax, count_avgpool, count_adap_avgpool, count_upsample; "
    "thop/vision/calc_func.py",
    rules=RULES,
)
