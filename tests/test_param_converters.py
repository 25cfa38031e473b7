"""How a raw YAML value becomes a typed parameter: every converter called directly, at its bounds.

The kinds build their converters once at import (``positive_pair = pair(1)``, ``padding()``); calling the
factories here checks them as they are written (and lets mutation testing reach them).
"""

from __future__ import annotations

import pytest

from costcalc.errors import SpecError
from costcalc.expressions import MappingScope, evaluate
from costcalc.layers.base import (
    KINDS,
    MAX_DIM,
    Cost,
    LayerKind,
    Param,
    choice,
    fused_activation,
    fused_cost,
    non_negative_int,
    number,
    padding,
    pair,
    register,
    to_bool,
    to_int,
    to_number,
    to_word,
)

SCOPE = MappingScope({"p": "same", "n": 3, "half": 1.5, "act": "relu", "yes": True})


def ev(text: str):
    return evaluate(text, SCOPE)


def message(convert, raw) -> str:
    with pytest.raises(SpecError) as caught:
        convert(raw, ev)
    return caught.value.format()


def test_pair():
    one = pair(1)
    assert one(3, ev) == (3, 3) and one([2, 5], ev) == (2, 5) and one("n", ev) == (3, 3) and one(["n", 1], ev) == (3, 1)
    assert pair(0)(0, ev) == (0, 0) and pair(0)([0, 0], ev) == (0, 0)
    assert message(one, [1, 2, 3]) == "costcalc: error: got a list of 3; expected one number or [height, width]"
    assert message(one, 0) == "costcalc: error: got 0; expected a whole number ≥ 1"
    assert message(one, [1, 0]) == "costcalc: error: got 0; expected a whole number ≥ 1"
    assert one(MAX_DIM, ev) == (MAX_DIM, MAX_DIM)
    assert message(one, MAX_DIM + 1) == f"costcalc: error: got {MAX_DIM + 1:,}; expected a whole number ≤ {MAX_DIM:,}"


def test_padding_forms():
    convert = padding()
    assert convert("same", ev) == "same" and convert("p", ev) == "same"  # a word through a var
    assert convert("valid", ev) == (0, 0, 0, 0)
    assert convert(2, ev) == (2, 2, 2, 2) and convert("n", ev) == (3, 3, 3, 3) and convert(0, ev) == (0, 0, 0, 0)
    assert convert([1, 2], ev) == (1, 1, 2, 2)  # [h, w]: rows top and bottom, columns left and right
    assert convert([1, 2, 3, 4], ev) == (1, 2, 3, 4)
    assert convert(["n", 0, 1, "n - 1"], ev) == (3, 0, 1, 2)
    assert message(convert, [1, 2, 3]) == (
        "costcalc: error: got a list of 3; expected padding as one number, [h, w] or [top, bottom, left, right]"
    )
    assert message(convert, [1, -1]) == "costcalc: error: got -1; expected a padding ≥ 0"
    assert message(convert, "foo") == (
        "costcalc: error: padding 'foo' is not 'same', 'valid' or a number; "
        "expected 'same', 'valid', a number, [h, w] or [top, bottom, left, right]"
    )
    assert message(convert, "n +") == (
        "costcalc: error: padding 'n +' is not 'same', 'valid' or a number: cannot evaluate 'n +': not a valid expression; "
        "expected 'same', 'valid', a number, [h, w] or [top, bottom, left, right]"
    )
    assert message(convert, -1) == "costcalc: error: got -1; expected a padding ≥ 0"


def test_padding_keywords_per_kind():
    transposed, numbers_only = padding(("valid",)), padding(())
    assert transposed("valid", ev) == (0, 0, 0, 0)
    assert message(transposed, "same") == (
        "costcalc: error: padding 'same' is not 'valid' or a number; expected 'valid', a number, [h, w] or [top, bottom, left, right]"
    )
    assert numbers_only([0, 1, 2, 3], ev) == (0, 1, 2, 3)
    assert message(numbers_only, "valid") == (
        "costcalc: error: padding 'valid' is not a number; expected a number, [h, w] or [top, bottom, left, right]"
    )


def test_number_bounds():
    rate = number(0.0, 1.0)
    assert rate(0, ev) == 0.0 and rate(1, ev) == 1.0 and type(rate(1, ev)) is float and rate("half - 1", ev) == 0.5
    assert message(rate, 1.5) == "costcalc: error: got 1.5; expected a number in [0.0, 1.0]"
    assert message(rate, -0.1) == "costcalc: error: got -0.1; expected a number in [0.0, 1.0]"
    assert message(number(0.0), -1) == "costcalc: error: got -1; expected a number in [0.0, ∞]"
    assert message(number(maximum=2), 3) == "costcalc: error: got 3; expected a number in [-∞, 2]"
    assert number()(-1e9, ev) == -1e9
    assert message(number(), True) == "costcalc: error: got the boolean true; expected a number"
    assert message(number(), "act") == "costcalc: error: 'act' is the word 'relu'; expected a number"


def test_choice_and_words():
    mode = choice("nearest", "bilinear")
    assert mode("bilinear", ev) == "bilinear"
    assert choice("relu", "tanh")("act", ev) == "relu"  # through a var
    assert message(mode, "cubic") == "costcalc: error: got the text 'cubic'; expected one of nearest, bilinear"
    assert message(mode, 3) == "costcalc: error: got the number 3; expected one of nearest, bilinear"
    with pytest.raises(SpecError, match="expected one of a$"):
        to_word("n +", ev, ("a",))


def test_whole_numbers():
    assert to_int(4.0, ev) == 4 and type(to_int(4.0, ev)) is int
    assert to_int("n * 2", ev) == 6 and to_int(1, ev) == 1
    assert non_negative_int(0, ev) == 0
    assert message(non_negative_int, -1) == "costcalc: error: got -1; expected a whole number ≥ 0"
    with pytest.raises(SpecError) as caught:
        to_int("half", ev)
    assert caught.value.format() == (
        "costcalc: error: 'half' gives 1.5, not a whole number; expected a whole number (wrap it in int(), round() or make_divisible())"
    )
    with pytest.raises(SpecError, match="got the boolean true; expected a repeat count"):
        to_int(True, ev, 1, "a repeat count")
    with pytest.raises(SpecError, match="got 2; expected a dimension ≥ 3"):
        to_int(2, ev, 3, "a dimension")
    with pytest.raises(SpecError, match="got a list of 1; expected a number"):
        to_number([1], ev)


def test_booleans():
    assert to_bool(True, ev) is True and to_bool(False, ev) is False and to_bool("yes", ev) is True
    assert to_bool("n > 2", ev) is True and to_bool("n > 3", ev) is False
    with pytest.raises(SpecError, match="got the number 1; expected true or false"):
        to_bool(1, ev)


def test_fused_activation():
    assert fused_activation(None, ev) is None and fused_activation(False, ev) is None
    assert fused_activation("none", ev) is None and fused_activation("act", ev) == "relu"
    assert fused_activation("softmax", ev) == "softmax"
    with pytest.raises(SpecError) as caught:
        fused_activation("conv", ev)
    assert "expected one of none, gelu, hard_sigmoid, hard_swish" in caught.value.format()


def test_fused_cost_is_batch_norm_plus_activation():
    # on 2×2×3 = 12 elements: batch norm 2·3 params, 2·3 running stats, 2 ops per element; relu6 2 per element
    out = (2, 2, 3)
    assert fused_cost({"bn": True, "activation": "relu6"}, out) == Cost(6, 6, 0, 24 + 24)
    assert fused_cost({"bn": False, "activation": None}, out) == Cost()
    assert fused_cost({"activation": "prelu"}, out) == Cost(params=3, other_ops=24)  # a slope per channel


def test_param_defaults_are_converted_once():
    kernel = Param(pair(1), 3, "doc")
    assert kernel.default == (3, 3) and not kernel.required and kernel.doc == "doc"
    assert Param(pair(1)).required and Param(pair(1)).default is Param.REQUIRED
    assert Param(pair(1), None).default is None and not Param(pair(1), None).required
    with pytest.raises(SpecError, match="a default cannot be an expression"):
        Param(pair(1), "n")


def test_kinds_know_their_required_params_and_defaults():
    class Probe(LayerKind):
        name = "probe_kind"
        summary = "a test kind"
        params = {"a": Param(pair(1)), "b": Param(pair(1), 2), "c": Param(number(), None)}

    probe = Probe()
    assert probe.required == ("a",) and probe.default_values == {"b": (2, 2), "c": None}
    assert probe.defaults() == {"b": (2, 2), "c": None} and probe.defaults() is not probe.default_values
    assert probe.group({}) == "probe_kind" and probe.window({}, [(1, 1, 1)], (1, 1, 1)) is None
    assert (probe.min_inputs, probe.max_inputs, probe.fusable, probe.internal, probe.in_place) == (
        1,
        1,
        False,
        False,
        False,
    )


def test_register_adds_a_kind_once():
    class Probe(LayerKind):
        name = "probe_registered"
        summary = "a test kind"

    try:
        assert register(Probe) is Probe
        assert isinstance(KINDS["probe_registered"], Probe)
        with pytest.raises(RuntimeError, match="layer kind 'probe_registered' is registered twice"):
            register(Probe)
    finally:
        KINDS.pop("probe_registered", None)


def test_activation_factory():
    from costcalc.layers.activations import Elementwise, activation

    try:
        cls = activation("probe_act", 7, "f(x)", "a test activation", "ReLU")
        kind = KINDS["probe_act"]
        assert issubclass(cls, Elementwise) and isinstance(kind, cls)
        assert (kind.name, kind.ops, kind.formula, kind.summary, kind.label) == (
            "probe_act",
            7,
            "f(x)",
            "a test activation",
            "probe_act: f(x)",
        )
        assert kind.default_values == {}
        assert kind.cost({}, [(2, 3)], (2, 3)) == Cost(other_ops=42)  # 7 per element
        assert kind.fusable and kind.in_place
    finally:
        KINDS.pop("probe_act", None)


def test_a_param_keeps_its_converter_and_the_norms_affine_factory():
    from costcalc.layers.base import boolean
    from costcalc.layers.normalization import affine

    param = Param(boolean, True, "a switch")
    assert param.convert is boolean and param.default is True and param.doc == "a switch"
    made = affine(False)
    assert (made.convert, made.default, made.doc) == (boolean, False, "learn a scale γ and a shift β per channel")


def test_the_list_and_text_converters_of_the_onnx_kinds():
    # int_list(minimum) is built once at import by the kinds that take shapes (operand:, shape:, table:)
    from costcalc.layers.math_ops import int_list
    from costcalc.layers.reshaping import text

    convert = int_list(1)
    assert convert([2, "1 + 2"], lambda e: evaluate(e, MappingScope({}))) == (2, 3)
    with pytest.raises(SpecError) as caught:
        convert([1] * 65, None)
    assert (caught.value.message, caught.value.expected) == ("got a list of 65", "at most 64 numbers")
    with pytest.raises(SpecError, match="got 0"):
        convert([0], None)  # below the minimum of 1
    assert text("  Conv  ", None) == "Conv"
    with pytest.raises(SpecError) as caught:
        text("  ", None)
    assert (caught.value.message, caught.value.expected) == ("got no text", "the operator's name")
