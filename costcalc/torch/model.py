"""A spec's layer graph as a torch.nn.Module, and as readable Python code that builds the same module."""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from ..errors import CostcalcError
from ..graph import Graph
from . import modules
from .parts import build_part, is_helper, layer_parts, part_code
from .python_text import comment, docstring, identifiers, is_safe_identifier


def attribute_names(graph: Graph) -> list[str]:
    """A Python identifier for every node, unique as Python compares names, from its dotted name
    (layer1.0.conv1 -> layer1_0_conv1)."""
    return identifiers(node.name for node in graph.nodes)


class SpecModule(nn.Module):
    """The layers of a spec in a ModuleDict (keyed by attribute_names), run in the graph's order."""

    def __init__(self, graph: Graph) -> None:
        super().__init__()
        names = attribute_names(graph)
        self.layers = nn.ModuleDict()
        self.plan: list[tuple[str, list[str]]] = []
        for node, name, parts in zip(graph.nodes, names, layer_parts(graph)):
            if node.kind == "input":
                continue
            built = [build_part(p) for p in parts]
            self.layers[name] = built[0] if len(built) == 1 else nn.Sequential(*built)
            self.plan.append((name, [names[i] for i in node.inputs]))
        self.input_name = names[0]
        self.input_shape = graph.input_shape
        self.output_name = names[-1]

    def outputs(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Every layer's output, by attribute name (for checking shapes layer by layer)."""
        values = {self.input_name: x}
        for name, inputs in self.plan:
            values[name] = self.layers[name](*(values[i] for i in inputs))
        return values

    def forward(self, x: torch.Tensor, every_layer: bool = False) -> Any:
        """The network's output; with every_layer, every layer's output by attribute name."""
        values = self.outputs(x)
        return values if every_layer else values[self.output_name]

    def example_input(self, batch: int = 1) -> torch.Tensor:
        """Zeros of the spec's input shape, NCHW (or N×features)."""
        shape = self.input_shape
        dims = (batch, shape[2], shape[0], shape[1]) if len(shape) == 3 else (batch, *shape)
        return torch.zeros(dims)


def build_module(graph: Graph) -> SpecModule:
    return SpecModule(graph)


def module_code(graph: Graph, class_name: str = "Net") -> str:
    """Runnable PyTorch code for the spec: any helper modules it needs, then one nn.Module class.

    No spec text can run: names become identifiers (python_text.identifiers), the spec's name,
    description and source a docstring that nothing in them can end, layer names in comments escaped.
    """
    all_parts = layer_parts(graph)
    helpers = sorted({p.cls for parts in all_parts for p in parts if is_helper(p)})
    if not is_safe_identifier(class_name) or class_name in ("torch", "nn", *helpers):
        raise CostcalcError(
            f"class name {class_name!r} is not a usable Python class name; expected an identifier that is not a "
            "keyword and not torch, nn or a helper module's name"
        )
    names = attribute_names(graph)
    shape = graph.input_shape
    example = f"(1, {shape[2]}, {shape[0]}, {shape[1]})" if len(shape) == 3 else f"(1, {shape[0]})"
    about = [
        f"{graph.name}, as costcalc builds it from its spec (input {'×'.join(map(str, shape))}, channels last in"
        " the spec, NCHW here)."
    ]
    for text in (graph.description, f"Source: {graph.source}" if graph.source else ""):
        if text.strip():
            about += ["", *text.strip().splitlines()]
    lines = [docstring(about), "", "import torch", "from torch import nn", ""]
    for helper in helpers:
        lines += ["", inspect.getsource(getattr(modules, helper)).rstrip(), ""]
    lines += ["", f"class {class_name}(nn.Module):", "    def __init__(self):", "        super().__init__()"]
    for node, name, parts in zip(graph.nodes, names, all_parts):
        if not parts:
            continue
        built = part_code(parts[0]) if len(parts) == 1 else "nn.Sequential(" + ", ".join(map(part_code, parts)) + ")"
        lines.append(f"        self.{name} = {built}  # {comment(node.name)}: {node.kind}")
    lines += ["", f"    def forward(self, {names[0]}):"]
    for node, name in zip(graph.nodes, names):
        if node.kind == "input":
            continue
        args = ", ".join(names[i] for i in node.inputs)
        lines.append(f"        {name} = self.{name}({args})")
    lines += [
        f"        return {names[-1]}",
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {class_name}().eval()",
        f"    out = model(torch.zeros{example})",
        '    print(tuple(out.shape), sum(p.numel() for p in model.parameters()), "parameters")',
        "",
    ]
    return "\n".join(lines)


def parameter_count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
