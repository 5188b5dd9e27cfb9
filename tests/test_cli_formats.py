"""The machine formats of ``check`` on real output: JSON against its shipped
schema, SARIF against the SARIF 2.1.0 structure of what we emit, JUnit
parsed as XML."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import cli_support
import jsonschema
import pytest
from cli_support import ROOT, broken, cli, generated, write

OUTPUT_SCHEMA = json.loads((ROOT / "schemas" / "check-output.schema.json")
                           .read_text(encoding="utf-8"))

# The parts of SARIF 2.1.0 (OASIS standard, sarif-schema-2.1.0.json) that the
# SARIF output emits: required properties, types and enumerations as the
# specification states them for sarifLog, run, tool, toolComponent,
# reportingDescriptor, result, location, physicalLocation, artifactLocation,
# region, logicalLocation, suppression, invocation and notification.
_MESSAGE = {"type": "object", "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}, "id": {"type": "string"}}}
_MULTIFORMAT = {"type": "object", "required": ["text"],
                "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}
_ARTIFACT_LOCATION = {"type": "object", "properties": {
    "uri": {"type": "string", "format": "uri-reference"}, "uriBaseId": {"type": "string"}}}
_PHYSICAL = {"type": "object", "anyOf": [{"required": ["address"]},
                                         {"required": ["artifactLocation"]}],
             "properties": {"artifactLocation": _ARTIFACT_LOCATION, "region": {
                 "type": "object", "properties": {
                     "startLine": {"type": "integer", "minimum": 1},
                     "startColumn": {"type": "integer", "minimum": 1}}}}}
_LOCATION = {"type": "object", "properties": {
    "physicalLocation": _PHYSICAL,
    "logicalLocations": {"type": "array", "minItems": 0, "uniqueItems": True, "items": {
        "type": "object", "properties": {
            "name": {"type": "string"}, "fullyQualifiedName": {"type": "string"},
            "kind": {"type": "string"}}}}}}
_NOTIFICATION = {"type": "object", "required": ["message"], "properties": {
    "message": _MESSAGE, "level": _LEVEL, "locations": {"type": "array", "items": _LOCATION},
    "descriptor": {"type": "object", "properties": {"id": {"type": "string"}}}}}
SARIF_SUBSET: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "version": {"type": "string"},
                        "semanticVersion": {"type": "string"},
                        "informationUri": {"type": "string", "format": "uri"},
                        "language": {"type": "string"},
                        "rules": {"type": "array", "uniqueItems": True, "items": {
                            "type": "object", "required": ["id"], "properties": {
                                "id": {"type": "string"},
                                "name": {"type": "string"},
                                "shortDescription": _MULTIFORMAT,
                                "fullDescription": _MULTIFORMAT,
                                "helpUri": {"type": "string", "format": "uri"},
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": _LEVEL}},
                                "properties": {"type": "object"}}}}}}}},
                "originalUriBaseIds": {"type": "object",
                                       "additionalProperties": _ARTIFACT_LOCATION},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object",
                    "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"},
                        "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": _LEVEL,
                        "message": _MESSAGE,
                        "locations": {"type": "array", "items": _LOCATION},
                        "partialFingerprints": {"type": "object",
                                                "additionalProperties": {"type": "string"}},
                        "suppressions": {"type": "array", "uniqueItems": True, "items": {
                            "type": "object", "required": ["kind"], "properties": {
                                "kind": {"enum": ["inSource", "external"]},
                                "status": {"enum": ["accepted", "underReview", "rejected"]},
                                "justification": {"type": "string"}}}},
                        "properties": {"type": "object"}}}},
                "invocations": {"type": "array", "items": {
                    "type": "object",
                    "required": ["executionSuccessful"],
                    "properties": {
                        "executionSuccessful": {"type": "boolean"},
                        "exitCode": {"type": "integer"},
                        "toolExecutionNotifications": {"type": "array",
                                                       "items": _NOTIFICATION},
                        "toolConfigurationNotifications": {"type": "array",
                                                           "items": _NOTIFICATION}}}},
                "properties": {"type": "object"}}}}},
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-06-01")


def _validate(instance: Any, schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


@pytest.fixture
def mixed_batch(tmp_path: Path) -> Path:
    """A directory with a clean, a dirty, a warning-only, a corrupt report,
    two years of one organ, and a configuration with a valid and an expired
    waiver."""
    return cli_support.mixed_batch(tmp_path)


# ------------------------------------------------------------------- JSON


def test_json_output_validates_against_the_shipped_schema(mixed_batch: Path) -> None:
    jsonschema.Draft202012Validator.check_schema(OUTPUT_SCHEMA)
    outcome = cli("check", "--format", "json", mixed_batch)
    assert outcome.code == 2
    data = outcome.json()
    _validate(data, OUTPUT_SCHEMA)
    by_name = {Path(r["file"]).name: r for r in data["reports"]}
    assert set(by_name) == {"clean.json", "dirty.json", "jiading.json", "pingtan.json",
                            "2023.json", "2024.json"}
    assert [Path(e["file"]).name for e in data["errors"]] == ["corrupt.json"]
    dirty = by_name["dirty.json"]
    assert dirty["fail"] and not dirty["ok"]
    finding = dirty["findings"][0]
    assert {"rule_id", "severity", "pointer", "label", "message", "cells", "cite"} <= set(finding)
    assert finding["location"]["line"] == 1 and finding["location"]["column"] > 1  # one-line JSON
    assert dirty["diagnoses"]
    # The valid waiver takes the blank cell out of the findings …
    jiading = by_name["jiading.json"]
    assert [w["rule_id"] for w in jiading["waived"]] == ["VAL-BLANK"]
    assert "VAL-BLANK" not in {f["rule_id"] for f in jiading["findings"]}
    # … the expired one is a notice, and its finding says so.
    assert [n["kind"] for n in data["notices"]] == ["waiver-expired"]
    pingtan = by_name["pingtan.json"]
    sec_empty = next(f for f in pingtan["findings"] if f["rule_id"] == "SEC-EMPTY")
    assert sec_empty["expired_waiver"]["expires"] == "2024-12-31"
    assert by_name["2024.json"]["previous"]["paired"] == "auto"
    summary = data["summary"]
    assert summary["reports"] == 6 and summary["unreadable"] == 1 and summary["waived"] == 1
    assert summary["exit_code"] == 2


def test_json_of_a_single_clean_report_and_of_nothing_readable(tmp_path: Path) -> None:
    clean = cli("check", "--format", "json", write(tmp_path / "c.json", generated(5)))
    assert clean.code == 0
    _validate(clean.json(), OUTPUT_SCHEMA)
    nothing = cli("check", "--format", "json", tmp_path / "missing.json")
    assert nothing.code == 2
    data = nothing.json()
    _validate(data, OUTPUT_SCHEMA)
    assert data["reports"] == [] and data["errors"][0]["message"].startswith("文件不存在")


# ------------------------------------------------------------------ SARIF


def test_sarif_output_has_the_sarif_2_1_0_structure(mixed_batch: Path) -> None:
    outcome = cli("check", "--format", "sarif", mixed_batch)
    assert outcome.code == 2
    log = outcome.json()
    _validate(log, SARIF_SUBSET)
    assert log["version"] == "2.1.0" and "sarif-schema-2.1.0" in log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "disclosure-rules" and driver["informationUri"].startswith("https")
    rules = {r["id"]: r for r in driver["rules"]}
    assert rules["APP-BALANCE"]["shortDescription"]["text"]  # the zh title
    assert rules["APP-BALANCE"]["properties"]["severity"] == "error"
    assert rules["APP-BALANCE"]["properties"]["cite"]
    results = run["results"]
    levels = {r["level"] for r in results}
    assert levels <= {"error", "warning", "note"} and "error" in levels
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        (location,) = result["locations"]
        pointer = location["logicalLocations"][0]["fullyQualifiedName"]
        assert location["logicalLocations"][0]["kind"] == "member"
        assert location["physicalLocation"]["artifactLocation"]["uri"].startswith("batch/")
        expected = hashlib.sha256(f"{result['ruleId']}|{pointer}".encode()).hexdigest()
        assert result["partialFingerprints"] == {"disclosureRules/v1": expected}
    waived = [r for r in results if r.get("suppressions")]
    assert [r["ruleId"] for r in waived] == ["VAL-BLANK"]
    assert waived[0]["suppressions"][0]["justification"] == "原件如此"
    (invocation,) = run["invocations"]
    assert invocation["exitCode"] == 2 and invocation["executionSuccessful"] is False
    assert "corrupt.json" in invocation["toolExecutionNotifications"][0]["message"]["text"]
    assert invocation["toolConfigurationNotifications"][0]["descriptor"]["id"] == \
        "waiver-expired"


def test_sarif_fingerprints_are_stable_across_edits(tmp_path: Path) -> None:
    report = broken(6)
    path = write(tmp_path / "r.json", report)
    first = cli("check", "--format", "sarif", path).json()["runs"][0]["results"]
    report["overview"]["text"] += "另起一段说明。"  # moves every line after it
    report["appeals"]["review"]["upheld"] += 1
    report["appeals"]["review"]["total"] += 1
    write(path, report)
    second = cli("check", "--format", "sarif", path).json()["runs"][0]["results"]

    def prints(results: list[dict[str, Any]]) -> dict[str, str]:
        return {r["ruleId"]: r["partialFingerprints"]["disclosureRules/v1"] for r in results}

    assert prints(first) == prints(second)


def test_sarif_reads_the_working_directory_once_not_per_finding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clean = write(tmp_path / "clean.json", generated(8))
    dirty = broken(9)
    dirty["appeals"]["review"]["upheld"] += 1  # more findings
    dirty = write(tmp_path / "dirty.json", dirty)
    calls: list[None] = []
    original = Path.cwd

    def cwd(cls: type[Path]) -> Path:
        calls.append(None)
        return original()

    monkeypatch.setattr(Path, "cwd", classmethod(cwd))
    counts = []
    for path in (clean, dirty):
        calls.clear()
        log = cli("check", "--format", "sarif", path).json()
        counts.append((len(log["runs"][0]["results"]), len(calls)))
    assert counts[0][0] == 0 and counts[1][0] >= 3
    assert counts[0][1] == counts[1][1]  # as many reads with no finding as with several


def test_sarif_messages_follow_lang(tmp_path: Path) -> None:
    path = write(tmp_path / "r.json", broken(7))
    zh = cli("check", "--format", "sarif", path).json()["runs"][0]["results"][0]
    en = cli("check", "--format", "sarif", "--lang", "en", path).json()["runs"][0]["results"][0]
    assert "差" in zh["message"]["text"] and "difference" in en["message"]["text"]


def test_sarif_names_the_previous_report_a_continuity_finding_compares_with(
        tmp_path: Path) -> None:
    organ = {"name": "测试县审计局", "kind": "department", "level": "provincial"}
    last = generated(20, "2021", year=2023, organ=organ)
    last["applications"]["carried_forward"]["total"] += 1
    last_path = write(tmp_path / "2023.json", last)
    this_path = write(tmp_path / "2024.json", generated(21, "2021", year=2024, organ=organ))
    for argv, how in ((["--no-pairing", "--previous", str(last_path), str(this_path)], "given"),
                      ([str(tmp_path)], "auto")):
        results = cli("check", "--format", "sarif", *argv).json()["runs"][0]["results"]
        carried = [r for r in results if r["ruleId"] == "YOY-CARRY"]
        assert carried and all(r["properties"]["report"]["previous"] == {
            "file": str(last_path), "paired": how, "candidates": [str(last_path)],
            "problem": None} for r in carried)
    alone = cli("check", "--format", "sarif", "--no-pairing", this_path).json()
    assert all(r["properties"]["report"]["previous"] is None
               for r in alone["runs"][0]["results"])


# ------------------------------------------------------------------ JUnit


def test_junit_output_is_xml_with_a_suite_per_report(mixed_batch: Path) -> None:
    outcome = cli("check", "--format", "junit", mixed_batch)
    assert outcome.code == 2
    root = ET.fromstring(outcome.out)
    assert root.tag == "testsuites"
    suites = {Path(s.get("name", "")).name: s for s in root.findall("testsuite")}
    # a suite per report, and the run's notices (the expired waiver) last
    assert set(suites) == {"clean.json", "dirty.json", "jiading.json", "pingtan.json",
                           "2023.json", "2024.json", "corrupt.json", "disclosure-rules"}
    assert root.findall("testsuite")[-1] is suites["disclosure-rules"]
    assert "到期" in suites["disclosure-rules"].findtext("system-err", "")
    for suite in suites.values():
        cases = suite.findall("testcase")
        assert int(suite.get("tests", -1)) == len(cases)
        assert int(suite.get("failures", -1)) == len(
            [c for c in cases if c.find("failure") is not None])
        assert int(suite.get("skipped", -1)) == len(
            [c for c in cases if c.find("skipped") is not None])
    dirty = {c.get("name"): c for c in suites["dirty.json"].findall("testcase")}
    failure = dirty["APP-ROW-TOTAL"].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert "APP-ROW-TOTAL" in (failure.text or "") and "差 -2" in (failure.text or "")
    assert dirty["APL-TOTAL"].find("failure") is None  # evaluated, passed
    assert dirty["YOY-CARRY"].find("skipped") is not None  # not evaluated
    # Warnings do not fail a test case unless --fail-on says so.
    jiading = {c.get("name"): c for c in suites["jiading.json"].findall("testcase")}
    assert jiading["PRO-AMOUNT-UNIT"].find("failure") is None
    assert "PRO-AMOUNT-UNIT" in (jiading["PRO-AMOUNT-UNIT"].findtext("system-out") or "")
    assert "原件如此" in (jiading["VAL-BLANK"].findtext("system-out") or "")  # waived
    corrupt = suites["corrupt.json"]
    assert corrupt.get("errors") == "1"
    assert corrupt.find("testcase/error") is not None
    strict = ET.fromstring(cli("check", "--format", "junit", "--fail-on", "warning",
                               mixed_batch / "jiading.json").out)
    case = next(c for c in strict.iter("testcase") if c.get("name") == "PRO-AMOUNT-UNIT")
    assert case.find("failure") is not None
