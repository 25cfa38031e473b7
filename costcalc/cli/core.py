"""The typer app, its global options, and the one place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from .. import __version__
from ..conventions import CONVENTION
from ..errors import CostcalcError
from ..gcpause import paused_gc

EXIT_OK, EXIT_CHECK_FAILED, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3

CONVENTION_HELP = "\n\n".join(f"{key.replace('_', ' ')}: {text}." for key, text in CONVENTION.items())


class CheckFailed(Exception):
    """A check the user asked for did not pass (exit code 1); the message says which."""


class _App(TyperGroup):
    """Turns library errors into messages and exit codes, in this one place."""

    def invoke(self, ctx: Any) -> Any:
        try:
            with paused_gc():  # a short-lived process that builds big acyclic structures
                return super().invoke(ctx)
        except CostcalcError as exc:
            _stderr(exc.format())
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except CheckFailed as exc:
            _stderr(str(exc))
            raise typer.Exit(EXIT_CHECK_FAILED) from None
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # the last resort: a bug, said plainly
            if _is_click_exception(exc):
                raise
            spec = _spec_argument(ctx)
            _stderr(
                f"internal error in costcalc{spec}: {type(exc).__name__}: {exc}\n"
                "please report it with the spec and command; run with --debug for the traceback"
            )
            if (ctx.obj or {}).get("debug") or os.environ.get("COSTCALC_DEBUG"):
                _stderr("".join(traceback.format_exception(exc)))
            raise typer.Exit(EXIT_INTERNAL) from None


def _is_click_exception(exc: Exception) -> bool:
    """Usage errors and exits of typer (or the click it is built on) are handled by typer itself."""
    return type(exc).__module__.split(".")[0] in ("typer", "click")


def _spec_argument(ctx: Any) -> str:
    specs = (ctx.obj or {}).get("specs")
    return f" (spec {', '.join(specs)})" if specs else ""


def remember_specs(ctx: Any, value: Any) -> Any:
    """Argument callback: keep the spec names for the internal-error message."""
    specs = [value] if isinstance(value, str) else list(value or [])
    ctx.find_root().ensure_object(dict)["specs"] = specs
    return value


def _stderr(text: str) -> None:
    sys.stderr.write(text.rstrip("\n") + "\n")
    sys.stderr.flush()


app = typer.Typer(
    cls=_App,
    name="costcalc",
    help="Exact computational cost of neural networks (params, MACs, FLOPs, memory) from a YAML spec.\n\n"
    "Exit codes: 0 success, 1 a check failed, 2 bad input or usage, 3 internal error.\n\n"
    "Counting convention:\n\n" + CONVENTION_HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"costcalc {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show the Python traceback of an internal error.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.ensure_object(dict)["debug"] = debug


def main() -> None:
    """The console script. Exits without tearing down the heap: freeing millions of objects one by
    one took a tenth of the run on a 100,000-layer spec, and the process ends anyway."""
    try:
        app()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    sys.stdout.flush()
    sys.stderr.flush()
    if code is None:
        code = 0
    elif not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        sys.stderr.flush()
        code = 1
    os._exit(code)
