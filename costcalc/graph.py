"""Spec -> layer graph: variables evaluated, blocks expanded, names resolved, shapes propagated.

Blocks are expanded in topological order and each layer's output shape is computed as it is
created, because a block's arguments and conditions may read the shape coming into it
(``when: stride != 1 or in_channels != 4 * width``: a projection only where it is needed).
The nodes come out in a topological order: every node's inputs come before it.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ErrorCollector, Location, SpecError, nearest
from .expressions import Value, evaluate
from .layers import KINDS, LayerKind, Shape, fmt_shape
from .layers.base import MAX_DIM, to_bool, to_int
from .settings import InputSize
from .spec import INPUT_NAME, MAX_LAYERS, REQUIRED, SHAPE_NAMES, BlockDef, Entry, Spec
from .yaml_source import Mark

# A spec of at most 1 MB must be answered within 2 s: this many layers is the most a network may
# expand to (repeats and block uses multiply), far more than any real network has.
MAX_NODES = MAX_LAYERS
MAX_BLOCK_NESTING = 32
TOP = -1  # block index of layers outside any block


@dataclass(frozen=True, slots=True)
class Node:
    """One layer of the expanded network."""

    name: str  # unique dotted path, e.g. conv2.0.conv1
    kind: str
    params: Mapping[str, Any]  # typed values (kernel as (h, w), padding as (t, b, l, r) or 'same')
    inputs: tuple[int, ...]  # indices of earlier nodes
    shape: Shape  # output shape, batch excluded
    block: int  # index into Graph.blocks of the innermost enclosing block, or TOP
    mark: Mark | None  # where its entry is written


@dataclass(frozen=True, slots=True)
class Block:
    """One block instance, or the group of a repeated entry (``conv2`` holding ``conv2.0`` ...)."""

    name: str
    kind: str  # the block definition's name, or the layer kind a repeat group repeats
    parent: int
    depth: int  # 1 for a block at the top level
    repeat: int  # the repetition count for a repeat group, 0 for a block instance
    output: int  # index of the node whose output is the block's output
    mark: Mark | None


@dataclass(frozen=True)
class Graph:
    name: str
    description: str
    source: str
    file: str
    input_shape: Shape
    variables: Mapping[str, Value]
    nodes: tuple[Node, ...]
    blocks: tuple[Block, ...]

    def block_path(self, node: Node) -> Iterator[int]:
        """Indices of the blocks enclosing ``node``, innermost first."""
        index = node.block
        while index != TOP:
            yield index
            index = self.blocks[index].parent


# ---------------------------------------------------------------- scopes for expressions


class Env:
    """Names an expression can read: a block's args and vars (or the spec's vars), then its parent's.

    ``shape`` is the input of the block (or network), read as in_height, in_width, in_channels.
    """

    __slots__ = ("values", "parent", "shape")

    def __init__(self, values: dict[str, Value], parent: Env | None, shape: Shape | None) -> None:
        self.values = values
        self.parent = parent
        self.shape = shape

    def lookup(self, name: str) -> Value:
        env: Env | None = self
        while env is not None:
            value = env.values.get(name)
            if value is not None:
                return value
            if env.shape is not None and name in SHAPE_NAMES:
                return shape_value(env.shape, name)
            env = env.parent
        raise KeyError(name)

    def names(self) -> Iterable[str]:
        env: Env | None = self
        while env is not None:
            yield from env.values
            env = env.parent
        yield from SHAPE_NAMES


class LayerScope:
    """A layer's own view: in_* are the layer's own input, ``index`` its repetition."""

    __slots__ = ("env", "shape", "index")

    def __init__(self, env: Env, shape: Shape, index: int | None) -> None:
        self.env, self.shape, self.index = env, shape, index

    def lookup(self, name: str) -> Value:
        if name in SHAPE_NAMES:
            return shape_value(self.shape, name)
        if name == "index" and self.index is not None:
            return self.index
        return self.env.lookup(name)

    def names(self) -> Iterable[str]:
        yield from self.env.names()
        if self.index is not None:
            yield "index"


def shape_value(shape: Shape, name: str) -> int:
    if name == "in_channels":
        return shape[-1]
    if len(shape) != 3:
        raise KeyError(name)  # a flat vector has no height or width
    return shape[0] if name == "in_height" else shape[1]


def evaluate_value(raw: Any, scope: Any) -> Value:
    """An argument or var: a number, a boolean, an expression, or a word passed on as it is."""
    if isinstance(raw, (int, float)):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.isidentifier():
            try:
                return scope.lookup(text)
            except KeyError:
                return text  # an undefined single word is a word: activation: act -> relu
        return evaluate(text, scope)
    raise SpecError(f"got {type(raw).__name__}", expected="a number, true/false, an expression or a word")


def _needs_scope(raw: Any) -> bool:
    if isinstance(raw, str):
        return True
    if isinstance(raw, list):
        return any(isinstance(v, str) for v in raw)
    return False


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.nodes: list[Node] = []
        self.blocks: list[Block] = []
        self.errors = ErrorCollector()
        # typed values of entries written with plain literals, shared by all their repetitions
        self.literal_params: dict[tuple[int, bool], dict[str, Any]] = {}
        self.root_env = Env({}, None, None)
        self.limit = MAX_NODES  # how many nodes the current repetition may grow to

    # errors ---------------------------------------------------------

    def location(self, mark: Mark | None) -> Location:
        return self.spec.location(mark)

    def fail(self, error: SpecError, mark: Mark | None, layer: str | None = None, notes: tuple[str, ...] = ()) -> None:
        self.errors.add(error.at(self.location(mark), layer=layer, notes=notes))

    # top level ------------------------------------------------------

    def build(self, overrides: Mapping[str, Any], input_shape: Shape | InputSize | None) -> Graph:
        spec = self.spec
        self.check_block_cycles()
        self.errors.raise_if_any()
        self.check_static_size()
        self.errors.raise_if_any()
        self.root_env = env = self.global_env(overrides)
        shape = self.input_shape(env, input_shape)
        self.errors.raise_if_any()
        env.shape = shape
        self.nodes.append(Node(INPUT_NAME, "input", {}, (), shape, TOP, spec.marks.get("input")))
        self.scope(spec.layers, env, 0, "", TOP, ())
        self.errors.raise_if_any()
        return Graph(
            spec.name,
            spec.description,
            spec.source,
            spec.file,
            shape,
            dict(env.values),
            tuple(self.nodes),
            tuple(self.blocks),
        )

    def global_env(self, overrides: Mapping[str, Any]) -> Env:
        spec = self.spec
        for name in overrides:
            if name not in spec.vars:
                known = ", ".join(spec.vars) or "none"
                near = nearest(name, spec.vars)
                self.errors.add(
                    SpecError(
                        f"--set {name}: the spec has no var '{name}'"
                        + (f"; did you mean '{near[0]}'?" if near else ""),
                        location=Location(spec.file),
                        expected=f"one of its vars: {known}",
                    )
                )
        env = Env({}, None, None)
        for name, raw in spec.vars.items():
            mark = spec.marks.get(f"vars.{name}")
            try:
                if name in overrides:
                    env.values[name] = evaluate_value(overrides[name], env)
                else:
                    env.values[name] = evaluate_value(raw, env)
            except SpecError as exc:
                where = f"--set {name}" if name in overrides else f"var '{name}'"
                self.fail(exc.about(f"{where}"), mark)
        return env

    def input_shape(self, env: Env, override: Shape | InputSize | None) -> Shape:
        if override is not None and not isinstance(override, InputSize):
            return override
        mark = self.spec.marks.get("input")
        try:
            dims = tuple(to_int(v, lambda t: evaluate(t, env), 1, "a dimension") for v in self.spec.input)
        except SpecError as exc:
            self.fail(exc.about("input"), mark)
            return (1,)
        # a size from the command line (160, 160x120) takes the spec's own channels: one rule everywhere
        return dims if override is None else override.resolve(dims)

    def check_block_cycles(self) -> None:
        blocks = self.spec.blocks
        uses = {name: [e for e in b.layers if e.kind in blocks] for name, b in blocks.items()}
        state: dict[str, int] = {}  # 1 visiting, 2 done

        def visit(name: str, path: list[str]) -> None:
            state[name] = 1
            for entry in uses[name]:
                if state.get(entry.kind) == 1:
                    cycle = " → ".join(path[path.index(entry.kind) :] + [entry.kind])
                    self.fail(
                        SpecError(
                            f"block '{entry.kind}' uses itself ({cycle})",
                            expected="blocks that do not contain themselves",
                        ),
                        entry.mark,
                    )
                elif entry.kind not in state:
                    visit(entry.kind, path + [entry.kind])
            state[name] = 2

        for name in blocks:
            if name not in state:
                visit(name, [name])

    def check_static_size(self) -> None:
        """Refuse at once a spec whose block uses and literal repeats multiply past MAX_NODES.

        Counts each block use (not only `repeat`): 7 levels of blocks each using the next 10 times
        would otherwise build layers for a minute before the limit stopped it. Repeats given by an
        expression count once here; the layer count is checked again while building.
        """
        blocks = self.spec.blocks
        sizes: dict[str, int] = {}

        def size(entries: tuple[Entry, ...]) -> tuple[int, Entry | None]:
            """Layers the entries make at least, and the entry at which they pass MAX_NODES."""
            total = 0
            for entry in entries:
                repeat = entry.repeat if type(entry.repeat) is int and 0 < entry.repeat <= MAX_DIM else 1
                if entry.kind in blocks:
                    if entry.kind not in sizes:
                        sizes[entry.kind] = 0  # cycles were refused before; guards recursion anyway
                        sizes[entry.kind] = size(blocks[entry.kind].layers)[0]
                    total += repeat * sizes[entry.kind]
                else:
                    total += repeat
                if total > MAX_NODES:
                    return total, entry
            return total, None

        _, culprit = size(self.spec.layers)
        if culprit is not None:
            self.fail(
                SpecError(
                    f"the network would have more than {MAX_NODES:,} layers (costcalc's limit)",
                    expected="a smaller network",
                    hint="repeats and block uses multiply: a block used 10 times that uses another 10 times makes 100",
                ),
                culprit.marks.get("repeat", culprit.mark),
                culprit.name,
            )

    # scopes ---------------------------------------------------------

    def scope(
        self,
        entries: tuple[Entry, ...],
        env: Env,
        scope_input: int,
        prefix: str,
        block: int,
        notes: tuple[str, ...],
        output: str | None = None,
        output_mark: Mark | None = None,
    ) -> int | None:
        """Expand one `layers:` list; returns the node index of its output (None if it failed)."""
        names = self.entry_names(entries)
        position = {name: i for i, name in enumerate(names)}
        refs: list[tuple[str, ...]] = []
        ok = True
        for i, entry in enumerate(entries):
            wanted = entry.inputs if entry.inputs is not None else (names[i - 1] if i else INPUT_NAME,)
            for ref in wanted:
                if ref != INPUT_NAME and ref not in position:
                    ok = False
                    if self.errors.full:  # no did-you-mean search for errors that will not be shown
                        self.errors.truncated = True
                        continue
                    near = nearest(ref, names)
                    hint = (
                        "names inside a block are not visible outside it; use the block's name" if "." in ref else None
                    )
                    self.fail(
                        SpecError(
                            f"input '{ref}' is not a layer here" + (f"; did you mean '{near[0]}'?" if near else ""),
                            expected="the name of a layer in the same list, or 'input'",
                            hint=hint,
                        ),
                        entry.marks.get("inputs", entry.marks.get("input", entry.mark)),
                        prefix + names[i],
                        notes,
                    )
            refs.append(wanted)
        if not ok:
            return None
        order = self.order(entries, names, refs, position, prefix, notes)
        if order is None:
            return None
        outputs: dict[str, int | None] = {INPUT_NAME: scope_input}
        for i in order:
            inputs = [outputs[r] for r in refs[i]]
            if self.errors.full:
                self.errors.truncated = True
            if any(x is None for x in inputs) or self.errors.full:
                outputs[names[i]] = None  # an upstream layer failed: no second error for the same cause
                continue
            outputs[names[i]] = self.entry(entries[i], prefix + names[i], inputs, env, block, notes)  # type: ignore[arg-type]
        result = output or names[-1]
        if result not in outputs:
            self.fail(
                SpecError(f"output '{result}' is not a layer of the block", expected="the name of one of its layers"),
                output_mark,
                None,
                notes,
            )
            return None
        return outputs[result]

    @staticmethod
    def entry_names(entries: tuple[Entry, ...]) -> list[str]:
        taken = {e.name for e in entries if e.name}
        counters: dict[str, int] = {}
        names = []
        for entry in entries:
            name = entry.name
            if name is None:
                n = counters.get(entry.kind, 0)
                while True:
                    n += 1
                    name = f"{entry.kind}_{n}"
                    if name not in taken:
                        break
                counters[entry.kind] = n
                taken.add(name)
            names.append(name)
        return names

    def order(
        self,
        entries: tuple[Entry, ...],
        names: list[str],
        refs: list[tuple[str, ...]],
        position: dict[str, int],
        prefix: str,
        notes: tuple[str, ...],
    ) -> list[int] | None:
        """Listing order when every input is written above its user; else a topological sort."""
        deps = [[position[r] for r in rs if r != INPUT_NAME] for rs in refs]
        if all(d < i for i, ds in enumerate(deps) for d in ds):
            return list(range(len(entries)))
        users: list[list[int]] = [[] for _ in entries]
        waiting = [len(set(ds)) for ds in deps]
        for i, ds in enumerate(deps):
            for d in set(ds):
                users[d].append(i)
        ready = [i for i, w in enumerate(waiting) if w == 0]
        heapq.heapify(ready)
        order = []
        while ready:
            i = heapq.heappop(ready)
            order.append(i)
            for u in users[i]:
                waiting[u] -= 1
                if waiting[u] == 0:
                    heapq.heappush(ready, u)
        if len(order) == len(entries):
            return order
        stuck = [i for i, w in enumerate(waiting) if w > 0]
        cycle = self.find_cycle(stuck, deps)
        shown = " → ".join(names[i] for i in cycle + cycle[:1])
        self.fail(
            SpecError(f"the inputs form a cycle: {shown}", expected="a network without loops (a DAG)"),
            entries[cycle[0]].mark,
            prefix + names[cycle[0]],
            notes,
        )
        return None

    @staticmethod
    def find_cycle(stuck: list[int], deps: list[list[int]]) -> list[int]:
        inside = set(stuck)
        node, seen = stuck[0], {}
        path: list[int] = []
        while node not in seen:
            seen[node] = len(path)
            path.append(node)
            node = next(d for d in deps[node] if d in inside)
        cycle = path[seen[node] :][::-1]
        first = cycle.index(min(cycle))  # start at the entry written first
        return cycle[first:] + cycle[:first]

    # entries --------------------------------------------------------

    def entry(
        self, entry: Entry, path: str, inputs: list[int], env: Env, block: int, notes: tuple[str, ...]
    ) -> int | None:
        scope = LayerScope(env, self.nodes[inputs[0]].shape, None)
        evaluate_here = lambda text: evaluate(text, scope)  # noqa: E731
        if entry.when is not None:
            try:
                keep = to_bool(entry.when, evaluate_here)
            except SpecError as exc:
                self.fail(
                    exc.about("when"),
                    entry.marks.get("when"),
                    path,
                    notes,
                )
                return None
            if not keep:
                return inputs[0]  # a layer left out passes its (first) input on
        count = None
        if entry.repeat is not None:
            try:
                count = to_int(entry.repeat, evaluate_here, 1, "a repeat count")
            except SpecError as exc:
                self.fail(
                    exc.about("repeat"),
                    entry.marks.get("repeat"),
                    path,
                    notes,
                )
                return None
        if count is None:
            return self.instance(entry, path, inputs, env, None, block, notes)
        if len(self.nodes) + count > self.limit:
            self.fail(
                SpecError(
                    f"repeat {count:,} would make more than {MAX_NODES:,} layers (costcalc's limit)",
                    expected="a smaller repeat count",
                ),
                entry.marks.get("repeat"),
                path,
                notes,
            )
            return None
        group = self.open_block(path, entry.kind, block, count, entry.mark)
        current = inputs
        out: int | None = None
        outer_limit = self.limit
        try:
            for i in range(count):
                # each repetition may use its share of what is left: nested repeats that multiply
                # past the limit fail at their first repetition instead of after millions of layers
                self.limit = len(self.nodes) + (outer_limit - len(self.nodes)) // (count - i)
                out = self.instance(entry, f"{path}.{i}", current, env, i, group, notes)
                if out is None:
                    return None
                current = [out]
        finally:
            self.limit = outer_limit
        self.close_block(group, out)  # type: ignore[arg-type]
        return out

    def instance(
        self,
        entry: Entry,
        path: str,
        inputs: list[int],
        env: Env,
        index: int | None,
        block: int,
        notes: tuple[str, ...],
    ) -> int | None:
        kind = KINDS.get(entry.kind)
        if kind is not None and not kind.internal:
            return self.layer(kind, entry, path, inputs, env, index, block, notes)
        return self.block_use(self.spec.blocks[entry.kind], entry, path, inputs, env, index, block, notes)

    def values_of(self, entry: Entry, index: int | None) -> tuple[dict[str, Any], bool]:
        """The raw values of one repetition: the first may override some; and whether they did."""
        if index == 0 and entry.first:
            return {**entry.params, **entry.first}, True
        return entry.params, False

    def mark_of(self, entry: Entry, key: str, first: bool) -> Mark | None:
        if first and f"first.{key}" in entry.marks:
            return entry.marks[f"first.{key}"]
        return entry.marks.get(key, entry.mark)

    def layer(
        self,
        kind: LayerKind,
        entry: Entry,
        path: str,
        inputs: list[int],
        env: Env,
        index: int | None,
        block: int,
        notes: tuple[str, ...],
    ) -> int | None:
        if len(inputs) < kind.min_inputs or (kind.max_inputs is not None and len(inputs) > kind.max_inputs):
            most = kind.max_inputs
            wanted = (
                f"{kind.min_inputs}"
                if most == kind.min_inputs
                else f"{kind.min_inputs} or more"
                if most is None
                else f"{kind.min_inputs} to {most}"
            )
            self.fail(
                SpecError(
                    f"{kind.name} takes {wanted} input{'s' if wanted != '1' else ''}, got {len(inputs)}",
                    expected=f"{wanted} names in inputs:",
                ),
                entry.mark,
                path,
                notes,
            )
            return None
        shapes = [self.nodes[i].shape for i in inputs]
        raw, first = self.values_of(entry, index)
        params = self.typed_params(kind, entry, raw, first, LayerScope(env, shapes[0], index), path, notes)
        if params is None:
            return None
        try:
            params = kind.resolve(params, shapes)  # each kind's input-dependent geometry, worked out once here
            shape = kind.output_shape(params, shapes)
            check_shape(shape)
        except SpecError as exc:
            inputs_text = ", ".join(f"{fmt_shape(s)} from '{self.nodes[i].name}'" for s, i in zip(shapes, inputs))
            self.fail(exc.at(notes=(f"input: {inputs_text}",)), entry.mark, path, notes)
            return None
        return self.add_node(Node(path, kind.name, params, tuple(inputs), shape, block, entry.mark), entry, path, notes)

    def typed_params(
        self,
        kind: LayerKind,
        entry: Entry,
        raw: dict[str, Any],
        first: bool,
        scope: LayerScope,
        path: str,
        notes: tuple[str, ...],
    ) -> dict[str, Any] | None:
        cache_key = (id(entry), first)
        cached = self.literal_params.get(cache_key)
        if cached:
            return cached
        typed = dict(kind.default_values)
        failed = False
        evaluate_here = lambda text: evaluate(text, scope)  # noqa: E731
        for name, value in raw.items():
            try:
                typed[name] = kind.params[name].convert(value, evaluate_here)
            except SpecError as exc:
                failed = True
                self.fail(
                    exc.about(f"{name}"),
                    self.mark_of(entry, name, first),
                    path,
                    notes,
                )
        if failed:
            return None
        if cached is None:  # first use of this entry: are its values plain literals?
            literal = not any(_needs_scope(v) for v in raw.values())
            self.literal_params[cache_key] = typed if literal else {}  # {}: evaluate every time
        return typed

    def block_use(
        self,
        definition: BlockDef,
        entry: Entry,
        path: str,
        inputs: list[int],
        env: Env,
        index: int | None,
        block: int,
        notes: tuple[str, ...],
    ) -> int | None:
        if len(inputs) != 1:
            self.fail(
                SpecError(f"block '{definition.name}' takes one input, got {len(inputs)}", expected="one input"),
                entry.mark,
                path,
                notes,
            )
            return None
        depth = 1 if block == TOP else self.blocks[block].depth + 1
        if depth > MAX_BLOCK_NESTING:
            self.fail(
                SpecError(f"blocks nested deeper than {MAX_BLOCK_NESTING}", expected="shallower nesting"),
                entry.mark,
                path,
                notes,
            )
            return None
        shape = self.nodes[inputs[0]].shape
        raw, first = self.values_of(entry, index)
        caller = LayerScope(env, shape, index)
        values: dict[str, Value] = {}
        inner = Env(values, self.root_env, shape)
        ok = True
        for arg, default in definition.args.items():
            source, mark, scope = (
                (raw[arg], self.mark_of(entry, arg, first), caller)
                if arg in raw
                else (default, definition.marks.get(f"args.{arg}"), inner)
            )
            if source is REQUIRED:
                continue  # reported by the parser
            try:
                values[arg] = evaluate_value(source, scope)
            except SpecError as exc:
                ok = False
                self.fail(exc.about(f"argument {arg}"), mark, path, notes)
        for var, source in definition.vars.items():
            try:
                values[var] = evaluate_value(source, inner)
            except SpecError as exc:
                ok = False
                self.fail(
                    exc.about(f"var {var}"),
                    definition.marks.get(f"vars.{var}"),
                    path,
                    notes,
                )
        if not ok:
            return None
        here = f"block '{definition.name}' used as '{path}' at {self.location(entry.mark)}"
        index_of_block = self.open_block(path, definition.name, block, 0, entry.mark)
        out = self.scope(
            definition.layers,
            inner,
            inputs[0],
            path + ".",
            index_of_block,
            (here,) + notes,
            definition.output,
            definition.marks.get("output"),
        )
        if out is not None:
            self.close_block(index_of_block, out)
        return out

    def add_node(self, node: Node, entry: Entry, path: str, notes: tuple[str, ...]) -> int | None:
        if len(self.nodes) >= self.limit:
            self.fail(
                SpecError(
                    f"the network would have more than {MAX_NODES:,} layers (costcalc's limit)",
                    expected="a smaller network",
                    hint="repeats and block uses multiply",
                ),
                entry.mark,
                path,
                notes,
            )
            return None
        self.nodes.append(node)
        return len(self.nodes) - 1

    def open_block(self, name: str, kind: str, parent: int, repeat: int, mark: Mark | None) -> int:
        depth = 1 if parent == TOP else self.blocks[parent].depth + 1
        self.blocks.append(Block(name, kind, parent, depth, repeat, -1, mark))
        return len(self.blocks) - 1

    def close_block(self, index: int, output: int) -> None:
        old = self.blocks[index]
        self.blocks[index] = Block(old.name, old.kind, old.parent, old.depth, old.repeat, output, old.mark)


def check_shape(shape: Shape) -> None:
    if 1 <= min(shape) and max(shape) <= MAX_DIM:
        return
    for dim in shape:
        if dim < 1:
            raise SpecError(f"the output would be {fmt_shape(shape)}", expected="every dimension ≥ 1")
        if dim > MAX_DIM:
            raise SpecError(f"the output would be {fmt_shape(shape)}", expected=f"dimensions ≤ {MAX_DIM:,}")


def build_graph(
    spec: Spec, overrides: Mapping[str, Any] | None = None, input_shape: Shape | InputSize | None = None
) -> Graph:
    """Expand ``spec`` into a graph; ``overrides`` replace vars (``--set``), ``input_shape`` the input
    (a full shape, or an InputSize from the command line, resolved against the spec's own input)."""
    prepared = getattr(spec, "prepared", None)
    if prepared is not None:
        # a spec converted from a model file (ONNX) is made for the input given: its layers' sizes depend on it
        spec, input_shape = prepared(input_shape), None
    return _Builder(spec).build(overrides or {}, input_shape)
