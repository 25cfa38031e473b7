"""The spec language: YAML text -> validated, immutable spec objects that remember their lines.

This stage checks structure only (keys, types, names, kinds); values stay raw (numbers or
expression strings) because they are evaluated later with variables, block arguments and input
shapes in scope (see graph.py).
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import ErrorCollector, Location, SpecError, clip, describe, nearest
from .expressions import CONSTANTS, FUNCTIONS
from .layers import KINDS
from .yaml_source import Mark, YList, YMap, load_yaml

TOP_KEYS = ("name", "description", "source", "input", "vars", "blocks", "layers", "variants")
BLOCK_KEYS = ("description", "args", "vars", "inputs", "layers", "output")
ENTRY_KEYS = ("kind", "name", "input", "inputs", "repeat", "for", "when", "first", "dtype")
VARIANT_KEYS = ("description", "vars", "input")

# names an expression can read that a spec cannot define itself
SHAPE_NAMES = ("in_height", "in_width", "in_channels")
INPUT_NAME = "input"  # inside a block, the block's input; at the top, the network input
ROW_NAMES = ("row", "row_index")  # in a `for:` copy: the row of the table and its number
RESERVED_NAMES = frozenset(SHAPE_NAMES) | {"index", INPUT_NAME, *ROW_NAMES} | set(FUNCTIONS) | set(CONSTANTS)

# tables as data (lists and lists of mappings in vars and arguments): how deep and how large
MAX_TABLE_DEPTH = 4
MAX_TABLE_CELLS = 10_000

# the most layers a network may have (graph.py counts expanded layers against it); a spec that
# writes more entries than this is refused while parsing
MAX_LAYERS = 50_000

_LAYER_NAME = re.compile(r"[^\s.\x00-\x1f\x7f]{1,100}")
_VARIANT_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")

REQUIRED = object()  # marks a block argument without default

# what other frameworks call a kind (Keras Dense, PyTorch Linear, ...): suggested when it is not a kind here
KIND_ALIASES = {
    "dense": "fc",
    "linear": "fc",
    "fully_connected": "fc",
    "conv2d": "conv",
    "convolution": "conv",
    "depthwiseconv2d": "depthwise_conv",
    "separableconv2d": "separable_conv",
    "conv2dtranspose": "conv_transpose",
    "convtranspose2d": "conv_transpose",
    "batchnorm": "batch_norm",
    "batchnorm2d": "batch_norm",
    "batchnormalization": "batch_norm",
    "bn": "batch_norm",
    "maxpool": "max_pool",
    "maxpool2d": "max_pool",
    "maxpooling2d": "max_pool",
    "avgpool": "avg_pool",
    "avgpool2d": "avg_pool",
    "averagepooling2d": "avg_pool",
    "globalaveragepooling2d": "global_avg_pool",
    "adaptiveavgpool2d": "adaptive_avg_pool",
    "concatenate": "concat",
    "cat": "concat",
    "swish": "silu",
    "hardswish": "hard_swish",
    "hardsigmoid": "hard_sigmoid",
    "relu_6": "relu6",
    "upsampling2d": "upsample",
    "zeropadding2d": "zero_pad",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a `layers:` list: a layer, or a use of a block, with raw (unevaluated) values."""

    kind: str
    name: str | None
    # None: the previous entry (or the scope's input); a name, or an expression choosing one
    # ("a if cond else b": it has a space, which no name has)
    inputs: tuple[str, ...] | None
    params: dict[str, Any]
    repeat: Any
    when: Any
    first: dict[str, Any] | None  # overrides for the first repetition
    mark: Mark
    marks: dict[str, Mark]  # where each value starts; first's values under "first.<key>"
    rows: Any = None  # `for:`: an expression (or a list) giving the table whose rows the entry repeats over
    # `dtype:` for mixed precision (the hardware view): a dtype word, or {weights: …, activations: …};
    # a block use's applies to the layers inside it; the names are checked where they are used
    dtype: Any = None


@dataclass(frozen=True, slots=True)
class BlockDef:
    """A reusable block: named arguments with defaults, its own vars, and layers."""

    name: str
    description: str
    args: dict[str, Any]  # name -> raw default, or REQUIRED
    vars: dict[str, Any]
    layers: tuple[Entry, ...]
    output: str | None
    mark: Mark
    marks: dict[str, Mark]  # where each key's value starts; args and vars under "args.<name>", "vars.<name>"
    inputs: tuple[str, ...] = (INPUT_NAME,)  # its named inputs, in the order a use's `inputs:` gives them


@dataclass(frozen=True, slots=True)
class VariantDef:
    """A named variant of a family spec: its vars and, optionally, its input size."""

    name: str
    description: str
    vars: dict[str, Any]  # raw values, replacing the spec's
    input: Any  # raw, as the spec's `input:`; None keeps the spec's
    mark: Mark
    marks: dict[str, Mark]  # "vars.<name>" and "input"


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    source: str
    input: Any  # raw: a list of 1 or 3 dims (numbers or expressions)
    vars: dict[str, Any]
    blocks: dict[str, BlockDef]
    layers: tuple[Entry, ...]
    file: str
    marks: dict[str, Mark] = field(default_factory=dict)  # top-level keys; each var under "vars.<name>"
    variants: dict[str, VariantDef] = field(default_factory=dict)
    variant: str | None = None  # the variant applied (with_variant), if any
    family: str | None = None  # the family spec's name when a variant is applied
    input_from_variant: bool = False  # the input size is the variant's, not the family's

    def location(self, mark: Mark | None) -> Location:
        return Location(self.file, *mark) if mark else Location(self.file)

    def with_variant(self, name: str) -> Spec:
        """This family spec with the named variant's vars and input applied; it is named after the variant."""
        variant = self.variants.get(name)
        if variant is None:
            near = suggest(name, self.variants)
            known = ", ".join(self.variants) or "none"
            raise SpecError(
                f"'{self.name}' has no variant '{name}'" + (f"; {near}" if near else ""),
                location=Location(self.file),
                expected=f"one of its variants: {known}",
            )
        marks = {**self.marks, **variant.marks}
        return dataclasses.replace(
            self,
            name=name,
            description=variant.description or self.description,
            vars={**self.vars, **variant.vars},
            input=variant.input if variant.input is not None else self.input,
            marks=marks,
            variant=name,
            family=self.name,
            input_from_variant=variant.input is not None,
        )


def suggest(word: str, options: Any) -> str:
    close = nearest(word, options)
    return f"did you mean '{close[0]}'?" if close else ""


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.errors = ErrorCollector()
        self.entry_count = 0

    def fail(self, mark: Mark | None, message: str, **kw: Any) -> None:
        location = Location(self.file, *mark) if mark else Location(self.file)
        self.errors.add(SpecError(message, location=location, **kw))

    def mapping(self, value: Any, mark: Mark | None, what: str) -> YMap | None:
        if isinstance(value, YMap):
            return value
        self.fail(mark, f"{what} is {describe(value)}", expected="a mapping (key: value lines)")
        return None

    def check_keys(
        self, data: YMap, allowed: tuple[str, ...] | list[str], what: str, extension_keys: bool = False
    ) -> None:
        for key in data:
            if extension_keys and key.startswith("x-"):
                continue  # free-form, e.g. to hold YAML anchors: x-bn-relu: &bn_relu {bn: true, ...}
            if key not in allowed:
                near = suggest(key, allowed)
                self.fail(
                    data.key_marks[key],
                    f"unknown key '{key}' in {what}" + (f"; {near}" if near else ""),
                    expected="one of "
                    + ", ".join(allowed)
                    + (" (or x-anything for anchors)" if extension_keys else ""),
                )

    def text(self, data: YMap, key: str, default: str = "") -> str:
        """A free-text field: a plain scalar is its text as written (description: 2001-12-14, name: 1.10)."""
        if key not in data:
            return default
        written = data.text_of(key)
        if written is not None:
            return written
        self.fail(data.marks.get(key), f"'{key}' is {describe(data[key])}", expected="text")
        return default

    # ------------------------------------------------------------------ top level

    def spec(self, root: Any, default_name: str) -> Spec | None:
        if root is None:
            self.fail(None, "the spec is empty", expected="a mapping with input: and layers:")
            return None
        data = self.mapping(root, getattr(root, "mark", None), "the spec")
        if data is None:
            return None
        self.check_keys(data, TOP_KEYS, "the spec", extension_keys=True)
        for key in ("input", "layers"):
            if key not in data:
                self.fail(data.mark, f"the spec has no '{key}'", expected=f"a top-level '{key}:'")
        blocks = self.blocks(data.get("blocks"), data.marks.get("blocks"))
        marks = dict(data.marks)
        spec_vars = self.variables(data.get("vars"), data.marks.get("vars"), "vars", marks)
        layers = self.entries(data["layers"], data.marks["layers"], set(blocks), "the spec") if "layers" in data else ()
        self.check_block_uses(layers, blocks)
        for block in blocks.values():
            self.check_block_uses(block.layers, blocks)
        return Spec(
            name=self.text(data, "name", default_name) or default_name,
            description=self.text(data, "description"),
            source=self.text(data, "source"),
            input=self.input(data["input"], data.marks["input"]) if "input" in data else None,
            vars=spec_vars,
            blocks=blocks,
            layers=layers,
            file=self.file,
            marks=marks,
            variants=self.variants(data.get("variants"), data.marks.get("variants"), spec_vars),
        )

    def variants(self, raw: Any, mark: Mark | None, spec_vars: dict[str, Any]) -> dict[str, VariantDef]:
        if raw is None:
            return {}
        data = self.mapping(raw, mark, "'variants'")
        if data is None:
            return {}
        out = {}
        for name, body in data.items():
            if not _VARIANT_NAME.fullmatch(name):
                self.fail(
                    data.key_marks[name],
                    f"variant name '{clip(name)}' is not usable",
                    expected="letters, digits, '_', '-' and '.' (a name to type after costcalc analyze)",
                )
                continue
            item = self.mapping(body, data.marks[name], f"variant '{name}'")
            if item is None:
                continue
            self.check_keys(item, VARIANT_KEYS, f"variant '{name}'")
            marks: dict[str, Mark] = {}
            values = self.variables(item.get("vars"), item.marks.get("vars"), "vars", marks)
            for var in values:
                if var not in spec_vars:
                    near = suggest(var, spec_vars)
                    self.fail(
                        marks[f"vars.{var}"],
                        f"variant '{name}' sets '{var}', which is not a var of the spec"
                        + (f"; {near}" if near else ""),
                        expected="one of the spec's vars: " + (", ".join(spec_vars) or "none"),
                    )
            given_input = None
            if "input" in item:
                given_input = self.input(item["input"], item.marks["input"])
                marks["input"] = item.marks["input"]
            description = self.text(item, "description")
            out[name] = VariantDef(name, description, values, given_input, data.marks[name], marks)
        return out

    def input(self, raw: Any, mark: Mark) -> Any:
        if isinstance(raw, str) and re.fullmatch(r"\s*\d+(\s*[x×]\s*\d+)*\s*", raw):
            raw = [int(part) for part in re.split(r"[x×]", raw)]
        if (
            isinstance(raw, list)
            and len(raw) in (1, 3)
            and all(isinstance(v, (int, float, str)) for v in raw)  # each is checked when evaluated
        ):
            return list(raw)
        self.fail(
            mark,
            f"input is {describe(raw)}",
            expected="[height, width, channels] (channels last, e.g. [224, 224, 3]) or [features]",
        )
        return None

    def variables(self, raw: Any, mark: Mark | None, what: str, marks: dict[str, Mark]) -> dict[str, Any]:
        """Name -> raw value; each value's mark goes into ``marks`` as "<what>.<name>"."""
        if raw is None:
            return {}
        data = self.mapping(raw, mark, f"'{what}'")
        if data is None:
            return {}
        out: dict[str, Any] = {}
        for name, value in data.items():
            self.check_variable_name(name, data.key_marks[name], what)
            if isinstance(value, (int, float, str)) or self.table(value, data.marks[name], f"{what} '{name}'"):
                out[name] = value
                marks[f"{what}.{name}"] = data.marks[name]
            elif not isinstance(value, (YList, YMap)):
                self.fail(
                    data.marks[name],
                    f"{what} '{name}' is {describe(value)}",
                    expected="a number, true/false, an expression, a list or a mapping",
                )
        return out

    def table(self, value: Any, mark: Mark, what: str) -> bool:
        """A list or mapping usable as data (a table): its items are values, its keys plain names, and
        it is at most MAX_TABLE_DEPTH deep and MAX_TABLE_CELLS large (aliases counted each time)."""
        if not isinstance(value, (YList, YMap)):
            return False
        cells = 0
        stack: list[tuple[Any, Mark, int]] = [(value, mark, 1)]
        while stack:
            item, item_mark, depth = stack.pop()
            if depth > MAX_TABLE_DEPTH:
                self.fail(item_mark, f"{what} nests lists deeper than {MAX_TABLE_DEPTH}", expected="a flatter table")
                return False
            if isinstance(item, YList):
                children = list(zip(item, item.marks))
            else:
                for key in item:
                    if not key.isidentifier() or keyword.iskeyword(key):
                        self.fail(
                            item.key_marks[key],
                            f"the field '{clip(key)}' of {what} cannot be read in expressions",
                            expected="a field name made of letters, digits and _ (row.field reads it)",
                        )
                        return False
                children = [(v, item.marks[k]) for k, v in item.items()]
            cells += len(children)
            if cells > MAX_TABLE_CELLS:
                self.fail(mark, f"{what} has more than {MAX_TABLE_CELLS:,} values", expected="a smaller table")
                return False
            for child, child_mark in children:
                if isinstance(child, (YList, YMap)):
                    stack.append((child, child_mark, depth + 1))
                elif child is None or not isinstance(child, (int, float, str)):
                    self.fail(
                        child_mark, f"{what} holds {describe(child)}", expected="numbers, words, expressions, lists"
                    )
                    return False
        return True

    def check_variable_name(self, name: str, mark: Mark, what: str) -> None:
        if not name.isidentifier() or keyword.iskeyword(name):
            self.fail(
                mark,
                f"'{name}' cannot be used in expressions",
                expected=f"a {what} name made of letters, digits and _ (not starting with a digit)",
            )
        elif name in RESERVED_NAMES:
            self.fail(
                mark,
                f"'{name}' is a reserved name",
                expected=f"a {what} name other than " + ", ".join(sorted(RESERVED_NAMES)),
            )

    # ------------------------------------------------------------------ blocks

    def blocks(self, raw: Any, mark: Mark | None) -> dict[str, BlockDef]:
        if raw is None:
            return {}
        data = self.mapping(raw, mark, "'blocks'")
        if data is None:
            return {}
        names = set(data)
        for name in data:
            if name in KINDS:
                self.fail(
                    data.key_marks[name],
                    f"block '{name}' has the name of a layer kind",
                    expected="a block name that is not a layer kind",
                )
            elif not name.isidentifier():
                self.fail(
                    data.key_marks[name], f"block name '{name}' is not a plain name", expected="letters, digits and _"
                )
        out = {}
        for name, body in data.items():
            block = self.block(name, body, data.marks[name], names)
            if block is not None:
                out[name] = block
        return out

    def block(self, name: str, raw: Any, mark: Mark, block_names: set[str]) -> BlockDef | None:
        data = self.mapping(raw, mark, f"block '{name}'")
        if data is None:
            return None
        self.check_keys(data, BLOCK_KEYS, f"block '{name}'")
        args: dict[str, Any] = {}
        marks = dict(data.marks)
        raw_args = data.get("args")
        if raw_args is not None:
            arg_map = self.mapping(raw_args, data.marks.get("args"), f"the args of block '{name}'")
            for arg, default in (arg_map or {}).items():
                self.check_variable_name(arg, arg_map.key_marks[arg], "argument")
                marks[f"args.{arg}"] = arg_map.marks[arg]
                if default is None:
                    args[arg] = REQUIRED
                elif isinstance(default, (int, float, str)) or self.table(
                    default, arg_map.marks[arg], f"the default of argument '{arg}'"
                ):
                    args[arg] = default
                elif isinstance(default, (YList, YMap)):
                    pass  # reported by table()
                else:
                    self.fail(
                        arg_map.marks[arg],
                        f"default of argument '{arg}' is {describe(default)}",
                        expected="a number, true/false, an expression, or nothing (required)",
                    )
        block_vars = self.variables(data.get("vars"), data.marks.get("vars"), "vars", marks)
        for clash in set(block_vars) & set(args):
            self.fail(
                data.marks.get("vars"),
                f"'{clash}' is both an argument and a var of block '{name}'",
                expected="distinct names",
            )
        if "layers" not in data:
            self.fail(data.mark, f"block '{name}' has no 'layers'", expected="a 'layers:' list")
            return None
        layers = self.entries(data["layers"], data.marks["layers"], block_names, f"block '{name}'")
        inputs = self.block_inputs(name, data, layers, set(args) | set(block_vars))
        output = data.get("output")
        if output is not None and not isinstance(output, str):
            self.fail(
                data.marks["output"], f"output is {describe(output)}", expected="the name of a layer in the block"
            )
            output = None
        return BlockDef(
            name, self.text(data, "description"), args, block_vars, layers, output, data.mark, marks, inputs
        )

    def block_inputs(self, name: str, data: YMap, layers: tuple[Entry, ...], values: set[str]) -> tuple[str, ...]:
        """The names of a block's inputs (`inputs: [x, skip]`); one input called 'input' by default."""
        raw = data.get("inputs")
        if raw is None:
            return (INPUT_NAME,)
        mark = data.marks["inputs"]
        items = raw if isinstance(raw, list) else [raw]
        if not items or not all(isinstance(i, str) for i in items):
            self.fail(mark, f"the inputs of block '{name}' are {describe(raw)}", expected="a list of input names")
            return (INPUT_NAME,)
        layer_names = {e.name for e in layers if e.name}
        for item in items:
            if not item.isidentifier() or keyword.iskeyword(item) or (item in RESERVED_NAMES and item != INPUT_NAME):
                self.fail(
                    mark, f"input name '{clip(item)}' is not usable", expected="a plain name (letters, digits, _)"
                )
            elif item in layer_names or item in values or items.count(item) > 1:
                self.fail(
                    mark,
                    f"input name '{item}' of block '{name}' is also a layer, argument, var or another input",
                    expected="distinct names",
                )
        return tuple(items)

    # ------------------------------------------------------------------ layer entries

    def entries(self, raw: Any, mark: Mark | None, block_names: set[str], where: str) -> tuple[Entry, ...]:
        if not isinstance(raw, YList) or not raw:
            self.fail(mark, f"the layers of {where} are {describe(raw)}", expected="a non-empty list of layers")
            return ()
        self.entry_count += len(raw)
        if self.entry_count > MAX_LAYERS:
            self.fail(
                mark,
                f"the spec writes more than {MAX_LAYERS:,} layers (costcalc's limit)",
                expected="a smaller network",
            )
            return ()
        out = []
        seen: dict[str, Mark] = {}
        for item, item_mark in zip(raw, raw.marks):
            entry = self.entry(item, item_mark, block_names)
            if entry is None:
                continue
            if entry.name is not None:
                if entry.name in seen:
                    self.fail(
                        entry.marks["name"],
                        f"duplicate layer name '{entry.name}' in {where} (first at line {seen[entry.name][0]})",
                        expected="unique names within a block",
                    )
                seen[entry.name] = entry.marks["name"]
            out.append(entry)
        return tuple(out)

    def entry(self, raw: Any, mark: Mark, block_names: set[str]) -> Entry | None:
        if self.errors.full:
            self.errors.truncated = True
            return None
        data = self.mapping(raw, mark, "a layer")
        if data is None:
            return None
        kind = data.get("kind")
        if not isinstance(kind, str):
            what = "has no 'kind'" if kind is None else f"has kind {describe(kind)}"
            self.fail(data.mark, f"the layer {what}", expected="kind: a layer kind or a block name")
            return None
        layer_kind = KINDS.get(kind)
        if layer_kind is not None and layer_kind.internal:
            layer_kind = None
        if layer_kind is None and kind not in block_names:
            options = [k for k, v in KINDS.items() if not v.internal] + list(block_names)
            plain = kind.lower().replace("-", "_")
            alias = plain if plain in options else KIND_ALIASES.get(plain)  # Linear -> linear, if it is a kind
            near = (
                f"did you mean '{alias}'?" + (f" ({kind} is called {alias} here)" if alias != plain else "")
                if alias in options
                else suggest(kind, options)
            )
            self.fail(
                data.marks["kind"],
                f"unknown kind '{kind}'" + (f"; {near}" if near else ""),
                expected="a layer kind (costcalc kinds lists them) or a block defined under blocks:",
            )
            return None
        allowed = layer_kind.params if layer_kind else None  # a block's args: check_block_uses
        name = self.layer_name(data) if "name" in data else None
        inputs = self.inputs(data) if "input" in data or "inputs" in data else None
        params = {key: value for key, value in data.items() if key not in ENTRY_KEYS}
        self.check_params(params, data, kind, allowed)
        first = None
        marks = data.marks  # shared, not copied: entries are read-only
        if "first" in data:
            marks = dict(marks)
            first_map = self.mapping(data["first"], data.marks["first"], "'first'")
            if first_map is not None:
                if "repeat" not in data:
                    self.fail(data.marks["first"], "'first' without 'repeat'", expected="repeat: N beside first:")
                self.check_params(dict(first_map), first_map, kind, allowed)
                first = dict(first_map)
                marks.update({f"first.{k}": m for k, m in first_map.marks.items()})
        if layer_kind is not None and "for" not in data:  # with for:, the rows may give them
            for pname in layer_kind.required:
                if pname not in params:
                    prm = layer_kind.params[pname]
                    self.fail(
                        data.mark,
                        f"{kind} layer{_named(name)} has no '{pname}'",
                        expected=f"{pname}: {prm.doc}" if prm.doc else f"a value for '{pname}'",
                    )
        rows = data.get("for")
        if rows is not None and not isinstance(rows, (str, list)):
            self.fail(data.marks["for"], f"for is {describe(rows)}", expected="a table: a list var's name or a list")
            rows = None
        dtype = self.dtype(data) if "dtype" in data else None
        return Entry(
            kind, name, inputs, params, data.get("repeat"), data.get("when"), first, data.mark, marks, rows, dtype
        )

    def dtype(self, data: YMap) -> Any:
        value = data["dtype"]
        if isinstance(value, str) or (
            isinstance(value, YMap)
            and value
            and set(value) <= {"weights", "activations"}
            and all(isinstance(v, str) for v in value.values())
        ):
            return value
        self.fail(
            data.marks["dtype"],
            f"dtype is {describe(value)}",
            expected="a dtype (int8, float16, …) or {weights: int4, activations: int8}",
        )
        return None

    def check_params(self, params: dict[str, Any], data: YMap, kind: str, allowed: Any) -> None:
        if allowed is None:
            return
        for key in params:
            if key not in allowed:
                allowed = list(allowed)
                near = suggest(key, list(allowed) + list(ENTRY_KEYS))
                self.fail(
                    data.key_marks[key],
                    f"'{key}' is not a parameter of {kind}" + (f"; {near}" if near else ""),
                    expected=("one of " + ", ".join(allowed)) if allowed else f"no parameters ({kind} takes none)",
                    hint=_COMMA_HINT if _split_by_comma(key) else None,
                )

    def check_block_uses(self, entries: tuple[Entry, ...], blocks: dict[str, BlockDef]) -> None:
        """Arguments of block uses, checked once every block is known (a block may be used before it is defined)."""
        for entry in entries:
            block = blocks.get(entry.kind)
            if block is None:
                continue
            for values, prefix in ((entry.params, ""), (entry.first or {}, "first.")):
                for key in values:
                    if key not in block.args:
                        near = suggest(key, list(block.args) + list(ENTRY_KEYS))
                        self.fail(
                            entry.marks.get(prefix + key, entry.mark),
                            f"'{key}' is not an argument of block '{block.name}'" + (f"; {near}" if near else ""),
                            expected=("one of " + ", ".join(block.args))
                            if block.args
                            else f"block '{block.name}' takes no arguments",
                        )
            for arg, default in block.args.items():
                if default is REQUIRED and arg not in entry.params and entry.rows is None:  # rows may give it
                    self.fail(
                        entry.mark,
                        f"block '{block.name}' used{_named(entry.name)} without its argument '{arg}'",
                        expected=f"{arg}: a value",
                    )

    def layer_name(self, data: YMap) -> str | None:
        name = data.get("name")
        if name is None:
            return None
        if type(name) is str and len(name) <= 100 and name.isidentifier() and name != INPUT_NAME:
            return name  # the common case, without the regex
        if isinstance(name, (int, float)) and not isinstance(name, bool):
            name = data.text_of("name")
        if not isinstance(name, str) or not _LAYER_NAME.fullmatch(name):
            self.fail(
                data.marks["name"],
                f"layer name {clip(name) if isinstance(name, str) else describe(name)} is not usable",
                expected="1 to 100 characters without spaces, dots or control characters",
            )
            return None
        if name == INPUT_NAME:
            self.fail(
                data.marks["name"], "'input' is reserved for the input of the network or block", expected="another name"
            )
            return None
        return name

    def inputs(self, data: YMap) -> tuple[str, ...] | None:
        if "input" in data and "inputs" in data:
            self.fail(data.key_marks["inputs"], "both 'input' and 'inputs' given", expected="one of them")
        key = "inputs" if "inputs" in data else "input" if "input" in data else None
        if key is None:
            return None
        raw = data[key]
        items = raw if isinstance(raw, list) else [raw]
        names = []
        for item in items:
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str):
                self.fail(data.marks[key], f"{key} holds {describe(item)}", expected="layer names")
                return None
            names.append(item)
        if not names:
            self.fail(data.marks[key], f"{key} is empty", expected="one or more layer names")
            return None
        return tuple(names)


_COMMA_HINT = 'inside { ... } a comma ends the value: quote an expression that has one, "max(1, x)"'


def _split_by_comma(key: str) -> bool:
    """A key like 'width_mult))' is the tail of an unquoted expression cut at its comma."""
    return any(c in key for c in "()*+/ ")


def _named(name: str | None) -> str:
    return f" '{name}'" if name else ""


def parse_spec(text: str, file: str, default_name: str = "spec") -> Spec:
    """Parse and structurally validate a spec; all problems found are raised together."""
    parser = _Parser(file)
    root = load_yaml(text, file)
    spec = parser.spec(root, default_name)
    parser.errors.raise_if_any()
    assert spec is not None
    return spec
