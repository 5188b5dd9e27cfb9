"""Subcommands of the command line, one module each.

Each module has ``add_parser(sub)`` (declaring its arguments and setting
``handler``) and a ``run(args, io) -> int``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

__all__ = ["COMMANDS", "IO"]


@dataclass(frozen=True, slots=True)
class IO:
    """The streams a command reads and writes."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO


from . import check, imports, render, rules  # noqa: E402 - modules use IO

COMMANDS = (check, rules, imports, render)
