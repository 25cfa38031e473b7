"""One self-contained HTML report: summary and convention, a sortable and foldable layer table,
the diagram (inline SVG, when Graphviz is installed), the charts (inline SVG, with matplotlib), and
for several specs the comparison. No network access, no CDN: everything is in the file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from ..analysis import Analysis, BlockCost
from ..conventions import CONVENTION
from ..layers import fmt_shape
from . import numbers
from .columns import LAYER_COLUMNS, TOTAL_FIELDS
from .exports import compare_totals_rows
from .tabular import human_value

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1200px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 2px solid #e07b10; } h3 { margin-top: 1.5em; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { padding: 0.2em 0.7em; border-bottom: 1px solid #ddd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.layers th { cursor: pointer; background: #f4f4f4; position: sticky; top: 0; }
table.layers th:hover { background: #e8e8e8; }
tr.block td { background: #fbf3e8; font-weight: bold; cursor: pointer; }
tr.block td:first-child::before { content: "▾ "; }
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
        var rows = original.filter(function (r) { return !r.classList.contains('block'); });
        rows.sort(function (a, b) {
          var x = cellValue(a, index), y = cellValue(b, index);
          var order = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
          return descending ? -order : order;
        });
        original.forEach(function (r) { if (r.classList.contains('block')) { r.classList.add('hidden'); } });
        rows.forEach(function (r) { r.classList.remove('hidden'); body.appendChild(r); });
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
    table.setAttribute('data-rows', String(original.length));
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
    return html.escape(str(text), quote=True)


def _totals_table(analysis: Analysis) -> str:
    rows = []
    for key, label, unit in TOTAL_FIELDS:
        value = getattr(analysis.totals, key)
        short = numbers.short_bytes(value) if unit == "bytes" else numbers.short(value)
        rows.append(f'<tr><th>{_e(label)}</th><td class="num">{value:,}</td><td class="num note">{_e(short)}</td></tr>')
    return '<table class="totals">' + "".join(rows) + "</table>"


def _layer_table(analysis: Analysis) -> str:
    columns = [c for c in LAYER_COLUMNS if c.in_table or c.key == "other_ops"]
    head = "".join(
        f'<th class="{"num" if c.style in ("count", "share") else ""}" data-key="{c.key}" title="{_e(c.doc)}">'
        f"{_e(c.header)}</th>"
        for c in columns
    )
    by_name = {b.name: b for b in analysis.blocks}
    opened: set[str] = set()
    body = []
    for layer in analysis.layers:
        chain = []
        name = layer.block
        while name is not None and name not in opened:
            chain.append(by_name[name])
            name = by_name[name].block
        for block in reversed(chain):
            opened.add(block.name)
            body.append(_block_row(block, len(columns)))
        cells = []
        for c in columns:
            value = c.get(layer, analysis)
            if c.style == "share":
                part, whole = value
                share = part / whole if whole else 0.0
                cells.append(
                    f'<td class="num" data-value="{share:.6f}">{_e(numbers.percent(part, whole))} '
                    f'<span class="bar" style="width:{round(60 * share)}px"></span></td>'
                )
            elif c.style == "count":
                cells.append(f'<td class="num" data-value="{value}">{value:,}</td>')
            else:
                text = human_value(value, c.style)
                indent = "&nbsp;" * 3 * layer.depth if c.key == "name" else ""
                cells.append(f"<td>{indent}{_e(text)}</td>")
        body.append(f'<tr data-block="{_e(layer.block or "")}">' + "".join(cells) + "</tr>")
    return f'<table class="layers"><thead><tr>{head}</tr></thead><tbody>' + "\n".join(body) + "</tbody></table>"


def _block_row(block: BlockCost, width: int) -> str:
    kind = block.kind + (f" ×{block.repeat}" if block.repeat else "")
    text = (
        f"{block.name} — {kind}, {fmt_shape(block.output)}: {block.params:,} params, {block.macs:,} MACs "
        f"({block.layers} layers)"
    )
    return (
        f'<tr class="block" data-name="{_e(block.name)}" data-block="{_e(block.block or "")}">'
        f'<td colspan="{width}">{"&nbsp;" * 3 * block.depth}{_e(text)}</td></tr>'
    )


def _figure(title: str, svg: str | None, missing: str) -> str:
    if svg:
        return f'<h3>{_e(title)}</h3><div class="figure">{svg}</div>'
    return f'<h3>{_e(title)}</h3><p class="note">{_e(missing)}</p>'


def _diagram_svg(analysis: Analysis) -> str | None:
    from .diagram import build_diagram, graphviz_available, render_dot, to_dot

    if not graphviz_available():
        return None
    depth = 1 if len(analysis.layers) > 150 else None  # a huge graph folds to its top-level blocks
    return _inline_svg(render_dot(to_dot(build_diagram(analysis, depth)), "svg"))


def _chart_svg(render: object) -> str | None:
    from .charts import ChartError

    try:
        return _inline_svg(render())  # type: ignore[operator]
    except ChartError:
        return None


def render_html(analyses: Sequence[Analysis], labels: Sequence[str]) -> str:
    from .charts import comparison_chart, layer_chart

    title = " vs ".join(labels)
    parts = [
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
    if len(analyses) > 1:
        fields, rows = compare_totals_rows(analyses, labels)
        head = "".join(
            f'<th class="{"num" if f.style in ("count", "number") else ""}">{_e(f.header)}</th>' for f in fields
        )
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="{"num" if f.style in ("count", "number") else ""}">'
                f"{_e(human_value(row.get(f.key), f.style))}</td>"
                for f in fields
            )
            + "</tr>"
            for row in rows
        )
        parts += [
            '<section id="comparison"><h2>Comparison</h2>',
            f"<table><thead><tr>{head}</tr></thead>",
            f"<tbody>{body}</tbody></table>",
            _figure(
                "MACs and params per block",
                _chart_svg(lambda: comparison_chart(analyses, labels)),
                "charts need matplotlib: pip install 'costcalc[plot]'",
            ),
            "</section>",
        ]
    for analysis, label in zip(analyses, labels):
        anchor = re.sub(r"\W+", "-", label)
        batch = f", batch {analysis.batch}" if analysis.batch != 1 else ""
        parts += [
            f'<section class="spec" id="{_e(anchor)}"><h2>{_e(label)}</h2>',
            f"<p>{_e(analysis.description)}</p>" if analysis.description else "",
            f'<p class="note">input {_e(fmt_shape(analysis.input))}{_e(batch)}, {_e(analysis.dtype)}'
            + (f"; source: {_e(analysis.source)}" if analysis.source else "")
            + "</p>",
            "<h3>Totals</h3>",
            _totals_table(analysis),
            _figure(
                "Where the MACs and params are",
                _chart_svg(lambda a=analysis: layer_chart(a)),
                "charts need matplotlib: pip install 'costcalc[plot]'",
            ),
            _figure(
                "Diagram", _diagram_svg(analysis), "the diagram needs Graphviz's dot program (apt-get install graphviz)"
            ),
            '<h3>Layers</h3><p class="note">Click a column to sort; click a block to fold it.</p>',
            _layer_table(analysis),
            "</section>",
        ]
    parts += [f"<script>{SCRIPT}</script>", "</body></html>"]
    return "\n".join(p for p in parts if p) + "\n"
