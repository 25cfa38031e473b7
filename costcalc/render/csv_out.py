"""Reports as CSV: one header, every figure an exact integer, loadable straight into pandas.

An analyze CSV holds the table's rows (`row` = layer, block, group) and a `total` row (the column
sums), then `about` rows (the spec's name, input, batch, dtype, vars), one `fact` row per total of the report (params … peak memory, the training estimate,
budgets; `name` = the fact's key, its figure in `value`), `warning` rows and `convention` rows (the
counting convention, `value` = its text). Text a spreadsheet would run as a formula gets a leading
', and every field with a comma, quote, CR or LF is quoted.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from ..columns import Column
from ..reporting import ComparisonReport, Report, SweepReport
from ..tables import Table, report_table, sweep_variants
from .text import one_line, plain_value, shape

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def field(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    text = neutralise(one_line(str(value)))
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def lines(rows: Iterable[Sequence[Any]]) -> str:
    return "".join(",".join(field(v) for v in row) + "\n" for row in rows)


def _cells(table: Table, columns: Sequence[Column], entry: Any) -> list[Any]:
    out = []
    for column in columns:
        if entry.role == "total" and column.unit not in ("count", "bytes"):
            out.append("Total" if column.key in ("name", "group") else "")
            continue
        out.append(plain_value(column.value(entry.item), column.unit))
    return out


def table_rows(table: Table, extra: Sequence[Any] = ()) -> list[list[Any]]:
    """The table's exported columns as CSV rows, each started with its role and ended with ``extra``."""
    columns = [c for c in table.columns if c.exported]
    return [[entry.role, *_cells(table, columns, entry), *extra] for entry in table.entries]


def report_rows(report: Report, keys: Sequence[str] | None = None) -> tuple[list[str], list[list[Any]]]:
    table = report_table(report, keys, exported=True)
    columns = [c for c in table.columns if c.exported]
    header = ["row", *(c.key for c in columns), "value"]
    rows = table_rows(table, [""])
    blank = [""] * (len(columns) - 1)
    a = report.analysis
    about = [("spec", a.name), ("input", shape(a.input)), ("batch", a.batch), ("dtype", a.dtype)]
    about += [(f"vars.{k}", v) for k, v in a.variables.items()]
    if report.input_note:
        about.append(("input_from", report.input_note))
    if report.convention is not None:
        from ..conventions.in_report import about as convention_about

        about += convention_about(report.convention)
    rows += [["about", key, *blank, value] for key, value in about]
    for section in report.sections:
        for fact in section.facts:
            rows.append(["fact", section.qualified(fact), *blank, fact.value])
    for notice in report.warnings:
        rows.append(["warning", notice.layer or notice.code, *blank, notice.message])
    for key, text in report.conventions.items():
        rows.append(["convention", key, *blank, text])
    return header, rows


def render_report(report: Report, keys: Sequence[str] | None = None) -> str:
    header, rows = report_rows(report, keys)
    return lines([header, *rows])


def render_comparison(comparison: ComparisonReport, keys: Sequence[str] | None = None) -> str:
    """Long form: each spec's rows (as analyze writes them) after a `spec` column, ready for a pivot."""
    out: list[list[Any]] = []
    header: list[str] = []
    for label, report in zip(comparison.labels, comparison.reports):
        header, rows = report_rows(report, keys)
        out += [[label, *row] for row in rows if row[0] != "convention"]
    conventions = [
        ["", "convention", key, *[""] * (len(header) - 3), text] for key, text in comparison.conventions.items()
    ]
    return lines([["spec", *header], *out, *conventions])


def render_sweep(sweep: SweepReport) -> str:
    table = sweep_variants(sweep, exported=True)
    columns = [c for c in table.columns if c.exported]
    rows = [[plain_value(c.value(e.item), c.unit) for c in columns] for e in table.entries]
    return lines([[c.key for c in columns], *rows])


def render_table(table: Table) -> str:
    """Any table (a comparison's totals or aligned layers) as CSV."""
    columns = [c for c in table.columns if c.exported]
    return lines([["row", *(c.key for c in columns)], *table_rows(table)])


def read_dataframe(text: str) -> Any:
    """A CSV report as a pandas DataFrame (pandas is an optional extra, imported only here): counts as
    nullable integers (empty where a row has none, e.g. fact rows), text as text, `value` as written."""
    try:
        import pandas
    except ImportError:
        from ..errors import CostcalcError

        raise CostcalcError("to_dataframe() needs pandas, which is not installed: pip install pandas") from None
    header = text.split("\n", 1)[0].split(",")
    counts = {"params", "non_trainable", "macs", "flops", "other_ops", "activations", "layers", "batch"}
    dtypes = {key: ("Int64" if key in counts else "string") for key in header}
    frame = pandas.read_csv(io.StringIO(text), dtype=dtypes, keep_default_na=False, na_values={k: [""] for k in counts})
    return frame
