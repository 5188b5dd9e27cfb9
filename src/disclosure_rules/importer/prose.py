"""Prose: a section's lines → its ``text`` (one paragraph per line).

The conventions (shared with hand transcriptions such as
``examples/jiading-hrss-2020.json``):

* each printed line is a paragraph; a sub-heading on its own line is its own
  paragraph, a bold run-in heading stays at the start of its paragraph;
* a paragraph broken by a page break — a line that does not end in
  sentence-final punctuation (。！？；：…), a blank line, then the
  continuation — is joined back with nothing in between;
* text extracted from a PDF is hard-wrapped: its lines are joined into
  paragraphs, a new one starting where a line is indented (PDF) or, without
  layout information, after a line that ends a sentence;
* each paragraph is stripped; spaces inside it are kept as printed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

from ..render import ends_sentence
from .model import Line

__all__ = ["ends_sentence", "is_subheading", "looks_wrapped", "paragraphs"]

_ENUMERATOR = re.compile(
    r"^\s*(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}[、.．]|\d{1,2}\s*[.、．](?!\d)|"
    r"[（(]\d{1,2}[)）])"
)
_SUBHEADING_MAX = 30


def is_subheading(text: str) -> bool:
    """A short enumerated line with no sentence in it: "（一）主动公开情况"."""
    stripped = text.strip()
    return (
        bool(_ENUMERATOR.match(stripped))
        and len(stripped) <= _SUBHEADING_MAX
        and not any(mark in stripped for mark in "。！？；")
    )


def looks_wrapped(lines: Sequence[Line]) -> bool:
    """Whether plain text looks hard-wrapped (as text extracted from a PDF):
    hardly any blank lines, and most lines stop in mid-sentence."""
    nonblank = [line for line in lines if line.text.strip()]
    if len(nonblank) < 8:
        return False
    blank = len(lines) - len(nonblank)
    open_lines = sum(1 for line in nonblank if not ends_sentence(line.text))
    return blank * 10 < len(lines) and open_lines * 2 >= len(nonblank)


def width(text: str) -> int:
    """Display width in Chinese typesetting: CJK, full-width and ambiguous
    characters (“” ‘’ …) count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


def full_width(lines: Sequence[Line]) -> int | None:
    """The width of a full printed line of hard-wrapped text (the most
    common width of the longer lines), None if there is no clear one."""
    widths = Counter(width(line.text.strip()) for line in lines if len(line.text.strip()) > 15)
    if not widths:
        return None
    value, count = widths.most_common(1)[0]
    return value if count >= 3 else None


def _may_continue(previous: Line, line: Line) -> bool:
    """Whether the structure lets a line continue the previous one: neither
    is a heading, the previous is no sub-heading, the line starts no
    enumerated item."""
    return (
        previous.level == 0
        and line.level == 0
        and not is_subheading(previous.text)
        and not _ENUMERATOR.match(line.text.strip())
    )


# A paragraph's first line is indented by two characters.
_INDENT = 4
_SLACK = 2


def paragraphs(lines: Sequence[Line], *, wrapped: bool = False,
               full: int | None = None) -> list[str]:
    """The paragraphs of ``lines`` (see the module docstring). ``full`` is
    the width of a full line of hard-wrapped text: a line shorter than full
    ends its paragraph (text extracted without layout keeps no indent)."""
    out: list[str] = []
    previous: Line | None = None
    blank_before = False
    starts = False  # whether ``previous`` started its paragraph
    for line in lines:
        text = line.text.strip()
        if not text:
            blank_before = True
            continue
        join = False
        if previous is not None and out:
            if wrapped and not blank_before and line.indent is not None:
                # PDF layout: a paragraph starts where a line is indented
                join = not line.indent and _may_continue(previous, line)
            elif wrapped and not blank_before and full is not None:
                expected = full - (_INDENT if starts else 0)
                # a short line ends its paragraph; after a full line that ends a
                # sentence, a line as short as an indented one starts the next
                indented = full - _INDENT - _SLACK <= width(text) <= full - _INDENT + 1
                join = (
                    width(previous.text.strip()) >= expected - _SLACK
                    and not (ends_sentence(previous.text) and indented)
                    and _may_continue(previous, line)
                )
            elif wrapped or blank_before:
                # a sentence left open continues on the next line
                join = not ends_sentence(previous.text) and _may_continue(previous, line)
        if join:
            out[-1] += text
        else:
            out.append(text)
        starts = not join
        previous = line
        blank_before = False
    return out
