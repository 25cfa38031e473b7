"""The documentation stays true: conventions quoted verbatim, every kind documented, real outputs."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from costcalc.cli import app
from costcalc.conventions import CONVENTION
from costcalc.layers import KINDS
from costcalc.sources import bundled_names

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SPEC_README = (ROOT / "specs" / "README.md").read_text(encoding="utf-8")


def test_readme_quotes_the_convention_verbatim():
    for key, text in CONVENTION.items():
        assert f"- **{key.replace('_', ' ')}**: {text}." in README


def test_readme_starts_with_the_two_newcomer_commands():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    assert blocks[0] == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/costcalc analyze resnet50"
    assert blocks[1].startswith("python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && ")
    assert README.index("<!-- test-command -->") < README.index(blocks[1])
    assert ".venv/bin/python -m pytest" in blocks[1]


def test_every_layer_kind_is_documented():
    for name, kind in KINDS.items():
        if not kind.internal:
            assert f"| `{name}` |" in SPEC_README, name


def test_every_bundled_spec_is_listed_in_readme():
    for name in bundled_names():
        assert f"`{name}`" in README, name


def test_the_tour_output_in_readme_is_real():
    block = re.search(r"```console\n\$ costcalc analyze resnet50 --depth 1\n(.*?)```", README, re.S).group(1)
    result = CliRunner().invoke(app, ["analyze", "resnet50", "--depth", "1"], env={"COLUMNS": "100", "NO_COLOR": "1"})
    actual = "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"
    assert actual == block


def test_the_compare_output_in_readme_is_real():
    block = re.search(
        r"```console\n\$ costcalc compare inception_naive inception_bottleneck\n(.*?)```", README, re.S
    ).group(1)
    result = CliRunner().invoke(
        app, ["compare", "inception_naive", "inception_bottleneck"], env={"COLUMNS": "120", "NO_COLOR": "1"}
    )
    actual = "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"
    assert actual == block


def test_the_csv_example_in_readme_is_real():
    block = re.search(r"\$ cat lenet5.csv\n(.*?)```", README, re.S).group(1)
    result = CliRunner().invoke(app, ["analyze", "lenet5", "-f", "csv"])
    assert result.stdout == block


def _console_block(command: str) -> str:
    return re.search(r"```console\n\$ " + re.escape(command) + r"\n(.*?)```", README, re.S).group(1)


def _run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1"})
    return "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n"


def test_the_explain_and_sweep_outputs_in_readme_are_real():
    assert _console_block("costcalc explain inception_bottleneck") == _run("explain", "inception_bottleneck")
    command = "costcalc sweep mobilenet_v1 --set alpha=1,0.75,0.5,0.25 --exact"
    assert _console_block(command) == _run(*command.split()[1:])


def test_the_rf_memory_training_output_in_readme_is_real():
    command = "costcalc analyze lenet5 --rf --training adam --batch 64"
    block = re.search(r"```console\n\$ " + re.escape(command) + r"\n(.*?)```", README, re.S).group(1)
    result = CliRunner().invoke(app, command.split()[1:], env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    assert "\n".join(line.rstrip() for line in result.stdout.splitlines()) + "\n" == block
