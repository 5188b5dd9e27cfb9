"""The command line: ``disclosure-rules check FILE...`` and friends.

The only module that prints. ``main(argv)`` parses arguments and calls
``run``, which takes its streams as arguments so tests can drive it.

Exit codes (also in ``--help`` and the README):
  0  no error-level finding
  1  error-level findings
  2  usage error, an unreadable input, or a rule file that does not load
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from . import __version__
from .checking import check
from .errors import DisclosureRulesError
from .findings import Result, Severity
from .loading import load_report

__all__ = ["main", "run"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

_EPILOG = """\
退出码 exit codes:
  0  没有错误级别的问题 (no error-level finding)
  1  有错误级别的问题 (error-level findings)
  2  用法错误、无法读取的输入或无法加载的规则文件
     (usage error, unreadable input, or a rule file that does not load)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disclosure-rules",
        description="检查政府信息公开工作年度报告 — check government information disclosure "
        "annual reports against the regulation's reporting rules.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p_check = sub.add_parser(
        "check", help="检查报告 check reports", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_check.add_argument("files", nargs="+", metavar="FILE", help="report files (JSON/YAML)")
    p_check.add_argument("--format", choices=("text", "json"), default="text",
                         help="output format (default: text)")
    p_check.add_argument("--lang", choices=("zh", "en"), default="zh",
                         help="language of messages (default: zh)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``disclosure-rules`` command."""
    return run(list(sys.argv[1:] if argv is None else argv), sys.stdout, sys.stderr, sys.stdin)


def run(argv: list[str], stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run the command line with explicit streams; returns the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_USAGE
    if args.command == "check":
        return _check(args, stdout, stderr)
    return EXIT_USAGE


def _check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    results: list[Result] = []
    unreadable: list[tuple[str, str]] = []
    for name in args.files:
        try:
            report = load_report(name) if name != "-" else load_report(sys.stdin.read())
            results.append(check(report))
        except DisclosureRulesError as exc:
            unreadable.append((name, str(exc)))
    if args.format == "json":
        payload: dict[str, Any] = {
            "reports": [r.to_dict() for r in results],
            "errors": [{"file": f, "error": e} for f, e in unreadable],
        }
        json.dump(payload, stdout, ensure_ascii=False, indent=2)
        stdout.write("\n")
    else:
        for result in results:
            _print_result(result, args.lang, stdout)
        for name, error in unreadable:
            stderr.write(f"{error}\n")
    if unreadable:
        return EXIT_USAGE
    return EXIT_FINDINGS if any(not r.ok for r in results) else EXIT_OK


def _print_result(result: Result, lang: str, out: TextIO) -> None:
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
