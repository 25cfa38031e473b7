"""ptflops 0.7.5 get_model_complexity_info(model, input_res) with its default backend, 'pytorch'.

(ptflops' README says the default backend is 'aten'; the installed 0.7.5 code says otherwise:
flops_counter.py get_model_complexity_info has ``backend=FLOPS_BACKEND.PYTORCH``, and the figure it prints
for torchvision's ResNet-50, 4,132,436,968, is this backend's. The 'aten' backend is ptflops_aten.)

Read from ptflops/pytorch_engine.py and ptflops/pytorch_ops.py. Two counters run together:

- a forward hook on every module whose exact type is in ``MODULES_MAPPING`` (a subclass is missed):
  nn.Conv2d and nn.ConvTranspose2d (``conv_flops_counter_hook``: the MACs plus one add per output
  element for a bias), nn.Linear (``linear_flops_counter_hook``: in × out + out per row), the batch and
  other norms (``bn_flops_counter_hook``: input elements, × 2 when the module has ``affine`` set: nn.LayerNorm
  has ``elementwise_affine`` instead, so it counts 1), nn.ReLU, nn.ReLU6, nn.PReLU, nn.LeakyReLU, nn.ELU,
  nn.GELU (``relu_flops_counter_hook``: output elements), every pool (``pool_flops_counter_hook``: input
  elements) and nn.Upsample (output elements). The module counts are divided by the batch
  (``compute_average_flops_cost``): per image;
- ``patch_functional`` and ``patch_tensor_ops`` replace F.relu, F.prelu, F.elu, F.relu6, F.gelu, F.silu,
  F.softmax, every F.*pool*, F.interpolate and F.upsample (``_numel_functional_flops_hook``: input elements;
  interpolate: output elements), and torch.add/mul, Tensor.add/mul (broadcast elements) while the model
  runs; those counts are added for the whole batch, not divided.

So a module that calls a patched function is counted twice: nn.ReLU's forward calls F.relu, every pool
module its F.*pool*, nn.GELU F.gelu, nn.PReLU F.prelu, nn.Upsample F.interpolate; nn.ReLU6 calls
F.hardtanh (not patched) and nn.SiLU, not in the mapping, is counted once through F.silu, nn.Softmax once
through F.softmax. Sigmoid, Tanh, Hardsigmoid, Hardswish are counted by neither. Python operators
(x + y, out += identity, x * s) and torch.cat are not counted. nn.LocalResponseNorm is not in the mapping,
but F.local_response_norm (torch 2.13) calls the patched Tensor.mul twice, Tensor.add once and
F.avg_pool3d on the input padded by size − 1 channels.
"""

from __future__ import annotations

from math import prod

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
    own_params,
    same_params,
    terms,
)


def hooked(layer: LayerView, **per_image: int) -> Terms:
    """A module hook's count (given per image): ptflops divides it by the batch, so for a batch of N the
    multiply-accumulates it counts are N − 1 images short of costcalc's."""
    short = layer.macs - layer.macs // layer.batch
    return terms(own_params(layer), macs=layer.macs, per_image=-short, **per_image)


def functional(layer: LayerView, **per_image: int) -> Terms:
    """A patched function's count: for the whole batch."""
    return same_params(layer, **{k: v * layer.batch for k, v in per_image.items()})


def module_and_function(layer: LayerView, cause: str, hook: int, patched: int) -> Terms:
    """A module whose forward calls a patched function: the hook's count per image, the function's per batch.
    Written as a function (F.*) instead of a module, only the function's; as a Tensor method, nothing."""
    call = layer.call()
    if call == Call.MODULE:
        return hooked(layer, **{cause: hook}) + functional_only(layer, cause, patched)
    if call == Call.FUNCTIONAL:
        return functional(layer, **{cause: patched})
    if call == Call.METHOD:
        return same_params(layer)  # x.mean([2, 3]): neither hooked nor patched
    raise unknown(layer, call)


def functional_only(layer: LayerView, cause: str, count: int) -> Terms:
    return Terms({}, {cause: count * layer.batch})


def unknown(layer: LayerView, call: Call) -> ConventionError:
    return ConventionError(
        f"ptflops: how it counts a '{layer.kind}' layer written as a {call.value} (layer '{layer.name}') is not known"
    )


def with_fused(layer: LayerView, own: Terms) -> Terms:
    return own + fused_terms(CONVENTION, layer)


def conv(layer: LayerView) -> Terms:
    """conv_flops_counter_hook: the MACs, and one add per output element for a bias."""
    return with_fused(layer, hooked(layer, bias_adds=layer.bias_adds))


def linear(layer: LayerView) -> Terms:
    """linear_flops_counter_hook on nn.Linear: in × out (+ out with a bias) per row; a subclass of nn.Linear
    (costcalc's channels-last linear) is not in MODULES_MAPPING, and F.linear is not patched: 0."""
    call = layer.call()
    if call == Call.MODULE:
        return with_fused(layer, hooked(layer, bias_adds=layer.bias_adds))
    if call == Call.SUBCLASS:
        return with_fused(layer, same_params(layer, not_counted=-layer.macs))
    raise unknown(layer, call)


def batch_norm(layer: LayerView) -> Terms:
    if layer.call() != Call.MODULE:
        raise unknown(layer, layer.call())
    return hooked(layer, batch_norm=2 * layer.in_elements)


def norm(layer: LayerView) -> Terms:
    """bn_flops_counter_hook: input elements, × 2 if the module's ``affine`` is set (GroupNorm, InstanceNorm)."""
    call = layer.call()
    if call == Call.SUBCLASS:
        return same_params(layer)
    if call != Call.MODULE:
        raise unknown(layer, call)
    affine = layer.p["affine"] and layer.kind != "layer_norm"  # nn.LayerNorm's flag is elementwise_affine
    return hooked(layer, normalization=(2 if affine else 1) * layer.in_elements)


def lrn(layer: LayerView) -> Terms:
    """Not in MODULES_MAPPING; torch.nn.functional.local_response_norm: input.mul(input), then F.avg_pool3d over
    the squares padded with size // 2 and (size − 1) // 2 channels, then .mul(alpha).add(k): patched, per batch."""
    h, w, c = layer.inputs[0]
    n = layer.in_elements
    return functional(layer, lrn=3 * n + (c + layer.p["size"] - 1) * h * w)


def twice(cause: str) -> Rule:
    """A module hooked for its output elements whose forward calls a patched function counting them again."""
    return Rule(
        lambda layer: module_and_function(layer, cause, layer.out_elements, layer.out_elements),
        "hooked module (output elements, per image) whose forward calls a patched F.* (output elements, per "
        "batch); as F.* alone, once",
    )


def hooked_once(layer: LayerView) -> Terms:
    """nn.ReLU6 (forward calls F.hardtanh, not patched), nn.LeakyReLU (F.leaky_relu, not patched)."""
    call = layer.call()
    if call == Call.MODULE:
        return hooked(layer, activations=layer.out_elements)
    if call == Call.FUNCTIONAL and layer.kind == "relu6":
        return functional(layer, activations=layer.out_elements)  # F.relu6 is patched
    if call == Call.FUNCTIONAL:
        return same_params(layer)  # F.leaky_relu is not
    raise unknown(layer, call)


def patched_function(cause: str) -> Rule:
    """Not in MODULES_MAPPING, but its forward calls a patched function (nn.SiLU: F.silu; nn.Softmax: F.softmax)."""
    return Rule(
        lambda layer: functional(layer, **{cause: layer.in_elements}),
        "counted once, through the patched F.* (input elements, per batch)",
    )


def pool(layer: LayerView) -> Terms:
    """pool_flops_counter_hook (input elements, per image) and the patched F.*pool* (input elements, per batch).
    An uneven padding is a ZeroPad2d in front: the pool's input is the padded one."""
    g = layer.p.get("geometry")
    h, w, c = layer.inputs[0]
    if g is not None and (g.padding[0] != g.padding[1] or g.padding[2] != g.padding[3]):
        top, bottom, left, right = g.padding
        h, w = h + top + bottom, w + left + right
    n = h * w * c
    return module_and_function(layer, "pooling", n, n)


def upsample(layer: LayerView) -> Terms:
    """upsample_flops_counter_hook (output elements) and the patched F.interpolate (output elements). The hook
    counts ``output[0]``, the first image only, and is then divided by the batch like every hook: for a batch
    of N that is a fraction of an op, which ptflops truncates only in its total; not reproduced here."""
    if layer.batch > 1 and layer.call() == Call.MODULE:
        raise ConventionError(
            f"ptflops: upsample layer '{layer.name}' at batch {layer.batch}: ptflops' upsample hook counts the "
            "first image's output and divides it by the batch, a fraction; its figure is given for batch 1 only"
        )
    return module_and_function(layer, "upsampling", layer.out_elements, layer.out_elements)


def operator(layer: LayerView) -> Terms:
    """x + y, out += identity, x * s: Python operators, not the patched torch.add/mul or Tensor.add/mul."""
    if layer.call() not in (Call.OPERATOR, Call.FUNCTIONAL, Call.HELPER):
        raise unknown(layer, layer.call())
    if layer.call() == Call.FUNCTIONAL and layer.kind in ("add", "multiply"):
        raise unknown(layer, layer.call())  # torch.add / torch.mul would be counted: not recorded here
    return same_params(layer)


def elementwise(layer: LayerView) -> Terms:
    """costcalc's Elementwise calls torch.add / torch.mul (patched) pair by pair, on the inputs moved channels
    last (and a stored operand of shape (1, …)): ``_elementwise_tensor_flops_hook`` counts the product of
    the larger size on each axis, the axes lined up from the first (not broadcast from the last)."""
    if layer.call() != Call.HELPER:
        raise unknown(layer, layer.call())
    if layer.p["op"] not in ("add", "multiply"):
        return same_params(layer)  # sub, div, pow, maximum, where ...: not patched; mean: Python operators
    shapes = [(layer.batch, *shape) for shape in layer.inputs]
    if layer.p["operand"] is not None or layer.p["value"] is not None:
        stored = tuple(layer.p["operand"] or ())
        shapes.append((1, *((1,) * (len(layer.out) - len(stored))), *stored))
    counted, current = 0, shapes[0]
    for other in shapes[1:]:
        rank = max(len(current), len(other))
        counted += prod(max(_at(current, i), _at(other, i)) for i in range(rank))
        current = tuple(
            max(a, b) for a, b in zip((1,) * (rank - len(current)) + current, (1,) * (rank - len(other)) + other)
        )
    return same_params(layer, **{"multiplies" if layer.p["op"] == "multiply" else "adds": counted})


def _at(shape: tuple[int, ...], axis: int) -> int:
    return shape[axis] if axis < len(shape) else 1


def matmul(layer: LayerView) -> Terms:
    """The patched torch.matmul (``_matmul_tensor_flops_hook``): prod(first input's shape) × the second's last
    size; for the whole batch."""
    if layer.call() != Call.HELPER:
        raise unknown(layer, layer.call())
    a, b = layer.inputs
    cols = b[-2] if layer.p["transpose_b"] else b[-1]
    return same_params(layer, not_counted=layer.batch * prod(a) * cols - layer.macs)


PRODUCTS = Rule(conv, "conv_flops_counter_hook: MACs + one add per output element for a bias; per image")
ZERO = Rule(nothing, "not in MODULES_MAPPING, no patched function: 0")
NORM = Rule(norm, "bn_flops_counter_hook: input elements × 2 if affine (nn.LayerNorm: × 1); per image")
POOL = Rule(pool, "pool hook and patched F.*pool*: 2 × input elements as a module (1 as F.*)")
OPERATOR = Rule(operator, "a Python operator (x + y, x * s): not counted")

RULES: dict[str, Rule] = {
    "input": ZERO,
    "conv": PRODUCTS,
    "depthwise_conv": PRODUCTS,
    "separable_conv": PRODUCTS,
    "conv_transpose": PRODUCTS,
    "fc": Rule(linear, "linear_flops_counter_hook: in × out + out (bias) per row; per image"),
    "linear": Rule(linear, "nn.Linear: in × out + out per position; a subclass of nn.Linear: 0"),
    "batch_norm": Rule(batch_norm, "bn_flops_counter_hook: 2 × input elements (affine); per image"),
    "layer_norm": NORM,
    "group_norm": NORM,
    "instance_norm": NORM,
    "lrn": Rule(lrn, "F.local_response_norm's patched Tensor.mul, Tensor.add, F.avg_pool3d: 3n + (C + size − 1)·H·W"),
    "layer_scale": OPERATOR,
    "relu": twice("activations"),
    "relu6": Rule(hooked_once, "relu_flops_counter_hook: output elements (F.hardtanh is not patched)"),
    "leaky_relu": Rule(hooked_once, "relu_flops_counter_hook: output elements (F.leaky_relu is not patched)"),
    "prelu": twice("activations"),
    "gelu": twice("activations"),
    "silu": patched_function("activations"),
    "softmax": patched_function("softmax"),
    "sigmoid": ZERO,
    "tanh": ZERO,
    "hard_sigmoid": ZERO,
    "hard_swish": ZERO,
    "max_pool": POOL,
    "avg_pool": POOL,
    "global_max_pool": POOL,
    "global_avg_pool": POOL,
    "adaptive_max_pool": POOL,
    "adaptive_avg_pool": POOL,
    "upsample": Rule(upsample, "upsample hook and patched F.interpolate: 2 × output elements"),
    "add": OPERATOR,
    "multiply": OPERATOR,
    "concat": Rule(nothing, "torch.cat: not counted"),
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
    # the kinds made for ONNX models in costcalc's build (costcalc/onnx/torch_parts.py): modules of their own
    "elementwise": Rule(
        lambda layer: elementwise(layer), "torch.add / torch.mul, patched: broadcast elements per pair"
    ),
    "matmul": Rule(
        lambda layer: matmul(layer), "torch.matmul, patched: prod(first input shape) × last size of the second"
    ),
    "unary": ZERO,
    "clip": Rule(nothing, "torch.clamp: not patched"),
    "reduce": Rule(nothing, "torch.mean, sum, amax ... and operators: not patched"),
    "reshape": ZERO,
    "transpose": ZERO,
    "pad": Rule(nothing, "F.pad: not patched"),
    "hardmax": ZERO,
    "elu": twice("activations"),
    "gelu_tanh": twice("activations"),
    "selu": ZERO,
    "celu": ZERO,
    "softplus": ZERO,
    "softsign": ZERO,
    "mish": ZERO,
    "thresholded_relu": ZERO,
    "log_softmax": Rule(nothing, "nn.LogSoftmax is not in MODULES_MAPPING; F.log_softmax is not patched: 0"),
    "concat_stored": Rule(nothing, "torch.cat: not patched"),
    "stored": Rule(nothing, "a helper module: no hook"),
    "gather": Rule(nothing, "Tensor.index_select: not patched"),
    "unknown": UNKNOWN,
}

CONVENTION = Convention(
    name="ptflops",
    tool="ptflops 0.7.5 (pytorch backend, its default)",
    label="MACs",
    key="macs",
    summary="ptflops get_model_complexity_info, default 'pytorch' backend: module hooks (conv and linear MACs "
    "with their bias adds, norms 1-2 per element, ReLU-like activations and pools 1 per element, per image) "
    "plus patched torch.nn.functional calls (per batch); modules whose forward calls a patched function "
    "(nn.ReLU, pools, nn.GELU, nn.PReLU, nn.Upsample) are counted twice; sigmoid, tanh, hard-swish and "
    "Python operators (residual adds, SE multiplies) not at all",
    source="ptflops/pytorch_ops.py MODULES_MAPPING, FUNCTIONAL_MAPPING, TENSOR_OPS_MAPPING, "
    "conv_flops_counter_hook, linear_flops_counter_hook, bn_flops_counter_hook, relu_flops_counter_hook, "
    "pool_flops_counter_hook, upsample_flops_counter_hook; ptflops/pytorch_engine.py get_flops_pytorch, "
    "patch_functional, patch_tensor_ops, compute_average_flops_cost",
    rules=RULES,
    per_image=True,
)
