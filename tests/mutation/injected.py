"""Inject each of issue 12 §8's bugs into a copy of the tree and run the tests that need no PyTorch (each must fail).

MUTATION_PYTHON=.venv-mutation/bin/python python tests/mutation/injected.py
"""

import os
import shutil
import subprocess
import sys
import tempfile

repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MUTANTS = [
    (
        "separable conv ignores its depth multiplier",
        "costcalc/layers/conv.py",
        'middle = inputs[0][2] if p["multiplier"] == 1 else inputs[0][2] * p["multiplier"]',
        "middle = inputs[0][2]",
    ),
    (
        "transposed conv ignores dilation",
        "costcalc/layers/conv.py",
        '(h, w), g.stride, g.dilation, p["output_padding"], (top + bottom, left + right), g.spans',
        '(h, w), g.stride, g.dilation, p["output_padding"], (top + bottom, left + right), g.kernel',
    ),
    (
        "'same' puts the odd pixel top-left",
        "costcalc/layers/windows.py",
        "return total // 2, total - total // 2",
        "return total - total // 2, total // 2",
    ),
    (
        "ceil-mode off-by-one (>)",
        "costcalc/layers/windows.py",
        "if (out - 1) * stride >= size + before:",
        "if (out - 1) * stride > size + before:",
    ),
    (
        "ceil-mode off-by-one (no drop)",
        "costcalc/layers/windows.py",
        "if (out - 1) * stride >= size + before:",
        "if False:",
    ),
    (
        "max pool ignores dilation",
        "costcalc/layers/pooling.py",
        '    def dilation(self, p: Params) -> tuple[int, int]:\n        return p["dilation"]',
        "    def dilation(self, p: Params) -> tuple[int, int]:\n        return (1, 1)",
    ),
    (
        "make_divisible boundary (<=)",
        "costcalc/expressions.py",
        "if new_value < 0.9 * value:",
        "if new_value <= 0.9 * value:",
    ),
    (
        "chained comparisons: first only",
        "costcalc/expressions.py",
        "            if not op(left, right):\n                return False\n            left = right",
        "            return op(left, right)",
    ),
    (
        "first: overridden by the entry's values",
        "costcalc/graph.py",
        "return {**entry.params, **entry.first}, True",
        "return {**entry.first, **entry.params}, True",
    ),
    (
        "liveness double free",
        "costcalc/memory.py",
        "for j in {index[name] for name in names}:",
        "for j in [index[name] for name in names]:",
    ),
    (
        "receptive-field union of jumps (min)",
        "costcalc/receptive_field.py",
        "(max(f.jump[0] for f in fields), max(f.jump[1] for f in fields)),",
        "(min(f.jump[0] for f in fields), min(f.jump[1] for f in fields)),",
    ),
    ("K = 1024 in budgets", "costcalc/budget.py", '"K": 10**3', '"K": 2**10'),
    (
        "height/width swapped in the window rule",
        "costcalc/layers/windows.py",
        "return (span(self.kernel[0], self.dilation[0]), span(self.kernel[1], self.dilation[1]))",
        "return (span(self.kernel[1], self.dilation[1]), span(self.kernel[0], self.dilation[0]))",
    ),
]
TESTS = ["tests/test_rule_boundaries.py", "tests/test_param_converters.py", "tests/test_settings_parsing.py"]
py = os.environ.get("MUTATION_PYTHON", sys.executable)  # run it with a Python that has no torch
survivors = 0
for title, path, old, new in MUTANTS:
    with tempfile.TemporaryDirectory() as tmp:
        for item in ("costcalc", "tests", "specs", "README.md", "pyproject.toml", "docs"):
            src = os.path.join(repo, item)
            (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(tmp, item))
        file = os.path.join(tmp, path)
        text = open(file).read()
        assert text.count(old) == 1, (title, text.count(old))
        open(file, "w").write(text.replace(old, new))
        env = dict(os.environ, PYTHONPATH=tmp)
        r = subprocess.run(
            [py, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
        )
        failed = [line for line in r.stdout.splitlines() if line.startswith("FAILED")]
        survivors += r.returncode == 0
        print(f"{'KILLED ' if r.returncode else 'SURVIVED'} {title}: {failed[0][7:90] if failed else ''}", flush=True)
sys.exit(1 if survivors else 0)
