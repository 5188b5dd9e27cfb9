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

import operator
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from decimal import Decimal, DivisionByZero, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar

from . import ir
from .functions import (
    COMPARE,
    FUNCTIONS,
    NUMBER_TYPES,
    EvalProblem,
    blank_as_zero,
    prefilter,
    tables_format,
    utf8,
)
from .layout import CELL_KINDS, TEXT_KINDS, label_path, node_at
from .normalize import key_member
from .pointer import MISSING

__all__ = [
    "Env",
    "Fn",
    "Unavailable",
    "at_resolver",
    "compile_expr",
    "exists_fn",
    "make_ref",
    "maybe_getter",
    "raw_getter",
    "rel_getter",
    "rel_ref",
    "row_predicate",
    "value_predicate",
    "value_vector",
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
        self.cache: dict[Any, Any] = {}

    def with_vars(self, vars_: Sequence[Any]) -> Env:
        """A fresh environment on the same documents, with loop variables
        ``vars_`` (those of a failed instance, say)."""
        other = Env(self.doc, self.prev, 0, self.fmt)
        other.vars = list(vars_)
        return other

    def traced(self) -> Env:
        """A copy that records reads and values."""
        other = self.with_vars(self.vars)
        other.cache = self.cache
        other.trace = {}
        other.reads = []
        return other


_LOOKUP_ERRORS = (KeyError, TypeError, IndexError)

#: how many compiled reads of a path are kept for reuse
_SHARED = 8192


@lru_cache(maxsize=_SHARED)
def raw_getter(ref: ir.Ref) -> Fn:
    """A closure returning the raw value at ``ref`` or raising Unavailable."""
    parts = ref.parts
    if ref.root == "previous":

        def get_previous(env: Env) -> Any:
            node = env.prev
            if node is None:
                raise Unavailable("previous", ref)
            try:
                for part in parts:
                    node = node[part]
            except _LOOKUP_ERRORS:
                raise Unavailable("missing", ref) from None
            return node

        return get_previous
    if not parts:
        return lambda env: env.doc
    if len(parts) in _REQUIRED_GETTERS:
        # the unrolled subscript chain itself, raising where it would
        # return MISSING: one call per read, not two

        def missing() -> Any:
            raise Unavailable("missing", ref) from None

        return _REQUIRED_GETTERS[len(parts)](*parts, missing=missing)
    quiet = maybe_getter(ref)

    def get(env: Env) -> Any:
        value = quiet(env)
        if value is MISSING:
            raise Unavailable("missing", ref)
        return value

    return get


def _missing() -> Any:
    return MISSING


# The closures of this module that run on every report take what they were
# made with as default arguments, not as closure cells: read as locals, and
# without a cell object per value. The pack holds thousands of them, and
# fewer objects keep the engine's working set within a core's L2 cache
# (docs/decisions.md, benchmarks/README.md). Nothing ever passes those
# arguments. What only an unusual report needs goes through _cold instead.

_F = TypeVar("_F", bound=Callable[..., Any])


def _cold(fn: _F, **values: Any) -> _F:
    """``fn`` holding ``values`` as its own attributes, reached through its
    last parameter ``me`` (whose default becomes ``fn`` itself).

    Every default argument is touched (its reference count) on every call.
    A value that only an unusual report needs (the plain way behind a fused
    sum, the Ref a message names) would be a cache line fetched on every
    report for nothing; the function object is at hand anyway."""
    fn.__dict__.update(values)
    fn.__defaults__ = (*(fn.__defaults__ or (None,))[:-1], fn)
    return fn


def _required1(a: str, missing: Callable[[], Any] = _missing) -> Fn:
    def get(env: Env, a: str = a, me: Any = None) -> Any:
        try:
            return env.doc[a]
        except _LOOKUP_ERRORS:
            return me.missing()

    return _cold(get, missing=missing)


def _required2(a: str, b: str, missing: Callable[[], Any] = _missing) -> Fn:
    def get(env: Env, a: str = a, b: str = b, me: Any = None) -> Any:
        try:
            return env.doc[a][b]
        except _LOOKUP_ERRORS:
            return me.missing()

    return _cold(get, missing=missing)


def _required3(a: str, b: str, c: str, missing: Callable[[], Any] = _missing) -> Fn:
    def get(env: Env, a: str = a, b: str = b, c: str = c, me: Any = None) -> Any:
        try:
            return env.doc[a][b][c]
        except _LOOKUP_ERRORS:
            return me.missing()

    return _cold(get, missing=missing)


def _required4(a: str, b: str, c: str, d: str, missing: Callable[[], Any] = _missing) -> Fn:
    def get(env: Env, a: str = a, b: str = b, c: str = c, d: str = d, me: Any = None) -> Any:
        try:
            return env.doc[a][b][c][d]
        except _LOOKUP_ERRORS:
            return me.missing()

    return _cold(get, missing=missing)


def _required5(a: str, b: str, c: str, d: str, e: str, missing: Callable[[], Any] = _missing) -> Fn:
    def get(env: Env, a: str = a, b: str = b, c: str = c, d: str = d, e: str = e,
            me: Any = None) -> Any:
        try:
            return env.doc[a][b][c][d][e]
        except _LOOKUP_ERRORS:
            return me.missing()

    return _cold(get, missing=missing)


_REQUIRED_GETTERS: dict[int, Callable[..., Fn]] = {
    1: _required1, 2: _required2, 3: _required3, 4: _required4, 5: _required5,
}


@lru_cache(maxsize=_SHARED)
def _subscripts(parts: tuple[str, ...]) -> Fn:
    """The subscript chain of a path of 1–5 keys, MISSING when it breaks."""
    return _REQUIRED_GETTERS[len(parts)](*parts)


@lru_cache(maxsize=_SHARED)
def maybe_getter(ref: ir.Ref, optional_from: int = -1) -> Fn:
    """A closure returning the value at ``ref``, or MISSING.

    ``optional_from`` is the index of the first key that may be absent (an
    ``x_`` extension row or column), -1 for none: absent optional keys are
    common, so they are looked up without raising (exceptions are slow),
    while a required path is read with plain subscripts.
    """
    parts = ref.parts
    previous = ref.root == "previous"
    if optional_from < 0 and not previous and 1 <= len(parts) <= 5:
        return _subscripts(parts)
    cut = optional_from if optional_from >= 0 else len(parts)

    def get(env: Env, previous: bool = previous, prefix: tuple[str, ...] = parts[:cut],
            optional: tuple[str, ...] = parts[cut:cut + 1],
            rest: tuple[str, ...] = parts[cut + 1:]) -> Any:
        node = env.prev if previous else env.doc
        if node is None:
            return MISSING
        try:
            for part in prefix:
                node = node[part]
            for part in optional:
                if node.__class__ is not dict or part not in node:
                    return MISSING
                node = node[part]
            for part in rest:
                node = node[part]
        except _LOOKUP_ERRORS:
            return MISSING
        return node

    return get


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


@lru_cache(maxsize=_SHARED)
def at_resolver(at: ir.Ref | ir.PathSlot) -> Callable[[Env], ir.Ref]:
    """The Ref a finding points at, for a static or a loop-relative ``at``."""
    if isinstance(at, ir.Ref):
        return lambda env: at
    return lambda env: rel_ref(at, env)


@lru_cache(maxsize=_SHARED)
def exists_fn(ref: ir.Ref) -> Callable[[Env], bool]:
    """A closure telling whether ``ref`` is present (without raising: the
    keys asked about are usually the absent ``x_`` extensions)."""
    get = maybe_getter(ref, 0)
    if ref.root == "previous":

        def exists_previous(env: Env) -> bool:
            if env.prev is None:
                raise Unavailable("previous", ref)
            return get(env) is not MISSING

        return exists_previous
    if 2 <= len(ref.parts) <= 6 and len(ref.parts) - 1 in _REQUIRED_GETTERS:
        # Usually asked of an x_ key the report does not have: the parent is
        # fetched (present in every report) and the key looked up, without
        # the cost of raising KeyError.
        parent_of = _subscripts(ref.parts[:-1])

        def exists_key(env: Env, parent_get: Fn = parent_of, last: str = ref.parts[-1],
                       me: Any = None) -> bool:
            parent = parent_get(env)
            if parent.__class__ is dict:
                return last in parent
            return me.get(env) is not MISSING

        return _cold(exists_key, get=get)
    return lambda env: get(env) is not MISSING


def _number_read(get: Fn, ref: ir.Ref | ir.PathSlot) -> Fn:
    def read(env: Env) -> Any:
        value = get(env)
        cls = value.__class__
        if cls is int or value is None or cls is Decimal:
            return value
        raise Unavailable("value", ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value)

    return read


@lru_cache(maxsize=_SHARED)
def _static_number_read(ref: ir.Ref) -> Fn | None:
    """One closure that subscripts and type-checks a number cell of the
    report (the read every identity does many times)."""
    if ref.root != "report" or not 1 <= len(ref.parts) <= 5:
        return None
    subscripts = _subscripts(ref.parts)

    def read(env: Env, get: Fn = subscripts, me: Any = None) -> Any:
        value = get(env)
        cls = value.__class__
        if cls is int or value is None or cls is Decimal:
            return value
        if value is MISSING:
            raise Unavailable("missing", me.ref)
        raise Unavailable("value", me.ref, value)

    return _cold(read, ref=ref)


def _rel_number_read(path: ir.PathSlot) -> Fn:
    """``row.column`` of a loop item, subscripted and checked in one call."""
    slot, (key,) = path.slot, path.rel

    def read(env: Env) -> Any:
        try:
            value = env.vars[slot][key]
        except _LOOKUP_ERRORS:
            raise Unavailable("missing", rel_ref(path, env)) from None
        if value.__class__ is int or value is None or value.__class__ is Decimal:
            return value
        raise Unavailable("value", rel_ref(path, env), value)

    return read


@lru_cache(maxsize=_SHARED)
def _plain_read(ref: ir.Ref | ir.PathSlot) -> Fn:
    """The read of ``ref`` with the check of its kind: one closure for every
    expression of the rules that reads that path."""
    kind = ref.kind
    number = kind in CELL_KINDS or kind == "integer"
    if isinstance(ref, ir.Ref):
        fused = _static_number_read(ref) if number else None
        if fused is not None:
            return fused
    elif kind in CELL_KINDS and not ref.rel and ref.checked:
        # The loop already checked the item is a number (or blank).
        slot = ref.slot
        return lambda env: env.vars[slot]
    elif kind in CELL_KINDS and len(ref.rel) == 1 and not ref.previous:
        return _rel_number_read(ref)
    get = raw_getter(ref) if isinstance(ref, ir.Ref) else rel_getter(ref)
    if number:
        return _number_read(get, ref)
    if kind in TEXT_KINDS:

        def read(env: Env) -> Any:
            value = get(env)
            if value.__class__ is str:
                return value
            raise Unavailable("value", ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value)

        return read
    return get


def _read(ref: ir.Ref | ir.PathSlot, traced: bool) -> Fn:
    read = _plain_read(ref)
    if not traced:
        return read

    def read_traced(env: Env) -> Any:
        value = read(env)
        assert env.reads is not None
        env.reads.append((ref if isinstance(ref, ir.Ref) else rel_ref(ref, env), value))
        return value

    return read_traced


def _arith(op: str, left: Fn, right: Fn) -> Fn:
    if op == "+":

        def add(env: Env) -> Any:
            a, b = left(env), right(env)
            return (0 if a is None else a) + (0 if b is None else b)

        return add
    if op == "-":

        def sub(env: Env) -> Any:
            a, b = left(env), right(env)
            return (0 if a is None else a) - (0 if b is None else b)

        return sub
    if op == "*":

        def mul(env: Env) -> Any:
            a, b = left(env), right(env)
            return (0 if a is None else a) * (0 if b is None else b)

        return mul

    def divide(env: Env) -> Any:
        a, b = blank_as_zero(left(env)), blank_as_zero(right(env))
        if b == 0:
            raise Unavailable("problem", zh="除数为 0", en="division by zero")
        try:
            return Decimal(a) / Decimal(b)
        except (InvalidOperation, DivisionByZero):
            raise Unavailable("problem", zh="无法相除", en="cannot divide") from None

    return divide


def _uncomparable(a: Any, b: Any) -> Unavailable:
    return Unavailable("problem", zh=f"无法比较 {a!r} 与 {b!r}",
                       en=f"cannot compare {a!r} with {b!r}")




def _compare_constant(op: str, left: Fn, constant: Any) -> Fn:
    """``x op 0`` and the like: the constant is captured, not called."""
    if op == ">=":

        def ge_k(env: Env, left: Fn = left, constant: Any = constant) -> bool:
            a = left(env)
            try:
                return bool((0 if a is None else a) >= constant)
            except TypeError:
                raise _uncomparable(a, constant) from None

        return ge_k
    if op == "==":

        def eq_k(env: Env, left: Fn = left, constant: Any = constant) -> bool:
            a = left(env)
            return bool((0 if a is None else a) == constant)

        return eq_k
    def other_k(env: Env, left: Fn = left, constant: Any = constant,
                test: Callable[[Any, Any], bool] = COMPARE[op]) -> bool:
        a = left(env)
        try:
            return test(0 if a is None else a, constant)
        except TypeError:
            raise _uncomparable(a, constant) from None

    return other_k


def _compare(op: str, left: Fn, right: Fn) -> Fn:
    # Blanks compare as 0 (an identity's addends); a blank that decides the
    # outcome is weighed later, on failure. == and != (every identity) get
    # closures of their own, without the operator table's extra call.
    if op == "==":

        def eq(env: Env, left: Fn = left, right: Fn = right) -> bool:
            a, b = left(env), right(env)
            return bool((0 if a is None else a) == (0 if b is None else b))

        return eq
    if op == "!=":

        def ne(env: Env, left: Fn = left, right: Fn = right) -> bool:
            a, b = left(env), right(env)
            return bool((0 if a is None else a) != (0 if b is None else b))

        return ne
    # <, <=, >, >=: rarer in identities, and a type error is possible here
    test = COMPARE[op]

    def ordered(env: Env) -> bool:
        a, b = left(env), right(env)
        try:
            return test(0 if a is None else a, 0 if b is None else b)
        except TypeError:
            raise _uncomparable(a, b) from None

    return ordered


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


def _static_sum(fns: tuple[Fn, ...]) -> Fn:
    def total(env: Env) -> Any:
        result: Any = 0
        for fn in fns:
            value = fn(env)
            if value is not None:
                result += value
        return result

    return total


#: Fast paths (fused sums, cell sweeps, row tests) on or off. They must
#: give exactly the answers of the plain closures: the tests compile the
#: rules both ways and compare.
FAST_PATHS = True


class _Slow(Exception):
    """A fused read met something other than a number: take the plain way."""


def _terms(expr: ir.Expr, sign: int, out: list[tuple[int, ir.Expr]]) -> None:
    """The terms of a chain of + and − (and of sums of plain lists), in
    evaluation order, each with its sign."""
    if isinstance(expr, ir.Arith) and expr.op in "+-":
        _terms(expr.left, sign, out)
        _terms(expr.right, sign if expr.op == "+" else -sign, out)
    elif isinstance(expr, ir.Agg) and expr.func == "sum" and isinstance(expr.arg, ir.ListI) \
            and all(i.present is None and i.guard is None for i in expr.arg.items):
        for item in expr.arg.items:
            _terms(item.value, sign, out)
    else:
        out.append((sign, expr))


def _static_cell(expr: ir.Expr) -> tuple[str, ...] | None:
    """The path of a plain read of a number cell of this year's report."""
    if isinstance(expr, ir.Read) and expr.ref.root == "report" and expr.ref.parts and \
            (expr.ref.kind in CELL_KINDS or expr.ref.kind == "integer"):
        return expr.ref.parts
    return None


_Depths = tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[tuple[str, str, str], ...],
                tuple[tuple[str, ...], ...]]


@lru_cache(maxsize=65536)
def _shared(keys: Any) -> Any:
    """One copy of equal key tuples of the fused sums (the cache hands back
    the first it was given): many sums read the same cells, and fewer
    objects are fewer cache lines."""
    return keys


def _by_depth(rests: Iterable[tuple[str, ...]]) -> _Depths:
    """Relative paths grouped as one key, two keys, three keys and the rest
    (the first three are read without an inner loop)."""
    every = tuple(rests)
    ones = _shared(tuple(r[0] for r in every if len(r) == 1))
    twos = _shared(tuple(_shared((r[0], r[1])) for r in every if len(r) == 2))
    threes = _shared(tuple(_shared((r[0], r[1], r[2])) for r in every if len(r) == 3))
    longer = _shared(tuple(_shared(r) for r in every if not 1 <= len(r) <= 3))
    return _shared((ones, twos, threes, longer))  # type: ignore[no-any-return]


def _add(node: Any, ones: tuple[str, ...], twos: tuple[tuple[str, str], ...],
         threes: tuple[tuple[str, str, str], ...], rest: tuple[tuple[str, ...], ...]) -> Any:
    """The sum of the number cells below ``node`` (blanks as 0); raises
    _Slow at anything that is not a number, KeyError at a missing key."""
    total: Any = 0
    for a in ones:
        value = node[a]
        if value.__class__ is int or value.__class__ is Decimal:
            total += value
        elif value is not None:
            raise _Slow
    for a, b in twos:
        value = node[a][b]
        if value.__class__ is int or value.__class__ is Decimal:
            total += value
        elif value is not None:
            raise _Slow
    for a, b, c in threes:
        value = node[a][b][c]
        if value.__class__ is int or value.__class__ is Decimal:
            total += value
        elif value is not None:
            raise _Slow
    for path in rest:
        value = node
        for key in path:
            value = value[key]
        if value.__class__ is int or value.__class__ is Decimal:
            total += value
        elif value is not None:
            raise _Slow
    return total


def _sum_chain(expr: ir.Expr, plain_expr: ir.Expr | None) -> Fn | None:
    """``a + b − c + sum(…) …`` as one closure: the cells are read straight
    from the report below their common prefix, blanks count as 0, and the
    other terms are called. Anything unusual (a missing key, a value that is
    not a number) re-runs ``plain_expr`` compiled the plain way, which says
    precisely what is wrong (None: raise _Slow, for the caller to do so).
    None when the chain reads too few cells to be worth it."""
    terms: list[tuple[int, ir.Expr]] = []
    _terms(expr, 1, terms)
    paths = [(sign, _static_cell(term)) for sign, term in terms]
    cells = [(sign, path) for sign, path in paths if path is not None]
    if len(cells) < 3:
        return None
    plain: Fn = _Plain(plain_expr) if plain_expr is not None else _slow
    others = tuple((sign, compile_expr(term)) for (sign, term), (_, path)
                   in zip(terms, paths, strict=True) if path is None)
    prefix = cells[0][1]
    for _, path in cells:
        common = 0
        while common < min(len(prefix), len(path) - 1) and prefix[common] == path[common]:
            common += 1
        prefix = prefix[:common]
    cut = len(prefix)
    plus = _by_depth(path[cut:] for sign, path in cells if sign > 0)
    minus = _by_depth(path[cut:] for sign, path in cells if sign < 0)
    subtracts = any(minus)

    def chain(env: Env, prefix: tuple[str, ...] = tuple(prefix), plus: _Depths = plus,
              minus: _Depths = minus, subtracts: bool = subtracts,
              others: tuple[tuple[int, Fn], ...] = others, me: Any = None) -> Any:
        try:
            node = env.doc
            for key in prefix:
                node = node[key]
            total = _add(node, *plus) - _add(node, *minus) if subtracts else _add(node, *plus)
        except (_Slow, KeyError, TypeError, IndexError):
            return me.plain(env)
        for sign, fn in others:
            value = fn(env)
            if value is not None:
                total = total + value if sign > 0 else total - value
        return total

    return _cold(chain, plain=plain)


def _slow(env: Env) -> Any:
    raise _Slow


class _Plain:
    """The plain way behind a fused one, compiled on its first call: it runs
    only on an unusual report, and compiling it for every assertion of
    every rule at load would cost more than the rest. (An object, not a
    closure: the pack holds hundreds of them, and small objects kept apart
    from the closures that do run keep those dense in the cache.)"""

    __slots__ = ("compiled", "expr")

    def __init__(self, expr: ir.Expr) -> None:
        self.expr = expr
        self.compiled: Fn | None = None

    def __call__(self, env: Env) -> Any:
        compiled = self.compiled
        if compiled is None:
            compiled = self.compiled = compile_expr(self.expr, chains=False)
        return compiled(env)


def _compare_chain(expr: ir.Cmp) -> Fn | None:
    """``a + b … == c + d …`` (any comparison of sums of cells, an identity
    of the tables) as the sign of one fused sum ``a + b … − c − d …``:
    exact numbers compare as their difference does. Anything unusual
    re-runs the plain comparison, which says precisely what is wrong."""
    chain = _sum_chain(ir.Arith("-", expr.left, expr.right, expr.src), None)
    if chain is None:
        return None
    def compare(env: Env, chain: Fn = chain,
                test: Callable[[Any, Any], bool] = COMPARE[expr.op], me: Any = None) -> bool:
        try:
            difference = chain(env)
        except _Slow:
            return bool(me.plain(env))
        return test(difference, 0)

    return _cold(compare, plain=_Plain(expr))


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
        numbers = [blank_as_zero(v) for v in values]
        if not numbers:
            raise Unavailable("problem", zh=f"{func}() 的列表为空", en=f"{func}() of an empty list")
        return min(numbers) if func == "min" else max(numbers)
    if func == "all":
        return all(values)
    if func == "any":
        return any(values)
    return list(values)


def compile_expr(expr: ir.Expr, traced: bool = False, *, chains: bool = True) -> Fn:
    """Compile an IR expression into a closure ``env → value``.

    ``chains`` False compiles sums without the fused fast path (what the
    fast path itself falls back to)."""
    fn = _compile(expr, traced, chains)
    if not traced:
        return fn
    nid = expr.nid

    def record(env: Env) -> Any:
        value = fn(env)
        assert env.trace is not None
        env.trace[nid] = value
        return value

    return record


@lru_cache(maxsize=_SHARED)
def _constant(kind: str, value: Any) -> Fn:
    def constant(env: Env, value: Any = value) -> Any:
        return value

    return constant


@lru_cache(maxsize=_SHARED)
def _var(slot: int) -> Fn:
    def var(env: Env, slot: int = slot) -> Any:
        return env.vars[slot]

    return var


@lru_cache(maxsize=_SHARED)
def _blank(ref: ir.Ref) -> Fn:
    getter = raw_getter(ref)

    def blank(env: Env, get: Fn = getter) -> bool:
        return get(env) is None

    return blank


def _logic(op: str, left: Fn, right: Fn) -> Fn:
    if op == "and":

        def both(env: Env, left: Fn = left, right: Fn = right) -> bool:
            return bool(left(env)) and bool(right(env))

        return both

    def either(env: Env, left: Fn = left, right: Fn = right) -> bool:
        return bool(left(env)) or bool(right(env))

    return either


def _if(cond: Fn, then: Fn, other: Fn) -> Fn:
    def choose(env: Env, cond: Fn = cond, then: Fn = then, other: Fn = other) -> Any:
        return then(env) if cond(env) else other(env)

    return choose


def _aggregate_of(func: str, arg: Fn) -> Fn:
    def aggregate(env: Env, func: str = func, arg: Fn = arg) -> Any:
        return _aggregate(func, arg(env))

    return aggregate


def _compile(expr: ir.Expr, traced: bool, chains: bool = True) -> Fn:
    def sub(e: ir.Expr) -> Fn:
        return compile_expr(e, traced, chains=chains)

    fuse = chains and not traced and FAST_PATHS

    if isinstance(expr, ir.K):
        value = expr.value
        if value is None or value.__class__ in (int, str, bool):
            # one closure per constant (0, "2021" … recur across the rules);
            # the type is part of the key: 0 == False
            return _constant(value.__class__.__name__, value)
        return lambda env: value  # (a Decimal keeps its own digits: 1.0 is not 1.00)
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
        path = expr.path
        if expr.test == "blank":
            if not path.rel:
                slot = path.slot
                return lambda env: env.vars[slot] is None
            return lambda env: get(env) is None
        if len(path.rel) == 1 and not path.previous:
            slot, (key,) = path.slot, path.rel

            def has_key(env: Env) -> bool:
                node = env.vars[slot]
                return node.__class__ is dict and key in node

            return has_key

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
        return _var(expr.slot)
    if isinstance(expr, ir.Exists):
        return exists_fn(expr.ref)
    if isinstance(expr, ir.Blank):
        return _blank(expr.ref)
    if isinstance(expr, ir.Arith):
        if expr.op in "+-" and fuse:
            # The whole chain at once, from its top (the terms below are not
            # fused again: that would be quadratic in the chain's length).
            fused = _sum_chain(expr, expr)
            if fused is not None:
                return fused
        return _arith(expr.op, sub(expr.left), sub(expr.right))
    if isinstance(expr, ir.Neg):
        operand = sub(expr.operand)
        return lambda env: -blank_as_zero(operand(env))
    if isinstance(expr, ir.Cmp):
        if fuse and expr.op in COMPARE:
            fused = _compare_chain(expr)
            if fused is not None:
                return fused
        if isinstance(expr.right, ir.K) and not traced and \
                isinstance(expr.right.value, (int, Decimal)) and \
                not isinstance(expr.right.value, bool):
            return _compare_constant(expr.op, sub(expr.left), expr.right.value)
        return _compare(expr.op, sub(expr.left), sub(expr.right))
    if isinstance(expr, ir.Logic):
        return _logic(expr.op, sub(expr.left), sub(expr.right))
    if isinstance(expr, ir.NotI):
        inner = expr.operand
        if not traced and isinstance(inner, ir.RelTest) and inner.test == "blank" \
                and not inner.path.rel:
            slot = inner.path.slot
            return lambda env: env.vars[slot] is not None
        operand = sub(expr.operand)
        return lambda env: not operand(env)
    if isinstance(expr, ir.IfI):
        return _if(sub(expr.cond), sub(expr.then), sub(expr.otherwise))
    if isinstance(expr, ir.InI):
        item, collection = sub(expr.item), sub(expr.collection)
        negated = expr.negated
        if isinstance(expr.collection, ir.K) and isinstance(expr.collection.value, frozenset):
            keys = expr.collection.value  # a key set: matched as when folded at load
            return lambda env: key_member(item(env), keys) != negated
        return lambda env: (item(env) in collection(env)) != negated
    if isinstance(expr, ir.ListI):
        return _list([
            _Item(sub(i.value), exists_fn(i.present) if i.present is not None else None,
                  sub(i.guard) if i.guard is not None else None)
            for i in expr.items
        ])
    if isinstance(expr, ir.Agg):
        if expr.func == "sum" and isinstance(expr.arg, ir.ListI) and not traced and \
                all(i.present is None and i.guard is None for i in expr.arg.items):
            fused = _sum_chain(expr, expr) if fuse else None
            return fused or _static_sum(tuple(sub(i.value) for i in expr.arg.items))
        return _aggregate_of(expr.func, sub(expr.arg))
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


def _item(expr: ir.Expr, slot: int) -> bool:
    return isinstance(expr, ir.Rel) and expr.path.slot == slot and not expr.path.rel \
        and expr.path.checked


def _constant_test(op: str, constant: Any) -> Callable[[Any], bool]:
    test = COMPARE[op]
    return lambda v: test(0 if v is None else v, constant)


def value_predicate(expr: ir.Expr, slot: int) -> Callable[[Any], Any] | None:
    """``expr`` as a function of a loop item's value alone, when it reads
    nothing else (``not blank(x)``, ``x >= 0``, ``whole(x)``): a loop over
    cells then calls one function per cell. None when it reads more.

    The function may raise EvalProblem (from a builtin); callers treat any
    exception as "look at this cell the slow way".
    """
    if isinstance(expr, ir.NotI) and isinstance(expr.operand, ir.RelTest) and \
            expr.operand.test == "blank" and expr.operand.path.slot == slot and \
            not expr.operand.path.rel:
        return lambda v: v is not None
    if isinstance(expr, ir.RelTest) and expr.test == "blank" and expr.path.slot == slot \
            and not expr.path.rel:
        return lambda v: v is None
    if isinstance(expr, ir.Cmp) and _item(expr.left, slot) and isinstance(expr.right, ir.K) \
            and isinstance(expr.right.value, (int, Decimal)) \
            and not isinstance(expr.right.value, bool):
        return _constant_test(expr.op, expr.right.value)
    if isinstance(expr, ir.CallI) and len(expr.args) == 1 and _item(expr.args[0], slot):
        registered = FUNCTIONS.get(expr.func, [])
        return registered[expr.overload].impl if expr.overload < len(registered) else None
    if isinstance(expr, ir.NotI):
        inner = value_predicate(expr.operand, slot)
        return (lambda v: not inner(v)) if inner is not None else None
    if isinstance(expr, ir.Logic):
        left, right = value_predicate(expr.left, slot), value_predicate(expr.right, slot)
        if left is None or right is None:
            return None
        if expr.op == "and":
            return lambda v: bool(left(v)) and bool(right(v))
        return lambda v: bool(left(v)) or bool(right(v))
    return None


#: a test of many cell values at once: (values, a set holding at least
#: their types) → True when every value passes; False means "look at them
#: one by one".
Vector = Callable[[Sequence[Any], AbstractSet[type]], bool]


_NONE_TYPE = type(None)


def _bounds(values: Sequence[Any]) -> tuple[Any, Any]:
    """(least, greatest) of the values with a blank counted as 0, or
    (None, None) for none; ``filter(None, …)`` drops the blanks and zeros
    in C, and a dropped one stands for 0."""
    nonzero = list(filter(None, values))
    if len(nonzero) < len(values):
        nonzero.append(0)
    if not nonzero:
        return None, None
    return min(nonzero), max(nonzero)


def value_vector(expr: ir.Expr, slot: int) -> Vector | None:
    """``expr`` as a test of a whole vector of cell values at once, in C
    where possible (``not blank(x)`` → ``None not in values``; ``x >= 0`` →
    the least value; ``whole(x)`` → no Decimal among the types). The values
    are numbers or blanks (the caller checked their types). None when the
    expression has no such form; the caller then tests value by value."""
    if isinstance(expr, ir.NotI) and isinstance(expr.operand, ir.RelTest) and \
            expr.operand.test == "blank" and expr.operand.path.slot == slot and \
            not expr.operand.path.rel:
        # ``types`` are of a superset of ``values``: no NoneType, no blank.
        return lambda values, types: _NONE_TYPE not in types or None not in values
    if isinstance(expr, ir.Cmp) and _item(expr.left, slot) and isinstance(expr.right, ir.K) \
            and isinstance(expr.right.value, (int, Decimal)) \
            and not isinstance(expr.right.value, bool) and expr.op in (">=", ">", "<=", "<"):
        constant, compare = expr.right.value, COMPARE[expr.op]
        use_least = expr.op in (">=", ">")

        def bounded(values: Sequence[Any], types: AbstractSet[type]) -> bool:
            least, greatest = _bounds(values)
            if least is None:
                return True
            return bool(compare(least if use_least else greatest, constant))

        return bounded
    if isinstance(expr, ir.CallI) and expr.func == "whole" and len(expr.args) == 1 \
            and _item(expr.args[0], slot):
        whole = value_predicate(expr, slot)
        assert whole is not None
        # Integers are whole: only the Decimals need looking at.
        return lambda values, types: Decimal not in types or all(
            map(whole, [v for v in values if v.__class__ is Decimal]))
    return None


def row_predicate(expr: ir.Expr, slot: int) -> Callable[[Any], Any] | None:
    """``expr`` as a function of a loop item that is a row (a dict), when it
    reads only that row's cells (``r.总计 == sum(r[申请人])``,
    ``exists(r.x_legal_entities)``). A missing key raises KeyError, a value
    that is not a number TypeError: the caller then looks at the row the
    slow way. None when ``expr`` reads anything else."""
    if isinstance(expr, ir.Rel) and expr.path.slot == slot and len(expr.path.rel) == 1 \
            and not expr.path.previous and expr.path.kind in CELL_KINDS:
        key = expr.path.rel[0]

        def row_cell(row: Any) -> Any:
            value = row[key]
            if value.__class__ in NUMBER_TYPES:
                return value
            raise TypeError  # not a number (True is not 1): the plain way says so

        return row_cell
    if isinstance(expr, ir.K) and isinstance(expr.value, (int, Decimal)):
        value = expr.value
        return lambda row: value
    if isinstance(expr, ir.RelTest) and expr.test == "exists" and expr.path.slot == slot \
            and len(expr.path.rel) == 1 and not expr.path.previous:
        key = expr.path.rel[0]
        return lambda row: key in row
    if isinstance(expr, ir.Agg) and expr.func == "sum" and isinstance(expr.arg, ir.ListI):
        items = expr.arg.items
        keys: list[str] = []
        for item in items:
            cell = item.value
            if item.present is not None or item.guard is not None or not (
                    isinstance(cell, ir.Rel) and cell.path.slot == slot and
                    len(cell.path.rel) == 1 and cell.path.kind in CELL_KINDS):
                return None
            keys.append(cell.path.rel[0])
        if len(keys) < 2:
            return None
        pick = operator.itemgetter(*keys)

        def row_sum(row: Any) -> Any:
            values = pick(row)
            if not NUMBER_TYPES.issuperset(map(type, values)):
                raise TypeError  # "", True, "5": the plain way says what is wrong
            # filter(None, …) drops blanks and zeros alike: neither changes a sum
            return sum(filter(None, values))

        return row_sum
    if isinstance(expr, ir.Cmp) and expr.op == "==":
        fused = _row_total(expr, slot)
        if fused is not None:
            return fused
    if isinstance(expr, (ir.Arith, ir.Cmp, ir.Logic)):
        pair = row_predicate(expr.left, slot), row_predicate(expr.right, slot)
        if pair[0] is None or pair[1] is None:
            return None
        return _row_binary(expr, pair[0], pair[1])
    if isinstance(expr, ir.NotI):
        inner = row_predicate(expr.operand, slot)
        if inner is None:
            return None
        test = inner
        return lambda row: not test(row)
    return None


def _row_total(expr: ir.Cmp, slot: int) -> Callable[[Any], Any] | None:
    """``r.总计 == sum(r[申请人])`` (a row's total against its columns) as one
    function of the row; None for any other shape."""
    def cell_key(e: ir.Expr) -> str | None:
        if isinstance(e, ir.Rel) and e.path.slot == slot and len(e.path.rel) == 1 \
                and not e.path.previous and e.path.kind in CELL_KINDS:
            return e.path.rel[0]
        return None

    total_key = cell_key(expr.left)
    right = expr.right
    if total_key is None or not isinstance(right, ir.Agg) or right.func != "sum" or \
            not isinstance(right.arg, ir.ListI) or len(right.arg.items) < 2:
        return None
    keys = []
    for item in right.arg.items:
        key = cell_key(item.value)
        if key is None or item.present is not None or item.guard is not None:
            return None
        keys.append(key)
    pick = operator.itemgetter(total_key, *keys)

    def row_total(row: Any) -> Any:
        values = pick(row)
        if not NUMBER_TYPES.issuperset(map(type, values)):
            raise TypeError  # "", True, "5": the plain way says what is wrong
        # filter(None, …) drops blanks and zeros alike: neither changes a sum
        return (values[0] or 0) == sum(filter(None, values[1:]))

    return row_total


def _row_binary(expr: ir.Arith | ir.Cmp | ir.Logic, left: Callable[[Any], Any],
                right: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
    if isinstance(expr, ir.Arith):
        if expr.op == "+":
            return lambda row: blank_as_zero(left(row)) + blank_as_zero(right(row))
        if expr.op == "-":
            return lambda row: blank_as_zero(left(row)) - blank_as_zero(right(row))
        return None
    if isinstance(expr, ir.Cmp):
        test = COMPARE[expr.op]
        return lambda row: test(blank_as_zero(left(row)), blank_as_zero(right(row)))
    if expr.op == "and":
        return lambda row: bool(left(row)) and bool(right(row))
    return lambda row: bool(left(row)) or bool(right(row))


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
            # check() puts the structure stage's answer here; computed only
            # when the engine is used on its own.
            if "tables_format" not in env.cache:
                env.cache["tables_format"] = tables_format(env.doc)
            return str(env.cache["tables_format"])

        return detected
    builtin = FUNCTIONS[expr.func][expr.overload]
    if builtin.bind is not None and len(expr.args) == 2 and isinstance(expr.args[1], ir.K):
        # f(text, "pattern"): the pattern is compiled now, not looked up per call
        bound = builtin.bind(expr.args[1].value)
        plain = _call1(bound, compile_expr(expr.args[0], traced))
        text = expr.args[0]
        if traced or not FAST_PATHS:
            return plain
        if isinstance(text, ir.Read) and text.ref.root == "report" and \
                len(text.ref.parts) in _REQUIRED_GETTERS:
            # f(overview.text, …): one subscript chain, then the pattern
            subscripts = _subscripts(text.ref.parts)
            shortcut = prefilter(bound)
            literals, empty_list = shortcut if shortcut is not None else ((), False)

            def call_static_text(env: Env, get: Fn = subscripts,
                                 literals: tuple[bytes, ...] = literals,
                                 empty_list: bool = empty_list, me: Any = None) -> Any:
                value = get(env)
                if value.__class__ is str:
                    if literals:
                        # the pattern's own prefilter, here: most prose
                        # lacks a literal every match needs
                        body = utf8(value)
                        for literal in literals:
                            if literal not in body:
                                return [] if empty_list else False
                    try:
                        return me.bound(value)
                    except EvalProblem as exc:
                        raise Unavailable("problem", zh=exc.zh, en=exc.en) from None
                return me.plain(env)

            return _cold(call_static_text, bound=bound, plain=plain)
        if not isinstance(text, ir.Rel) or len(text.path.rel) != 1 or text.path.previous:
            return plain
        # f(s.text, …) of a loop's section: the text is read here, in the
        # same call (the rules ask this of three sections, dozens of times)
        slot, (key,) = text.path.slot, text.path.rel

        def call_text(env: Env) -> Any:
            node = env.vars[slot]
            if node.__class__ is dict:
                value = node.get(key)
                if value.__class__ is str:
                    try:
                        return bound(value)
                    except EvalProblem as exc:
                        raise Unavailable("problem", zh=exc.zh, en=exc.en) from None
            return plain(env)

        return call_text
    args = tuple(compile_expr(a, traced) for a in expr.args)
    impl = builtin.impl
    if len(args) == 1:
        return _call1(impl, args[0])
    if len(args) == 2:
        a0, a1 = args

        def call2(env: Env) -> Any:
            try:
                return impl(a0(env), a1(env))
            except EvalProblem as exc:
                raise Unavailable("problem", zh=exc.zh, en=exc.en) from None

        return call2

    def call(env: Env) -> Any:
        try:
            return impl(*(a(env) for a in args))
        except EvalProblem as exc:
            raise Unavailable("problem", zh=exc.zh, en=exc.en) from None

    return call


def _call1(impl: Callable[[Any], Any], a0: Fn) -> Fn:
    def call1(env: Env, impl: Callable[[Any], Any] = impl, a0: Fn = a0) -> Any:
        try:
            return impl(a0(env))
        except EvalProblem as exc:
            raise Unavailable("problem", zh=exc.zh, en=exc.en) from None

    return call1
