"""Safe YAML loading into plain values that remember the line and column they came from.

Only mappings, lists, strings, numbers, booleans and null are built; any other tag
(``!!python/object`` and friends) is refused, never constructed. Aliases are converted once
and shared, so an alias bomb costs linear work; nesting depth and document size are bounded.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Location, SpecError, describe

try:  # libyaml's parser is several times faster; the pure-Python one gives the same nodes
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_DEPTH = 64
MAX_NODES = 20_000_000

Mark = tuple[int, int]  # (line, column), 1-based

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null")}


class YMap(dict):
    """A mapping from YAML; ``mark`` is where it starts, ``marks[key]`` where each value starts."""

    __slots__ = ("mark", "marks", "key_marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: dict[str, Mark] = {}
        self.key_marks: dict[str, Mark] = {}


class YList(list):
    """A list from YAML; ``mark`` is where it starts, ``marks[i]`` where item i starts."""

    __slots__ = ("mark", "marks")

    def __init__(self, mark: Mark) -> None:
        super().__init__()
        self.mark = mark
        self.marks: list[Mark] = []


def _mark(node: Node) -> Mark:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _describe_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.scalars = SafeConstructor()
        self.done: dict[int, Any] = {}  # id(node) -> value: aliases are converted once
        self.count = 0

    def error(self, node: Node, message: str, **kw: Any) -> SpecError:
        line, column = _mark(node)
        return SpecError(message, location=Location(self.file, line, column), **kw)

    def convert(self, node: Node, depth: int = 0) -> Any:
        known = self.done.get(id(node))
        if known is not None:
            return known
        self.count += 1
        if self.count > MAX_NODES:
            raise self.error(
                node, f"the document has more than {MAX_NODES:,} values", expected="a spec of a sensible size"
            )
        if depth > MAX_DEPTH:
            raise self.error(node, f"values nested deeper than {MAX_DEPTH} levels", expected="a flatter document")
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
        elif isinstance(node, SequenceNode):
            value = self.sequence(node, depth)
        elif isinstance(node, MappingNode):
            value = self.mapping(node, depth)
        else:  # pragma: no cover - yaml has no other node types
            raise self.error(node, f"unsupported YAML node {type(node).__name__}")
        if not isinstance(node, ScalarNode):
            self.done[id(node)] = value
        return value

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == _TAG + "str":
            return node.value
        if tag not in _SCALAR_TAGS:
            raise self.unsupported_tag(node)
        return self.scalars.construct_object(node)

    def unsupported_tag(self, node: Node) -> SpecError:
        return self.error(
            node,
            f"YAML tag '{_describe_tag(node.tag)}' is not allowed in a spec",
            expected="plain mappings, lists, strings, numbers and booleans",
            hint="costcalc never constructs objects from YAML tags",
        )

    def sequence(self, node: SequenceNode, depth: int) -> YList:
        if node.tag != _TAG + "seq":
            raise self.unsupported_tag(node)
        out = YList(_mark(node))
        for item in node.value:
            out.append(self.convert(item, depth + 1))
            out.marks.append(_mark(item))
        return out

    def mapping(self, node: MappingNode, depth: int) -> YMap:
        if node.tag != _TAG + "map":
            raise self.unsupported_tag(node)
        out = YMap(_mark(node))
        merged: list[YMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                merged.extend(self.merge_sources(value_node, depth))
                continue
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, str):
                raise self.error(key_node, f"key {describe(key)} is not a name", expected="a text key")
            if key in out:
                first = out.key_marks[key][0]
                raise self.error(
                    key_node,
                    f"duplicate key '{key}' (first given at line {first})",
                    expected="each key once per mapping",
                )
            out[key] = self.convert(value_node, depth + 1)
            out.marks[key] = _mark(value_node)
            out.key_marks[key] = _mark(key_node)
        for source in merged:  # '<<: *base' fills only keys the mapping does not set itself
            for key, value in source.items():
                if key not in out:
                    out[key] = value
                    out.marks[key] = source.marks[key]
                    out.key_marks[key] = source.key_marks[key]
        return out

    def merge_sources(self, node: Node, depth: int) -> list[YMap]:
        value = self.convert(node, depth + 1)
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(s, YMap) for s in sources):
            raise self.error(node, "'<<' merges only mappings", expected="<<: *anchor_of_a_mapping")
        return sources


def load_yaml(text: str, file: str) -> Any:
    """Parse one YAML document into YMap / YList / scalars; errors are located SpecErrors."""
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        problem = exc.problem or exc.context or "could not parse"
        raise SpecError(f"not valid YAML: {problem}", location=location) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", location=Location(file)) from None
    except RecursionError:
        raise SpecError("not valid YAML: nested too deeply", location=Location(file)) from None
    if root is None:
        return None
    try:
        return _Converter(file).convert(root)
    except RecursionError:
        raise SpecError("values nested too deeply", location=Location(file)) from None
    except (ValueError, TypeError, yaml.YAMLError) as exc:  # a scalar the safe constructor rejects
        raise SpecError(f"not valid YAML: {exc}", location=Location(file)) from None
