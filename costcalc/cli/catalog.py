"""`costcalc specs` and `costcalc kinds`: what is bundled, and what a spec may use."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .core import app
from .options import ExactOpt, screen


@app.command()
def specs(exact: ExactOpt = False) -> None:
    """List the bundled specs, one line each (name, input, params, MACs, what it is).

    Example: costcalc specs
    """
    from ..api import bundled_summaries
    from ..render.catalog_text import specs_lines

    here = screen()
    here.print(specs_lines(bundled_summaries(), here.width, exact))


@app.command()
def kinds(
    kind: Annotated[str | None, typer.Argument(help="Show the parameters of this kind.")] = None,
) -> None:
    """List the layer kinds a spec can use, or the parameters of one kind.

    Example: costcalc kinds conv
    """
    from ..layers import KINDS
    from ..render.catalog_text import kind_lines, kinds_lines
    from ..spec import suggest

    here = screen()
    if kind is None:
        here.print(kinds_lines([(name, k.summary) for name, k in sorted(KINDS.items()) if not k.internal], here.width))
        return
    if kind not in KINDS or KINDS[kind].internal:
        near = suggest(kind, [n for n, k in KINDS.items() if not k.internal])
        raise typer.BadParameter(f"unknown kind '{kind}'" + (f"; {near}" if near else ""), param_hint="KIND")
    k = KINDS[kind]
    inputs = (
        f"{k.min_inputs}"
        if k.min_inputs == k.max_inputs
        else f"{k.min_inputs} or more"
        if k.max_inputs is None
        else f"{k.min_inputs}-{k.max_inputs}"
    )
    params = [
        (name, p.doc, "required" if p.required else f"default {_show_default(p.default)}")
        for name, p in k.params.items()
    ]
    here.print(kind_lines(kind, k.summary, inputs, params, here.width))


def _show_default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple) and len(set(value)) == 1:
        return str(value[0])
    return str(value)
