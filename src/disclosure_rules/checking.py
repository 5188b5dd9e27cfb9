"""The check pipeline: a report → structure findings + rule findings → Result."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from .engine import evaluate
from .findings import Finding, Message, Result
from .loading import Report, load_report
from .rulesets import RuleSet, load_rules
from .validation import validate

__all__ = ["check"]

ReportLike = Report | Mapping[str, Any] | str | bytes | os.PathLike[str]


def _as_report(value: ReportLike) -> Report:
    return value if isinstance(value, Report) else load_report(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check(report: ReportLike, rules: RuleSet | str | os.PathLike[str] | Sequence[str] | None = None,
          previous: ReportLike | None = None, *, diagnose: bool = True) -> Result:
    """Check one report: its structure, then the rules.

    Arguments:
        report: a :class:`Report`, a parsed document (dict), or a path/text
            for :func:`load_report`.
        rules: a :class:`RuleSet` from :func:`load_rules`, or paths to rule
            files/packs; ``None`` for the official pack.
        previous: last year's report of the same organ, for the
            year-over-year rules (without it they are listed as not
            evaluated).
        diagnose: name the cell that explains several identity findings.

    Returns:
        a :class:`Result`: findings in a deterministic order, which rules
        were evaluated, passed, or not evaluated and why.

    Raises:
        DocumentError: ``report`` or ``previous`` cannot be read.
        RuleSyntaxError, RuleCompileError: ``rules`` paths do not load.
    """
    report = _as_report(report)
    if rules is None:
        ruleset = load_rules()
    elif isinstance(rules, RuleSet):
        ruleset = rules
    elif isinstance(rules, (str, os.PathLike)):
        ruleset = load_rules(rules)
    else:
        ruleset = load_rules(*rules)
    validation = validate(report)
    data = report.data
    mapping = data if isinstance(data, Mapping) else {}
    year = _int(mapping.get("year"))
    fmt = validation.format.effective
    previous_data: Any = None
    previous_reason: Message | None = None
    if previous is not None:
        previous_report = _as_report(previous)
        previous_data = previous_report.data
        prev_year = _int(previous_data.get("year")) if isinstance(previous_data, Mapping) else None
        if year is not None and prev_year is not None and prev_year != year - 1:
            previous_reason = Message(
                f"所给上一年度报告是 {prev_year} 年度的，应为 {year - 1} 年度",
                f"the previous report given is for {prev_year}, not {year - 1}")
            previous_data = None
    info = validation.format
    detected = "mixed" if info.mixed else (info.detected or "")
    evaluation = evaluate(ruleset.for_format(fmt), data, previous_data, year=year,
                          previous_reason=previous_reason, diagnose=diagnose,
                          tables_format=detected)
    findings = _merge(validation.findings, evaluation.findings, ruleset)
    organ = mapping.get("organ")
    return Result(
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        evaluated=tuple(evaluation.evaluated),
        passed=tuple(evaluation.passed),
        not_evaluated=tuple(evaluation.not_evaluated),
        diagnoses=tuple(evaluation.diagnoses),
        format=fmt,
        year=year,
        organ=organ.get("name") if isinstance(organ, Mapping) and
        isinstance(organ.get("name"), str) else None,
        file=report.name,
        pack={p.name: p.version for p in ruleset.packs},
    )


def _merge(structure: Sequence[Finding], rules: Sequence[Finding], ruleset: RuleSet) -> list[
        Finding]:
    """Rule findings, plus the structure findings no rule finding repeats
    (a negative count is found by the schema and by VAL-NEGATIVE: the rule's
    finding, with its legal source, is the one kept)."""
    from dataclasses import replace

    taken = {(f.rule_id, f.pointer) for f in rules}
    merged = list(rules)
    for finding in structure:
        if (finding.rule_id, finding.pointer) in taken or not ruleset.active(finding.rule_id):
            continue
        severity = ruleset.severity_of(finding.rule_id)
        if severity is not None and severity is not finding.severity:
            finding = replace(finding, severity=severity)
        merged.append(finding)
    return merged
