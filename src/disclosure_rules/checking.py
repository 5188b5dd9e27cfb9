"""The check pipeline: a report → structure findings + rule findings → Result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .findings import Finding, Result
from .loading import Report, load_report
from .validation import validate

__all__ = ["check"]


def check(report: Report | Mapping[str, Any] | str, rules: Any = None,
          previous: Report | Mapping[str, Any] | str | None = None) -> Result:
    """Check one report: its structure, then the rules.

    Arguments:
        report: a :class:`Report`, a parsed document, or a path/text for
            :func:`load_report`.
        rules: the compiled rule set (``None``: the official pack).
        previous: last year's report of the same organ, for the
            year-over-year rules.

    Returns:
        a :class:`Result`.
    """
    if not isinstance(report, Report):
        report = load_report(report)
    validation = validate(report)
    data = report.data if isinstance(report.data, Mapping) else {}
    findings: list[Finding] = sorted(validation.findings, key=lambda f: f.sort_key)
    year = data.get("year")
    organ = data.get("organ")
    return Result(
        findings=tuple(findings),
        format=validation.format.effective,
        year=year if isinstance(year, int) and not isinstance(year, bool) else None,
        organ=organ.get("name") if isinstance(organ, Mapping) else None,
        file=report.name,
    )
