"""What the official pack says about real published reports (as transcribed,
never corrected): tests/fixtures/real/expected.yaml, with the reason for
each finding."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from disclosure_rules import Severity, check, load_rules

HERE = Path(__file__).parent / "fixtures" / "real"
EXAMPLES = Path(__file__).parent.parent / "examples"
EXPECTED: dict[str, Any] = yaml.safe_load((HERE / "expected.yaml").read_text(encoding="utf-8"))
RULES = load_rules()


def test_every_transcribed_report_has_expectations() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in HERE.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_report(name: str) -> None:
    result = check(HERE / f"{name}.json", RULES)
    found: dict[str, set[str]] = defaultdict(set)
    for finding in result.findings:
        found[finding.rule_id].add(finding.pointer)
    expected = EXPECTED[name]["findings"]
    shown = "\n".join(f"  {f.rule_id} {f.pointer}: {f.message.zh}" for f in result.findings)
    assert sorted(found) == sorted(expected), shown
    for rule_id, spec in expected.items():
        if isinstance(spec, dict):
            assert len(found[rule_id]) == spec["count"], rule_id
            assert set(spec.get("include", [])) <= found[rule_id], rule_id
        else:
            assert found[rule_id] == set(spec), (rule_id, shown)
    listed = {(n.rule_id, n.pointer) for n in result.not_evaluated}
    for pair in EXPECTED[name].get("not_evaluated_include", []):
        assert tuple(pair) in listed


def test_the_consistent_reports_have_no_identity_error() -> None:
    for name in ("2024-huaian-city", "2021-pingtan-zone", "2022-pingtan-zone",
                 "2024-huaian-hongze-district"):
        result = check(HERE / f"{name}.json", RULES)
        assert not [f for f in result.findings if f.severity is Severity.ERROR
                    and f.rule_id.startswith(("APP-", "APL-"))], name


def test_the_seed_report() -> None:
    result = check(EXAMPLES / "jiading-hrss-2020.json", RULES)
    assert {(f.rule_id, f.pointer) for f in result.findings} == {
        # printed as a bare 5354451.6: no unit, and large
        ("PRO-AMOUNT-UNIT", "/proactive/art20_9/procurement/amount"),
        # the one blank cell of the seed (三（四）3 · 商业企业)
        ("VAL-BLANK", "/applications/results/unavailable/unclear_after_amendment/"
                      "commercial_enterprise"),
    }
    assert result.ok


def test_the_huaian_example_is_the_fixture() -> None:
    assert (EXAMPLES / "huaian-city-2024.json").read_bytes() == \
        (HERE / "2024-huaian-city.json").read_bytes()
