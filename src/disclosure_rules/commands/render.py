"""``disclosure-rules render report.json --format md|html``: the official
tables of a report, to publish from checked data."""

from __future__ import annotations

import argparse
from typing import Any

from ..loading import load_report, parse_document, read_stream
from . import IO, file_name, write_file

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Declare ``render``."""
    parser = sub.add_parser(
        "render", help="生成官方格式的表格 render the official tables",
        description="按报告的格式（2019 或 2021）生成官方表格（合并的表头单元格与官方版式一致）。 "
        "Write the report's official tables (with the merged header cells of the official "
        "layout) as Markdown or HTML.",
    )
    parser.add_argument("file", type=file_name, metavar="FILE",
                        help="report JSON or YAML ('-' for stdin)")
    parser.add_argument("--format", choices=("md", "html"), default="md",
                        help="output format (default: md)")
    parser.add_argument("-o", "--output", type=file_name, metavar="FILE",
                        help="write here (default: stdout)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, io: IO) -> int:
    """Render; exit 0, or 2 when the report cannot be read."""
    from ..render import render

    report = parse_document(read_stream(io.stdin), name="<stdin>") if args.file == "-" \
        else load_report(args.file)
    if not isinstance(report.data, dict):
        io.stderr.write(f"{report.name}: 不是报告对象 (not a report object)\n")
        return 2
    text = render(report.data, args.format)
    if args.output:
        write_file(args.output, text, args.file)
    else:
        io.stdout.write(text)
    return 0
