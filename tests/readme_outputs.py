"""The outputs README.md shows, as costcalc really prints them in an 80-column terminal.

A ```console block holding one `$ costcalc …` command followed by its output is a shown output;
tests/test_docs.py checks each against the real thing. After a change of output, refresh them with

    .venv/bin/python tests/readme_outputs.py --write
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
WIDTH = "80"
BLOCK = re.compile(r"```console\n\$ (costcalc [^\n]*)\n(.*?)```", re.S)


def shown_outputs(text: str) -> list[tuple[str, str, tuple[int, int]]]:
    """(command, the output shown, where the output sits) for every block of one command and its output."""
    out = []
    for match in BLOCK.finditer(text):
        command, body = match.group(1), match.group(2)
        if "#" in command or " -o " in command or body.startswith("$ ") or "\n$ " in body or "\n...\n" in body:
            continue  # commands with comments, a file written, a session of several commands, an excerpt
        out.append((command, body, match.span(2)))
    return out


def real_output(command: str) -> str:
    from typer.testing import CliRunner

    from costcalc.cli import app

    args = shlex.split(command)[1:]
    result = CliRunner().invoke(app, args, env={"COLUMNS": WIDTH, "NO_COLOR": "1"})
    assert result.exit_code == 0, (command, result.output)
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def refreshed(text: str) -> str:
    for command, _, (start, end) in reversed(shown_outputs(text)):
        text = text[:start] + real_output(command) + text[end:]
    return text


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: readme_outputs.py --write  (rewrites the outputs shown in README.md)")
    README.write_text(refreshed(README.read_text(encoding="utf-8")), encoding="utf-8")
