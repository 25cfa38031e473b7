"""One self-contained HTML report: summary and convention, a sortable and foldable layer table,
the diagram (inline SVG, when Graphviz is installed), the charts (inline SVG, with matplotlib), and
for several specs the comparison. No network access, no CDN: everything is in the file.
"""

from __future__ import annotations

import html
import re

from ..columns import TOTAL_UNITS
from ..reporting import RELATION_NOTE, ComparisonReport, Report, Section
from ..tables import Table, comparison_totals, report_table
from .text import fact_text, one_line, shape, value_text

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 2px solid #e07b10; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.layers th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; }
table.layers th, table.layers td { padding: 0.2em 0.45em; }
table.layers th:hover { background: #e8e8e8; }
tr.block td { background: #fbf3e8; font-weight: bold; cursor: pointer; }
tr.block td:first-child::before { content: "▾ "; }
tr.total td { font-weight: bold; border-top: 2px solid #999; }
.warning { color: #8a5300; background: #fff4e0; padding: 0.3em 0.6em; }
tr.block.folded td:first-child::before { content: "▸ "; }
tr.hidden { display: none; }
.bar { display: inline-block; height: 0.7em; background: #e07b10; vertical-align: middle; }
.figure { overflow: auto; border: 1px solid #eee; padding: 0.5em; margin: 0.5em 0; }
.figure svg { max-width: 100%; height: auto; }
.note { color: #666; font-size: 0.85em; }
ul.convention li { margin: 0.2em 0; }
"""

SCRIPT = """
(function () {
  function cellValue(row, index) {
    var cell = row.cells[index];
    var value = cell.getAttribute('data-value');
    return value === null ? cell.textContent : parseFloat(value);
  }
  document.querySelectorAll('table.layers').forEach(function (table) {
    var body = table.tBodies[0];
    var original = Array.prototype.slice.call(body.rows);
    table.querySelectorAll('th').forEach(function (th, index) {
      th.addEventListener('click', function () {
        var descending = th.getAttribute('data-order') !== 'desc';
        table.querySelectorAll('th').forEach(function (other) { other.removeAttribute('data-order'); });
        th.setAttribute('data-order', descending ? 'desc' : 'asc');
        var rows = original.filter(function (r) { return !r.classList.contains('block') && !r.classList.contains('total'); });
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return descending ? -order : order;
        });
        original.forEach(function (r) { if (r.classList.contains('block')) { r.classList.add('hidden'); } });
        rows.forEach(function (r) { r.classList.remove('hidden'); body.appendChild(r); });
        original.forEach(function (r) { if (r.classList.contains('total')) { body.appendChild(r); } });
      });
    });
    body.querySelectorAll('tr.block').forEach(function (header) {
      header.addEventListener('click', function () {
        var name = header.getAttribute('data-name');
        var folded = header.classList.toggle('folded');
        body.querySelectorAll('tr').forEach(function (r) {
          var block = r.getAttribute('data-block') || '';
          if (r !== header && (block === name || block.indexOf(name + '.') === 0)) {
            r.classList.toggle('hidden', folded);
            if (!folded && r.classList.contains('block')) { r.classList.remove('folded'); }
          }
        });
      });
    });
    table.setAttribute('data-rows', String(original.filter(function (r) { return !r.classList.contains('total'); }).length));
    var wanted = new URLSearchParams(window.location.search).get('sort');  // report.html?sort=macs
    var header = wanted && table.querySelector('th[data-key="' + wanted + '"]');
    if (header) { header.click(); }
  });
  document.body.setAttribute('data-ready', 'yes');
})();
"""


_ID_ATTRIBUTE = re.compile(r'\bid="([^"]+)"')
_ID_REFERENCE = re.compile(r'(url\(#|href="#)([^)"]+)')
_pictures = iter(range(1, 1_000_000))


def _inline_svg(svg: bytes | str) -> str:
    """An SVG document as an element of the page: its prologue dropped, every id (and reference to it)
    prefixed, since two pictures in one page must not resolve each other's clip paths and markers."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    start = text.find("<svg")
    if start < 0:
        return ""
    prefix = f"p{next(_pictures)}"
    body = _ID_ATTRIBUTE.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text[start:])
    return _ID_REFERENCE.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)


def _e(text: object) -> str:
    return html.escape(one_line(str(text)), quote=True)


def _facts(section: Section) -> str:
    rows = []
    for f in section.facts:
        value, brief = fact_text(f.value, f.unit)
        rows.append(
            f'<tr data-key="{_e(section.qualified(f))}"><th>{_e(f.label)}</th><td class="num">{value}</td>'
            f'<td class="num note">{_e(brief)}</td><td class="note">{_e(f.note)}</td></tr>'
        )
    note = f'<p class="note">{_e(section.note)}.</p>' if section.note else ""
    return f"<h3>{_e(section.title)}</h3>" + '<table class="totals">' + "".join(rows) + "</table>" + note


def _cell(column, item, entry_role: str) -> str:  # noqa: ANN001
    if entry_role == "total" and column.unit not in TOTAL_UNITS:
        return "<td>Total</td>" if column.key in ("name", "group") else "<td></td>"
    value = column.value(item)
    if column.unit in ("share", "bar"):
        if value is None:
            return "<td></td>"
        part, whole = value
        share = part / whole if whole else 0.0
        return (
            f'<td class="num" data-value="{share:.6f}">{_e(value_text(value, "share", True))} '
            f'<span class="bar" style="width:{round(60 * share)}px"></span></td>'
        )
    if column.unit in ("count", "bytes"):
        return f'<td class="num" data-value="{value}">{value:,}</td>' if value is not None else "<td></td>"
    if column.numeric and value is not None:
        return f'<td class="num" data-value="{value}">{_e(value_text(value, column.unit, True))}</td>'
    return f"<td>{_e(value_text(value, column.unit, True))}</td>"


def html_table(table: Table, sortable: bool = False) -> str:
    """Any table; with ``sortable`` the layer table's behaviour: click a heading to sort, a block to fold."""
    head = "".join(
        f'<th class="{"num" if c.numeric else ""}" data-key="{_e(c.key)}" title="{_e(c.doc)}">{_e(c.header)}</th>'
        for c in table.columns
    )
    body = []
    for entry in table.entries:
        item = entry.item
        cells = []
        for column in table.columns:
            if column.key == table.tree_key and entry.label and entry.role != "total":
                cells.append(f"<td>{'&nbsp;' * 3 * entry.depth}{_e(entry.label)}</td>")
            else:
                cells.append(_cell(column, item, entry.role))
        parent = getattr(item, "block", None) if not isinstance(item, dict) else None
        name = getattr(item, "name", "") if not isinstance(item, dict) else ""
        attributes = f' data-block="{_e(parent or "")}"'
        if entry.role == "block":
            attributes = f' class="block" data-name="{_e(name)}"' + attributes
        elif entry.role == "total":
            attributes = ' class="total"'
        body.append(f"<tr{attributes}>" + "".join(cells) + "</tr>")
    kind = ' class="layers"' if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>" + "\n".join(body) + "</tbody></table>"


def _roofline(report: Report) -> str:
    """With a device: every layer on the device's roofline (intensity against attainable FLOP/s)."""
    view = report.hardware
    if view is None or view.roofline is None:
        return ""
    from ..hardware import roofline_chart

    return _figure(
        f"Roofline on {view.device.title}",
        _chart_svg(lambda: roofline_chart(view.roofline, view.traffic, "svg")),
        "charts need matplotlib: pip install 'costcalc[plot]'",
    )


def _figure(title: str, svg: str | None, missing: str) -> str:
    if svg:
        return f'<h3>{_e(title)}</h3><div class="figure">{svg}</div>'
    return f'<h3>{_e(title)}</h3><p class="note">{_e(missing)}</p>'


MAX_DIAGRAM_BOXES = 400  # Graphviz's layout of a bigger graph takes minutes or runs out of memory


def _diagram_svg(report: Report) -> tuple[str | None, str]:
    from ..errors import CostcalcError
    from .diagram import build_diagram, graphviz_available, render_dot, to_dot

    if not graphviz_available():
        return None, "the diagram needs Graphviz's dot program (apt-get install graphviz)"
    analysis = report.analysis
    for depth in (None, 2, 1):  # a huge graph folds to its top-level blocks
        diagram = build_diagram(analysis, depth)
        if len(diagram.boxes) <= MAX_DIAGRAM_BOXES:
            break
    else:
        return None, (
            f"the diagram is left out: {len(diagram.boxes):,} boxes even with blocks folded "
            f"(at most {MAX_DIAGRAM_BOXES}); costcalc graph draws it on its own"
        )
    try:
        return _inline_svg(render_dot(to_dot(diagram), "svg", timeout=120)), ""
    except CostcalcError as exc:
        return None, f"the diagram is left out: {exc}"


def _chart_svg(render: object) -> str | None:
    from .charts import ChartError

    try:
        return _inline_svg(render())  # type: ignore[operator]
    except ChartError:
        return None


def _head(title: str) -> list[str]:
    from ..conventions import CONVENTION

    return [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing may be fetched: the report is meant to work offline and to stay put
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        f"<title>costcalc: {_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>costcalc report: {_e(title)}</h1>",
        '<section id="convention"><h2>Counting convention</h2><ul class="convention">',
        *(f"<li><b>{_e(key.replace('_', ' '))}</b>: {_e(text)}.</li>" for key, text in CONVENTION.items()),
        "</ul></section>",
    ]


def _spec_section(report: Report, label: str) -> list[str]:
    from .charts import layer_chart

    analysis = report.analysis
    anchor = re.sub(r"\W+", "-", label)
    diagram, missing = _diagram_svg(report)
    return [
        f'<section class="spec" id="{_e(anchor)}"><h2>{_e(label)}</h2>',
        f"<p>{_e(analysis.description)}</p>" if analysis.description else "",
        f'<p class="note">{_e(report.title)}'
        + (f"; source: {_e(analysis.source)}" if analysis.source else "")
        + "</p>",
        f'<p class="convention">{_e(report.convention_note)}</p>' if report.convention_note else "",
        *(f'<p class="warning">warning: {_e(n.message)}</p>' for n in report.warnings),
        *(_facts(section) for section in report.sections),
        _figure(
            "Where the MACs and params are",
            _chart_svg(lambda: layer_chart(analysis)),
            "charts need matplotlib: pip install 'costcalc[plot]'",
        ),
        _roofline(report),
        _figure("Diagram", diagram, missing),
        '<h3>Layers</h3><p class="note">Click a column to sort; click a block to fold it.</p>',
        html_table(report_table(report), sortable=True),
        "</section>",
    ]


def render_html(subject: Report | ComparisonReport) -> str:
    """One self-contained page for a report or a comparison."""
    from .charts import comparison_chart

    if isinstance(subject, Report):
        reports, labels = (subject,), (subject.name,)
        parts = _head(subject.name)
    else:
        reports, labels = subject.reports, subject.labels
        parts = _head(" vs ".join(labels))
        notes = [RELATION_NOTE] if len(reports) == 2 else []
        notes += [subject.headline or "", *subject.separable_notes]
        parts += [
            '<section id="comparison"><h2>Comparison</h2>',
            html_table(comparison_totals(subject)),
            *(f'<p class="note">{_e(n)}</p>' for n in notes if n),
            _figure(
                "MACs and params per block",
                _chart_svg(lambda: comparison_chart([r.analysis for r in reports], labels)),
                "charts need matplotlib: pip install 'costcalc[plot]'",
            ),
            "</section>",
        ]
    for report, label in zip(reports, labels):
        parts += _spec_section(report, label)
    parts += [f"<script>{SCRIPT}</script>", "</body></html>"]
    return "\n".join(p for p in parts if p) + "\n"


def report_fragment(report: Report) -> str:
    """What a notebook cell shows: the title, the facts and the layer table (no script, no pictures)."""
    parts = [f"<p><b>{_e(report.title)}</b></p>", *(_facts(s) for s in report.sections)]
    parts += [f'<p class="warning">warning: {_e(n.message)}</p>' for n in report.warnings]
    parts.append(html_table(report_table(report)))
    return "<div>" + "\n".join(parts) + "</div>"


__all__ = ["render_html", "report_fragment", "shape"]
