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

    python benchmarks/bench_instructions.py --l2 1048576

also simulates the caches, with the last level the size of one core's L2
(1 MiB on the development machine), and prints the lines each side misses
there per report: what does not fit in L2 is fetched from the L3 that other
tenants of a shared machine use too (several minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
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


_COUNTS = {"instructions": r"I\s+refs:", "L2 data misses": r"LLd misses:",
           "L2 code misses": r"LLi misses:"}


def counts(script: Path, mode: str, l2: int | None) -> dict[str, int]:
    """What cachegrind counts for ``script mode``: instructions (I refs)
    and, with ``l2`` (bytes), the misses of a last-level cache that size."""
    cache = ["--cache-sim=yes", f"--LL={l2},16,64"] if l2 else ["--cache-sim=no"]
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run(
            ["valgrind", "--tool=cachegrind", *cache,
             f"--cachegrind-out-file={scratch}/out", sys.executable, str(script), mode],
            capture_output=True, text=True, check=True,
            env={**os.environ, "DISCLOSURE_RULES_CACHE": "", "PYTHONHASHSEED": "0"})
    found: dict[str, int] = {}
    for name, label in _COUNTS.items():
        match = re.search(label + r"\s+([\d,]+)", done.stderr)
        if match is not None:
            found[name] = int(match.group(1).replace(",", ""))
    if "instructions" not in found:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="generated reports (default 200)")
    parser.add_argument("--l2", type=int, default=None, metavar="BYTES",
                        help="also simulate the caches, the last level this size (a power of 2)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: nothing to count with")
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "work.py"
        script.write_text(_WORK.format(src=str(ROOT / "src"), tests=str(ROOT / "tests"),
                                       bench=str(ROOT / "benchmarks"), n=args.n), "utf-8")
        # the three runs are independent: side by side on the machine's cores
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            setup, hand, ours = pool.map(lambda mode: counts(script, mode, args.l2),
                                         ("setup", "hand", "engine"))
    per = {name: ((hand[name] - setup[name]) / args.n, (ours[name] - setup[name]) / args.n)
           for name in setup}
    print(f"reports: {args.n}; per report (cachegrind)")
    print(f"instructions: hand-written {per['instructions'][0] / 1e6:.2f} M, "
          f"disclosure_rules.check {per['instructions'][1] / 1e6:.2f} M, "
          f"ratio {per['instructions'][1] / per['instructions'][0]:.2f}")
    for name in ("L2 data misses", "L2 code misses"):
        if name in per:
            print(f"{name} ({args.l2} B): hand-written {per[name][0]:,.0f}, "
                  f"disclosure_rules.check {per[name][1]:,.0f} lines")


if __name__ == "__main__":
    main()
