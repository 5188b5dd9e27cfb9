"""Builtin functions of the rules language that run on the report.

Each is declared with its signature next to its implementation; the checker
uses the signatures to reject unknown functions, wrong arity and type
mismatches when the rules load. Functions that only need the schema (rows,
cells, label …) are evaluated by the checker itself and are listed in
:data:`STATIC_FUNCTIONS` for the same purpose.

Text matching uses RE2 (linear time: a pattern from a stranger cannot hang
the process on long prose) on the prose with all whitespace removed, so a
pattern does not have to allow for the spaces typesetting puts around
numbers ("收到申请 5 件").
"""

from __future__ import annotations

import datetime as _dt
import importlib
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from functools import lru_cache
from typing import Any, NoReturn

import re2

from .formats import analyse_format, format_for_year
from .loading import MAX_EXPONENT
from .normalize import label_key, normalize_label

__all__ = [
    "AGGREGATES",
    "EXACT",
    "FUNCTIONS",
    "NUMBER_SLOT",
    "STATIC_FUNCTIONS",
    "Builtin",
    "EvalProblem",
    "Pattern",
    "blank_as_zero",
    "compact",
    "compile_pattern",
    "is_number",
    "parse_number",
    "prefilter",
    "utf8",
]

#: The comparison operators, one table for folding at load and evaluating.
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}
#: the types a number cell may hold (bool is not among them: True is not 1)
NUMBER_TYPES = frozenset({int, Decimal, type(None)})


def is_number(value: Any) -> bool:
    """A number cell's value: an integer or Decimal (not a bool), or blank."""
    return value.__class__ in NUMBER_TYPES


def blank_as_zero(value: Any) -> Any:
    """A blank counts as 0 in arithmetic (an identity's blanks are weighed
    apart, on failure)."""
    return 0 if value is None else value


#: The placeholder for "a number" in numbers() patterns.
NUMBER_SLOT = "{数}"
# Thousands with an ASCII comma first (3,119): RE2 takes the first
# alternative that matches. The full-width "，" separates clauses in Chinese
# prose, never thousands.
_NUMBER_BODY = (r"[0-9０-９]{1,3}(?:,[0-9０-９]{3})+(?:[.．][0-9０-９]+)?"
                r"|[0-9０-９]+(?:[.．][0-9０-９]+)?|[〇零一二三四五六七八九十百千万两]+")
_NUMBER_RE = f"({_NUMBER_BODY})"
MAX_PATTERN = 2000
MAX_MATCHES = 1000


class EvalProblem(Exception):
    """A value the rule cannot use (raised by builtins, caught per instance)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def _too_many() -> NoReturn:
    """A pattern found in the prose more often than any rule can mean: the
    instance is not evaluated (its loop would be bounded only by the text)."""
    raise EvalProblem(f"模式在正文中出现超过 {MAX_MATCHES} 次，不予判断",
                      f"the pattern occurs more than {MAX_MATCHES} times in the text; not judged")


@dataclass(frozen=True, slots=True)
class Builtin:
    """A runtime builtin: parameter types, return type, implementation."""

    name: str
    params: tuple[str, ...]
    returns: str
    impl: Callable[..., Any]
    doc: str
    #: parameter positions that must be constant text (patterns)
    constant: tuple[int, ...] = ()
    #: for a builtin ``f(text, pattern)`` with a constant pattern: the
    #: pattern → the function of the text (compiled once, when the rules are)
    bind: Callable[[Any], Callable[[Any], Any]] | None = None


FUNCTIONS: dict[str, list[Builtin]] = {}


def builtin(name: str, params: Sequence[str], returns: str, *,
            constant: Sequence[int] = (),
            bind: Callable[[Any], Callable[[Any], Any]] | None = None,
            blank_ok: bool = False,
            ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a builtin (several registrations of one name are overloads
    told apart by arity). A blank (``None``) given for a number parameter
    makes the instance not evaluated, unless ``blank_ok`` says the function
    has its own answer for a blank: blanks count as 0 only inside
    arithmetic, where an identity's blank addends are weighed."""

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        numbers = tuple(i for i, p in enumerate(params) if p == "num")
        impl = func if blank_ok or not numbers else _refusing_blanks(name, func, numbers)
        FUNCTIONS.setdefault(name, []).append(
            Builtin(name, tuple(params), returns, impl, (func.__doc__ or "").strip(),
                    tuple(constant), bind))
        return func

    return register


def _refusing_blanks(name: str, func: Callable[..., Any],
                     numbers: tuple[int, ...]) -> Callable[..., Any]:
    def refusing(*args: Any) -> Any:
        for i in numbers:
            if args[i] is None:
                raise EvalProblem(f"{name}() 的参数为空白", f"an argument of {name}() is blank")
        return func(*args)

    return refusing


#: Functions the checker evaluates from the schema alone: name → (arity, doc).
STATIC_FUNCTIONS: dict[str, tuple[tuple[int, int], str]] = {
    "rows": ((1, 8), "rows(表三) — every row of the tables under the given paths, in "
                     "official order, including the extension rows a report has"),
    "cells": ((1, 8), "cells(表二, 表三, 表四) — every number cell under the given paths"),
    "label": ((1, 1), "label(path) — the official label of a key (its schema title)"),
    "label_path": ((1, 1), "label_path(path) — the official labels from the section down"),
    "variants": ((1, 1), "variants(section) — printed variants of a section title"),
    "kind": ((1, 1), "kind(cell) — \"count\", \"signed\", \"money\", \"text\" …"),
    "key": ((1, 1), "key(path) — the English key of the last segment"),
    "exists": ((1, 1), "exists(path) — whether the report has the key (a blank cell exists)"),
    "previous": ((1, 1), "previous(path) — the same path in last year's report"),
    "blank": ((1, 1), "blank(cell) — whether a present cell was left blank (null)"),
}

#: Aggregates: name → (element type required, result type).
AGGREGATES: dict[str, tuple[str, str]] = {
    "sum": ("num", "num"),
    "min": ("num", "num"),
    "max": ("num", "num"),
    "count": ("any", "num"),
    "all": ("bool", "bool"),
    "any": ("bool", "bool"),
    "list": ("any", "list"),
}


# ------------------------------------------------------------------ text

_SPACE = re.compile(r"\s+")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．", "0123456789.")


@lru_cache(maxsize=256)
def compact(text: str) -> str:
    """Prose as matched: whitespace removed (typesetting puts spaces around
    numbers), full-width digits made ASCII."""
    return _SPACE.sub("", text).translate(_FULLWIDTH_DIGITS)


#: The decimal context rules are folded and evaluated in. Python's default
#: of 28 significant digits would round a sum of money such as
#: 12345678901234567890.123456789 + 1; with 1000, sums, differences,
#: products and comparisons of any real report are exact, and only a
#: quotient (1 / 3) is rounded, at the 1000th digit.
EXACT = Context(prec=1000, rounding=ROUND_HALF_EVEN, Emax=MAX_EMAX, Emin=MIN_EMIN,
                traps=[InvalidOperation, DivisionByZero, Overflow])


@lru_cache(maxsize=256)
def utf8(text: str) -> bytes:
    """The matched form of prose as UTF-8 (RE2 converts a str on every call;
    bytes it takes as they are)."""
    return compact(text).encode("utf-8")


# CPython's own regex parser (private, stable since 3.11), used only to find
# the prefilter's literals; without it there is no prefilter.
_sre: Any
_sre_parse: Callable[[str], Any] | None
try:
    _sre = importlib.import_module("re._constants")
    _sre_parse = importlib.import_module("re._parser").parse
except (ImportError, AttributeError):  # pragma: no cover - another Python
    _sre, _sre_parse = None, None


def _required(items: Any) -> set[str]:
    """Literal strings that occur in every match of a parsed pattern (an
    under-approximation: what it cannot see through contributes nothing)."""
    found: set[str] = set()
    run: list[str] = []
    for op, arg in items:
        if op is _sre.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            found.add("".join(run))
            run = []
        if op is _sre.SUBPATTERN and not arg[1] and not arg[2]:  # no inline flags
            found |= _required(arg[3])
        elif op is _sre.ATOMIC_GROUP:
            found |= _required(arg)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT) and arg[0] >= 1:
            found |= _required(arg[2])
        elif op is _sre.BRANCH:
            found |= set.intersection(*(_required(branch) for branch in arg[1]))
    if run:
        found.add("".join(run))
    return found


def required_literals(source: str) -> tuple[bytes, ...]:
    """Up to three literals (UTF-8) every match of the RE2 pattern
    ``source`` contains, longest first: text without one of them cannot
    match, and a substring test is far cheaper than running the regex.

    The pattern is read with Python's own regex parser, whose syntax RE2
    shares for everything that yields a literal; where they differ (POSIX
    classes, flags) no literal is claimed.
    """
    if _sre_parse is None or "[:" in source or "(?" in source.replace("(?:", ""):
        return ()  # a POSIX class, or flags or named groups: claim nothing
    try:
        parsed = _sre_parse(source)
    except Exception:  # RE2-only syntax: no prefilter, the regex decides
        return ()
    found = sorted(_required(parsed), key=lambda lit: (-len(lit.encode()), lit))
    return tuple(lit.encode("utf-8") for lit in found[:3])


class Pattern:
    """A compiled pattern: RE2 on the UTF-8 bytes of the compacted prose,
    skipped outright when a literal every match contains is absent. The
    answers for the last few texts are kept (rules ask about the same
    section's prose with the same pattern again and again)."""

    __slots__ = ("literals", "memo", "regex", "slots")

    def __init__(self, pattern: str) -> None:
        # Each {数} is a named group, so that groups of the pattern's own
        # ("(申请|件)") are never read as numbers.
        pieces = pattern.split(NUMBER_SLOT)
        source = pieces[0] + "".join(f"(?P<n{i}>{_NUMBER_BODY}){piece}"
                                     for i, piece in enumerate(pieces[1:]))
        options = re2.Options()
        options.max_mem = 8 << 20
        self.regex = re2.compile(source.encode("utf-8"), options)
        #: positions of the {数} groups in a match's groups(), in order
        self.slots = tuple(self.regex.groupindex[f"n{i}".encode()] - 1
                           for i in range(len(pieces) - 1))
        self.literals = required_literals(pattern.replace(NUMBER_SLOT, _NUMBER_RE))
        self.memo: dict[tuple[str, str], Any] = {}

    def _body(self, text: str) -> bytes | None:
        """The prose as matched (compacted UTF-8), or None when a literal
        every match needs is absent: the usual answer, and far cheaper than
        running the regex or a memo lookup."""
        body = utf8(text)
        for literal in self.literals:
            if literal not in body:
                return None
        return body

    def search(self, text: str) -> bool:
        """Whether the pattern occurs in the prose."""
        body = self._body(text)
        if body is None:
            return False
        key = ("search", text)
        found = self.memo.get(key)
        if found is None:
            found = self._keep(key, self.regex.search(body) is not None)
        return bool(found)

    def _matches(self, body: bytes) -> Iterator[tuple[bytes, list[str]]]:
        """(whole match, the numbers its {数} slots captured) of every match,
        in order. A pattern without a slot gives its last captured group."""
        slots = self.slots
        for match in self.regex.finditer(body):
            groups = match.groups()
            if slots:
                found = [g.decode("utf-8") for g in (groups[i] for i in slots) if g]
            else:
                found = [g.decode("utf-8") for g in groups if g][-1:]
            yield match.group(0), found

    def numbers(self, text: str) -> list[int | Decimal]:
        """Every number the pattern's {数} slot captures, in order."""
        body = self._body(text)
        if body is None:
            return []
        key = ("numbers", text)
        found = self.memo.get(key)
        if found is None:
            found = []
            for _whole, numbers in self._matches(body):
                found.extend(parse_number(n) for n in numbers)
                if len(found) > MAX_MATCHES:
                    _too_many()
            self._keep(key, found)
        return list(found)

    def number_lists(self, text: str) -> list[list[int | Decimal]]:
        """For each match, the counted numbers in it."""
        found: list[list[int | Decimal]] = []
        body = self._body(text)
        if body is None:
            return found
        for whole, _groups in self._matches(body):
            found.append([parse_number(n) for n in _COUNTED.findall(whole.decode("utf-8"))])
            if len(found) > MAX_MATCHES:
                _too_many()
        return found

    def _keep(self, key: tuple[str, str], value: Any) -> Any:
        if len(self.memo) >= 64:
            self.memo.clear()  # texts of one report at a time: no need for LRU
        self.memo[key] = value
        return value


def prefilter(bound: Callable[[str], Any]) -> tuple[tuple[bytes, ...], bool] | None:
    """For a pattern function made by a builtin's ``bind`` (``matches``,
    ``numbers``, ``number_lists`` with their pattern): the literals every
    match needs, and whether its answer when one of them is absent from the
    prose is an empty list (else ``False``). None when there is no such
    shortcut. The compiler tests the literals in the caller's own frame:
    most calls end there, on prose that cannot match."""
    pattern = getattr(bound, "__self__", None)
    if not isinstance(pattern, Pattern) or not pattern.literals:
        return None
    return pattern.literals, getattr(bound, "__func__", None) is not Pattern.search


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Pattern:
    """Compile a pattern with RE2; ``{数}`` becomes a number group.

    Raises:
        ValueError: the pattern is not valid RE2 syntax or is too long.
    """
    if len(pattern) > MAX_PATTERN:
        raise ValueError(f"pattern longer than {MAX_PATTERN} characters")
    try:
        return Pattern(pattern)
    except re2.error as exc:
        raise ValueError(str(exc)) from None


_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
           "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


_ARABIC = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")


#: the most characters a number in prose is read from: the loader's bound
#: on a report's numbers (10^±1000), written with thousands separators
_LONGEST_NUMBER = MAX_EXPONENT * 4 // 3 + 2


def parse_number(text: str) -> int | Decimal:
    """A number written in Arabic, full-width or Chinese numerals.

    >>> parse_number("５"), parse_number("十二"), parse_number("两"), parse_number("一百零三")
    (5, 12, 2, 103)
    >>> parse_number("3,119"), parse_number("三千一百一十九"), parse_number("二〇二一")
    (3119, 3119, 2021)
    >>> parse_number("一万二"), parse_number("三百五")
    (12000, 350)

    Raises:
        EvalProblem: not a number, or not one reading only ("十十", "1,2,3").
    """
    raw = unicodedata.normalize("NFKC", text).strip()
    if len(raw) > _LONGEST_NUMBER:
        # (as the loader refuses numbers beyond 10^±1000 in a report)
        shown = text[:20] + "…"
        raise EvalProblem(f"“{shown}”有 {len(raw)} 位，不是可读的数字",
                          f"{shown!r} has {len(raw)} digits: not a readable number")
    if _ARABIC.fullmatch(raw):
        raw = raw.replace(",", "")
        return Decimal(raw) if "." in raw else int(raw)
    if raw and all(ch in _DIGITS for ch in raw):  # 二〇二一: digit by digit, as years are
        return int("".join(str(_DIGITS[ch]) for ch in raw))
    return _chinese_number(raw, text)


def _chinese_number(raw: str, text: str) -> int:
    """十二, 一百零三, 三千一百一十九, 十万, 一万二 (= 12000): numerals with units."""
    bad = EvalProblem(f"“{text}”不是数字", f"{text!r} is not a number")
    total, section, digit = 0, 0, None
    unit = 0  # the last unit written
    after_unit = zero = False
    for ch in raw:
        if ch in _DIGITS:
            if digit:  # two digits running, as in 十二三: one reading only
                raise bad
            zero = zero or _DIGITS[ch] == 0
            digit, after_unit = _DIGITS[ch], False
        elif ch == "万":
            if total:  # 万万
                raise bad
            total, section, unit = (section + (digit or 0)) * 10000, 0, 10000
            digit, after_unit, zero = None, True, False
        elif ch in _UNITS:
            if after_unit and digit is None:  # 十十, 百十
                raise bad
            unit = _UNITS[ch]
            section += (digit or 1) * unit  # 十 alone, 零十 (一千零十): one ten
            digit, after_unit, zero = None, True, False
        else:
            raise bad
    if digit and unit >= 100 and not zero:
        digit *= unit // 10  # 一万二, 三百五: the last digit counts in the next unit down
    return total + section + (digit or 0)


@builtin("contains", ("text", "text"), "bool")
def _contains(text: str, needle: str) -> bool:
    """contains(text, "工作考核") — the prose mentions the words (spaces ignored)."""
    return compact(needle) in compact(text)


@builtin("contains", ("text", "list:text"), "bool")
def _contains_any(text: str, needles: Sequence[str]) -> bool:
    """contains(text, ["未收到", "没有收到"]) — the prose mentions any of them."""
    body = compact(text)
    return any(compact(n) in body for n in needles)


@builtin("matches", ("text", "text"), "bool", constant=(1,),
         bind=lambda pattern: compile_pattern(pattern).search)
def _matches(text: str, pattern: str) -> bool:
    """matches(text, "未(收到|发生)") — an RE2 pattern occurs in the prose."""
    return compile_pattern(pattern).search(text)


@builtin("numbers", ("text", "text"), "list:num", constant=(1,),
         bind=lambda pattern: compile_pattern(pattern).numbers)
def _numbers(text: str, pattern: str) -> list[int | Decimal]:
    """numbers(text, "共收到[^。]{0,20}?申请{数}件") — every number the pattern's
    {数} slot captures, in order (Arabic, full-width or Chinese numerals)."""
    return compile_pattern(pattern).numbers(text)


_COUNTED = re.compile(
    r"([0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?|[〇零一二三四五六七八九十百千万两]+)"
    r"(?=[条件项个篇次人])")


@builtin("number_lists", ("text", "text"), "list:list:num", constant=(1,),
         bind=lambda pattern: compile_pattern(pattern).number_lists)
def _number_lists(text: str, pattern: str) -> list[list[int | Decimal]]:
    """number_lists(text, "共[^。]{0,20}?[0-9]+条[（(]其中[^）)]*[）)]") — for each
    match, the counted numbers in it (a number followed by 条/件/项/个/篇/次/人),
    in order: the stated total and its parts, say."""
    return compile_pattern(pattern).number_lists(text)


@builtin("first", ("list:num",), "num")
def _first(values: Sequence[int | Decimal]) -> int | Decimal:
    """first(list) — the first number of a list."""
    if not values:
        raise EvalProblem("列表为空", "the list is empty")
    return values[0]


@builtin("rest", ("list:num",), "list:num")
def _rest(values: Sequence[int | Decimal]) -> list[int | Decimal]:
    """rest(list) — the list without its first number."""
    return list(values[1:])


@builtin("number", ("text",), "num")
def _number(text: str) -> int | Decimal:
    """number("十二") — the number a numeral writes."""
    return parse_number(text)


@builtin("length", ("text",), "num")
def _length(text: str) -> int:
    """length(text) — characters of prose, whitespace not counted."""
    return len(compact(text))


@builtin("same_label", ("text", "text"), "bool")
def _same_label(a: str, b: str) -> bool:
    """same_label(a, b) — equal after label normalisation (full/half width,
    spaces, 1./1、/1．)."""
    return normalize_label(a) == normalize_label(b)


@builtin("label_in", ("text", "list:text"), "bool")
def _label_in(text: str, labels: Sequence[str]) -> bool:
    """label_in(title, variants(problems)) — the text is one of the labels,
    compared after normalisation and without the leading numbering."""
    key = label_key(text)
    return any(label_key(label) == key for label in labels)


@builtin("overlap", ("text", "text"), "num")
def _overlap(text: str, other: str) -> Decimal:
    """overlap(this, last_year) — the share (0 to 1) of this text's 8-character
    runs that also occur in the other text: how much of it was copied."""
    a, b = compact(text), compact(other)
    width = 8
    if len(a) < width:
        return Decimal(1) if a and a in b else Decimal(0)
    runs = {a[i : i + width] for i in range(len(a) - width + 1)}
    theirs = {b[i : i + width] for i in range(max(len(b) - width + 1, 0))}
    share = Decimal(len(runs & theirs)) / Decimal(len(runs))
    return share.quantize(Decimal("0.001"))


@builtin("percent", ("num",), "text")
def _percent(value: int | Decimal) -> str:
    """percent(0.875) — "87.5%"."""
    shown = (Decimal(value) * 100).quantize(Decimal("0.1"))
    return f"{shown.normalize():f}%"


@builtin("whole", ("num",), "bool", blank_ok=True)
def _whole(value: int | Decimal | None) -> bool:
    """whole(x) — the number has no fractional part (a blank counts as whole)."""
    if value is None or value.__class__ is int:
        return True
    if isinstance(value, Decimal):  # to_integral_value, not int(): int() of 1E+1000 is slow
        return value == value.to_integral_value()
    raise EvalProblem(f"“{value}”不是数", f"{value!r} is not a number")


@builtin("abs", ("num",), "num")
def _abs(value: int | Decimal) -> int | Decimal:
    """abs(x) — the absolute value."""
    return -value if value < 0 else value


@builtin("date", ("text",), "date")
def _date(text: str) -> _dt.date:
    """date("2021-01-31") — a date written YYYY-MM-DD."""
    try:
        return _dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise EvalProblem(f"“{text}”不是 YYYY-MM-DD 日期", f"{text!r} is not a YYYY-MM-DD date") \
            from None


@builtin("date", ("num", "num", "num"), "date")
def _date_ymd(year: int | Decimal, month: int | Decimal, day: int | Decimal) -> _dt.date:
    """date(year + 1, 1, 31) — the day with that year, month and day."""
    try:
        return _dt.date(int(year), int(month), int(day))
    except (ValueError, OverflowError, InvalidOperation):
        raise EvalProblem(f"不存在的日期 {year}-{month}-{day}",
                          f"no such date {year}-{month}-{day}") from None


@builtin("format_for_year", ("num",), "text")
def _format_for_year(year: int | Decimal) -> str:
    """format_for_year(2022) — "2021": the format a year's report uses."""
    if isinstance(year, Decimal) and year != year.to_integral_value():
        raise EvalProblem(f"年度 {year} 不是整数", f"the year {year} is not a whole number")
    return format_for_year(int(year)) or ""


@builtin("text", ("any",), "text")
def _text(value: Any) -> str:
    """text(x) — a value as text (for messages and comparisons)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def tables_format(document: Any) -> str:
    """The format the report's tables use: "2019", "2021", "mixed" or ""."""
    info = analyse_format(document)
    if info.mixed:
        return "mixed"
    return info.detected or ""
