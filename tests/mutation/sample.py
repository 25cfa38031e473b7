"""A seeded, stratified random sample of mutant names, for a mutation run shorter than the full one.

    python tests/mutation/sample.py TREE FRACTION [SEED]    # prints names for `run.sh NAME...`

TREE is a folder a previous run generated mutants in (its mutants/*.meta list every mutant, run or not);
the mutated files must be unchanged since (mutmut numbers mutants by function, so the names stay valid).
Each file gives max(FRACTION × its mutants, 30) of them (all of a smaller file), so every file's score is
measured and the overall score is an estimate whose standard error the score script can print.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path


def main() -> None:
    tree, fraction = Path(sys.argv[1]), float(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 12)
    for meta in sorted((tree / "mutants").rglob("*.py.meta")):
        names = sorted(json.loads(meta.read_text())["exit_code_by_key"])
        for name in sorted(rng.sample(names, min(len(names), max(30, round(fraction * len(names)))))):
            print(name)


if __name__ == "__main__":
    main()
