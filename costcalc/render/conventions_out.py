"""`costcalc conventions` in every format: the one table (costcalc.conventions.compare), its legend and the
conventions that could not give a figure, through the renderers every report uses."""

from __future__ import annotations

from typing import Any

from ..reporting import SCHEMA_VERSION
from .layout import Line


def lines(report: Any, width: int | None) -> list[Line]:
    from .terminal import table_lines, words
    from .text import one_line

    out: list[Line] = [*words(one_line(report.title), width, "italic"), []]
    out += table_lines(report.table(), width, exact=True)
    for error in report.errors:
        out += words(one_line(error), width, "yellow", "  ", "cannot count: ")
    out.append([])
    out += words(one_line(report.legend), width, "dim")
    return out


def report_dict(report: Any) -> dict[str, Any]:
    rows = []
    for row in report.rows:
        c, peer = row.convention, row.peer
        entry: dict[str, Any] = {
            "name": c.name,
            "tool": c.tool,
            "label": c.label or None,
            "key": c.key or None,
            "params_label": c.params_label,
            "summary": c.summary,
            "source": c.source,
        }
        if peer is None:
            entry["error"] = row.error
        else:
            ratio = row.ratio
            entry.update(
                model=peer.model,
                params=peer.tool_params,
                figure=peer.figure,
                ratio=[ratio.numerator, ratio.denominator] if ratio is not None else None,
                causes=[{"key": x.key, "label": x.label, "params": x.params, "count": x.count} for x in peer.causes],
            )
        rows.append(entry)
    first = report.rows[0].peer
    return {
        "schema": SCHEMA_VERSION,
        "name": report.name,
        "input": list(report.input),
        "batch": report.batch,
        "model": report.model,
        "costcalc": {"params": first.params, "macs": first.macs} if first is not None else None,
        "rows": rows,
        "legend": report.legend,
    }


def render_json(report: Any, ascii_only: bool = False) -> str:
    from .json_out import dumps_readable

    return dumps_readable(report_dict(report), ascii_only)


def render_csv(report: Any) -> str:
    """One row per convention (row = convention) and per cause (row = cause, under its convention)."""
    from .csv_out import lines as csv_lines

    header = ["row", "convention", "cause", "params", "figure", "label", "ratio", "error"]
    out: list[list[Any]] = []
    for row in report.rows:
        c, peer = row.convention, row.peer
        ratio = row.ratio
        shown = f"{ratio.numerator}/{ratio.denominator}" if ratio is not None else ""
        if peer is None:
            out.append(["convention", c.name, "", "", "", c.label, "", row.error])
            continue
        figure = peer.figure if peer.figure is not None else ""
        out.append(["convention", c.name, "", peer.tool_params, figure, c.label, shown, ""])
        out += [["cause", c.name, x.key, x.params, x.count, c.label, "", ""] for x in peer.causes]
    about = [["about", "spec", "", "", "", "", "", report.name], ["about", "model", "", "", "", "", "", report.model]]
    return csv_lines([header, *out, *about])


def render_markdown(report: Any) -> str:
    from .markdown import escape, table

    parts = [f"**{escape(report.title)}**\n", table(report.table())]
    parts += [f"> **cannot count:** {escape(e)}\n" for e in report.errors]
    parts.append(f"<sub>{escape(report.legend)}</sub>\n")
    return "\n".join(parts)


def render_latex(report: Any) -> str:
    from .latex import escape, table

    notes = "".join(escape("cannot count: " + e) + "\n\\par\n" for e in report.errors)
    return table(report.table(), report.legend) + ("\n" + notes if notes else "")


def render_html(report: Any) -> str:
    from .html import SCRIPT, _e, _head, html_table

    parts = _head(report.name)
    parts += [
        '<section id="conventions"><h2>Every tool\'s count</h2>',
        f'<p class="note">{_e(report.title)}</p>',
        html_table(report.table()),
        *(f'<p class="warning">cannot count: {_e(e)}</p>' for e in report.errors),
        f'<p class="note">{_e(report.legend)}</p>',
        "</section>",
        f"<script>{SCRIPT}</script>",
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"
