"""``disclosure-rules check FILE...``: check reports and print findings."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..checking import check
from ..errors import DisclosureRulesError
from ..findings import Result, Severity
from ..loading import load_report
from ..rulesets import load_rules
from . import IO

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Declare ``check``."""
    from ..cli import EPILOG

    parser = sub.add_parser(
        "check", help="检查报告 check reports", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="report files (JSON/YAML)")
    parser.add_argument("--rules", action="append", default=[], metavar="PATH",
                        help="rule file or pack directory (default: the official pack)")
    parser.add_argument("--previous", metavar="FILE", help="last year's report of the same organ")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of messages (default: zh)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, io: IO) -> int:
    """Check every file; exit 0 clean, 1 error findings, 2 unreadable input."""
    rules = load_rules(*args.rules)
    previous = load_report(args.previous) if args.previous else None
    results: list[Result] = []
    unreadable: list[tuple[str, str]] = []
    for name in args.files:
        try:
            report = load_report(io.stdin.read(), name="<stdin>") if name == "-" \
                else load_report(name)
            results.append(check(report, rules, previous))
        except DisclosureRulesError as exc:
            unreadable.append((name, str(exc)))
    if args.format == "json":
        payload: dict[str, Any] = {
            "reports": [r.to_dict() for r in results],
            "errors": [{"file": f, "error": e} for f, e in unreadable],
        }
        json.dump(payload, io.stdout, ensure_ascii=False, indent=2)
        io.stdout.write("\n")
    else:
        for result in results:
            _print_result(result, args.lang, io)
        for _name, error in unreadable:
            io.stderr.write(f"{error}\n")
    if unreadable:
        return 2
    return 1 if any(not r.ok for r in results) else 0


def _print_result(result: Result, lang: str, io: IO) -> None:
    out = io.stdout
    out.write(f"{result.file}\n")
    for f in result.findings:
        sev = f.severity.zh if lang == "zh" else f.severity.value
        out.write(f"  {sev} {f.rule_id} {f.pointer}\n    {f.label}\n    {f.message.get(lang)}\n")
    counts = {s: result.count(s) for s in Severity}
    if lang == "zh":
        out.write(f"  共 {counts[Severity.ERROR]} 个错误，{counts[Severity.WARNING]} 个警告，"
                  f"{counts[Severity.INFO]} 个提示\n")
    else:
        out.write(f"  {counts[Severity.ERROR]} errors, {counts[Severity.WARNING]} warnings, "
                  f"{counts[Severity.INFO]} infos\n")
