"""What every reader produces: a published report as a sequence of blocks.

Each input kind (text, Markdown, HTML, PDF, DOCX) is turned into the same
two kinds of block, so that section detection, prose and table recognition
are written once:

* :class:`Line` — one line of text as published (prose, a heading, or a
  table row printed as text), with where it came from;
* :class:`Grid` — a table whose cells are known (HTML, DOCX, a PDF table, a
  Markdown pipe table), with row/column spans kept.

``origin`` is the provenance recorded in ``document["source"]``: ``{"line": n}``
for text, ``{"table": t, "row": r, "column": c}`` for HTML/DOCX cells,
``{"page": p, "line": n}`` / ``{"page": p, "table": t, "row": r, "column": c}``
for PDF (all 1-based).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["MAX_SPAN", "Block", "Grid", "GridCell", "Line", "Origin", "span"]

Origin = Mapping[str, int]

#: the widest or tallest span a cell is given: a span of 0 or an absurd
#: span is a broken page, not a table of 10⁶ rows
MAX_SPAN = 200
_SPAN = re.compile(r"\s*0*(\d+)")


def span(value: str | None) -> int:
    """A span attribute (HTML ``rowspan``/``colspan``, DOCX ``gridSpan``) as
    a sane integer: 1 when absent or unreadable, at most :data:`MAX_SPAN`."""
    digits = _SPAN.match(value or "")
    if digits is None:
        return 1
    text = digits.group(1)
    return MAX_SPAN if len(text) > 3 else min(max(int(text), 1), MAX_SPAN)


@dataclass(frozen=True, slots=True, eq=False)
class Line:
    """A line of published text.

    ``level`` is the number of Markdown ``#`` markers it carried (0: none);
    ``indent`` says whether a PDF line starts indented (a new paragraph),
    None where the input does not tell.
    """

    text: str
    origin: Origin
    level: int = 0
    indent: bool | None = None


@dataclass(frozen=True, slots=True, eq=False)
class GridCell:
    """One cell of a table: its text, 0-based position and spans."""

    text: str
    row: int
    col: int
    origin: Origin
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True, slots=True, eq=False)
class Grid:
    """A table. ``rows`` hold each row's own cells left to right; a position
    covered by a span from an earlier row or cell is not repeated."""

    rows: tuple[tuple[GridCell, ...], ...]
    origin: Origin = field(default_factory=dict)

    def text_lines(self) -> list[Line]:
        """The table as lines of text (for a one-column "table" that is
        really a boxed paragraph)."""
        lines: list[Line] = []
        for row in self.rows:
            for cell in row:
                for part in cell.text.split("\n"):
                    if part.strip():
                        lines.append(Line(part, cell.origin))
        return lines

    @property
    def width(self) -> int:
        """The number of grid columns."""
        return max((c.col + c.colspan for row in self.rows for c in row), default=0)


Block = Line | Grid
