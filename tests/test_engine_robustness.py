"""Whatever a report holds and whatever a rule file says, checking ends in
findings, not-evaluated records or a RuleCompileError — never a Python
exception — and loading a rule file from a stranger takes bounded time."""

from __future__ import annotations

import copy
import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from disclosure_rules import DocumentError, RuleCompileError, check, load_report, load_rules
from disclosure_rules.rulesets import rules_from_text

BASE = Path(__file__).parent / "fixtures" / "rules" / "_base"
REPORT_2021: dict[str, Any] = load_report(BASE / "report-2021.json").data


def _with(changes: dict[tuple[str, ...], Any]) -> dict[str, Any]:
    report = copy.deepcopy(REPORT_2021)
    for path, value in changes.items():
        node = report
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return report


def _rule(body: str) -> Any:
    return rules_from_text(f'rule T {{ title "t" severity error formats 2021\n{body}\n}}')


def _outcome(result: Any) -> tuple[list[str], list[str]]:
    return ([f.message.en for f in result.findings if f.rule_id == "T"],
            [n.reason.en for n in result.not_evaluated if n.rule_id == "T"])


# ---------------------------------------------------------- the official pack


def test_an_amount_in_yuan_is_a_finding_not_a_crash() -> None:
    # PRO-AMOUNT-UNIT compares texts with ==: not a numeric identity whose
    # difference the engine computes.
    result = check(_with({("proactive", "art20_8", "fees", "x_unit"): "元"}))
    assert [f.rule_id for f in result.findings if f.rule_id == "PRO-AMOUNT-UNIT"]


def test_a_blank_year_is_a_schema_finding_not_a_crash() -> None:
    result = check(_with({("year",): None}))
    assert "/year" in {f.pointer for f in result.findings if f.rule_id == "SCHEMA"}


@pytest.mark.parametrize("section", [None, "总体情况……", [], 5])
def test_a_section_that_is_not_an_object_is_one_finding_not_a_cascade(section: Any) -> None:
    # A form sends ``"overview": null`` for a section not filled in yet: the
    # schema says the section is not an object; SEC-EMPTY pointing at
    # /overview/text (inside a null, a place no form field has) only
    # repeated it.
    result = check(_with({("overview",): section}))
    assert [(f.rule_id, f.pointer) for f in result.findings
            if f.pointer.startswith("/overview")] == [("SCHEMA", "/overview")]
    assert ("SEC-EMPTY", "/overview/text") in {
        (n.rule_id, n.pointer) for n in result.not_evaluated}


# ---------------------------------------------------------- values no check foresaw


@pytest.mark.parametrize(("body", "value"), [
    ("assert overview.x_extra + 1 > 0 at overview", "abc"),
    ("assert whole(overview.x_extra) at overview", "abc"),
    ("assert sum([overview.x_extra, 1]) > 0 at overview", {"a": 1}),
    ("assert overview.x_extra in overview.text at overview", 5),
    ("assert abs(applications.new_received.natural_person) >= 0 at overview", None),
    ("assert format_for_year(overview.x_extra) != \"x\" at overview", None),
])
def test_a_value_of_another_kind_makes_the_rule_not_evaluated(body: str, value: Any) -> None:
    changes: dict[tuple[str, ...], Any] = {("overview", "x_extra"): value}
    if "natural_person" in body:
        changes = {("applications", "new_received", "natural_person"): None}
    findings, not_evaluated = _outcome(check(_with(changes), rules=_rule(body)))
    assert not findings and not_evaluated


def test_a_blank_tolerance_makes_the_instance_not_evaluated() -> None:
    rules = _rule("assert applications.new_received.natural_person == 1 "
                  "within applications.carried_over.natural_person at overview")
    report = _with({("applications", "carried_over", "natural_person"): None,
                    ("applications", "new_received", "natural_person"): 64})
    findings, not_evaluated = _outcome(check(report, rules=rules))
    assert not findings and not_evaluated


@pytest.mark.parametrize("number", ["9e999999999999999999", "1.5e20000", "1e-5000"])
def test_a_number_beyond_any_range_is_refused_when_loading(number: str) -> None:
    text = json.dumps(REPORT_2021, default=str).replace('"title"', f'"x_n": {number}, "title"', 1)
    with pytest.raises(DocumentError, match="out of range"):
        load_report(text)


def test_whole_of_a_huge_number_is_fast() -> None:
    report = _with({("proactive", "art20_8", "fees", "amount"): Decimal("1.5E+1000")})
    started = time.process_time()
    check(report, rules=_rule("assert whole(proactive.art20_8.fees.amount) at overview"))
    assert time.process_time() - started < 5  # int() of it would take long


# ---------------------------------------------------------- rule files


@pytest.mark.parametrize("text", [
    # a doubling chain of lets: the IR is shared, compiling it is not
    "rule T { title \"t\" severity error formats 2021\n"
    "  let v0 = applications.new_received.natural_person\n"
    + "".join(f"  let v{i} = v{i - 1} + v{i - 1}\n" for i in range(1, 25))
    + "  assert v24 >= 0 at overview\n}",
    # a long chain of lets
    "rule T { title \"t\" severity error formats 2021\n  let v0 = 1\n"
    + "".join(f"  let v{i} = v{i - 1} + year\n" for i in range(1, 400))
    + "  assert v399 >= 0 at overview\n}",
    # a long chain of constants
    "let c0 = 1\n" + "".join(f"let c{i} = c{i - 1} + 1\n" for i in range(1, 400))
    + "rule T { title \"t\" severity error assert c399 > 0 at year }",
    # generators nested over every cell
    "rule T { title \"t\" severity error formats 2021\n  assert sum(sum(sum(x0 + 0 for x0 in "
    "cells(表三)) + x1 for x1 in cells(表三)) + x2 for x2 in cells(表三)) >= 0 at overview\n}",
])
def test_a_rule_file_that_would_not_load_in_reasonable_time_is_refused(text: str) -> None:
    started = time.process_time()
    with pytest.raises(RuleCompileError) as caught:
        rules_from_text(text).compile_all()
    assert "[limit]" in str(caught.value)
    assert time.process_time() - started < 30


def test_the_official_pack_is_far_inside_the_limits() -> None:
    assert len(load_rules().compile_all().rules) >= 28


def test_the_formatter_writes_control_characters_so_that_they_parse_again() -> None:
    from disclosure_rules.parser import parse_rules
    from disclosure_rules.unparse import format_file

    text = 'rule T {\n  title "a\\u000db\\u0007c"\n  severity error\n  assert 1 == 1\n}\n'
    formatted = format_file(parse_rules(text, "x.rules"))
    assert parse_rules(formatted, "y.rules").rules[0].title == parse_rules(text, "x").rules[0].title


def test_the_caret_stands_under_the_column_after_tabs() -> None:
    from disclosure_rules.parser import caret_context

    shown, caret = caret_context("\t\tassert = 1", 1, 10).split("\n")
    assert shown[caret.index("^")] == "="


def test_a_very_long_line_is_shown_around_the_column() -> None:
    from disclosure_rules.parser import caret_context

    line = "a " * 50_000 + "= " + "b " * 50_000
    shown, caret = caret_context(line, 1, 100_001).split("\n")
    assert len(shown) < 200 and shown.strip().startswith("...") and shown.endswith("...")
    assert shown[caret.index("^")] == "="
    short, mark = caret_context("x = 1", 1, 3).split("\n")
    assert "..." not in short and short[mark.index("^")] == "="


def test_a_loop_that_must_be_unrolled_after_a_nested_loop_compiled_checks_every_cell() -> None:
    # the outer loop is first compiled once for all rows; cells(r) of a row
    # variable makes it unroll, and what the first attempt took (its slots,
    # the nested loop's) is given back before the unrolled rules are built
    rules = _rule("""
  for r in rows(表三) {
    for x in cells(表二.第二十条第一项.规章) { assert x >= 0 at x }
    for c in cells(r) { assert blank(c) or c >= 0 at c }
  }""")
    report = _with({("applications", "results", "total", "natural_person"): -3,
                    ("proactive", "art20_1", "rules", "issued"): -1})
    pointers = sorted(f.pointer for f in check(report, rules).findings if f.rule_id == "T")
    rows = sum(1 for f in check(report, rules).findings if f.rule_id == "T"
               and f.pointer == "/proactive/art20_1/rules/issued")
    assert "/applications/results/total/natural_person" in pointers
    assert rows == 1  # the same instance once, however many rows repeat it
    assert not [f for f in check(REPORT_2021, rules).findings if f.rule_id == "T"]


def test_a_long_text_is_cut_in_messages_saying_how_long_it_is() -> None:
    from disclosure_rules.explain import MAX_SHOWN, format_value

    title = "四、" + "很长" * 50_000
    report = _with({("appeals", "title"): title})
    (finding,) = [f for f in check(report).findings if f.rule_id == "SEC-TITLE"]
    assert len(finding.message.zh) < 2 * MAX_SHOWN
    assert "（共 100002 字）" in finding.message.zh and "(100002 characters)" in finding.message.en
    assert format_value("短", "zh") == "短"
    assert format_value("x" * MAX_SHOWN, "en") == "x" * MAX_SHOWN


def test_a_pattern_found_more_often_than_any_rule_means_is_not_judged() -> None:
    from disclosure_rules.functions import MAX_MATCHES

    rules = _rule("""
  for n in numbers(总体情况.text, "收到申请{数}件") {
    assert n >= 0 at 表三.本年新收.总计
  }""")
    many = _with({("overview", "text"): "收到申请5件。" * (MAX_MATCHES + 1)})
    findings, reasons = _outcome(check(many, rules))
    assert findings == [] and len(reasons) == 1 and str(MAX_MATCHES) in reasons[0]
    enough = _with({("overview", "text"): "收到申请5件。" * MAX_MATCHES})
    assert _outcome(check(enough, rules)) == ([], [])


@pytest.mark.parametrize("call", [
    lambda: check({}, rules=123),  # type: ignore[arg-type]
    lambda: load_rules(""),
    lambda: check(123),  # type: ignore[arg-type]
])
def test_a_wrong_argument_to_the_api_is_a_library_error(call: Any) -> None:
    with pytest.raises(DocumentError):
        call()


def test_render_refuses_what_is_not_a_report() -> None:
    from disclosure_rules import render

    with pytest.raises(DocumentError, match="int"):
        render(5, "md")  # type: ignore[arg-type]


def test_a_number_in_prose_too_long_to_read_is_said_in_words() -> None:
    from disclosure_rules.functions import EvalProblem, parse_number

    for text in ("1" * 300_000, "九" * 200_000):
        with pytest.raises(EvalProblem, match="not a readable number") as caught:
            parse_number(text)
        assert "不是可读的数字" in caught.value.zh
    assert parse_number("1" * 1000) == int("1" * 1000)
    report = _with({("overview", "text"): "本机关共收到申请" + "九" * 5000 + "件。"})
    reasons = [n.reason.zh for n in check(report).not_evaluated if n.rule_id == "TXT-RECEIVED"]
    assert reasons and "5000 位，不是可读的数字" in reasons[0] and "sys." not in reasons[0]


@pytest.mark.parametrize(("text", "shown", "shown_en"),
                         [(None, "空白", "blank"), (5, "5", "5"), (["a"], "", "")])
def test_a_text_cell_that_is_not_text_is_not_called_not_a_number(text: Any, shown: str,
                                                                 shown_en: str) -> None:
    """YOY-COPY compares last year's overview text: when that is blank or a
    number, the rule is not evaluated because it is not text — "not a
    number (5)" would say the opposite of what is wrong."""
    previous = load_report(BASE / "previous-2021.json").data
    previous["overview"]["text"] = text
    result = check(REPORT_2021, previous=previous)
    (reason,) = [n.reason for n in result.not_evaluated if n.rule_id == "YOY-COPY"]
    assert "不是文本" in reason.zh and shown in reason.zh and "数字" not in reason.zh
    assert "is not text" in reason.en and "number" not in reason.en
    assert shown_en in reason.en and "空白" not in reason.en  # each language its own word


def test_a_blank_sum_of_blank_cells_implies_no_value() -> None:
    # a row left entirely blank: its 总计 "should be 0" would rest on blanks
    # alone; said as such, and no value is implied for it
    row = ("applications", "results", "withheld", "state_secret")
    columns = ("natural_person", "commercial_enterprise", "research_institution",
               "public_interest_org", "legal_service_org", "other_org", "total")
    result = check(_with({(*row, c): None for c in columns}))
    pointer = "/" + "/".join((*row, "total"))
    (reason,) = [n.reason for n in result.not_evaluated
                 if n.rule_id == "APP-ROW-TOTAL" and n.pointer == pointer]
    assert "其余各项也都为空白" in reason.zh and "应为" not in reason.zh
    assert "every other cell" in reason.en
    # a blank total beside numbers still gets the value the row implies
    one = check(_with({**{(*row, c): 0 for c in columns}, (*row, "total"): None,
                       (*row, "natural_person"): 2}))
    (reason,) = [n.reason for n in one.not_evaluated
                 if n.rule_id == "APP-ROW-TOTAL" and n.pointer == pointer]
    assert "应为 2" in reason.zh


def test_a_long_quotient_is_shown_rounded_whatever_its_size_and_the_context() -> None:
    # shown to 10 places marked ≈, exactly in its integer part: a 50-digit
    # amount with 20 decimals raised InvalidOperation in the default context
    from decimal import Decimal

    from disclosure_rules.explain import format_value

    assert format_value(Decimal(1) / Decimal(3), "zh") == "≈0.3333333333"
    big = Decimal("1" * 50 + "." + "1" * 20)
    assert format_value(big, "en") == "≈" + "1" * 50 + "." + "1" * 10
    assert format_value(Decimal("2.5"), "zh") == "2.5"  # a cell's decimals, exactly


def test_label_gives_a_pointers_official_label_as_findings_show_it() -> None:
    """``label`` is the label a finding at that pointer carries, in either
    format; a pointer or format that is not one is a DocumentError."""
    from disclosure_rules import label

    report = json.loads(Path(__file__).parent.joinpath(
        "fixtures", "rules", "_base", "report-2021.json").read_text("utf-8"))
    report["applications"]["results"]["withheld"]["state_secret"]["natural_person"] = None
    (blank,) = [f for f in check(report).findings if f.rule_id == "VAL-BLANK"]
    assert label(blank.pointer) == blank.label
    assert label(blank.pointer, "2021") == \
        "三、本年度办理结果 · （三）不予公开 · 1.属于国家秘密 · 自然人"
    assert label("/proactive/art20_9/procurement/amount", "2019") == \
        "第二十条第（九）项 · 政府集中采购 · 采购总金额"
    assert label("/applications/x_note").endswith(" · x_note")  # an extension stays as written
    for pointer, fmt in (("applications", "2021"), ("/year", "2020")):
        with pytest.raises(DocumentError):
            label(pointer, fmt)
