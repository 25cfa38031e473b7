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


def test_every_output_shown_in_readme_is_real():
    """Each ```console block of one command and its output is what costcalc prints at 80 columns."""
    import sys

    sys.path.insert(0, str(ROOT / "tests"))
    from readme_outputs import real_output, shown_outputs

    shown = shown_outputs(README)
    commands = [command for command, _, _ in shown]
    for wanted in ("costcalc analyze resnet50 --depth 1", "costcalc compare inception_naive inception_bottleneck"):
        assert wanted in commands
    for command, body, _ in shown:
        if command.startswith("costcalc verify"):
            try:
                import torch  # noqa: F401
            except ImportError:
                continue
        assert body == real_output(command), command
        assert all(len(line) <= 80 for line in body.splitlines()), command


def test_the_csv_example_in_readme_is_real():
    block = re.search(r"\$ cat lenet5.csv\n(.*?)```", README, re.S).group(1)
    result = CliRunner().invoke(app, ["analyze", "lenet5", "-f", "csv"])
    assert result.stdout == block


def test_the_python_example_in_readme_runs():
    code = re.search(r"## Python\n.*?```python\n(.*?)```", README, re.S).group(1)
    lines = [line for line in code.splitlines() if not line.startswith("report  ")]
    try:
        import pandas  # noqa: F401
    except ImportError:  # an optional extra: its line is checked where pandas is installed (CI)
        lines = [line for line in lines if "to_dataframe" not in line]
    namespace: dict = {}
    for line in lines:
        statement, _, comment = line.partition("  # ")
        if not statement.strip():
            continue
        if statement.startswith(("import", "report =")):
            exec(statement, namespace)  # noqa: S102
            continue
        value = eval(statement, namespace)  # noqa: S307
        number = re.match(r"([\d,]+):", comment.strip())
        if number:
            assert value == int(number.group(1).replace(",", "")), statement
