"""``disclosure-rules import FILE [-o report.json]``: a published report
(text, Markdown, HTML, PDF, DOCX) → report JSON."""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import ImportReportError
from ..findings import Severity
from ..loading import read_stream_bytes
from . import IO, file_name, write_file

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Declare ``import``."""
    parser = sub.add_parser(
        "import", help="导入已发布的报告 import a published report (text/HTML/PDF/DOCX)",
        description="把已发布的年度报告（文本、Markdown、HTML、PDF、DOCX）转成报告 JSON；"
        "无法确定的单元格不会被猜测，而是列为导入问题。 Import a published report into "
        "report JSON; cells that cannot be read with certainty are reported, never guessed.",
    )
    parser.add_argument("file", type=file_name, metavar="FILE",
                        help="the published report ('-' for stdin text)")
    parser.add_argument("-o", "--output", type=file_name, metavar="FILE",
                        help="write the JSON here (default: stdout)")
    parser.add_argument("--kind", choices=("text", "markdown", "html", "pdf", "docx"),
                        help="the input's kind (default: from the suffix or the content)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of the import findings (default: zh)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, io: IO) -> int:
    """Import; exit 0, 1 when an import finding is an error, 2 unreadable."""
    from ..importer import import_report

    source: str | bytes = args.file
    name = None
    if args.file == "-":
        # bytes: never taken for a path, and a PDF can be piped in too
        source, name = read_stream_bytes(io.stdin, "<stdin>", ImportReportError), "<stdin>"
    imported = import_report(source, kind=args.kind, name=name)
    text = imported.to_json()
    if args.output:
        write_file(args.output, text + "\n", args.file)
    else:
        io.stdout.write(text + "\n")
    for finding in imported.findings:
        label = finding.severity.zh if args.lang == "zh" else finding.severity.value
        where = f" {finding.pointer}" if finding.pointer else ""
        io.stderr.write(f"{imported.name}: {label} {finding.rule_id}{where}: "
                        f"{finding.message.get(args.lang)}\n")
    return 1 if any(f.severity is Severity.ERROR for f in imported.findings) else 0
