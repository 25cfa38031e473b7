"""`costcalc specs` and `costcalc kinds`: what is bundled, and what a spec may use."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .core import app
from .options import stdout_console


@app.command()
def specs() -> None:
    """List the bundled specs, one line each (name, input, params, MACs, what it is).

    Example: costcalc specs
    """
    from rich.table import Table
    from rich.text import Text

    from ..api import bundled_summaries
    from ..report.numbers import short
    from ..report.table import print_whole

    items = bundled_summaries()
    rows = [(item.name, item.input, short(item.params), short(item.macs), item.summary) for item in items]
    table = Table(box=None, show_header=True, header_style="bold", pad_edge=False)
    for i, (header, justify) in enumerate(
        (("Spec", "left"), ("Input", "left"), ("Params", "right"), ("MACs", "right"), ("Description", "left"))
    ):
        # every column but the description keeps its width; the description is cut to fit the terminal
        width = None if header == "Description" else max(len(header), *(len(r[i]) for r in rows))
        table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis", min_width=width)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    print_whole(stdout_console(), table)


@app.command()
def kinds(
    kind: Annotated[str | None, typer.Argument(help="Show the parameters of this kind.")] = None,
) -> None:
    """List the layer kinds a spec can use, or the parameters of one kind.

    Example: costcalc kinds conv
    """
    from ..layers import KINDS
    from ..spec import suggest

    if kind is None:
        for name, k in sorted(KINDS.items()):
            if not k.internal:
                typer.echo(f"{name:18} {k.summary}")
        return
    if kind not in KINDS or KINDS[kind].internal:
        near = suggest(kind, [n for n, k in KINDS.items() if not k.internal])
        raise typer.BadParameter(f"unknown kind '{kind}'" + (f"; {near}" if near else ""), param_hint="KIND")
    k = KINDS[kind]
    typer.echo(f"{kind}: {k.summary}")
    inputs = (
        f"{k.min_inputs}"
        if k.min_inputs == k.max_inputs
        else f"{k.min_inputs} or more"
        if k.max_inputs is None
        else f"{k.min_inputs}-{k.max_inputs}"
    )
    typer.echo(f"inputs: {inputs}")
    for name, param in k.params.items():
        default = "required" if param.required else f"default {_show_default(param.default)}"
        typer.echo(f"  {name:15} {param.doc} ({default})")


def _show_default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple) and len(set(value)) == 1:
        return str(value[0])
    return str(value)
