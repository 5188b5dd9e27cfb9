"""Plain text and Markdown → blocks.

Each input line becomes a :class:`~.model.Line` with its 1-based line number.
Markdown syntax is removed where it is syntax, not text: leading ``#``
heading markers (their count is kept as ``level``), ``**`` bold markers,
links ``[text](url)`` → ``text``, and backslash escapes. Consecutive pipe
rows (``| a | b |``) become one :class:`~.model.Grid`, so that an empty cell
between pipes stays a blank cell. Page-number lines of PDF extractions
("- 3 -", "第 3 页") are dropped: they are not part of the report.
"""

from __future__ import annotations

import re

from .model import Block, Grid, GridCell, Line

__all__ = ["PAGE_NUMBER", "clean_markdown", "split_pipes", "text_blocks"]

_HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:\s+|(?=\S))(.*?)(?:\s+#+)?\s*$")
_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
#: page numbers printed in PDF headers/footers, as extracted
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]|第\s*\d{1,3}\s*页(?:\s*[/，,]?\s*共\s*\d{1,3}\s*页)?)\s*$"
)
_MARK = "\ue000"  # a private-use character standing for an escaped one
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def clean_markdown(text: str) -> str:
    """Remove inline Markdown syntax: ``**`` markers, links, backslash escapes."""
    escaped: list[str] = []
    if "\\" in text and _MARK not in text:
        # escaped characters are text: keep them out of the syntax rules
        def hide(match: re.Match[str]) -> str:
            escaped.append(match.group(1))
            return f"{_MARK}{len(escaped) - 1}{_MARK}"

        text = _ESCAPE.sub(hide, text)
    if "**" in text:
        text = text.replace("**", "")
    if "](" in text:
        text = _LINK.sub(r"\1", text)
    if escaped:
        text = re.sub(f"{_MARK}(\\d+){_MARK}", lambda m: escaped[int(m.group(1))], text)
    return text


def split_pipes(line: str) -> list[str]:
    """The cells of a pipe-table row (escaped ``\\|`` stays inside a cell)."""
    body = line.strip()
    cells: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] == "|":
            current.append("\\|")
            i += 2
            continue
        if ch == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    cells.append("".join(current))
    if body.startswith("|"):
        cells = cells[1:]
    if body.endswith("|") and not body.endswith("\\|") and cells:
        cells = cells[:-1]
    return cells


def _is_pipe_row(line: str) -> bool:
    """Whether a line is a row of a pipe table."""
    stripped = line.strip()
    if stripped.startswith("|"):
        return True
    # A copied table row without the outer pipes ("规章 | 0 | 0 | 0"); prose
    # with a stray bar has sentence punctuation.
    return stripped.count("|") >= 2 and "。" not in stripped


def text_blocks(text: str, *, first_line: int = 1) -> list[Block]:
    """Blocks of a text or Markdown document (line numbers start at
    ``first_line``)."""
    blocks: list[Block] = []
    pending: list[tuple[int, str]] = []  # pipe rows of the table being read

    def flush_table() -> None:
        if not pending:
            return
        rows: list[tuple[GridCell, ...]] = []
        for number, raw in pending:
            if _SEPARATOR.match(raw):
                continue
            r = len(rows)
            cells = tuple(
                GridCell(clean_markdown(cell).strip(), r, c, {"line": number})
                for c, cell in enumerate(split_pipes(raw))
            )
            rows.append(cells)
        if rows:
            blocks.append(Grid(tuple(rows), {"line": pending[0][0]}))
        pending.clear()

    for offset, raw in enumerate(text.splitlines()):
        number = first_line + offset
        if _is_pipe_row(raw) and "\t" not in raw:
            pending.append((number, raw))
            continue
        flush_table()
        if PAGE_NUMBER.match(raw):
            continue
        heading = _HEADING.match(raw)
        if heading is not None:
            blocks.append(Line(clean_markdown(heading.group(2)), {"line": number},
                               level=len(heading.group(1))))
            continue
        line = raw.rstrip("\r\n")
        if line.endswith("\\") and (len(line) - len(line.rstrip("\\"))) % 2 == 1:
            line = line[:-1]  # a Markdown hard line break
        blocks.append(Line(clean_markdown(line), {"line": number}))
    flush_table()
    return blocks
