"""Rule fixtures: passing and failing example reports per rule, as data.

A pack's fixtures live in ``<fixtures>/<RULE-ID>/pass/*.json|yaml`` and
``<fixtures>/<RULE-ID>/fail/*.json|yaml`` (the EN 16931 layout: one folder
per rule id). Each file is one case::

    description: 本年新收自然人多了 1 件
    base: ../../_base/report-2021.json   # a clean report to start from …
    set:                                 # … and the cells changed (null = blank)
      /applications/new_received/natural_person: 6
    remove: []                           # keys deleted from the base (JSON Pointers)
    previous: {base: …, set: {…}}        # last year's report, when the rule needs it
    expect:                              # findings expected, as (rule id, pointer)
      - [APP-BALANCE, /applications/results/total/natural_person]
    not_evaluated:                       # instances expected not to be evaluated
      - [APP-ROW-TOTAL, /applications/results/disclosed/total]

(``document:`` gives a whole report object instead of ``base``.) ``set``
and ``remove`` name existing places: a pointer whose parent is missing or
is not an object, and a key to remove that is not there, are errors of the
fixture file (:class:`DocumentError`), as is a ``set`` that is not a
mapping, a ``remove`` that is not a list of pointers, and a document that
is not an object. A case passes
when the findings of its own rule are exactly the ``expect`` pairs of that
rule, the other pairs it lists are among the findings, the ``not_evaluated``
pairs are listed as not evaluated, and — for a ``pass`` case — the rule was
evaluated at all (a rule that never ran proves nothing). Findings are
compared on (rule id, pointer), never on wording.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checking import check
from .errors import DocumentError
from .findings import Message
from .loading import load_report
from .pointer import MISSING, resolve, split_pointer, to_pointer
from .rulesets import RuleSet

__all__ = ["Fixture", "FixtureOutcome", "coverage", "load_fixtures", "run_fixture"]

_SUFFIXES = {".json", ".yaml", ".yml"}


@dataclass(frozen=True, slots=True)
class Fixture:
    """One fixture case."""

    path: Path
    rule_id: str
    kind: str  # "pass" or "fail"
    description: str
    document: Any
    previous: Any
    expect: tuple[tuple[str, str], ...]
    not_evaluated: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """``RULE-ID/pass/case`` — the id tests are known by."""
        return f"{self.rule_id}/{self.kind}/{self.path.stem}"


@dataclass(frozen=True, slots=True)
class FixtureOutcome:
    """What running one fixture showed."""

    fixture: Fixture
    missing: tuple[tuple[str, str], ...] = ()
    unexpected: tuple[tuple[str, str], ...] = ()
    not_run: bool = False
    missing_not_evaluated: tuple[tuple[str, str], ...] = ()
    found: tuple[tuple[str, str], ...] = field(default=())
    #: the message of each finding made, by (rule id, pointer): what an
    #: unexpected finding says, without checking the case again
    messages: Mapping[tuple[str, str], Message] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The case behaved as it says."""
        return not (self.missing or self.unexpected or self.not_run or
                    self.missing_not_evaluated)


def _pairs(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise DocumentError("expect / not_evaluated 须是 [规则编号, 指针] 的列表 "
                            "(a list of [rule id, pointer] pairs)", file=where)
    pairs = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str)
                                                                 for x in item)):
            raise DocumentError(f"不是 [规则编号, 指针]：{item!r} (not a [rule id, pointer] pair)",
                                file=where)
        pairs.append((item[0], item[1]))
    return tuple(pairs)


def _parts(key: str, pointer: Any, where: str) -> tuple[str, ...]:
    """The keys of a ``set``/``remove`` pointer, or the fixture's error."""
    if not isinstance(pointer, str):
        raise DocumentError(f"{key}：不是 JSON 指针：{pointer!r} (not a JSON Pointer)",
                            file=where)
    try:
        return split_pointer(pointer)
    except ValueError:
        raise DocumentError(f"{key}：不是 JSON 指针：{pointer!r} (not a JSON Pointer)",
                            file=where) from None


def _parent(document: Any, key: str, pointer: str, parts: tuple[str, ...],
            where: str) -> dict[str, Any]:
    """The object that holds the place ``pointer`` names (``parts``)."""
    parent = resolve(document, parts[:-1])
    if parent is MISSING:
        raise DocumentError(f"{key} {pointer}：{to_pointer(parts[:-1])} 不存在 "
                            "(its parent is not in the document)", file=where)
    if not isinstance(parent, dict):
        raise DocumentError(f"{key} {pointer}：{to_pointer(parts[:-1])} 不是对象 "
                            "(its parent is not an object)", file=where)
    return parent


def _apply(document: Any, changes: Any, removals: Any, where: str) -> Any:
    """``document`` with the keys of ``removals`` deleted, then the values
    of ``changes`` set (a copy)."""
    if not isinstance(changes, Mapping):
        raise DocumentError("set 须是 {JSON 指针: 值} 的映射 (set is a mapping of JSON "
                            "Pointers to values)", file=where)
    if not isinstance(removals, list):
        raise DocumentError("remove 须是 JSON 指针的列表 (remove is a list of JSON Pointers)",
                            file=where)
    document = copy.deepcopy(document)
    for pointer in removals:
        parts = _parts("remove", pointer, where)
        if not parts:
            raise DocumentError("remove：不能删除整个报告 (cannot remove the whole report)",
                                file=where)
        parent = _parent(document, "remove", pointer, parts, where)
        if parts[-1] not in parent:
            raise DocumentError(f"remove {pointer}：没有此键 (no such key)", file=where)
        del parent[parts[-1]]
    for pointer, value in changes.items():
        parts = _parts("set", pointer, where)
        if not parts:
            document = value
            continue
        _parent(document, "set", pointer, parts, where)[parts[-1]] = value
    return document


def _document(spec: Any, folder: Path, where: str) -> dict[str, Any]:
    """A fixture's document: given whole, or a base with changes; always a
    report object."""
    if not isinstance(spec, Mapping):
        raise DocumentError("须是对象 (must be an object)", file=where)
    if "document" in spec:
        given = spec["document"]
        if not isinstance(given, Mapping):
            raise DocumentError("document 须是报告对象 (document is a report object)",
                                file=where)
        document = load_report(dict(given)).data
    else:
        if "base" not in spec:
            raise DocumentError("需要 document 或 base (needs document or base)", file=where)
        if not isinstance(spec["base"], str):
            raise DocumentError(f"base 须是文件路径：{spec['base']!r} (base is a file path)",
                                file=where)
        base = load_report(folder / spec["base"]).data
        # values from YAML/JSON: the loader already made decimals exact
        changes, removals = spec.get("set"), spec.get("remove")
        document = _apply(base, {} if changes is None else changes,
                          [] if removals is None else removals, where)
    if not isinstance(document, dict):
        raise DocumentError("样例的报告须是对象 (the case's report is an object)", file=where)
    return document


def load_fixtures(root: str | Path) -> list[Fixture]:
    """Every fixture under ``root`` (``<RULE-ID>/pass|fail/*``), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DocumentError("样例目录不存在 (no such fixtures directory)", file=str(root))
    fixtures: list[Fixture] = []
    for rule_dir in sorted(p for p in root.iterdir() if p.is_dir() and not
                           p.name.startswith(("_", "."))):
        for kind in ("pass", "fail"):
            folder = rule_dir / kind
            if not folder.is_dir():
                continue
            for path in sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES):
                where = str(path)
                spec = load_report(path).data
                if not isinstance(spec, Mapping):
                    raise DocumentError("样例须是对象 (a fixture is an object)", file=where)
                document = _document(spec, folder, where)
                previous = None
                if spec.get("previous") is not None:
                    previous = _document(spec["previous"], folder, where)
                fixtures.append(Fixture(
                    path=path,
                    rule_id=rule_dir.name,
                    kind=kind,
                    description=str(spec.get("description", "")),
                    document=document,
                    previous=previous,
                    expect=_pairs(spec.get("expect", []), where),
                    not_evaluated=_pairs(spec.get("not_evaluated", []), where),
                ))
    return fixtures


def run_fixture(fixture: Fixture, rules: RuleSet) -> FixtureOutcome:
    """Check a fixture's document and compare with what it expects."""
    result = check(load_report(fixture.document, name=str(fixture.path)), rules,
                   load_report(fixture.previous) if fixture.previous is not None else None)
    found = tuple(sorted({(f.rule_id, f.pointer) for f in result.findings}))
    own_found = {p for p in found if p[0] == fixture.rule_id}
    own_expected = {p for p in fixture.expect if p[0] == fixture.rule_id}
    others_expected = {p for p in fixture.expect if p[0] != fixture.rule_id}
    missing = sorted((own_expected - own_found) | (others_expected - set(found)))
    unexpected = sorted(own_found - own_expected)
    listed = {(n.rule_id, n.pointer) for n in result.not_evaluated}
    missing_ne = sorted(set(fixture.not_evaluated) - listed)
    not_run = fixture.kind == "pass" and fixture.rule_id not in result.evaluated and \
        not fixture.not_evaluated
    if fixture.kind == "fail" and not own_expected and not fixture.not_evaluated:
        not_run = True  # a failing case must say what fails
    messages = {(f.rule_id, f.pointer): f.message for f in result.findings}
    return FixtureOutcome(fixture, tuple(missing), tuple(unexpected), not_run,
                          tuple(missing_ne), found, messages)


def coverage(rules: RuleSet, fixtures: Iterable[Fixture]) -> dict[str, tuple[int, int]]:
    """(passing cases, failing cases) per rule id of ``rules`` — the checks
    built into the engine (SCHEMA) only when some fixture is about them."""
    fixtures = list(fixtures)
    named = {f.rule_id for f in fixtures}
    counts = {info.rule_id: [0, 0] for info in rules.rules
              if not info.builtin or info.rule_id in named}
    for fixture in fixtures:
        if fixture.rule_id in counts:
            counts[fixture.rule_id][0 if fixture.kind == "pass" else 1] += 1
    return {rule_id: (p, f) for rule_id, (p, f) in counts.items()}
