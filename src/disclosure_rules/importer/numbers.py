"""Cell values as published: tokenising table text and reading numbers.

A published cell is read as it stands: "+1036" is 1036 with its sign,
"251000元" is 251000, "１２" is 12, "3,119" is 3119, money keeps every decimal
(:class:`~decimal.Decimal`). Nothing here guesses: a digit run that may stand
for several cells yields every reading (:func:`readings`) and the caller
decides, with the table's identities, whether exactly one of them fits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations, pairwise
from typing import Literal

__all__ = [
    "Number",
    "Parsed",
    "Piece",
    "Reading",
    "fold",
    "is_dash",
    "parse_value",
    "readings",
    "split_piece",
]

Number = int | Decimal

# Minus signs that NFKC leaves alone.
_MINUS = str.maketrans({"−": "-", "–": "-", "﹣": "-"})
#: a number as printed: sign, digits with optional thousands groups, decimals
_NUMBER = re.compile(r"[+\-]?\d+(?:,\d{3})+(?:\.\d+)?(?!\d)|[+\-]?\d+(?:\.\d+)?")
#: units printed after a number inside a cell
_UNIT = re.compile(r"万元|元|件|条|项|个|次")
#: what a cell holds when it says "nothing" without being blank
_DASHES = frozenset({"-", "--", "—", "——", "/", "\\", "无", "空", "×", "x", "X", "―", "─"})


def fold(text: str) -> str:
    """NFKC (full-width digits, ＋, ，) with the remaining minus variants folded."""
    return unicodedata.normalize("NFKC", text).translate(_MINUS)


def is_dash(text: str) -> bool:
    """Whether a whole cell is a dash-like placeholder ("—", "/", "无" …)."""
    return text in _DASHES


TokenKind = Literal["text", "value"]


def split_piece(piece: str) -> list[tuple[TokenKind, str]]:
    """Split one whitespace-free piece of table text into text and numbers.

    Run-together text such as ``规范性文件898989第二十条`` yields
    ``[("text", "规范性文件"), ("value", "898989"), ("text", "第二十条")]``.
    A row number ("1." "2、") before a label stays with the label, also when
    it is glued to the digits of the previous row: ``00000002.其他`` is the
    value ``0000000`` and the text ``2.其他`` (row numbers in the official
    tables are single digits).
    """
    s = fold(piece)
    if is_dash(s):
        return [("value", s)]
    out: list[tuple[TokenKind, str]] = []
    text_start = 0
    i = 0
    n = len(s)
    while i < n:
        ch = s[i]
        starts_number = ch.isdigit() or (
            ch in "+-" and i + 1 < n and s[i + 1].isdigit() and (i == 0 or not s[i - 1].isalnum())
        )
        if not starts_number:
            i += 1
            continue
        match = _NUMBER.match(s, i)
        if match is None:  # pragma: no cover - the guard above makes a match certain
            i += 1
            continue
        end = match.end()
        digits = match.group()
        numbering = end < n and s[end] in ".、" and end + 1 < n and not s[end + 1].isdigit()
        if numbering and digits.isdigit():
            # "1.属于国家秘密": a row number, part of the label text
            if len(digits) <= 2 and (i == 0 or not s[i - 1].isdigit()):
                i = end + 1
                continue
            # "00000002.其他": the last digit numbers the next row
            value_end = end - 1
            if text_start < i:
                out.append(("text", s[text_start:i]))
            out.append(("value", s[i:value_end]))
            text_start = value_end
            i = end + 1
            continue
        unit = _UNIT.match(s, end)
        if unit is not None:
            end = unit.end()
        if text_start < i:
            out.append(("text", s[text_start:i]))
        out.append(("value", s[i:end]))
        text_start = end
        i = end
    if text_start < n:
        out.append(("text", s[text_start:]))
    return out


@dataclass(frozen=True, slots=True)
class Parsed:
    """A cell's text read as a number: ``value`` is None when it is not one."""

    value: Number | None
    unit: str = ""


def parse_value(text: str) -> Parsed:
    """Read one cell's printed text as a number.

    Returns ``Parsed(None)`` for anything that is not exactly one number
    (a dash, a word, two numbers). Integral values are ``int``; others
    ``Decimal`` with every printed decimal kept.
    """
    s = fold(text).strip()
    unit = ""
    for candidate in ("万元", "元", "件", "条", "项", "个", "次"):
        if s.endswith(candidate) and len(s) > len(candidate):
            unit, s = candidate, s[: -len(candidate)].rstrip()
            break
    if not s or _NUMBER.fullmatch(s) is None:
        return Parsed(None)
    s = s.replace(",", "")
    try:
        number = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        return Parsed(None)
    if "." not in s:
        return Parsed(int(number), unit)
    return Parsed(number, unit)


@dataclass(frozen=True, slots=True)
class Piece:
    """The printed text of one cell within a reading, and the token it came
    from (None for a cell a reading leaves empty)."""

    text: str | None
    token: int


@dataclass(frozen=True, slots=True)
class Reading:
    """One way to read a run of printed tokens as a row of cells.

    ``how`` says what the reading assumed: ``exact`` (one token per cell),
    ``split`` (digits run together), ``merge`` (a number split across
    cells), ``drop`` (a token too many, reported in ``dropped``) or ``gap``
    (fewer tokens than cells: a cell is left empty).
    """

    pieces: tuple[Piece, ...]
    how: Literal["exact", "split", "merge", "drop", "gap"]
    dropped: tuple[Piece, ...] = ()


def _plain_digits(text: str) -> bool:
    """Whether a token is digits only (it may join a neighbour)."""
    return text.isdigit()


def _no_leading_zero(part: str) -> bool:
    """Whether a part is a number as printed ("0" but not "05")."""
    integer = part.split(".", 1)[0].lstrip("+-")
    return integer == "0" or not integer.startswith("0")


def _splittable(text: str) -> tuple[str, str] | None:
    """The digits that may be cut, and the suffix (decimals, unit) kept with
    the last part; None for a token that cannot stand for several cells."""
    match = re.fullmatch(r"(\d+)((?:\.\d+)?(?:万元|元|件|条|项|个|次)?)", text)
    if match is None:
        return None
    return match.group(1), match.group(2)


def _splits(text: str, parts: int) -> Iterator[tuple[str, ...]]:
    """Every way to cut ``text`` into ``parts`` numbers without leading zeros."""
    if parts == 1:
        if _no_leading_zero(text):
            yield (text,)
        return
    cut = _splittable(text)
    if cut is None:
        return
    digits, suffix = cut
    if len(digits) < parts:
        return
    for cuts in combinations(range(1, len(digits)), parts - 1):
        bounds = (0, *cuts, len(digits))
        chunks = [digits[a:b] for a, b in pairwise(bounds)]
        chunks[-1] += suffix
        if all(_no_leading_zero(c) for c in chunks):
            yield tuple(chunks)


def _compositions(total: int, sizes: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Ways to give each token 1..size parts so that they add up to ``total``."""
    if not sizes:
        if total == 0:
            yield ()
        return
    rest_min = len(sizes) - 1
    rest_max = sum(sizes[1:])
    for first in range(1, sizes[0] + 1):
        remaining = total - first
        if rest_min <= remaining <= rest_max:
            for tail in _compositions(remaining, sizes[1:]):
                yield (first, *tail)


def readings(tokens: Sequence[str | None], cells: int, *, limit: int = 5000) -> list[Reading]:
    """Every reading of printed ``tokens`` as ``cells`` cells.

    ``None`` in ``tokens`` is a blank cell (it is never cut or merged). At
    most ``limit`` readings are returned (the caller treats a full list as
    "too many to choose from").
    """
    m = len(tokens)
    if m == cells:
        return [Reading(tuple(Piece(t, i) for i, t in enumerate(tokens)), "exact")]
    out: list[Reading] = []
    if m < cells:
        sizes = [
            len(cut[0]) if t is not None and (cut := _splittable(t)) is not None else 1
            for t in tokens
        ]
        for counts in _compositions(cells, sizes):
            out.extend(_split_readings(tokens, counts, limit - len(out)))
            if len(out) >= limit:
                return out
        if not out:
            # Nothing can be cut: the row lost blank cells. Every placement of
            # the gaps is a reading.
            for gaps in combinations(range(cells), cells - m):
                pieces: list[Piece] = []
                it = iter(enumerate(tokens))
                for pos in range(cells):
                    if pos in gaps:
                        pieces.append(Piece(None, -1))
                    else:
                        i, t = next(it)
                        pieces.append(Piece(t, i))
                out.append(Reading(tuple(pieces), "gap"))
                if len(out) >= limit:
                    break
        return out
    # More tokens than cells: adjacent digit tokens merged, or tokens too many.
    out.extend(_merge_readings(tokens, cells, limit))
    if m - cells == 1:
        for drop in range(m):
            kept = tuple(Piece(t, i) for i, t in enumerate(tokens) if i != drop)
            out.append(Reading(kept, "drop", (Piece(tokens[drop], drop),)))
    return out[:limit]


def _split_readings(
    tokens: Sequence[str | None], counts: Sequence[int], limit: int
) -> Iterator[Reading]:
    """Readings that cut tokens into the given numbers of parts."""
    produced = 0

    def rec(index: int, acc: list[Piece]) -> Iterator[Reading]:
        nonlocal produced
        if produced >= limit:
            return
        if index == len(tokens):
            produced += 1
            yield Reading(tuple(acc), "split")
            return
        token = tokens[index]
        if token is None:
            yield from rec(index + 1, [*acc, Piece(None, index)])
            return
        for parts in _splits(token, counts[index]):
            yield from rec(index + 1, [*acc, *(Piece(p, index) for p in parts)])

    yield from rec(0, [])


def _merge_readings(tokens: Sequence[str | None], cells: int, limit: int) -> Iterator[Reading]:
    """Readings that join runs of adjacent digit tokens into single cells."""
    m = len(tokens)
    joins_needed = m - cells
    candidates = [
        i for i in range(m - 1)
        if tokens[i] is not None and tokens[i + 1] is not None
        and _plain_digits(tokens[i] or "") and _plain_digits(tokens[i + 1] or "")
    ]
    produced = 0
    for joins in combinations(candidates, joins_needed):
        joined = set(joins)
        pieces: list[Piece] = []
        parts: list[str] = []
        start = 0
        for i, t in enumerate(tokens):
            if not parts:
                start = i
            if t is None:
                pieces.append(Piece(None, i))
                continue
            parts.append(t)
            if i in joined:
                continue
            pieces.append(Piece("".join(parts), start))
            parts = []
        if len(pieces) == cells and all(
            p.text is None or _no_leading_zero(p.text) for p in pieces
        ):
            produced += 1
            yield Reading(tuple(pieces), "merge")
            if produced >= limit:
                return
