#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the counting rules and the language core, measured with the tests that run
# WITHOUT PyTorch (the torch tier is extra). Not part of CI: the full run (7,307 mutants) takes hours on 2
# cores, the 15% sample about an hour and a half (mutants of graph.py are slow: most tests reach it).
#
#   bash tests/mutation/run.sh                        # every file in [tool.mutmut] of pyproject.toml
#   bash tests/mutation/run.sh 'costcalc.budget*'     # only the mutants whose names match (one file)
#   bash tests/mutation/run.sh $(python tests/mutation/sample.py OLD_TREE 0.15)   # a 15% sample of each file
#       (OLD_TREE: the tree of an earlier run, whose mutants/ lists every mutant; see sample.py)
#
# It measures the committed tree (git archive HEAD) in a copy ($MUTATION_DIR, default /tmp/costcalc-mutation),
# with its own venv that has no torch ($MUTATION_VENV), the fuzz tests at 30 examples ($MUTATION_FUZZ_EXAMPLES), and prints the score per file (tests/mutation/score.py);
# tests/mutation/equivalent.md lists the survivors that no test can kill, with the reason for each.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=${MUTATION_DIR:-/tmp/costcalc-mutation}
venv=${MUTATION_VENV:-$work/venv}
mkdir -p "$work"
if [ ! -x "$venv/bin/mutmut" ]; then
    python3 -m venv "$venv"
    # costcalc's own dependencies and test tools; no torch, and costcalc itself is imported from mutants/
    "$venv/bin/pip" install --quiet 'mutmut==3.8.1' 'pytest>=8' 'hypothesis>=6' 'pyyaml>=6' 'typer>=0.26,<0.29' 'rich>=13'
fi
if [ -z "${MUTATION_KEEP:-}" ]; then  # MUTATION_KEEP=1 continues the last run (mutmut keeps its results)
    rm -rf "$work/tree"
    mkdir -p "$work/tree"
    git -C "$repo" archive HEAD | tar -x -C "$work/tree"
fi
cd "$work/tree"
COSTCALC_FUZZ_EXAMPLES=${MUTATION_FUZZ_EXAMPLES:-30} "$venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" "$@" > "$work/mutmut.log" 2>&1 || true
"$venv/bin/python" "$repo/tests/mutation/score.py" "$work/tree" | tee "$work/score.txt"
