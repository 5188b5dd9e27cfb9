"""``disclosure-rules rules list|test|fmt|check`` on real output."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_support import ROOT, cli

PACK = ROOT / "docs" / "tutorial" / "my-pack"
FIXTURES = ROOT / "docs" / "tutorial" / "fixtures"


def test_list_as_json_names_every_rule_of_the_official_pack() -> None:
    outcome = cli("rules", "list", "--format", "json")
    assert outcome.code == 0
    ids = {rule["rule_id"] for rule in json.loads(outcome.out)["rules"]}
    assert {"APP-BALANCE", "VAL-BLANK", "TXT-RECEIVED"} <= ids


def test_test_selects_rules_by_id_or_prefix() -> None:
    for pattern in ("CITY-", "CITY*", "CITY-FEE-NOTE"):
        outcome = cli("rules", "test", PACK, "--fixtures", FIXTURES, "--rule", pattern)
        assert outcome.code == 0, pattern
        assert "ok    CITY-FEE-NOTE" in outcome.out, pattern
        cases = re.search(r"(\d+) cases, 0 failed", outcome.out)
        assert cases is not None and int(cases.group(1)) >= 2, pattern


def test_test_with_a_rule_the_pack_has_not_is_exit_2() -> None:
    outcome = cli("rules", "test", PACK, "--fixtures", FIXTURES, "--rule", "NOPE")
    assert outcome.code == 2
    assert "NOPE" in outcome.err


def test_fmt_check_and_write(tmp_path: Path) -> None:
    messy = tmp_path / "messy.rules"
    messy.write_text('rule X {   title "t"\n severity error assert year>0 at year }\n', "utf-8")
    assert cli("rules", "fmt", "--check", messy).code == 1
    assert cli("rules", "fmt", "--write", messy).code == 0
    assert cli("rules", "fmt", "--check", messy).code == 0
    assert cli("rules", "fmt", messy).out == messy.read_text(encoding="utf-8")


def test_fmt_of_a_file_that_is_not_utf8_is_exit_2_with_its_name(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_bytes('rule X { title "年" severity error assert year > 0 }'.encode("gb18030"))
    outcome = cli("rules", "fmt", bad)
    assert outcome.code == 2
    assert f"{bad}:1" in outcome.err and "UTF-8" in outcome.err


def test_check_reports_a_problem_with_its_place(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text('rule X { title "t" severity error assert 表三.本年新收.自然人x >= 0 }', "utf-8")
    outcome = cli("rules", "check", bad)
    assert outcome.code == 2
    # at the key that is wrong (自然人x, column 50), not the path's start
    # (42); the same typo in both formats is one problem
    assert f"{bad}:1:50: [unknown-path]" in outcome.err
    assert outcome.err.count("[unknown-path]") == 1
    assert cli("rules", "check", PACK).code == 0
    # a key of the other format only: the format is named
    other = tmp_path / "other.rules"
    other.write_text('rule X { title "t" severity error formats 2019 '
                     'assert 表二.第二十条第一项.规章.制发 >= 0 }', "utf-8")
    assert "（2019 年格式）" in cli("rules", "check", other).err


def test_fmt_keeps_a_trailing_comment_on_the_line_it_was_written_on(tmp_path: Path) -> None:
    # A comment after a constant or statement explains that line: moved to
    # the line before the next item, it seemed to explain that one instead.
    path = tmp_path / "trailing.rules"
    path.write_text('let 上限 = 100  # 本市规定\n'
                    'rule X {  # 某市补充\n'
                    '  title "t"\n'
                    '  severity error\n'
                    '  assert year > 0 at year  # 年度须为正\n'
                    '  assert year < 3000 at year\n'
                    '}\n', "utf-8")
    formatted = cli("rules", "fmt", path).out
    assert formatted.splitlines() == [
        "let 上限 = 100  # 本市规定",
        "",
        "rule X {  # 某市补充",
        '  title "t"',
        "  severity error",
        "  assert year > 0  # 年度须为正",
        "    at year",
        "  assert year < 3000",
        "    at year",
        "}",
    ]
    path.write_text(formatted, "utf-8")
    assert cli("rules", "fmt", "--check", path).code == 0


def test_check_says_the_rules_load_in_chinese_first() -> None:
    # every message of the tool is Chinese first, English after; this one
    # was English only, for the auditor who just wrote their first rule
    outcome = cli("rules", "check", PACK)
    assert outcome.code == 0
    assert outcome.out.startswith("2 条规则加载无误 (2 rule(s) load without problems)")
    assert "city" in outcome.out


def test_a_case_with_an_unexpected_finding_shows_what_the_finding_says(tmp_path: Path) -> None:
    # without the message, finding out why meant running check on the case
    case = tmp_path / "fixtures" / "CITY-FEE-NOTE" / "pass" / "silent.yaml"
    case.parent.mkdir(parents=True)
    base = (ROOT / "examples" / "huaian-city-2024.json").as_posix()
    case.write_text(f"description: 第六部分只写“无”，却当作通过样例\nbase: {base}\n"
                    "set:\n  /other_matters/text: 无。\nexpect: []\n", encoding="utf-8")
    outcome = cli("rules", "test", PACK, "--fixtures", tmp_path / "fixtures",
                  "--rule", "CITY-FEE-NOTE")
    assert outcome.code == 1
    lines = outcome.out.splitlines()
    at = next(i for i, line in enumerate(lines)
              if "多出 unexpected CITY-FEE-NOTE /other_matters/text" in line)
    assert "信息处理费" in lines[at + 1] or "收费" in lines[at + 1], lines[at:at + 2]
