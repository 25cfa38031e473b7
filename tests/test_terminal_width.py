"""What a user sees in a real terminal: every command, every bundled spec, at 60, 80, 100 and 120 columns,
written to a real pseudo-terminal of that size (the command runs in-process, its standard output is
the terminal's slave side; a thread reads the master side as a terminal emulator would).

No line may be wider than the terminal; no layer name may be cut from the left (a name too long is
shortened in the middle, keeping its start); at 80 columns the analyze table keeps Layer, Kind,
Output, Params and MACs.
"""

from __future__ import annotations

import fcntl
import io
import os
import re
import struct
import subprocess
import sys
import termios
import threading

import pytest

from costcalc.cli import app
from costcalc.sources import bundled_names

WIDTHS = (60, 80, 100, 120)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def in_terminal(args: list[str], width: int) -> tuple[int, str]:
    """Run ``costcalc args`` with standard output on a pseudo-terminal ``width`` columns wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, width, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    stream = io.TextIOWrapper(io.FileIO(slave, "w", closefd=False), encoding="utf-8", write_through=True)
    saved, saved_env = sys.stdout, {k: os.environ.pop(k) for k in ("COLUMNS", "LINES") if k in os.environ}
    sys.stdout = stream
    try:
        code = app(args, standalone_mode=False)
    finally:
        sys.stdout = saved
        os.environ.update(saved_env)
        stream.flush()
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    text = ANSI.sub("", b"".join(chunks).decode("utf-8", "replace")).replace("\r", "")
    return code, text


def widest(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.splitlines()), default=0)


def table_names(text: str) -> list[str]:
    """The first column of the layer table: the lines between the rule and the blank line before Total."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("───")) + 1
    names = []
    for line in lines[start:]:
        if not line.strip():
            break
        names.append(line[1:].split("  ")[0].strip())
    return names


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", bundled_names())
def test_analyze_fits_every_width_and_never_cuts_a_name_from_the_left(name, width):
    code, text = in_terminal(["analyze", name], width)
    assert code == 0, text
    assert widest(text) <= width, (name, width, text)
    for shown in table_names(text):
        assert not shown.startswith("…"), shown
    header = next(line for line in text.splitlines() if line.startswith(" Layer"))
    if width >= 80:
        for column in ("Layer", "Kind", "Output", "Params", "MACs"):
            assert column in header.split(), (name, header)
    if width < 120 and "Activations" not in header:
        assert "hidden to fit the width: " in text and "Activations" in text  # said, not silently dropped


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(
    "args",
    [
        ["compare", "inception_naive", "inception_bottleneck"],
        ["compare", "resnet18", "resnet34", "--layers"],
        ["compare", "mobilenet_v1", "mobilenet_v1", "--set", "2:alpha=0.5", "--layers", "--depth", "1"],
        ["compare", "resnet18", "resnet34", "resnet50"],
        ["sweep", "mobilenet_v1", "--set", "alpha=1,0.75,0.5,0.25", "--set", "resolution=224,128", "--exact"],
        ["explain", "inception_bottleneck"],
        ["explain", "googlenet"],
        ["specs"],
        ["kinds"],
        ["kinds", "conv"],
        ["analyze", "vgg16", "--chart"],
        ["analyze", "lenet5", "--rf", "--training", "adam", "--batch", "64"],
        ["analyze", "resnet50", "--by", "kind"],
        ["analyze", "googlenet", "--depth", "2", "--exact"],
        ["analyze", "mobilenet_v2", "--device", "jetson-orin-nano", "--dtype", "int8"],
        ["compare", "resnet50", "mobilenet_v2", "--device", "h100", "--layers", "--depth", "1"],
        ["explain", "mobilenet_v2", "--layer", "stage2.0.depthwise", "--device", "raspberry-pi-5"],
        ["devices"],
    ],
    ids=lambda a: " ".join(a),
)
def test_every_command_fits(args, width):
    code, text = in_terminal(args, width)
    assert code == 0, text
    assert widest(text) <= width, (args, width, text)


@pytest.mark.parametrize("name", bundled_names())
def test_every_spec_compared_and_explained_fits_80_columns(name):
    for args in (["compare", name, "resnet18", "--layers"], ["explain", name]):
        code, text = in_terminal(args, 80)
        assert code == 0, text
        assert widest(text) <= 80, (args, text)


def test_long_names_are_shortened_in_the_middle(tmp_path):
    spec = tmp_path / "long.yaml"
    name = "a_very_long_layer_name_that_says_where_it_sits_in_the_network_and_then_some_more"
    spec.write_text(f"input: [8, 8, 3]\nlayers:\n  - {{kind: conv, name: {name}, filters: 4, kernel: 3}}\n")
    code, text = in_terminal(["analyze", str(spec)], 60)
    assert code == 0 and widest(text) <= 60
    row = next(line for line in text.splitlines() if line.startswith(" a_very"))
    shown = row[1:].split("  ")[0]
    assert "…" in shown and shown.startswith("a_very_long") and shown.endswith("some_more")


def test_a_pipe_gets_the_full_width_and_no_colour():
    result = subprocess.run(
        [sys.executable, "-m", "costcalc", "analyze", "resnet50"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k not in ("COLUMNS", "NO_COLOR")},
        check=True,
    )
    assert "\x1b[" not in result.stdout
    header = next(line for line in result.stdout.splitlines() if line.startswith(" Layer"))
    assert "Activations" in header and "hidden to fit" not in result.stdout
    assert widest(result.stdout) > 120  # the notes are not wrapped either: scripts get whole lines


def test_columns_chooses_and_keeps_what_it_chose():
    code, text = in_terminal(["analyze", "resnet50", "--columns", "name,macs,activations,flops"], 60)
    assert code == 0
    header = next(line for line in text.splitlines() if line.startswith(" Layer")).split()
    assert header == ["Layer", "MACs", "Activations", "FLOPs"]
    bad = in_terminal(["analyze", "resnet50", "--columns", "name,nonsense"], 80)
    assert bad[0] == 2


@pytest.mark.parametrize("width", [60, 80, 160])
def test_specs_never_shortens_a_name_a_user_types(width):
    """The names are what one types: every bundled name appears whole, at any width; the description
    moves under its row where it cannot have a readable column beside the numbers."""
    code, text = in_terminal(["specs"], width)
    assert code == 0, text
    assert widest(text) <= width
    listed = {line.split()[0] for line in text.splitlines() if line.startswith(" ") and line.split()}
    assert set(bundled_names()) <= listed, sorted(set(bundled_names()) - listed)
    assert "…" not in text
