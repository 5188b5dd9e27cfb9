"""``disclosure-rules imports``."""

from __future__ import annotations

import argparse
from typing import Any

from . import IO

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    """Declare ``imports`` (filled in by its issue)."""


def run(args: argparse.Namespace, io: IO) -> int:
    """Not yet."""
    return 2
