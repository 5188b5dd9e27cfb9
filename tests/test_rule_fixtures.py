"""The official pack against its fixtures: a passing and a failing example
report for every rule (``tests/fixtures/rules/<RULE-ID>/pass|fail/*.yaml``).

Each case is one test, known by ``RULE-ID/pass/case`` (so ``pytest -k
APP-BALANCE`` runs one rule's cases). A case states which findings its
report must give, as (rule id, pointer) pairs; the semantics are those of
:mod:`disclosure_rules.fixtures`. A further test fails when a rule of the
pack has no passing or no failing case.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import disclosure_rules as dr
from disclosure_rules.fixtures import Fixture, FixtureOutcome, coverage, load_fixtures, run_fixture

FIXTURES = Path(__file__).parent / "fixtures" / "rules"
CASES = load_fixtures(FIXTURES)


@cache
def official() -> dr.RuleSet:
    """The official pack, loaded once for the whole module."""
    return dr.load_rules()


def _pairs(pairs: tuple[tuple[str, str], ...]) -> str:
    return "\n".join(f"    {rule_id:<20} {pointer or '(整条规则)'}" for rule_id, pointer in pairs) \
        or "    —"


def _explain(fixture: Fixture, outcome: FixtureOutcome) -> str:
    """What a failing case expected and what the check found, for people."""
    result = dr.check(dr.load_report(fixture.document, name=str(fixture.path)), official(),
                      dr.load_report(fixture.previous) if fixture.previous is not None else None)
    lines = [
        f"{fixture.name}: {fixture.description}",
        f"  file: {fixture.path}",
    ]
    if outcome.not_run:
        lines.append(f"  {fixture.rule_id} was not evaluated on this report"
                     if fixture.kind == "pass" else
                     "  a failing case must expect a finding of its own rule "
                     "(or list what is not evaluated)")
    if outcome.missing:
        lines += ["  expected but not found:", _pairs(outcome.missing)]
    if outcome.unexpected:
        lines += [f"  found but not expected ({fixture.rule_id}):", _pairs(outcome.unexpected)]
    if outcome.missing_not_evaluated:
        lines += ["  expected to be listed as not evaluated, but not listed:",
                  _pairs(outcome.missing_not_evaluated)]
    lines.append("  all findings:")
    for finding in result.findings:
        lines.append(f"    {finding.rule_id:<20} {finding.severity.value:<8} {finding.pointer}  "
                     f"{finding.message.zh}")
    if not result.findings:
        lines.append("    —")
    own = [n for n in result.not_evaluated if n.rule_id == fixture.rule_id]
    if own:
        lines.append(f"  not evaluated ({fixture.rule_id}):")
        lines += [f"    {n.pointer or '(整条规则)'}  {n.reason.zh}" for n in own]
    return "\n".join(lines)


@pytest.mark.parametrize("fixture", CASES, ids=[case.name for case in CASES])
def test_fixture(fixture: Fixture) -> None:
    outcome = run_fixture(fixture, official())
    if not outcome.ok:
        pytest.fail(_explain(fixture, outcome), pytrace=False)


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    counts = coverage(official(), CASES)
    lacking = {rule_id: (passing, failing) for rule_id, (passing, failing) in counts.items()
               if passing == 0 or failing == 0}
    assert not lacking, "rules without both kinds of case (pass, fail): " + ", ".join(
        f"{rule_id} {counts}" for rule_id, counts in sorted(lacking.items()))


def test_every_case_belongs_to_a_rule_of_the_pack() -> None:
    known = {info.rule_id for info in official().rules}
    strays = sorted({case.rule_id for case in CASES} - known)
    assert not strays, f"fixture folders for rules not in the official pack: {strays}"
