"""The command line: ``disclosure-rules COMMAND …``.

The only layer that prints. Each subcommand lives in its own module under
:mod:`disclosure_rules.commands`: ``add_parser(sub)`` declares its arguments
and sets the ``handler(args, io)`` that does the work and returns the exit
code (``rules`` sets one per sub-subcommand). ``main(argv)`` parses and
dispatches; :func:`run` takes the streams as arguments so tests can drive it.

Exit codes (also in ``--help`` and the README):
  0  no error-level finding
  1  error-level findings
  2  usage error, an unreadable input, or a rule file that does not load
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from . import __version__
from .commands import COMMANDS, IO
from .errors import DisclosureRulesError

__all__ = ["EPILOG", "main", "run"]

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

EPILOG = """\
退出码 exit codes:
  0  没有错误级别的问题 (no error-level finding)
  1  有错误级别的问题 (error-level findings)
  2  用法错误、无法读取的输入或无法加载的规则文件
     (usage error, unreadable input, or a rule file that does not load)
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="disclosure-rules",
        description="检查政府信息公开工作年度报告 — check government information disclosure "
        "annual reports (政府信息公开工作年度报告) against the regulation's reporting rules.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``disclosure-rules`` command."""
    _utf8_streams()
    return run(list(sys.argv[1:] if argv is None else argv), sys.stdout, sys.stderr, sys.stdin)


def _utf8_streams() -> None:
    """Standard output and error in UTF-8 whatever the locale says (the
    outputs are Chinese, and JSON, SARIF and JUnit must be UTF-8; a terminal
    keeps its own encoding). What a stream cannot carry — a character the
    terminal lacks, a file name that is not UTF-8 — is written as a
    backslash escape (``\\udcff``, valid inside JSON strings too) instead
    of ending the run."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            if stream.isatty():
                reconfigure(errors="backslashreplace")
            else:
                reconfigure(encoding="utf-8", errors="backslashreplace")
        except (OSError, ValueError):  # a stream that cannot change: left as it is
            continue


def run(argv: list[str], stdout: TextIO, stderr: TextIO, stdin: TextIO) -> int:
    """Run the command line with explicit streams; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if args.command is None:
        parser.print_help(stdout)
        return EXIT_USAGE
    io = IO(stdout, stderr, stdin)
    try:
        return int(args.handler(args, io))
    except DisclosureRulesError as exc:
        # Anything not handled per file (a rule pack that does not load, a bad
        # configuration file) ends the run here, with its position.
        stderr.write(f"disclosure-rules: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        stderr.write("disclosure-rules: interrupted\n")
        return 130
