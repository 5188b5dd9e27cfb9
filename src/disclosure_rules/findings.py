"""Result values: findings, not-evaluated records, diagnoses and the Result.

Everything here is a frozen value with a ``to_dict()`` that gives its JSON
form (the form ``disclosure-rules check --format json`` prints). Ordering is
deterministic: findings sort by severity, then rule id, then pointer.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any

__all__ = [
    "Cell",
    "Diagnosis",
    "Equation",
    "Finding",
    "Message",
    "NotEvaluated",
    "Result",
    "Severity",
    "json_value",
]


class Severity(str, Enum):
    """How bad a finding is: ``error`` breaks the format or an identity it
    states or implies; ``warning`` is very likely wrong; ``info`` is worth a
    look."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for error, 1 for warning, 2 for info (sort key)."""
        return _RANK[self]

    @property
    def zh(self) -> str:
        """The Chinese name: 错误 / 警告 / 提示."""
        return _ZH[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}
_ZH = {Severity.ERROR: "错误", Severity.WARNING: "警告", Severity.INFO: "提示"}


@dataclass(frozen=True, slots=True)
class Message:
    """A message for people, Chinese first, English from the same catalogue."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.zh

    def get(self, lang: str) -> str:
        """The message in ``lang`` ("zh" or "en")."""
        return self.en if lang == "en" else self.zh

    def to_dict(self) -> dict[str, str]:
        """``{"zh": …, "en": …}``."""
        return {"zh": self.zh, "en": self.en}


def json_value(value: Any) -> Any:
    """A value in JSON form: integers stay integers, decimals become
    numbers when binary floating point would lose nothing, else strings
    (money must never be rounded on output); dates in ISO form; lists and
    objects (a row a finding points at) value by value."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value() and abs(value) < 2**53:
            return int(value)
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, _dt.date):
        return value.isoformat()  # a rule's date("2024-03-31"), for one
    if isinstance(value, (list, tuple)):
        return [json_value(item) for item in value]
    if isinstance(value, Mapping):  # a row or table a finding points at
        return {str(key): json_value(item) for key, item in value.items()}
    return value


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell that took part in a finding, with its value as read."""

    pointer: str
    label: str
    value: Any
    #: "report", or "previous" for a cell of last year's report
    document: str = "report"

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        data = {"pointer": self.pointer, "label": self.label, "value": json_value(self.value)}
        if self.document != "report":
            data["document"] = self.document
        return data


@dataclass(frozen=True, slots=True)
class Equation:
    """Both sides of a failed comparison, for tools that recompute."""

    lhs: Any
    op: str
    rhs: Any
    difference: Any = None
    tolerance: Any = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "lhs": json_value(self.lhs),
            "op": self.op,
            "rhs": json_value(self.rhs),
            "difference": json_value(self.difference),
            "tolerance": json_value(self.tolerance),
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with a report.

    ``pointer`` is the RFC 6901 pointer of the cell (for an identity, the cell
    that holds the sum); ``label`` the official labels of that cell joined by
    " · "; ``cells`` every cell that took part, with its value; ``cite`` the
    legal source the rule rests on.
    """

    rule_id: str
    severity: Severity
    pointer: str
    label: str
    message: Message
    cells: tuple[Cell, ...] = ()
    cite: str = ""
    title: Message | None = None
    equation: Equation | None = None
    #: where the cell came from in a published report (importer provenance:
    #: ``{"line": 87}``, ``{"page": 3, "table": 2, "row": 5, "column": 4}`` …)
    source: Mapping[str, Any] | None = None

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        """Severity, rule id, pointer, message: the one ordering of findings."""
        return (self.severity.rank, self.rule_id, self.pointer, self.message.zh)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (stable keys)."""
        data: dict[str, Any] = {
            "rule_id": self.rule_id,
            "severity": self.severity.value,
            "pointer": self.pointer,
            "label": self.label,
            "message": self.message.to_dict(),
            "cells": [c.to_dict() for c in self.cells],
            "cite": self.cite,
        }
        if self.title is not None:
            data["title"] = self.title.to_dict()
        if self.equation is not None:
            data["equation"] = self.equation.to_dict()
        if self.source:
            data["source"] = dict(self.source)
        return data


@dataclass(frozen=True, slots=True)
class NotEvaluated:
    """A rule (or one instance of it, at ``pointer``) that could not be
    evaluated on this report, and why."""

    rule_id: str
    reason: Message
    pointer: str = ""
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rule_id": self.rule_id,
            "pointer": self.pointer,
            "label": self.label,
            "reason": self.reason.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """An inference across findings: the single cell whose change would make
    every identity through it hold."""

    pointer: str
    label: str
    value: Any
    suggested: Any
    rule_ids: tuple[str, ...]
    message: Message
    findings: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "pointer": self.pointer,
            "label": self.label,
            "value": json_value(self.value),
            "suggested": json_value(self.suggested),
            "rule_ids": list(self.rule_ids),
            "findings": self.findings,
            "message": self.message.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """What checking one report found.

    ``ok`` is true when there is no error-level finding. ``evaluated`` are
    the rule ids with at least one evaluated instance, ``passed`` those of
    them with no finding, ``not_evaluated`` every rule or rule instance that
    could not be evaluated, with its reason.
    """

    findings: tuple[Finding, ...]
    evaluated: tuple[str, ...] = ()
    passed: tuple[str, ...] = ()
    not_evaluated: tuple[NotEvaluated, ...] = ()
    diagnoses: tuple[Diagnosis, ...] = ()
    format: str | None = None
    year: int | None = None
    organ: str | None = None
    file: str = ""
    pack: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """No error-level finding."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity is severity)

    def by_rule(self, rule_id: str) -> Sequence[Finding]:
        """The findings of one rule."""
        return [f for f in self.findings if f.rule_id == rule_id]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the record ``disclosure-rules check --format json``
        prints for each report."""
        return {
            "file": self.file,
            "organ": self.organ,
            "year": self.year,
            "format": self.format,
            "ok": self.ok,
            "counts": {s.value: self.count(s) for s in Severity},
            "findings": [f.to_dict() for f in self.findings],
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "evaluated": list(self.evaluated),
            "passed": list(self.passed),
            "not_evaluated": [n.to_dict() for n in self.not_evaluated],
            "pack": dict(self.pack),
        }
