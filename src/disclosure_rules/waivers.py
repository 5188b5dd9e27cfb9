"""Waivers: findings a reviewer has accepted, as auditable records.

A waiver names a rule (an id, or a prefix such as ``APP-``), optionally
narrows it to one organ, one year and one cell (a JSON Pointer, which also
covers the cells below it), and must say why, who approved it and until when.
A waived finding leaves the findings (it neither prints as one nor counts
for the exit code) and is listed apart; once a waiver has expired it waives
nothing and the finding it would have covered says so.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from .errors import ConfigError
from .findings import Finding, Result
from .normalize import same_organ
from .rulesets import rule_id_matches

__all__ = ["TODAY_ENV", "Applied", "Waiver", "WaiverSet", "apply_waivers", "today"]

TODAY_ENV = "DISCLOSURE_RULES_TODAY"
"""Environment variable that fixes "today" (``YYYY-MM-DD``) for expiry:
tests and reproducible re-runs of an old audit use it."""


def today() -> _dt.date:
    """The date waivers are judged against: ``$DISCLOSURE_RULES_TODAY`` or
    the system date."""
    fixed = os.environ.get(TODAY_ENV, "").strip()
    if not fixed:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(fixed)
    except ValueError:
        raise ConfigError(f"不是 YYYY-MM-DD 格式的日期 (not a YYYY-MM-DD date): {fixed!r}",
                          file=f"${TODAY_ENV}") from None


@dataclass(frozen=True, slots=True)
class Waiver:
    """One waiver of a configuration file.

    ``rule`` is a rule id or a prefix (``APP-``); ``organ``, ``year`` and
    ``pointer`` narrow it when given (``pointer`` covers that cell and every
    cell below it). ``file`` and ``line`` say where it was written.
    """

    rule: str
    reason: str
    approved_by: str
    expires: _dt.date
    organ: str | None = None
    year: int | None = None
    pointer: str | None = None
    file: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        """``file:line`` of the waiver."""
        return f"{self.file}:{self.line}" if self.file else ""

    @property
    def scope(self) -> str:
        """What narrows the waiver, ``organ · year · pointer`` (those
        given; empty for a waiver of the rule everywhere)."""
        parts = (self.organ, str(self.year) if self.year is not None else None, self.pointer)
        return " · ".join(p for p in parts if p)

    def expired(self, on: _dt.date) -> bool:
        """Whether the waiver no longer applies on ``on`` (it still applies on
        its ``expires`` day itself)."""
        return on > self.expires

    def concerns(self, organ: str | None, year: int | None) -> bool:
        """Whether a report of ``organ`` and ``year`` is within the waiver's
        organ and year (whatever its findings)."""
        if self.organ is not None and same_organ(organ or "") != same_organ(self.organ):
            return False
        return self.year is None or year == self.year

    def covers(self, finding: Finding, organ: str | None, year: int | None) -> bool:
        """Whether ``finding`` (of a report of ``organ`` and ``year``) falls
        within the waiver's scope, expired or not."""
        if not rule_id_matches(finding.rule_id, self.rule):
            return False
        if not self.concerns(organ, year):
            return False
        if self.pointer is not None:
            base = self.pointer.rstrip("/")
            return finding.pointer == base or finding.pointer.startswith(base + "/")
        return True

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rule": self.rule,
            "organ": self.organ,
            "year": self.year,
            "pointer": self.pointer,
            "reason": self.reason,
            "approved_by": self.approved_by,
            "expires": self.expires.isoformat(),
            "file": self.file,
            "line": self.line,
        }


@dataclass(frozen=True, slots=True)
class Applied:
    """A result after waivers: the findings that remain, those waived (with
    the waiver that covers each), and for remaining findings that only an
    expired waiver covers, ``(index in result.findings, waiver)``."""

    result: Result
    waived: tuple[tuple[Finding, Waiver], ...]
    expired: tuple[tuple[int, Waiver], ...]


@dataclass(frozen=True, slots=True)
class WaiverSet:
    """The waivers of a run judged once on the day of the run: those that
    still apply and those that have expired (in the order written)."""

    active: tuple[Waiver, ...] = ()
    expired: tuple[Waiver, ...] = ()

    @classmethod
    def judged(cls, waivers: Sequence[Waiver], on: _dt.date) -> WaiverSet:
        """``waivers`` as they stand on ``on``."""
        return cls(tuple(w for w in waivers if not w.expired(on)),
                   tuple(w for w in waivers if w.expired(on)))

    def apply(self, result: Result) -> Applied:
        """Set aside the findings of ``result`` that an active waiver
        covers; note those that only an expired one covers."""
        if not self.active and not self.expired:
            return Applied(result, (), ())
        kept: list[Finding] = []
        waived: list[tuple[Finding, Waiver]] = []
        expired: list[tuple[int, Waiver]] = []
        for finding in result.findings:
            waiver = next((w for w in self.active
                           if w.covers(finding, result.organ, result.year)), None)
            if waiver is not None:
                waived.append((finding, waiver))
                continue
            old = next((w for w in self.expired
                        if w.covers(finding, result.organ, result.year)), None)
            if old is not None:
                expired.append((len(kept), old))
            kept.append(finding)
        if not waived and not expired:
            return Applied(result, (), ())
        return Applied(replace(result, findings=tuple(kept)), tuple(waived), tuple(expired))


def apply_waivers(result: Result, waivers: Sequence[Waiver], on: _dt.date) -> Applied:
    """Set aside the findings of ``result`` that a waiver valid on ``on``
    covers (for many results, judge the waivers once with
    :meth:`WaiverSet.judged` and :meth:`WaiverSet.apply` each)."""
    return WaiverSet.judged(waivers, on).apply(result)
