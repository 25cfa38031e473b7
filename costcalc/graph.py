"""Spec -> layer graph: variables evaluated, blocks expanded, names resolved, shapes propagated.

Blocks are expanded in topological order and each layer's output shape is computed as it is
created, because a block's arguments and conditions may read the shape coming into it
(``when: stride != 1 or in_channels != 4 * width``: a projection only where it is needed).
The nodes come out in a topological order: every node's inputs come before it.

Names an expression can read (see specs/README.md): vars, block arguments and block vars; the
block's (or network's) inputs by name as shapes (``input.channels``, ``skip.height``); a layer's
own first input as ``in_channels``, ``in_height``, ``in_width`` (for block arguments and vars,
the block's input); ``index`` in a repeat; ``row``, ``row_index`` and a row's fields in a
``for:`` copy.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from .errors import ErrorCollector, Location, SpecError, clip, describe, nearest
from .expressions import CONSTANTS, NamedShape, NoValueHere, Record, Value, evaluate, kind_of, names_in
from .layers import KINDS, LayerKind, Shape, fmt_shape
from .layers.base import MAX_DIM, to_bool, to_int
from .settings import InputSize
from .spec import (
    INPUT_NAME,
    MAX_LAYERS,
    REQUIRED,
    RESERVED_NAMES,
    SHAPE_NAMES,
    BlockDef,
    Entry,
    Spec,
)
from .yaml_source import Mark

_NO_PARAMS: Mapping[str, Any] = {}  # the network input has none (one object: graphs compare by it)
MAX_TABLE_WORK = 1_000_000  # table values evaluated in one build (a table used by many blocks counts each time)

# A spec of at most 1 MB must be answered within 2 s: this many layers is the most a network may
# expand to (repeats and block uses multiply), far more than any real network has.
MAX_NODES = MAX_LAYERS
MAX_BLOCK_NESTING = 32
TOP = -1  # block index of layers outside any block


class Node(NamedTuple):
    """One layer of the expanded network (a named tuple: a sweep makes hundreds of thousands)."""

    name: str  # unique dotted path, e.g. conv2.0.conv1
    kind: str
    params: Mapping[str, Any]  # typed values (kernel as (h, w), padding as (t, b, l, r) or 'same')
    inputs: tuple[int, ...]  # indices of earlier nodes
    shape: Shape  # output shape, batch excluded
    block: int  # index into Graph.blocks of the innermost enclosing block, or TOP
    mark: Mark | None  # where its entry is written


class Block(NamedTuple):
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
    output: int = -1  # index of the node whose output is the network's output (-1: the last)
    variant: str | None = None  # the named variant of a family spec this graph was built from
    family: str | None = None  # that family spec's name
    input_source: str = "spec"  # where the input size came from: "spec", "variant" or "override"
    warnings: tuple[str, ...] = ()  # things that are not errors but deserve a word (a channels-first input)

    def block_path(self, node: Node) -> Iterator[int]:
        """Indices of the blocks enclosing ``node``, innermost first."""
        index = node.block
        while index != TOP:
            yield index
            index = self.blocks[index].parent

    def dead_layers(self) -> tuple[str, ...]:
        """Names of the layers whose output reaches no network output (a branch a concat forgot).

        The network's output is the last top-level layer; a layer is live when some path leads
        from it to that output. Layers left out by `when:` do not exist and are not listed.
        """
        count = len(self.nodes)
        if not count:
            return ()
        live = bytearray(count)
        live[self.output % count] = 1
        for i in range(count - 1, -1, -1):  # inputs come before their users: one backward pass
            if live[i]:
                for j in self.nodes[i].inputs:
                    live[j] = 1
        return tuple(node.name for node, alive in zip(self.nodes, live) if not alive and node.kind != "input")


# ---------------------------------------------------------------- scopes for expressions


class Env:
    """Names an expression can read: a block's args and vars (or the spec's vars), then its parent's.

    ``shape`` is the first input of the block (or network), read as in_height, in_width, in_channels;
    ``named`` maps the block's input names (``input`` and any declared in ``inputs:``) to their shapes,
    read as ``input.channels``, ``skip.height`` ...
    """

    __slots__ = ("values", "parent", "shape", "named")

    def __init__(
        self, values: dict[str, Value], parent: Env | None, shape: Shape | None, named: dict[str, Shape] | None = None
    ) -> None:
        self.values = values
        self.parent = parent
        self.shape = shape
        self.named = named

    def lookup(self, name: str) -> Value:
        env: Env | None = self
        while env is not None:
            value = env.values.get(name)
            if value is not None:
                return value
            if env.shape is not None:
                if name in SHAPE_NAMES:
                    return shape_value(env.shape, name)
                if env.named is not None and name in env.named:
                    return shape_record(env.named[name])
            env = env.parent
        raise KeyError(name)

    def names(self) -> Iterable[str]:
        env: Env | None = self
        while env is not None:
            yield from env.values
            if env.named:
                yield from env.named
            env = env.parent
        yield from SHAPE_NAMES


class LayerScope:
    """A layer's own view: in_* are the layer's own input, ``index`` its repetition, ``extra`` the
    names a `for:` copy adds (``row``, ``row_index`` and the row's fields)."""

    __slots__ = ("env", "shape", "index", "extra")

    def __init__(self, env: Env, shape: Shape, index: int | None, extra: dict[str, Value] | None = None) -> None:
        self.env, self.shape, self.index, self.extra = env, shape, index, extra

    def lookup(self, name: str) -> Value:
        if name in SHAPE_NAMES:
            return shape_value(self.shape, name)
        if name == "index" and self.index is not None:
            return self.index
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        return self.env.lookup(name)

    def names(self) -> Iterable[str]:
        yield from self.env.names()
        if self.index is not None:
            yield "index"
        if self.extra:
            yield from self.extra


class ChoiceScope:
    """For `input: "a if cond else b"`: the layers of the list (and the block's inputs) are words
    naming themselves; anything else is read as in the block (vars, arguments, input shapes)."""

    __slots__ = ("env", "layer_names")

    def __init__(self, env: Env, layer_names: Iterable[str]) -> None:
        self.env, self.layer_names = env, set(layer_names)

    def lookup(self, name: str) -> Value:
        if name in self.layer_names:
            named = self.env.named
            if named is not None and name in named:  # an input of the block: a name with a shape
                return NamedShape(name, shape_record(named[name]))
            return name
        return self.env.lookup(name)

    def names(self) -> Iterable[str]:
        yield from self.layer_names
        yield from self.env.names()


def _reads_nothing(kind: str) -> bool:
    known = KINDS.get(kind)
    return known is not None and known.max_inputs == 0 and not known.internal


def shape_value(shape: Shape, name: str) -> int:
    if not shape:
        raise NoValueHere("the layer reads no input (a stored tensor), so it has no input shape")
    if name == "in_channels":
        return shape[-1]
    if len(shape) != 3:
        raise NoValueHere(f"the layer's input is {fmt_shape(shape)}, not height × width × channels")
    return shape[0] if name == "in_height" else shape[1]


_SHAPE_RECORDS: dict[Shape, Record] = {}


def shape_record(shape: Shape) -> Record:
    """A tensor's shape as expressions read it: ``input.height``, ``input.width``, ``input.channels``
    (a flat vector has only ``channels``)."""
    record = _SHAPE_RECORDS.get(shape)
    if record is None:
        fields: dict[str, Value] = (
            {"height": shape[0], "width": shape[1], "channels": shape[2]}
            if len(shape) == 3
            else {"channels": shape[-1]}
        )
        record = Record(fields, "shape")
        if len(_SHAPE_RECORDS) < 4096:
            _SHAPE_RECORDS[shape] = record
    return record


class Evaluated:
    """A value already evaluated (a row's field passed as an argument): never read as an expression again."""

    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value


def evaluate_value(raw: Any, scope: Any, budget: list[int] | None = None) -> Value:
    """An argument or var: a number, a boolean, an expression, a word passed on as it is, or a table
    (a list, or a mapping, of such values; each expression in it evaluated in ``scope``)."""
    if isinstance(raw, (int, float)):
        return raw
    if isinstance(raw, str):
        text = raw.strip()
        if text.isidentifier():
            try:
                return scope.lookup(text)
            except KeyError:
                # an undefined single word is a word (activation: act -> relu); true/false are booleans
                return CONSTANTS.get(text, text)
        return evaluate(text, scope)
    if isinstance(raw, Evaluated):
        return raw.value
    if isinstance(raw, (list, dict)):
        if budget is not None:
            budget[0] -= len(raw)
            if budget[0] < 0:
                raise SpecError(
                    f"tables evaluated past {MAX_TABLE_WORK:,} values in all (costcalc's limit)",
                    expected="smaller tables, or fewer uses of them",
                )
        if isinstance(raw, list):
            return tuple(evaluate_value(v, scope, budget) for v in raw)
        return Record({k: evaluate_value(v, scope, budget) for k, v in raw.items()})
    raise SpecError(f"got {describe(raw)}", expected="a number, true/false, an expression, a word or a table")


def as_param(value: Any) -> Any:
    """An evaluated value handed to a layer's parameter converter: lists as lists."""
    kind = type(value)
    if kind is int or kind is str or kind is float or kind is bool or kind is list:
        return value
    if isinstance(value, Evaluated):
        value = value.value
    if isinstance(value, tuple):
        return [as_param(v) for v in value]
    if isinstance(value, Record):
        raise SpecError(f"got {kind_of(value)}", expected="a number, a word or a list")
    return value


def _needs_scope(raw: Any) -> bool:
    if isinstance(raw, str):
        return True
    if isinstance(raw, list):
        return any(_needs_scope(v) for v in raw)
    return isinstance(raw, (dict, Evaluated))


# ---------------------------------------------------------------- building


class _Builder:
    def __init__(self, spec: Spec, cache: GraphCache | None = None) -> None:
        self.spec = spec
        self.nodes: list[Node] = []
        self.blocks: list[Block] = []
        self.errors = ErrorCollector()
        if cache is None or cache.spec is not spec:
            cache = GraphCache(spec, shared=False)
        self.cache = cache
        # typed values of entries written with plain literals, shared by all their repetitions (and,
        # through the cache, by every graph of the same spec)
        self.literal_params = cache.literal_params
        self.plans = cache.plans
        self.root_env = Env({}, None, None)
        self.limit = MAX_NODES  # how many nodes the current repetition may grow to
        self.table_budget = [MAX_TABLE_WORK]
        self.tainted: set[int] = set()  # nodes built with a default in place of a bad value
        self.hints: tuple[str, ...] = ()  # notes added to every error (a channels-first input)

    # errors ---------------------------------------------------------

    def location(self, mark: Mark | None) -> Location:
        return self.spec.location(mark)

    def fail(self, error: SpecError, mark: Mark | None, layer: str | None = None, notes: tuple[str, ...] = ()) -> None:
        self.errors.add(error.at(self.location(mark), layer=layer, notes=notes + self.hints))

    def value(self, raw: Any, scope: Any) -> Value:
        """evaluate_value with this build's budget for tables."""
        return evaluate_value(raw, scope, self.table_budget)

    # top level ------------------------------------------------------

    def build(self, overrides: Mapping[str, Any], input_shape: Shape | InputSize | None) -> Graph:
        spec = self.spec
        if not self.cache.checked:
            self.check_block_cycles()
            self.errors.raise_if_any()
            self.check_static_size()
            self.errors.raise_if_any()
            self.cache.checked = True
        self.root_env = env = self.global_env(overrides)
        shape = self.input_shape(env, input_shape)
        self.errors.raise_if_any()
        warnings = channels_first_warnings(shape) if input_shape is None else ()
        self.hints = tuple(f"note: {w}" for w in warnings)
        env.shape = shape
        env.named = {INPUT_NAME: shape}
        self.nodes.append(Node(INPUT_NAME, "input", _NO_PARAMS, (), shape, TOP, spec.marks.get("input")))
        output = self.scope(spec.layers, env, {INPUT_NAME: 0}, "", TOP, ())
        self.errors.raise_if_any()
        source = "override" if input_shape is not None else "variant" if spec.input_from_variant else "spec"
        return Graph(
            spec.name,
            spec.description,
            spec.source,
            spec.file,
            shape,
            dict(env.values),
            tuple(self.nodes),
            tuple(self.blocks),
            output if output is not None else len(self.nodes) - 1,
            spec.variant,
            spec.family,
            source,
            warnings,
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
                    env.values[name] = self.value(overrides[name], env)
                else:
                    env.values[name] = self.value(raw, env)
            except SpecError as exc:
                where = f"--set {name}" if name in overrides else f"var '{name}'"
                self.fail(exc.about(f"{where}"), mark)
        return env

    def input_shape(self, env: Env, override: Shape | InputSize | None) -> Shape:
        if override is not None and not isinstance(override, InputSize):
            return override
        mark = self.spec.marks.get("input")
        try:
            dims = tuple(to_int(v, scalar_evaluator(env), 1, "a dimension") for v in self.spec.input)
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
        scope_inputs: dict[str, int],
        prefix: str,
        block: int,
        notes: tuple[str, ...],
        output: str | None = None,
        output_mark: Mark | None = None,
    ) -> int | None:
        """Expand one `layers:` list; returns the node index of its output (None if it failed).

        ``scope_inputs`` are the nodes the list's own input names stand for: ``input`` (and a
        block's declared input names).
        """
        plan = self.plans.get(id(entries))
        if plan is not None:
            names, refs, order = plan
        else:
            planned = self.plan(entries, env, scope_inputs, prefix, notes)
            if planned is None:
                return None
            names, refs, order = planned
        outputs: dict[str, int | None] = dict(scope_inputs)
        for i in order:
            inputs = [outputs[r] for r in refs[i]]
            full = len(self.errors.errors) >= self.errors.limit
            if full:
                self.errors.truncated = True
            if None in inputs or full:
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

    def plan(
        self, entries: tuple[Entry, ...], env: Env, scope_inputs: dict[str, int], prefix: str, notes: tuple[str, ...]
    ) -> tuple[list[str], list[tuple[str, ...]], list[int]] | None:
        """A list's names, each entry's input names and the order to build them in; kept for
        every later graph of the spec when no input is chosen by an expression."""
        names = self.entry_names(entries)
        position = {name: i for i, name in enumerate(names)}
        refs: list[tuple[str, ...]] = []
        ok = True
        choices = False
        for i, entry in enumerate(entries):
            wanted = entry.inputs if entry.inputs is not None else (names[i - 1] if i else INPUT_NAME,)
            if entry.inputs is None and _reads_nothing(entry.kind):
                wanted = ()  # a stored tensor: not fed by the layer before it
            if entry.inputs is not None and any(_is_choice(ref) for ref in wanted):
                choices = True
                chosen = self.choose_inputs(entry, wanted, env, names, scope_inputs, prefix + names[i], notes)
                if chosen is None:
                    ok = False
                    refs.append(wanted)
                    continue
                wanted = chosen
            for ref in wanted:
                if ref not in scope_inputs and ref not in position:
                    ok = False
                    if self.errors.full:  # no did-you-mean search for errors that will not be shown
                        self.errors.truncated = True
                        continue
                    near = nearest(ref, names + list(scope_inputs))
                    hint = (
                        "names inside a block are not visible outside it; use the block's name" if "." in ref else None
                    )
                    self.fail(
                        SpecError(
                            f"input '{ref}' is not a layer here" + (f"; did you mean '{near[0]}'?" if near else ""),
                            expected="the name of a layer in the same list, or " + _input_names(scope_inputs),
                            hint=hint,
                        ),
                        entry.marks.get("inputs", entry.marks.get("input", entry.mark)),
                        prefix + names[i],
                        notes,
                    )
            refs.append(wanted)
        if not ok:
            return None
        order = self.order(entries, names, refs, position, scope_inputs, prefix, notes)
        if order is None:
            return None
        if not choices:
            self.plans[id(entries)] = (names, refs, order)
        return names, refs, order

    def choose_inputs(
        self,
        entry: Entry,
        wanted: tuple[str, ...],
        env: Env,
        names: list[str],
        scope_inputs: dict[str, int],
        path: str,
        notes: tuple[str, ...],
    ) -> tuple[str, ...] | None:
        """Evaluate inputs written as expressions (`input: "a if cond else b"`) to layer names."""
        scope = ChoiceScope(env, [*names, *scope_inputs])
        chosen = []
        for ref in wanted:
            if not _is_choice(ref):
                chosen.append(ref)
                continue
            mark = entry.marks.get("inputs", entry.marks.get("input", entry.mark))
            try:
                value = evaluate(ref, scope)
            except SpecError as exc:
                self.fail(exc.about("input"), mark, path, notes)
                return None
            if not isinstance(value, str):
                self.fail(
                    SpecError(
                        f"input '{ref}' gives {kind_of(value)}",
                        expected="the name of a layer in the same list, or " + _input_names(scope_inputs),
                    ),
                    mark,
                    path,
                    notes,
                )
                return None
            chosen.append(value)
        return tuple(chosen)

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
        scope_inputs: dict[str, int],
        prefix: str,
        notes: tuple[str, ...],
    ) -> list[int] | None:
        """Listing order when every input is written above its user; else a topological sort."""
        deps = [[position[r] for r in rs if r not in scope_inputs] for rs in refs]
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
        if not inputs:  # a stored tensor: nothing to pass on if left out, nothing to chain copies through
            for key, value in (("when", entry.when), ("repeat", entry.repeat), ("for", entry.rows)):
                if value is not None:
                    self.fail(
                        SpecError(
                            f"a layer that reads no input ({entry.kind}) cannot take '{key}'",
                            expected=f"the layer without '{key}' (or a block around it)",
                        ),
                        entry.marks.get(key, entry.mark),
                        path,
                        notes,
                    )
                    return None
        if entry.rows is None:
            return self.copies(entry, path, inputs, env, block, notes, None, {})
        scope = LayerScope(env, self.nodes[inputs[0]].shape, None)
        try:
            rows = evaluate(entry.rows, scope) if isinstance(entry.rows, str) else self.value(entry.rows, scope)
            if isinstance(rows, str) and entry.rows.strip().isidentifier():
                rows = scope.lookup(rows)  # a var given by name
        except (SpecError, KeyError) as exc:
            error = exc if isinstance(exc, SpecError) else SpecError(f"name '{entry.rows}' is not defined")
            self.fail(error.about("for"), entry.marks.get("for"), path, notes)
            return None
        if not isinstance(rows, tuple):
            self.fail(
                SpecError(f"for: '{entry.rows}' is {kind_of(rows)}", expected="a list (a table: one row per copy)"),
                entry.marks.get("for"),
                path,
                notes,
            )
            return None
        if not rows:
            return inputs[0]  # an empty table: the entry vanishes and passes its input on
        if len(self.nodes) + len(rows) > self.limit:
            self.fail(
                SpecError(
                    f"for: {len(rows):,} rows would make more than {MAX_NODES:,} layers (costcalc's limit)",
                    expected="a smaller table",
                ),
                entry.marks.get("for"),
                path,
                notes,
            )
            return None
        accepted = self.accepted_names(entry)
        group = self.open_block(path, entry.kind, block, len(rows), entry.mark)
        current, out = inputs, None
        outer_limit = self.limit
        try:
            for i, row in enumerate(rows):
                extra: dict[str, Value] = {"row": row, "row_index": i}
                passed: dict[str, Evaluated] = {}
                if isinstance(row, Record):
                    if not self.check_row(entry, row, accepted, path, notes):
                        return None
                    extra.update(row.fields)
                    passed = {
                        k: Evaluated(v) for k, v in row.fields.items() if k in accepted[0] and k not in entry.params
                    }
                self.limit = len(self.nodes) + (outer_limit - len(self.nodes)) // (len(rows) - i)
                out = self.copies(entry, f"{path}.{i}", current, env, group, notes, extra, passed)
                if out is None:
                    return None
                current = [out]
        finally:
            self.limit = outer_limit
        self.close_block(group, out)  # type: ignore[arg-type]
        return out

    def accepted_names(self, entry: Entry) -> tuple[frozenset[str], frozenset[str]]:
        """For a `for:` entry: the parameters (or block arguments) a row's field may pass, and the
        names the entry's own values read (a row field used there is not a typo)."""
        kind = KINDS.get(entry.kind)
        params = frozenset(kind.params) if kind is not None and not kind.internal else frozenset()
        if entry.kind in self.spec.blocks:
            params = frozenset(self.spec.blocks[entry.kind].args)
        read: set[str] = set()
        stack: list[Any] = [*entry.params.values(), *(entry.first or {}).values(), entry.repeat, entry.when]
        stack += list(entry.inputs or ())
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                read |= names_in(value)
            elif isinstance(value, list):
                stack += value
        return params, frozenset(read)

    def check_row(
        self,
        entry: Entry,
        row: Record,
        accepted: tuple[frozenset[str], frozenset[str]],
        path: str,
        notes: tuple[str, ...],
    ) -> bool:
        params, read = accepted
        for field_name in row.fields:
            if field_name in RESERVED_NAMES:
                self.fail(
                    SpecError(f"a row's field '{field_name}' has a reserved name", expected="another field name"),
                    entry.marks.get("for"),
                    path,
                    notes,
                )
                return False
            if field_name not in params and field_name not in read:
                near = nearest(field_name, params)
                self.fail(
                    SpecError(
                        f"for: the row field '{field_name}' is neither "
                        + (
                            f"an argument of block '{entry.kind}'"
                            if entry.kind in self.spec.blocks
                            else "a parameter of " + entry.kind
                        )
                        + " nor read by this entry"
                        + (f"; did you mean '{near[0]}'?" if near else ""),
                        expected="fields that name arguments, or that the entry's values read",
                    ),
                    entry.marks.get("for"),
                    path,
                    notes,
                )
                return False
        return True

    def copies(
        self,
        entry: Entry,
        path: str,
        inputs: list[int],
        env: Env,
        block: int,
        notes: tuple[str, ...],
        extra: dict[str, Value] | None,
        passed: dict[str, Evaluated],
    ) -> int | None:
        """The entry itself (``when``, ``repeat``), for one row of its table if it has one."""
        scope = LayerScope(env, self.nodes[inputs[0]].shape if inputs else (), None, extra)
        evaluate_here = scalar_evaluator(scope)
        if entry.when is not None:
            try:
                keep = to_bool(entry.when, evaluate_here)
            except SpecError as exc:
                self.fail(exc.about("when"), entry.marks.get("when"), path, notes)
                return None
            if not keep:
                return inputs[0]  # a layer left out passes its (first) input on
        count = None
        if entry.repeat is not None:
            try:
                count = to_int(entry.repeat, evaluate_here, 0, "a repeat count")
            except SpecError as exc:
                self.fail(exc.about("repeat"), entry.marks.get("repeat"), path, notes)
                return None
            if count == 0:
                return inputs[0]  # a stage that vanishes passes its input on, as `when: false` does
        if count is None:
            return self.instance(entry, path, inputs, env, None, block, notes, extra, passed)
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
                out = self.instance(entry, f"{path}.{i}", current, env, i, group, notes, extra, passed)
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
        extra: dict[str, Value] | None = None,
        passed: dict[str, Evaluated] | None = None,
    ) -> int | None:
        kind = KINDS.get(entry.kind)
        if kind is not None and not kind.internal:
            return self.layer(kind, entry, path, inputs, env, index, block, notes, extra, passed or {})
        definition = self.spec.blocks[entry.kind]
        return self.block_use(definition, entry, path, inputs, env, index, block, notes, extra, passed or {})

    def values_of(self, entry: Entry, index: int | None) -> tuple[dict[str, Any], bool]:
        """The raw values of one repetition: the first may override some; and whether they did."""
        if index == 0 and entry.first:
            return {**entry.params, **entry.first}, True
        return entry.params, False

    def mark_of(self, entry: Entry, key: str, first: bool) -> Mark | None:
        if first and f"first.{key}" in entry.marks:
            return entry.marks[f"first.{key}"]
        if key not in entry.params and "for" in entry.marks:
            return entry.marks["for"]  # a value a table's row passed
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
        extra: dict[str, Value] | None = None,
        passed: dict[str, Evaluated] | None = None,
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
        if passed:
            raw = {**passed, **raw}
        scope = LayerScope(env, shapes[0] if shapes else (), index, extra)
        if entry.rows is not None:
            missing = [name for name in kind.required if name not in raw]
            if missing:
                self.fail(
                    SpecError(
                        f"{kind.name} layer has no '{missing[0]}'",
                        expected=f"{missing[0]}: a value, or a field '{missing[0]}' in every row of the table",
                    ),
                    entry.mark,
                    path,
                    notes,
                )
                return None
        errors_before = len(self.errors.errors)
        params = self.typed_params(kind, entry, raw, first, scope, path, notes, cacheable=not passed)
        if params is None:
            return None
        # a layer that went on with a default after a bad value (or fed by one) may have a wrong
        # shape: it is checked no further, only so that the layers after it are
        tainted = len(self.errors.errors) > errors_before or bool(self.tainted and not self.tainted.isdisjoint(inputs))
        try:
            params = kind.resolve(params, shapes)  # each kind's input-dependent geometry, worked out once here
            if self.cache.shared:  # graphs of a sweep: equal parameters become one object
                params = self.cache.intern(kind.name, params)
            shape = kind.output_shape(params, shapes)
            check_shape(shape)
        except SpecError as exc:
            if not tainted:
                inputs_text = ", ".join(f"{fmt_shape(s)} from '{self.nodes[i].name}'" for s, i in zip(shapes, inputs))
                self.fail(exc.at(notes=(f"input: {inputs_text}",)), entry.mark, path, notes)
            return None
        index = self.add_node(
            Node(path, kind.name, params, tuple(inputs), shape, block, entry.mark), entry, path, notes
        )
        if tainted and index is not None:
            self.tainted.add(index)
        return index

    def typed_params(
        self,
        kind: LayerKind,
        entry: Entry,
        raw: dict[str, Any],
        first: bool,
        scope: LayerScope,
        path: str,
        notes: tuple[str, ...],
        cacheable: bool = True,
    ) -> dict[str, Any] | None:
        """The layer's parameters typed; None if a required one cannot be read.

        A value that cannot be read is reported and, when the parameter has a default, the layer
        goes on with the default, so that the layers after it are checked in the same run (four
        typos in a chain are four errors of one run, not four runs).
        """
        cache_key = (id(entry), first)
        cached = self.literal_params.get(cache_key) if cacheable else None
        if cached:
            return cached
        typed = dict(kind.default_values)
        hopeless = False
        evaluate_here = scalar_evaluator(scope)
        for name, value in raw.items():
            try:
                typed[name] = kind.params[name].convert(as_param(value), evaluate_here)
            except SpecError as exc:
                hopeless = hopeless or name not in kind.default_values
                self.fail(exc.about(f"{name}"), self.mark_of(entry, name, first), path, notes)
                typed[name] = kind.default_values.get(name)
        if hopeless:
            return None
        if cached is None and cacheable:  # first use of this entry: are its values plain literals?
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
        extra: dict[str, Value] | None = None,
        passed: dict[str, Evaluated] | None = None,
    ) -> int | None:
        declared = definition.inputs
        if len(inputs) != len(declared):
            names = ", ".join(declared)
            count = len(declared)
            self.fail(
                SpecError(
                    f"block '{definition.name}' takes {count} input{'s' if count != 1 else ''} ({names}), got {len(inputs)}",
                    expected=f"inputs: [{names}]" if count > 1 else "one input",
                ),
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
        shapes = [self.nodes[i].shape for i in inputs]
        shape = shapes[0]
        raw, first = self.values_of(entry, index)
        if passed:
            raw = {**passed, **raw}
        caller = LayerScope(env, shape, index, extra)
        values: dict[str, Value] = {}
        inner = Env(values, self.root_env, shape, {INPUT_NAME: shape, **dict(zip(declared, shapes))})
        ok = True
        for arg, default in definition.args.items():
            given = arg in raw
            source, scope = (raw[arg], caller) if given else (default, inner)
            if source is REQUIRED:
                if entry.rows is not None:  # the parser left it to the rows of the table
                    ok = False
                    self.fail(
                        SpecError(
                            f"block '{definition.name}' used{f' as {path!r}'} without its argument '{arg}'",
                            expected=f"{arg}: a value, or a field '{arg}' in every row of the table",
                        ),
                        entry.mark,
                        path,
                        notes,
                    )
                continue  # reported by the parser
            try:
                values[arg] = self.value(source, scope)
            except SpecError as exc:
                ok = False
                mark = self.mark_of(entry, arg, first) if given else definition.marks.get(f"args.{arg}")
                self.fail(exc.about(f"argument {arg}"), mark, path, notes)
        if not ok:
            return None
        # the vars follow from the arguments, the input shapes and the top-level vars: the key
        memo_key = self.memo_key(definition, values, shapes)
        if memo_key is not None:
            recorded = self.cache.expansions.get(memo_key)
            if recorded is not None and len(self.nodes) + len(recorded.nodes) <= self.limit:
                return recorded.replay(self, path, inputs, block, entry.mark)
        for var, source in definition.vars.items():
            try:
                values[var] = self.value(source, inner)
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
        errors_before, nodes_before = len(self.errors.errors), len(self.nodes)
        index_of_block = self.open_block(path, definition.name, block, 0, entry.mark)
        out = self.scope(
            definition.layers,
            inner,
            {INPUT_NAME: inputs[0], **dict(zip(declared, inputs))},
            path + ".",
            index_of_block,
            (here,) + notes,
            definition.output,
            definition.marks.get("output"),
        )
        if out is not None:
            self.close_block(index_of_block, out)
            if memo_key is not None and len(self.errors.errors) == errors_before and not self.errors.truncated:
                if not any(i in self.tainted for i in range(nodes_before, len(self.nodes))):
                    self.cache.record(memo_key, Expansion.of(self, path, inputs, index_of_block, nodes_before, out))
        return out

    def memo_key(self, definition: BlockDef, values: dict[str, Value], shapes: list[Shape]) -> tuple | None:
        """What a block's expansion depends on: its definition, its arguments and vars, its input
        shapes and the top-level vars it reads (None: not memoizable)."""
        reads = self.cache.root_reads(definition)
        try:
            key = (
                id(definition),
                tuple((name, typed_key(value)) for name, value in values.items()),
                tuple(shapes),
                tuple(typed_key(self.root_env.values.get(name)) for name in reads),
            )
            hash(key)
        except TypeError:
            return None
        return key

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


def _is_choice(ref: str) -> bool:
    """An input written as an expression: names have no spaces, `a if cond else b` has."""
    return " " in ref


def scalar_evaluator(scope: Any) -> Callable[[str], Any]:
    """What a parameter converter evaluates with: a number or a word; a list or a row is an error here."""

    def evaluate_scalar(text: str) -> Any:
        value = evaluate(text, scope)
        if isinstance(value, (tuple, Record)):
            raise SpecError(
                f"'{clip(text, 60)}' is {kind_of(value)}",
                expected="a number or a word",
                hint="index a list (widths[i]) or read a row's field (stage.channels)",
            )
        return value

    return evaluate_scalar


def _input_names(scope_inputs: dict[str, int]) -> str:
    return " or ".join(f"'{n}'" for n in scope_inputs)


def channels_first_warnings(shape: Shape) -> tuple[str, ...]:
    """A hint for an input written channels first ([3, 224, 224]): specs are channels last."""
    if len(shape) == 3 and shape[0] <= 4 and min(shape[1], shape[2]) >= 16:
        h, w, c = shape[1], shape[2], shape[0]
        return (
            f"the input {fmt_shape(shape)} looks channels first; specs are channels last "
            f"(height, width, channels): did you mean [{h}, {w}, {c}]?",
        )
    return ()


def check_shape(shape: Shape) -> None:
    if 1 <= min(shape) and max(shape) <= MAX_DIM:
        return
    for dim in shape:
        if dim < 1:
            raise SpecError(f"the output would be {fmt_shape(shape)}", expected="every dimension ≥ 1")
        if dim > MAX_DIM:
            raise SpecError(f"the output would be {fmt_shape(shape)}", expected=f"dimensions ≤ {MAX_DIM:,}")


class GraphCache:
    """What does not change between graphs of one spec (a sweep builds hundreds): the structural
    checks, each layer list's names and order, and the typed parameters written as plain literals."""

    MAX_RECORDED = 200_000  # nodes kept in recorded block expansions

    def __init__(self, spec: Spec, shared: bool = True) -> None:
        self.spec = spec
        self.shared = shared  # False: one graph only, nothing worth interning
        self.checked = False
        self.literal_params: dict[tuple[int, bool], dict[str, Any]] = {}
        self.plans: dict[int, tuple[list[str], list[tuple[str, ...]], list[int]]] = {}
        # a block used with the same arguments on the same shapes expands the same way: recorded once,
        # replayed (names and indices moved) for every later use, in this graph and the next ones
        self.expansions: dict[tuple, Expansion] = {}
        self.recorded = 0
        self.reads: dict[str, tuple[str, ...]] = {}
        self.interned: dict[tuple, dict[str, Any]] = {}

    def intern(self, kind: str, typed: dict[str, Any]) -> dict[str, Any]:
        """One parameters object for equal parameters of a kind: graphs of the spec then share it, so
        that their layers' costs (analysis cost_cache) and whole networks (a sweep) are recognised."""
        try:
            key = (kind, tuple((name, typed_key(value)) for name, value in typed.items()))
            shared = self.interned.get(key)
        except TypeError:
            return typed
        if shared is not None:
            return shared
        if len(self.interned) < self.MAX_RECORDED:
            self.interned[key] = typed
        return typed

    def record(self, key: tuple, expansion: Expansion) -> None:
        if self.recorded + len(expansion.nodes) <= self.MAX_RECORDED:
            self.expansions[key] = expansion
            self.recorded += len(expansion.nodes)

    def root_reads(self, definition: BlockDef) -> tuple[str, ...]:
        """The top-level vars a block (with the blocks it uses) may read: part of its memo key."""
        cached = self.reads.get(definition.name)
        if cached is not None:
            return cached
        names: set[str] = set()
        seen: set[str] = set()
        stack = [definition]
        while stack:
            block = stack.pop()
            if block.name in seen:
                continue
            seen.add(block.name)
            values: list[Any] = [*block.args.values(), *block.vars.values()]
            for entry in block.layers:
                values += [*entry.params.values(), *(entry.first or {}).values(), entry.repeat, entry.when, entry.rows]
                values += list(entry.inputs or ())
                if entry.kind in self.spec.blocks:
                    stack.append(self.spec.blocks[entry.kind])
            while values:
                value = values.pop()
                if isinstance(value, str):
                    names |= names_in(value) if not value.isidentifier() else {value}
                elif isinstance(value, list):
                    values += value
                elif isinstance(value, dict):
                    values += list(value.values())
        reads = tuple(sorted(names & set(self.spec.vars)))
        self.reads[definition.name] = reads
        return reads


def typed_key(value: Any) -> Any:
    """A value as a cache key that tells true from 1 and 1.0 from 1 (they are equal in Python, and a
    parameter converter may accept one and refuse the other)."""
    kind = type(value)
    if kind is int or kind is str:
        return value
    if kind is tuple:
        return tuple(typed_key(v) for v in value)
    if kind is Record:
        return ("row", tuple((k, typed_key(v)) for k, v in value.fields.items()))
    return (kind.__name__, value)


class Expansion:
    """A block use's nodes and blocks, relative to where they were made: node inputs inside the
    expansion by offset, the block's inputs by position (negative), names without the use's path."""

    __slots__ = ("nodes", "blocks", "output")

    def __init__(self, nodes: list[tuple], blocks: list[tuple], output: int) -> None:
        self.nodes, self.blocks, self.output = nodes, blocks, output

    @staticmethod
    def of(builder: _Builder, path: str, inputs: list[int], first_block: int, first_node: int, out: int) -> Expansion:
        cut = len(path)
        outer = {node: -(k + 1) for k, node in reversed(list(enumerate(inputs)))}

        def relative(index: int) -> int:
            return index - first_node if index >= first_node else outer[index]

        nodes = [
            (
                n.name[cut:],
                n.kind,
                n.params,
                tuple(relative(i) for i in n.inputs),
                n.shape,
                n.block - first_block,
                n.mark,
            )
            for n in builder.nodes[first_node:]
        ]
        top_depth = builder.blocks[first_block].depth
        blocks = [
            (
                b.name[cut:],
                b.kind,
                b.parent - first_block if b.parent >= first_block else None,
                b.depth - top_depth,
                b.repeat,
                relative(b.output),
                b.mark,
            )
            for b in builder.blocks[first_block:]
        ]
        return Expansion(nodes, blocks, relative(out))

    def replay(self, builder: _Builder, path: str, inputs: list[int], parent: int, use: Mark | None) -> int:
        """The recorded expansion again, under ``path``; its outermost block is this use (``use``: where
        the use is written), not the one first recorded."""
        first_node, first_block = len(builder.nodes), len(builder.blocks)
        top_depth = 1 if parent == TOP else builder.blocks[parent].depth + 1

        def absolute(index: int) -> int:
            return first_node + index if index >= 0 else inputs[-index - 1]

        for name, kind, block_parent, depth, repeat, output, mark in self.blocks:
            builder.blocks.append(
                Block(
                    path + name,
                    kind,
                    parent if block_parent is None else first_block + block_parent,
                    top_depth + depth,
                    repeat,
                    absolute(output),
                    use if block_parent is None else mark,
                )
            )
        append = builder.nodes.append
        for name, kind, params, node_inputs, shape, block, mark in self.nodes:
            append(Node(path + name, kind, params, tuple(map(absolute, node_inputs)), shape, first_block + block, mark))
        return absolute(self.output)


def build_graph(
    spec: Spec,
    overrides: Mapping[str, Any] | None = None,
    input_shape: Shape | InputSize | None = None,
    cache: GraphCache | None = None,
) -> Graph:
    """Expand ``spec`` into a graph; ``overrides`` replace vars (``--set``), ``input_shape`` the input
    (a full shape, or an InputSize from the command line, resolved against the spec's own input).

    ``cache`` (a GraphCache of the same spec) carries what one graph worked out to the next.
    """
    prepared = getattr(spec, "prepared", None)
    if prepared is not None:
        # a spec converted from a model file (ONNX) is made for the input given: its layers' sizes depend on it
        converted = prepared(input_shape)
        if converted is not spec:
            spec, cache = converted, None  # another spec: what a cache of the first worked out does not hold
        input_shape = None
    return _Builder(spec, cache).build(overrides or {}, input_shape)
