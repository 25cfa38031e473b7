"""Shared fixtures: the reference figures, and a helper that writes a spec file and analyses it."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest

from costcalc.analysis import Analysis, analyze
from costcalc.graph import build_graph
from costcalc.sources import load_spec

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _fresh_expression_cache():
    """Under mutation testing (tests/mutation/run.sh) only: compiled expressions and resolved windows are cached, and a cache filled
    before a mutant was switched on would run the unmutated code; in normal runs the cache stays (it is fast)."""
    if os.environ.get("MUTANT_UNDER_TEST"):
        from costcalc import expressions, graph
        from costcalc.layers import windows

        for module in (expressions, windows):
            for value in vars(module).values():
                if hasattr(value, "cache_info"):  # an lru_cache'd function
                    value.cache_clear()
        graph._SHAPE_RECORDS.clear()  # the records expressions read input.width from, one per shape
    yield


@pytest.fixture(scope="session")
def reference() -> dict:
    """Independently measured figures (see the _copied_from key for where they come from)."""
    return json.loads((DATA / "reference_figures.json").read_text(encoding="utf-8"))


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write YAML text (dedented) to a file and return its path."""

    def write(text: str, name: str = "net.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_spec(write_spec):
    """Analyse YAML text; extra keyword arguments go to build_graph / analyze."""

    def run(text: str, overrides=None, input_shape=None, batch: int = 1, dtype: str = "float32") -> Analysis:
        path = write_spec(text)
        return analyze(build_graph(load_spec(str(path)), overrides, input_shape), batch, dtype)

    return run


def layer(analysis: Analysis, name: str):
    for item in analysis.layers:
        if item.name == name:
            return item
    raise KeyError(f"no layer {name!r}; layers: {[x.name for x in analysis.layers]}")
