"""Network diagrams as Mermaid or Graphviz DOT text: layers (or folded blocks) with their costs,
blocks as clusters, edges labelled with the tensor they carry, as Netscope drew Caffe specs.

The layout is left to the renderers (GitHub's Mermaid, Graphviz's dot); nothing is placed here.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..analysis import Analysis
from ..columns import block_kind, kind_label
from ..errors import CostcalcError
from ..layers import fmt_shape
from .text import one_line, short


class DiagramError(CostcalcError):
    """A diagram that cannot be drawn here (no Graphviz): CLI exit code 2."""


@dataclass
class Cluster:
    name: str
    label: str
    nodes: list[int] = field(default_factory=list)
    children: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    name: str
    kind: str
    shape: tuple[int, ...]
    macs: int
    share: float  # of the network's MACs
    cluster: str | None  # the innermost drawn block holding it


@dataclass
class Diagram:
    title: str
    boxes: list[Box]
    edges: list[tuple[int, int, str]]  # from box, to box, tensor label
    clusters: dict[str, Cluster]
    roots: list[str]  # clusters at the top
    exact: bool = False  # MACs as full integers (--exact) rather than K/M/G


def build_diagram(analysis: Analysis, depth: int | None = None, exact: bool = False) -> Diagram:
    """Boxes for the layers, or for blocks folded below ``depth``; clusters for the blocks above it."""
    blocks = {b.name: b for b in analysis.blocks}
    box_of: dict[str, int] = {}  # layer name -> box index
    boxes: list[Box] = []
    clusters: dict[str, Cluster] = {}
    roots: list[str] = []
    total = analysis.totals.macs or 1

    def cluster_for(name: str | None) -> str | None:
        """Make sure the drawn block ``name`` and its ancestors exist as clusters."""
        if name is None:
            return None
        if name not in clusters:
            block = blocks[name]
            label = f"{block.name}: {block_kind(block)}"
            clusters[name] = Cluster(name, label)
            parent = cluster_for(block.block)
            (clusters[parent].children if parent else roots).append(name)
        return name

    index_of_row: dict[str, int] = {}
    for layer, row in zip(analysis.layers, analysis.shown_as(depth)):
        if row.name not in index_of_row:
            kind = kind_label(row)
            box = Box(row.name, kind, row.output, row.macs, row.macs / total, cluster_for(row.block))
            if box.cluster:
                clusters[box.cluster].nodes.append(len(boxes))
            index_of_row[row.name] = len(boxes)
            boxes.append(box)
        box_of[layer.name] = index_of_row[row.name]
    outputs = {x.name: x.output for x in analysis.layers}
    edges: list[tuple[int, int, str]] = []
    seen: set[tuple[int, int]] = set()
    for layer in analysis.layers:
        target = box_of[layer.name]
        for source_name in layer.inputs:
            source = box_of[source_name]
            if source != target and (source, target) not in seen:
                seen.add((source, target))
                edges.append((source, target, fmt_shape(outputs[source_name])))
    return Diagram(analysis.name, boxes, edges, clusters, roots, exact)


def _label(box: Box, exact: bool = False) -> list[str]:
    lines = [box.name, f"{box.kind} · {fmt_shape(box.shape)}"]
    if box.macs:
        lines.append(
            f"{box.macs:,} MACs ({100 * box.share:.1f}%)"
            if exact
            else f"{short(box.macs)} MACs ({100 * box.share:.1f}%)"
        )
    return lines


def _heat(share: float) -> str:
    """A fill from white to orange by share of MACs, so the heavy layers stand out."""
    level = min(1.0, share * 4)  # 25% of the MACs or more: the strongest colour
    red, green, blue = 255, int(255 - 120 * level), int(255 - 220 * level)
    return f"#{red:02x}{green:02x}{blue:02x}"


# ---------------------------------------------------------------- Mermaid


MERMAID_PLAIN = set(" _.-,:/+×·")


def _mermaid_text(text: str) -> str:
    """Text for a quoted Mermaid label: anything but letters, digits and plain punctuation as an entity code.

    Inside "..." Mermaid ends the label at any ", reads #…; as an entity code and renders the rest as
    HTML, so " # & < > and the like are written as #34; etc. In a label of several lines it also reads
    a backslash and n as a line break: a zero-width space after each backslash keeps the text as written
    (found by the helper who checked these labels with Mermaid 11 in Chromium).
    """
    return "".join(
        c if c.isalnum() or c in MERMAID_PLAIN else "#92;#8203;" if c == "\\" else f"#{ord(c)};" for c in one_line(text)
    )


def to_mermaid(diagram: Diagram) -> str:
    # the title is entity-coded like every label: no spec text can end the comment or form a %%{…}%% directive
    lines = ["flowchart TD", f"  %% {_mermaid_text(diagram.title)}: costcalc diagram"]

    def emit_cluster(name: str, indent: str) -> None:
        cluster = diagram.clusters[name]
        lines.append(f'{indent}subgraph c{list(diagram.clusters).index(name)}["{_mermaid_text(cluster.label)}"]')
        for index in cluster.nodes:
            lines.append(indent + "  " + _mermaid_node(diagram.boxes[index], index, diagram.exact))
        for child in cluster.children:
            emit_cluster(child, indent + "  ")
        lines.append(f"{indent}end")

    for index, box in enumerate(diagram.boxes):
        if box.cluster is None:
            lines.append("  " + _mermaid_node(box, index, diagram.exact))
    for root in diagram.roots:
        emit_cluster(root, "  ")
    for source, target, label in diagram.edges:
        lines.append(f'  n{source} -->|"{_mermaid_text(label)}"| n{target}')
    for index, box in enumerate(diagram.boxes):
        if box.macs:
            lines.append(f"  style n{index} fill:{_heat(box.share)}")
    return "\n".join(lines) + "\n"


def _mermaid_node(box: Box, index: int, exact: bool = False) -> str:
    return f'n{index}["{"<br/>".join(_mermaid_text(line) for line in _label(box, exact))}"]'


# ---------------------------------------------------------------- DOT


def _dot_text(text: str) -> str:
    """A quoted DOT label: backslashes and quotes escaped, and & too, since Graphviz decodes &amp; entities."""
    return one_line(text).replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def to_dot(diagram: Diagram) -> str:
    lines = [
        "digraph costcalc {",
        f'  label="{_dot_text(diagram.title)}"; labelloc=t; fontname="Helvetica"; rankdir=TB;',
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9, color="#555555"];',
    ]

    def emit_cluster(name: str, indent: str) -> None:
        cluster = diagram.clusters[name]
        lines.append(f"{indent}subgraph cluster_{list(diagram.clusters).index(name)} {{")
        lines.append(f'{indent}  label="{_dot_text(cluster.label)}"; style="rounded"; color="#8888aa";')
        for index in cluster.nodes:
            lines.append(indent + "  " + _dot_node(diagram.boxes[index], index, diagram.exact))
        for child in cluster.children:
            emit_cluster(child, indent + "  ")
        lines.append(f"{indent}}}")

    for index, box in enumerate(diagram.boxes):
        if box.cluster is None:
            lines.append("  " + _dot_node(box, index, diagram.exact))
    for root in diagram.roots:
        emit_cluster(root, "  ")
    for source, target, label in diagram.edges:
        lines.append(f'  n{source} -> n{target} [label="{_dot_text(label)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_node(box: Box, index: int, exact: bool = False) -> str:
    label = "\\n".join(_dot_text(line) for line in _label(box, exact))
    return f'n{index} [label="{label}", fillcolor="{_heat(box.share)}"];'


# ---------------------------------------------------------------- rendering with Graphviz

GRAPHVIZ_HINT = "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz)"


def graphviz_available() -> bool:
    return shutil.which("dot") is not None


@contextlib.contextmanager
def _pipe_errors_as_errors() -> Iterator[None]:
    """A Graphviz that exits before reading all its input is an error to report, not a SIGPIPE that would
    end costcalc silently (the command line lets SIGPIPE end the process for its own standard output)."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN) if main_thread else None
    try:
        yield
    finally:
        if main_thread:
            signal.signal(signal.SIGPIPE, previous)


def render_dot(dot: str, fmt: str, timeout: float = 300) -> bytes:
    """SVG or PNG from Graphviz's own layout engine (its `dot` program)."""
    if not graphviz_available():
        raise DiagramError(
            f"{fmt.upper()} needs Graphviz's dot program, which is not installed; {GRAPHVIZ_HINT} "
            "(mermaid and dot text work without it)"
        )
    try:
        with _pipe_errors_as_errors():
            result = subprocess.run(
                ["dot", f"-T{fmt}"], input=dot.encode("utf-8"), capture_output=True, check=False, timeout=timeout
            )
    except subprocess.TimeoutExpired:
        raise DiagramError(
            f"Graphviz did not finish within {timeout:.0f} s (the graph is too large to lay out)"
        ) from None
    except OSError as exc:
        raise DiagramError(f"Graphviz could not run: {exc.strerror or exc}") from None
    if result.returncode != 0:
        raise DiagramError(f"Graphviz failed: {result.stderr.decode(errors='replace').strip()[:500]}")
    return result.stdout
