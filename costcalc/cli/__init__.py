"""The command line: each command parses its options, calls the library and renders the result.

Commands live in one module per job and register themselves on the shared app when imported.
"""

from . import analyze, catalog, compare, explain, pictures, sweep, torch_commands  # noqa: F401  (registers the commands)
from . import conventions as conventions_command  # noqa: F401  (registers `costcalc conventions`)
from .core import app, main

__all__ = ["app", "main"]
