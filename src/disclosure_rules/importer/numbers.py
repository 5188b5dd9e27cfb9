"""Cell values as published: tokenising table text and reading numbers.

A published cell is read as it stands: "+1036" is 1036 with its sign,
"251000元" is 251000 (with its unit), "１２" is 12, "3,119" is 3119, money
keeps every decimal (:class:`~decimal.Decimal`). A number beyond 10^±1000
(:data:`~disclosure_rules.loading.MAX_EXPONENT`, the bound the loader
applies) is no number. Nothing here guesses: a digit run that may stand for
several cells yields every reading (:func:`readings`) and the caller decides,
with the table's identities, whether exactly one of them fits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import combinations, islice
from typing import Literal

from ..loading import MAX_EXPONENT
from ..render import MONEY_UNITS

__all__ = [
    "MAX_RUN",
    "READINGS_LIMIT",
    "Number",
    "Parsed",
    "Piece",
    "Reading",
    "Readings",
    "attach_units",
    "fold",
    "is_dash",
    "is_unit",
    "parse_value",
    "readings",
    "split_piece",
]

Number = int | Decimal

# Minus signs that NFKC leaves alone.
_MINUS = str.maketrans({"−": "-", "–": "-", "﹣": "-"})
#: a number as printed: sign, digits with optional thousands groups, decimals
_NUMBER = re.compile(r"[+\-]?\d+(?:,\d{3})+(?:\.\d+)?(?!\d)|[+\-]?\d+(?:\.\d+)?")
#: units printed after a number inside a cell (a longer unit before its tail)
_UNITS = (*MONEY_UNITS, "件", "条", "项", "个", "次")
_UNIT = re.compile("|".join(_UNITS))
#: a token that may stand for several cells: digits, then decimals and a
#: unit that stay with the last part
_SPLITTABLE = re.compile(rf"(\d+)((?:\.\d+)?(?:{_UNIT.pattern})?)")
#: a unit printed apart from its number ("251000 元")
_UNIT_APART = re.compile(rf"(\d)\s+({_UNIT.pattern})(?=\s|$)")
#: the most readings listed for a run of tokens (see :func:`readings`)
READINGS_LIMIT = 5000
#: the longest token that may stand for several cells: fifteen cells of
#: six digits (a longer run is one value, or none)
_MAX_CUT = 90
#: the longest run read other than one token per cell (the widest row of a
#: report has 15 cells; the search's depth grows with the run)
MAX_RUN = 32
#: what a cell holds when it says "nothing" without being blank
_DASHES = frozenset({"-", "--", "—", "——", "/", "\\", "无", "空", "×", "x", "X", "―", "─"})


def fold(text: str) -> str:
    """NFKC (full-width digits, ＋, ，) with the remaining minus variants folded."""
    return unicodedata.normalize("NFKC", text).translate(_MINUS)


def is_dash(text: str) -> bool:
    """Whether a whole cell is a dash-like placeholder ("—", "/", "无" …)."""
    return text in _DASHES


def is_unit(text: str) -> bool:
    """Whether a whole cell is a unit printed without a number ("元")."""
    return text in _UNITS


def attach_units(text: str) -> str:
    """Units printed apart from their numbers joined to them: "251000 元"
    is the cell "251000元", not a number and a word."""
    return _UNIT_APART.sub(r"\1\2", text)


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
    """A cell's text read as a number: ``value`` is None when it is not one;
    ``unit`` is the unit printed after the number (or alone in the cell);
    ``out_of_range`` says a number was printed but lies beyond 10^±1000."""

    value: Number | None
    unit: str = ""
    out_of_range: bool = False


def parse_value(text: str) -> Parsed:
    """Read one cell's printed text as a number.

    Returns ``Parsed(None)`` for anything that is not exactly one number
    (a dash, a word, two numbers, a number out of range); a unit printed
    alone ("元") is ``Parsed(None, "元")``. Integral values are ``int``;
    others ``Decimal`` with every printed decimal kept.
    """
    s = fold(text).strip()
    unit = next((u for u in _UNITS if s.endswith(u)), "")
    if unit:
        s = s[: -len(unit)].rstrip()
        if not s:
            return Parsed(None, unit)
    if not s or _NUMBER.fullmatch(s) is None:
        return Parsed(None)
    s = s.replace(",", "")
    try:
        number = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimals
        return Parsed(None)
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        return Parsed(None, unit, out_of_range=True)
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


class Readings(list[Reading]):
    """The readings of a run; ``complete`` is False when there are more than
    were listed (the limit was reached): then none of them may be chosen."""

    def __init__(self, items: Iterable[Reading] = (), *, complete: bool = True) -> None:
        super().__init__(items)
        self.complete = complete


def readings(tokens: Sequence[str | None], cells: int, *,
             limit: int = READINGS_LIMIT) -> Readings:
    """Every reading of printed ``tokens`` as ``cells`` cells.

    ``None`` in ``tokens`` is a blank cell (it is never cut or merged).
    Readings are generated lazily and generation stops after ``limit``: a
    run with more readings gives the first ``limit`` with ``complete``
    False. (Generation that would take long without producing readings is
    cut short the same way, and so is a run of more than
    :data:`MAX_RUN` tokens or cells that are not one token per cell: no
    report's row is that long.)
    """
    if len(tokens) != cells and max(len(tokens), cells) > MAX_RUN:
        return Readings((), complete=False)
    budget = _Budget(_STEPS_PER_TOKEN * (len(tokens) + 1) * (limit + 1))
    found = list(islice(_readings(tokens, cells, budget), limit + 1))
    complete = len(found) <= limit and not budget.exhausted
    return Readings(found[:limit], complete=complete)


#: the search steps allowed per token and reading asked for, where a search
#: can go on without yielding (merges whose joins would give leading zeros)
_STEPS_PER_TOKEN = 4


class _Budget:
    """A count of search steps; ``exhausted`` once they are used up."""

    __slots__ = ("exhausted", "steps")

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.exhausted = False

    def spend(self) -> bool:
        """Use a step; False when none is left."""
        self.steps -= 1
        if self.steps < 0:
            self.exhausted = True
        return not self.exhausted


def _readings(tokens: Sequence[str | None], cells: int, budget: _Budget) -> Iterator[Reading]:
    """Every reading, lazily (see :func:`readings`)."""
    m = len(tokens)
    if m == cells:
        yield Reading(tuple(Piece(t, i) for i, t in enumerate(tokens)), "exact")
        return
    if m < cells:
        split = False
        for reading in _split_readings(tokens, cells):
            split = True
            yield reading
        if not split:
            # Nothing can be cut: the row lost blank cells. Every placement of
            # the gaps is a reading.
            yield from _gap_readings(tokens, cells)
        return
    # More tokens than cells: adjacent digit tokens merged, or tokens too many.
    yield from _merge_readings(tokens, cells, budget)
    if m - cells == 1:
        for drop in range(m):
            kept = tuple(Piece(t, i) for i, t in enumerate(tokens) if i != drop)
            yield Reading(kept, "drop", (Piece(tokens[drop], drop),))


def _no_leading_zero(part: str) -> bool:
    """Whether a part is a number as printed ("0" but not "05")."""
    integer = part.split(".", 1)[0].lstrip("+-")
    return integer == "0" or not integer.startswith("0")


@dataclass(frozen=True, slots=True)
class _Cuttable:
    """A token as digits that may be cut, with what stays with the last part."""

    digits: str
    suffix: str
    #: for each position, how many zeros run from it
    zeros: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> _Cuttable | None:
        if len(text) > _MAX_CUT:
            return None  # no row of cells: read as one value (out of range)
        match = _SPLITTABLE.fullmatch(text)
        if match is None:
            return None
        digits = match.group(1)
        zeros = [0] * (len(digits) + 1)
        for i in range(len(digits) - 1, -1, -1):
            zeros[i] = zeros[i + 1] + 1 if digits[i] == "0" else 0
        return cls(digits, match.group(2), tuple(zeros))

    def feasible(self, start: int, parts: int) -> bool:
        """Whether ``digits[start:]`` can be cut into ``parts`` numbers
        without leading zeros: its leading zeros are single "0" parts, and
        what follows them takes at least one part and at most a digit each."""
        rest = len(self.digits) - start
        zeros = self.zeros[start]
        if zeros == rest:
            return parts == rest
        return zeros + 1 <= parts <= rest

    def cuts(self, start: int, parts: int) -> Iterator[tuple[str, ...]]:
        """Every cut of ``digits[start:]`` into ``parts`` numbers (only
        feasible branches are entered: each yields)."""
        digits = self.digits
        if parts == 1:
            yield (digits[start:] + self.suffix,)
            return
        longest = 1 if digits[start] == "0" else len(digits) - start - parts + 1
        for length in range(1, longest + 1):
            end = start + length
            if self.feasible(end, parts - 1):
                for rest in self.cuts(end, parts - 1):
                    yield (digits[start:end], *rest)


def _bounds(token: str | None) -> tuple[int, int] | None:
    """The fewest and most cells a token can stand for (None: not even one)."""
    if token is None:
        return 1, 1
    cut = _Cuttable.of(token)
    if cut is None:
        return (1, 1) if _no_leading_zero(token) else None
    n = len(cut.digits)
    low = n if cut.zeros[0] == n else cut.zeros[0] + 1
    return low, n


def _splits(token: str | None, cut: _Cuttable | None, parts: int) -> Iterator[tuple[str, ...]]:
    """Every way to cut a token into ``parts`` numbers without leading zeros."""
    if token is None:
        return
    if cut is None:
        yield (token,)
        return
    yield from cut.cuts(0, parts)


def _compositions(total: int, bounds: Sequence[tuple[int, int]]) -> Iterator[tuple[int, ...]]:
    """Ways to give each token low..high parts so that they add up to ``total``."""
    if not bounds:
        if total == 0:
            yield ()
        return
    rest_min = sum(low for low, _ in bounds[1:])
    rest_max = sum(high for _, high in bounds[1:])
    low, high = bounds[0]
    for first in range(low, high + 1):
        if rest_min <= total - first <= rest_max:
            for tail in _compositions(total - first, bounds[1:]):
                yield (first, *tail)


def _split_readings(tokens: Sequence[str | None], cells: int) -> Iterator[Reading]:
    """Readings that cut tokens into several numbers each."""
    bounds = [_bounds(t) for t in tokens]
    if any(b is None for b in bounds):
        return
    cuts = [_Cuttable.of(t) if t is not None else None for t in tokens]

    def rec(index: int, counts: tuple[int, ...], acc: list[Piece]) -> Iterator[Reading]:
        if index == len(tokens):
            yield Reading(tuple(acc), "split")
            return
        token = tokens[index]
        if token is None:
            yield from rec(index + 1, counts, [*acc, Piece(None, index)])
            return
        for parts in _splits(token, cuts[index], counts[index]):
            yield from rec(index + 1, counts, [*acc, *(Piece(p, index) for p in parts)])

    for counts in _compositions(cells, [b for b in bounds if b is not None]):
        yield from rec(0, counts, [])


def _gap_readings(tokens: Sequence[str | None], cells: int) -> Iterator[Reading]:
    """Readings that leave cells empty where the tokens are too few."""
    for gaps in combinations(range(cells), cells - len(tokens)):
        pieces: list[Piece] = []
        it = iter(enumerate(tokens))
        for pos in range(cells):
            if pos in gaps:
                pieces.append(Piece(None, -1))
            else:
                i, t = next(it)
                pieces.append(Piece(t, i))
        yield Reading(tuple(pieces), "gap")


def _merge_readings(tokens: Sequence[str | None], cells: int,
                    budget: _Budget) -> Iterator[Reading]:
    """Readings that join runs of adjacent digit tokens into single cells
    (at most one join per cell: more tokens than that are no row of cells)."""
    m = len(tokens)
    if m - cells > cells:
        return
    joinable = [
        i < m - 1 and (a := tokens[i]) is not None and (b := tokens[i + 1]) is not None
        and a.isdigit() and b.isdigit()
        for i in range(m)
    ]
    # joinable boundaries from each position on (to stop a hopeless search)
    ahead = [0] * (m + 1)
    for i in range(m - 1, -1, -1):
        ahead[i] = ahead[i + 1] + joinable[i]

    def rec(i: int, joins: int, start: int, acc: list[Piece]) -> Iterator[Reading]:
        # token i is in the run that began at token ``start``
        if not budget.spend():
            return
        if tokens[i] is None:
            yield from after(i, joins, [*acc, Piece(None, i)])
            return
        if joins and joinable[i] and not (tokens[start] or "").startswith("0"):
            yield from rec(i + 1, joins - 1, start, acc)  # join token i to the next
        if joins > ahead[i + 1] or not budget.spend():
            return
        text = "".join(t or "" for t in tokens[start:i + 1])
        if _no_leading_zero(text):
            yield from after(i, joins, [*acc, Piece(text, start)])

    def after(i: int, joins: int, acc: list[Piece]) -> Iterator[Reading]:
        # token i closed a cell: the reading is done, or goes on at i + 1
        if i < m - 1:
            yield from rec(i + 1, joins, i + 1, acc)
        elif joins == 0:
            yield Reading(tuple(acc), "merge")

    if m - cells <= ahead[0]:
        yield from rec(0, m - cells, 0, [])
