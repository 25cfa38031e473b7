"""Hostile input against the outputs (issue 12 §1, §3, §4), through the installed command line:
output files never destroy anything; no spec text becomes markup or a control sequence in any
format; odd terminals, encodings, closed streams and closed pipes are not internal errors."""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

COSTCALC = [sys.executable, "-m", "costcalc"]
TINY = "input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: c, filters: 4, kernel: 3}\n  - {kind: relu}\n"
ROOT = os.geteuid() == 0


def costcalc(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("COLUMNS",)}
    base["NO_COLOR"] = "1"
    return subprocess.run([*COSTCALC, *args], capture_output=True, env={**base, **(env or {})}, check=False, **kw)


def spec(tmp_path: Path, text: str = TINY, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- §1 output files


@pytest.mark.skipif(not ROOT, reason="making device files needs root (CI runs as root)")
@pytest.mark.parametrize("device, minor", [("null", 3), ("zero", 5)])
def test_a_device_stays_a_device(tmp_path, device, minor):
    """A private copy of /dev/null: written to directly, never replaced by a regular file."""
    node = tmp_path / device
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    for args in (["analyze", "lenet5", "-f", "json"], ["graph", "lenet5"], ["analyze", "lenet5", "-f", "csv"]):
        result = costcalc(*args, "-o", str(node))
        assert result.returncode == 0, result.stderr
        assert stat.S_ISCHR(os.stat(node).st_mode), args


def test_dev_null_is_still_dev_null_afterwards():
    result = costcalc("analyze", "lenet5", "-f", "json", "-o", "/dev/null")
    assert result.returncode == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not ROOT, reason="making device files needs root")
def test_a_full_device_is_an_error_not_a_success(tmp_path):
    full = tmp_path / "full"
    os.mknod(full, stat.S_IFCHR | 0o666, os.makedev(1, 7))  # /dev/full: every write fails with ENOSPC
    result = costcalc("analyze", "lenet5", "-f", "json", "-o", str(full))
    assert result.returncode == 2 and b"No space left on device" in result.stderr
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_dev_full_itself():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    result = costcalc("analyze", "lenet5", "-o", "/dev/full")
    assert result.returncode == 2 and b"No space left on device" in result.stderr


def test_dev_stdout_and_dash_write_to_standard_output():
    for target in ("/dev/stdout", "-"):
        result = costcalc("analyze", "lenet5", "-f", "json", "-o", target)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["totals"]["macs"] == 416_520


def test_dev_stdout_into_a_file_keeps_the_file(tmp_path):
    out = tmp_path / "out.json"
    with out.open("wb") as stream:
        result = subprocess.run([*COSTCALC, "analyze", "lenet5", "-f", "json", "-o", "/dev/stdout"], stdout=stream)
    assert result.returncode == 0 and json.loads(out.read_text())["name"] == "lenet5"


def test_a_fifo_is_written_directly(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = costcalc("analyze", "lenet5", "-f", "csv", "-o", str(fifo))
    reader.join(timeout=30)
    assert result.returncode == 0 and stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and got[0].startswith(b"row,name,kind")


def test_a_symlink_is_followed_and_kept(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    assert costcalc("analyze", "lenet5", "-o", str(link)).returncode == 0
    assert link.is_symlink() and json.loads(target.read_text())["name"] == "lenet5"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "made.csv")
    assert costcalc("analyze", "lenet5", "-o", str(dangling)).returncode == 0
    assert dangling.is_symlink() and (tmp_path / "made.csv").read_text().startswith("row,")


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "{spec}", "-f", "json", "-o", "{spec}"],
        ["analyze", "{spec}", "-f", "table", "-o", "{link}"],
        ["analyze", "{spec}", "-f", "csv", "-o", "{hardlink}"],
        ["report", "{html}", "-o", "{html}"],
        ["compare", "lenet5", "{spec}", "-f", "json", "-o", "{spec}"],
        ["graph", "{spec}", "-f", "mermaid", "-o", "{spec}"],
        ["explain", "{txt}", "-o", "{txt}"],
        ["sweep", "{spec}", "-f", "csv", "-o", "{spec}"],
    ],
)
def test_a_report_is_never_written_over_its_own_input(tmp_path, args):
    """The same file, however it is named (a symlink, a hard link), and whatever the format: refused."""
    path = spec(tmp_path)
    spec(tmp_path, name="net.html")
    spec(tmp_path, name="net.txt")
    (tmp_path / "link.yaml").symlink_to(path)
    os.link(path, tmp_path / "hard.yaml")
    names = {
        "spec": str(path),
        "link": str(tmp_path / "link.yaml"),
        "hardlink": str(tmp_path / "hard.yaml"),
        "html": str(tmp_path / "net.html"),
        "txt": str(tmp_path / "net.txt"),
    }
    result = costcalc(*[a.format(**names) for a in args])
    assert result.returncode == 2, result.stderr
    assert b"it is the input" in result.stderr
    assert all(p.read_text() == TINY for p in tmp_path.glob("net.*"))


def test_torch_code_is_not_written_over_the_spec(tmp_path):
    pytest.importorskip("torch")
    path = spec(tmp_path, name="n.py")  # a spec that happens to end in .py
    result = costcalc("torch", str(path), "-o", str(path))
    assert result.returncode == 2 and path.read_text() == TINY


def test_the_longest_legal_file_name_works(tmp_path):
    name = "r" * 245 + ".json"  # 250 bytes: legal, but a temporary name with more characters is not
    result = costcalc("analyze", "lenet5", "-o", str(tmp_path / name))
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == [name]


# ---------------------------------------------------------------- §3 no spec text becomes markup


HOSTILE_NAME = (
    'x\n%%{init: {"securityLevel": "loose"}}%%\nclick n0 href "javascript:alert(1)"\n'
    "\x1b]0;pwned\x07\x1b[2J</svg><script>alert(1)</script><img src=x onerror=alert(2)>\r=SUM(1)\r@SUM(2)"
)
HOSTILE_LAYER = "</svg><script>alert(3)</script><img/src=x/onerror=alert(4)>"


def hostile_spec(tmp_path: Path) -> Path:
    return spec(
        tmp_path,
        "name: " + json.dumps(HOSTILE_NAME) + "\n"
        "description: " + json.dumps("d\x1b[31m<b>x</b>") + "\n"
        "input: [8, 8, 3]\nlayers:\n"
        f"  - {{kind: conv, name: {json.dumps(HOSTILE_LAYER)}, filters: 4, kernel: 3}}\n"
        "  - {kind: relu, name: '=HYPERLINK(\"http://x\")'}\n",
        "evil.yaml",
    )


def _no_raw(text: str, *patterns: str) -> None:
    for pattern in patterns:
        assert pattern not in text, (pattern, text[:400])


OUTPUTS = [
    (["analyze", "{spec}"], "terminal"),
    (["analyze", "{spec}", "--depth", "1", "--rf"], "terminal"),
    (["compare", "{spec}", "lenet5", "--layers"], "terminal"),
    (["explain", "{spec}"], "terminal"),
    (["sweep", "{spec}", "--batch", "1,2"], "terminal"),
    (["validate", "{spec}"], "terminal"),
    (["analyze", "{spec}", "-f", "markdown"], "markdown"),
    (["compare", "{spec}", "lenet5", "--layers", "-f", "markdown"], "markdown"),
    (["sweep", "{spec}", "--batch", "1,2", "-f", "markdown"], "markdown"),
    (["analyze", "{spec}", "-f", "html"], "html"),
    (["compare", "{spec}", "lenet5", "-f", "html"], "html"),
    (["report", "{spec}"], "html"),
    (["analyze", "{spec}", "-f", "latex"], "latex"),
    (["compare", "{spec}", "lenet5", "--layers", "-f", "latex"], "latex"),
    (["analyze", "{spec}", "-f", "csv"], "csv"),
    (["compare", "{spec}", "lenet5", "-f", "csv"], "csv"),
    (["sweep", "{spec}", "--batch", "1,2", "-f", "csv"], "csv"),
    (["analyze", "{spec}", "-f", "json"], "json"),
    (["compare", "{spec}", "lenet5", "--layers", "-f", "json"], "json"),
    (["graph", "{spec}"], "mermaid"),
    (["graph", "{spec}", "-f", "dot"], "dot"),
]


@pytest.mark.parametrize("args, kind", OUTPUTS, ids=lambda v: " ".join(v) if isinstance(v, list) else v)
def test_no_spec_text_becomes_markup_or_a_control_sequence(tmp_path, args, kind):
    path = hostile_spec(tmp_path)
    result = costcalc(*[a.format(spec=path) for a in args])
    assert result.returncode == 0, result.stderr.decode()
    text = result.stdout.decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text  # nothing a terminal would act on, in any format
    assert "\x1b" not in result.stderr.decode("utf-8")
    if kind in ("markdown", "latex", "html", "dot") or (kind == "terminal" and args[0] == "analyze"):
        assert "x1b" in text  # the spec's name is shown, its escape sequences written out
    if kind == "markdown":
        _no_raw(text, "<script", "<img", "</svg>", "<b>")
    if kind == "html":
        _no_raw(text, "<img", "<b>x</b>", "alert(1)</script>", "<script>alert")
        assert text.count("<script") == 1  # costcalc's own sort-and-fold script, nothing else
        assert text.count("</svg>") == text.count("<svg")  # no picture ended early by a name
    if kind == "mermaid":
        lines = text.splitlines()
        assert all(not line.lstrip().startswith(("%%{", "click")) for line in lines)
        _no_raw(text, "%%{init", "<script")  # the title comment is one line, entity-coded like every label
    if kind == "latex":  # every TeX special of the spec's text escaped: it cannot end a group or start a command
        assert "\\%\\%\\{init" in text and "\\textbackslash{}x1b" in text
    if kind == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        width = len(rows[0])
        assert all(len(row) == width for row in rows), "a CR or LF started a new row"
        for row in rows:
            for cell in row:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    if kind == "json":
        data = json.loads(text)
        names = json.dumps(data)
        assert HOSTILE_LAYER in names or json.dumps(HOSTILE_LAYER)[1:-1] in names  # kept exactly, as data


def test_a_control_sequence_in_an_unknown_kind_is_shown_not_sent(tmp_path):
    path = spec(tmp_path, 'input: [8, 8, 3]\nlayers:\n  - {kind: "\\e[2J\\e]0;x\\a"}\n')
    result = costcalc("analyze", str(path))
    assert result.returncode == 2
    err = result.stderr.decode()
    assert "\x1b" not in err and "\\x1b[2J" in err


def test_svg_and_png_diagrams_of_a_hostile_spec(tmp_path):
    import shutil

    if shutil.which("dot") is None:
        if os.environ.get("COSTCALC_REQUIRE_TOOLS"):
            pytest.fail("Graphviz is required here")
        pytest.skip("Graphviz (dot) is not installed")
    path = hostile_spec(tmp_path)
    result = costcalc("graph", str(path), "-f", "svg")
    assert result.returncode == 0
    _no_raw(result.stdout.decode(), "<script", "<img")  # the names are text in the picture, never tags


# ---------------------------------------------------------------- §4 odd streams are not bugs


@pytest.mark.parametrize(
    "env",
    [
        {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
        {"PYTHONIOENCODING": "ascii"},
        {"PYTHONIOENCODING": "latin-1"},
    ],
    ids=["C locale", "ascii", "latin-1"],
)
@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "resnet50"],
        ["analyze", "lenet5", "-f", "markdown"],
        ["analyze", "lenet5", "-f", "json"],
        ["compare", "inception_naive", "inception_bottleneck", "--layers"],
        ["explain", "inception_bottleneck"],
        ["sweep", "mobilenet_v1", "--set", "alpha=1,0.5"],
        ["specs"],
        ["kinds", "conv"],
        ["graph", "lenet5"],
        ["analyze", "nonexistent"],
    ],
)
def test_a_terminal_that_cannot_show_utf8_gets_ascii(env, args):
    result = costcalc(*args, env=env)
    assert result.returncode in (0, 2), result.stderr
    assert b"internal error" not in result.stderr and b"Traceback" not in result.stderr
    if env.get("PYTHONIOENCODING") != "latin-1":
        result.stdout.decode("ascii")  # nothing but ASCII reached the stream
        result.stderr.decode("ascii")
    if args[:2] == ["analyze", "resnet50"]:
        assert b"224x224x3" in result.stdout or b"224\xd7224" in result.stdout
    if "json" in args:
        assert json.loads(result.stdout)["totals"]["macs"] == 416_520


def test_a_file_name_that_is_not_utf8(tmp_path):
    raw = os.fsencode(tmp_path) + b"/n\xff.yaml"
    with open(raw, "w", encoding="utf-8") as stream:
        stream.write(TINY)
    shown = {"markdown": b"n\\\\xff", "latex": b"n\\textbackslash{}xff", "json": b"n\\\\xff"}
    for fmt in ("markdown", "html", "table", "json", "latex", "csv"):
        result = subprocess.run([*COSTCALC, "analyze", raw, "-f", fmt], capture_output=True, check=False)
        assert result.returncode == 0, (fmt, result.stderr)
        assert shown.get(fmt, b"n\\xff") in result.stdout, fmt
    bad = tmp_path / "bad.yaml"
    bad.write_text("input: [1]\nlayers: []\n")
    os.rename(bad, raw.replace(b"n\xff.yaml", b"b\xfe.yaml"))
    result = subprocess.run(
        [*COSTCALC, "analyze", raw.replace(b"n\xff.yaml", b"b\xfe.yaml")], capture_output=True, check=False
    )
    assert result.returncode == 2 and b"b\\xfe.yaml" in result.stderr


def _with_closed(fd: int, args: list[str], stdin: bytes | None = None) -> subprocess.CompletedProcess:
    code = f"import os, runpy, sys; os.close({fd}); sys.argv = {['costcalc', *args]!r}; runpy.run_module('costcalc', run_name='__main__')"
    return subprocess.run([sys.executable, "-c", code], capture_output=fd != 1 and fd != 2, check=False)


def test_closed_standard_streams():
    shell = ["sh", "-c"]
    base = " ".join(COSTCALC)
    closed_in = subprocess.run([*shell, f"{base} analyze - <&-"], capture_output=True, check=False)
    assert closed_in.returncode == 2 and b"standard input is closed" in closed_in.stderr
    closed_out = subprocess.run([*shell, f"{base} analyze lenet5 >&-"], capture_output=True, check=False)
    assert closed_out.returncode == 2 and b"standard output is closed" in closed_out.stderr
    for args in ("analyze lenet5 -f json", "analyze nonexistent", "analyze lenet5 --max-macs 1"):
        closed_err = subprocess.run([*shell, f"{base} {args} 2>&-"], capture_output=True, check=False)
        assert closed_err.returncode in (0, 1, 2), (args, closed_err.returncode)
    assert subprocess.run([*shell, f"{base} analyze nonexistent 2>&-"], check=False).returncode == 2
    assert subprocess.run([*shell, f"{base} analyze lenet5 --max-macs 1 2>&-"], capture_output=True).returncode == 1


@pytest.mark.parametrize(
    "args",
    [
        ["analyze", "resnet152", "-f", "json"],
        ["analyze", "resnet152"],
        ["graph", "resnet152"],
        ["explain", "resnet50"],
        ["compare", "resnet18", "resnet34", "--layers"],
        ["sweep", "lenet5", "--batch", "1..200"],
        ["specs"],
        ["--help"],
    ],
)
def test_a_closed_pipe_ends_quietly_as_a_unix_tool_does(args):
    """`costcalc … | head`: the reader has gone before costcalc writes; the process ends by SIGPIPE (status
    141 in a shell), with nothing on standard error — not 1, the status of a failed check."""
    read, write = os.pipe()
    os.close(read)
    result = subprocess.run([*COSTCALC, *args], stdout=write, stderr=subprocess.PIPE, check=False)
    os.close(write)
    assert result.returncode == -13, (result.returncode, result.stderr)
    assert result.stderr == b""


# ---------------------------------------------------------------- §5 a report of a huge graph


def test_the_report_of_a_3000_layer_dag_leaves_the_diagram_out_and_keeps_the_rest(tmp_path):
    import shutil

    if shutil.which("dot") is None:
        if os.environ.get("COSTCALC_REQUIRE_TOOLS"):
            pytest.fail("Graphviz is required here")
        pytest.skip("Graphviz (dot) is not installed")
    lines = ["input: [8, 8, 4]", "layers:"]
    for i in range(1000):  # 3,000 layers, each module two branches and a merge: no block to fold
        src = "input" if i == 0 else f"m{i - 1}"
        lines += [
            f"  - {{kind: conv, name: a{i}, input: {src}, filters: 4, kernel: 1}}",
            f"  - {{kind: relu, name: b{i}, input: {src}}}",
            f"  - {{kind: add, name: m{i}, inputs: [a{i}, b{i}]}}",
        ]
    path = spec(tmp_path, "\n".join(lines) + "\n", "big.yaml")
    out = tmp_path / "big.html"
    result = costcalc("report", str(path), "-o", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "the diagram is left out" in page and "3,001 boxes" in page  # the layers and the input
    assert f"{1000 * 8 * 8 * 4 * 4:,}" in page  # the MACs total: 1,000 convs of 8·8·4 outputs × 4 inputs each
    assert page.count("<tr") > 3000  # and every layer's row


# ---------------------------------------------------------------- §8 dead layers


DEAD = (
    "input: [8, 8, 3]\nlayers:\n"
    "  - {kind: conv, name: a, filters: 4, kernel: 3}\n"
    "  - {kind: conv, name: forgotten, input: input, filters: 4, kernel: 3}\n"
    "  - {kind: relu, name: out, input: a}\n"
)


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table", "html", "latex"])
def test_a_dead_layer_is_counted_and_said_everywhere(tmp_path, fmt):
    path = spec(tmp_path, DEAD)
    result = costcalc("analyze", str(path), "-f", fmt)
    assert result.returncode == 0
    assert b"warning: layer 'forgotten' is counted but its output reaches no network output" in result.stderr
    text = result.stdout.decode()
    assert "forgotten" in text and "reaches no network output" in text
    if fmt == "json":
        data = json.loads(text)
        assert data["warnings"] == [
            {
                "code": "dead_layer",
                "message": "layer 'forgotten' is counted but its output reaches no network output",
                "layer": "forgotten",
            }
        ]
        assert data["totals"]["params"] == 2 * (3 * 3 * 3 * 4 + 4)  # still counted


def test_strict_makes_a_warning_an_error(tmp_path):
    path = spec(tmp_path, DEAD)
    for command in ("analyze", "validate"):
        result = costcalc(command, str(path), "--strict")
        assert result.returncode == 2 and b"--strict" in result.stderr and b"forgotten" in result.stderr
        assert result.stdout == b""
    assert costcalc("validate", str(path)).returncode == 0
    assert costcalc("analyze", "resnet50", "--strict", "-f", "json").returncode == 0  # no warning, no error
