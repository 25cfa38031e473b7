"""The typer app, its exit statuses, and the one place where errors become messages and exit codes.

Every user error is printed one way: ``costcalc: error: …``, or ``file:line:col: error: …`` when it
has a place in a file — typer's own usage errors included. A closed pipe (``| head``) ends the
process quietly, killed by SIGPIPE as a Unix tool is.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from enum import IntEnum
from typing import Annotated, Any

import typer
from typer import _click as click
from typer.core import TyperGroup
from typer.exceptions import Abort

from .. import __version__
from ..conventions import CONVENTION
from ..errors import PROGRAM, CostcalcError


class ExitStatus(IntEnum):
    OK = 0
    CHECK_FAILED = 1  # a budget exceeded, a verification mismatch
    BAD_INPUT = 2  # bad input or usage: the message says what and where
    INTERNAL_ERROR = 3  # a bug in costcalc


CONVENTION_HELP = "\n\n".join(f"{key.replace('_', ' ')}: {text}." for key, text in CONVENTION.items())


class CheckFailed(Exception):
    """A check the user asked for did not pass (exit status 1); the message says which."""


def stderr(text: str) -> None:
    """A message on standard error; nothing (and no crash) when standard error is closed."""
    from ..render.text import for_encoding, printable

    text = printable(text.rstrip("\n")) + "\n"
    stream = sys.stderr
    try:
        if stream is None:
            os.write(2, text.encode("utf-8", "backslashreplace"))
            return
        stream.write(for_encoding(text, getattr(stream, "encoding", None)))
        stream.flush()
    except (OSError, ValueError):
        pass  # standard error is closed or gone: the exit status still says what happened


def die_of_broken_pipe() -> None:
    """The reader of our output has gone (``| head``): stop at once, quietly, as a Unix tool does —
    killed by SIGPIPE (status 141 in the shell), with nothing more written anywhere."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)  # Python's final flush must not fail a second time
    except OSError:
        pass
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGPIPE)
    os._exit(128 + signal.SIGPIPE)  # not reached where SIGPIPE exists


class _App(TyperGroup):
    """Turns library errors into messages and exit statuses, in this one place."""

    def invoke(self, ctx: Any) -> Any:
        from ..gcpause import paused_gc

        try:
            with paused_gc():  # a short-lived process that builds big acyclic structures
                return super().invoke(ctx)
        except CostcalcError as exc:
            stderr(exc.format())
            raise typer.Exit(ExitStatus.BAD_INPUT) from None
        except CheckFailed as exc:
            stderr(str(exc))
            raise typer.Exit(ExitStatus.CHECK_FAILED) from None
        except BrokenPipeError:
            die_of_broken_pipe()
        except (KeyboardInterrupt, typer.Exit, click.exceptions.ClickException, Abort):
            raise
        except Exception as exc:  # the last resort: a bug, said plainly
            if type(exc).__module__.split(".")[0] in ("typer", "click"):
                raise
            specs = (ctx.obj or {}).get("specs")
            shown = f" (spec {', '.join(specs)})" if specs else ""
            stderr(
                f"{PROGRAM}: internal error{shown}: {type(exc).__name__}: {exc}\n"
                "please report it with the spec and command; run with --debug for the traceback"
            )
            if (ctx.obj or {}).get("debug") or os.environ.get("COSTCALC_DEBUG"):
                stderr("".join(traceback.format_exception(exc)))
            raise typer.Exit(ExitStatus.INTERNAL_ERROR) from None

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, **extra: Any) -> Any:
        """Typer's main, with its usage errors in costcalc's one error shape."""
        standalone = extra.pop("standalone_mode", True)
        try:
            status = super().main(args, prog_name or PROGRAM, complete_var, standalone_mode=False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            stderr(exc.format_message())
            status = ExitStatus.BAD_INPUT
        except click.exceptions.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else PROGRAM
            stderr(f"{PROGRAM}: error: {exc.format_message()}\n  see '{command} --help'")
            status = ExitStatus.BAD_INPUT
        except click.exceptions.ClickException as exc:
            stderr(f"{PROGRAM}: error: {exc.format_message()}")
            status = ExitStatus.BAD_INPUT
        except Abort:
            stderr(f"{PROGRAM}: interrupted")
            status = 130
        except BrokenPipeError:
            die_of_broken_pipe()
        if isinstance(status, int) and not isinstance(status, bool):
            code = int(status)
        else:
            code = ExitStatus.OK
        if standalone:
            sys.exit(code)
        return code


def remember_specs(ctx: Any, value: Any) -> Any:
    """Argument callback: keep the spec names for the internal-error message."""
    specs = [value] if isinstance(value, str) else list(value or [])
    ctx.find_root().ensure_object(dict)["specs"] = specs
    return value


app = typer.Typer(
    cls=_App,
    name=PROGRAM,
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
        typer.echo(f"{PROGRAM} {__version__}")
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
    # a closed pipe ends the process as it ends `cat` or `seq`, wherever the write happens (help included)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        code = app(standalone_mode=False)
    except SystemExit as exc:  # pragma: no cover - typer exits on its own in a few paths
        code = exc.code if isinstance(exc.code, int) else ExitStatus.BAD_INPUT
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            die_of_broken_pipe()
        except (OSError, ValueError):
            pass
    os._exit(int(code or 0))
