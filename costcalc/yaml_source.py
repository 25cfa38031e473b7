"""Safe YAML loading into plain values that remember the line and column they came from.

Only mappings, lists, strings, numbers, booleans and null are built; any other tag
(``!!python/object`` and friends) is refused, never constructed. Values are built straight from
libyaml's event stream (no intermediate node tree: three times faster on large specs); an alias
reuses the value its anchor built, so an alias bomb costs linear work. Nesting depth and
document size are bounded.

A plain (unquoted) scalar that YAML 1.1 would read as a date (``2001-12-14``) is text here, and a
plain number written with more than MAX_NUMBER_TEXT characters stays text too (Python refuses to
convert ints of more than 4,300 digits, and no spec value needs one). The text a plain number,
boolean or null was written as is kept in ``YMap.texts`` where it differs from the value, so that
free-text fields (``description: 1.10``) read what was written.
"""

from __future__ import annotations

from sys import intern
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .errors import Location, SpecError, describe

try:  # libyaml's parser is several times faster; the pure-Python one gives the same events
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_VALUES = 1_000_000  # YAML events (scalars, starts and ends of mappings and lists): room for a 50,000-layer spec
MAX_NUMBER_TEXT = 100

Mark = tuple[int, int]  # (line, column), 1-based

_TAG = "tag:yaml.org,2002:"
_STR, _INT, _MAP, _SEQ, _MERGE = (_TAG + t for t in ("str", "int", "map", "seq", "merge"))
_TIMESTAMP, _FLOAT = _TAG + "timestamp", _TAG + "float"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}
_RESOLVER = Resolver()
_CONSTRUCTOR = SafeConstructor()
# plain words YAML 1.1 reads as something other than text (booleans and null)
_SPECIAL_WORDS = frozenset(
    w
    for base in ("yes", "no", "true", "false", "on", "off", "y", "n", "null")
    for w in (base, base.capitalize(), base.upper())
)


class YMap(dict):
    """A mapping from YAML; ``mark`` is where it starts, ``marks[key]`` where each value starts."""

    __slots__ = ("mark", "marks", "key_marks", "texts")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: dict[str, Mark] = {}
        self.key_marks: dict[str, Mark] = {}
        self.texts: dict[str, str] | None = None  # key -> how a plain non-text value was written

    def text_of(self, key: str) -> str | None:
        """The value of ``key`` as written, when it is a plain scalar (``1.10``, ``yes``, ``42``)."""
        value = self.get(key)
        if isinstance(value, str):
            return value
        if self.texts is not None and key in self.texts:
            return self.texts[key]
        if isinstance(value, (int, float)) or value is None:
            return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        return None


class YList(list):
    """A list from YAML; ``mark`` is where it starts, ``marks[i]`` where item i starts."""

    __slots__ = ("mark", "marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []


def _describe_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _plain_tag(value: str) -> str:
    """The tag YAML's implicit rules give a plain scalar; the common cases without regexes."""
    if value.isdigit():
        return _INT if value[0] != "0" or value == "0" else _RESOLVER.resolve(ScalarNode, value, (True, False))
    if value.isidentifier() and value not in _SPECIAL_WORDS:
        return _STR
    return _RESOLVER.resolve(ScalarNode, value, (True, False))


class _Builder:
    """Turns the event stream into YMap / YList / scalars, with a stack instead of recursion."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.anchors: dict[str, Any] = {}

    def error(self, mark: Mark, message: str, **kw: Any) -> SpecError:
        return SpecError(message, location=Location(self.file, *mark), **kw)

    def unsupported_tag(self, tag: str, mark: Mark) -> SpecError:
        return self.error(
            mark,
            f"YAML tag '{_describe_tag(tag)}' is not allowed in a spec",
            expected="plain mappings, lists, strings, numbers and booleans",
            hint="costcalc never constructs objects from YAML tags",
        )

    def scalar(self, event: ScalarEvent, mark: Mark) -> Any:
        value = event.value
        if event.tag is None or event.tag == "!":
            plain, _quoted = event.implicit
            tag = _plain_tag(value) if plain else _STR
            if plain and (tag == _TIMESTAMP or (len(value) > MAX_NUMBER_TEXT and tag in (_INT, _FLOAT))):
                return value  # no tag was written: a date-like or enormous plain scalar is text
        else:
            tag = event.tag
        if tag == _STR:
            return value
        if tag == _INT and value.isdigit():
            return int(value)
        if tag == _MERGE:
            return _MERGE_KEY
        if tag not in _SCALAR_TAGS:
            raise self.unsupported_tag(tag, mark)
        node = ScalarNode(tag, value, event.start_mark, event.end_mark, event.style)
        try:
            return _CONSTRUCTOR.construct_object(node)
        except (ValueError, TypeError, yaml.YAMLError):
            raise self.error(mark, f"not valid YAML: cannot read {describe(value)} as {_describe_tag(tag)}") from None

    def build(self, loader: Any) -> Any:
        """The document's value; ``loader`` yields libyaml events (its get_event, without the generator)."""
        get_event = loader.get_event
        stack: list[list[Any]] = []
        root: Any = None
        documents = 0
        count = 0
        while True:
            event = get_event()
            count += 1
            if count > MAX_VALUES:
                raise SpecError(
                    f"the document has more than {MAX_VALUES:,} values (costcalc's limit)",
                    location=Location(self.file),
                    expected="a spec of a sensible size",
                )
            kind = type(event)
            written = None
            if kind is ScalarEvent:
                start = event.start_mark
                mark = (start.line + 1, start.column + 1)
                value = event.value
                if (
                    event.tag is not None
                    or not event.implicit[0]
                    or not value.isidentifier()
                    or value in _SPECIAL_WORDS
                ):
                    value = self.scalar(event, mark)  # anything but a plain word: numbers, quoted text, tags
                    if type(value) is not str and event.implicit[0] and event.tag is None:
                        written = event.value  # kept for free-text fields when it differs from the value
                anchor = event.anchor
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                frame = stack.pop()
                value, anchor, mark = frame[0], frame[4], frame[5]
                if frame[3]:
                    self.merge(value, frame[3])
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                mark = (event.start_mark.line + 1, event.start_mark.column + 1)
                if event.tag not in (None, "!", _MAP if kind is MappingStartEvent else _SEQ):
                    raise self.unsupported_tag(event.tag, mark)
                if len(stack) >= MAX_DEPTH:
                    raise self.error(
                        mark, f"values nested deeper than {MAX_DEPTH} levels", expected="a flatter document"
                    )
                container = YMap(mark) if kind is MappingStartEvent else YList(mark)
                # frame: container, pending key, the key's mark, merge sources, anchor, start mark
                stack.append([container, _NO_KEY, None, None, event.anchor, mark])
                continue
            elif kind is AliasEvent:
                mark = (event.start_mark.line + 1, event.start_mark.column + 1)
                if event.anchor not in self.anchors:
                    raise self.error(
                        mark,
                        f"alias *{event.anchor} names no anchor defined above it",
                        expected="&name defined before *name",
                    )
                value, anchor = self.anchors[event.anchor], None
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    mark = (event.start_mark.line + 1, event.start_mark.column + 1)
                    raise self.error(mark, "the file holds more than one YAML document", expected="one spec per file")
                continue
            elif kind is StreamEndEvent:
                return root
            else:  # stream start, document end
                continue
            if anchor is not None:
                self.anchors[anchor] = value
            if stack:
                self.add(stack[-1], value, mark)
                if written is not None and type(stack[-1][0]) is YMap and stack[-1][1] is _NO_KEY:
                    self.remember_text(stack[-1][0], value, written)
            else:
                root = value

    def add(self, frame: list[Any], value: Any, mark: Mark) -> None:
        container = frame[0]
        if type(container) is YList:
            container.append(value)
            container.marks.append(mark)
            return
        key = frame[1]
        if key is _NO_KEY:  # this value is a key
            if value is not _MERGE_KEY and not isinstance(value, str):
                raise self.error(mark, f"key {describe(value)} is not a name", expected="a text key")
            frame[1], frame[2] = (intern(value) if value is not _MERGE_KEY else value), mark  # keys repeat: share them
            return
        frame[1] = _NO_KEY
        if key is _MERGE_KEY:
            sources = value if isinstance(value, list) else [value]
            if not all(isinstance(s, YMap) for s in sources):
                raise self.error(mark, "'<<' merges only mappings", expected="<<: *anchor_of_a_mapping")
            frame[3] = (frame[3] or []) + sources
            return
        if key in container:
            first = container.key_marks[key][0]
            raise self.error(
                frame[2], f"duplicate key '{key}' (first given at line {first})", expected="each key once per mapping"
            )
        container[key] = value
        container.marks[key] = mark
        container.key_marks[key] = frame[2]

    @staticmethod
    def remember_text(container: YMap, value: Any, written: str) -> None:
        """Keep how the value just added was written, if its text would not say the same."""
        shown = "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        if shown != written:
            key = next(reversed(container))  # the key just set (dicts keep insertion order)
            if container.texts is None:
                container.texts = {}
            container.texts[key] = written

    @staticmethod
    def merge(target: YMap, sources: list[YMap]) -> None:
        """'<<: *base' fills only the keys the mapping does not set itself."""
        for source in sources:
            for key, value in source.items():
                if key not in target:
                    target[key] = value
                    target.marks[key] = source.marks[key]
                    target.key_marks[key] = source.key_marks[key]
                    if source.texts is not None and key in source.texts:
                        if target.texts is None:
                            target.texts = {}
                        target.texts[key] = source.texts[key]


class _Sentinel:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


_NO_KEY = _Sentinel("no key")
_MERGE_KEY = _Sentinel("<<")


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into YMap / YList / scalars; errors are located SpecErrors."""
    loader = _Loader(text)
    try:
        return _Builder(file).build(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "could not parse"
        raise SpecError(f"not valid YAML: {problem}", location=location) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", location=Location(file)) from None
    finally:
        loader.dispose()
