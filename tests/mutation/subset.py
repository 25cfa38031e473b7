"""A faster pass for mutants a mutmut run has not reached: each against a subset of the torch-free tests.

    cp -r $MUTATION_DIR/tree/mutants CHECK && rm -rf CHECK/tests && cp -r tests CHECK/tests
    python tests/mutation/subset.py NAMES_FILE forward &  python tests/mutation/subset.py NAMES_FILE backward &

mutmut's own switch (MUTANT_UNDER_TEST=NAME) turns each mutant on in a copy of its mutants/ tree (CHECK,
$MUTATION_CHECK, default /tmp/mcheck), and pytest -x runs the rule and language tests, the mutated module's
own first. A failing test kills the mutant as in mutmut (a torch-free test failed); a mutant that passes the
subset is not a survivor yet: it needs the whole suite (run.sh). Two workers share the list from both ends.
Results, one JSON line per mutant, go to $MUTATION_SUBSET_OUT (default subset.jsonl in CHECK). Before
trusting a kill, run the subset once with MUTANT_UNDER_TEST=none: every test must pass on the unmutated tree
(tests that need a newer tree than the mutants' are left out with -k)."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

TREE = Path(os.environ.get("MUTATION_DIR", "/tmp/costcalc-mutation")) / "tree" / "mutants"
CHECK = Path(os.environ.get("MUTATION_CHECK", "/tmp/mcheck"))
PY = os.environ.get("MUTATION_VENV", str(TREE.parent.parent / "venv")) + "/bin/python"
TESTS = [
    "tests/test_spec_errors.py",
    "tests/test_language_bounds.py",
    "tests/test_expressions.py",
    "tests/test_spec_language.py",
    "tests/test_language_features.py",
    "tests/test_shape_rules.py",
    "tests/test_rule_boundaries.py",
    "tests/test_kind_geometry.py",
    "tests/test_receptive_field.py",
    "tests/test_memory.py",
    "tests/test_new_kinds.py",
]
DESELECT = os.environ.get(
    "MUTATION_SUBSET_DESELECT", "not stored and not flat_input and not every_kind_is_in_a_verified_spec"
)
out = Path(os.environ.get("MUTATION_SUBSET_OUT", str(CHECK / "subset.jsonl")))
done = {json.loads(line)["name"] for line in out.read_text().splitlines()} if out.exists() else set()


def mutmut_code(name):
    import re

    module = re.match(r"^(.*?)\.x[_ǁ]", name).group(1)
    file = TREE / (module.replace(".", "/") + ".py.meta")
    try:
        return json.loads(file.read_text())["exit_code_by_key"].get(name)
    except Exception:
        return None


names = [line.strip() for line in open(sys.argv[1]) if line.strip()]
if sys.argv[2:] == ["backward"]:
    names = names[::-1]
for name in names:
    done = {json.loads(line)["name"] for line in out.read_text().splitlines()} if out.exists() else set()
    claimed = out.parent / "claimed" / name
    if name in done or mutmut_code(name) is not None or claimed.exists():
        continue
    claimed.parent.mkdir(parents=True, exist_ok=True)
    claimed.touch()
    start = time.time()
    env = dict(os.environ, MUTANT_UNDER_TEST=name)
    try:
        first = {
            "costcalc.expressions": ["tests/test_expressions.py", "tests/test_language_bounds.py"],
            "costcalc.graph": ["tests/test_spec_errors.py", "tests/test_spec_language.py"],
        }.get(
            name.split(".x")[0] if name.startswith("costcalc.graph") else ".".join(name.split(".")[:2]),
            ["tests/test_kind_geometry.py", "tests/test_shape_rules.py", "tests/test_rule_boundaries.py"],
        )
        order = first + [t for t in TESTS if t not in first]
        r = subprocess.run(
            [PY, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *order, "-k", DESELECT],
            cwd=CHECK,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        code = r.returncode
        tail = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    except subprocess.TimeoutExpired:
        code, tail = "timeout", ""
    with out.open("a") as f:
        f.write(json.dumps({"name": name, "code": code, "seconds": round(time.time() - start, 1), "tail": tail}) + "\n")
