"""The parameter counts an ONNX file lets costcalc name, each with what it is (none silently relabelled).

An exporter stores what it kept, which is not always what the framework counts. ResNet-50 from
torch.onnx.export (TorchScript): the framework has 25,557,032 parameters; folding the 53 batch
norms into their convs removes 53,120 γ, β and adds 26,560 conv biases: 25,530,472 as deployed,
which is what costcalc counts layer by layer on the file's graph; the exporter then stores
identical tensors once (all the new biases of a size are zeros in an untrained model): 25,507,944
stored. Every figure here is one of those, named.
"""

from __future__ import annotations

from dataclasses import dataclass

from .convert import OnnxInfo


@dataclass(frozen=True)
class ParamFigure:
    key: str  # for JSON: params_stored, params_graph, params_framework, params_module
    label: str
    value: int
    note: str


def param_figures(info: OnnxInfo, graph_params: int, graph_non_trainable: int) -> list[ParamFigure]:
    """The named counts for a model, given costcalc's totals on its graph (analysis.totals)."""
    out = [
        ParamFigure(
            "params_stored",
            "Params as stored",
            info.stored_params,
            f"elements of the file's {info.stored_tensors:,} floating-point initializers, each counted once "
            "(tensors the exporter merged as identical count once)",
        )
    ]
    folded = info.folded_norms
    removed = sum(count for _, count in info.removed_biases)
    if removed and not folded:
        out.append(
            ParamFigure(
                "params_framework",
                "Params before export",
                graph_params + removed,
                f"the framework's count: + {removed:,} all-zero biases of {len(info.removed_biases)} layers, which the "
                "dynamo exporter removed (RemoveOptionalBiasFrom…; the module's parameters in the node metadata)",
            )
        )
    if folded:
        dropped = sum(f.bias for f in folded if not f.own_bias)
        restored = sum(2 * f.channels for f in folded)
        unknown_bias = any(f.own_bias is None for f in folded)
        out.append(
            ParamFigure(
                "params_graph",
                "Params as deployed",
                graph_params,
                f"costcalc's count on the graph as exported, with {len(folded)} batch norms folded into the layers "
                "before them (their biases included)",
            )
        )
        assumption = (
            "; the layers are assumed to have had no bias of their own (the exporter's names do not say)"
            if unknown_bias
            else ""
        )
        out.append(
            ParamFigure(
                "params_framework",
                "Params before folding",
                graph_params - dropped + restored + removed,
                f"the framework's count: − {dropped:,} folded biases + {restored:,} batch-norm γ, β "
                f"(its non-trainable values: {graph_non_trainable + restored:,}, with the running means and variances)"
                + (f" + {removed:,} all-zero biases the exporter removed" if removed else "")
                + f"{assumption}; folding recognised by {_evidence(folded)}",
            )
        )
    if info.module_params is not None:
        out.append(
            ParamFigure(
                "params_module",
                "Params of the module",
                info.module_params,
                "sum(p.numel() for p in module.parameters()) of the PyTorch module exported",
            )
        )
    if info.shared_weights:
        names = ", ".join(name for name, _ in info.shared_weights[:3]) + (" …" if len(info.shared_weights) > 3 else "")
        out.append(
            ParamFigure(
                "shared_weights",
                "Weights shared by layers",
                len(info.shared_weights),
                f"stored tensors read by more than one layer ({names}): each of those layers counts them in the "
                "graph's params, the file stores them once",
            )
        )
    return out


def _evidence(folded: tuple) -> str:
    return "; ".join(sorted({f.evidence for f in folded}))
