"""docs/conventions.md, written from the convention tables themselves (so the page cannot drift from the
rules): every tool's rule for every layer kind, where it was read, and the structural facts assumed of
each PyTorch model. tests/test_conventions.py checks the page; refresh it with

    .venv/bin/python -m costcalc.conventions.doc > docs/conventions.md
"""

from __future__ import annotations

from . import NAMES, convention
from .structure import AS_BUILT, TORCHVISION, Structure


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _kinds_table(names: tuple[str, ...]) -> list[str]:
    conventions = [convention(n) for n in names]
    kinds = sorted(conventions[0].rules)
    lines = ["| kind | " + " | ".join(c.name for c in conventions) + " |"]
    lines.append("| --- |" + " --- |" * len(conventions))
    for kind in kinds:
        lines.append(f"| `{kind}` | " + " | ".join(_cell(c.rule(kind).text) for c in conventions) + " |")
    return lines


def _structures() -> list[str]:
    groups: dict[tuple, list[str]] = {}
    first: dict[tuple, Structure] = {}
    for builder, structure in TORCHVISION.items():
        key = (structure.facts, structure.overrides)
        groups.setdefault(key, []).append(builder)
        first.setdefault(key, structure)
    lines = [f"- **{AS_BUILT.model}**: " + "; ".join(AS_BUILT.facts) + "."]
    for key, builders in groups.items():
        file = first[key].model.rsplit("(", 1)[-1].rstrip(")")
        lines.append(f"- **torchvision {file}** ({', '.join(builders)}): " + "; ".join(first[key].facts) + ".")
    return lines


def markdown() -> str:
    out = [
        "# What each tool counts, layer kind by layer kind",
        "",
        "Written by `python -m costcalc.conventions.doc` from the tables in costcalc/conventions/ (one entry "
        "per layer kind per tool); do not edit by hand. README.md, section *Every tool's number*, says how "
        "to use them.",
        "",
        "## The tools and where their rules were read",
        "",
    ]
    for name in NAMES:
        c = convention(name)
        label = f" — its figure: {c.label}" if c.label else ""
        out += [f"### `{name}`: {c.tool}{label}", "", c.summary + ".", "", f"Read from: {c.source}.", ""]
    out += [
        "## The PyTorch models: the structural facts assumed",
        "",
        "A hook-based tool's figure depends on how the model is written (a module or a functional call, "
        "an operator). `--torch-model auto` counts the torchvision model a spec's `source` names, "
        "`--torch-model costcalc` the one `costcalc torch` builds:",
        "",
        *_structures(),
        "",
        "## The rules, kind by kind",
        "",
        *_kinds_table(("fvcore", "ptflops", "ptflops_aten")),
        "",
        *_kinds_table(("thop", "torchinfo")),
        "",
        "costcalc's own MACs, `flop_counter` (2 × MACs), `keras` (params and the batch-norm running "
        "statistics) and `papers` (MACs) count every kind alike; the stand-in `unknown` is an error under "
        "every tool.",
        "",
    ]
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown(), end="")
