"""The mutation score per file of a mutmut 3 run, and the surviving mutants as one-line diffs.

    python tests/mutation/score.py TREE [--survivors]

TREE is the folder mutmut ran in (it holds mutants/). Killed: a test failed (or timed out) with the mutant
on; survived: every test that reaches the function passed; no tests: no test reaches the function. The
score is killed / (killed + survived), the strict score counts "no tests" as survived too; equivalent
survivors are listed in tests/mutation/equivalent.md.
"""

from __future__ import annotations

import ast
import difflib
import json
import sys
from collections import Counter
from pathlib import Path

KILLED, SURVIVED, NO_TESTS = {1, 3, -24, 24, 36, 152, 255}, {0}, {33}


def results(tree: Path):
    for meta in sorted((tree / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            yield meta.relative_to(tree / "mutants").as_posix()[: -len(".meta")], codes


def classify(code: int | None) -> str:
    if code is None:
        return "not run"
    return (
        "killed" if code in KILLED else "survived" if code in SURVIVED else "no tests" if code in NO_TESTS else "other"
    )


def changed_lines(tree: Path, file: str, keys: list[str]) -> dict[str, list[str]]:
    """Each mutant's changed lines: its function in mutants/ against the __mutmut_orig copy beside it."""
    source = (tree / "mutants" / file).read_text()
    lines = source.splitlines()
    wanted = {key.rsplit(".", 1)[-1] for key in keys}
    wanted |= {name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig" for name in wanted}
    functions = {  # by line numbers: ast.get_source_segment rescans the file each time (minutes on 7,000 mutants)
        n.name: "\n".join(lines[n.lineno - 1 : n.end_lineno])
        for n in ast.walk(ast.parse(source))
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in wanted
    }
    out = {}
    for key in keys:
        name = key.rsplit(".", 1)[-1]
        mutant, original = functions.get(name), functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
        if mutant is None or original is None:
            out[key] = ["(source not found)"]
            continue
        diff = difflib.unified_diff(original.splitlines()[1:], mutant.splitlines()[1:], lineterm="", n=0)
        out[key] = [line.strip() for line in diff if not line.startswith(("---", "+++", "@@"))]
    return out


def main() -> None:
    tree = Path(sys.argv[1])
    show = "--survivors" in sys.argv
    total: Counter[str] = Counter()
    weighted = weight = 0.0
    print(
        f"{'file':34} {'mutants':>7} {'killed':>7} {'survived':>8} {'no tests':>8} {'not run':>7} {'score':>7}"
        f" {'strict':>7}"
    )
    for file, codes in results(tree):
        counts = Counter(classify(c) for c in codes.values())
        total.update(counts)
        tested = counts["killed"] + counts["survived"]
        reached = tested + counts["no tests"]
        score = f"{counts['killed'] / tested:.1%}" if tested else "-"
        strict = f"{counts['killed'] / reached:.1%}" if reached else "-"
        if reached:  # a sampled run: each file's score stands for all of its mutants
            weighted += len(codes) * counts["killed"] / reached
            weight += len(codes)
        print(
            f"{file:34} {len(codes):7} {counts['killed']:7} {counts['survived']:8} {counts['no tests']:8}"
            f" {counts['not run']:7} {score:>7} {strict:>7}"
        )
        if show:
            survivors = [k for k, c in codes.items() if classify(c) == "survived"]
            for key, lines in changed_lines(tree, file, survivors).items():
                print(f"    {key.rsplit('.', 1)[-1]}: " + "  ".join(lines)[:300])
    tested = total["killed"] + total["survived"]
    reached = tested + total["no tests"]
    print(
        f"{'all':34} {sum(total.values()):7} {total['killed']:7} {total['survived']:8} {total['no tests']:8}"
        f" {total['not run']:7} {total['killed'] / tested if tested else 0:7.1%}"
        f" {total['killed'] / reached if reached else 0:7.1%}"
    )
    if total["not run"] and weight:
        print(f"strict score over every file's mutants, each file weighted by its size: {weighted / weight:.1%}")
    print("score: killed / (killed + survived); strict: no tests reaching the mutant count as survived")


if __name__ == "__main__":
    main()
