"""Parts (a layer kind's PyTorch equivalent, as plain data) turned into modules and into code.

Each layer kind describes its PyTorch modules itself (``LayerKind.torch`` returns :class:`Part`s:
a class name and its arguments); here the same description builds the module and writes its
constructor call, so `costcalc torch` and `costcalc verify` cannot disagree.
"""

from __future__ import annotations

import inspect
from typing import Any

from torch import nn

from ..graph import Graph
from ..layers import KINDS
from ..layers.base import NoTorchEquivalent, Part
from . import modules

__all__ = ["NoTorchEquivalent", "Part", "build_part", "is_helper", "layer_parts", "part_code"]


def is_helper(part: Part) -> bool:
    """Whether the part's class is one of costcalc.torch.modules (copied into generated code) or torch.nn's."""
    return isinstance(getattr(modules, part.cls, None), type) and issubclass(getattr(modules, part.cls), nn.Module)


def _factory(part: Part) -> type[nn.Module]:
    factory = getattr(modules, part.cls) if is_helper(part) else getattr(nn, part.cls, None)
    if not (isinstance(factory, type) and issubclass(factory, nn.Module)):
        raise NoTorchEquivalent(f"'{part.cls}' is neither a torch.nn module nor a costcalc helper module")
    return factory


def build_part(part: Part) -> nn.Module:
    return _factory(part)(*part.args, **part.kwargs)


def part_code(part: Part) -> str:
    """The constructor call, as a person would write it: [h, w] pairs that agree as one number, and
    keyword arguments left out where they are the class's defaults."""
    factory = _factory(part)
    defaults = {name: p.default for name, p in inspect.signature(factory).parameters.items()}
    args = [repr(_plain(a)) for a in part.args]
    args += [f"{k}={_plain(v)!r}" for k, v in part.kwargs.items() if _plain(v) != defaults.get(k, _MISSING)]
    return f"{'' if is_helper(part) else 'nn.'}{part.cls}({', '.join(args)})"


_MISSING = object()


def _plain(value: Any) -> Any:
    """(3, 3) -> 3: PyTorch takes one number for both axes."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] == value[1]:
        return value[0]
    return value


def layer_parts(graph: Graph) -> list[list[Part]]:
    """The parts of every node, each from its own kind (none for the network input)."""
    out = []
    for node in graph.nodes:
        if node.kind == "input":
            out.append([])
            continue
        inputs = [graph.nodes[i].shape for i in node.inputs]
        out.append(KINDS[node.kind].torch(node.params, inputs, node.shape))
    return out
