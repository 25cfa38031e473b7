"""How a convention's figures enter the one report (costcalc.reporting): the table's params and MACs
columns replaced by the tool's, labelled as the tool labels them, a section of facts with its totals and
the difference from costcalc's by cause, and the words every format prints.

Plain data and ints here; the renderers format them.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..columns import Column
from .count import PeerCount
from .rules import Terms

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..reporting import Section


def column_keys(peer: PeerCount) -> tuple[str, ...]:
    """The JSON and CSV keys of the convention's per-layer figures: 'ptflops_params', 'ptflops_macs'."""
    c = peer.convention
    keys = (f"{c.name}_params",)
    return (*keys, f"{c.name}_{c.key}") if c.counts else keys


def row_terms(peer: PeerCount, analysis: Analysis, groups: Any = None, by: str | None = None) -> dict[str, Terms]:
    """The convention's terms for every row a table can show: layers and blocks by name, or the groups of
    a breakdown (``by`` kind or block) by group name."""
    if groups is not None:
        members: dict[str, list[str]] = {}
        if by == "kind":
            for layer in analysis.layers:
                members.setdefault(layer.group, []).append(layer.name)
        else:
            for layer, row in zip(analysis.layers, analysis.shown_as(1)):
                members.setdefault(row.name, []).append(layer.name)
        return peer.sums(members)
    by_name = {b.name: b for b in analysis.blocks}
    inside: dict[str, list[str]] = {b.name: [] for b in analysis.blocks}
    for layer in analysis.layers:
        block = layer.block
        while block is not None:
            inside[block].append(layer.name)
            block = by_name[block].block
    out = dict(peer.layers)
    out.update(peer.sums(inside))
    return out


def columns(peer: PeerCount, rows: Mapping[str, Terms], base: tuple[Column, ...]) -> tuple[Column, ...]:
    """``base`` with the convention's params (and figure) shown in place of costcalc's params (and MACs)."""
    from ..reporting import TotalRow

    c = peer.convention
    totals = peer.totals

    def terms_of(row: Any) -> Terms:
        return totals if isinstance(row, TotalRow) else rows[row.name]

    params_key, *figure_key = column_keys(peer)
    params = Column(
        params_key,
        c.params_label,
        "count",
        f"params as {c.tool} counts them",
        0,
        lambda row: terms_of(row).total_params,
    )
    figure = None
    if figure_key:
        figure = Column(
            figure_key[0],
            c.label,
            "count",
            f"{c.label} as {c.tool} counts them, for the whole batch" + (" (per image)" if c.per_image else ""),
            0,
            lambda row: terms_of(row).total_count,
        )
    from dataclasses import replace

    out = []
    for column in base:  # costcalc's own stay, for the exports and --columns, out of the default view
        if column.key == "params":
            out += [params, replace(column, default=False)]
        elif column.key == "macs" and figure is not None:
            out += [figure, replace(column, default=False)]
        elif column.key in ("macs_share", "macs_chart") and figure is not None:
            out.append(replace(column, default=False))  # shares of costcalc's MACs, not of the tool's figure
        else:
            out.append(column)
    return tuple(out)


def ratio(peer: PeerCount) -> Fraction | None:
    """The tool's figure over costcalc's MACs."""
    if peer.figure is None or not peer.macs:
        return None
    return Fraction(peer.figure, peer.macs)


def section(peer: PeerCount) -> Section:
    """The convention's totals and the difference from costcalc's params and MACs, by cause."""
    from ..reporting import Fact, Section

    c = peer.convention
    facts = [Fact("params", c.params_label, peer.tool_params, "count", f"costcalc: {peer.params:,}")]
    if peer.figure is not None:
        times = ratio(peer)
        note = f"{float(times):.3f} × costcalc's MACs ({peer.macs:,})" if times is not None else ""
        facts.append(Fact(c.key, c.label, peer.figure, "count", note))
    for cause in peer.causes:
        if cause.params:
            facts.append(Fact(f"params_from.{cause.key}", f"  params: {cause.label}", cause.params, "count"))
        if cause.count:
            facts.append(Fact(f"from.{cause.key}", f"  {cause.label}", cause.count, "count"))
    title = f"{c.tool}, for {peer.model}"
    note = "the indented lines are the differences from costcalc's params and MACs, by cause" if peer.causes else ""
    return Section("convention", title, tuple(facts), note)


def words(peer: PeerCount) -> str:
    """The convention's rule in a sentence, for titles and footers in every format."""
    c = peer.convention
    return f"{c.tool}, for {peer.model}: {c.summary}"


def json_dict(peer: PeerCount, kinds: list[str]) -> dict[str, Any]:
    c = peer.convention
    times = ratio(peer)
    return {
        "name": c.name,
        "tool": c.tool,
        "model": peer.model,
        "summary": c.summary,
        "source": c.source,
        "params_label": c.params_label,
        "label": c.label or None,
        "key": c.key or None,
        "per_image": c.per_image,
        "params": peer.tool_params,
        "figure": peer.figure,
        "costcalc_params": peer.params,
        "costcalc_macs": peer.macs,
        "ratio": [times.numerator, times.denominator] if times is not None else None,
        "causes": [{"key": x.key, "label": x.label, "params": x.params, "count": x.count} for x in peer.causes],
        "rules": {kind: c.rule(kind).text for kind in kinds},
        "columns": list(column_keys(peer)),
    }


def about(peer: PeerCount) -> list[tuple[str, str]]:
    """CSV `about` rows."""
    c = peer.convention
    return [
        ("convention", c.name),
        ("convention_tool", c.tool),
        ("convention_model", peer.model),
        ("convention_rule", c.summary),
        ("convention_source", c.source),
    ]
