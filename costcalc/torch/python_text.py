"""Spec text made safe for generated Python: identifiers, string literals and comments.

Spec names and free text are anyone's text. What reaches the code `costcalc torch` writes must never
end a string or comment, start a statement, or name two layers alike: an identifier is what Python
reads after NFKC normalisation (``ﬁ`` and ``fi`` are one name to Python, so they are one name here,
made unique), it is never a keyword or soft keyword, never starts with ``__`` (class-private names are
mangled), and never shadows what the generated module itself uses; literals are written by ``repr``
unless they are plain printable text; comments show text as a literal would, without its quotes.
"""

from __future__ import annotations

import keyword
import re
import textwrap
import unicodedata
from collections.abc import Iterable

from torch import nn

# what the generated methods use (self), or what a module attribute or ModuleDict key cannot be
_RESERVED = frozenset(dir(nn.Module)) | frozenset(dir(nn.ModuleDict)) | {"x", "self", "torch", "nn"}


def _python_name(text: str) -> str:
    """``text`` as one identifier (as Python reads it), or a plain ASCII one if Unicode makes that awkward."""
    text = unicodedata.normalize("NFKC", text)
    name = "".join(c if ("_" + c).isidentifier() else "_" for c in text)
    if not name[:1].isidentifier():  # a digit or a combining mark cannot start a name
        name = "l_" + name
    name = unicodedata.normalize("NFKC", name)
    if name.isidentifier() and unicodedata.normalize("NFKC", name) == name:
        return name
    name = re.sub(r"[^0-9A-Za-z_]", "_", text)  # every character of it is plain, so this is one
    return name if name[:1].isalpha() or name[:1] == "_" else "l_" + name


def identifiers(texts: Iterable[str]) -> list[str]:
    """A Python identifier for each text, distinct from one another as Python compares them (after NFKC),
    never a keyword or soft keyword, never class-private (``__x``), never what the module itself uses."""
    avoid = _RESERVED
    names: list[str] = []
    taken: set[str] = set()
    for text in texts:
        name = _python_name(text.replace(".", "_"))
        if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name.startswith("__") or name in avoid:
            name = "l_" + name
        base, n = name, 2
        while name in taken or name in avoid:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        names.append(name)
    return names


def is_safe_identifier(text: str) -> bool:
    """Whether ``text`` can stand as written for a name the user chose (a class name): an identifier that
    Python reads as itself, not a keyword, soft keyword or class-private name."""
    return (
        text.isidentifier()
        and unicodedata.normalize("NFKC", text) == text
        and not keyword.iskeyword(text)
        and not keyword.issoftkeyword(text)
        and not text.startswith("__")
    )


def docstring(lines: list[str]) -> str:
    """A docstring for the generated module: triple-quoted (wrapped at 100 columns) when that is provably
    closed only by its own end: every line printable (no line breaks, control or bidi characters), no
    backslash (no escapes), no three quotes in a row, not ending in a quote; otherwise the text's ``repr``."""
    wrapped = [part for line in lines for part in (textwrap.wrap(line, 100) or [""])]
    text = "\n".join(wrapped)
    if all(line.isprintable() for line in wrapped) and "\\" not in text and '"""' not in text:
        if text and not text.endswith('"'):
            return '"""' + text + '"""'
    return repr("\n".join(lines))


def comment(text: str) -> str:
    """``text`` for a ``#`` comment: as a string literal shows it (newlines, control and format characters
    escaped), so the comment ends where the line does."""
    return repr(text)[1:-1]
