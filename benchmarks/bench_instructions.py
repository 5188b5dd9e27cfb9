"""The engine against hand-written Python, counted in machine instructions.

    python benchmarks/bench_instructions.py [--n 200]

On a shared virtual machine, timings move by ±30 % from one minute to the
next; an instruction count does not. This runs the same work as
bench_check.py — report text → findings with the whole official pack, and
the hand-written checker on the same text — under valgrind's cachegrind
(no cache simulation), each in a fresh process, and subtracts a run that
does only the set-up (generating the reports, loading the rules, warming
both sides up). What is left is the instructions each side spends per
report. Instructions are not time: the engine's closures touch more memory
per instruction than the hand-written code, so its time ratio is higher
than its instruction ratio. Both are printed by the two scripts; neither is
a test. Needs ``valgrind`` on the PATH (takes a minute or two).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_WORK = """
import random, sys
sys.path[:0] = [{src!r}, {tests!r}, {bench!r}]
import disclosure_rules as dr
from disclosure_rules.loading import load_report
from handwritten import check_handwritten
from reportgen import random_report, to_json
rng = random.Random(20261127)
texts = [to_json(random_report(rng, big=bool(i % 3 == 0))) for i in range({n})]
rules = dr.load_rules()
rules.compile_all()
for text in texts[:20]:
    dr.check(load_report(text), rules)
    check_handwritten(text)
mode = sys.argv[1]
if mode == "engine":
    for text in texts:
        dr.check(load_report(text), rules)
elif mode == "hand":
    for text in texts:
        check_handwritten(text)
"""


def instructions(script: Path, mode: str) -> int:
    """Instructions executed by ``script mode`` (cachegrind's I refs)."""
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no",
             f"--cachegrind-out-file={scratch}/out", sys.executable, str(script), mode],
            capture_output=True, text=True, check=True,
            env={**os.environ, "DISCLOSURE_RULES_CACHE": ""})
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if found is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="generated reports (default 200)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: nothing to count with")
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "work.py"
        script.write_text(_WORK.format(src=str(ROOT / "src"), tests=str(ROOT / "tests"),
                                       bench=str(ROOT / "benchmarks"), n=args.n), "utf-8")
        setup = instructions(script, "setup")
        hand = (instructions(script, "hand") - setup) / args.n
        ours = (instructions(script, "engine") - setup) / args.n
    print(f"reports: {args.n}; instructions per report (cachegrind)")
    print(f"hand-written checker           {hand / 1e6:8.2f} M")
    print(f"disclosure_rules.check         {ours / 1e6:8.2f} M")
    print(f"ratio engine / hand-written    {ours / hand:8.2f}")


if __name__ == "__main__":
    main()
