"""``--format json``: one JSON document for the run, written as it goes.

The document (its JSON Schema is ``schemas/check-output.schema.json``)::

    {"version": 1, "tool": {...}, "config": …, "notices": [...],
     "reports": [ {…one per report, written as each completes…} ],
     "errors": [ {…one per unreadable input…} ],
     "summary": {…counts…}}

The opening is written first, each report object (on one line) as it
completes, the errors and the summary last: only the errors (a few small records) and
counters are held until the end.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..batch import Checked, Done, Summary, Unreadable
from . import Base, Options, Run, json_default, report_dict
from .words import expired_notice

__all__ = ["OUTPUT_VERSION", "Sink"]

OUTPUT_VERSION = 1
"""Version of the output document's shape (bumped on an incompatible change)."""


def _dumps(value: Any, indent: int) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=json_default)
    return text.replace("\n", "\n" + " " * indent)


def _line(value: Any) -> str:
    # One line per report: the C encoder (json uses it only without
    # indent) is several times faster, and a line per report greps well.
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=json_default)


class Sink(Base):
    """Streams the run as one JSON document."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        super().__init__(out, options, run)
        self.first = True
        self.errors: list[dict[str, Any]] = []

    def begin(self) -> None:
        """The opening: tool, configuration, notices, ``"reports": [``."""
        notices = [{"kind": "waiver-expired", "message": expired_notice(w).to_dict(),
                    "waiver": w.to_dict()} for w in self.run.expired_waivers]
        head = {"version": OUTPUT_VERSION,
                "tool": {"name": "disclosure-rules", "version": __version__},
                "config": self.run.config,
                "notices": notices}
        self.write("{\n")
        for key, value in head.items():
            self.write(f"  {json.dumps(key)}: {_dumps(value, 2)},\n")
        self.write('  "reports": [')

    def render(self, checked: Checked) -> str:
        """One report object, on one line."""
        return _line(report_dict(checked, self.options.fail_on))

    def report(self, record: Done) -> None:
        """Write one report object."""
        self.write(("\n    " if self.first else ",\n    ") + record.text)
        self.first = False

    def unreadable(self, problem: Unreadable) -> None:
        """Kept for ``errors`` (written at the end)."""
        self.errors.append(problem.to_dict())

    def end(self, summary: Summary) -> None:
        """``errors`` and ``summary``, and the closing brace."""
        self.write("\n  ],\n" if not self.first else "],\n")
        self.write(f'  "errors": {_dumps(self.errors, 2)},\n')
        self.write(f'  "summary": {_dumps(summary.to_dict(), 2)}\n}}\n')
