"""A progress bar on standard error, for long runs on a terminal only."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress"]

_DELAY = 1.0  # seconds before the bar first shows: short runs never flash one
_EVERY = 0.1  # seconds between redraws
_WIDTH = 30


class Progress:
    """Counts finished inputs and redraws a one-line bar on ``stream``.

    Disabled (every method does nothing) unless ``enabled``. :meth:`clear`
    removes the bar before other output is written to the same terminal.
    """

    def __init__(self, stream: TextIO, total: int, *, enabled: bool, label: str = "") -> None:
        self.stream = stream
        self.label = f"{label} " if label else ""
        self.total = total
        self.enabled = enabled and total > 1
        self.done = 0
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False

    def advance(self) -> None:
        """One more input finished."""
        self.done += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < _DELAY or (now - self.last < _EVERY and self.done < self.total):
            return
        self.last = now
        filled = _WIDTH * self.done // max(1, self.total)
        rate = self.done / max(now - self.start, 1e-9)
        self.stream.write(f"\r{self.label}[{'#' * filled}{'.' * (_WIDTH - filled)}] "
                          f"{self.done}/{self.total}  {rate:.0f}/s ")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        """Erase the bar (before writing something else to the terminal)."""
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self.shown = False
