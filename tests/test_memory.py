"""Peak activation memory on hand-built networks: every expected figure worked out step by step."""

from __future__ import annotations

import json
import re

from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.memory import peak_memory

CHAIN = """
input: [8, 8, 1]
layers:
  - {kind: conv, name: c1, filters: 4, kernel: 3, padding: same}
  - {kind: relu, name: r}
  - {kind: conv, name: c2, filters: 2, kernel: 3, padding: same}
"""

TWO_BRANCHES = """
input: [8, 8, 4]
layers:
  - {kind: conv, name: a, input: input, filters: 8, kernel: 1}
  - {kind: conv, name: b, input: input, filters: 16, kernel: 1}
  - {kind: concat, name: cat, inputs: [a, b]}
"""

RESIDUAL = """
input: [8, 8, 4]
layers:
  - {kind: conv, name: c1, filters: 4, kernel: 3, padding: same}
  - {kind: conv, name: c2, filters: 4, kernel: 3, padding: same}
  - {kind: add, name: sum, inputs: [c2, input]}
  - {kind: relu, name: out}
"""


def test_chain(run_spec):
    # elements: input 64, c1 256, r 256, c2 128
    # input: 64 | c1: 64 + 256 = 320, input freed → 256 | r: 256 + 256 = 512 (peak), c1 freed → 256 | c2: 384
    peak = peak_memory(run_spec(CHAIN))
    assert (peak.elements, peak.bytes, peak.layer, peak.held) == (512, 512 * 4, "r", ("c1", "r"))
    # in place, r overwrites c1: input: 64 | c1: 320, input freed → 256 | r: still 256 | c2: 256 + 128 = 384
    in_place = peak_memory(run_spec(CHAIN), in_place=True)
    assert (in_place.elements, in_place.layer, in_place.held) == (384, "c2", ("r", "c2"))


def test_two_branch_module(run_spec):
    # input 256, a 512, b 1024, cat 1536
    # input: 256 | a: 768 | b: 1792, input freed → 1536 | cat: 1536 + 1536 = 3072 (peak), a and b freed
    peak = peak_memory(run_spec(TWO_BRANCHES))
    assert (peak.elements, peak.layer, peak.held) == (3072, "cat", ("a", "b", "cat"))


def test_residual_block(run_spec):
    # every tensor 8·8·4 = 256. input: 256 | c1: 512 | c2: 768 (peak: the input waits for the add), c1 freed
    # → 512 | sum: 768, c2 and input freed → 256 | out: 512
    peak = peak_memory(run_spec(RESIDUAL))
    assert (peak.elements, peak.layer, peak.held) == (768, "c2", ("input", "c1", "c2"))
    # batch 2 in float16: 768 · 2 elements · 2 bytes
    batched = peak_memory(run_spec(RESIDUAL, batch=2, dtype="float16"))
    assert (batched.elements, batched.bytes) == (1536, 3072)


def test_in_place_needs_the_input_to_be_free(run_spec):
    # r reads c1, and so does the add: r cannot overwrite c1. input 64, c1 256, r 256, sum 256
    # input: 64 | c1: 320, input freed → 256 | r: 512 | sum: 768 (peak, in place or not)
    text = """
    input: [8, 8, 1]
    layers:
      - {kind: conv, name: c1, filters: 4, kernel: 3, padding: same}
      - {kind: relu, name: r}
      - {kind: add, name: sum, inputs: [r, c1]}
    """
    assert peak_memory(run_spec(text)).elements == peak_memory(run_spec(text), in_place=True).elements == 768


def run(*args: str):
    return CliRunner().invoke(app, list(args), env={"NO_COLOR": "1", "COLUMNS": ""})


def test_cli_totals_and_json(write_spec):
    path = str(write_spec(CHAIN))
    table = run("analyze", path)
    assert re.search(r"Peak memory +2,048 +2\.00 KiB  activations held at once: at r, holding c1, r\n", table.stdout)
    data = json.loads(run("analyze", path, "-f", "json").stdout)
    assert data["peak_memory"] == {"bytes": 2048, "elements": 512, "layer": "r", "held": ["c1", "r"], "in_place": False}
    assert list(data)[list(data).index("totals") + 1] == "peak_memory"
    in_place = json.loads(run("analyze", path, "--in-place", "-f", "json").stdout)["peak_memory"]
    assert (in_place["bytes"], in_place["in_place"]) == (384 * 4, True)
