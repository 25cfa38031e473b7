"""Generated PyTorch code never runs spec text (issue 12 §2): whatever the spec's names and free text, the code
`costcalc torch` writes compiles, has one attribute per layer, and importing it defines the module and nothing else.

Names are drawn from the whole of Unicode within the spec language's rule for layer names (1 to 100
characters, no whitespace, dots or ASCII control characters), with the troublesome ones drawn often:
NFKC twins (ﬁ/fi, K/K, Ⅸ/IX), keywords and soft keywords, names Python or torch use, class-private
names, bidi and C1 control characters; the spec's name, description and source from any text at all.
"""

from __future__ import annotations

import ast
import os
import re
import unicodedata
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc.errors import CostcalcError
from costcalc.graph import build_graph
from costcalc.spec import parse_spec

warnings.filterwarnings("ignore", message="Failed to initialize NumPy")
if os.environ.get("COSTCALC_REQUIRE_TORCH"):
    import torch  # CI: no skipping
else:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install 'costcalc[torch]')")

from costcalc.torch import module_code  # noqa: E402
from costcalc.torch.model import SpecModule  # noqa: E402

EXAMPLES = int(os.environ.get("COSTCALC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=EXAMPLES <= 1000
)
LAYER_NAME = re.compile(r"[^\s.\x00-\x1f\x7f]{1,100}")  # the spec language's rule (costcalc/spec.py)
TRICKY = [
    "ﬁ", "fi", "K", "K", "Ⅸ", "IX", "ℌ", "H", "µ", "μ", "a²", "a2", "²", "0a", "_", "__x", "_Net__x", "__init__",
    "class", "def", "match", "case", "type", "None", "True", "self", "torch", "nn", "x", "Net", "Add",
    "forward", "training", "keys", "items", "update", "pop", "layers", "print", "__builtins__", "__name__",
    '"""', "'''", "#", "\\", "\u202e", "\u2028", "\x85", "\x9b", "\ufeff", "a\u0301", "\u0301", "ǅ", "ß",
    "import", "os.system", "exec(", ")", "};", "\U0001f600",
]  # fmt: skip


def yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar in which every character that is not plain ASCII is escaped."""
    out = []
    for c in text:
        out.append(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08x}")
    return '"' + "".join(out) + '"'


any_character = st.characters(exclude_categories=("Cs",))  # every code point a string from YAML can hold
names = st.one_of(
    st.sampled_from(TRICKY),
    st.text(any_character, min_size=1, max_size=8),
    st.lists(st.sampled_from(TRICKY), min_size=2, max_size=3).map("".join),
).filter(lambda s: LAYER_NAME.fullmatch(s) is not None and s != "input")
free_text = st.one_of(st.sampled_from(TRICKY), st.text(any_character, max_size=40))


def spec_text(layer_names: list[str], title: str, description: str, source: str) -> str:
    lines = [
        f"name: {yaml_quoted(title)}",
        f"description: {yaml_quoted(description)}",
        f"source: {yaml_quoted(source)}",
        "input: [4, 3, 2]",
        "layers:",
    ]
    for i, name in enumerate(layer_names):
        kind = ("{kind: conv, filters: 2, kernel: 1", "{kind: relu", "{kind: identity")[i % 3]
        lines.append(f"  - {kind}, name: {yaml_quoted(name)}}}")
    return "\n".join(lines) + "\n"


def attributes_set_in_init(tree: ast.Module, class_name: str) -> list[str]:
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == class_name]
    (init,) = [node for node in cls.body if isinstance(node, ast.FunctionDef) and node.name == "__init__"]
    out = []
    for statement in init.body[1:]:  # after super().__init__()
        assert isinstance(statement, ast.Assign), ast.dump(statement)
        (target,) = statement.targets
        assert isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"
        out.append(target.attr)
    return out


def only_definitions(tree: ast.Module) -> None:
    """The module's top level: its docstring, the two torch imports, class definitions, and the __main__ guard."""
    body = tree.body
    assert isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
    assert isinstance(body[0].value.value, str)
    for node in body[1:]:
        if isinstance(node, ast.Import):
            assert [a.name for a in node.names] == ["torch"]
        elif isinstance(node, ast.ImportFrom):
            assert node.module == "torch" and [a.name for a in node.names] == ["nn"]
        elif isinstance(node, ast.If):
            assert ast.unparse(node.test) == "__name__ == '__main__'"
        else:
            assert isinstance(node, ast.ClassDef), ast.dump(node)


def check_generated(text: str) -> None:
    graph = build_graph(parse_spec(text, "net.yaml"))
    code = module_code(graph)
    tree = ast.parse(code)  # compiles: nothing can end a literal or comment early
    compile(code, "net.py", "exec")
    only_definitions(tree)
    assert ast.get_docstring(tree, clean=False).startswith(f"{graph.name}, as costcalc builds it")
    layers = len(graph.nodes) - 1
    attributes = attributes_set_in_init(tree, "Net")
    # exactly one attribute per layer, distinct as Python reads them (the parser applies NFKC itself)
    assert len(attributes) == len(set(attributes)) == layers
    assert all(unicodedata.normalize("NFKC", a) == a for a in attributes)
    namespace: dict = {"__name__": "generated"}
    exec(compile(code, "net.py", "exec"), namespace)  # noqa: S102 - the code under test
    helpers = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert set(namespace) == {"__name__", "__builtins__", "__doc__", "torch", "nn"} | helpers
    model = namespace["Net"]().eval()
    assert len(list(model.children())) == layers
    with torch.no_grad():
        out = model(torch.zeros(1, 2, 4, 3))
        expected = SpecModule(graph).eval()(torch.zeros(1, 2, 4, 3))
    assert out.shape == expected.shape == (1, 2, 4, 3)


@FUZZ
@given(st.lists(names, min_size=1, max_size=6, unique=True), free_text, free_text, free_text)
def test_generated_code_never_runs_spec_text(layer_names, title, description, source):
    check_generated(spec_text(layer_names, title, description, source))


def test_nfkc_twins_keywords_and_quotes_each_keep_their_layer():
    # ﬁ and fi are one name to Python; a² is not an identifier; class and match are (soft) keywords; a spec
    # name with three quotes would have closed the docstring and run the rest
    check_generated(
        spec_text(
            ["ﬁ", "fi", "a²", "class", "match", "self", "keys", "__x", "_Net__x"],
            'evil"""\nimport os; os.system("echo owned")\n"""',
            "\u202e bidi override and a line\u2028break",
            "\\",
        )
    )


def test_every_spec_name_becomes_a_plain_docstring_or_a_literal():
    graph = build_graph(parse_spec(spec_text(["a"], 'say "hi"', "plain text", "here"), "net.yaml"))
    assert module_code(graph).startswith('"""say "hi", as costcalc builds it')
    # a last line ending in a quote would run into the closing quotes: the literal is repr's then
    graph = build_graph(parse_spec(spec_text(["a"], "t", "", 'ends in a quote"'), "net.yaml"))
    code = module_code(graph)
    assert code.startswith("'t, as costcalc builds it") and "Source: ends in a quote\"'\n" in code


@pytest.mark.parametrize(
    "class_name", ["class", "match", "1Net", "Net()", "Net: pass\nimport os", "torch", "__Net", "ﬁ"]
)
def test_a_class_name_that_is_not_a_plain_identifier_is_refused(class_name):
    graph = build_graph(parse_spec(spec_text(["a"], "t", "", ""), "net.yaml"))
    with pytest.raises(CostcalcError, match="not a usable Python class name"):
        module_code(graph, class_name)
