"""Property-based tests: random valid networks obey the invariants; mutated specs never crash.

The default profile tries a few hundred cases (CI). A long run, e.g. 100,000 cases per test:

    COSTCALC_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz.py -q -p no:cacheprovider
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from costcalc.analysis import analyze
from costcalc.cli import app
from costcalc.errors import CostcalcError
from costcalc.graph import build_graph
from costcalc.memory import peak_memory
from costcalc.reporting import Report
from costcalc.sources import bundled_names, bundled_path
from costcalc.spec import parse_spec

EXAMPLES = int(os.environ.get("COSTCALC_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=EXAMPLES <= 1000
)


# ---------------------------------------------------------------- random valid networks


def out_size(n: int, k: int, s: int, p_total: int) -> int:
    return (n + p_total - k) // s + 1


@st.composite
def networks(draw, start: tuple[int, int, int]):
    """Random valid layers from ``start``, with each output shape and MAC count worked out independently."""
    shape: tuple[int, ...] = start
    layers, expected = [], []
    for i in range(draw(st.integers(1, 10))):
        name = f"l{i}"
        spatial = len(shape) == 3
        options = (
            [
                "conv",
                "depthwise",
                "max_pool",
                "avg_pool",
                "bn",
                "act",
                "residual",
                "branches",
                "fc",
                "gap",
                "upsample",
                "pad",
                "shuffle",
                "transpose",
                "separable",
                "se",
            ]
            if spatial
            else ["fc", "act", "bn", "dropout"]
        )
        kind = draw(st.sampled_from(options))
        layer: dict = {"name": name}
        macs = None
        if kind in ("conv", "depthwise", "separable", "max_pool", "avg_pool"):
            h, w, c = shape
            pad = draw(st.integers(0, 2))
            k = draw(st.integers(1, min(h, w) + 2 * pad))
            if kind in ("max_pool", "avg_pool"):
                pad = min(pad, k // 2)  # a pool pads at most half its kernel (PyTorch's rule)
            s = draw(st.integers(1, 3))
            oh, ow = out_size(h, k, s, 2 * pad), out_size(w, k, s, 2 * pad)
            layer.update(kernel=k, stride=s, padding=pad)
            if kind == "conv":
                groups = draw(st.sampled_from([g for g in (1, 2, 3) if c % g == 0]))
                filters = groups * draw(st.integers(1, 6))
                layer.update(
                    kind="conv",
                    filters=filters,
                    groups=groups,
                    bias=draw(st.booleans()),
                    bn=draw(st.booleans()),
                    activation=draw(st.sampled_from(["none", "relu", "silu", "softmax"])),
                )
                shape, macs = (oh, ow, filters), oh * ow * filters * k * k * (c // groups)
            elif kind == "depthwise":
                m = draw(st.integers(1, 3))
                layer.update(kind="depthwise_conv", multiplier=m)
                shape, macs = (oh, ow, c * m), oh * ow * c * m * k * k
            elif kind == "separable":
                filters = draw(st.integers(1, 8))
                layer.update(kind="separable_conv", filters=filters)
                shape, macs = (oh, ow, filters), oh * ow * c * k * k + oh * ow * filters * c
            else:
                layer.update(kind=kind)
                shape, macs = (oh, ow, c), 0
        elif kind == "transpose":
            h, w, c = shape
            k, s = draw(st.integers(1, 4)), draw(st.integers(1, 3))
            pad = draw(st.integers(0, (k - 1) // 2))
            filters = draw(st.integers(1, 6))
            layer.update(kind="conv_transpose", filters=filters, kernel=k, stride=s, padding=pad)
            shape, macs = ((h - 1) * s - 2 * pad + k, (w - 1) * s - 2 * pad + k, filters), h * w * c * k * k * filters
        elif kind == "fc":
            units = draw(st.integers(1, 20))
            layer.update(kind="fc", units=units, activation=draw(st.sampled_from(["none", "relu", "sigmoid"])))
            size = 1
            for d in shape:
                size *= d
            shape, macs = (units,), size * units
        elif kind == "gap":
            layer.update(kind=draw(st.sampled_from(["global_avg_pool", "global_max_pool"])))
            shape, macs = (1, 1, shape[2]), 0
        elif kind == "residual":
            layer.update(kind="add", inputs=[f"l{i}_a", f"l{i - 1}" if i else "input"])
            layers.append(
                {
                    "kind": "conv",
                    "name": f"l{i}_a",
                    "filters": shape[2],
                    "kernel": 3,
                    "padding": "same",
                    "input": f"l{i - 1}" if i else "input",
                }
            )
            expected.append((f"l{i}_a", shape, None))
            macs = 0
        elif kind == "branches":
            parts = [draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 3)))]
            previous = f"l{i - 1}" if i else "input"
            for j, filters in enumerate(parts):
                layers.append(
                    {"kind": "conv", "name": f"l{i}_b{j}", "input": previous, "filters": filters, "kernel": 1}
                )
                expected.append((f"l{i}_b{j}", (*shape[:2], filters), shape[0] * shape[1] * filters * shape[2]))
            layer.update(kind="concat", inputs=[f"l{i}_b{j}" for j in range(len(parts))])
            shape, macs = (*shape[:2], sum(parts)), 0
        elif kind == "se":
            previous = f"l{i - 1}" if i else "input"
            layers.append({"kind": "global_avg_pool", "name": f"l{i}_pool", "input": previous})
            layers.append({"kind": "fc", "name": f"l{i}_fc", "units": shape[2], "activation": "sigmoid"})
            expected += [(f"l{i}_pool", (1, 1, shape[2]), 0), (f"l{i}_fc", (shape[2],), shape[2] * shape[2])]
            layer.update(kind="multiply", inputs=[previous, f"l{i}_fc"])
            macs = 0
        elif kind == "upsample":
            scale = draw(st.integers(1, 3))
            layer.update(kind="upsample", scale=scale, mode=draw(st.sampled_from(["nearest", "bilinear"])))
            shape, macs = (shape[0] * scale, shape[1] * scale, shape[2]), 0
        elif kind == "pad":
            p = [draw(st.integers(0, 2)) for _ in range(4)]
            layer.update(kind="zero_pad", padding=p)
            shape, macs = (shape[0] + p[0] + p[1], shape[1] + p[2] + p[3], shape[2]), 0
        elif kind == "shuffle":
            groups = draw(st.sampled_from([g for g in range(1, shape[2] + 1) if shape[2] % g == 0]))
            layer.update(kind="channel_shuffle", groups=groups)
            macs = 0
        else:  # bn, act, dropout: same shape, no MACs
            layer.update(
                kind={"bn": "batch_norm", "dropout": "dropout"}.get(kind)
                or draw(
                    st.sampled_from(
                        [
                            "relu",
                            "relu6",
                            "leaky_relu",
                            "prelu",
                            "sigmoid",
                            "tanh",
                            "hard_sigmoid",
                            "hard_swish",
                            "silu",
                            "gelu",
                            "softmax",
                        ]
                    )
                )
            )
            macs = 0
        layers.append(layer)
        expected.append((name, shape, macs))
    return layers, expected


@FUZZ
@given(st.data())
def test_random_valid_networks_obey_the_invariants(data):
    h, w, c = data.draw(st.integers(1, 24)), data.draw(st.integers(1, 24)), data.draw(st.integers(1, 12))
    layers, expected = data.draw(networks((h, w, c)))
    text = yaml.safe_dump({"name": "random", "input": [h, w, c], "layers": layers}, sort_keys=False)
    analysis = analyze(build_graph(parse_spec(text, "random.yaml")), batch=data.draw(st.integers(1, 3)))
    event(f"{len(analysis.layers) // 5 * 5}+ layers")
    by_name = {x.name: x for x in analysis.layers}
    for name, shape, macs in expected:
        got = by_name[name]
        assert got.output == shape, (name, text)
        if macs is not None:
            assert got.macs == macs * analysis.batch, (name, text)
    assert all(d >= 1 for x in analysis.layers for d in x.output)
    totals = analysis.totals
    for field in ("params", "non_trainable", "macs", "other_ops", "activations"):
        assert getattr(totals, field) == sum(getattr(x, field) for x in analysis.layers)
    assert totals.flops == 2 * totals.macs
    # the JSON and the CSV say the same, to the integer
    report = Report(analysis, peak_memory(analysis))
    from_csv = [r for r in csv.DictReader(io.StringIO(report.to_csv())) if r["row"] == "layer"]
    from_json = json.loads(json.dumps(report.to_dict()))["layers"]
    assert len(from_csv) == len(from_json)
    for a, b in zip(from_csv, from_json):
        for key in ("params", "non_trainable", "macs", "flops", "other_ops", "activations"):
            assert int(a[key]) == b[key]
        assert a["output"] == "×".join(str(d) for d in b["output"])


# ---------------------------------------------------------------- mutated bundled specs

RUNNER = CliRunner()


def bundled_text(name: str) -> str:
    """The text of a bundled spec's file; a family's variant (resnet50) lives in its family's file (resnet.yaml)."""
    return bundled_path(name).read_text(encoding="utf-8")


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """One random damage (its name, the damaged text): a cut, a deleted line or key, a changed value, noise."""
    how = rng.choice(
        [
            "cut",
            "delete_line",
            "duplicate_line",
            "swap_number",
            "number_to_text",
            "change_type",
            "delete_key",
            "noise",
            "indent",
        ]
    )
    lines = text.splitlines(keepends=True)
    if how == "cut":
        return how, text.encode()[: rng.randrange(len(text.encode()) + 1)].decode("utf-8", "ignore")
    if how in ("delete_line", "duplicate_line", "indent"):
        i = rng.randrange(len(lines))
        if how == "delete_line":
            del lines[i]
        elif how == "duplicate_line":
            lines.insert(i, lines[i])
        else:
            lines[i] = " " * rng.randrange(1, 4) + lines[i]
        return how, "".join(lines)
    if how == "noise":
        i = rng.randrange(len(text) + 1)
        junk = "".join(rng.choice("{}[]:,-&*!|>'\"#%@`\t\n0x") for _ in range(rng.randrange(1, 6)))
        return how, text[:i] + junk + text[i:]
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    if not tokens:
        return how, text
    start, end = rng.choice(tokens)
    if how == "delete_key":  # drop "key: value" up to the next comma or closing brace
        rest = re.match(r"[^,}\n]*,?\s*", text[start:])
        return how, text[:start] + text[start + rest.end() :]
    replacement = rng.choice(
        {
            "swap_number": ["0", "-1", "2.5", "1e9", "999999999", "3", "-0", "1/0", "10**10**10"],
            "number_to_text": ["'seven'", "null", "true", "[]", "{}", "same", "\"=HYPERLINK('x')\""],
            "change_type": ["[1, 2, 3]", "{a: 1}", "~", "yes", "!!python/object:os.system", "*nope"],
        }[how]
    )
    return how, text[:start] + replacement + text[end:]


_TOKEN = re.compile(r"\b(?:\d+(?:\.\d+)?|[a-z_]+(?=:))\b")


@FUZZ
@given(st.sampled_from(bundled_names()), st.randoms(use_true_random=False))
def test_mutated_bundled_specs_get_a_report_or_a_located_error(name, rng):
    how, text = mutate(bundled_text(name), rng)
    result = RUNNER.invoke(app, ["analyze", "-", "--format", "json"], input=text)
    event(f"{how}: exit {result.exit_code}")
    assert result.exit_code in (0, 2), (result.exit_code, result.output, text)
    assert "Traceback" not in result.output and "internal error" not in result.output, (result.output, text)
    if result.exit_code == 0:
        data = json.loads(result.stdout)
        assert data["totals"]["macs"] == sum(x["macs"] for x in data["layers"])
    else:
        assert result.stdout == ""
        assert "<stdin>" in result.stderr or "error:" in result.stderr


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(data):
    result = RUNNER.invoke(app, ["validate", "-"], input=data)
    event(f"exit {result.exit_code}")
    assert result.exit_code in (0, 2) and "Traceback" not in result.output, result.output


@FUZZ
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_library(text):
    try:
        analyze(build_graph(parse_spec(text, "t.yaml")))
        event("report")
    except CostcalcError as exc:
        event("located error" if ".yaml" in exc.format() else "error")
        assert exc.format()
