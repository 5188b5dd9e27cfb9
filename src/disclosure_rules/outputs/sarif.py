"""``--format sarif``: SARIF 2.1.0, for code-scanning dashboards and CI.

One run; ``tool.driver.rules`` describes every rule that may report (zh
title as ``shortDescription``); each finding is a result whose logical
location is the cell's JSON Pointer and whose physical location is the
input file (with line and column when the report was JSON/YAML text). The
``partialFingerprints`` are a hash of rule id and pointer only, so editing
a rule's message or a report's other cells keeps a finding's identity
across runs. Waived findings are results with an accepted external
suppression; unreadable inputs are tool execution notifications.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from .. import __version__
from ..batch import Checked, Done, Source, Summary, Unreadable
from ..findings import Finding, Severity
from ..waivers import Waiver
from . import Base, Options, Run, json_default, rule_metadata
from .words import expired_notice, say, unused_notice

__all__ = ["FINGERPRINT_KEY", "SARIF_SCHEMA", "Sink", "fingerprint"]

SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
INFORMATION_URI = "https://pypi.org/project/disclosure-rules/"
FINGERPRINT_KEY = "disclosureRules/v1"
_BASE = "%SRCROOT%"
_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def fingerprint(rule_id: str, pointer: str) -> str:
    """The stable identity of a finding: sha256 of ``rule_id|pointer``."""
    return hashlib.sha256(f"{rule_id}|{pointer}".encode()).hexdigest()


def _rule_name(rule_id: str) -> str:
    # SARIF's reportingDescriptor.name is an identifier-like name.
    return "".join(part.capitalize() for part in rule_id.replace("_", "-").split("-"))


def _artifact(source: Source, cwd: Path) -> dict[str, str] | None:
    """The artifact location of an input: relative to the working directory
    ``cwd`` (``%SRCROOT%``) when it lies below it, as code-scanning services
    expect; else an absolute file URI."""
    if source.kind == "stdin":
        return None
    path = Path(source.path)
    if path.is_absolute():
        try:
            path = path.relative_to(cwd)
        except ValueError:
            return {"uri": path.as_uri()}
    # (a file name that is not UTF-8 is quoted as the bytes it is)
    return {"uri": quote(path.as_posix(), safe="/", errors="surrogateescape"),
            "uriBaseId": _BASE}


class Sink(Base):
    """Streams one SARIF log."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        super().__init__(out, options, run)
        # The working directory, read once (workers start in the same one).
        self.cwd = Path.cwd()
        self.first = True
        self.notifications: list[dict[str, Any]] = []
        self.rules: list[dict[str, Any]] = []
        self.index: dict[str, int] = {}
        for meta in rule_metadata(run):
            self.index[meta.rule_id] = len(self.rules)
            description = meta.description or meta.title
            self.rules.append({
                "id": meta.rule_id,
                "name": _rule_name(meta.rule_id),
                "shortDescription": {"text": meta.title.zh},
                "fullDescription": {"text": f"{description.zh} ({description.en})"},
                "defaultConfiguration": {"level": _LEVELS[meta.severity]},
                "properties": {"severity": meta.severity.value, "cite": meta.cite,
                               "title_en": meta.title.en, "pack": meta.pack},
            })

    def begin(self) -> None:
        """The log's opening: schema, version, the driver and its rules."""
        driver = {"name": "disclosure-rules", "version": __version__,
                  "semanticVersion": __version__, "informationUri": INFORMATION_URI,
                  "language": "zh-CN", "rules": self.rules}
        base = self.cwd.as_uri().rstrip("/") + "/"
        self.write(
            f'{{"$schema": {json.dumps(SARIF_SCHEMA)}, "version": "2.1.0", "runs": [{{'
            f'"tool": {json.dumps({"driver": driver}, ensure_ascii=False)}, '
            f'"originalUriBaseIds": {json.dumps({_BASE: {"uri": base}}, ensure_ascii=False)}, '
            f'"columnKind": "unicodeCodePoints", "results": [')

    def _result(self, checked: Checked, artifact: dict[str, str] | None, finding: Finding,
                index: int | None, waiver: Waiver | None) -> dict[str, Any]:
        location: dict[str, Any] = {"logicalLocations": [{
            "fullyQualifiedName": finding.pointer, "name": finding.label, "kind": "member"}]}
        if artifact is not None:
            physical: dict[str, Any] = {"artifactLocation": artifact}
            region = checked.region(finding, index)
            if region is not None:
                physical["region"] = {"startLine": region[0]}
                if region[1] is not None:
                    physical["region"]["startColumn"] = region[1]
            location["physicalLocation"] = physical
        result = checked.result
        properties: dict[str, Any] = {
            "label": finding.label, "pointer": finding.pointer, "cite": finding.cite,
            "message": finding.message.to_dict(),
            "cells": [c.to_dict() for c in finding.cells],
            # The previous-year report too: a continuity finding quotes
            # cells of "上年报告", which the result must say which file is.
            "report": {"file": checked.source.name, "organ": result.organ,
                       "year": result.year, "format": result.format,
                       "previous": checked.previous.to_dict() if checked.previous else None},
        }
        if finding.source:
            properties["source"] = dict(finding.source)
        expired = checked.expired_waiver(index) if index is not None else None
        if expired is not None:
            properties["expired_waiver"] = expired.to_dict()
        entry: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "level": _LEVELS[finding.severity],
            "message": {"text": finding.message.get(self.options.lang)},
            "locations": [location],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding.rule_id,
                                                                 finding.pointer)},
            "properties": properties,
        }
        if finding.rule_id in self.index:
            entry["ruleIndex"] = self.index[finding.rule_id]
        if waiver is not None:
            entry["suppressions"] = [{
                "kind": "external", "status": "accepted", "justification": waiver.reason,
                "properties": waiver.to_dict()}]
        return entry

    def render(self, checked: Checked) -> str:
        """One result per finding, and one suppressed result per waived one
        (a result per line)."""
        artifact = _artifact(checked.source, self.cwd)
        results = [self._result(checked, artifact, finding, index, None)
                   for index, finding in enumerate(checked.result.findings)]
        results += [self._result(checked, artifact, finding, None, waiver)
                    for finding, waiver in checked.waived]
        return ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":"),
                                      default=json_default) for r in results)

    def report(self, record: Done) -> None:
        """Write one report's results."""
        if record.text:
            self.write(("\n" if self.first else ",\n") + record.text)
            self.first = False

    def unreadable(self, problem: Unreadable) -> None:
        """A tool execution notification (written at the end)."""
        word = say(problem.kind, self.options.lang)
        notification: dict[str, Any] = {
            "level": "error",
            "message": {"text": f"{problem.location}: {word}: {problem.message}"},
            "descriptor": {"id": "internal-error" if problem.internal else "unreadable-input"},
        }
        artifact = _artifact(problem.source, self.cwd)
        if artifact is not None:
            physical: dict[str, Any] = {"artifactLocation": artifact}
            if problem.line is not None:
                physical["region"] = {"startLine": problem.line}
            notification["locations"] = [{"physicalLocation": physical}]
        self.notifications.append(notification)

    def end(self, summary: Summary) -> None:
        """The invocation (exit code, notifications) and the run's summary."""
        configuration = [{
            "level": "warning",
            "message": {"text": expired_notice(w).get(self.options.lang)},
            "descriptor": {"id": "waiver-expired"},
        } for w in self.run.expired_waivers]
        configuration += [{
            "level": "note",
            "message": {"text": unused_notice(w).get(self.options.lang)},
            "descriptor": {"id": "waiver-unused"},
        } for w in summary.unused_waivers]
        invocation = {"executionSuccessful": summary.unreadable == 0,
                      "exitCode": summary.exit_code,
                      "toolExecutionNotifications": self.notifications,
                      "toolConfigurationNotifications": configuration}
        self.write(("\n" if not self.first else "") + '], "invocations": '
                   + json.dumps([invocation], ensure_ascii=False)
                   + ', "properties": '
                   + json.dumps({"summary": summary.to_dict()}, ensure_ascii=False)
                   + "}]}\n")
