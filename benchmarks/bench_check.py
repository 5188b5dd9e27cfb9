"""Speed of checking: the engine against hand-written Python, side by side.

    python benchmarks/bench_check.py [--n 3000]

Measures, over the same generated reports (valid, both formats), per report:

* ``json.loads`` alone;
* the hand-written checker (``benchmarks/handwritten.py``): json.loads plus
  every check of the official pack written out by hand;
* ``disclosure_rules``: report bytes → findings with the whole official pack
  (load_report + schema validation + every rule);
* schema validation alone (compiled fast path) next to json.loads;
* loading and compiling the official pack in a fresh process, cold and with
  the on-disk cache of checked rules (the normal case after the first run).

The issue's targets: the engine at most 2× the hand-written checker; the
pack loads and compiles in under 100 ms. The figures are printed, with the
ratio; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(Path(__file__).parent)]

from handwritten import check_handwritten  # noqa: E402
from reportgen import random_report, to_json  # noqa: E402

import disclosure_rules as dr  # noqa: E402
from disclosure_rules.loading import load_report  # noqa: E402
from disclosure_rules.rulesets import load_rules  # noqa: E402


def interleaved(funcs: dict[str, Callable[[str], object]], texts: list[str],
                rounds: int = 7, chunk: int = 1000) -> dict[str, list[float]]:
    """Microseconds per report of each function in each of ``rounds``
    rounds. The functions take turns on every chunk of ``chunk`` reports
    (big enough that each side runs warm), and each chunk's time is the best
    of the rounds: a noisy neighbour on a shared machine then slows both
    sides of a ratio alike, and a burst of it is dropped. The last list
    entry of each function is that best total."""
    chunks = [texts[i:i + chunk] for i in range(0, len(texts), chunk)]
    best: dict[str, list[float]] = {name: [float("inf")] * len(chunks) for name in funcs}
    totals: dict[str, list[float]] = {name: [] for name in funcs}
    for round_ in range(rounds):
        spent = dict.fromkeys(funcs, 0.0)
        for index, part in enumerate(chunks):
            order = list(funcs.items())
            if (round_ + index) % 2:
                order.reverse()  # neither side always goes first
            for name, func in order:
                start = time.process_time()
                for text in part:
                    func(text)
                took = time.process_time() - start
                spent[name] += took
                best[name][index] = min(best[name][index], took)
        for name in funcs:
            totals[name].append(spent[name] / len(texts) * 1e6)
    for name in funcs:
        totals[name].append(sum(best[name]) / len(texts) * 1e6)
    return totals


def load_time(cache: str) -> tuple[float, float]:
    """Median milliseconds to load the official pack in a new process, and to
    compile it for both formats, with the on-disk cache in ``cache`` (""
    switches it off: a cold start)."""
    code = (
        "import time, disclosure_rules.rulesets as r\n"
        "t = time.perf_counter(); rs = r.load_rules(); t1 = time.perf_counter()\n"
        "rs.for_format('2019'); rs.for_format('2021'); t2 = time.perf_counter()\n"
        "print(t1 - t, t2 - t1)"
    )
    loads, compiles = [], []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env={"PYTHONPATH": str(ROOT / "src"),
                                              "DISCLOSURE_RULES_CACHE": cache})
        load, compiled = out.stdout.split()
        loads.append(float(load))
        compiles.append(float(compiled))
    return statistics.median(loads) * 1e3, statistics.median(compiles) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000, help="generated reports (default 3000)")
    args = parser.parse_args()
    rng = random.Random(20261127)
    texts = [to_json(random_report(rng, big=bool(i % 3 == 0))) for i in range(args.n)]
    rules = load_rules()

    def engine(text: str) -> object:
        return dr.check(load_report(text), rules)

    # Same verdict on every report before timing anything.
    for text in texts[:300]:
        ours = {(f.rule_id, f.pointer) for f in engine(text).findings}  # type: ignore[attr-defined]
        theirs = set(check_handwritten(text))
        assert ours == theirs, (ours, theirs)

    times = interleaved({
        "loads": json.loads,
        "hand": check_handwritten,
        "ours": engine,
        "validate": lambda t: dr.validate(load_report(t)),
    }, texts)
    best = {name: values[-1] for name, values in times.items()}
    ratios = [o / h for o, h in zip(times["ours"][:-1], times["hand"][:-1], strict=True)]
    loads, hand, ours, validate = best["loads"], best["hand"], best["ours"], best["validate"]
    print(f"reports: {len(texts)} (both formats, valid; a third with counts in the thousands)")
    print(f"json.loads                     {loads:8.1f} µs/report")
    print(f"load_report + validate         {validate:8.1f} µs/report "
          f"({validate / loads:.1f}× json.loads)")
    print(f"hand-written checker           {hand:8.1f} µs/report")
    print(f"disclosure_rules.check         {ours:8.1f} µs/report")
    print(f"ratio engine / hand-written    {ours / hand:8.2f}  best chunk times (target ≤ 2.0)")
    print(f"                               {statistics.median(ratios):8.2f}  median of "
          f"{len(ratios)} whole rounds ({min(ratios):.2f}–{max(ratios):.2f})")
    with tempfile.TemporaryDirectory() as cache:
        cold = load_time("")
        load_time(cache)  # fill the cache
        warm = load_time(cache)
    print(f"official pack, cold (no cache) {cold[0]:8.1f} ms load + {cold[1]:.1f} ms compiling "
          "both formats")
    print(f"official pack, cached          {warm[0]:8.1f} ms load + {warm[1]:.1f} ms compiling "
          f"both formats = {sum(warm):.1f} ms (target < 100)")


if __name__ == "__main__":
    main()
