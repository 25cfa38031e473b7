"""The report: everything one command says about a network, built once, as plain frozen data.

A :class:`Report` holds the analysis and what was asked on top of it (peak memory always; receptive
fields, the training estimate, a breakdown, budgets when asked), with the table's columns and rows
and the totals as an ordered list of facts. Every renderer (terminal, JSON, CSV, Markdown, LaTeX,
HTML, charts) takes the whole report, so that a fact shown in one format is in all of them, with
the same value. A :class:`ComparisonReport` holds one report per spec and how they relate; a
:class:`SweepReport` one row per variant.

    >>> import costcalc
    >>> costcalc.report("resnet50").fact("peak_memory").value
    9633792
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

from .analysis import Analysis, BlockCost, LayerCost
from .breakdown import BREAKDOWNS, GroupCost
from .checks import Notice, dead_layer_notices
from .columns import Column, chart_columns, group_columns, hardware_columns, layer_columns, rf_columns
from .conventions import CONVENTION
from .errors import CostcalcError
from .layers import fmt_shape
from .memory import PeakMemory, peak_memory

if TYPE_CHECKING:
    from .graph import Graph
    from .hardware import HardwareView
    from .receptive_field import ReceptiveField
    from .settings import Settings
    from .spec import Spec
    from .sweep import Axis, Variant
    from .training import TrainingCost

SCHEMA_VERSION = 2
HELD_SHOWN = 4  # tensors named in the peak-memory note

Unit = Literal["count", "bytes", "seconds", "ratio", "text"]


class ReportError(CostcalcError):
    """Options that cannot go together (CLI exit code 2)."""


@dataclass(frozen=True, slots=True)
class Fact:
    """One total: its JSON/CSV key, its label, its exact value and unit, and what it means here."""

    key: str
    label: str
    value: int | float | str  # an exact int for counts and bytes; seconds and ratios are floats
    unit: Unit
    note: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A group of facts shown together: the totals, the training estimate, the budgets."""

    key: str  # "totals", "training", "budgets"
    title: str
    facts: tuple[Fact, ...]
    note: str = ""

    def qualified(self, fact: Fact) -> str:
        """The fact's name across sections (CSV fact rows): 'macs', 'training.step_macs'."""
        return fact.key if self.key == "totals" else f"{self.key}.{fact.key}"


@dataclass(frozen=True, slots=True)
class Row:
    """A row of the layer table: a layer, a block with its subtotals, or a breakdown group."""

    item: LayerCost | BlockCost | GroupCost
    role: Literal["layer", "block", "group"]
    label: str  # its own name, as the tree shows it under its block (exports use item.name)
    depth: int  # indentation in the tree
    folded: bool = False  # a block shown as one row (--depth), its layers not listed


@dataclass(frozen=True, slots=True)
class BudgetCheck:
    key: str  # the fact it limits
    label: str
    option: str  # as on the command line, e.g. --max-macs
    written: str  # the limit as the user wrote it
    limit: int
    value: int

    @property
    def ok(self) -> bool:
        return self.value <= self.limit

    def message(self) -> str:
        """'MACs 4,089,184,256 exceed the budget of 600,000,000 (--max-macs 600M) by 3,489,184,256 (6.82×)'."""
        if self.ok:
            return f"{self.label} {self.value:,} within the budget of {self.limit:,} ({self.option} {self.written})"
        times = f" ({self.value / self.limit:.2f}× the budget)" if self.limit else ""
        return (
            f"{self.label} {self.value:,} exceed the budget of {self.limit:,} ({self.option} {self.written}) "
            f"by {self.value - self.limit:,}{times}"
        )


def own_label(name: str, parent: BlockCost | None, by_name: Mapping[str, BlockCost]) -> str:
    """A row's name as the tree shows it under its block: 'conv1' under 'layer1.0'. A repetition keeps
    its group's own name ('layer1.0' under 'layer1', 'conv.0' under 'stage1.conv'): '0' alone says nothing."""
    if parent is None or not name.startswith(parent.name + "."):
        return name
    if not parent.repeat:
        return name[len(parent.name) + 1 :]
    outer = by_name.get(parent.block) if parent.block else None
    return name[len(outer.name) + 1 :] if outer is not None and name.startswith(outer.name + ".") else name


def tree_rows(analysis: Analysis, depth: int | None) -> tuple[Row, ...]:
    """The layers in order, each block opened by a row with its subtotals; blocks nested deeper than
    ``depth`` folded into one row."""
    by_name = {b.name: b for b in analysis.blocks}
    opened: set[str] = set()
    out: list[Row] = []
    for item in analysis.rows(depth):
        chain = []
        name = item.block
        while name is not None and name not in opened:
            chain.append(by_name[name])
            name = by_name[name].block
        for block in reversed(chain):
            opened.add(block.name)
            parent = by_name.get(block.block) if block.block else None
            out.append(Row(block, "block", own_label(block.name, parent, by_name), block.depth))
        parent = by_name.get(item.block) if item.block else None
        if isinstance(item, BlockCost):
            opened.add(item.name)
            out.append(Row(item, "block", own_label(item.name, parent, by_name), item.depth, folded=True))
        else:
            out.append(Row(item, "layer", own_label(item.name, parent, by_name), item.depth))
    return tuple(out)


@dataclass(frozen=True)
class Report:
    """Everything asked about one network. Build it with :func:`report` (or :func:`build_report`)."""

    analysis: Analysis
    peak: PeakMemory
    depth: int | None = None
    by: str | None = None
    groups: tuple[GroupCost, ...] | None = None
    fields: Mapping[str, ReceptiveField] | None = None
    training: TrainingCost | None = None
    budgets: tuple[BudgetCheck, ...] = ()
    warnings: tuple[Notice, ...] = ()
    chart: bool = False
    input_note: str = ""  # where the input size came from, when not the spec's own
    convention: Any = None  # a peer tool's figures (costcalc.conventions.count.PeerCount) when asked for
    hardware: HardwareView | None = None  # --device, --weights-dtype, --activations-dtype
    source_facts: tuple[Fact, ...] = ()  # what an ONNX file lets costcalc name about its params

    # ---------------------------------------------------------------- what the tables show

    @property
    def name(self) -> str:
        return self.analysis.name

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """Every column this report can show or export, in order (the table's default set is those with
        ``default``; --columns picks others)."""
        totals = self.analysis.totals
        if self.groups is not None:
            return self._convention_columns(group_columns(totals.macs, totals.params))
        columns = layer_columns(totals.macs, totals.params)
        if self.fields is not None:
            columns += rf_columns(self.fields)
        if self.hardware is not None:
            columns += hardware_columns(self.hardware_figures)
        if self.chart:
            columns += chart_columns(totals.macs, totals.params)
        return self._convention_columns(columns)

    @cached_property
    def hardware_figures(self) -> dict[str, dict[str, Any]]:
        """Each layer's and block's hardware figures by name (a block's: the sums of its layers', its
        intensity their FLOPs over their bytes, its bound its layers' when they agree, else 'mixed')."""
        from .hardware import layer_figures

        if self.hardware is None:
            return {}
        figures: dict[str, dict[str, Any]] = dict(layer_figures(self.hardware))
        parent = {b.name: b.block for b in self.analysis.blocks}
        sums: dict[str, dict[str, Any]] = {}
        for layer, moved in zip(self.analysis.layers, self.hardware.traffic.layers):
            own = figures.get(layer.name, {})
            block = layer.block
            while block is not None:
                total = sums.setdefault(block, {"bytes": 0, "flops": 0})
                total["bytes"] += own.get("bytes", 0)
                total["flops"] += 2 * moved.macs
                for key in ("seconds", "compute_seconds", "memory_seconds"):
                    if key in own:
                        total[key] = total.get(key, 0.0) + own[key]
                if own.get("bound") not in (None, "none"):
                    total.setdefault("bounds", set()).add(own["bound"])
                block = parent[block]
        for name, total in sums.items():
            flops = total.pop("flops")
            total["intensity"] = flops / total["bytes"] if total["bytes"] else None
            bounds = total.pop("bounds", None)
            if bounds is not None:
                total["bound"] = bounds.pop() if len(bounds) == 1 else "mixed"
            figures[name] = total
        moved = self.hardware.traffic.totals
        whole: dict[str, Any] = {"bytes": moved.bytes, "intensity": moved.intensity}
        if self.hardware.roofline is not None:
            t = self.hardware.roofline.totals
            whole.update(seconds=t.seconds, compute_seconds=t.compute_seconds, memory_seconds=t.memory_seconds)
        figures["Total"] = whole  # the totals row of the table (TotalRow's name)
        return figures

    def _convention_columns(self, columns: tuple[Column, ...]) -> tuple[Column, ...]:
        """Under a peer's convention, its figures in place of the params and MACs columns."""
        if self.convention is None:
            return columns
        from .conventions import in_report

        rows = in_report.row_terms(self.convention, self.analysis, self.groups, self.by)
        return in_report.columns(self.convention, rows, columns)

    @cached_property
    def rows(self) -> tuple[Row, ...]:
        """The table's rows: the breakdown's groups, or the layers as a tree folded at ``depth``."""
        if self.groups is not None:
            return tuple(Row(g, "group", g.name, 0) for g in self.groups)
        return tree_rows(self.analysis, self.depth)

    @property
    def total_row(self) -> Any:
        """The totals as a row of the table's columns (name 'Total')."""
        return TotalRow(self.analysis, len(self.analysis.layers))

    # ---------------------------------------------------------------- the facts

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        out = [Section("totals", "Totals", self._totals())]
        if self.source_facts:
            out.append(
                Section(
                    "onnx",
                    "Params the ONNX file shows",
                    self.source_facts,
                    "Params above is costcalc's count on the graph as exported; these are what else the file shows",
                )
            )
        if self.convention is not None:
            from .conventions import in_report

            out.append(in_report.section(self.convention))
        if self.training is not None:
            out.append(self._training_section())
        if self.hardware is not None:
            out.append(self._hardware_section())
        if self.budgets:
            out.append(
                Section(
                    "budgets",
                    "Budgets",
                    tuple(Fact(b.key, b.label, b.limit, _unit(b.key), b.message()) for b in self.budgets),
                    "each budget's limit; the note says whether the total is within it",
                )
            )
        return tuple(out)

    def fact(self, key: str) -> Fact:
        """A fact by its qualified name: 'macs', 'peak_memory', 'training.step_macs'."""
        for section in self.sections:
            for item in section.facts:
                if section.qualified(item) == key:
                    return item
        raise KeyError(key)

    def _totals(self) -> tuple[Fact, ...]:
        t = self.analysis.totals
        peak = self.peak
        held = ", ".join(peak.held[:HELD_SHOWN])
        if len(peak.held) > HELD_SHOWN:
            held += f" and {len(peak.held) - HELD_SHOWN} more"
        mode = " (activations in place)" if peak.in_place else ""
        return (
            Fact("params", "Params", t.params, "count"),
            Fact("non_trainable", "Non-trainable", t.non_trainable, "count"),
            Fact("macs", "MACs", t.macs, "count"),
            Fact("flops", "FLOPs", t.flops, "count"),
            Fact("other_ops", "Other ops", t.other_ops, "count"),
            Fact("activations", "Activations", t.activations, "count"),
            Fact("param_bytes", "Param bytes", t.param_bytes, "bytes"),
            Fact("activation_bytes", "Activation bytes", t.activation_bytes, "bytes"),
            Fact(
                "peak_memory",
                "Peak memory",
                peak.bytes,
                "bytes",
                f"activations held at once{mode}: at {peak.layer}, holding {held}" if peak.layer else "",
            ),
        )

    def _training_section(self) -> Section:
        from .training import OPTIMIZERS

        cost = self.training
        assert cost is not None
        state, what = OPTIMIZERS[cost.optimizer]
        skipped = cost.reads_network_input
        names = ", ".join(skipped[:3]) + (" …" if len(skipped) > 3 else "")
        first = (
            f"; none for {names} ({'it reads' if len(skipped) == 1 else 'they read'} the network input)"
            if skipped
            else ""
        )
        forward = cost.forward_macs
        ratio = f" = {cost.step_macs / forward:.2f} × forward" if forward else ""
        batch = f"batch {self.analysis.batch}, " if self.analysis.batch != 1 else ""
        return Section(
            "training",
            f"Training with {cost.optimizer} ({batch}{self.analysis.dtype})",
            (
                Fact("weight_bytes", "Weights", cost.weight_bytes, "bytes", "params and non-trainable buffers"),
                Fact("gradient_bytes", "Gradients", cost.gradient_bytes, "bytes", "one per param"),
                Fact("optimizer_bytes", "Optimizer state", cost.optimizer_bytes, "bytes", f"{state} per param: {what}"),
                Fact(
                    "activation_bytes",
                    "Activations kept",
                    cost.activation_bytes,
                    "bytes",
                    "every layer's output, for the backward pass",
                ),
                Fact("total_bytes", "Training memory", cost.total_bytes, "bytes", "the sum"),
                Fact("forward_macs", "Forward MACs", forward, "count"),
                Fact(
                    "input_gradient_macs",
                    "Input gradients",
                    cost.input_gradient_macs,
                    "count",
                    "= forward MACs of each layer" + first,
                ),
                Fact("weight_gradient_macs", "Weight gradients", cost.weight_gradient_macs, "count", "= forward MACs"),
                Fact("backward_macs", "Backward MACs", cost.backward_macs, "count", "input + weight gradients"),
                Fact("step_macs", "Training step MACs", cost.step_macs, "count", "forward + backward" + ratio),
            ),
            "the gradients with respect to a conv or fc layer's input and to its weights each cost its forward "
            "MACs, none with respect to the network input: about 3 × forward in all",
        )

    def _hardware_section(self) -> Section:
        from .hardware import facts

        view = self.hardware
        assert view is not None
        units = {"bytes": "bytes", "count": "count", "seconds": "seconds", "flop_per_byte": "ratio", "text": "text"}
        return Section(
            "hardware",
            self.hardware_title,
            tuple(Fact(f.key, f.label[0].upper() + f.label[1:], f.value, units[f.unit], f.rule) for f in facts(view)),  # type: ignore[arg-type]
            f"the device's figures and their sources: costcalc devices {view.device.name}" if view.device else "",
        )

    @property
    def hardware_title(self) -> str:
        view = self.hardware
        if view is None:
            return ""
        p = view.traffic.precision
        where = f" on {view.device.title}" if view.device is not None else ""
        mixed = f", {len(p.layers)} layers with their own dtypes" if p.layers else ""
        what = "Memory traffic and latency" if view.device is not None else "Memory traffic"
        return f"{what}{where} ({p.weights} weights, {p.activations} activations{mixed})"

    # ---------------------------------------------------------------- words

    @property
    def title(self) -> str:
        a = self.analysis
        batch = f" · batch {a.batch}" if a.batch != 1 else ""
        note = f" ({self.input_note})" if self.input_note else ""
        convention = f" · {self.convention.convention.name} convention" if self.convention is not None else ""
        device = ""
        if self.hardware is not None:
            p = self.hardware.traffic.precision
            on = f" on {self.hardware.device.name}" if self.hardware.device is not None else ""
            same = p.weights == p.activations == a.dtype
            device = on if same else f" · {p.weights} weights, {p.activations} activations{on}"
        return f"{a.name} · input {fmt_shape(a.input)}{note}{batch} · {a.dtype}{device}{convention}"

    @property
    def convention_keys(self) -> tuple[str, ...]:
        """The keys of a peer convention's per-layer columns ('ptflops_params', 'ptflops_macs'), or none."""
        if self.convention is None:
            return ()
        from .conventions.in_report import column_keys

        return column_keys(self.convention)

    @property
    def convention_note(self) -> str:
        """The peer convention's rule in words (every format prints it), or '' under costcalc's own."""
        if self.convention is None:
            return ""
        from .conventions import in_report

        return "Convention: " + in_report.words(self.convention) + "."

    @property
    def conventions(self) -> Mapping[str, str]:
        return CONVENTION

    @property
    def over_budget(self) -> tuple[BudgetCheck, ...]:
        return tuple(b for b in self.budgets if not b.ok)

    # ---------------------------------------------------------------- the library's formats

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as Python data (``json.dumps`` of it is ``costcalc analyze -f json``)."""
        from .render.json_out import report_dict

        return report_dict(self)

    def to_json(self) -> str:
        from .render.json_out import render_report

        return render_report(self)

    def to_csv(self) -> str:
        from .render.csv_out import render_report

        return render_report(self)

    def to_markdown(self) -> str:
        from .render.markdown import render_report

        return render_report(self)

    def to_latex(self) -> str:
        from .render.latex import render_report

        return render_report(self)

    def to_html(self) -> str:
        from .render.html import render_html

        return render_html(self)

    def to_dataframe(self) -> Any:
        """The CSV as a pandas DataFrame (needs pandas, imported only here)."""
        from .render.csv_out import read_dataframe

        return read_dataframe(self.to_csv())

    def _repr_html_(self) -> str:  # Jupyter shows the table
        from .render.html import report_fragment

        return report_fragment(self)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


@dataclass(frozen=True, slots=True)
class TotalRow:
    """The totals row of a layer table: the analysis totals under the row attributes columns read."""

    analysis: Analysis
    layers: int
    name: str = "Total"
    kind: str = ""
    block: None = None
    inputs: tuple[str, ...] = ()
    output: tuple[int, ...] = ()

    def __getattr__(self, key: str) -> Any:
        return getattr(self.analysis.totals, key)


def _unit(key: str) -> Unit:
    return "bytes" if key.endswith("bytes") or key == "peak_memory" else "count"


# ---------------------------------------------------------------- building


@dataclass(frozen=True)
class Options:
    """What a report is asked to hold on top of the counts (the CLI's --depth, --by, --rf, ...)."""

    depth: int | None = None
    by: str | None = None
    rf: bool = False
    training: str | None = None
    in_place: bool = False
    chart: bool = False
    budgets: Mapping[str, str | int] = field(default_factory=dict)  # fact key -> limit (5M, 50MiB, 600000)
    convention: str | None = None  # a peer tool's convention (costcalc.conventions.NAMES); None: costcalc's
    torch_model: str = "auto"  # the PyTorch model a peer's figures are for (costcalc.conventions.structure.MODELS)
    device: str | None = None  # a bundled device profile's name or a profile file: the roofline estimate
    weights_dtype: str | None = None  # the hardware view's dtypes (default: --dtype)
    activations_dtype: str | None = None
    scales: str = "per_channel"

    @property
    def hardware(self) -> bool:
        return self.device is not None or self.weights_dtype is not None or self.activations_dtype is not None

    def check(self) -> None:
        if self.by is not None and self.by not in BREAKDOWNS:
            raise ReportError(f"unknown breakdown '{self.by}'; expected one of {', '.join(BREAKDOWNS)}")
        if self.rf and self.by is not None:
            raise ReportError("receptive fields are per layer: leave out --by (or --rf)")
        if self.depth is not None and self.by is not None:
            raise ReportError("--depth folds the layer table; --by replaces it: give one of them")
        if self.depth is not None and (isinstance(self.depth, bool) or self.depth < 1):
            raise ReportError(f"depth must be a whole number ≥ 1, got {self.depth!r}")
        if self.convention is not None:
            from .conventions import MODELS, convention

            convention(self.convention)  # an unknown name is an error here, with the names there are
            if self.torch_model not in MODELS:
                raise ReportError(f"no PyTorch model '{self.torch_model}'; expected one of {', '.join(MODELS)}")


def build_report(
    graph: Graph, settings: Settings, options: Options | None = None, input_note: str = "", spec: Spec | None = None
) -> Report:
    """The report of ``graph`` under ``settings`` (batch, dtype) with what ``options`` ask for; ``spec`` (the
    spec the graph was built from) gives the hardware view its per-layer dtypes."""
    from .analysis import analyze

    options = options or Options()
    options.check()
    analysis = analyze(graph, settings.batch, settings.dtype)
    groups = tuple(BREAKDOWNS[options.by](analysis)) if options.by else None
    fields = receptive_fields_by_name(graph, analysis) if options.rf else None
    training = None
    if options.training is not None:
        from .training import training_cost

        training = training_cost(analysis, options.training)
    peer = None
    if options.convention not in (None, "costcalc"):  # costcalc's own convention is the report itself
        from .conventions import convention
        from .conventions.count import count

        peer = count(graph, convention(options.convention), options.torch_model, settings.batch)
    draft = Report(
        analysis,
        peak_memory(analysis, options.in_place),
        options.depth,
        options.by,
        groups,
        fields,
        training,
        (),
        tuple(Notice("input", text) for text in getattr(graph, "warnings", ()))
        + tuple(Notice("onnx", text) for text in getattr(getattr(spec, "onnx", None), "notes", ()))
        + tuple(dead_layer_notices(analysis.layers)),
        options.chart,
        input_note,
        peer,
        hardware_of(graph, settings, options, spec) if options.hardware else None,
        onnx_param_facts(spec, analysis),
    )
    if not options.budgets:
        return draft
    from dataclasses import replace

    return replace(draft, budgets=tuple(budget_checks(draft, options.budgets)))


def onnx_param_facts(spec: Spec | None, analysis: Analysis) -> tuple[Fact, ...]:
    """The parameter counts an ONNX model's file names (as stored, before folding...), each with its rule."""
    info = getattr(spec, "onnx", None)
    if info is None:
        return ()
    from .onnx.params import param_figures

    figures = param_figures(info, analysis.totals.params, analysis.totals.non_trainable)
    return tuple(Fact(f.key, f.label, f.value, "count", f.note) for f in figures)


def hardware_of(graph: Graph, settings: Settings, options: Options, spec: Spec | None) -> HardwareView:
    """The memory traffic (and, with a device, the roofline) of ``graph``: the dtypes default to --dtype."""
    from .hardware import hardware_view

    weights = options.weights_dtype or settings.dtype
    activations = options.activations_dtype or settings.dtype
    return hardware_view(graph, options.device, weights, activations, options.scales, settings.batch, spec=spec)


def budget_checks(report: Report, limits: Mapping[str, str | int]) -> list[BudgetCheck]:
    from .budget import BUDGETS, parse_amount

    by_field = {b.field: b for b in BUDGETS}
    out = []
    for key, written in limits.items():
        if key not in by_field:
            raise ReportError(f"no budget for '{key}'; expected one of {', '.join(by_field)}")
        budget = by_field[key]
        limit = written if isinstance(written, int) else parse_amount(written, budget)
        out.append(BudgetCheck(key, budget.label, budget.option, str(written), limit, report.fact(key).value))
    return out


def receptive_fields_by_name(graph: Graph, analysis: Analysis) -> dict[str, ReceptiveField]:
    """Every layer's and block's receptive field, by name (a block's is its output layer's)."""
    from .receptive_field import block_fields, receptive_fields

    fields = receptive_fields(graph)
    if fields is None:
        raise ReportError(
            f"{graph.name} has a flat input ({graph.input_shape[0]} features): no image, so no receptive field"
        )
    by_name = {layer.name: f for layer, f in zip(analysis.layers, fields)}
    by_name.update({block.name: f for block, f in zip(analysis.blocks, block_fields(graph, fields))})
    return by_name


def report(
    spec: str | Spec,
    *,
    overrides: Mapping[str, Any] | None = None,
    input: str | int | tuple[int, ...] | None = None,
    batch: int = 1,
    dtype: str = "float32",
    depth: int | None = None,
    by: str | None = None,
    rf: bool = False,
    training: str | None = None,
    in_place: bool = False,
    chart: bool = False,
    budgets: Mapping[str, str | int] | None = None,
    convention: str | None = None,
    torch_model: str = "auto",
    device: str | None = None,
    weights_dtype: str | None = None,
    activations_dtype: str | None = None,
    scales: str = "per_channel",
) -> Report:
    """The report of a spec (a path, '-', a bundled name, or a parsed Spec), as `costcalc analyze` builds
    it: ``costcalc.report("mobilenet_v1", overrides={"alpha": 0.5}).fact("macs").value``;
    ``costcalc.report("resnet50", convention="ptflops").fact("convention.macs").value`` is ptflops' figure."""
    from .settings import Settings, input_size, parse_batch, parse_dtype

    settings = Settings(dict(overrides or {}), input_size(input), parse_batch(batch), parse_dtype(dtype))
    options = Options(
        depth,
        by,
        rf,
        training,
        in_place,
        chart,
        dict(budgets or {}),
        convention,
        torch_model,
        device,
        weights_dtype,
        activations_dtype,
        scales,
    )
    loaded = load_source(spec)
    graph, note = load_graph(loaded, settings)
    return build_report(graph, settings, options, note, loaded)


def load_source(spec: str | Spec) -> Spec:
    """A spec reference read and parsed (a parsed Spec as it is)."""
    from .sources import load_spec
    from .spec import Spec as SpecType

    return spec if isinstance(spec, SpecType) else load_spec(spec)


def load_graph(spec: str | Spec, settings: Settings) -> tuple[Graph, str]:
    """The graph of a spec under ``settings``, and a note saying where its input size came from."""
    from .api import build_spec_graph

    graph = build_spec_graph(spec, settings.overrides, settings.input)
    if settings.input is not None:
        return graph, f"--input {settings.input.text}"
    if graph.input_source == "variant":  # a named variant evaluated at its own size: say so
        return graph, f"the size {graph.variant} is evaluated at; --input changes it"
    return graph, ""


# ---------------------------------------------------------------- several specs


@dataclass(frozen=True)
class ComparisonReport:
    """Several reports side by side; with two, how the second relates to the first."""

    reports: tuple[Report, ...]
    labels: tuple[str, ...]
    layers: bool = False  # the per-layer alignment was asked for

    @cached_property
    def aligned(self) -> Any:
        from .compare import align_rows

        return align_rows([r.rows for r in self.reports])

    def relations(self, key: str) -> Any:
        from .compare import Relation

        first, second = (r.fact(key).value for r in self.reports[:2])
        return Relation(first, second)

    @property
    def headline(self) -> str | None:
        if len(self.reports) != 2:
            return None
        macs, params = self.relations("macs"), self.relations("params")
        line = (
            f"{self.labels[1]} vs {self.labels[0]}: {macs.words('MACs')} "
            f"({macs.second:,} vs {macs.first:,}), {params.words('params')}"
        )
        views = [r.hardware for r in self.reports[:2]]
        if all(v is not None and v.roofline is not None for v in views):
            from .compare import Relation

            seconds = Relation(*(v.roofline.totals.seconds for v in views))  # type: ignore[union-attr]
            devices = {v.device.name for v in views}  # type: ignore[union-attr]
            on = f" on {devices.pop()}" if len(devices) == 1 else ""
            line += f", {seconds.words('estimated time')}{on}"
        return line

    @cached_property
    def separable_notes(self) -> tuple[str, ...]:
        """MobileNet's identity, with its numbers, where one spec replaces a standard conv of the other."""
        from .compare import separable_identities

        if len(self.reports) != 2:
            return ()
        notes = []
        analyses, labels = [r.analysis for r in self.reports], self.labels
        for first, second in ((0, 1), (1, 0)):
            for found in separable_identities(analyses[first], analyses[second])[:3]:
                notes.append(
                    f"{labels[second]} replaces {labels[first]}'s {found.kernel}×{found.kernel} conv "
                    f"'{found.standard}' by depthwise '{found.depthwise}' + pointwise '{found.pointwise}': "
                    f"{found.separable_macs:,} / {found.standard_macs:,} = {float(found.ratio):.3f} "
                    f"= 1/n_c' + 1/f² = 1/{found.filters} + 1/{found.kernel * found.kernel}"
                    + ("" if found.ratio == found.identity else f" ≈ {float(found.identity):.3f}")
                )
        return tuple(notes)

    @property
    def over_budget(self) -> tuple[tuple[str, BudgetCheck], ...]:
        return tuple((label, b) for label, r in zip(self.labels, self.reports) for b in r.over_budget)

    @property
    def conventions(self) -> Mapping[str, str]:
        return CONVENTION

    def to_dict(self) -> dict[str, Any]:
        from .render.json_out import comparison_dict

        return comparison_dict(self)


RELATION_NOTE = (
    "ratio, difference and words: the second spec relative to the first "
    "(ratio = second / first, difference = second − first)"
)


def labels_for(names: Sequence[str], settings: Sequence[Mapping[str, str]]) -> tuple[str, ...]:
    """Each spec's name; where names repeat, with the settings that tell them apart."""
    labels = []
    for name, setting in zip(names, settings):
        detail = ", ".join(f"{k}={v}" for k, v in setting.items())
        labels.append(f"{name} ({detail})" if names.count(name) > 1 and detail else name)
    for i, label in enumerate(labels):
        if labels.count(label) > 1:
            labels[i] = f"{label} #{i + 1}"
    return tuple(labels)


# ---------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class SweepReport:
    """One spec over every combination of settings: one row per variant."""

    name: str
    axes: tuple[Axis, ...]
    variants: tuple[Variant, ...]
    dtype: str

    @property
    def conventions(self) -> Mapping[str, str]:
        return CONVENTION

    def to_dict(self) -> dict[str, Any]:
        from .render.json_out import sweep_dict

        return sweep_dict(self)
