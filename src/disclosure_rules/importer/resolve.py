"""Uncertain cells: choosing a reading only where the table itself decides.

A run of printed digits may be read several ways ("640020470" =
64|0|0|2|0|4|70 or 6|40|0|2|0|4|70 …). The table's own identities — row
total = sum of the six applicant columns; per column 一+二 = （七）+四 and
（七） = sum of the result rows; in 四 total = sum of the four results —
pick a reading only where exactly one satisfies them, first row by row,
then jointly across the table. Otherwise the cells on which the readings
disagree stay ``None`` and the caller reports the candidates. Published
totals are never changed: identities only choose among readings of
uncertain cells, they never produce a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from typing import Literal

from .numbers import Number

__all__ = ["Candidate", "Identity", "Outcome", "Path", "Unit", "solve"]

Path = tuple[str, ...]
Value = Number | None
_JOINT_LIMIT = 50_000
_SOLUTION_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Identity:
    """``sum(left) == sum(right)`` over cells; ``name`` says which one."""

    left: tuple[Path, ...]
    right: tuple[Path, ...]
    name: str = ""

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every cell the identity involves."""
        return (*self.left, *self.right)

    def holds(self, value: Mapping[Path, Value]) -> bool | None:
        """True/False, or None when a cell is blank or absent."""
        total = Decimal(0)
        for sign, side in ((1, self.left), (-1, self.right)):
            for path in side:
                v = value.get(path)
                if v is None:
                    return None
                total += sign * Decimal(v)
        return total == 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """One reading of a unit: a value per cell, and what it assumed;
    ``units`` are the units printed with the cells' numbers ("元")."""

    values: tuple[Value, ...]
    texts: tuple[str | None, ...]
    tokens: tuple[int, ...]
    how: str = "exact"
    dropped: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Unit:
    """Cells printed as one run of tokens, with the readings of the run.
    ``complete`` is False when the run has more readings than were listed:
    then it has no candidates (none may be chosen) and its cells stay None."""

    paths: tuple[Path, ...]
    candidates: tuple[Candidate, ...]
    printed: str = ""
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """What was decided for a unit.

    ``status``: ``certain`` (one reading), ``resolved`` (several; exactly one
    satisfies the identities — ``by`` says whether within the row or across
    the table), ``unresolved`` (cells where the ``remaining`` readings
    disagree are None in ``values``).
    """

    values: tuple[Value, ...]
    status: Literal["certain", "resolved", "unresolved"]
    chosen: Candidate | None
    remaining: tuple[Candidate, ...]
    by: str = ""


def _dedupe(candidates: Sequence[Candidate]) -> tuple[Candidate, ...]:
    """Readings with distinct values (the first of each kept)."""
    seen: dict[tuple[Value, ...], Candidate] = {}
    for c in candidates:
        key = tuple((type(v).__name__, v) if v is not None else None for v in c.values)
        seen.setdefault(key, c)  # type: ignore[arg-type]
    return tuple(seen.values())


def _consistent(identities: Sequence[Identity], value: Mapping[Path, Value],
                known: set[Path]) -> bool:
    """No identity whose cells are all known fails."""
    for identity in identities:
        if all(p in known for p in identity.paths) and identity.holds(value) is False:
            return False
    return True


@dataclass(slots=True)
class _State:
    """What is decided so far: cell values, the open readings of each unit."""

    units: Sequence[Unit]
    identities: Sequence[Identity]
    value: dict[Path, Value]
    known: set[Path]
    options: list[tuple[Candidate, ...]]
    outcomes: list[Outcome | None]
    by_path: dict[Path, list[Identity]]

    def settle(self, i: int, candidate: Candidate, status: Literal["certain", "resolved"],
               by: str = "") -> None:
        self.outcomes[i] = Outcome(candidate.values, status, candidate, self.options[i], by)
        for path, v in zip(self.units[i].paths, candidate.values, strict=True):
            self.value[path] = v
            self.known.add(path)

    def fitting(self, i: int) -> list[Candidate]:
        """The unit's readings that break no identity decided by it and by
        the cells settled so far."""
        unit = self.units[i]
        related = list({id(x): x for p in unit.paths for x in self.by_path.get(p, [])}.values())
        scope = self.known | set(unit.paths)
        out = []
        for c in self.options[i]:
            trial = dict(self.value)
            trial.update(zip(unit.paths, c.values, strict=True))
            if _consistent(related, trial, scope):
                out.append(c)
        return out


def _row_phase(state: _State) -> None:
    """Settle units one at a time while that decides something."""
    changed = True
    while changed:
        changed = False
        for i, options in enumerate(state.options):
            if state.outcomes[i] is not None or not options:
                continue
            fitting = state.fitting(i)
            if len(fitting) == 1:
                state.settle(i, fitting[0], "resolved", "row")
                changed = True
            elif fitting and len(fitting) < len(options):
                state.options[i] = tuple(fitting)


def _joint_phase(state: _State) -> None:
    """Try every combination of the open units' readings (when few enough)."""
    open_units = [i for i, o in enumerate(state.outcomes) if o is None and state.options[i]]
    size = 1
    for i in open_units:
        size *= len(state.options[i])
    if not open_units or size > _JOINT_LIMIT:
        return
    scope = state.known | {p for i in open_units for p in state.units[i].paths}
    relevant = [x for x in state.identities if any(p in scope for p in x.paths)]
    solutions: list[tuple[int, ...]] = []
    for combo in product(*(range(len(state.options[i])) for i in open_units)):
        trial = dict(state.value)
        for i, choice in zip(open_units, combo, strict=True):
            trial.update(zip(state.units[i].paths, state.options[i][choice].values, strict=True))
        if _consistent(relevant, trial, scope):
            solutions.append(combo)
            if len(solutions) > _SOLUTION_LIMIT:
                return
    if not solutions:
        return
    for k, i in enumerate(open_units):
        used = sorted({s[k] for s in solutions})
        if len(used) == 1:
            state.settle(i, state.options[i][used[0]], "resolved", "table")
        else:
            state.options[i] = tuple(state.options[i][u] for u in used)


def _undecided(unit: Unit, options: Sequence[Candidate]) -> Outcome:
    """Cells on which the remaining readings agree keep that value."""
    merged: list[Value] = []
    for position in range(len(unit.paths)):
        seen = {(type(c.values[position]).__name__, c.values[position]) for c in options}
        merged.append(options[0].values[position] if len(seen) == 1 and options else None)
    return Outcome(tuple(merged), "unresolved", None, tuple(options))


def solve(units: Sequence[Unit], identities: Sequence[Identity]) -> list[Outcome]:
    """Decide each unit's reading (see the module docstring)."""
    by_path: dict[Path, list[Identity]] = {}
    for identity in identities:
        for path in identity.paths:
            by_path.setdefault(path, []).append(identity)
    state = _State(units, identities, {}, set(), [_dedupe(u.candidates) for u in units],
                   [None] * len(units), by_path)
    for i, options in enumerate(state.options):
        if len(options) == 1:
            state.settle(i, options[0], "certain")
    _row_phase(state)
    _joint_phase(state)
    return [outcome if outcome is not None else _undecided(units[i], state.options[i])
            for i, outcome in enumerate(state.outcomes)]
