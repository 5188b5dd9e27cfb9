"""The checked, resolved form of a rule: what the checker produces for one
format and the compiler turns into closures.

Every path here is static: a root (the report or the previous report) and a
tuple of English keys, resolved from Chinese labels and aliases and checked
against the schema before any report is read. Loops over lists known when
the rules load (the seven columns, the rows of a table) are already unrolled;
``let`` bindings are already substituted. What is left is small and plain:
frozen dataclasses, so a compiled rule set pickles as this IR and rebuilds
its closures on the other side.
"""

from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, Literal

from .ast import Span

__all__ = [
    "Agg",
    "Arith",
    "AssertI",
    "Blank",
    "CallI",
    "Cmp",
    "Comp",
    "EachI",
    "Exists",
    "IfI",
    "InI",
    "Item",
    "K",
    "ListI",
    "Logic",
    "LoopI",
    "Neg",
    "NotI",
    "PathSlot",
    "Read",
    "Ref",
    "Rel",
    "RelInfo",
    "RelTest",
    "RuleI",
    "StmtI",
    "Template",
    "Var",
    "WhenI",
    "children",
]

Root = Literal["report", "previous"]

_ids = itertools.count(1)


def _nid() -> int:
    return next(_ids)


def _meta() -> Any:
    return field(default_factory=_nid, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Ref:
    """A static path into the report (or into last year's report)."""

    root: Root
    parts: tuple[str, ...]
    kind: str
    label: str
    short: str

    @property
    def pointer(self) -> str:
        """RFC 6901 pointer of the path (in its own document)."""
        from .pointer import to_pointer

        return to_pointer(self.parts)


@dataclass(frozen=True, slots=True)
class PathSlot:
    """A path relative to the item a loop over a long static list is at.

    The loop binds ``slot`` to the value at the item's path and ``slot + 1``
    to the item's :class:`Ref`; ``rel`` goes further down from there.
    ``previous``: the same path in last year's report.
    """

    slot: int
    rel: tuple[str, ...]
    kind: str
    previous: bool = False
    #: the loop checks each item is a number or blank before the body runs
    checked: bool = False


# ------------------------------------------------------------------ expressions


@dataclass(frozen=True, slots=True)
class K:
    """A constant."""

    value: Any
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Read:
    """The value at a path (a number cell, a text, a date …)."""

    ref: Ref
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Rel:
    """The value at a path relative to a loop item."""

    path: PathSlot
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class RelTest:
    """``exists`` / ``blank`` of a path relative to a loop item."""

    path: PathSlot
    test: Literal["exists", "blank"]
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class RelInfo:
    """What the schema says of a loop item's path: ``label``, ``label_path``,
    ``kind``, ``key`` or ``variants``."""

    path: PathSlot
    attr: str
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Var:
    """A variable bound by a loop over a list found in the report."""

    slot: int
    name: str
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Exists:
    """Whether a path is present (a blank cell is present)."""

    ref: Ref
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Blank:
    """Whether a present cell was left blank (null)."""

    ref: Ref
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Arith:
    """``left op right`` with op one of + - * /."""

    op: str
    left: Expr
    right: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Neg:
    """``-operand``."""

    operand: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Cmp:
    """``left op right`` with op one of == != < <= > >=. ``numbers``: the
    sides are numbers (an ``==`` of numbers is an identity, whose blanks
    and difference the engine weighs); False for texts, booleans, keys."""

    op: str
    left: Expr
    right: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()
    numbers: bool = True


@dataclass(frozen=True, slots=True)
class InI:
    """``item in collection``."""

    item: Expr
    collection: Expr
    negated: bool = False
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Logic:
    """``left and right`` / ``left or right`` (short-circuit)."""

    op: Literal["and", "or"]
    left: Expr
    right: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class NotI:
    """``not operand``."""

    operand: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class IfI:
    """``if cond then a else b``."""

    cond: Expr
    then: Expr
    otherwise: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Item:
    """One element of a list built from the rules: skipped when ``present``
    names an optional key the report does not have, or when ``guard`` (a
    ``where`` that depends on the report) is false."""

    value: Expr
    present: Ref | None = None
    guard: Expr | None = None


@dataclass(frozen=True, slots=True)
class ListI:
    """A list whose elements are known when the rules load."""

    items: tuple[Item, ...]
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Agg:
    """An aggregate (sum, count, min, max, all, any, list) over a list."""

    func: str
    arg: Expr
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class Comp:
    """An aggregate over a list found in the report: ``func(body for var in
    iterable where cond)`` evaluated with ``var`` in ``slot``."""

    func: str
    body: Expr
    slot: int
    iterable: Expr
    where: Expr | None
    src: str = field(default="", compare=False)
    nid: int = _meta()


@dataclass(frozen=True, slots=True)
class CallI:
    """A builtin function evaluated on the report."""

    func: str
    args: tuple[Expr, ...]
    src: str = field(default="", compare=False)
    nid: int = _meta()
    #: which registration of ``func`` the checker chose (overloads by type)
    overload: int = 0


Expr = K | Read | Rel | RelTest | RelInfo | Var | Exists | Blank | Arith | Neg | Cmp | InI | Logic \
    | NotI | IfI | ListI | Agg | Comp | CallI


def children(expr: Expr) -> list[Expr]:
    """The sub-expressions of ``expr``, in the order the rule writes them
    (``sum(body for x in iterable where cond)``: body, iterable, cond)."""
    if isinstance(expr, (Arith, Cmp, Logic)):
        return [expr.left, expr.right]
    if isinstance(expr, (Neg, NotI)):
        return [expr.operand]
    if isinstance(expr, IfI):
        return [expr.cond, expr.then, expr.otherwise]
    if isinstance(expr, InI):
        return [expr.item, expr.collection]
    if isinstance(expr, ListI):
        return [part for item in expr.items for part in (item.value, item.guard)
                if part is not None]
    if isinstance(expr, Agg):
        return [expr.arg]
    if isinstance(expr, Comp):
        return [expr.body, expr.iterable] + ([expr.where] if expr.where is not None else [])
    if isinstance(expr, CallI):
        return list(expr.args)
    return []


# ------------------------------------------------------------------ statements


@dataclass(frozen=True, slots=True)
class Template:
    """A message template: literal text and expressions to interpolate."""

    parts: tuple[str | Expr, ...]


@dataclass(frozen=True, slots=True)
class AssertI:
    """One assertion instance (after unrolling): where it points, what it
    checks, how it speaks."""

    cond: Expr | None  # None: a ``report`` statement (always a finding)
    at: Ref | PathSlot
    within: Expr | None
    message_zh: Template | None
    message_en: Template | None
    presence: tuple[Ref, ...]
    #: a severity of its own (``assert … severity error``), else the rule's
    severity: str | None = None
    span: Span = field(default_factory=Span, compare=False)


@dataclass(frozen=True, slots=True)
class WhenI:
    """``when`` with a condition that depends on the report."""

    cond: Expr
    body: tuple[StmtI, ...]
    presence: tuple[Ref, ...]
    span: Span = field(default_factory=Span, compare=False)


@dataclass(frozen=True, slots=True)
class LoopI:
    """A loop over a list found in the report (regex matches, say)."""

    slot: int
    name: str
    iterable: Expr
    where: Expr | None
    body: tuple[StmtI, ...]
    presence: tuple[Ref, ...]
    span: Span = field(default_factory=Span, compare=False)


@dataclass(frozen=True, slots=True)
class EachI:
    """A loop over a long list of paths known now (rows(), cells()): the
    body is checked once and runs for each item, with ``slot`` bound to the
    item's value and ``slot + 1`` to its :class:`Ref`. Each item carries the
    index of its first optional key (-1: none); an item whose optional key
    the report lacks is skipped."""

    slot: int
    name: str
    items: tuple[tuple[Ref, int], ...]
    where: Expr | None
    body: tuple[StmtI, ...]
    presence: tuple[Ref, ...]
    span: Span = field(default_factory=Span, compare=False)


StmtI = AssertI | WhenI | LoopI | EachI


@dataclass(frozen=True, slots=True)
class RuleI:
    """One rule, checked and unrolled for one format."""

    rule_id: str
    severity: str
    title_zh: str
    title_en: str
    cite: str
    formats: tuple[str, ...]
    years: tuple[int | None, int | None] | None
    body: tuple[StmtI, ...]
    slots: int
    uses_previous: bool
    #: slots that hold a loop item's value (the next slot holds its Ref)
    path_slots: tuple[int, ...] = ()
    file: str = ""
    span: Span = field(default_factory=Span, compare=False)


def _pickled_as_tuples() -> None:
    """Pickle every IR class as the tuple of its fields.

    The cached official pack is some 13,000 IR nodes. For a frozen class
    with slots, dataclasses' own ``__setstate__`` looks up ``fields()`` for
    every node, and that was most of the time the cached pack took to load.
    """
    for cls in list(globals().values()):
        if not (isinstance(cls, type) and is_dataclass(cls) and cls.__module__ == __name__):
            continue
        names = tuple(f.name for f in fields(cls))
        getter = operator.attrgetter(*names)
        # the slots' own descriptors: they set a frozen instance's field
        setters = tuple(getattr(cls, name).__set__ for name in names)

        def getstate(self: Any, getter: Any = getter, one: bool = len(names) == 1) -> Any:
            return (getter(self),) if one else getter(self)

        def setstate(self: Any, state: Any, setters: Any = setters) -> None:
            for setter, value in zip(setters, state, strict=True):
                setter(self, value)

        cls.__getstate__ = getstate  # type: ignore[method-assign]
        cls.__setstate__ = setstate  # type: ignore[attr-defined]


_pickled_as_tuples()
