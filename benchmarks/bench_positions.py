"""What finding positions cost, next to checking the same report.

    python benchmarks/bench_positions.py [--report PATH] [--n 300]

The command line prints ``file:line:column`` for every finding, so each
checked report that has findings (real reports nearly always do) also pays
for turning the findings' JSON Pointers into positions in its text. This
measures, per report, on one real report (by default
``tests/fixtures/real/2024-huaian-hongze-district.json``) and on the same
report written as YAML:

* ``load_report`` of the text;
* ``check`` of the loaded report with the official pack;
* the positions of that check's findings, looked up as the command line
  does (a pointer that names nothing falls back to its nearest present
  ancestor), on a freshly loaded report each time (nothing cached).

The sides take turns in every round and the best round is kept (the
development machine is a shared VM: see README.md). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

import yaml  # noqa: E402

import disclosure_rules as dr  # noqa: E402
from disclosure_rules.loading import Report, load_report  # noqa: E402
from disclosure_rules.pointer import split_pointer, to_pointer  # noqa: E402

REPORT = ROOT / "tests" / "fixtures" / "real" / "2024-huaian-hongze-district.json"


def position(report: Report, pointer: str) -> tuple[int, int] | None:
    """As the command line finds it: the pointer's value, or its nearest
    present ancestor's."""
    parts = list(split_pointer(pointer))
    while True:
        found = report.position(to_pointer(parts))
        if found is not None or not parts:
            return found
        parts.pop()


def best_of(funcs: dict[str, Callable[[], object]], n: int, rounds: int) -> dict[str, float]:
    """Best µs per call of each function over ``rounds`` rounds of ``n``
    calls, the functions taking turns within each round."""
    best = dict.fromkeys(funcs, float("inf"))
    for round_ in range(rounds):
        order = list(funcs.items())
        if round_ % 2:
            order.reverse()
        for name, func in order:
            start = time.process_time()
            for _ in range(n):
                func()
            best[name] = min(best[name], (time.process_time() - start) / n * 1e6)
    return best


def measure(label: str, text: str, rules: dr.RuleSet, n: int, rounds: int) -> None:
    report = load_report(text)
    pointers = [f.pointer for f in dr.check(report, rules).findings]
    fresh: list[Report] = []

    def positions() -> None:
        found = fresh.pop()  # loaded beforehand: only the lookups are timed
        for pointer in pointers:
            position(found, pointer)

    def refill() -> None:
        fresh[:] = [load_report(text) for _ in range(n)]

    times: dict[str, float] = dict.fromkeys(("load", "check", "positions"), float("inf"))
    for _ in range(rounds):
        refill()
        once = best_of({"load": lambda: load_report(text),
                        "check": lambda: dr.check(report, rules),
                        "positions": positions}, n, 1)
        times = {name: min(times[name], once[name]) for name in times}
    print(f"{label}: {len(text):,} characters, {len(pointers)} findings "
          f"({', '.join(pointers)})")
    print(f"  load_report                 {times['load']:9.1f} µs/report")
    print(f"  check (official pack)       {times['check']:9.1f} µs/report")
    print(f"  positions of the findings   {times['positions']:9.1f} µs/report "
          f"({times['positions'] / times['check']:.1%} of check)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", type=Path, default=REPORT, help="a JSON report")
    parser.add_argument("--n", type=int, default=300, help="reports per round (default 300)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds (default 7)")
    args = parser.parse_args()
    text = args.report.read_text("utf-8")
    rules = dr.load_rules()
    measure(f"{args.report.name} (JSON)", text, rules, args.n, args.rounds)
    as_yaml = yaml.safe_dump(json.loads(text), allow_unicode=True, sort_keys=False)
    measure("the same report as YAML", as_yaml, rules, max(1, args.n // 10), args.rounds)


if __name__ == "__main__":
    main()
