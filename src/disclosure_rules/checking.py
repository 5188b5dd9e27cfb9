"""The check pipeline: a report → structure findings + rule findings → Result."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from .engine import evaluate
from .errors import DocumentError
from .findings import Finding, Message, Result, Severity
from .formats import analyse_format, report_organ, report_year
from .loading import Report, load_report
from .normalize import same_organ
from .rulesets import RuleSet, load_rules
from .validation import validate

__all__ = ["check"]

ReportLike = Report | Mapping[str, Any] | str | bytes | os.PathLike[str]


def _as_report(value: ReportLike) -> Report:
    return value if isinstance(value, Report) else load_report(value)


def check(report: ReportLike, rules: RuleSet | str | os.PathLike[str] | Sequence[str] | None = None,
          previous: ReportLike | None = None, *, diagnose: bool = True,
          extra_findings: Sequence[Finding] = ()) -> Result:
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
        extra_findings: findings made before the check, such as the
            importer's on a published report: merged with the structure
            stage's, so that ``rules`` selects, ignores and re-grades them
            like any other and they take their place in the order.

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
    elif isinstance(rules, Sequence) and all(isinstance(r, (str, os.PathLike)) for r in rules):
        ruleset = load_rules(*rules)
    else:
        kind = type(rules).__name__
        raise DocumentError(f"rules 须是 RuleSet、规则文件或目录的路径（或路径列表），"
                            f"不能是 {kind} (rules must be a RuleSet, a rule path or paths, "
                            f"not {kind})", file="<rules>")
    validation = validate(report)
    data = report.data
    mapping = data if isinstance(data, (dict, Mapping)) else {}
    year = report_year(mapping.get("year"))
    fmt = validation.format.effective
    previous_data: Any = None
    previous_reason: Message | None = None
    previous_format: str | None = None
    if previous is not None:
        previous_report = _as_report(previous)
        previous_data = previous_report.data
        previous_format = analyse_format(previous_data).effective
        prev_year = report_year(previous_data.get("year")) \
            if isinstance(previous_data, Mapping) else None
        if year is not None and prev_year is not None and prev_year != year - 1:
            previous_reason = Message(
                f"所给上一年度报告是 {prev_year} 年度的，应为 {year - 1} 年度",
                f"the previous report given is for {prev_year}, not {year - 1}")
            previous_data = None
    info = validation.format
    detected = "mixed" if info.mixed else (info.detected or "")
    evaluation = evaluate(ruleset.for_format(fmt), data, previous_data, year=year,
                          previous_reason=previous_reason, diagnose=diagnose,
                          tables_format=detected, previous_format=previous_format)
    findings = _merge((*validation.findings, *extra_findings), evaluation.findings, ruleset)
    renamed = _organ_changed(mapping, previous_data)
    if renamed is not None:
        findings = [_renamed(f, *renamed) if _continuity_error(f, ruleset) else f
                    for f in findings]
    evaluated, passed = list(evaluation.evaluated), list(evaluation.passed)
    if ruleset.active("SCHEMA"):  # the structure stage always runs
        evaluated.append("SCHEMA")
        if not any(f.rule_id == "SCHEMA" for f in findings):
            passed.append("SCHEMA")
    return Result(
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        evaluated=tuple(sorted(evaluated)),
        passed=tuple(sorted(passed)),
        not_evaluated=tuple(evaluation.not_evaluated),
        diagnoses=tuple(evaluation.diagnoses),
        format=fmt,
        year=year,
        organ=report_organ(mapping),
        file=report.name,
        pack={p.name: p.version for p in ruleset.packs},
    )


def _organ_changed(document: Mapping[str, Any], previous: Any) -> tuple[str, str] | None:
    """(last year's organ, this year's) when the previous report is of an
    organ of another name (spacing and full-width letters aside), else None."""
    this, last = report_organ(document), report_organ(previous)
    if this is None or last is None or same_organ(this) == same_organ(last):
        return None
    return last, this


def _continuity_error(finding: Finding, ruleset: RuleSet) -> bool:
    info = ruleset.info(finding.rule_id)
    return info is not None and info.uses_previous and finding.severity is Severity.ERROR


def _renamed(finding: Finding, last: str, this: str) -> Finding:
    """A continuity error between reports of two organ names, as a warning
    that says so: after a reorganisation or a renaming the figures need not
    carry over (domain.md T3-XY), and the names alone cannot tell."""
    message = Message(
        f"{finding.message.zh}（上年报告的编制机关为“{last}”，本年为“{this}”：如为机构改革或"
        "更名，数字可不衔接，故作为警告）",
        f"{finding.message.en} (last year's report is of “{last}”, this one of “{this}”: "
        "after a reorganisation or a renaming the figures need not carry over, hence a "
        "warning)")
    return replace(finding, severity=Severity.WARNING, message=message)


def _merge(structure: Sequence[Finding], rules: Sequence[Finding], ruleset: RuleSet) -> list[
        Finding]:
    """Rule findings and structure findings (with any findings made before
    the check), each (rule id, pointer) once; structure findings of rules
    ``ruleset`` does not run are left out, the others take its severity.

    A negative count is found by the schema and by VAL-NEGATIVE, a report in
    the other format by the schema and by FMT-TEMPLATE: the structure
    stage's message is the more specific one (it knows which keys were off)
    and is kept, with the rule's severity and legal source."""
    by_key = {(f.rule_id, f.pointer): f for f in structure}
    taken = set()
    merged: list[Finding] = []
    for found in rules:
        key = (found.rule_id, found.pointer)
        twin = by_key.get(key)
        if twin is not None:
            found = replace(found, message=twin.message)  # noqa: PLW2901 - the merged copy
        taken.add(key)
        merged.append(found)
    for found in structure:
        if (found.rule_id, found.pointer) in taken or not ruleset.active(found.rule_id):
            continue
        severity = ruleset.severity_of(found.rule_id)
        if severity is not None and severity is not found.severity:
            found = replace(found, severity=severity)  # noqa: PLW2901 - the adjusted copy
        merged.append(found)
    return merged
