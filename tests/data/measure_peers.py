"""How the figures in peers.json section "measured" were taken: each peer run on torchvision models.

Never run in CI or by the tests (it needs torchvision, which does not install beside the torch the tests use):
run by hand in a venv with torch 2.14.1, torchvision 0.29.1 and the peers, e.g.
`python tests/data/measure_peers.py convnext_tiny fcn_resnet50@520 > figures.json` (name@S: at S×S).
"""

import json
import sys
import warnings

import torch
import torchvision
from torch.utils.flop_counter import FlopCounterMode

warnings.filterwarnings("ignore")
torch.set_grad_enabled(False)


class Out(torch.nn.Module):
    """A segmentation model returns {'out': ...}: measured on model(x)['out'], its scores."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def build(name):
    seg = name.split("_")[0] in ("fcn", "deeplabv3", "lraspp")
    if seg:
        model = torchvision.models.get_model(name, weights=None, weights_backbone=None, aux_loss=False, num_classes=21)
    else:
        model = torchvision.models.get_model(name, weights=None)
    return model.eval(), seg


def measure(name, size):
    from fvcore.nn import FlopCountAnalysis
    from ptflops import get_model_complexity_info
    from thop import profile
    from torchinfo import summary

    out = {"input": [size, size, 3]}
    model, seg = build(name)
    wrapped = Out(model).eval() if seg else model
    x = torch.zeros(1, 3, size, size)
    for backend, key in (("pytorch", "ptflops_macs"), ("aten", "ptflops_aten_macs")):
        macs, _ = get_model_complexity_info(
            wrapped, (3, size, size), as_strings=False, print_per_layer_stat=False, backend=backend
        )
        out[key] = int(macs)
    fv = FlopCountAnalysis(wrapped, x)
    fv.unsupported_ops_warnings(False)
    fv.uncalled_modules_warnings(False)
    out["fvcore_flops"] = int(fv.total())
    model, seg = build(name)  # thop adds buffers to the modules: a fresh model
    wrapped = Out(model).eval() if seg else model
    macs, params = profile(wrapped, (x,), verbose=False)
    out["thop_macs"], out["thop_params"] = int(macs), int(params)
    model, seg = build(name)
    wrapped = Out(model).eval() if seg else model
    out["torchinfo_mult_adds"] = int(summary(wrapped, input_data=x, verbose=0).total_mult_adds)
    with FlopCounterMode(display=False) as counter:
        wrapped(x)
    out["flop_counter_flops"] = int(counter.get_total_flops())
    out["params"] = sum(p.numel() for p in model.parameters())
    out["bn_running_stats"] = sum(
        m.running_mean.numel() + m.running_var.numel()
        for m in model.modules()
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
    )
    return out


if __name__ == "__main__":
    results = {}
    for arg in sys.argv[1:]:
        name, _, size = arg.partition("@")
        results[arg] = measure(name, int(size or 224))
        print(arg, results[arg], file=sys.stderr, flush=True)
    print(json.dumps(results, indent=1))
