"""Compiling stage: IR → Python closures, once per rule set and format.

Each IR expression becomes a closure ``env → value``; paths become direct
dictionary lookups with their keys fixed, so evaluating a report walks no
tree. Two variants are built from the same code: the fast one answers
pass/fail; the traced one (built lazily, used only when an assertion fails)
also records every cell it read and every intermediate value, which is what
findings and default messages are made from.

No eval/exec: the closures are ordinary nested functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal, DivisionByZero, InvalidOperation
from typing import Any

from . import ir
from .functions import FUNCTIONS, EvalProblem, tables_format
from .layout import CELL_KINDS, label_path, node_at

__all__ = [
    "Env",
    "Fn",
    "Unavailable",
    "at_resolver",
    "compile_expr",
    "exists_fn",
    "make_ref",
    "raw_getter",
    "rel_getter",
    "rel_ref",
]

Fn = Callable[["Env"], Any]


class Unavailable(Exception):
    """An assertion instance cannot be evaluated on this report.

    ``what`` is "missing" (a path is absent), "value" (a cell holds
    something that is not a number), "previous" (no previous report), or
    "problem" (a builtin refused a value).
    """

    def __init__(self, what: str, ref: ir.Ref | None = None, value: Any = None,
                 zh: str = "", en: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.ref = ref
        self.value = value
        self.zh = zh
        self.en = en


class Env:
    """What one evaluation sees: the report, the previous report, loop
    variables, and (traced mode) what was read."""

    __slots__ = ("cache", "doc", "fmt", "prev", "reads", "trace", "vars")

    def __init__(self, doc: Any, prev: Any = None, slots: int = 0, fmt: str = "2021") -> None:
        self.doc = doc
        self.fmt = fmt
        self.prev = prev
        self.vars: list[Any] = [None] * slots
        self.trace: dict[int, Any] | None = None
        self.reads: list[tuple[ir.Ref, Any]] | None = None
        self.cache: dict[str, Any] = {}

    def traced(self) -> Env:
        """A copy that records reads and values."""
        other = Env(self.doc, self.prev, 0, self.fmt)
        other.vars = list(self.vars)
        other.cache = self.cache
        other.trace = {}
        other.reads = []
        return other


_LOOKUP_ERRORS = (KeyError, TypeError, IndexError)


def raw_getter(ref: ir.Ref) -> Fn:
    """A closure returning the raw value at ``ref`` or raising Unavailable."""
    parts = ref.parts
    previous = ref.root == "previous"

    def document(env: Env) -> Any:
        if previous:
            if env.prev is None:
                raise Unavailable("previous", ref)
            return env.prev
        return env.doc

    # Unrolled for the common depths: a fixed chain of subscripts is the
    # cheapest read Python has.
    if len(parts) == 1:
        (a,) = parts

        def get(env: Env) -> Any:
            try:
                return document(env)[a]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
    elif len(parts) == 2:
        a, b = parts

        def get(env: Env) -> Any:
            try:
                return document(env)[a][b]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
    elif len(parts) == 3:
        a, b, c = parts

        def get(env: Env) -> Any:
            try:
                return document(env)[a][b][c]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
    elif len(parts) == 4:
        a, b, c, d = parts

        def get(env: Env) -> Any:
            try:
                return document(env)[a][b][c][d]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
    elif len(parts) == 5:
        a, b, c, d, e = parts

        def get(env: Env) -> Any:
            try:
                return document(env)[a][b][c][d][e]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
    else:

        def get(env: Env) -> Any:
            node = document(env)
            try:
                for part in parts:
                    node = node[part]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
            return node

    return get if parts else document


@lru_cache(maxsize=16384)
def make_ref(root: str, parts: tuple[str, ...], fmt: str) -> ir.Ref:
    """The Ref of a path found while a loop runs (label from the layout)."""
    node = node_at(fmt, parts)  # type: ignore[arg-type]
    kind = node.kind if node is not None else "any"
    label = label_path(fmt, parts)  # type: ignore[arg-type]
    short = node.short if node is not None else (parts[-1] if parts else "报告")
    if root == "previous":
        label, short = "上年报告 · " + label, "上年" + short
    return ir.Ref(root, parts, kind, label, short)  # type: ignore[arg-type]


def rel_ref(path: ir.PathSlot, env: Env) -> ir.Ref:
    """The full Ref a relative path stands for in the current loop item."""
    base: ir.Ref = env.vars[path.slot + 1]
    root = "previous" if path.previous else base.root
    return make_ref(root, base.parts + path.rel, env.fmt)


def rel_getter(path: ir.PathSlot) -> Fn:
    """A closure returning the raw value at a relative path."""
    slot, rel = path.slot, path.rel
    if path.previous:

        def get_previous(env: Env) -> Any:
            if env.prev is None:
                raise Unavailable("previous")
            node = env.prev
            try:
                for part in env.vars[slot + 1].parts + rel:
                    node = node[part]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", rel_ref(path, env)) from None
            return node

        return get_previous
    if not rel:
        return lambda env: env.vars[slot]
    if len(rel) == 1:
        (key,) = rel

        def get_one(env: Env) -> Any:
            try:
                return env.vars[slot][key]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", rel_ref(path, env)) from None

        return get_one

    def get(env: Env) -> Any:
        node = env.vars[slot]
        try:
            for part in rel:
                node = node[part]
        except _LOOKUP_ERRORS:
            raise Unavailable("missing", rel_ref(path, env)) from None
        return node

    return get


def at_resolver(at: ir.Ref | ir.PathSlot) -> Callable[[Env], ir.Ref]:
    """The Ref a finding points at, for a static or a loop-relative ``at``."""
    if isinstance(at, ir.Ref):
        return lambda env: at
    return lambda env: rel_ref(at, env)


def exists_fn(ref: ir.Ref) -> Callable[[Env], bool]:
    """A closure telling whether ``ref`` is present."""
    get = raw_getter(ref)

    def exists(env: Env) -> bool:
        try:
            get(env)
        except Unavailable as exc:
            if exc.what == "previous":
                raise
            return False
        return True

    return exists


def _read(ref: ir.Ref | ir.PathSlot, traced: bool) -> Fn:
    get = raw_getter(ref) if isinstance(ref, ir.Ref) else rel_getter(ref)
    kind = ref.kind
    if kind in CELL_KINDS or kind == "integer":

        def read(env: Env) -> Any:
            value = get(env)
            cls = type(value)
            if cls is int or value is None or cls is Decimal:
                return value
            raise Unavailable("value", ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value)
    elif kind in ("text", "string", "date", "enum"):

        def read(env: Env) -> Any:
            value = get(env)
            if type(value) is str:
                return value
            raise Unavailable("value", ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value)
    else:
        read = get
    if not traced:
        return read

    def read_traced(env: Env) -> Any:
        value = read(env)
        assert env.reads is not None
        env.reads.append((ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value))
        return value

    return read_traced


def _num(value: Any) -> Any:
    return 0 if value is None else value


def _arith(op: str, left: Fn, right: Fn) -> Fn:
    if op == "+":
        return lambda env: _num(left(env)) + _num(right(env))
    if op == "-":
        return lambda env: _num(left(env)) - _num(right(env))
    if op == "*":
        return lambda env: _num(left(env)) * _num(right(env))

    def divide(env: Env) -> Any:
        a, b = _num(left(env)), _num(right(env))
        if b == 0:
            raise Unavailable("problem", zh="除数为 0", en="division by zero")
        try:
            return Decimal(a) / Decimal(b)
        except (InvalidOperation, DivisionByZero):
            raise Unavailable("problem", zh="无法相除", en="cannot divide") from None

    return divide


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _compare(op: str, left: Fn, right: Fn) -> Fn:
    test = _COMPARE[op]

    def compare(env: Env) -> bool:
        a, b = left(env), right(env)
        if a is None:
            a = 0
        if b is None:
            b = 0
        try:
            return test(a, b)
        except TypeError:
            raise Unavailable("problem", zh=f"无法比较 {a!r} 与 {b!r}",
                              en=f"cannot compare {a!r} with {b!r}") from None

    return compare


@dataclass(frozen=True, slots=True)
class _Item:
    value: Fn
    present: Callable[[Env], bool] | None
    guard: Fn | None


def _list(items: Sequence[_Item]) -> Fn:
    if all(i.present is None and i.guard is None for i in items):
        fns = tuple(i.value for i in items)
        return lambda env: [f(env) for f in fns]

    def build(env: Env) -> list[Any]:
        out = []
        for item in items:
            if item.present is not None and not item.present(env):
                continue
            if item.guard is not None and not item.guard(env):
                continue
            out.append(item.value(env))
        return out

    return build


def _aggregate(func: str, values: list[Any]) -> Any:
    if func == "sum":
        total: Any = 0
        for v in values:
            if v is not None:
                total += v
        return total
    if func == "count":
        return len(values)
    if func in ("min", "max"):
        numbers = [_num(v) for v in values]
        if not numbers:
            raise Unavailable("problem", zh=f"{func}() 的列表为空", en=f"{func}() of an empty list")
        return min(numbers) if func == "min" else max(numbers)
    if func == "all":
        return all(values)
    if func == "any":
        return any(values)
    return list(values)


def compile_expr(expr: ir.Expr, traced: bool = False) -> Fn:
    """Compile an IR expression into a closure ``env → value``."""
    fn = _compile(expr, traced)
    if not traced:
        return fn
    nid = expr.nid

    def record(env: Env) -> Any:
        value = fn(env)
        assert env.trace is not None
        env.trace[nid] = value
        return value

    return record


def _compile(expr: ir.Expr, traced: bool) -> Fn:
    sub = lambda e: compile_expr(e, traced)  # noqa: E731 - local shorthand
    if isinstance(expr, ir.K):
        value = expr.value
        return lambda env: value
    if isinstance(expr, ir.Read):
        return _read(expr.ref, traced)
    if isinstance(expr, ir.Rel):
        read = _read(expr.path, traced)
        if not traced:
            return read
        nid, path = expr.nid, expr.path

        def read_rel_traced(env: Env) -> Any:
            value = read(env)
            assert env.trace is not None
            env.trace[-nid] = rel_ref(path, env)  # which cell, for messages
            return value

        return read_rel_traced
    if isinstance(expr, ir.RelTest):
        get = rel_getter(expr.path)
        if expr.test == "blank":
            return lambda env: get(env) is None

        def rel_exists(env: Env) -> bool:
            try:
                get(env)
            except Unavailable as exc:
                if exc.what == "previous":
                    raise
                return False
            return True

        return rel_exists
    if isinstance(expr, ir.RelInfo):
        return _rel_info(expr.path, expr.attr)
    if isinstance(expr, ir.Var):
        slot = expr.slot
        return lambda env: env.vars[slot]
    if isinstance(expr, ir.Exists):
        return exists_fn(expr.ref)
    if isinstance(expr, ir.Blank):
        get = raw_getter(expr.ref)
        return lambda env: get(env) is None
    if isinstance(expr, ir.Arith):
        return _arith(expr.op, sub(expr.left), sub(expr.right))
    if isinstance(expr, ir.Neg):
        operand = sub(expr.operand)
        return lambda env: -_num(operand(env))
    if isinstance(expr, ir.Cmp):
        return _compare(expr.op, sub(expr.left), sub(expr.right))
    if isinstance(expr, ir.Logic):
        left, right = sub(expr.left), sub(expr.right)
        if expr.op == "and":
            return lambda env: bool(left(env)) and bool(right(env))
        return lambda env: bool(left(env)) or bool(right(env))
    if isinstance(expr, ir.NotI):
        operand = sub(expr.operand)
        return lambda env: not operand(env)
    if isinstance(expr, ir.IfI):
        cond, then, other = sub(expr.cond), sub(expr.then), sub(expr.otherwise)
        return lambda env: then(env) if cond(env) else other(env)
    if isinstance(expr, ir.InI):
        item, collection = sub(expr.item), sub(expr.collection)
        negated = expr.negated
        return lambda env: (item(env) in collection(env)) != negated
    if isinstance(expr, ir.ListI):
        return _list([
            _Item(sub(i.value), exists_fn(i.present) if i.present is not None else None,
                  sub(i.guard) if i.guard is not None else None)
            for i in expr.items
        ])
    if isinstance(expr, ir.Agg):
        arg = sub(expr.arg)
        func = expr.func
        return lambda env: _aggregate(func, arg(env))
    if isinstance(expr, ir.Comp):
        return _comprehension(expr, traced)
    if isinstance(expr, ir.CallI):
        return _call(expr, traced)
    raise TypeError(f"not an IR expression: {expr!r}")


def _rel_info(path: ir.PathSlot, attr: str) -> Fn:
    def info(env: Env) -> Any:
        ref = rel_ref(path, env)
        node = node_at(env.fmt, ref.parts)  # type: ignore[arg-type]
        if attr == "label_path":
            return ref.label
        if node is None:
            raise Unavailable("problem", zh="路径不在格式中", en="the path is not in the format")
        if attr == "label":
            return node.title
        if attr == "kind":
            return node.kind
        if attr == "key":
            return ref.parts[-1] if ref.parts else ""
        return list(node.variants)

    return info


def _comprehension(expr: ir.Comp, traced: bool) -> Fn:
    body = compile_expr(expr.body, traced)
    source = compile_expr(expr.iterable, traced)
    where = compile_expr(expr.where, traced) if expr.where is not None else None
    slot, func = expr.slot, expr.func

    def run(env: Env) -> Any:
        values = []
        for item in source(env):
            env.vars[slot] = item
            if where is not None and not where(env):
                continue
            values.append(body(env))
        return _aggregate(func, values)

    return run


def _call(expr: ir.CallI, traced: bool) -> Fn:
    if expr.func == "tables_format":

        def detected(env: Env) -> str:
            if "tables_format" not in env.cache:
                env.cache["tables_format"] = tables_format(env.doc)
            return str(env.cache["tables_format"])

        return detected
    args = tuple(compile_expr(a, traced) for a in expr.args)
    impl = next(b for b in FUNCTIONS[expr.func] if len(b.params) == len(args)).impl
    if len(args) == 1:
        (a0,) = args

        def call1(env: Env) -> Any:
            try:
                return impl(a0(env))
            except EvalProblem as exc:
                raise Unavailable("problem", zh=exc.zh, en=exc.en) from None

        return call1

    def call(env: Env) -> Any:
        try:
            return impl(*(a(env) for a in args))
        except EvalProblem as exc:
            raise Unavailable("problem", zh=exc.zh, en=exc.en) from None

    return call
