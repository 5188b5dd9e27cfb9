"""Static checking stage: AST → resolved, typed, unrolled IR, per format.

Everything that can be known before a report is read is decided here:

* names and paths are resolved against the schema layout of the format
  (English keys, official labels and aliases alike), so a typo in a key is
  an error when the rules load, not a rule that silently never fires;
* function names, arity and argument types are checked;
* ``report_format`` is a constant per format, so ``when report_format ==
  "2021" { … }`` keeps each format's paths to that format;
* loops over lists known now (named sets, rows(), cells(), wildcards) are
  unrolled and ``let`` bindings substituted: what reaches the compiler is a
  list of assertion instances with static paths.

All problems are collected (not only the first) and raised together as one
:class:`RuleCompileError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal, localcontext
from functools import cache, lru_cache
from typing import Any

from . import ast, ir
from .errors import Problem, RuleSyntaxError
from .explain import format_value
from .functions import (
    AGGREGATES,
    COMPARE,
    EXACT,
    FUNCTIONS,
    NUMBER_SLOT,
    STATIC_FUNCTIONS,
    compile_pattern,
)
from .layout import CELL_KINDS, Format, Node, label_path, layout, node_at
from .normalize import key_member
from .parser import caret_context, parse_expression
from .unparse import format_expr as _format_expr

__all__ = ["MAX_INSTANCES", "Checker", "check_rule", "key_display"]

#: The most assertion instances one rule may unroll into.
MAX_INSTANCES = 20000
#: expressions one rule may make the checker examine (nested generators over
#: every cell multiply): a rule file from a stranger loads in bounded time
MAX_WORK = 400_000
#: the checked rule, counting a shared sub-expression at each use (as
#: compiling and evaluating do): its size and its nesting (let chains)
MAX_IR_SIZE = 400_000
MAX_IR_DEPTH = 150
MAX_CONST_CHAIN = 50
SEVERITIES = ("error", "warning", "info")
#: Names with a meaning of their own (besides report keys and variables).
_CONTEXT_FUNCTIONS = {"tables_format": "tables_format() — the format the report's tables use: "
                                       "\"2019\", \"2021\", \"mixed\" or \"\""}


class _Fail(Exception):
    """A static problem at a span; collected by the checker."""

    def __init__(self, span: ast.Span, code: str, zh: str, en: str, focus: str = "") -> None:
        super().__init__(en)
        self.span = span
        self.code = code
        self.zh = zh
        self.en = en
        #: the word within the span the problem is about (a path's wrong
        #: key): the caret points at it rather than at the span's start
        self.focus = focus


# ------------------------------------------------------------------ static values


@dataclass(frozen=True, slots=True)
class SNode:
    """A path known now: root, keys, and the layout node there (None for an
    ``x_`` extension beyond the schema)."""

    root: ir.Root
    parts: tuple[str, ...]
    node: Node | None
    fmt: Format
    optional: bool = False

    def ref(self) -> ir.Ref:
        kind = self.node.kind if self.node is not None else "any"
        label = label_path(self.fmt, self.parts) if self.parts else "（整个报告）"
        short = self.node.short if self.node is not None and self.parts else (
            self.parts[-1] if self.parts else "报告")
        if self.root == "previous":
            label = "上年报告 · " + label
            short = "上年" + short
        return ir.Ref(self.root, self.parts, kind, label, short)


@dataclass(frozen=True, slots=True)
class SVar:
    """A path relative to the item of a loop over a long static list: the
    layout nodes it may be (one per distinct item shape) and the keys below
    the item."""

    slot: int
    nodes: tuple[Node | None, ...]
    rel: tuple[str, ...]
    fmt: Format
    previous: bool = False

    def path(self) -> ir.PathSlot:
        kinds = {n.kind if n is not None else "any" for n in self.nodes}
        cells = kinds <= CELL_KINDS
        if cells:
            kind = "count" if len(kinds) > 1 else kinds.pop()
        else:
            kind = kinds.pop() if len(kinds) == 1 else "any"
        # A loop over cells checks each value is a number or blank as it
        # binds the item (EachI.cells), so reading the item needs no check.
        checked = cells and not self.rel and not self.previous
        return ir.PathSlot(self.slot, self.rel, kind, self.previous, checked)


class _NeedUnroll(Exception):
    """The body of a long loop uses something only unrolling can check."""


@dataclass(frozen=True, slots=True)
class SKey:
    """A key or label used as an index (a member of a named set)."""

    name: str


@dataclass(frozen=True, slots=True)
class SKeySet:
    """A named set of keys."""

    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SList:
    """A list whose elements are known now (each possibly optional)."""

    items: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class SConst:
    """A constant (number, text, boolean)."""

    value: Any


@dataclass(frozen=True, slots=True)
class Dyn:
    """An expression evaluated on the report, with its static type."""

    expr: ir.Expr
    type: str


Static = SNode | SVar | SKey | SKeySet | SList | SConst | Dyn

#: Static lists longer than this run as one loop instead of being unrolled.
UNROLL_LIMIT = 12


def _type_of(value: Static) -> str:
    if isinstance(value, Dyn):
        return value.type
    if isinstance(value, SConst):
        v = value.value
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, (int, Decimal)):
            return "num"
        return "text"
    if isinstance(value, SKey):
        return "key"
    if isinstance(value, SKeySet):
        return "keyset"
    if isinstance(value, SList):
        inner = {_type_of(i) for i in value.items}
        if len(inner) == 1:
            return "list:" + inner.pop()
        if inner <= {"num", "cell"}:
            return "list:num"
        return "list:any"
    nodes = value.nodes if isinstance(value, SVar) else (value.node,)
    kinds = {_node_type(n) for n in nodes}
    return kinds.pop() if len(kinds) == 1 else "any"


def _node_type(node: Node | None) -> str:
    if node is None:
        return "any"
    if node.kind in CELL_KINDS or node.kind == "integer":
        return "num"
    if node.kind in ("text", "string", "enum", "date"):
        return "text"
    return "node"


_TYPE_ZH = {"num": "数字", "bool": "真假值", "text": "文本", "date": "日期", "key": "键",
            "keyset": "键的集合", "node": "表格/行/章节", "any": "任意值"}


def _tzh(t: str) -> str:
    if t.startswith("list:"):
        return f"{_TYPE_ZH.get(t[5:], t[5:])}的列表"
    return _TYPE_ZH.get(t, t)


# A type in English messages, as _tzh says it in Chinese (the checker's own
# names, num or keyset, mean nothing to an auditor).
_TYPE_EN = {"num": "a number", "bool": "true or false", "text": "text", "date": "a date",
            "key": "a key", "keyset": "a set of keys", "node": "a table, row or section",
            "any": "any value", "list": "a list"}
_LIST_EN = {"num": "numbers", "bool": "true/false values", "text": "texts", "date": "dates",
            "key": "keys", "keyset": "sets of keys", "node": "tables, rows or sections",
            "any": "values"}


#: what a condition is, in messages (zh, en)
_WHERE = ("where 条件", "the where condition")
_WHEN = ("when 条件", "the when condition")


def _ten(t: str) -> str:
    if t.startswith("list:"):
        return f"a list of {_LIST_EN.get(t[5:], t[5:])}"
    return _TYPE_EN.get(t, t)


def _fits(actual: str, wanted: str) -> bool:
    if wanted == "any" or actual == "any":
        return True
    if wanted.startswith("list:") and actual.startswith("list:"):
        return _fits(actual[5:], wanted[5:])
    if wanted == "list" and actual.startswith("list:"):
        return True
    if wanted == "key":
        return actual in ("key", "text")
    return actual == wanted


@cache
def key_display(key: str) -> str:
    """A short Chinese label for a key used in messages (natural_person →
    自然人): the first node with that key in the layout."""
    for fmt in ("2021", "2019"):
        for _, node in layout(fmt).walk():
            if node.key == key:
                return node.short
    return key


# ------------------------------------------------------------------ scope


@dataclass
class _Scope:
    """Names visible at a point of a rule: variables and their bindings."""

    bindings: dict[str, Static] = field(default_factory=dict)
    presence: tuple[ir.Ref, ...] = ()

    def child(self) -> _Scope:
        return _Scope(dict(self.bindings), self.presence)


# ------------------------------------------------------------------ checker


_SRC: dict[int, tuple[ast.Expr, str]] = {}


def format_expr(e: ast.Expr) -> str:
    """Source text of an AST expression, memoised per node: unrolled loops
    check the same node many times."""
    hit = _SRC.get(id(e))
    if hit is not None and hit[0] is e:
        return hit[1]
    text = _format_expr(e)
    if len(_SRC) > 50000:
        _SRC.clear()
    _SRC[id(e)] = (e, text)
    return text


class Checker:
    """Checks the rules of one pack for one format."""

    def __init__(self, fmt: Format, consts: Sequence[ast.Const], file_of: Mapping[int, str],
                 texts: Mapping[str, str]) -> None:
        self.fmt = fmt
        self.root = layout(fmt)
        self.consts = {c.name: c for c in consts}
        self.const_file = file_of
        self.texts = texts
        self.const_values: dict[str, Static] = {}
        self.const_busy: set[str] = set()
        self.file = "<string>"
        self.slots = 0
        self.uses_previous = False
        self.count = 0
        self.work = 0
        #: IR that substituted lets and constants add to the rule (each use)
        self.substituted = 0
        self.extents: dict[int, tuple[int, int, Any]] = {}
        self.path_slots: list[int] = []

    # -- errors -----------------------------------------------------------

    def problem(self, fail: _Fail, file: str | None = None) -> Problem:
        file = file or self.file
        text = self.texts.get(file, "")
        line, column = fail.span.line or 1, fail.span.column or 1
        if fail.focus and text and fail.span.end_line == line:
            # lines as caret_context counts them
            lines = text.split("\n")
            source = lines[line - 1] if line <= len(lines) else ""
            at = source.rfind(fail.focus, column - 1, fail.span.end_column - 1)
            column = at + 1 if at >= 0 else column
        return Problem(file, line, column, fail.code, f"{fail.zh} ({fail.en})",
                       caret_context(text, line, column) if text else "")

    # -- names ------------------------------------------------------------

    def name(self, node: ast.Name, scope: _Scope) -> Static:
        name = node.name
        if name in scope.bindings:
            return self.substitute(scope.bindings[name], node.span)
        if name in self.consts:
            return self.substitute(self.const(name, node.span), node.span)
        if name == "report_format":
            return SConst(self.fmt)
        if name == "previous":
            self.uses_previous = True
            return SNode("previous", (), self.root, self.fmt)
        child = self.root.child(name)
        if child is not None:
            return SNode("report", (child.key,), child, self.fmt, optional=not child.required)
        if name.startswith("x_"):
            return SNode("report", (name,), None, self.fmt, optional=True)
        known = [*scope.bindings, *self.consts, *self.root.children, "report_format", "previous"]
        hint_zh, hint_en = _did_you_mean(difflib.get_close_matches(name, known, n=1, cutoff=0.6))
        raise _Fail(node.span, "unknown-name", f"未知的名称“{name}”{hint_zh}",
                    f"unknown name '{name}'{hint_en}")

    def substitute(self, value: Static, span: ast.Span) -> Static:
        """A let's or constant's value, used here. Its expression is shared,
        not copied, so the checker's own work does not show what it costs
        to compile and evaluate: that is counted here, at each use, so that
        a doubling or very long chain of lets is refused at load."""
        if not isinstance(value, Dyn) or isinstance(value.expr, (ir.Var, ir.K)):
            return value
        size, depth = _extent([value.expr], self.extents)
        self.substituted += size
        if depth > MAX_IR_DEPTH or self.substituted > MAX_IR_SIZE:
            raise _Fail(span, "limit",
                        f"代入 let 或常量后规则过大或嵌套过深（上限 {MAX_IR_SIZE} 个节点、"
                        f"{MAX_IR_DEPTH} 层）", f"with its lets and constants substituted the "
                        f"rule is too large or too deeply nested (the limits are "
                        f"{MAX_IR_SIZE} nodes, {MAX_IR_DEPTH} levels)")
        return value

    def const(self, name: str, span: ast.Span) -> Static:
        if name in self.const_values:
            return self.const_values[name]
        if name in self.const_busy:
            raise _Fail(span, "cycle",
                        f"常量“{name}”循环引用自身", f"constant '{name}' refers to itself")
        if len(self.const_busy) >= MAX_CONST_CHAIN:
            raise _Fail(span, "limit", f"常量之间的引用超过 {MAX_CONST_CHAIN} 层",
                        f"constants refer to each other more than {MAX_CONST_CHAIN} deep")
        self.const_busy.add(name)
        decl = self.consts[name]
        saved = self.file
        self.file = self.const_file.get(id(decl), self.file)
        try:
            value = self.expr(decl.value, _Scope())
        finally:
            self.file = saved
            self.const_busy.discard(name)
        self.const_values[name] = value
        return value

    # -- paths ------------------------------------------------------------

    def member(self, base: Static, key: str, span: ast.Span) -> Static:
        if isinstance(base, SList):
            return SList(tuple(self.member(item, key, span) for item in base.items))
        if isinstance(base, SVar):
            keys: set[str] = set()
            children: list[Node | None] = []
            for node in base.nodes:
                probe = self.member(SNode("report", (), node, base.fmt), key, span)
                assert isinstance(probe, SNode)
                keys.add(probe.parts[-1])
                children.append(probe.node)
            if len(keys) != 1:
                raise _Fail(span, "unknown-path", f"“{key}”在循环的各项中指向不同的键",
                            f"'{key}' means different keys for the loop's items")
            unique = tuple(dict.fromkeys(children))
            return SVar(base.slot, unique, (*base.rel, keys.pop()), base.fmt, base.previous)
        if not isinstance(base, SNode):
            raise _Fail(span, "type",
                        f"只能在表格、行或章节上取“.{key}”，这里是{_tzh(_type_of(base))}",
                        f"'.{key}' needs a table, row or section, got {_ten(_type_of(base))}")
        node = base.node
        if node is None:  # beyond the schema, inside an x_ extension
            return SNode(base.root, (*base.parts, key), None, base.fmt, optional=True)
        if node.kind != "object":
            raise _Fail(span, "unknown-path",
                        f"“{node.title}”是单元格，没有“{key}”",
                        f"{node.title} is a cell and has no '{key}'")
        child = node.child(key)
        if child is None:
            if key.startswith("x_"):
                return SNode(base.root, (*base.parts, key), None, base.fmt, optional=True)
            options = [*node.children]
            guess = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
            if not guess:
                titles = {c.short: c.key for c in node.children.values()}
                close = difflib.get_close_matches(key, list(titles), n=1, cutoff=0.5)
                guess = [close[0]] if close else []
            hint_zh, hint_en = _did_you_mean(guess)
            where = label_path(self.fmt, base.parts) if base.parts else "报告"
            shown = "、".join(c.short for c in node.children.values())
            # The format is named only where the key is one of the other
            # format's: a typo is the same mistake in both, said once.
            other = node_at("2021" if self.fmt == "2019" else "2019", base.parts)
            only_other = other is not None and other.kind == "object" and \
                other.child(key) is not None
            fmt_zh = f"（{self.fmt} 年格式）" if only_other else ""
            fmt_en = f" in the {self.fmt} format" if only_other else ""
            raise _Fail(span, "unknown-path",
                        f"“{where}”下没有“{key}”{fmt_zh}{hint_zh or '。'}可用：{shown}",
                        f"'{key}' is not a key of {'/'.join(base.parts) or 'the report'}"
                        f"{fmt_en}{hint_en}", focus=key)
        return SNode(base.root, (*base.parts, child.key), child, base.fmt,
                     optional=base.optional or not child.required)

    def children(self, base: Static, span: ast.Span) -> SList:
        if isinstance(base, SVar):
            raise _NeedUnroll
        if isinstance(base, SList):
            flat: list[Any] = []
            for item in base.items:
                flat.extend(self.children(item, span).items)
            return SList(tuple(flat))
        if not isinstance(base, SNode) or base.node is None or base.node.kind != "object":
            raise _Fail(span, "type",
                        "“.*”只能用于表格、行或章节", "'.*' needs a table, row or section")
        return SList(tuple(
            SNode(base.root, (*base.parts, key), child, base.fmt,
                  optional=base.optional or not child.required)
            for key, child in base.node.children.items()
            if not key.startswith("x_") and key not in ("title", "text")
        ))

    def index(self, base: Static, index: Static, span: ast.Span) -> Static:
        if isinstance(index, SVar):
            raise _NeedUnroll
        if isinstance(index, SKeySet):
            return SList(tuple(self.index(base, SKey(k), span) for k in index.keys))
        if isinstance(index, SList):
            return SList(tuple(self.index(base, item, span) for item in index.items))
        if isinstance(index, SKey):
            return self.member(base, index.name, span)
        if isinstance(index, SConst) and isinstance(index.value, str):
            return self.member(base, index.value, span)
        raise _Fail(span, "type", "方括号里须是键、键的集合或文本常量（加载规则时可知）",
                    "an index must be a key, a set of keys or a constant text (known when the "
                    "rules load)")

    def walk_nodes(self, base: SNode, role: str | None) -> Iterator[SNode]:
        node = base.node
        if node is None:
            return
        for key, child in node.children.items():
            item = SNode(base.root, (*base.parts, key), child, base.fmt,
                         optional=base.optional or not child.required)
            if role == "row" and child.role == "row":
                yield item
                continue
            if role == "cell" and child.is_cell:
                yield item
                continue
            if child.kind == "object":
                yield from self.walk_nodes(item, role)

    # -- conversions --------------------------------------------------------

    def to_ir(self, value: Static, span: ast.Span, src: str = "") -> Dyn:
        if isinstance(value, Dyn):
            return value
        if isinstance(value, SConst):
            return Dyn(ir.K(value.value, src), _type_of(value))
        if isinstance(value, SKey):
            return Dyn(ir.K(value.name, src), "key")
        if isinstance(value, SKeySet):
            return Dyn(ir.K(frozenset(value.keys), src), "keyset")
        if isinstance(value, SList):
            items: list[ir.Item] = []
            types: set[str] = set()
            for entry in value.items:
                guard = None
                item = entry
                if isinstance(entry, _Guarded):
                    guard, item = entry.guard, entry.value
                if isinstance(item, _Present):
                    counted = item.node
                    items.append(ir.Item(ir.K(True), counted.ref() if counted.optional else None))
                    types.add("bool")
                    continue
                converted = self.to_ir(item, span)
                present = item.ref() if isinstance(item, SNode) and item.optional else None
                items.append(ir.Item(converted.expr, present, guard))
                types.add(converted.type)
            elem = types.pop() if len(types) == 1 else "any"
            return Dyn(ir.ListI(tuple(items), src), "list:" + elem)
        if isinstance(value, SVar):
            if any(n is not None and n.kind == "object" for n in value.nodes):
                raise _Fail(span, "type", "循环变量所指的是表格/行，不能当作值使用",
                            "the loop variable is a table or row here, not a value")
            return Dyn(ir.Rel(value.path(), src), _type_of(value))
        node = value.node
        if node is not None and node.kind == "object":
            raise _Fail(span, "type",
                        f"“{label_path(self.fmt, value.parts)}”是表格/行/章节，不能当作值使用",
                        f"{'/'.join(value.parts)} is a table/row/section, not a value")
        return Dyn(ir.Read(value.ref(), src), _type_of(value))

    def want(self, value: Static, wanted: str, node: ast.Expr, what: tuple[str, str]) -> Dyn:
        """``value`` (of the expression ``node``, ``what`` it is in Chinese
        and English) as IR of type ``wanted``; a value known at load keeps
        the expression's text for messages."""
        span = node.span
        converted = self.to_ir(value, span, "" if isinstance(value, Dyn) else format_expr(node))
        if not _fits(converted.type, wanted):
            raise _Fail(span, "type",
                        f"{what[0]}应为{_tzh(wanted)}，这里是{_tzh(converted.type)}",
                        f"{what[1]} must be {_ten(wanted)}, got {_ten(converted.type)}")
        return converted

    # -- expressions -------------------------------------------------------

    def expr(self, e: ast.Expr, scope: _Scope) -> Static:
        self.work += 1
        if self.work > MAX_WORK:
            raise _Fail(e.span, "limit", f"规则展开后过大（超过 {MAX_WORK} 个表达式）",
                        f"the rule expands to more than {MAX_WORK} expressions")
        method = getattr(self, "e_" + type(e).__name__)
        return method(e, scope)  # type: ignore[no-any-return]

    def e_Num(self, e: ast.Num, scope: _Scope) -> Static:
        return SConst(e.value)

    def e_Str(self, e: ast.Str, scope: _Scope) -> Static:
        return SConst(e.value)

    def e_Bool(self, e: ast.Bool, scope: _Scope) -> Static:
        return SConst(e.value)

    def e_Name(self, e: ast.Name, scope: _Scope) -> Static:
        return self.name(e, scope)

    def e_Member(self, e: ast.Member, scope: _Scope) -> Static:
        return self.member(self.expr(e.base, scope), e.key, e.span)

    def e_Wildcard(self, e: ast.Wildcard, scope: _Scope) -> Static:
        return self.children(self.expr(e.base, scope), e.span)

    def e_Index(self, e: ast.Index, scope: _Scope) -> Static:
        base = self.expr(e.base, scope)
        if isinstance(e.index, ast.Name) and e.index.name not in scope.bindings \
                and e.index.name not in self.consts:
            # row[自然人]: a bare label inside brackets is a key
            return self.index(base, SKey(e.index.name), e.span)
        return self.index(base, self.expr(e.index, scope), e.span)

    def e_SetLit(self, e: ast.SetLit, scope: _Scope) -> Static:
        keys: list[str] = []
        for item in e.items:
            if isinstance(item, ast.Name):
                value = scope.bindings.get(item.name)
                if isinstance(value, SKey):
                    keys.append(value.name)
                    continue
                if item.name in self.consts:
                    const = self.const(item.name, item.span)
                    if isinstance(const, SKeySet):
                        keys.extend(const.keys)
                        continue
                keys.append(item.name)
            elif isinstance(item, ast.Str):
                keys.append(item.value)
            else:
                raise _Fail(item.span, "type", "集合 {…} 的成员须是键名或文本",
                            "members of a set {…} are key names or strings")
        return SKeySet(tuple(dict.fromkeys(keys)))

    def e_ListLit(self, e: ast.ListLit, scope: _Scope) -> Static:
        return SList(tuple(self.expr(item, scope) for item in e.items))

    def e_Neg(self, e: ast.Neg, scope: _Scope) -> Static:
        value = self.expr(e.operand, scope)
        if isinstance(value, SConst) and _type_of(value) == "num":
            return SConst(-value.value)
        operand = self.want(value, "num", e.operand, ("“-”的操作数", "the operand of '-'"))
        return Dyn(ir.Neg(operand.expr, format_expr(e)), "num")

    def _arith(self, op: str, e: Any, scope: _Scope) -> Static:
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        if op in "+-" and isinstance(left, SKeySet) and isinstance(right, SKeySet):
            if op == "+":
                return SKeySet(tuple(dict.fromkeys((*left.keys, *right.keys))))
            return SKeySet(tuple(k for k in left.keys if k not in right.keys))
        if op == "+" and isinstance(left, SList) and isinstance(right, SList):
            return SList(left.items + right.items)
        if isinstance(left, SConst) and isinstance(right, SConst) \
                and _type_of(left) == _type_of(right) == "num":
            a, b = left.value, right.value
            if op == "/" and b == 0:
                raise _Fail(e.span, "type", "除数为 0", "division by zero")
            with localcontext(EXACT):  # folded exactly as evaluated
                if op == "/":
                    return SConst(Decimal(a) / Decimal(b))
                return SConst(a + b if op == "+" else a - b if op == "-" else a * b)
        lhs = self.want(left, "num", e.left, (f"“{op}”的左边", f"the left of '{op}'"))
        rhs = self.want(right, "num", e.right, (f"“{op}”的右边", f"the right of '{op}'"))
        return Dyn(ir.Arith(op, lhs.expr, rhs.expr, format_expr(e)), "num")

    def e_Add(self, e: ast.Add, scope: _Scope) -> Static:
        return self._arith("+", e, scope)

    def e_Sub(self, e: ast.Sub, scope: _Scope) -> Static:
        return self._arith("-", e, scope)

    def e_Mul(self, e: ast.Mul, scope: _Scope) -> Static:
        return self._arith("*", e, scope)

    def e_Div(self, e: ast.Div, scope: _Scope) -> Static:
        return self._arith("/", e, scope)

    def e_Compare(self, e: ast.Compare, scope: _Scope) -> Static:
        left, right = self.expr(e.left, scope), self.expr(e.right, scope)
        if (isinstance(left, SKey) and isinstance(right, (SKey, SConst))) or \
                (isinstance(right, SKey) and isinstance(left, SConst)):
            a = left.name if isinstance(left, SKey) else left.value
            b = right.name if isinstance(right, SKey) else right.value
            if e.op not in ("==", "!="):
                raise _Fail(e.span, "type", "键只能比较相等", "keys compare with == and != only")
            return SConst((a == b) == (e.op == "=="))
        lhs, rhs = self.to_ir(left, e.left.span), self.to_ir(right, e.right.span)
        lt, rt = lhs.type, rhs.type
        if lt == "key":
            lt = "text"
        if rt == "key":
            rt = "text"
        if lt != rt and "any" not in (lt, rt):
            raise _Fail(e.span, "type", f"不能比较{_tzh(lt)}与{_tzh(rt)}",
                        f"cannot compare {_ten(lt)} with {_ten(rt)}")
        if (e.op not in ("==", "!=") and lt in ("bool", "node", "keyset")) or lt.startswith("list"):
            raise _Fail(e.span, "type", f"{_tzh(lt)}不能用“{e.op}”比较",
                        f"{_ten(lt)} cannot be compared with '{e.op}'")
        if isinstance(left, SConst) and isinstance(right, SConst):
            return SConst(COMPARE[e.op](left.value, right.value))
        return Dyn(ir.Cmp(e.op, lhs.expr, rhs.expr, format_expr(e), numbers="num" in (lt, rt)),
                   "bool")

    def e_In(self, e: ast.In, scope: _Scope) -> Static:
        item = self.expr(e.item, scope)
        collection = self.expr(e.collection, scope)
        if isinstance(collection, SKeySet) and isinstance(item, (SKey, SConst)):
            name = item.name if isinstance(item, SKey) else item.value
            return SConst(key_member(name, frozenset(collection.keys)) != e.negated)
        if isinstance(collection, SList) and isinstance(item, SConst) and \
                all(isinstance(i, SConst) for i in collection.items):
            return SConst((item.value in [i.value for i in collection.items]) != e.negated)
        lhs = self.to_ir(item, e.item.span, "" if isinstance(item, Dyn) else format_expr(e.item))
        rhs = self.to_ir(collection, e.collection.span,
                         "" if isinstance(collection, Dyn) else format_expr(e.collection))
        if not (rhs.type.startswith("list") or rhs.type in {"keyset", "text"}):
            raise _Fail(e.collection.span, "type", "“in”的右边须是列表、集合或文本",
                        "the right of 'in' must be a list, a set or a text")
        members = {"keyset": "text", "text": "text"}.get(rhs.type, rhs.type[5:] or "any")
        item_type = "text" if lhs.type == "key" else lhs.type
        if "any" not in (item_type, members) and item_type != members:
            raise _Fail(e.item.span, "type",
                        f"“in”的左边应为{_tzh(members)}，这里是{_tzh(item_type)}",
                        f"the left of 'in' must be {_ten(members)}, got {_ten(item_type)}")
        return Dyn(ir.InI(lhs.expr, rhs.expr, e.negated, format_expr(e)), "bool")

    def _logic(self, op: str, e: Any, scope: _Scope) -> Static:
        left = self.expr(e.left, scope)
        if isinstance(left, SConst) and isinstance(left.value, bool):
            # Decided at check time: the other side is not checked, because it
            # may use paths that only exist in the other format.
            if (op == "and") != left.value:
                return SConst(left.value)
            right = self.expr(e.right, scope)
            if isinstance(right, SConst) and isinstance(right.value, bool):
                return right
            return self.want(right, "bool", e.right, (f"“{op}”的右边", f"the right of '{op}'"))
        right = self.expr(e.right, scope)
        if isinstance(right, SConst) and isinstance(right.value, bool):
            if (op == "and") != right.value:
                return SConst(right.value)
            return self.want(left, "bool", e.left, (f"“{op}”的左边", f"the left of '{op}'"))
        lhs = self.want(left, "bool", e.left, (f"“{op}”的左边", f"the left of '{op}'"))
        rhs = self.want(right, "bool", e.right, (f"“{op}”的右边", f"the right of '{op}'"))
        return Dyn(ir.Logic(op, lhs.expr, rhs.expr, format_expr(e)), "bool")  # type: ignore[arg-type]

    def e_And(self, e: ast.And, scope: _Scope) -> Static:
        return self._logic("and", e, scope)

    def e_Or(self, e: ast.Or, scope: _Scope) -> Static:
        return self._logic("or", e, scope)

    def e_Not(self, e: ast.Not, scope: _Scope) -> Static:
        value = self.expr(e.operand, scope)
        if isinstance(value, SConst) and isinstance(value.value, bool):
            return SConst(not value.value)
        operand = self.want(value, "bool", e.operand, ("“not”的操作数", "the operand of 'not'"))
        return Dyn(ir.NotI(operand.expr, format_expr(e)), "bool")

    def e_If(self, e: ast.If, scope: _Scope) -> Static:
        cond = self.expr(e.cond, scope)
        if isinstance(cond, SConst) and isinstance(cond.value, bool):
            return self.expr(e.then if cond.value else e.otherwise, scope)
        test = self.want(cond, "bool", e.cond, ("“if”的条件", "the condition of 'if'"))
        then = self.to_ir(self.expr(e.then, scope), e.then.span)
        other = self.to_ir(self.expr(e.otherwise, scope), e.otherwise.span)
        if then.type != other.type and "any" not in (then.type, other.type):
            raise _Fail(e.span, "type",
                        f"then 与 else 的类型不同（{_tzh(then.type)}、{_tzh(other.type)}）",
                        f"then and else differ in type ({_ten(then.type)}, {_ten(other.type)})")
        return Dyn(ir.IfI(test.expr, then.expr, other.expr, format_expr(e)), then.type)

    # -- calls ---------------------------------------------------------------

    def e_Call(self, e: ast.Call, scope: _Scope) -> Static:
        func = e.func
        if func in STATIC_FUNCTIONS:
            return self.static_call(e, scope)
        if func in AGGREGATES:
            if len(e.args) != 1:
                raise _Fail(e.span, "arity",
                            f"{func}() 需要 1 个参数（一个列表），给了 {len(e.args)} 个",
                            f"{func}() takes 1 argument (a list), got {len(e.args)}")
            return self.aggregate(func, self.expr(e.args[0], scope), e.args[0].span, e)
        if func in _CONTEXT_FUNCTIONS:
            if e.args:
                raise _Fail(e.span, "arity", f"{func}() 不需要参数", f"{func}() takes no argument")
            return Dyn(ir.CallI(func, (), format_expr(e)), "text")
        if func not in FUNCTIONS:
            known = [*FUNCTIONS, *STATIC_FUNCTIONS, *AGGREGATES, *_CONTEXT_FUNCTIONS]
            hint_zh, hint_en = _did_you_mean(
                difflib.get_close_matches(func, known, n=1, cutoff=0.6))
            raise _Fail(e.span, "unknown-function", f"未知的函数“{func}”{hint_zh}",
                        f"unknown function '{func}'{hint_en}")
        overloads = [b for b in FUNCTIONS[func] if len(b.params) == len(e.args)]
        if not overloads:
            arities = sorted({len(b.params) for b in FUNCTIONS[func]})
            shown = " 或 ".join(str(a) for a in arities)
            raise _Fail(e.span, "arity", f"{func}() 需要 {shown} 个参数，给了 {len(e.args)} 个",
                        f"{func}() takes {' or '.join(map(str, arities))} argument(s), "
                        f"got {len(e.args)}")
        values = [self.expr(a, scope) for a in e.args]
        converted = [self.to_ir(v, a.span) for v, a in zip(values, e.args, strict=True)]
        chosen = None
        for candidate in overloads:
            if all(_fits(c.type, p) for c, p in zip(converted, candidate.params, strict=True)):
                chosen = candidate
                break
        if chosen is None:
            wanted = "、".join(_tzh(p) for p in overloads[0].params)
            got = "、".join(_tzh(c.type) for c in converted)
            raise _Fail(e.span, "type", f"{func}() 的参数应为（{wanted}），这里是（{got}）",
                        f"{func}() takes ({', '.join(_ten(p) for p in overloads[0].params)}), got "
                        f"({', '.join(_ten(c.type) for c in converted)})")
        for position in chosen.constant:
            value = values[position]
            arg_span = e.args[position].span
            if not (isinstance(value, SConst) and isinstance(value.value, str)):
                raise _Fail(arg_span, "type",
                            f"{func}() 的第 {position + 1} 个参数须是文本常量（规则加载时编译）",
                            f"argument {position + 1} of {func}() must be a constant text")
            if func == "numbers" and NUMBER_SLOT not in value.value:
                raise _Fail(arg_span, "pattern", f"numbers() 的模式须含数字位置 {NUMBER_SLOT}",
                            f"a numbers() pattern needs the number slot {NUMBER_SLOT}")
            try:
                compile_pattern(value.value)
            except ValueError as exc:
                raise _Fail(arg_span, "pattern", f"无效的正则表达式：{exc}",
                            f"invalid pattern: {exc}") from None
        return Dyn(ir.CallI(func, tuple(c.expr for c in converted), format_expr(e),
                            overload=FUNCTIONS[func].index(chosen)), chosen.returns)

    def static_call(self, e: ast.Call, scope: _Scope) -> Static:
        func = e.func
        (low, high), _doc = STATIC_FUNCTIONS[func]
        if not low <= len(e.args) <= high:
            raise _Fail(e.span, "arity",
                        f"{func}() 需要 {low}{'–' + str(high) if high != low else ''} 个参数，"
                        f"给了 {len(e.args)} 个",
                        f"{func}() takes {low}{'-' + str(high) if high != low else ''} "
                        f"argument(s), got {len(e.args)}")
        values = [self.expr(a, scope) for a in e.args]
        if any(isinstance(v, SVar) for v in values):
            return self.static_call_var(e, values)
        nodes: list[SNode] = []
        for value, arg in zip(values, e.args, strict=True):
            if isinstance(value, SList) and func in ("rows", "cells"):
                for item in value.items:
                    if not isinstance(item, SNode):
                        raise _Fail(arg.span, "type",
                                    f"{func}() 的参数须是路径", f"{func}() takes paths")
                    nodes.append(item)
                continue
            if not isinstance(value, SNode):
                raise _Fail(arg.span, "type",
                            f"{func}() 的参数须是报告中的路径（这里是{_tzh(_type_of(value))}）",
                            f"{func}() takes a path into the report, got {_ten(_type_of(value))}")
            nodes.append(value)
        first = nodes[0]
        if func == "rows":
            return SList(tuple(r for n in nodes for r in self.walk_nodes(n, "row")))
        if func == "cells":
            out: list[SNode] = []
            for n in nodes:
                if n.node is not None and n.node.is_cell:
                    out.append(n)
                else:
                    out.extend(self.walk_nodes(n, "cell"))
            return SList(tuple(out))
        if func == "exists":
            return Dyn(ir.Exists(first.ref(), format_expr(e)), "bool")
        if func == "previous":
            if first.root == "previous":
                raise _Fail(e.span, "type", "previous() 的参数已是上年报告中的路径",
                            "previous() takes a path of this year's report")
            self.uses_previous = True
            return replace(first, root="previous")
        if func == "blank":
            if first.node is not None and first.node.kind == "object":
                raise _Fail(e.span, "type", "blank() 的参数须是单元格", "blank() takes a cell")
            return Dyn(ir.Blank(first.ref(), format_expr(e)), "bool")
        if first.node is None:
            raise _Fail(e.span, "type",
                        f"{func}() 需要格式中有定义的路径", f"{func}() needs a path of the format")
        if func == "label":
            return SConst(first.node.title)
        if func == "label_path":
            return SConst(label_path(self.fmt, first.parts))
        if func == "variants":
            return SList(tuple(SConst(v) for v in first.node.variants))
        if func == "kind":
            return SConst(first.node.kind)
        return SConst(first.parts[-1] if first.parts else "")

    def static_call_var(self, e: ast.Call, values: list[Static]) -> Static:
        """A schema function of a loop item: folded when every item shape
        gives the same answer, else looked up while the loop runs."""
        func = e.func
        if func in ("rows", "cells") or len(values) != 1 or not isinstance(values[0], SVar):
            raise _NeedUnroll
        var = values[0]
        path = var.path()
        if func == "exists":
            return Dyn(ir.RelTest(path, "exists", format_expr(e)), "bool")
        if func == "blank":
            if any(n is not None and n.kind == "object" for n in var.nodes):
                raise _Fail(e.span, "type", "blank() 的参数须是单元格", "blank() takes a cell")
            return Dyn(ir.RelTest(path, "blank", format_expr(e)), "bool")
        if func == "previous":
            if var.previous:
                raise _Fail(e.span, "type", "previous() 的参数已是上年报告中的路径",
                            "previous() takes a path of this year's report")
            self.uses_previous = True
            return replace(var, previous=True)
        if any(n is None for n in var.nodes):
            raise _Fail(e.span, "type", f"{func}() 需要格式中有定义的路径",
                        f"{func}() needs a path of the format")
        answers: set[str | None] = set()
        for node in var.nodes:
            assert node is not None
            if func == "label":
                answers.add(node.title)
            elif func == "kind":
                answers.add(node.kind)
            elif func == "key":
                answers.add(var.rel[-1] if var.rel else node.key)
            else:
                answers.add(None)
        if len(answers) == 1 and None not in answers:
            return SConst(answers.pop())
        returns = "list:text" if func == "variants" else "text"
        return Dyn(ir.RelInfo(path, func, format_expr(e)), returns)

    def aggregate(self, func: str, value: Static, span: ast.Span, e: Any) -> Static:
        element, result = AGGREGATES[func]
        if isinstance(value, SKeySet):
            value = SList(tuple(SKey(k) for k in value.keys))
        if func == "count" and isinstance(value, SList):
            if not any(_optional(i) for i in value.items):
                return SConst(len(value.items))
            # Count what the report has: rows and cells may be optional.
            value = SList(tuple(_Guarded(SConst(True), i.guard) if isinstance(i, _Guarded)
                                else _Present(i) if isinstance(i, SNode) else i
                                for i in value.items))
        converted = self.to_ir(value, span)
        if not converted.type.startswith("list"):
            raise _Fail(span, "type", f"{func}() 的参数须是列表，这里是{_tzh(converted.type)}",
                        f"{func}() takes a list, got {_ten(converted.type)}")
        elem = converted.type[5:] if converted.type.startswith("list:") else "any"
        if not _fits(elem, element):
            raise _Fail(span, "type",
                        f"{func}() 需要{_tzh(element)}的列表，这里是{_tzh(converted.type)}",
                        f"{func}() needs {_ten('list:' + element)}, got {_ten(converted.type)}")
        out_type = result if func != "list" else converted.type
        return Dyn(ir.Agg(func, converted.expr, format_expr(e)), out_type)

    def e_Generator(self, e: ast.Generator, scope: _Scope) -> Static:
        if e.func not in AGGREGATES:
            raise _Fail(e.span, "unknown-function",
                        f"“{e.func}(… for …)”只能用于 {', '.join(AGGREGATES)}",
                        f"generators work with {', '.join(AGGREGATES)} only")
        iterable = self.expr(e.iterable, scope)
        if isinstance(iterable, SKeySet):
            iterable = SList(tuple(SKey(k) for k in iterable.keys))
        if isinstance(iterable, SList):
            items: list[Any] = []
            for item in iterable.items:
                inner = scope.child()
                inner.bindings[e.var] = item
                guard = None
                if e.where is not None:
                    test = self.expr(e.where, inner)
                    if isinstance(test, SConst) and isinstance(test.value, bool):
                        if not test.value:
                            continue
                    else:
                        guard = self.want(test, "bool", e.where, _WHERE).expr
                body = self.expr(e.body, inner)
                items.append(_Guarded(body, guard) if guard is not None else body)
            return self.aggregate(e.func, SList(tuple(items)), e.span, e)
        source = self.to_ir(iterable, e.iterable.span)
        if not source.type.startswith("list"):
            raise _Fail(e.iterable.span, "type", f"for 须遍历列表，这里是{_tzh(source.type)}",
                        f"'for' needs a list, got {_ten(source.type)}")
        slot = self.new_slot()
        inner = scope.child()
        inner.bindings[e.var] = Dyn(ir.Var(slot, e.var, e.var), source.type[5:] or "any")
        where = None
        if e.where is not None:
            where = self.want(self.expr(e.where, inner), "bool", e.where, _WHERE).expr
        body = self.to_ir(self.expr(e.body, inner), e.body.span)
        element, result = AGGREGATES[e.func]
        if not _fits(body.type, element):
            raise _Fail(e.body.span, "type",
                        f"{e.func}() 需要{_tzh(element)}，这里是{_tzh(body.type)}",
                        f"{e.func}() needs {_ten(element)}, got {_ten(body.type)}")
        out_type = result if e.func != "list" else "list:" + body.type
        return Dyn(ir.Comp(e.func, body.expr, slot, source.expr, where, format_expr(e)), out_type)

    def new_slot(self) -> int:
        self.slots += 1
        return self.slots - 1

    # -- statements --------------------------------------------------------

    def block(self, stmts: Sequence[ast.Stmt], scope: _Scope,
              problems: list[Problem]) -> list[ir.StmtI]:
        # _NeedUnroll is not caught here: it leaves the whole loop body.
        out: list[ir.StmtI] = []
        for stmt in stmts:
            try:
                if isinstance(stmt, ast.Let):
                    # Substituted where used: a path stays a path, a value an
                    # expression (evaluated where it is used).
                    scope.bindings[stmt.name] = self.expr(stmt.value, scope)
                    continue
                out.extend(self.stmt(stmt, scope, problems))
            except _Fail as fail:
                problems.append(self.problem(fail))
        return out

    def stmt(self, stmt: ast.Stmt, scope: _Scope, problems: list[Problem]) -> list[ir.StmtI]:
        if isinstance(stmt, ast.For):
            iterable = self.expr(stmt.iterable, scope)
            if isinstance(iterable, SKeySet):
                iterable = SList(tuple(SKey(k) for k in iterable.keys))
            if isinstance(iterable, SList) and len(iterable.items) > UNROLL_LIMIT and \
                    all(isinstance(i, SNode) for i in iterable.items):
                each = self.each(stmt, iterable, scope, problems)
                if each is not None:
                    return each
            if isinstance(iterable, SList):
                out: list[ir.StmtI] = []
                for item in iterable.items:
                    inner = scope.child()
                    inner.bindings[stmt.var] = item
                    if isinstance(item, SNode) and item.optional:
                        inner.presence = (*scope.presence, item.ref())
                    if stmt.where is not None:
                        test = self.expr(stmt.where, inner)
                        if isinstance(test, SConst) and isinstance(test.value, bool):
                            if not test.value:
                                continue
                        else:
                            cond = self.want(test, "bool", stmt.where, _WHERE).expr
                            body = self.block(stmt.body, inner, problems)
                            out.append(ir.WhenI(cond, tuple(body), inner.presence, stmt.span))
                            continue
                    out.extend(self.block(stmt.body, inner, problems))
                return out
            source = self.to_ir(iterable, stmt.iterable.span)
            if not source.type.startswith("list"):
                raise _Fail(stmt.iterable.span, "type",
                            f"for 须遍历列表，这里是{_tzh(source.type)}",
                            f"'for' needs a list, got {_ten(source.type)}")
            slot = self.new_slot()
            inner = scope.child()
            inner.bindings[stmt.var] = Dyn(ir.Var(slot, stmt.var, stmt.var),
                                           source.type[5:] or "any")
            where = None
            if stmt.where is not None:
                where = self.want(self.expr(stmt.where, inner), "bool", stmt.where,
                                  _WHERE).expr
            body = self.block(stmt.body, inner, problems)
            return [ir.LoopI(slot, stmt.var, source.expr, where, tuple(body), scope.presence,
                             stmt.span)]
        if isinstance(stmt, ast.When):
            test = self.expr(stmt.cond, scope)
            if isinstance(test, SConst) and isinstance(test.value, bool):
                return self.block(stmt.body, scope.child(), problems) if test.value else []
            cond = self.want(test, "bool", stmt.cond, _WHEN).expr
            body = self.block(stmt.body, scope.child(), problems)
            return [ir.WhenI(cond, tuple(body), scope.presence, stmt.span)]
        if isinstance(stmt, ast.Assert):
            return [self.assertion(stmt, scope)]
        if isinstance(stmt, ast.ReportStmt):
            return [self.assertion(stmt, scope)]
        raise _Fail(getattr(stmt, "span", ast.Span()), "syntax", "未知的语句", "unknown statement")

    def each(self, stmt: ast.For, iterable: SList, scope: _Scope,
             problems: list[Problem]) -> list[ir.StmtI] | None:
        """Check a loop over a long list of paths once, for all items at
        once; None when the body needs unrolling."""
        items: list[SNode] = []
        runtime_where = False
        for item in iterable.items:
            assert isinstance(item, SNode)
            if stmt.where is not None:
                inner = scope.child()
                inner.bindings[stmt.var] = item
                test = self.expr(stmt.where, inner)
                if isinstance(test, SConst) and isinstance(test.value, bool):
                    if not test.value:
                        continue
                else:
                    runtime_where = True
            items.append(item)
        if not items:
            return []
        # what a failed attempt gives back: the slots and path slots the
        # body took (nested loops take their own), the instances it counted
        saved_slots, saved_paths = self.slots, len(self.path_slots)
        slot = self.new_slot()
        self.new_slot()  # slot + 1 holds the item's Ref
        fmt = items[0].fmt
        var = SVar(slot, tuple(dict.fromkeys(i.node for i in items)), (), fmt)
        inner = scope.child()
        inner.bindings[stmt.var] = var
        saved_count, saved_problems = self.count, len(problems)
        try:
            where = None
            if runtime_where and stmt.where is not None:
                where = self.want(self.expr(stmt.where, inner), "bool", stmt.where,
                                  _WHERE).expr
            body = self.block(stmt.body, inner, problems)
        except _NeedUnroll:
            del problems[saved_problems:]
            self.count = saved_count
            self.slots = saved_slots
            del self.path_slots[saved_paths:]
            return None
        self.path_slots.append(slot)
        refs = tuple((i.ref(), self.optional_from(i)) for i in items)
        return [ir.EachI(slot, stmt.var, refs, where, tuple(body), scope.presence, stmt.span)]

    def optional_from(self, item: SNode) -> int:
        """Index of the first key of ``item`` that the schema does not
        require (-1 when every key is required)."""
        if not item.optional:
            return -1
        node: Node | None = self.root
        for index, part in enumerate(item.parts):
            node = node.children.get(part) if node is not None else None
            if node is None or not node.required:
                return index
        return -1

    def assertion(self, stmt: ast.Assert | ast.ReportStmt, scope: _Scope) -> ir.AssertI:
        self.count += 1
        if self.count > MAX_INSTANCES:
            raise _Fail(stmt.span, "limit", f"规则展开后超过 {MAX_INSTANCES} 条断言",
                        f"the rule expands to more than {MAX_INSTANCES} assertions")
        cond: ir.Expr | None = None
        if isinstance(stmt, ast.Assert):
            test = self.expr(stmt.cond, scope)
            cond = self.want(test, "bool", stmt.cond, ("assert 的条件", "the assertion")).expr
        at_ref: ir.Ref | ir.PathSlot | None = None
        if stmt.at is not None:
            target = self.expr(stmt.at, scope)
            if isinstance(target, SVar):
                at_ref = target.path()
            elif not isinstance(target, SNode):
                raise _Fail(stmt.at.span, "type", "at 须是报告中的路径（单元格、行或章节）",
                            "'at' takes a path into the report (a cell, row or section)")
            else:
                at_ref = target.ref()
        elif cond is not None:
            at_ref = _first_ref(cond)
        if at_ref is None:
            raise _Fail(stmt.span, "type", "无法确定问题所在的单元格，请用 at 指定",
                        "cannot tell which cell the finding is about: add 'at …'")
        within = None
        if isinstance(stmt, ast.Assert) and stmt.within is not None:
            within = self.want(self.expr(stmt.within, scope), "num", stmt.within,
                               ("within 容差", "the within tolerance")).expr
            if not (isinstance(cond, ir.Cmp) and cond.op == "==" and cond.numbers):
                raise _Fail(stmt.within.span, "type", "容差 within 只用于数的 == 比较",
                            "'within' goes with an == comparison of numbers")
        zh = en = None
        if stmt.message is not None:
            zh = self.template(stmt.message.zh, stmt.message.span, scope, "zh")
            if stmt.message.en is not None:
                en = self.template(stmt.message.en, stmt.message.span, scope, "en")
        elif isinstance(stmt, ast.ReportStmt):
            raise _Fail(stmt.span, "type", "report 须有 message", "'report' needs a message")
        if stmt.severity is not None and stmt.severity not in SEVERITIES:
            raise _Fail(stmt.span, "severity",
                        f"未知的严重程度“{stmt.severity}”，应为 error、warning 或 info",
                        f"unknown severity '{stmt.severity}': use error, warning or info")
        return ir.AssertI(cond, at_ref, within, zh, en, scope.presence, stmt.severity, stmt.span)

    def template(self, text: str, span: ast.Span, scope: _Scope, lang: str) -> ir.Template:
        try:
            pieces = split_template(text)
        except TemplateError as exc:
            raise _Fail(span, "syntax", exc.zh, exc.en) from None
        parts: list[str | ir.Expr] = []
        for piece in pieces:
            if isinstance(piece, str):
                parts.append(piece)
                continue
            try:
                parts.append(self.message_value(self.expr(piece, scope), span, lang))
            except _Fail as fail:
                # the {…}'s own positions are within the template: say it at the message
                raise _Fail(span, fail.code, fail.zh, fail.en) from None
        return ir.Template(tuple(parts))

    def message_value(self, value: Static, span: ast.Span, lang: str) -> str | ir.Expr:
        if isinstance(value, SKey):
            return key_display(value.name) if lang == "zh" else value.name
        if isinstance(value, SVar) and any(n is not None and n.kind == "object"
                                           for n in value.nodes):
            return ir.RelInfo(value.path(), "label_path")
        if isinstance(value, SNode) and (value.node is None or value.node.kind == "object"):
            return label_path(self.fmt, value.parts)
        if isinstance(value, SConst):
            return _show_const(value.value, lang)
        return self.to_ir(value, span).expr


class TemplateError(ValueError):
    """A message template that cannot be split (Chinese and English)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} ({en})")
        self.zh = zh
        self.en = en


@lru_cache(maxsize=1024)
def split_template(text: str) -> tuple[str | ast.Expr, ...]:
    """A message template split into literal text and parsed ``{…}``
    expressions (parsed once per distinct template, not per instance).

    Raises:
        TemplateError: an unclosed brace or a {…} that does not parse.
    """
    pieces: list[str | ast.Expr] = []
    literal: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(ch)
            i += 2
            continue
        if ch == "{":
            end = text.find("}", i)
            if end < 0:
                raise TemplateError("消息中的“{”没有对应的“}”（字面的花括号写作 {{ }}）",
                                    "unclosed '{' in a message (write {{ }} for a literal brace)")
            source = text[i + 1 : end]
            try:
                expr = parse_expression(source)
            except RuleSyntaxError as exc:
                raise TemplateError(f"消息中的“{{{source}}}”无法解析：{exc}",
                                    f"cannot parse '{{{source}}}' in a message: {exc}") from None
            if literal:
                pieces.append("".join(literal))
                literal = []
            pieces.append(expr)
            i = end + 1
            continue
        literal.append(ch)
        i += 1
    if literal:
        pieces.append("".join(literal))
    return tuple(pieces)


@dataclass(frozen=True, slots=True)
class _Guarded:
    """A list element kept only where its ``where`` holds on the report."""

    value: Any
    guard: ir.Expr


@dataclass(frozen=True, slots=True)
class _Present:
    """A path counted only where the report has it (count() of rows)."""

    node: SNode


def _optional(item: Any) -> bool:
    if isinstance(item, _Guarded):
        return True
    return isinstance(item, SNode) and item.optional


def _show_const(value: Any, lang: str) -> str:
    # as a value computed on a report is shown (a folded 1 / 3 printed all
    # its 1000 digits)
    return format_value(value, lang)


def _did_you_mean(guess: Sequence[str]) -> tuple[str, str]:
    """"; did you mean …?" in Chinese and English, or nothing."""
    if not guess:
        return "", ""
    return f"；是否应为“{guess[0]}”？", f"; did you mean '{guess[0]}'?"


def _first_ref(expr: ir.Expr) -> ir.Ref | ir.PathSlot | None:
    """The default cell of a finding: the first path on the left of a
    comparison, else the first path anywhere."""
    if isinstance(expr, (ir.Read, ir.Exists, ir.Blank)):
        return expr.ref
    if isinstance(expr, (ir.Rel, ir.RelTest)):
        return expr.path
    if isinstance(expr, ir.Cmp):
        return _first_ref(expr.left) or _first_ref(expr.right)
    for child in ir.children(expr):
        found = _first_ref(child)
        if found is not None:
            return found
    return None


def check_rule(checker: Checker, rule: ast.Rule,
               file: str) -> tuple[ir.RuleI | None, list[Problem]]:
    """Check one rule for the checker's format; returns the IR (None when
    the rule has problems) and the problems."""
    checker.file = file
    checker.slots = 0
    checker.uses_previous = False
    checker.count = 0
    checker.work = 0
    checker.substituted = 0
    checker.extents = {}
    checker.path_slots = []
    problems: list[Problem] = []
    spans = dict(rule.meta_spans)

    def meta_problem(key: str, code: str, zh: str, en: str) -> None:
        problems.append(checker.problem(_Fail(spans.get(key, rule.span), code, zh, en)))

    if rule.title is None:
        meta_problem("title", "metadata", f"规则 {rule.rule_id} 缺少中文标题 title",
                     f"rule {rule.rule_id} has no title")
    if rule.severity is None:
        meta_problem("severity", "severity",
                     f"规则 {rule.rule_id} 缺少 severity（error / warning / info）",
                     f"rule {rule.rule_id} has no severity (error / warning / info)")
    elif rule.severity not in SEVERITIES:
        meta_problem("severity", "severity",
                     f"未知的严重程度“{rule.severity}”，应为 error、warning 或 info",
                     f"unknown severity '{rule.severity}': use error, warning or info")
    for fmt in rule.formats:
        if fmt not in ("2019", "2021"):
            meta_problem("formats", "metadata", f"未知的格式 {fmt}（应为 2019 或 2021）",
                         f"unknown format {fmt} (use 2019 or 2021)")
    if rule.years is not None:
        low, high = rule.years
        if low is not None and high is not None and low > high:
            meta_problem("years", "metadata",
                         f"年度范围 {low}..{high} 为空", f"empty year range {low}..{high}")
    body = checker.block(rule.body, _Scope(), problems)
    if not problems and not body and not _has_statements(rule.body):
        problems.append(checker.problem(_Fail(rule.span, "metadata",
                                              f"规则 {rule.rule_id} 没有 assert 或 report",
                                              f"rule {rule.rule_id} asserts nothing")))
    if problems:
        return None, problems
    title = rule.title or ast.TextPair(rule.rule_id)
    return ir.RuleI(
        rule_id=rule.rule_id,
        severity=rule.severity or "error",
        title_zh=title.zh,
        title_en=title.en or title.zh,
        cite=rule.cite or "",
        formats=rule.formats or ("2019", "2021"),
        years=rule.years,
        body=tuple(body),
        slots=checker.slots,
        uses_previous=checker.uses_previous,
        path_slots=tuple(checker.path_slots),
        file=file,
        span=rule.span,
    ), []


def _has_statements(stmts: Sequence[ast.Stmt]) -> bool:
    for stmt in stmts:
        if isinstance(stmt, (ast.Assert, ast.ReportStmt)):
            return True
        if isinstance(stmt, (ast.For, ast.When)) and _has_statements(stmt.body):
            return True
    return False


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset({ir.Ref, ir.PathSlot, ir.K, ir.Var})


def _parts(node: Any) -> list[Any]:
    """The IR nodes a node holds (through tuples), for :func:`_extent`."""
    names = _FIELD_NAMES.get(type(node))
    if names is None:
        names = _FIELD_NAMES[type(node)] = tuple(
            f.name for f in fields(node) if f.name not in ("src", "nid", "span"))
    found: list[Any] = []
    pending = [getattr(node, name) for name in names]
    while pending:
        value = pending.pop()
        if value.__class__ is tuple or value.__class__ is list:
            pending.extend(value)
        elif hasattr(value, "__dataclass_fields__"):
            found.append(value)
    return found


def _extent(roots: Sequence[Any], memo: dict[int, tuple[int, int, Any]]) -> tuple[int, int]:
    """(size, depth) of checked IR, a shared node counted at each use, as
    compiling and evaluating meet it; computed without recursion and in
    time linear in the distinct nodes (a doubling let chain is measured,
    not walked). ``memo`` keeps each node measured (and alive: ids are
    the keys)."""
    stack: list[tuple[Any, bool]] = [(root, False) for root in roots]
    while stack:
        node, ready = stack.pop()
        if id(node) in memo:
            continue
        if node.__class__ in _LEAVES:
            memo[id(node)] = (1, 1, node)
            continue
        kids = _parts(node)
        if ready:
            memo[id(node)] = (1 + sum(memo[id(k)][0] for k in kids),
                              1 + max((memo[id(k)][1] for k in kids), default=0), node)
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in memo)
    return (sum(memo[id(r)][0] for r in roots),
            max((memo[id(r)][1] for r in roots), default=0))
