"""The command line: each command parses its options, calls the library and renders the result.

Commands live in one module per job and register themselves on the shared app when imported.
"""

from . import analyze, catalog, compare, explain, hardware, pictures, sweep, torch_commands  # noqa: F401  (registers the commands)
from . import conventions as conventions_command  # noqa: F401  (registers `costcalc conventions`)
from .core import app, main
from .import_onnx import import_model  # noqa: F401  (registers `costcalc import`)

__all__ = ["app", "main"]
