"""Helpers for the command-line tests: run ``disclosure-rules`` in-process
with captured streams, and write report fixtures."""

from __future__ import annotations

import copy
import io
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportgen import random_report, to_json

from disclosure_rules.cli import run

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
JIADING = EXAMPLES / "jiading-hrss-2020.json"  # warnings only (exit 0)
PINGTAN = ROOT / "tests" / "fixtures" / "real" / "2019-pingtan-zone.json"  # an error (exit 1)


@dataclass(frozen=True)
class Outcome:
    """What one run of the command line gave."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        """Standard output parsed as JSON."""
        return json.loads(self.out)


class _Terminal(io.StringIO):
    """A captured stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def cli(*argv: str | Path, stdin: str = "", tty: bool = False, tty_err: bool = False
        ) -> Outcome:
    """Run ``disclosure-rules ARGV…`` in this process (``tty``: standard
    output says it is a terminal; ``tty_err``: standard error does)."""
    out = _Terminal() if tty else io.StringIO()
    err = _Terminal() if tty_err else io.StringIO()
    code = run([str(a) for a in argv], out, err, io.StringIO(stdin))
    return Outcome(code, out.getvalue(), err.getvalue())


def generated(seed: int, fmt: str | None = None, **changes: Any) -> dict[str, Any]:
    """A valid generated report (every identity holds), with top-level
    keys replaced by ``changes``."""
    report = random_report(random.Random(seed), fmt)
    report.update(copy.deepcopy(changes))
    return report


def broken(seed: int, fmt: str | None = None, **changes: Any) -> dict[str, Any]:
    """A generated report with one cell off by two: APP-ROW-TOTAL and
    APP-RESULTS-SUM fail (errors), and a diagnosis names the cell."""
    report = generated(seed, fmt, **changes)
    report["applications"]["results"]["disclosed"]["natural_person"] += 2
    return report


def write(path: Path, report: dict[str, Any]) -> Path:
    """Write ``report`` as JSON to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_json(report), encoding="utf-8")
    return path


WAIVERS = (
    "waivers:\n"
    "  - rule: VAL-BLANK\n"
    "    organ: 上海市嘉定区人力资源和社会保障局\n"
    "    reason: 原件如此\n"
    "    approved_by: 审计组\n"
    "    expires: 2030-12-31\n"
    "  - rule: SEC-EMPTY\n"
    "    reason: 旧豁免\n"
    "    approved_by: 审计组\n"
    "    expires: 2024-12-31\n"
)


def mixed_batch(root: Path, *, last_year_balances: bool = True) -> Path:
    """``root/batch``: a clean, a dirty, a warning-only (Jiading) and a real
    report with errors (Pingtan), a corrupt file, two years of one organ
    (last year's carried forward one more than this year's carried over;
    ``last_year_balances`` keeps last year's own table 三 in balance), and
    ``root/disclosure-rules.yaml`` with a valid and an expired waiver."""
    batch = root / "batch"
    write(batch / "clean.json", generated(1))
    write(batch / "dirty.json", broken(2))
    batch.joinpath("jiading.json").write_bytes(JIADING.read_bytes())
    batch.joinpath("pingtan.json").write_bytes(PINGTAN.read_bytes())
    (batch / "corrupt.json").write_text('{"year": }', encoding="utf-8")
    organ = {"name": "测试县审计局", "kind": "department", "level": "provincial"}
    last = generated(3, "2021", year=2023, organ=organ)
    last["applications"]["carried_forward"]["other_org"] += 1
    last["applications"]["carried_forward"]["total"] += 1
    if last_year_balances:
        last["applications"]["new_received"]["other_org"] += 1
        last["applications"]["new_received"]["total"] += 1
    write(batch / "organ" / "2023.json", last)
    write(batch / "organ" / "2024.json", generated(4, "2021", year=2024, organ=organ))
    (root / "disclosure-rules.yaml").write_text(WAIVERS, encoding="utf-8")
    return batch
