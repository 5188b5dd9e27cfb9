"""The engine's fast paths never change an answer, and arithmetic is exact.

The fast paths (the cell sweep that tests whole vectors of cells at once,
fused cell loops, row tests, sums read straight from the report) are
switched off with ``compiler.FAST_PATHS``; the official pack compiled both
ways must give the same result on any report, valid or damaged.
"""

from __future__ import annotations

import contextlib
import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st
from reportgen import count_cells
from strategies import reports

from disclosure_rules import RuleSet, check, functions, load_report, load_rules
from disclosure_rules import compiler as compiler_module
from disclosure_rules.functions import NUMBER_SLOT, Pattern, compact
from disclosure_rules.rulesets import official_rules_path, rules_from_text

BASE = Path(__file__).parent / "fixtures" / "rules" / "_base" / "report-2021.json"


def _compiled(fast: bool) -> RuleSet:
    rules = load_rules(official_rules_path())
    saved = compiler_module.FAST_PATHS
    compiler_module.FAST_PATHS = fast
    try:
        return rules.compile_all()
    finally:
        compiler_module.FAST_PATHS = saved


FAST, PLAIN = _compiled(True), _compiled(False)

#: values a damaged report puts in a count cell
ODD_VALUES = st.one_of(
    st.none(),
    st.integers(-10**15, 10**15),
    st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False),
    st.just(Decimal("12345678901234567890.123456789")),
    st.sampled_from(["5", "", True, False, [], {}, [1]]),
)


def _set(report: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = report
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def _delete(report: dict[str, Any], path: tuple[str, ...]) -> None:
    node = report
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]


def _answer(report: dict[str, Any], rules: RuleSet) -> dict[str, Any]:
    return check(report, rules=rules).to_dict()


def _same(fast: dict[str, Any], plain: dict[str, Any]) -> None:
    """Equal, or an assertion that shows only what differs."""
    for key in sorted(set(fast) | set(plain)):
        one, other = fast.get(key), plain.get(key)
        if one == other:
            continue
        if isinstance(one, list) and isinstance(other, list):
            only_fast = [json.dumps(x, ensure_ascii=False, default=str) for x in one
                         if x not in other]
            only_plain = [json.dumps(x, ensure_ascii=False, default=str) for x in other
                          if x not in one]
            raise AssertionError(f"{key}: fast only {only_fast}; plain only {only_plain}")
        raise AssertionError(f"{key}: fast {one!r}; plain {other!r}")


@st.composite
def damaged_reports(draw: Any) -> dict[str, Any]:
    report = draw(reports())
    changed = copy.deepcopy(report)
    cells = count_cells(report)
    for _ in range(draw(st.integers(0, 6))):
        path = draw(st.sampled_from(cells))
        action = draw(st.sampled_from(("value", "value", "value", "delete", "row")))
        if action == "value":
            _set(changed, path, draw(ODD_VALUES))
        elif action == "delete":
            with contextlib.suppress(KeyError, TypeError):
                _delete(changed, path)
        else:  # an extension column or subtotal row next to the cell
            with contextlib.suppress(KeyError, TypeError):
                _set(changed, (*path[:-1], "x_legal_entities"), draw(ODD_VALUES))
    if draw(st.booleans()):
        group = draw(st.sampled_from(("withheld", "unavailable", "not_processed", "other")))
        columns = ("natural_person", "commercial_enterprise", "research_institution",
                   "public_interest_org", "legal_service_org", "other_org", "total")
        subtotal = {c: draw(st.integers(0, 5)) for c in columns}
        node = changed["applications"]["results"].get(group)
        if isinstance(node, dict):
            node["x_subtotal"] = subtotal
    return changed


@given(damaged_reports())
def test_fast_paths_give_the_plain_answer(report: dict[str, Any]) -> None:
    _same(_answer(report, FAST), _answer(report, PLAIN))


@given(reports())
def test_fast_paths_give_the_plain_answer_on_valid_reports(report: dict[str, Any]) -> None:
    # (that a valid report gets no finding is test_pack_properties' to prove)
    _same(_answer(report, FAST), _answer(report, PLAIN))


# ------------------------------------------------------------------ patterns

PIECES = st.sampled_from(["收到", "申请", "件", "复议", "未", "共", "[0-9]+", NUMBER_SLOT, "?",
                          "|", "(?:", ")", "[^。]{0,4}", "\\d", ".", "*", "+", "{2}", "{0,1}",
                          "(?:收到|未收到)", "(?:申请)?", "(?:件)+", "[件复]", "(申请|件)",
                          "(?i)", "[[:digit:]]", "\\pN", "^", "$"])
TEXT = st.text(alphabet=st.sampled_from(list("共收到申请件复议未。 12３五")), max_size=30)


@settings(max_examples=500)
@given(st.lists(PIECES, min_size=1, max_size=8).map("".join), TEXT)
def test_the_literal_prefilter_never_hides_a_match(pattern: str, text: str) -> None:
    try:
        compiled = Pattern(pattern)
    except Exception:
        return  # not a valid pattern: the checker refuses it at load
    source = pattern.replace(NUMBER_SLOT, functions._NUMBER_RE)
    expected = re2.search(source, compact(text)) is not None
    assert compiled.search(text) == expected
    assert compiled.search(text) == expected  # and again, from the memo
    if NUMBER_SLOT in pattern:
        assert bool(compiled.numbers(text)) <= expected


# ------------------------------------------------------------------ exactness

@pytest.fixture(scope="module")
def money_report() -> Any:
    text = BASE.read_text(encoding="utf-8")
    assert "7329.5678" in text
    return load_report(text.replace("7329.5678", "12345678901234567890.123456789"))


AMOUNT = "表二.第二十条第八项.行政事业性收费.收费金额"


@pytest.mark.parametrize("assertion", [
    # folded when the rules load
    "12345678901234567890.123456789 + 1 == 12345678901234567891.123456789",
    # one cell and a constant
    f"{AMOUNT} + 1 == 12345678901234567891.123456789",
    # a chain long enough to be read by the fused sum
    f"{AMOUNT} + {AMOUNT} + {AMOUNT} - {AMOUNT} - {AMOUNT} == 12345678901234567890.123456789",
    f"{AMOUNT} + 1 + 1 + 1 - 3 != 12345678901234567890.12345679",
    f"{AMOUNT} * 3 == 37037036703703703670.370370367",
])
def test_money_is_exact_beyond_28_digits(money_report: Any, assertion: str) -> None:
    rules = rules_from_text(
        f'rule T {{ title "t" severity error formats 2021 assert {assertion} at year }}')
    result = check(money_report, rules=rules)
    assert result.findings == () or not result.findings, [f.message.zh for f in result.findings]
    assert "T" in json.loads(json.dumps(result.to_dict()["passed"]))


@given(damaged_reports(), st.sampled_from(["2019-12-31", "2023-06-30", "2020-02-30", "x"]))
def test_result_json_needs_no_special_encoder(report: dict[str, Any], published: str) -> None:
    """``Result.to_dict()`` is plain JSON (dates, decimals and all): a tool
    can pass it to ``json.dumps`` as it is, and read back what it wrote."""
    report["published_on"] = published
    data = check(report, rules=FAST).to_dict()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_a_rule_that_reads_alike_in_both_formats_is_compiled_once() -> None:
    """The closures of a rule whose checked form is the same in the two
    formats are shared (one copy in the processor's cache for a batch of
    both); a rule that differs between them keeps one compiled form each."""
    by_format = {fmt: {rule.rule_id: rule for rule in FAST.for_format(fmt).rules}
                 for fmt in ("2019", "2021")}
    old, new = by_format["2019"], by_format["2021"]
    for rule_id in ("SEC-TITLE", "TXT-RECEIVED", "APL-TOTAL", "APP-BALANCE"):
        assert all(a is b for a, b in zip(old[rule_id].body, new[rule_id].body, strict=True))
    for rule_id in ("APP-ROW-TOTAL", "APP-RESULTS-SUM"):  # table 三 has other rows in 2021
        assert not any(a is b for a, b in zip(old[rule_id].body, new[rule_id].body, strict=False))
