"""Section detection: the six headings 一、总体情况 … 六、其他需要报告的事项.

Only a heading that carries the section's own ordinal ("一、" … "六、", also
"一." / "一．") followed by the section's title, or one of its printed
variants (``Node.variants``), starts a section. Markdown levels are ignored
(a mis-levelled "## （二）依申请公开情况" is a sub-heading inside 一, not a
section). Headings are found at the start of a line first; where a page
lost its line breaks (run-together text) a heading is found inside a line
and the line is split there. A title printed with a typo ("行政法复议") is
matched approximately and reported by the caller.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from ..layout import SECTION_ORDINALS, Format, layout, section_keys
from ..normalize import label_key, normalize_label
from .model import Block, Line, Origin

__all__ = ["Heading", "Sections", "find_sections", "normalized_map"]

_FUZZY = 0.8


@lru_cache(maxsize=4096)
def _normalized_char(ch: str) -> str:
    """What one character becomes in :func:`normalized_map`."""
    if ch.isspace():
        return ""
    return normalize_label(ch) or unicodedata.normalize("NFKC", ch)


@lru_cache(maxsize=64)
def normalized_map(text: str) -> tuple[str, tuple[int, ...]]:
    """``normalize_label`` of ``text`` with, for each output character, the
    index of the input character it came from (to cut the printed text at a
    position found in the normalised one). Kept for the last lines asked
    for: each line is searched for every section's title."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        for piece in _normalized_char(ch):
            out.append(piece)
            index.append(i)
    return "".join(out), tuple(index)


@dataclass(frozen=True, slots=True)
class _Title:
    """A section's ordinal and its printed names (title, variants)."""
    key: str
    ordinal: str
    names: tuple[str, ...]  # normalised, without numbering: title first, then variants


def _titles(fmt: Format) -> tuple[_Title, ...]:
    """The six sections' titles and variants, from the layout."""
    root = layout(fmt)
    out: list[_Title] = []
    for ordinal, key in zip(SECTION_ORDINALS, section_keys(fmt), strict=True):
        node = root.children[key]
        names = [label_key(node.title), *(label_key(v) for v in node.variants)]
        out.append(_Title(key, ordinal, tuple(dict.fromkeys(names))))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Heading:
    """A section heading as found: the section key, the heading as printed,
    where, and whether its title was matched only approximately."""

    key: str
    title: str
    origin: Origin
    approximate: bool
    expected: str


@dataclass(slots=True)
class Sections:
    """The blocks before the first heading, and each found section's
    heading and body (in document order)."""

    preamble: list[Block] = field(default_factory=list)
    headings: dict[str, Heading] = field(default_factory=dict)
    bodies: dict[str, list[Block]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Hit:
    """Where a heading was found."""
    block: int
    start: int  # index in the printed line where the heading starts
    end: int  # index where the heading's title ends
    approximate: bool
    at_line_start: bool


def _match_at(norm: str, pos: int, title: _Title, *, require_dot: bool) -> tuple[int, bool] | None:
    """If ``norm[pos:]`` starts with the ordinal and a title of the section,
    the normalised end of the match and whether it was approximate."""
    if not norm.startswith(title.ordinal, pos):
        return None
    i = pos + 1
    if i < len(norm) and norm[i] == ".":
        i += 1
    elif require_dot or (i < len(norm) and norm[i] in SECTION_ORDINALS + "十"):
        return None  # "二十" is not "二"
    for name in title.names:
        if norm.startswith(name, i):
            return i + len(name), False
    best: tuple[float, int] | None = None
    for name in title.names:
        for length in range(max(2, len(name) - 2), len(name) + 4):
            window = norm[i : i + length]
            if len(window) < length:
                break
            ratio = difflib.SequenceMatcher(None, window, name, autojunk=False).ratio()
            if ratio >= _FUZZY and (best is None or ratio > best[0]):
                best = (ratio, i + length)
    if best is not None:
        return best[1], True
    return None


def _line_start(text: str, title: _Title) -> tuple[int, int, bool] | None:
    """A heading at the start of a line: (start, end, approximate)."""
    if title.ordinal not in normalize_label(text):
        return None  # the usual line: no character-by-character map is made
    norm, index = normalized_map(text)
    found = _match_at(norm, 0, title, require_dot=False) if norm else None
    if found is None:
        return None
    end, approx = found
    return 0, index[end - 1] + 1, approx


def _inline(text: str, title: _Title, after: int) -> tuple[int, int, bool] | None:
    """A heading inside a line, after position ``after``."""
    if title.ordinal not in normalize_label(text):
        return None
    norm, index = normalized_map(text)
    pos = norm.find(title.ordinal, 1)
    best: tuple[int, int, bool] | None = None
    while pos != -1:
        if index[pos] >= after and norm[pos - 1] not in "()":
            found = _match_at(norm, pos, title, require_dot=True)
            if found is not None:
                end, approx = found
                hit = (index[pos], index[end - 1] + 1, approx)
                if not approx:
                    return hit
                best = best or hit
        pos = norm.find(title.ordinal, pos + 1)
    return best


def find_sections(blocks: Sequence[Block], fmt: Format) -> Sections:
    """Split ``blocks`` at the six section headings.

    Each heading is searched after the previous one: first at the start of
    a line (an exact title before an approximate one), then inside lines.
    """
    titles = _titles(fmt)
    lines = [(i, b) for i, b in enumerate(blocks) if isinstance(b, Line) and b.text.strip()]
    chosen: dict[str, _Hit] = {}
    after = (-1, -1)
    for title in titles:
        hit: _Hit | None = None
        for i, line in lines:
            if (i, 0) <= after:
                continue
            found = _line_start(line.text, title)
            if found is not None:
                candidate = _Hit(i, found[0], found[1], found[2], True)
                if hit is None or (hit.approximate and not candidate.approximate):
                    hit = candidate
                if not candidate.approximate:
                    break
        if hit is None:
            for i, line in lines:
                if i < after[0]:
                    continue
                found = _inline(line.text, title, after[1] + 1 if i == after[0] else 0)
                if found is not None:
                    hit = _Hit(i, found[0], found[1], found[2], False)
                    break
        if hit is not None:
            chosen[title.key] = hit
            after = (hit.block, hit.start)
    return _cut(blocks, chosen, titles)


def _cut(blocks: Sequence[Block], chosen: dict[str, _Hit], titles: Sequence[_Title]) -> Sections:
    """Split the blocks at the chosen headings (a line holding one is split)."""
    result = Sections()
    # split lines that hold a heading inside them
    by_block: dict[int, list[tuple[str, _Hit]]] = {}
    for key, hit in chosen.items():
        by_block.setdefault(hit.block, []).append((key, hit))
    current: list[Block] = result.preamble
    expected = {t.key: t.names[0] for t in titles}
    ordinal = {t.key: t.ordinal for t in titles}
    for i, block in enumerate(blocks):
        hits = sorted(by_block.get(i, []), key=lambda kh: kh[1].start)
        if not hits or not isinstance(block, Line):
            current.append(block)
            continue
        text = block.text
        position = 0
        for key, hit in hits:
            before = text[position : hit.start].strip()
            if before:
                current.append(Line(before, block.origin, indent=block.indent))
            printed = text[hit.start : hit.end].strip()
            result.headings[key] = Heading(key, printed, block.origin, hit.approximate,
                                           f"{ordinal[key]}、{expected[key]}")
            current = result.bodies.setdefault(key, [])
            position = hit.end
        rest = text[position:].strip()
        if rest:
            current.append(Line(rest, block.origin, indent=block.indent))
    return result
