"""Run the peers themselves (ptflops, fvcore, thop, torchinfo) on costcalc's PyTorch build of a graph, and
read each one's figures per costcalc layer and in total, through the tool's own counting code.

Each function returns ``((params, figure), {layer name: (params, figure)})``. The totals come from the
tool's public call; the per-layer figures from the same counters, attributed to the module of each layer
(a layer of costcalc's build is one module of SpecModule.layers).
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import torch

from costcalc.torch.model import SpecModule, attribute_names

warnings.filterwarnings("ignore")  # the tools' notes about unsupported ops and deprecated calls

Figures = tuple[tuple[int, int], dict[str, tuple[int, int]]]


def _model(graph: Any) -> tuple[SpecModule, dict[str, str]]:
    model = SpecModule(graph).eval()
    return model, {attr: node.name for attr, node in zip(attribute_names(graph), graph.nodes)}


def _trainable(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def ptflops_pytorch(graph: Any, batch: int = 1) -> Figures:
    from ptflops import get_model_complexity_info
    from ptflops import pytorch_engine as engine

    model, names = _model(graph)
    x = model.example_input(batch)
    with contextlib.redirect_stdout(io.StringIO()):
        figure, params = get_model_complexity_info(
            model,
            tuple(x.shape[1:]),
            as_strings=False,
            print_per_layer_stat=False,
            backend="pytorch",
            input_constructor=lambda res: torch.zeros(batch, *res),
        )
    # per layer: the same hooks and patches (pytorch_engine's own functions), read module by module
    model, names = _model(graph)
    engine.add_flops_counting_methods(model)
    model.start_flops_count(ost=io.StringIO(), verbose=False, ignore_list=[])
    collected: list[Any] = []
    engine.patch_functional(collected)
    engine.patch_tensor_ops(collected)
    start: dict[str, int] = {}
    functional: dict[str, Any] = {}
    for attr, layer in model.layers.items():
        layer.register_forward_pre_hook(lambda m, i, attr=attr: start.__setitem__(attr, len(collected)))
        layer.register_forward_hook(
            lambda m, i, o, attr=attr: functional.__setitem__(attr, sum(collected[start[attr] :]))
        )
    try:
        with torch.no_grad():
            model(x)
    finally:
        engine.unpatch_functional()
        engine.unpatch_tensor_ops()
    per = {}
    for attr, layer in model.layers.items():
        hooked = sum(m.__flops__ for m in layer.modules() if engine.is_supported_instance(m))
        per[names[attr]] = (_trainable(layer), hooked / batch + functional.get(attr, 0))
    model.stop_flops_count()
    return (params, figure), per


def ptflops_aten(graph: Any, batch: int = 1) -> Figures:
    from ptflops import get_model_complexity_info
    from ptflops.aten_engine import FlopCounterMode

    model, names = _model(graph)
    x = model.example_input(batch)
    with contextlib.redirect_stdout(io.StringIO()):
        figure, params = get_model_complexity_info(
            model,
            tuple(x.shape[1:]),
            as_strings=False,
            print_per_layer_stat=False,
            backend="aten",
            input_constructor=lambda res: torch.zeros(batch, *res),
        )
    counter = FlopCounterMode(None)  # ptflops' own dispatch mode, with a parent per costcalc layer
    for attr, layer in model.layers.items():
        layer.register_forward_pre_hook(lambda m, i, attr=attr: counter.parents.append(attr) and None)
        layer.register_forward_hook(lambda m, i, o: counter.parents.pop() and None)
    with counter:
        model(x)
    per = {names[a]: (_trainable(layer), sum(counter.flop_counts[a].values())) for a, layer in model.layers.items()}
    return (params, figure), per


def fvcore(graph: Any, batch: int = 1) -> Figures:
    from fvcore.nn import FlopCountAnalysis, parameter_count

    model, names = _model(graph)
    analysis = FlopCountAnalysis(model, model.example_input(batch))
    analysis.unsupported_ops_warnings(False)
    analysis.uncalled_modules_warnings(False)
    figure = analysis.total()
    by_module = analysis.by_module()
    params = parameter_count(model)
    per = {names[a]: (params.get("layers." + a, 0), by_module.get("layers." + a, 0)) for a in model.layers}
    return (params[""], figure), per


def thop(graph: Any, batch: int = 1) -> Figures:
    from thop import profile

    model, names = _model(graph)
    with contextlib.redirect_stdout(io.StringIO()):
        figure, params, info = profile(model, (model.example_input(batch),), verbose=False, ret_layer_info=True)
    per = {names[a]: (int(p), int(ops)) for a, (ops, p, _) in info["layers"][2].items()}
    return (int(params), int(figure)), per


def torchinfo(graph: Any, batch: int = 1) -> Figures:
    from torchinfo import summary

    model, names = _model(graph)
    stats = summary(model, input_data=model.example_input(batch), verbose=0)
    owner = {id(m): attr for attr, layer in model.layers.items() for m in layer.modules()}
    per = {names[a]: [0, 0] for a in model.layers}
    for info in stats.summary_list:  # ModelStatistics sums the leaf layers' macs
        attr = owner.get(info.layer_id)
        if attr is None or not info.is_leaf_layer:
            continue
        per[names[attr]][1] += info.macs
        if not info.is_recursive:
            per[names[attr]][0] += info.num_params
    return (stats.total_params, stats.total_mult_adds), {k: (v[0], v[1]) for k, v in per.items()}


PEERS = {
    "ptflops": ptflops_pytorch,
    "ptflops_aten": ptflops_aten,
    "fvcore": fvcore,
    "thop": thop,
    "torchinfo": torchinfo,
}
PACKAGES = {
    "ptflops": "ptflops",
    "ptflops_aten": "ptflops",
    "fvcore": "fvcore",
    "thop": "thop",
    "torchinfo": "torchinfo",
}
