"""The rules language's syntax tree: frozen dataclasses, one per construct.

Every node carries a :class:`Span` (1-based line/column in the rule file) so
that static errors and evaluation problems point at the rule text. Spans do
not take part in equality: two trees that differ only in layout are equal,
which is what the formatter's round-trip property relies on.

No evaluation logic lives here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "Add",
    "And",
    "Assert",
    "Bool",
    "Call",
    "Compare",
    "Const",
    "Div",
    "Expr",
    "For",
    "Generator",
    "If",
    "In",
    "Index",
    "Let",
    "ListLit",
    "Member",
    "Mul",
    "Name",
    "Neg",
    "Not",
    "Num",
    "Or",
    "Pack",
    "ReportStmt",
    "Rule",
    "RuleFile",
    "SetLit",
    "Span",
    "Stmt",
    "Str",
    "Sub",
    "TextPair",
    "When",
    "Wildcard",
]


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a rule file: 1-based, end exclusive of nothing (lark's)."""

    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0


_NO_SPAN = Span()


def _span() -> Span:
    return field(default=_NO_SPAN, compare=False, repr=False)


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True, slots=True)
class Num:
    """A number literal: int, or Decimal when written with a point."""

    value: int | Decimal
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Str:
    """A string literal (escapes already resolved)."""

    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Bool:
    """``true`` or ``false``."""

    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Name:
    """A bare name: a variable, a named set, a top-level key or label, or
    ``previous``."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Member:
    """``base.key`` — a key, a label or an alias; ``quoted`` when written as a
    string (``表三."一、本年新收政府信息公开申请数量"``)."""

    base: Expr
    key: str
    #: how the key was written (presentation only: not part of equality)
    quoted: bool = field(default=False, compare=False)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Wildcard:
    """``base.*`` — every official child of an object, in schema order."""

    base: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Index:
    """``base[index]`` — a key given by a variable, a string or a named set."""

    base: Expr
    index: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """``name(arg, …)`` — a builtin function."""

    func: str
    args: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Generator:
    """``func(body for var in iterable where cond)`` — an aggregate over a
    generated list (sum, count, min, max, all, any, list)."""

    func: str
    body: Expr
    var: str
    iterable: Expr
    where: Expr | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    """``-operand``."""

    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Add:
    """``left + right`` (numbers; sets and lists: union/concatenation)."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Sub:
    """``left - right`` (numbers; sets: difference)."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Mul:
    """``left * right``."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Div:
    """``left / right`` (exact decimal quotient)."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right`` with op one of == != < <= > >=."""

    op: str
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class In:
    """``item in collection`` (``negated``: ``not in``)."""

    item: Expr
    collection: Expr
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class And:
    """``left and right``."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Or:
    """``left or right``."""

    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class If:
    """``if cond then a else b``."""

    cond: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ListLit:
    """``[a, b, …]``."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class SetLit:
    """``{a, b, …}`` — a named set of keys (members are names or strings)."""

    items: tuple[Expr, ...]
    span: Span = _span()


Expr = (Num | Str | Bool | Name | Member | Wildcard | Index | Call | Generator | Neg | Add | Sub
        | Mul | Div | Compare | In | And | Or | Not | If | ListLit | SetLit)


# ------------------------------------------------------------------ statements


@dataclass(frozen=True, slots=True)
class TextPair:
    """A Chinese text with an optional English one (``"中文" / "English"``)."""

    zh: str
    en: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Let:
    """``let name = value``."""

    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class For:
    """``for var in iterable where cond { body }``."""

    var: str
    iterable: Expr
    where: Expr | None
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class When:
    """``when cond { body }`` — the body applies only where cond holds."""

    cond: Expr
    body: tuple[Stmt, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assert:
    """``assert cond at cell within tolerance message "…" / "…"``."""

    cond: Expr
    at: Expr | None = None
    within: Expr | None = None
    message: TextPair | None = None
    severity: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ReportStmt:
    """``report at cell message "…"`` — a finding wherever it is reached."""

    at: Expr | None
    message: TextPair | None
    severity: str | None = None
    span: Span = _span()


Stmt = Let | For | When | Assert | ReportStmt


# ------------------------------------------------------------------ files


@dataclass(frozen=True, slots=True)
class Rule:
    """``rule ID { metadata… statements… }``."""

    rule_id: str
    title: TextPair | None
    severity: str | None
    cite: str | None
    formats: tuple[str, ...]
    years: tuple[int | None, int | None] | None
    description: TextPair | None
    body: tuple[Stmt, ...]
    span: Span = _span()
    #: where each metadata entry was written (for static errors)
    meta_spans: tuple[tuple[str, Span], ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Pack:
    """``pack "name" version "1.0" "标题" / "title"``."""

    name: str
    version: str
    title: TextPair | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Const:
    """A pack-level ``let``: a named set, list, number, string or path."""

    name: str
    value: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RuleFile:
    """One parsed rule file."""

    file: str
    pack: Pack | None
    consts: tuple[Const, ...]
    rules: tuple[Rule, ...]
    #: (line, text) of every comment, for the formatter (not part of the tree)
    comments: tuple[tuple[int, str], ...] = field(default=(), compare=False, repr=False)
    #: the order items were written in: ("pack"|"const"|"rule", index)
    order: tuple[tuple[str, int], ...] = field(default=(), compare=False, repr=False)
