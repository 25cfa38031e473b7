"""Diagrams (Mermaid, DOT, SVG, PNG), charts, and the HTML report rendered in a real browser.

Graphviz, matplotlib and Chromium are optional here: their tests skip with the reason when absent.
CI installs them and sets COSTCALC_REQUIRE_TOOLS=1, which turns those skips into failures.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.api import analyze_spec
from costcalc.cli import app
from costcalc.render.diagram import build_diagram, to_dot, to_mermaid

RUNNER = CliRunner()
REQUIRED = bool(os.environ.get("COSTCALC_REQUIRE_TOOLS"))


def need(available: bool, what: str) -> None:
    if not available:
        if REQUIRED:
            pytest.fail(f"{what} is required in CI (COSTCALC_REQUIRE_TOOLS=1) but missing")
        pytest.skip(f"{what} is not installed")


def has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


EVIL = (
    'input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: "a\\"b<c>&#1;[x]", filters: 4, kernel: 3, padding: same}\n'
    '  - {kind: relu, name: "end]-->|x|y"}\n'
)


# ---------------------------------------------------------------- Mermaid and DOT


def test_mermaid_structure():
    text = to_mermaid(build_diagram(analyze_spec("googlenet")))
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    assert sum(1 for line in lines if line.strip().startswith("subgraph ")) == 9  # one per Inception module
    assert sum(1 for line in lines if line.strip() == "end") == 9
    nodes = set(re.findall(r"^\s*(n\d+)\[\"", text, re.M))
    assert len(nodes) == 83  # the input and 82 layers
    for source, target in re.findall(r"^\s*(n\d+) -->\|\"[^\"]*\"\| (n\d+)$", text, re.M):
        assert source in nodes and target in nodes
    assert 'n1 -->|"112×112×64"| n2' in text  # edges carry the tensor
    assert '-->|"28×28×256"|' in text


def test_labels_with_quotes_and_brackets_stay_inside_their_quotes(tmp_path):
    spec = tmp_path / "evil.yaml"
    spec.write_text(EVIL)
    mermaid = RUNNER.invoke(app, ["graph", str(spec)]).stdout
    for line in mermaid.splitlines():
        if '["' in line:
            label = line.split('["', 1)[1].rsplit('"]', 1)[0]
            assert '"' not in label and "<c>" not in label
    dot = RUNNER.invoke(app, ["graph", str(spec), "-f", "dot"]).stdout
    assert 'a\\"b<c>' in dot


def test_depth_folds_blocks_into_boxes():
    folded = build_diagram(analyze_spec("resnet50"), 1)
    assert [b.name for b in folded.boxes] == [
        "input",
        "conv1",
        "maxpool",
        "layer1",
        "layer2",
        "layer3",
        "layer4",
        "avgpool",
        "fc",
    ]
    assert ("layer1", "layer2") in {(folded.boxes[a].name, folded.boxes[b].name) for a, b, _ in folded.edges}
    two = build_diagram(analyze_spec("resnet50"), 2)
    assert set(two.clusters) == {"layer1", "layer2", "layer3", "layer4"}
    assert len(two.clusters["layer3"].nodes) == 6


@pytest.mark.parametrize("name", ["googlenet", "resnet50", "mobilenet_v2"])
def test_dot_parses_with_graphviz(name, tmp_path):
    need(shutil.which("dot") is not None, "Graphviz (dot)")
    dot = to_dot(build_diagram(analyze_spec(name)))
    result = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    assert b"<svg" in result.stdout


def test_svg_and_png_files(tmp_path):
    need(shutil.which("dot") is not None, "Graphviz (dot)")
    svg, png = tmp_path / "g.svg", tmp_path / "g.png"
    assert RUNNER.invoke(app, ["graph", "inception_module", "-o", str(svg)]).exit_code == 0
    assert RUNNER.invoke(app, ["graph", "inception_module", "-o", str(png)]).exit_code == 0
    assert "<svg" in svg.read_text() and "branch3x3_reduce" in svg.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_graphviz_svg_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = RUNNER.invoke(app, ["graph", "lenet5", "-o", str(tmp_path / "g.svg")])
    assert result.exit_code == 2 and "apt-get install graphviz" in result.stderr
    assert RUNNER.invoke(app, ["graph", "lenet5", "-f", "dot"]).exit_code == 0  # text needs nothing


# ---------------------------------------------------------------- charts


def test_terminal_chart_shows_vgg16_fc6_params_and_conv_macs():
    analysis = analyze_spec("vgg16")
    fc6 = 25088 * 4096 + 4096  # 7·7·512 inputs × 4096 outputs, plus bias
    assert round(100 * fc6 / 138_357_544, 1) == 74.3
    fc_macs = 25088 * 4096 + 4096 * 4096 + 4096 * 1000
    conv_macs = sum(x.macs for x in analysis.layers if x.kind == "conv")
    assert conv_macs == 15_470_264_320 - fc_macs and conv_macs / 15_470_264_320 > 0.99
    result = RUNNER.invoke(app, ["analyze", "vgg16", "--chart"], env={"COLUMNS": ""})
    line = next(x for x in result.stdout.splitlines() if x.startswith(" fc6 "))
    assert "74.27%" in line and "█" * 11 in line  # 74.27% of a 16-cell bar: 11 full cells and a part


def test_plot_files(tmp_path):
    need(has_matplotlib(), "matplotlib")
    for args, name in ((["vgg16"], "vgg16.svg"), (["resnet18", "resnet34"], "r.png")):
        path = tmp_path / name
        result = RUNNER.invoke(app, ["plot", *args, "-o", str(path)])
        assert result.exit_code == 0, result.output
        data = path.read_bytes()
        assert data.startswith(b"\x89PNG") if name.endswith(".png") else b"<svg" in data
    sweep = tmp_path / "sweep.svg"
    result = RUNNER.invoke(app, ["sweep", "mobilenet_v1", "--set", "alpha=1,0.5", "--plot", str(sweep)])
    assert result.exit_code == 0 and "alpha" in sweep.read_text()


def test_charts_are_reproducible(tmp_path):
    need(has_matplotlib(), "matplotlib")
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    RUNNER.invoke(app, ["plot", "lenet5", "-o", str(first)])
    RUNNER.invoke(app, ["plot", "lenet5", "-o", str(second)])
    assert first.read_bytes() == second.read_bytes()


def test_without_matplotlib_plot_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    result = RUNNER.invoke(app, ["plot", "lenet5", "-o", str(tmp_path / "c.svg")])
    assert result.exit_code == 2 and "pip install 'costcalc[plot]'" in result.stderr


# ---------------------------------------------------------------- HTML report


def test_report_is_self_contained_and_escaped(tmp_path):
    spec = tmp_path / "evil.yaml"
    spec.write_text(EVIL)
    path = tmp_path / "r.html"
    assert RUNNER.invoke(app, ["report", str(spec), "lenet5", "-o", str(path)]).exit_code == 0
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched from anywhere
    assert "<script src" not in page and "<link" not in page
    assert "a&quot;b&lt;c&gt;&amp;#1;[x]" in page and "<c>" not in page
    assert "FlopCounterMode" in page and "Comparison" in page


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and raw RGB(A) rows of an 8-bit PNG (what Chromium writes), with the standard library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, rows


def chromium(*args: str, user_dir: Path) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={user_dir}",
        "--hide-scrollbars",
    ]
    return subprocess.run(
        [shutil.which("chromium") or "chromium", *flags, *args], capture_output=True, timeout=180, check=False
    )


def test_report_renders_in_a_browser(tmp_path):
    need(shutil.which("chromium") is not None, "Chromium")
    need(shutil.which("dot") is not None, "Graphviz (dot)")
    need(has_matplotlib(), "matplotlib")
    page = tmp_path / "report.html"
    assert RUNNER.invoke(app, ["report", "inception_module", "-o", str(page)]).exit_code == 0
    # the DOM after the page's script ran: the table is there, with its rows, and sorted on request
    dom = chromium("--dump-dom", f"file://{page}?sort=macs", user_dir=tmp_path / "profile").stdout.decode()
    assert 'data-ready="yes"' in dom
    assert 'data-rows="9"' in dom  # the input and the module's 8 layers
    assert dom.count("<svg") >= 2  # the chart and the diagram, inline
    rows = re.findall(r"<tr data-block=\"[^\"]*\"><td>(?:&nbsp;)*([^<]+)</td>", dom)
    assert rows[0] == "branch3x3"  # sorted by MACs, heaviest first: 28·28·128 × 3·3·96 = 86,704,128
    # the screenshot: a page that shows the orange bars of the chart, not a blank one
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,1800", f"file://{page}", user_dir=tmp_path / "profile")
    width, height, pixels = png_pixels(shot.read_bytes())
    channels = len(pixels[0]) // width
    orange = sum(
        1
        for row in pixels
        for i in range(0, len(row), channels)
        if row[i] > 200 and 90 < row[i + 1] < 150 and row[i + 2] < 60
    )  # #e07b10, the MACs bars
    dark = sum(1 for row in pixels[::4] for i in range(0, len(row), channels * 4) if row[i] < 80)  # text
    assert orange > 2000, orange
    assert dark > 500, dark


def test_dot_and_mermaid_escape_what_their_renderers_would_read():
    analysis = analyze_spec("lenet5")
    diagram = build_diagram(analysis)
    from dataclasses import replace

    diagram.boxes[1] = replace(diagram.boxes[1], name='x&amp;y "#1" \\n')
    dot = to_dot(diagram)
    assert 'x&amp;amp;y \\"#1\\" \\\\n' in dot  # Graphviz would turn &amp; into &
    mermaid = to_mermaid(diagram)
    assert "x#38;amp#59;y #34;#35;1#34; #92;#8203;n" in mermaid  # Mermaid reads #…; codes, and \n as a break


def test_math_like_names_are_text_in_charts(tmp_path):
    need(has_matplotlib(), "matplotlib")
    spec = tmp_path / "math.yaml"
    spec.write_text('input: [8, 8, 3]\nlayers:\n  - {kind: conv, name: "$\\\\frac$", filters: 4, kernel: 3}\n')
    result = RUNNER.invoke(app, ["plot", str(spec), "-o", str(tmp_path / "m.svg")])
    assert result.exit_code == 0, result.output
    assert "$\\frac$" in (tmp_path / "m.svg").read_text()
