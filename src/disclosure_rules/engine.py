"""Evaluation stage: compiled rules + a report → findings, not-evaluated
records and diagnoses.

The fast path asks each assertion instance pass/fail. Only a failure is
looked at closely: its traced closure re-runs to learn which cells took part
and with which values, blank cells are weighed (a blank addend counts as 0,
but an identity that fails only because of a blank is not judged: the blank
is reported, with the value the identity implies), and the finding is made.

Blank cells in identities (the catalogue's rule):
* a blank *sum* cell (the cell the finding would point at) is not compared;
  the instance is listed as not evaluated with the value the identity
  implies, and that value is added to any finding about the blank cell;
* a blank *addend* counts as 0; if the identity then fails, and some value
  of the blank cells would make it hold, it is not judged (not evaluated,
  with the value the blanks must total); if no value could, it fails.

Diagnosis: when several identity findings share one cell, the engine tries
the single change of that cell that the first of them implies, re-checks the
report, and names the cell if that change makes every one of them hold and
breaks nothing else.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from functools import lru_cache
from typing import Any

from . import compiler, ir
from .compiler import (
    Env,
    Fn,
    Unavailable,
    at_resolver,
    compile_expr,
    exists_fn,
    maybe_getter,
    raw_getter,
    rel_getter,
    row_predicate,
    value_predicate,
    value_vector,
)
from .explain import format_value, render_default, render_template
from .findings import Cell, Diagnosis, Equation, Finding, Message, NotEvaluated, Severity
from .functions import EXACT, NUMBER_TYPES, blank_as_zero, is_number
from .layout import CELL_KINDS, TEXT_KINDS, label_path
from .messages import msg
from .pointer import MISSING, resolve, to_pointer

__all__ = ["CompiledFormat", "CompiledRule", "Evaluation", "compile_rule", "evaluate",
           "fuse_cell_loops", "with_value"]

MAX_LOOP = 10000
MAX_DIAGNOSES = 12


# ------------------------------------------------------------------ compiled statements


class _Run:
    """What one rule's evaluation produced."""

    __slots__ = ("evaluated", "failures", "not_evaluated", "skipped")

    def __init__(self) -> None:
        self.evaluated = 0
        self.failures: list[tuple[AssertC, list[Any], ir.Ref]] = []
        self.not_evaluated: list[tuple[Message, str, str]] = []
        self.skipped: list[str] = []


class AssertC:
    """One compiled assertion instance."""

    __slots__ = ("_parts", "_traced", "at_get", "at_of", "cond", "identity", "inst", "lhs",
                 "presence", "rhs", "within")

    def __init__(self, inst: ir.AssertI) -> None:
        self.inst = inst
        cond = inst.cond
        self.identity = isinstance(cond, ir.Cmp) and cond.op == "==" and cond.numbers
        #: the two sides of an identity, compiled on first use (a failure's
        #: difference) unless a tolerance needs them on every report
        self.lhs: Fn | None = None
        self.rhs: Fn | None = None
        self.within: Fn | None = None
        if self.identity and inst.within is not None:
            assert isinstance(cond, ir.Cmp)
            lhs = self.lhs = compile_expr(cond.left)
            rhs = self.rhs = compile_expr(cond.right)
            tolerance = compile_expr(inst.within)
            self.within = tolerance
            self.cond: Fn | None = (lambda env: abs(
                blank_as_zero(lhs(env)) - blank_as_zero(rhs(env))) <= tolerance(env))
        else:
            self.cond = compile_expr(cond) if cond is not None else None
        at = inst.at
        #: the cell an identity is about (a blank there is a finding itself)
        self.at_get: Fn | None = None
        if self.identity:
            self.at_get = raw_getter(at) if isinstance(at, ir.Ref) else rel_getter(at)
        self.at_of = at_resolver(at)
        self.presence = tuple(exists_fn(ref) for ref in inst.presence)
        self._traced: Fn | None = None
        self._parts: dict[int, Fn] = {}

    def part(self, expr: ir.Expr) -> Fn:
        """The compiled ``{…}`` of a message template (on first use: only
        failures render messages, but then every failure of the statement)."""
        compiled = self._parts.get(expr.nid)
        if compiled is None:
            compiled = self._parts[expr.nid] = compile_expr(expr)
        return compiled

    def traced(self) -> Fn | None:
        """The traced closure (built on first use: failures are rare)."""
        if self._traced is None and self.inst.cond is not None:
            self._traced = compile_expr(self.inst.cond, traced=True)
        return self._traced

    def difference(self, env: Env) -> Any:
        """lhs − rhs of an identity (blanks as 0)."""
        cond = self.inst.cond
        assert self.identity and isinstance(cond, ir.Cmp)
        if self.lhs is None or self.rhs is None:
            self.lhs, self.rhs = compile_expr(cond.left), compile_expr(cond.right)
        return blank_as_zero(self.lhs(env)) - blank_as_zero(self.rhs(env))

    def run(self, env: Env, run: _Run) -> None:
        try:
            for present in self.presence:
                if not present(env):
                    return
            if self.at_get is not None and self.at_get(env) is None:
                run.failures.append((self, list(env.vars), self.at_of(env)))
                return
            ok = self.cond(env) if self.cond is not None else False
        except Unavailable as exc:
            run.not_evaluated.append(_unavailable(exc, env, self.at_of(env)))
            return
        if ok:
            run.evaluated += 1
            return
        run.failures.append((self, list(env.vars), self.at_of(env)))


class WhenC:
    """A compiled ``when`` (or a ``where`` that depends on the report)."""

    __slots__ = ("body", "cond", "inst", "presence", "source")

    def __init__(self, inst: ir.WhenI, body: Sequence[Any]) -> None:
        self.inst = inst
        #: the condition as written (the reason when it does not hold)
        self.source = inst.cond.src
        self.cond = compile_expr(inst.cond)
        self.body = tuple(body)
        self.presence = tuple(exists_fn(ref) for ref in inst.presence)

    def run(self, env: Env, run: _Run) -> None:
        try:
            for present in self.presence:
                if not present(env):
                    return
            holds = self.cond(env)
        except Unavailable as exc:
            run.not_evaluated.append(_unavailable(exc, env, _first_at(self.body, env)))
            return
        if not holds:
            run.skipped.append(self.source)
            return
        for stmt in self.body:
            stmt.run(env, run)


class LoopC:
    """A compiled loop over a list found in the report."""

    __slots__ = ("body", "inst", "iterable", "presence", "slot", "where")

    def __init__(self, inst: ir.LoopI, body: Sequence[Any]) -> None:
        self.inst = inst
        self.slot = inst.slot  # (read on every run: the IR node itself stays cold)
        self.iterable = compile_expr(inst.iterable)
        self.where = compile_expr(inst.where) if inst.where is not None else None
        self.body = tuple(body)
        self.presence = tuple(exists_fn(ref) for ref in inst.presence)

    def run(self, env: Env, run: _Run) -> None:
        try:
            for present in self.presence:
                if not present(env):
                    return
            items = self.iterable(env)
            if items.__class__ is not list or len(items) > MAX_LOOP:
                items = list(items)[:MAX_LOOP]  # bounded: every rule terminates
        except Unavailable as exc:
            run.not_evaluated.append(_unavailable(exc, env, _first_at(self.body, env)))
            return
        slot = self.slot
        for item in items:
            env.vars[slot] = item
            if self.where is not None:
                try:
                    if not self.where(env):
                        continue
                except Unavailable as exc:
                    run.not_evaluated.append(_unavailable(exc, env, _first_at(self.body, env)))
                    continue
            for stmt in self.body:
                stmt.run(env, run)


class EachC:
    """A compiled loop over a long list of paths known when the rules load:
    binds each present item's value and Ref, then runs the body."""

    __slots__ = ("body", "cells", "getters", "inst", "items", "presence", "row_test", "run",
                 "single", "slot", "where")

    def __init__(self, inst: ir.EachI, body: Sequence[Any]) -> None:
        self.inst = inst
        self.slot = inst.slot
        #: (ref, getter, absent): ``absent`` tells, for an item with an
        #: optional key (an ``x_`` row or column, a row the format lets a
        #: report leave out), whether that key is absent: then the item is
        #: skipped; a cell missing from a row that is there is reported.
        self.items = tuple((ref, maybe_getter(ref, optional_from),
                            _absent_fn(ref, optional_from))
                           for ref, optional_from in inst.items)
        #: the getters alone: the rows' fast path touches neither the item
        #: tuples nor their Refs (fewer cache lines per report)
        self.getters = tuple(get for _, get, _ in self.items)
        #: every item is a number cell: values are checked as they are bound
        self.cells = all(ref.kind in CELL_KINDS for ref, _ in inst.items)
        self.where = compile_expr(inst.where) if inst.where is not None else None
        self.body = tuple(body)
        self.presence = tuple(exists_fn(ref) for ref in inst.presence)
        single = self.body[0] if len(self.body) == 1 else None
        # The common shape (one plain assertion per item, as the value rules
        # have) runs in one fused loop: no statement dispatch per item.
        self.run: Callable[[Env, _Run], None] = self._general
        #: the one plain assertion of a loop that can run fused (or None)
        self.single: AssertC | None = None
        #: the body as a function of a row item, when it is one (fast path)
        self.row_test: Callable[[Any], Any] | None = None
        plain = self.where is None and not self.presence and compiler.FAST_PATHS
        if plain and isinstance(single, AssertC) and not single.presence and \
                not single.identity and single.cond is not None:
            self.single = single
            self.run = self._fused(single)
        elif plain and single is not None:
            self.row_test = _row_test(single, inst.slot)
            if self.row_test is not None:
                self.run = self._rows

    def _fused(self, stmt: AssertC) -> Callable[[Env, _Run], None]:
        items, slot, cond, at_of = self.items, self.inst.slot, stmt.cond, stmt.at_of
        assert cond is not None

        cells = self.cells

        def run(env: Env, out: _Run) -> None:
            vars_ = env.vars
            passed = 0
            for ref, get, absent in items:
                value = get(env)
                if value is MISSING:
                    if absent is None or not absent(env):
                        out.not_evaluated.append(_unavailable(Unavailable("missing", ref), env,
                                                              ref))
                    continue
                if cells and not _is_cell_value(value):
                    out.not_evaluated.append(_unavailable(Unavailable("value", ref, value), env,
                                                          ref))
                    continue
                vars_[slot] = value
                vars_[slot + 1] = ref
                try:
                    ok = cond(env)
                except Unavailable as exc:
                    out.not_evaluated.append(_unavailable(exc, env, at_of(env)))
                    continue
                if ok:
                    passed += 1
                else:
                    out.failures.append((stmt, list(vars_), at_of(env)))
            out.evaluated += passed

        return run

    def _rows(self, env: Env, run: _Run) -> None:
        """Rows whose check needs only the row: the body runs (the slow
        way) only where the quick test does not pass."""
        test = self.row_test
        assert test is not None
        passed = 0
        skipped = False
        body = self.body[0]
        vars_ = env.vars
        slot = self.slot
        for index, get in enumerate(self.getters):
            row = get(env)
            if row.__class__ is dict:
                try:
                    verdict = test(row)
                except Exception:
                    verdict = None
                if verdict is True:
                    passed += 1
                    continue
                if verdict is _SKIP:
                    skipped = True
                    continue
            ref, _, absent = self.items[index]
            if row is MISSING and absent is not None and absent(env):
                continue
            if row is MISSING:
                run.not_evaluated.append(_unavailable(Unavailable("missing", ref), env, ref))
                continue
            vars_[slot] = row
            vars_[slot + 1] = ref
            body.run(env, run)
        run.evaluated += passed
        if skipped and isinstance(body, WhenC):
            run.skipped.append(body.source)

    def _general(self, env: Env, run: _Run) -> None:
        try:
            for present in self.presence:
                if not present(env):
                    return
        except Unavailable as exc:
            run.not_evaluated.append(_unavailable(exc, env, None))
            return
        slot = self.slot
        vars_ = env.vars
        body = self.body
        for ref, get, absent in self.items:
            value = get(env)
            if value is MISSING:
                if absent is None or not absent(env):
                    run.not_evaluated.append(_unavailable(Unavailable("missing", ref), env, ref))
                continue
            if self.cells and not _is_cell_value(value):
                run.not_evaluated.append(_unavailable(Unavailable("value", ref, value), env, ref))
                continue
            vars_[slot] = value
            vars_[slot + 1] = ref
            if self.where is not None:
                try:
                    if not self.where(env):
                        continue
                except Unavailable as exc:
                    run.not_evaluated.append(_unavailable(exc, env, ref))
                    continue
            for stmt in body:
                stmt.run(env, run)


_SKIP = object()


def _absent_fn(ref: ir.Ref, optional_from: int) -> Callable[[Env], bool] | None:
    """For an item with an optional key: whether the report leaves that key
    out (None for an item without one)."""
    if optional_from < 0:
        return None
    # The optional keys: the first one, and any extension key after it (an
    # x_ column of a row that may itself be left out). Absent when the path
    # up to the last of them is.
    last = max(i for i in range(optional_from, len(ref.parts))
               if i == optional_from or ref.parts[i].startswith("x_"))
    get = maybe_getter(ir.Ref(ref.root, ref.parts[:last + 1], "object", "", ""),
                       optional_from)
    return lambda env: get(env) is MISSING


def _row_test(stmt: Any, slot: int) -> Callable[[Any], Any] | None:
    """A quick test of one loop body on a row: True (it passes), _SKIP (a
    ``when`` that does not apply), anything else (run it the full way)."""
    if isinstance(stmt, AssertC) and stmt.identity and not stmt.presence and \
            stmt.inst.cond is not None and stmt.within is None:
        cond = row_predicate(stmt.inst.cond, slot)
        at = stmt.inst.at
        if cond is None or not (isinstance(at, ir.PathSlot) and len(at.rel) == 1):
            return None
        key, test = at.rel[0], cond
        # a blank sum cell is never "passed": the full path reports it
        return lambda row: (row[key] is not None and test(row) is True) or None
    if isinstance(stmt, WhenC) and not stmt.presence:
        cond = row_predicate(stmt.inst.cond, slot)
        if cond is None:
            return None
        return lambda row: _SKIP if cond(row) is False else None
    return None


class _Member:
    """One rule's loop inside a :class:`CellSweep`."""

    __slots__ = ("at_of", "cond", "predicate", "slot", "stmt", "vector")

    def __init__(self, each: EachC) -> None:
        assert each.single is not None and each.single.cond is not None
        self.stmt = each.single
        self.cond = each.single.cond
        self.at_of = each.single.at_of
        self.slot = each.inst.slot
        assert each.single.inst.cond is not None
        #: the condition as a function of the cell value alone, when it is one
        self.predicate = value_predicate(each.single.inst.cond, self.slot)
        #: the condition as a test of all the values at once, when it has one
        self.vector = value_vector(each.single.inst.cond, self.slot)


class CellSweep:
    """The cell loops of several rules (VAL-BLANK, VAL-NEGATIVE, VAL-INTEGER
    …) run as one pass over the cells: each value is fetched once, row by
    row, and every rule that covers the cell tests it. The findings are
    exactly those of the separate loops.

    The common case is made cheap: the cells every report has are fetched
    with one ``map`` per row, type-checked all at once, and each rule whose
    condition depends on the value alone tests them with ``all(map(…))``.
    Only when something is off (a failing cell, a missing row, a value that
    is not a number, an extension row the report has) does the sweep fall
    back to looking at cells one by one.
    """

    KEY = "cell-sweep"

    def __init__(self, loops: Sequence[EachC]) -> None:
        self.members = tuple(_Member(each) for each in loops)
        union: dict[tuple[str, tuple[str, ...]], list[Any]] = {}
        for index, each in enumerate(loops):
            for ref, get, absent in each.items:
                entry = union.setdefault((ref.root, ref.parts), [ref, get, absent, set()])
                entry[3].add(index)
        # Group cells by row. A row every report has goes into the shared
        # vector (its extension columns aside); a row that may be absent is
        # handled on its own when present; anything else cell by cell.
        rows: dict[tuple[str, ...], dict[str, list[Any]]] = {}
        slow: list[tuple[ir.Ref, Fn, Callable[[Env], bool] | None, tuple[int, ...]]] = []
        for ref, get, absent, members in union.values():
            optional = absent is not None
            if ref.root != "report" or len(ref.parts) < 2:
                slow.append((ref, get, absent, tuple(sorted(members))))
                continue
            group = rows.setdefault(ref.parts[:-1], {"required": [], "extension": [],
                                                     "optional_row": [False]})
            column_optional = ref.parts[-1].startswith("x_")
            if optional and not column_optional:
                group["optional_row"][0] = True
            target = "extension" if column_optional else "required"
            group[target].append((ref.parts[-1], ref, members))
        core: list[tuple[Fn, tuple[str, ...], tuple[Any, ...]]] = []
        core_cells: list[tuple[ir.Ref, set[int]]] = []
        self.extensions: list[tuple[int, str, ir.Ref, tuple[int, ...]]] = []
        self.optional_rows: list[tuple[Any, ...]] = []
        for parts, group in rows.items():
            cols = group["required"]
            row_ref = ir.Ref("report", parts, "object", "", "")
            if group["optional_row"][0]:
                # e.g. the 2021 （六） rows (the schema lets a report publish （六）
                # as one row instead) and x_subtotal rows: vectorised per row.
                members = range(len(self.members))
                row_positions = [tuple(i for i, (_, _, ms) in enumerate(cols) if m in ms)
                                 for m in members]
                self.optional_rows.append((
                    maybe_getter(row_ref, _first_x(parts)),
                    tuple(key for key, _, _ in cols), (MISSING,) * len(cols),
                    tuple(ref for _, ref, _ in cols),
                    tuple(_picker(p) for p in row_positions), tuple(row_positions),
                    tuple((key, ref, tuple(sorted(ms))) for key, ref, ms in group["extension"])))
                continue
            for key, ref, ms in group["extension"]:
                self.extensions.append((len(core), key, ref, tuple(sorted(ms))))
            core.append((raw_getter(row_ref), tuple(key for key, _, _ in cols),
                         (MISSING,) * len(cols)))
            core_cells.extend((ref, ms) for _, ref, ms in cols)
        self.rows = tuple(core)
        self.refs = tuple(ref for ref, _ in core_cells)
        positions = [[i for i, (_, ms) in enumerate(core_cells) if m in ms]
                     for m in range(len(self.members))]
        self.pick = tuple(_picker(p) for p in positions)
        self.positions = tuple(tuple(p) for p in positions)
        self.slow = tuple(slow)

    def run(self, env: Env) -> list[_Run]:
        """Every member's outcome on this report."""
        runs = [_Run() for _ in self.members]
        values: list[Any] = []
        dicts: list[Any] = []
        for get_row, keys, blanks in self.rows:
            try:
                row = get_row(env)
            except Unavailable:
                row = None
            dicts.append(row)
            if row.__class__ is dict:
                values.extend(map(row.get, keys, blanks))
            else:
                values.extend(blanks)
        types = set(map(type, values))
        clean = types <= NUMBER_TYPES
        for index, member in enumerate(self.members):
            picked = self.pick[index](values)
            if self._all_pass(member, picked, clean, types):
                runs[index].evaluated += len(picked)
                continue
            self._one_by_one(env, index, [(self.refs[i], values[i])
                                          for i in self.positions[index]], runs[index])
        for row_index, key, ref, indices in self.extensions:
            row = dicts[row_index]
            if row.__class__ is dict and key in row:
                for index in indices:
                    self._one_by_one(env, index, [(ref, row[key])], runs[index])
        for get_row, keys, blanks, refs, picks, positions, extensions in self.optional_rows:
            row = get_row(env)
            if row.__class__ is not dict:
                continue  # the report does not have this row: nothing to check
            row_values = tuple(map(row.get, keys, blanks))
            row_types = set(map(type, row_values))
            row_clean = row_types <= NUMBER_TYPES
            for index, member in enumerate(self.members):
                picked = picks[index](row_values)
                if self._all_pass(member, picked, row_clean, row_types):
                    runs[index].evaluated += len(picked)
                    continue
                self._one_by_one(env, index, [(refs[i], row_values[i]) for i in positions[index]],
                                 runs[index])
            for key, ref, indices in extensions:
                if key in row:
                    for index in indices:
                        self._one_by_one(env, index, [(ref, row[key])], runs[index])
        for ref, get, absent, indices in self.slow:
            value = get(env)
            if value is MISSING and absent is not None and absent(env):
                continue
            for index in indices:
                self._one_by_one(env, index, [(ref, value)], runs[index])
        return runs

    @staticmethod
    def _all_pass(member: _Member, values: Sequence[Any], clean: bool,
                  types: AbstractSet[type]) -> bool:
        if not clean:
            return False
        try:
            if member.vector is not None:
                return member.vector(values, types)
            if member.predicate is None:
                return False
            return all(map(member.predicate, values))
        except Exception:
            return False

    def _one_by_one(self, env: Env, index: int, cells: Iterable[tuple[ir.Ref, Any]],
                    run: _Run) -> None:
        member = self.members[index]
        slot = member.slot
        for ref, value in cells:
            cls = value.__class__
            if cls is not int and value is not None and cls is not Decimal:
                what = "missing" if value is MISSING else "value"
                run.not_evaluated.append(_unavailable(Unavailable(what, ref, value), env, ref))
                continue
            env.vars[slot] = value
            env.vars[slot + 1] = ref
            try:
                ok = member.cond(env)
            except Unavailable as exc:
                run.not_evaluated.append(_unavailable(exc, env, member.at_of(env)))
                continue
            if ok:
                run.evaluated += 1
            else:
                run.failures.append((member.stmt, list(env.vars), member.at_of(env)))


def _first_x(parts: Sequence[str]) -> int:
    """Index of the first extension key of a path (-1 when none)."""
    return next((i for i, part in enumerate(parts) if part.startswith("x_")), -1)


def _picker(positions: Sequence[int]) -> Callable[[list[Any]], Sequence[Any]]:
    """A C-level picker of ``positions`` from a list (always a sequence)."""
    if not positions:
        return lambda values: ()
    if len(positions) == 1:
        (only,) = positions
        return lambda values: (values[only],)
    if list(positions) == list(range(len(positions))):
        # every value (as most members take): a slice, not a tuple of 200 picks
        end = len(positions)
        return lambda values: values[:end]
    return operator.itemgetter(*positions)


class SweptC:
    """A rule's place in a :class:`CellSweep`: takes its share of the sweep
    (run once per report, on first use)."""

    __slots__ = ("index", "sweep")

    def __init__(self, sweep: CellSweep, index: int) -> None:
        self.sweep = sweep
        self.index = index

    def run(self, env: Env, run: _Run) -> None:
        runs = env.cache.get(CellSweep.KEY)
        if runs is None:
            runs = env.cache[CellSweep.KEY] = self.sweep.run(env)
        mine: _Run = runs[self.index]
        run.evaluated += mine.evaluated
        run.failures.extend(mine.failures)
        run.not_evaluated.extend(mine.not_evaluated)


def fuse_cell_loops(rules: Sequence[CompiledRule]) -> tuple[CompiledRule, ...]:
    """Rules whose top-level cell loops can share one sweep, rewritten to
    share it (the others unchanged)."""
    if not compiler.FAST_PATHS:
        return tuple(rules)
    loops: list[tuple[int, int, EachC]] = []
    for r, rule in enumerate(rules):
        for s_, stmt in enumerate(rule.body):
            if isinstance(stmt, EachC) and stmt.single is not None and stmt.cells:
                loops.append((r, s_, stmt))
    if len(loops) < 2:
        return tuple(rules)
    sweep = CellSweep([each for _, _, each in loops])
    bodies = [list(rule.body) for rule in rules]
    for index, (r, s_, _each) in enumerate(loops):
        bodies[r][s_] = SweptC(sweep, index)
    return tuple(CompiledRule(rule.info, tuple(body)) for rule, body in zip(rules, bodies,
                                                                           strict=True))


def _is_cell_value(value: Any) -> bool:
    cls = value.__class__
    return cls is int or value is None or cls is Decimal


def _first_at(body: Sequence[Any], env: Env) -> ir.Ref | None:
    for stmt in body:
        if isinstance(stmt, AssertC):
            try:
                return stmt.at_of(env)
            except (IndexError, AttributeError, TypeError):
                return None
        if isinstance(stmt, (EachC, SweptC)):
            continue
        found = _first_at(stmt.body, env)
        if found is not None:
            return found
    return None


def _compile_stmt(stmt: ir.StmtI) -> Any:
    if isinstance(stmt, ir.AssertI):
        return AssertC(stmt)
    if isinstance(stmt, ir.WhenI):
        return WhenC(stmt, [_compile_stmt(s) for s in stmt.body])
    if isinstance(stmt, ir.EachI):
        return EachC(stmt, [_compile_stmt(s) for s in stmt.body])
    return LoopC(stmt, [_compile_stmt(s) for s in stmt.body])


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    """A rule ready to evaluate (for one format)."""

    info: ir.RuleI
    body: tuple[Any, ...]
    #: the rule's id (a field, not a property: it is read for every rule
    #: of every report)
    rule_id: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule_id", self.info.rule_id)


def compile_rule(rule: ir.RuleI) -> CompiledRule:
    """Compile a checked rule into closures."""
    return CompiledRule(rule, tuple(_compile_stmt(s) for s in rule.body))


@dataclass(frozen=True, slots=True, eq=False)
class CompiledFormat:
    """All rules of a rule set for one format, with the run's settings."""

    fmt: str
    rules: tuple[CompiledRule, ...]
    severity: Mapping[str, Severity]
    slots: int
    #: active rules that do not apply to this format, with the reason
    skipped: tuple[tuple[str, Message], ...] = ()


# ------------------------------------------------------------------ helpers


def _missing_pointer(env: Env, ref: ir.Ref) -> ir.Ref:
    document = env.prev if ref.root == "previous" else env.doc
    node = document
    for i, part in enumerate(ref.parts):
        if not isinstance(node, Mapping) or part not in node:
            return ir.Ref(ref.root, ref.parts[: i + 1], "any", "", "")
        node = node[part]
    return ref


def _unavailable(exc: Unavailable, env: Env, at: ir.Ref | None) -> tuple[Message, str, str]:
    pointer = at.pointer if at is not None else ""
    if exc.what == "previous":
        return msg("ne.previous"), pointer, ""
    if exc.what == "missing" and exc.ref is not None:
        missing = _missing_pointer(env, exc.ref)
        if missing.parts == exc.ref.parts:
            label = exc.ref.label  # already says whose report it is
        else:
            label = label_path(env.fmt, missing.parts)  # type: ignore[arg-type]
            if missing.root == "previous":
                label = "上年报告 · " + label
        return msg("ne.missing", label=label), to_pointer(missing.parts), label
    if exc.what == "value" and exc.ref is not None:
        # A text (or date, or choice) read refuses what is not a string: a
        # blank or a number there is "not text", not "not a number".
        key = "ne.bad_text" if exc.ref.kind in TEXT_KINDS else "ne.bad_value"
        return (msg(key, label=exc.ref.label, value=format_value(exc.value, "zh"),
                    value_en=format_value(exc.value, "en")),
                exc.ref.pointer, exc.ref.label)
    # each language its own detail ("除数为 0" is no reason for an English reader)
    return msg("ne.type", detail=exc.zh or exc.what, detail_en=exc.en or exc.what), pointer, ""


def with_value(document: Any, parts: Sequence[str], value: Any) -> Any:
    """A copy of ``document`` with the value at ``parts`` replaced (only the
    objects on the path are copied)."""
    if not parts:
        return value
    copy = dict(document)
    copy[parts[0]] = with_value(document[parts[0]], parts[1:], value)
    return copy


def _env_with(env: Env, ref: ir.Ref, value: Any, vars_: list[Any], rule: CompiledRule) -> Env:
    """An environment seeing the report with one cell changed; loop items
    bound to the old report are bound again to the changed one."""
    if ref.root == "previous":
        other = Env(env.doc, with_value(env.prev, ref.parts, value), 0, env.fmt)
    else:
        other = Env(with_value(env.doc, ref.parts, value), env.prev, 0, env.fmt)
    other.vars = list(vars_)
    for slot in rule.info.path_slots:
        item = other.vars[slot + 1]
        if isinstance(item, ir.Ref):
            document = other.prev if item.root == "previous" else other.doc
            other.vars[slot] = resolve(document, item.parts)
    return other


def _quotient(a: Any, b: Any) -> Any:
    """a / b exactly (never a float)."""
    return _exact(Decimal(a) / Decimal(b))


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    return value


# ------------------------------------------------------------------ evaluation


@dataclass
class Evaluation:
    """The engine's answer for one report."""

    findings: list[Finding] = field(default_factory=list)
    evaluated: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    not_evaluated: list[NotEvaluated] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    implied: dict[str, set[Any]] = field(default_factory=dict)


@dataclass
class _Failure:
    rule: CompiledRule
    stmt: AssertC
    vars: list[Any]
    at: ir.Ref
    trace: dict[int, Any]
    reads: list[tuple[ir.Ref, Any]]
    blank_note: bool = False


def _applicable(rule: ir.RuleI, fmt: str, year: Any) -> Message | None:
    if fmt not in rule.formats:
        return msg("ne.format", formats="、".join(rule.formats))
    if rule.years is not None and isinstance(year, int):
        low, high = rule.years
        if (low is not None and year < low) or (high is not None and year > high):
            # `years 2021` is stored as (2021, 2021): name the year, not a range
            shown = str(low) if low == high else f"{low or ''}–{high or ''}"
            return msg("ne.years", years=shown)
    return None


def _run_rules(compiled: CompiledFormat, env: Env, year: Any,
               previous_reason: Message | None,
               on_rule: Callable[[CompiledRule, _Run | Message], None],
               previous_format: str | None = None) -> None:
    fmt = compiled.fmt
    # One record for every rule, emptied after use: ``on_rule`` is done with
    # it when it returns, and most rules pass without filling a list.
    run = _Run()
    for rule in compiled.rules:
        info = rule.info
        # The usual rule has nothing to decide before it runs.
        if info.years is not None or info.uses_previous or fmt not in info.formats:
            reason = _applicable(info, fmt, year)
            if reason is None and info.uses_previous and env.prev is None:
                reason = previous_reason or msg("ne.previous")
            elif reason is None and info.uses_previous and previous_format and \
                    previous_format not in info.formats:
                # e.g. YOY-IN-FORCE needs both years in the 2021 format
                reason = msg("ne.previous_format", prev=previous_format,
                             formats="、".join(info.formats))
            if reason is not None:
                on_rule(rule, reason)
                continue
        try:  # (the rule's statements, here rather than in a call per rule)
            for stmt in rule.body:
                stmt.run(env, run)
        except _DATA_ERRORS as exc:
            on_rule(rule, _cannot_compute(exc))
        else:
            on_rule(rule, run)
        run.evaluated = 0  # (filled part way, too, when the rule raised)
        if run.failures:
            run.failures = []
        if run.not_evaluated:
            run.not_evaluated = []
        if run.skipped:
            run.skipped = []


#: what a value no check foresaw can raise (an extension key of another
#: kind, a number beyond any range): the rule is then not evaluated on this
#: report; a check never ends in a traceback
_DATA_ERRORS = (TypeError, ValueError, ArithmeticError)


def _cannot_compute(exc: Exception) -> Message:
    detail = f"{type(exc).__name__}: {exc}"
    return msg("ne.type", detail=detail, detail_en=detail)


def failing_keys(compiled: CompiledFormat, document: Any, previous: Any, year: Any,
                 previous_format: str | None = None) -> set[tuple[str, str]]:
    """(rule id, pointer) of every failing instance (fast path only): what
    the diagnosis compares before and after a change."""
    env = Env(document, previous, compiled.slots, compiled.fmt)
    keys: set[tuple[str, str]] = set()

    def collect(rule: CompiledRule, outcome: _Run | Message) -> None:
        if isinstance(outcome, _Run):
            keys.update(_failing(rule, outcome))

    _run_rules(compiled, env, year, None, collect, previous_format)
    return keys


def _failing(rule: CompiledRule, outcome: _Run) -> set[tuple[str, str]]:
    return {(rule.rule_id, at.pointer) for _stmt, _vars, at in outcome.failures}


def evaluate(compiled: CompiledFormat, document: Any, previous: Any = None, *,
             year: Any = None, previous_reason: Message | None = None,
             diagnose: bool = True, tables_format: str | None = None,
             previous_format: str | None = None) -> Evaluation:
    """Evaluate every rule of ``compiled`` on ``document``.

    Arguments:
        compiled: the rules for the report's format.
        document: the report (a parsed JSON object).
        previous: last year's report, or None.
        year: the report's year (for rules limited to years).
        previous_reason: why ``previous`` is None although one was given
            (wrong year), for the not-evaluated records.
        diagnose: look for the single cell that explains several findings.
        tables_format: the format the tables use, when the caller knows it
            already (the structure stage does).
        previous_format: the format of last year's report (rules limited to
            one format need it in that format too).
    """
    with localcontext(EXACT):  # exact sums of money (see functions.EXACT)
        return _evaluate(compiled, document, previous, year=year,
                         previous_reason=previous_reason, diagnose=diagnose,
                         tables_format=tables_format, previous_format=previous_format)


def _evaluate(compiled: CompiledFormat, document: Any, previous: Any, *, year: Any,
              previous_reason: Message | None, diagnose: bool, tables_format: str | None,
              previous_format: str | None) -> Evaluation:
    result = Evaluation()
    if not isinstance(document, (dict, Mapping)):  # (a dict answers without abc)
        for rule in compiled.rules:
            result.not_evaluated.append(NotEvaluated(
                rule.rule_id, Message("报告不是 JSON 对象", "the report is not a JSON object")))
        return result
    env = Env(document, previous if isinstance(previous, (dict, Mapping)) else None,
              compiled.slots, compiled.fmt)
    if tables_format is not None:
        env.cache["tables_format"] = tables_format
    failures: list[_Failure] = []
    not_evaluated: dict[tuple[str, str, str], NotEvaluated] = {}
    not_evaluated_rules: set[str] = set()
    evaluated_rules: dict[str, int] = {}

    def add_ne(rule_id: str, reason: Message, pointer: str = "", label: str = "") -> None:
        key = (rule_id, pointer, reason.zh)
        if key not in not_evaluated:
            not_evaluated[key] = _not_evaluated(rule_id, pointer, label, reason.zh, reason.en)
            not_evaluated_rules.add(rule_id)

    failing: set[tuple[str, str]] = set()  # before any judgement, as failing_keys has them
    reported: set[tuple[str, str]] = set()  # (rule id, pointer) of the findings made

    def on_rule(rule: CompiledRule, outcome: _Run | Message) -> None:
        if not isinstance(outcome, _Run):
            add_ne(rule.rule_id, outcome)
            return
        if outcome.evaluated and not outcome.failures and not outcome.not_evaluated:
            # the usual case: instances evaluated, all passed
            rule_id = rule.rule_id
            evaluated_rules[rule_id] = evaluated_rules.get(rule_id, 0) + outcome.evaluated
            return
        for reason, pointer, label in outcome.not_evaluated:
            add_ne(rule.rule_id, reason, pointer, label)
        if outcome.failures:
            failing.update(_failing(rule, outcome))
        count = outcome.evaluated
        for stmt, vars_, at in outcome.failures:
            if (rule.rule_id, at.pointer) in reported:
                # the same cell failed again (an assertion a loop repeats
                # without using its variable): one finding per rule and cell
                count += 1
                continue
            container = _not_an_object(document, at)
            if container is not None:
                # ``exists(s.text)`` is false inside a section that is null or
                # text: a finding there would point inside a value that holds
                # nothing, repeating the structure stage's finding on it
                add_ne(rule.rule_id, msg("ne.not_object", label=label_path(
                    compiled.fmt, container)), at.pointer, at.label)  # type: ignore[arg-type]
                continue
            try:
                judged = _judge(rule, stmt, vars_, at, env, result, add_ne)
            except _DATA_ERRORS as exc:
                add_ne(rule.rule_id, _cannot_compute(exc), at.pointer, at.label)
                continue
            if judged is not None:
                failures.append(judged)
                reported.add((rule.rule_id, at.pointer))
                count += 1
        evaluated_rules[rule.rule_id] = evaluated_rules.get(rule.rule_id, 0) + count
        if count == 0 and not outcome.not_evaluated and rule.rule_id not in not_evaluated_rules:
            if outcome.skipped:
                add_ne(rule.rule_id, _when_message(tuple(outcome.skipped)))
            else:
                add_ne(rule.rule_id, _NOTHING_APPLIES)

    _run_rules(compiled, env, year, previous_reason, on_rule, previous_format)
    for rule_id, reason in compiled.skipped:
        add_ne(rule_id, reason)

    failed_ids: set[str] = set()
    for failure in failures:
        severity = compiled.severity.get(failure.rule.rule_id) or \
            Severity(failure.stmt.inst.severity or failure.rule.info.severity)
        result.findings.append(_finding(failure, severity, env, result.implied))
        failed_ids.add(failure.rule.rule_id)
    result.evaluated = sorted(rid for rid, n in evaluated_rules.items() if n > 0)
    result.passed = [rid for rid in result.evaluated if rid not in failed_ids]
    result.not_evaluated = sorted(not_evaluated.values(),
                                  key=lambda n: (n.rule_id, n.pointer, n.reason.zh))
    if diagnose:
        try:
            result.diagnoses = _diagnose(compiled, document, env.prev, year, failures,
                                         result.findings, failing, previous_format)
        except _DATA_ERRORS:
            result.diagnoses = []  # a diagnosis is a help: without one, the findings stand
    return result


@lru_cache(maxsize=4096)
def _not_evaluated(rule_id: str, pointer: str, label: str, zh: str, en: str) -> NotEvaluated:
    """The record of a rule not evaluated: made once for all the reports
    that give the same reason (a continuity rule without last year's report
    on every report of a batch); a value, so it can be shared. (Keyed by
    strings: their hashes are kept, a Message's is computed each time.)"""
    return NotEvaluated(rule_id, Message(zh, en), pointer, label)


def _not_an_object(document: Mapping[str, Any], at: ir.Ref) -> tuple[str, ...] | None:
    """The path of the first value above ``at`` in the report that is
    present but not an object (null, text, a number, a list), or None: a
    finding's place is a value of the report, or a key an object lacks."""
    if at.root == "previous":
        return None
    node: Any = document
    for depth, part in enumerate(at.parts[:-1]):
        node = node.get(part, MISSING)
        if node is MISSING:
            return None
        if not isinstance(node, Mapping):
            return at.parts[:depth + 1]
    return None


_NOTHING_APPLIES = Message("报告中没有此规则适用的内容",
                           "nothing in the report this rule applies to")
@lru_cache(maxsize=4096)
def _when_message(conditions: tuple[str, ...]) -> Message:
    """"its condition does not hold: …" for these conditions (the same few
    on every report: made once)."""
    unique = list(dict.fromkeys(conditions))
    # each language its own separator: "；" in English text reads as a typo
    return msg("ne.when", cond="；".join(unique), cond_en="; ".join(unique))


def _judge(rule: CompiledRule, stmt: AssertC, vars_: list[Any], at: ir.Ref, env: Env,
           result: Evaluation, add_ne: Callable[..., None]) -> _Failure | None:
    """Look closely at a failed instance: a finding, or not evaluated."""
    traced_env = env.traced()
    traced_env.vars = list(vars_)
    trace: dict[int, Any] = {}
    reads: list[tuple[ir.Ref, Any]] = []
    traced = stmt.traced()
    if traced is not None:
        try:
            traced(traced_env)
        except Unavailable as exc:  # the fast path saw it, the traced one must too
            reason, pointer, label = _unavailable(exc, env, at)
            add_ne(rule.rule_id, reason, pointer, label)
            return None
        assert traced_env.trace is not None and traced_env.reads is not None
        trace, reads = traced_env.trace, traced_env.reads
    base = env.with_vars(vars_)
    if stmt.identity:
        try:
            at_value = stmt.at_get(base) if stmt.at_get is not None else MISSING
        except Unavailable:
            at_value = MISSING
        if at_value is None:
            others = [value for ref, value in reads if ref.kind in CELL_KINDS
                      and (ref.root, ref.parts) != (at.root, at.parts)]
            if others and all(value is None for value in others):
                # Every cell it sums is blank too: "should be 0" would rest
                # on blanks alone.
                add_ne(rule.rule_id, msg("ne.blank_sum_all", label=at.label), at.pointer,
                       at.label)
                return None
            d0 = stmt.difference(base)
            slope = stmt.difference(_env_with(base, at, 1, vars_, rule)) - d0
            implied = _quotient(-d0, slope) if slope else None
            if implied is not None and at.root == "report":
                result.implied.setdefault(at.pointer, set()).add(implied)
            reason = (msg("ne.blank_sum", label=at.label, implied=format_value(implied, "zh"))
                      if implied is not None else msg("ne.blank_sum_unknown", label=at.label))
            add_ne(rule.rule_id, reason, at.pointer, at.label)
            return None
    blanks = [ref for ref, value in reads
              if value is None and ref.kind in CELL_KINDS]
    blanks = list({(r.root, r.parts): r for r in blanks}.values())
    if not blanks:
        return _Failure(rule, stmt, vars_, at, trace, reads)
    labels_zh = "、".join(f"“{b.label}”" for b in blanks[:6]) + ("等" if len(blanks) > 6 else "")
    labels_en = ", ".join(b.label for b in blanks[:6]) + (" …" if len(blanks) > 6 else "")
    if not stmt.identity:
        add_ne(rule.rule_id, msg("ne.blank", cells=labels_zh, cells_en=labels_en),
               at.pointer, at.label)
        return None
    d0 = stmt.difference(base)
    slopes = [(b, stmt.difference(_env_with(base, b, 1, vars_, rule)) - d0) for b in blanks]
    feasible = any(s != 0 and (b.kind == "signed" or (s > 0) == (-d0 > 0))
                   for b, s in slopes)
    if not feasible:
        return _Failure(rule, stmt, vars_, at, trace, reads, blank_note=True)
    moving = [(b, s) for b, s in slopes if s != 0]
    needed = None
    if moving and len({s for _, s in moving}) == 1:
        needed = _quotient(-d0, moving[0][1])
        if len(moving) == 1 and moving[0][0].root == "report":
            result.implied.setdefault(moving[0][0].pointer, set()).add(needed)
    add_ne(rule.rule_id, msg("ne.blank_addend", cells=labels_zh, cells_en=labels_en,
                             implied=format_value(needed, "zh") if needed is not None else "?"),
           at.pointer, at.label)
    return None


def _cells(reads: Iterable[tuple[ir.Ref, Any]]) -> tuple[Cell, ...]:
    seen: dict[tuple[str, tuple[str, ...]], Cell] = {}
    for ref, value in reads:
        key = (ref.root, ref.parts)
        if key in seen:
            continue
        shown = value
        if isinstance(value, str) and len(value) > 60:
            shown = value[:60] + "…"
        seen[key] = Cell(ref.pointer, ref.label, shown, "previous" if ref.root == "previous"
                         else "report")
    return tuple(seen.values())


def _finding(failure: _Failure, severity: Severity, env: Env,
             implied: Mapping[str, set[Any]]) -> Finding:
    stmt, inst, rule = failure.stmt, failure.stmt.inst, failure.rule
    trace = failure.trace
    tolerance = None
    if stmt.within is not None:
        try:
            tolerance = stmt.within(env.with_vars(failure.vars))
        except Unavailable:
            tolerance = None
    messages: dict[str, str] = {}
    for lang in ("zh", "en"):
        template = inst.message_zh if lang == "zh" else (inst.message_en or None)
        if template is None and lang == "en" and inst.message_zh is not None and \
                inst.cond is None:
            template = inst.message_zh
        if template is not None:
            messages[lang] = render_template(template, _evaluator(env, failure.vars, stmt), lang)
        else:
            messages[lang] = render_default(inst.cond, trace, lang, tolerance)
    if failure.blank_note:
        messages["zh"] += msg("default.blank_zero").zh
        messages["en"] += msg("default.blank_zero").en
    equation = None
    cond = inst.cond
    if isinstance(cond, ir.Cmp) and cond.left.nid in trace and cond.right.nid in trace:
        lhs, rhs = trace[cond.left.nid], trace[cond.right.nid]
        difference = None
        if all(is_number(v) for v in (lhs, rhs)):
            difference = blank_as_zero(lhs) - blank_as_zero(rhs)
        equation = Equation(lhs, cond.op, rhs, difference, tolerance)
    pointer = failure.at.pointer
    if pointer in implied and resolve(env.doc, pointer) is None:
        values = sorted(implied[pointer], key=str)
        shown = " 或 ".join(format_value(v, "zh") for v in values)
        note = msg("blank.implied", implied=shown)
        messages["zh"] += note.zh
        messages["en"] += note.en
    source = _source(env.doc, pointer)
    return Finding(
        rule_id=rule.rule_id,
        severity=severity,
        pointer=pointer,
        label=failure.at.label,
        message=Message(messages["zh"], messages["en"]),
        cells=_cells(failure.reads) or (Cell(pointer, failure.at.label,
                                             _value_or_none(env.doc, pointer)),),
        cite=rule.info.cite,
        title=Message(rule.info.title_zh, rule.info.title_en),
        equation=equation,
        source=source,
    )


def _value_or_none(document: Any, pointer: str) -> Any:
    value = resolve(document, pointer)
    return None if value is MISSING else value


def _source(document: Mapping[str, Any], pointer: str) -> Mapping[str, Any] | None:
    source = document.get("source")
    if not isinstance(source, Mapping):
        return None
    cells = source.get("cells")
    if isinstance(cells, Mapping):
        where = cells.get(pointer)
        if isinstance(where, Mapping):
            return where
    return None


def _evaluator(env: Env, vars_: list[Any], stmt: AssertC) -> Callable[[ir.Expr], Any]:
    def evaluate_part(expr: ir.Expr) -> Any:
        probe = env.with_vars(vars_)
        probe.cache = env.cache
        return stmt.part(expr)(probe)

    return evaluate_part


# ------------------------------------------------------------------ diagnosis


def _diagnose(compiled: CompiledFormat, document: Mapping[str, Any], previous: Any, year: Any,
              failures: Sequence[_Failure], findings: Sequence[Finding],
              before: set[tuple[str, str]], previous_format: str | None) -> list[Diagnosis]:
    """Name the cell where several identity findings meet, with the single
    change that makes them all hold and breaks nothing that held
    (``before``: the failing instances of the run, as failing_keys gives)."""
    identities = [(f, finding) for f, finding in zip(failures, findings, strict=True)
                  if f.stmt.identity and finding.severity is Severity.ERROR]
    if len(identities) < 2:
        return []
    by_cell: dict[str, list[tuple[_Failure, Finding, ir.Ref]]] = {}
    for failure, finding in identities:
        for ref, _value in failure.reads:
            if ref.root == "report" and ref.kind in CELL_KINDS:
                entries = by_cell.setdefault(ref.pointer, [])
                if not entries or entries[-1][1] is not finding:
                    entries.append((failure, finding, ref))
    candidates = sorted(((p, e) for p, e in by_cell.items() if len(e) >= 2),
                        key=lambda item: (-len(item[1]), item[0]))[:MAX_DIAGNOSES]
    if not candidates:
        return []
    diagnoses: list[Diagnosis] = []
    for pointer, entries in candidates:
        failure, finding, ref = entries[0]
        value = resolve(document, pointer)
        if value is None or isinstance(value, bool) or not isinstance(value, (int, Decimal)):
            continue
        base = Env(document, previous, 0, compiled.fmt).with_vars(failure.vars)
        d0 = failure.stmt.difference(base)
        slope = failure.stmt.difference(
            _env_with(base, ref, value + 1, failure.vars, failure.rule)) - d0
        if not slope:
            continue
        suggested = _exact(value - _quotient(d0, slope))
        if ref.kind == "count" and (not isinstance(suggested, int) or suggested < 0):
            continue
        changed = with_value(document, ref.parts, suggested)
        after = failing_keys(compiled, changed, previous, year, previous_format)
        resolved = {(f.rule_id, f.pointer) for _, f, _ in entries}
        if resolved & after or (after - before):
            continue
        count = len(resolved)
        label = ref.label
        diagnoses.append(Diagnosis(
            pointer=pointer,
            label=label,
            value=value,
            suggested=suggested,
            rule_ids=tuple(sorted({rid for rid, _ in resolved})),
            message=msg("diag.cell", label=label, suggested=format_value(suggested, "zh"),
                        value=format_value(value, "zh"), count=count),
            findings=count,
        ))
    return diagnoses
