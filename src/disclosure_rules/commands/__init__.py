"""Subcommands of the command line, one module each.

Each module has ``add_parser(sub)``, declaring its arguments and setting the
``handler(args, io) -> int`` that runs it.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..errors import DisclosureRulesError

__all__ = ["COMMANDS", "IO", "cannot_write", "file_name", "write_file"]


@dataclass(frozen=True, slots=True)
class IO:
    """The streams a command reads and writes."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO


def file_name(text: str) -> str:
    """An argparse ``type`` for a file or directory argument: the name as
    given, unless it is empty."""
    # An empty name comes from an unset variable (`--config "$CONFIG"`). Read
    # as a path it is the working directory, and as an option value it is
    # false: the run would walk the folder, or go on without the option.
    if not text:
        raise argparse.ArgumentTypeError("文件名为空 (empty file name)")
    return text


def cannot_write(path: str, exc: OSError) -> DisclosureRulesError:
    """The error for an output file that cannot be written (the command
    line prints it and exits 2, as for any input it cannot read)."""
    return DisclosureRulesError(f"{path}: 无法写入 (cannot write): {exc.strerror}")


def write_file(path: str, text: str, source: str | None = None) -> None:
    """Write a command's output file (UTF-8), or raise :func:`cannot_write`;
    never over ``source``, the input it was made from."""
    if source is not None and source != "-" and Path(source).resolve() == Path(path).resolve():
        raise DisclosureRulesError(f"{path}: 输出文件就是输入文件，不会覆盖 (the output file is "
                                   "the input file; it is not overwritten)")
    try:
        Path(path).write_text(text, encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise cannot_write(path, exc) from None


from . import check, imports, render, rules  # noqa: E402 - modules use IO

COMMANDS = (check, rules, imports, render)
