"""``disclosure-rules check``: inputs, human output, exit codes, batches.

Every assertion is on real output of the command line, run in-process.
"""

from __future__ import annotations

import copy
import csv
import datetime
import importlib
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from cli_support import JIADING, WAIVERS, broken, cli, generated, write
from hypothesis import given
from hypothesis import strategies as st
from reportgen import to_json

from disclosure_rules import batch, check, load_rules
from disclosure_rules.cli import EPILOG, run
from disclosure_rules.findings import Finding, Message, Severity
from disclosure_rules.formats import format_for_year, report_year
from disclosure_rules.outputs import progress
from disclosure_rules.waivers import Waiver

REAL_SOURCES = Path(__file__).resolve().parent / "fixtures" / "real" / "sources"
ANSI = re.compile(r"\033\[[0-9;]*m")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No configuration file of the developer's working directory may leak in.
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)


# ----------------------------------------------------------------- exit codes


def test_clean_report_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path / "clean.json", generated(1))
    outcome = cli("check", path)
    assert outcome.code == 0
    assert "无问题" in outcome.out
    assert "共检查 1 份报告：0 份未通过，1 份无问题" in outcome.out


def test_error_findings_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path / "dirty.json", broken(2))
    outcome = cli("check", path)
    assert outcome.code == 1
    assert "APP-ROW-TOTAL" in outcome.out
    assert "APP-RESULTS-SUM" in outcome.out


def test_mixed_clean_and_dirty_exit_1(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean.json", generated(3))
    dirty = write(tmp_path / "dirty.json", broken(4))
    outcome = cli("check", clean, dirty)
    assert outcome.code == 1
    assert "共检查 2 份报告：1 份未通过，1 份无问题" in outcome.out
    # Grouped per report, in the order given.
    assert outcome.out.index(str(clean)) < outcome.out.index(str(dirty))


def test_reports_with_only_warnings_are_counted_apart(tmp_path: Path) -> None:
    # The Jiading report has two warnings and no error: it passes, with notes.
    clean = write(tmp_path / "clean.json", generated(3))
    outcome = cli("check", clean, JIADING)
    assert outcome.code == 0
    assert "共检查 2 份报告：0 份未通过，1 份通过但有提醒，1 份无问题" in outcome.out
    english = cli("check", "--lang", "en", clean, JIADING).out
    assert "checked 2 reports: 0 failed, 1 passed with notes, 1 clean" in english
    strict = cli("check", "--fail-on", "warning", clean, JIADING)
    assert strict.code == 1
    # full-width brackets among Chinese, as "（--verbose 显示原因）"
    assert "共检查 2 份报告：1 份未通过，1 份无问题（--fail-on warning）" in strict.out
    english = cli("check", "--lang", "en", "--fail-on", "warning", clean, JIADING).out
    assert "checked 2 reports: 1 failed, 1 clean (--fail-on warning)" in english


def test_unreadable_input_exits_2_and_the_rest_is_checked(tmp_path: Path) -> None:
    dirty = write(tmp_path / "dirty.json", broken(5))
    outcome = cli("check", tmp_path / "missing.json", dirty)
    assert outcome.code == 2
    assert "missing.json：无法读取：文件不存在 (no such file)" in outcome.out
    assert "APP-ROW-TOTAL" in outcome.out
    assert "1 个输入无法读取" in outcome.out


@pytest.mark.parametrize("form", ["json", "sarif"])
def test_an_output_of_this_tool_in_a_checked_directory_is_named_not_checked(
        tmp_path: Path, form: str) -> None:
    """Writing the results into the directory checked, then checking it
    again, reads the results as a report: it says so, instead of calling it
    a broken report with fifteen schema errors."""
    reports = tmp_path / "reports"
    write(reports / "a.json", json.loads(JIADING.read_text("utf-8")))
    first = cli("check", reports, "--format", form, "-o", reports / f"out.{form}.json")
    assert first.code == 0
    again = cli("check", reports)
    assert again.code == 2
    assert f"out.{form}.json：无法读取：这是本工具的检查结果（--format {form}），不是年度报告" \
        in again.out
    assert "SCHEMA" not in again.out
    assert "共检查 1 份报告" in again.out and "1 个输入无法读取" in again.out


def test_warnings_pass_unless_fail_on_warning() -> None:
    assert cli("check", JIADING).code == 0  # two warnings, no error
    outcome = cli("check", "--fail-on", "warning", JIADING)
    assert outcome.code == 1
    assert "--fail-on warning" in outcome.out
    assert cli("check", "--fail-on", "info", JIADING).code == 1


def test_fail_on_info_counts_infos(tmp_path: Path) -> None:
    # APP-BOUND is info-level: more answered than received.
    report = generated(6, "2021")
    report["applications"]["results"]["disclosed"]["natural_person"] += 40
    report["applications"]["results"]["disclosed"]["total"] += 40
    report["applications"]["results"]["total"]["natural_person"] += 40
    report["applications"]["results"]["total"]["total"] += 40
    path = write(tmp_path / "bound.json", report)
    assert cli("check", "--select", "APP-BOUND", path).code == 0
    assert cli("check", "--select", "APP-BOUND", "--fail-on", "info", path).code == 1


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert cli("check").code == 2
    assert cli("check", "--format", "xml", JIADING).code == 2
    outcome = cli("check", "--select", "NO-SUCH-RULE", JIADING)
    assert outcome.code == 2
    assert "NO-SUCH-RULE" in outcome.err
    assert cli("check", "-", "-").code == 2


@pytest.mark.parametrize("argv", [
    ("check", ""),  # would walk the working directory
    ("check", JIADING, "--config", ""),  # would fall back to ./disclosure-rules.yaml
    ("check", JIADING, "-o", ""),  # would write to standard output
    ("check", JIADING, "--summary-csv", ""),  # would write no CSV at all
    ("check", JIADING, "--previous", ""),  # would pair as if not given
    ("render", JIADING, "-o", ""),
])
def test_an_empty_file_name_is_a_usage_error_not_ignored(
        tmp_path: Path, argv: tuple[str | Path, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    # `--config "$CONFIG"` with the variable unset: the run must not go on
    # as if the option were not there (nor check every file in the folder).
    write(tmp_path / "other.json", broken(5))
    outcome = cli(*argv)
    assert outcome.code == 2
    assert outcome.out == ""
    assert "文件名为空 (empty file name)" in outcome.err + capsys.readouterr().err  # argparse's


def test_a_rule_file_that_does_not_load_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text("rule X {", encoding="utf-8")
    outcome = cli("check", "--rules", bad, JIADING)
    assert outcome.code == 2
    assert "bad.rules" in outcome.err


def test_exit_codes_are_in_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    outcome = cli("check", "--help")
    assert outcome.code == 0
    help_text = capsys.readouterr().out  # argparse prints help to sys.stdout
    for line in EPILOG.splitlines():
        assert line.strip() in help_text
    assert "--fail-on warning" in help_text


# --------------------------------------------------------------- human output


def test_text_output_zh_has_everything_a_finding_needs(tmp_path: Path) -> None:
    path = write(tmp_path / "dirty.json", broken(7))
    out = cli("check", path).out
    assert "错误 APP-ROW-TOTAL  三、本年度办理结果 · （一）予以公开 · 总计" in out
    # The message carries the equation with values and the difference.
    assert re.search(r"总计 \d+ ≠ 自然人 \d+ \+ .*（差 -2）", out)
    assert f"位置：{path}:" in out and "/applications/results/disclosed/total" in out
    assert "依据：" in out
    assert "诊断：若“三、本年度办理结果 · （一）予以公开 · 自然人”为" in out
    assert "2 个错误，0 个警告，0 个提示" in out


def test_text_output_en_keeps_official_labels(tmp_path: Path) -> None:
    path = write(tmp_path / "dirty.json", broken(7))
    out = cli("check", "--lang", "en", path).out
    assert "error APP-ROW-TOTAL  三、本年度办理结果 · （一）予以公开 · 总计" in out
    assert "(difference -2)" in out
    assert "at: " in out and "basis: " in out
    assert "diagnosis: if 三、本年度办理结果 · （一）予以公开 · 自然人 were" in out
    assert "2 errors, 0 warnings, 0 infos" in out
    assert "checked 1 report: 1 failed, 0 clean" in out


def test_real_example_positions_and_sources() -> None:
    out = cli("check", JIADING).out
    assert "上海市嘉定区人力资源和社会保障局，2020 年度，2019 年格式" in out
    assert "警告 PRO-AMOUNT-UNIT  第二十条第（九）项 · 政府集中采购 · 采购总金额" in out
    # file:line:column of the cell in the JSON, for editors to jump to.
    where = rf"位置：{re.escape(str(JIADING))}:\d+:\d+ /proactive/art20_9/procurement/amount"
    assert re.search(where, out)


def test_not_evaluated_only_with_verbose() -> None:
    quiet = cli("check", JIADING).out
    assert "YOY-CARRY" not in quiet
    assert re.search(r"未检查 \d+ 项（--verbose 显示原因）", quiet)
    verbose = cli("check", "--verbose", JIADING).out
    assert "YOY-CARRY：未提供上一年度报告" in verbose


def test_a_rule_not_evaluated_for_several_conditions_lists_them_in_each_language() -> None:
    verbose = cli("check", "--verbose", JIADING).out
    assert "matches(s.text, 无复议)；matches(s.text, 无诉讼)" in verbose
    english = cli("check", "--verbose", "--lang", "en", JIADING).out
    assert "matches(s.text, 无复议); matches(s.text, 无诉讼)" in english


def test_quiet_leaves_out_clean_reports(tmp_path: Path) -> None:
    clean = write(tmp_path / "clean.json", generated(8))
    dirty = write(tmp_path / "dirty.json", broken(9))
    out = cli("check", "-q", clean, dirty).out
    assert str(clean) not in out and str(dirty) in out


def test_colour_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not ANSI.search(cli("check", JIADING).out)
    assert ANSI.search(cli("check", JIADING, tty=True).out)
    assert not ANSI.search(cli("check", "--color", "never", JIADING, tty=True).out)
    assert ANSI.search(cli("check", "--color", "always", JIADING).out)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not ANSI.search(cli("check", JIADING, tty=True).out)


def test_control_characters_of_a_report_are_shown_not_sent_to_the_terminal(
        tmp_path: Path) -> None:
    # a report's text (from a PDF, or made to) can hold escapes that clear
    # the screen or a newline that breaks its heading in two
    report = broken(7)
    report["organ"]["name"] = "测试县\x1b[2J审计局\r\n第二行\x9b"
    path = write(tmp_path / "odd.json", report)
    for argv in (("check", path), ("check", "--color", "always", path)):
        out = ANSI.sub("", cli(*argv).out)
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", out)
        (heading,) = [line for line in out.splitlines() if line.startswith(str(path))]
        assert "测试县\\x1b[2J审计局\\r\\n第二行\\x9b" in heading


def test_a_colour_code_in_a_report_is_shown_even_when_it_is_one_of_ours(
        tmp_path: Path) -> None:
    """With colour on, a reset or a red of the report's own (the very codes
    the output uses) is shown as text too; only the output's own colours
    reach the terminal."""
    report = broken(7)
    report["organ"]["name"] = "红\x1b[1;31m色\x1b[0m局"
    path = write(tmp_path / "sgr.json", report)
    out = cli("check", "--color", "always", path).out
    heading = out.splitlines()[0]
    assert "红\\x1b[1;31m色\\x1b[0m局" in heading
    assert heading.startswith(f"\x1b[1m{path}\x1b[0m")  # the output's own bold
    assert "\x1b[1;31m" in out  # and its own red for the errors
    assert not re.search("[\ud800-\udfff]", out)  # no mark is left


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    outcome = cli("check", "--format", "json", "-o", target, JIADING)
    assert outcome.code == 0 and outcome.out == ""
    assert '"reports"' in target.read_text(encoding="utf-8")


# ------------------------------------------------------------------- inputs


def test_stdin() -> None:
    outcome = cli("check", "-", stdin=JIADING.read_text(encoding="utf-8"))
    assert outcome.code == 0
    assert "<stdin> — 上海市嘉定区人力资源和社会保障局" in outcome.out
    assert re.search(r"位置：<stdin>:\d+:\d+", outcome.out)


def test_stdin_that_is_not_a_report() -> None:
    outcome = cli("check", "-", stdin='{"year": 2020,')
    assert outcome.code == 2
    assert "<stdin>:1:" in outcome.out and "无法读取" in outcome.out


def test_stdin_naming_a_file_is_text_not_that_file() -> None:
    # A one-line text on standard input is a document, never a path to read.
    outcome = cli("check", "-", stdin=str(JIADING))
    assert "上海市嘉定区人力资源和社会保障局" not in outcome.out
    assert "SCHEMA" in outcome.out


class _Bytes(io.StringIO):
    """Standard input with the bytes underneath, as sys.stdin has."""

    def __init__(self, raw: bytes) -> None:
        super().__init__()
        self.buffer = io.BytesIO(raw)


def test_stdin_is_decoded_as_files_are() -> None:
    gbk = "年度: 2021".encode("gb18030")
    for command in (["check", "-"], ["render", "-"]):
        out, err = io.StringIO(), io.StringIO()
        code = run(command, out, err, _Bytes(gbk))
        assert code == 2
        assert "GBK" in out.getvalue() + err.getvalue(), command


def test_yaml_report(tmp_path: Path) -> None:
    text = yaml.safe_dump(json.loads(to_json(broken(10))), allow_unicode=True)
    path = tmp_path / "report.yaml"
    path.write_text(text, encoding="utf-8")
    outcome = cli("check", path)
    assert outcome.code == 1
    assert re.search(rf"位置：{re.escape(str(path))}:\d+:\d+ /applications", outcome.out)


def test_json_lines_with_a_bad_line(tmp_path: Path) -> None:
    lines = [to_json(generated(11)), to_json(broken(12)), "{not json", "", to_json(generated(13))]
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = cli("check", path)
    assert outcome.code == 2
    out = outcome.out
    assert f"{path}:3:2：无法读取：不是有效的 JSON" in out
    assert f"{path}:2 — " in out and "APP-ROW-TOTAL" in out
    assert f"{path}:5 — " in out  # the line after the bad one is still checked
    assert "共检查 3 份报告：1 份未通过，2 份无问题；1 个输入无法读取" in out


def test_json_lines_with_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    # With pairing on (the default), the bad line must not end the batch,
    # and its position is the file's line, not the line's own line 1.
    path = tmp_path / "batch.jsonl"
    path.write_bytes(to_json(generated(11)).encode() + b"\n" + to_json(generated(12)).encode()
                     + b'\n{"a": "\xff"}\n')
    outcome = cli("check", path)
    assert outcome.code == 2
    assert f"{path}:3:" in outcome.out and "不是 UTF-8" in outcome.out
    assert "共检查 2 份报告" in outcome.out


def test_directory_with_a_corrupt_file(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    write(batch / "a.json", generated(14))
    write(batch / "sub" / "b.json", broken(15))
    write(batch / "sub" / "c.json", generated(16))
    (batch / "corrupt.json").write_bytes(b"\xff\xfe not json")
    (batch / "notes.txt").write_text("not a report", encoding="utf-8")  # skipped
    (batch / ".hidden").mkdir()
    write(batch / ".hidden" / "x.json", broken(17))  # skipped
    outcome = cli("check", "--format", "json", batch)
    assert outcome.code == 2
    data = outcome.json()
    assert [r["file"] for r in data["reports"]] == [
        str(batch / "a.json"), str(batch / "sub" / "b.json"), str(batch / "sub" / "c.json")]
    assert [e["file"] for e in data["errors"]] == [str(batch / "corrupt.json")]
    assert data["summary"]["reports"] == 3 and data["summary"]["unreadable"] == 1
    text = cli("check", batch).out
    assert f"{batch / 'corrupt.json'}" in text and "无法读取" in text


def test_empty_directory_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "report.pdf").write_bytes(b"%PDF-1.4")
    outcome = cli("check", tmp_path / "empty")
    assert outcome.code == 2
    assert "--include-published" in outcome.out


def test_published_report_is_imported_then_checked() -> None:
    pytest.importorskip("disclosure_rules.importer")
    source = REAL_SOURCES / "2019-pingtan-zone.txt"
    outcome = cli("check", "--format", "json", source)
    data = outcome.json()
    report = data["reports"][0]
    assert report["kind"] == "text"
    rule_ids = {f["rule_id"] for f in report["findings"]}
    assert any(r.startswith("IMP-") for r in rule_ids)  # import findings …
    assert "SEC-REQUIRED" in rule_ids  # … and check findings, in one result
    provenance = [f["source"] for f in report["findings"] if f.get("source")]
    assert {"line": 19} in provenance


def test_a_cell_s_printed_text_is_told_apart_from_its_line() -> None:
    # "第19行898989" read as one number: the text printed is quoted, as the
    # message quotes it, after the place it was read
    pytest.importorskip("disclosure_rules.importer")
    source = REAL_SOURCES / "2019-pingtan-zone.txt"
    assert "原文：第19行，印作“898989”" in cli("check", source).out
    assert "as published: line 19, printed as “898989”" in cli("check", "--lang", "en",
                                                                 source).out


def test_published_reports_in_a_directory_only_when_asked(tmp_path: Path) -> None:
    pytest.importorskip("disclosure_rules.importer")
    source = REAL_SOURCES / "2024-huaian-city.txt"
    batch = tmp_path / "batch"
    write(batch / "a.json", generated(19))
    (batch / "huaian.txt").write_bytes(source.read_bytes())
    plain = cli("check", "--format", "json", batch).json()
    assert [Path(r["file"]).name for r in plain["reports"]] == ["a.json"]
    both = cli("check", "--format", "json", "--include-published", batch).json()
    assert [(Path(r["file"]).name, r["kind"]) for r in both["reports"]] == [
        ("a.json", "json"), ("huaian.txt", "text")]


def test_select_and_ignore(tmp_path: Path) -> None:
    path = write(tmp_path / "dirty.json", broken(18))
    only = cli("check", "--format", "json", "--select", "APP-ROW-TOTAL", path).json()
    assert {f["rule_id"] for f in only["reports"][0]["findings"]} == {"APP-ROW-TOTAL"}
    prefix = cli("check", "--format", "json", "--ignore", "APP-", path)
    assert prefix.code == 0
    assert prefix.json()["reports"][0]["findings"] == []
    comma = cli("check", "--format", "json", "--select", "APP-ROW-TOTAL,APP-RESULTS-SUM", path)
    assert len(comma.json()["reports"][0]["findings"]) == 2


@pytest.mark.parametrize("argv", [
    ("--select", "APP-ROW-TOTAL", "--ignore", "APP-ROW-TOTAL"),
    ("--select", "APP-", "--ignore", "APP-"),
    ("--ignore", "*"),
])
def test_a_selection_that_leaves_no_rule_to_run_is_a_usage_error(
        tmp_path: Path, argv: tuple[str, ...]) -> None:
    # Nothing would be checked, and every report would pass as 无问题.
    path = write(tmp_path / "dirty.json", broken(18))
    outcome = cli("check", *argv, path)
    assert outcome.code == 2
    assert outcome.out == ""
    assert "没有要运行的规则 (no rule is left to run)" in outcome.err


def test_a_configuration_that_disables_every_selected_rule_is_a_usage_error(
        tmp_path: Path) -> None:
    (tmp_path / "disclosure-rules.yaml").write_text("disable: [APP-]\n", encoding="utf-8")
    path = write(tmp_path / "dirty.json", broken(18))
    outcome = cli("check", "--select", "APP-ROW-TOTAL", path)
    assert outcome.code == 2
    assert "没有要运行的规则 (no rule is left to run)" in outcome.err
    assert cli("check", "--select", "APP-ROW-TOTAL,VAL-", path).code != 2  # VAL- still runs


# ------------------------------------------------------------------ pairing


def _two_years(directory: Path) -> tuple[Path, Path]:
    organ = {"name": "测试县审计局", "kind": "department", "level": "provincial"}
    last = generated(20, "2021", year=2023, organ=organ)
    this = generated(21, "2021", year=2024, organ=organ)
    for report in (last, this):
        report.pop("published_on", None)
    # Last year's carried-forward differs from this year's carried-over.
    last["applications"]["carried_forward"]["natural_person"] += 1
    last["applications"]["carried_forward"]["total"] += 1
    last["applications"]["new_received"]["natural_person"] += 1
    last["applications"]["new_received"]["total"] += 1
    return write(directory / "2023.json", last), write(directory / "2024.json", this)


def test_previous_year_is_paired_automatically_in_a_directory(tmp_path: Path) -> None:
    last, this = _two_years(tmp_path / "organ")
    write(tmp_path / "organ" / "other.json", generated(22, year=2023))  # another organ
    outcome = cli("check", tmp_path / "organ")
    assert f"上一年度报告：{last}（自动配对：同一编制主体，上一年度）" in outcome.out
    assert "YOY-CARRY" in outcome.out
    assert outcome.code == 1
    data = cli("check", "--format", "json", tmp_path / "organ").json()
    by_file = {r["file"]: r for r in data["reports"]}
    assert by_file[str(this)]["previous"] == {"file": str(last), "paired": "auto",
                                              "candidates": [str(last)], "problem": None}
    assert by_file[str(last)]["previous"] is None
    assert "YOY-CARRY" in {f["rule_id"] for f in by_file[str(this)]["findings"]}
    unpaired = cli("check", "--no-pairing", "--format", "json", tmp_path / "organ").json()
    assert all(r["previous"] is None for r in unpaired["reports"])


def test_previous_given(tmp_path: Path) -> None:
    last, this = _two_years(tmp_path)
    outcome = cli("check", "--previous", last, this)
    assert f"上一年度报告：{last}（--previous 指定）" in outcome.out
    assert "YOY-CARRY" in outcome.out
    missing = cli("check", "--previous", tmp_path / "nope.json", this)
    assert missing.code == 2 and "nope.json" in missing.err


def test_a_previous_report_of_another_organ_name_makes_continuity_errors_warnings(
        tmp_path: Path) -> None:
    # domain.md T3-XY: after a reorganisation or a renaming the figures need
    # not carry over, so a continuity error between two organ names is a
    # warning that names both
    last, this = _two_years(tmp_path)
    renamed = json.loads(last.read_text(encoding="utf-8"))
    renamed["organ"]["name"] = "测试县审计事务所"
    write(last, renamed)
    data = cli("check", "--format", "json", "--previous", last, this).json()
    carry = [f for f in data["reports"][0]["findings"] if f["rule_id"] == "YOY-CARRY"]
    assert carry and all(f["severity"] == "warning" for f in carry)
    assert all("测试县审计事务所" in f["message"]["zh"] and "测试县审计局" in f["message"]["zh"]
               for f in carry)
    assert "reorganisation" in carry[0]["message"]["en"]
    assert cli("check", "--previous", last, this).code == 0  # nothing else is wrong
    # the same organ, written with a space: still an error
    renamed["organ"]["name"] = "测试县 审计局"
    write(last, renamed)
    same = cli("check", "--format", "json", "--previous", last, this).json()
    assert {f["severity"] for f in same["reports"][0]["findings"]
            if f["rule_id"] == "YOY-CARRY"} == {"error"}


def test_ambiguous_pairing_is_said_not_guessed(tmp_path: Path) -> None:
    last, this = _two_years(tmp_path / "a")
    write(tmp_path / "b" / "copy.json", generated(20, "2021", year=2023,
                                                  organ={"name": "测试县审计局"}))
    write(tmp_path / "c" / "copy.json", generated(20, "2021", year=2023,
                                                  organ={"name": "测试县审计局"}))
    # From outside both directories: two candidates elsewhere, one beside it.
    data = cli("check", "--format", "json", tmp_path).json()
    paired = {r["file"]: r["previous"] for r in data["reports"]}
    assert paired[str(this)]["file"] == str(last)  # the one in the same directory
    lone = write(tmp_path / "d" / "2024.json", generated(21, "2021", year=2024,
                                                         organ={"name": "测试县审计局"}))
    data = cli("check", "--format", "json", tmp_path / "b", tmp_path / "c", lone).json()
    pairing = {r["file"]: r["previous"] for r in data["reports"]}[str(lone)]
    assert pairing["paired"] == "ambiguous" and pairing["file"] is None
    assert len(pairing["candidates"]) == 2


def test_an_ambiguous_pairing_names_a_few_candidates_in_human_output() -> None:
    from disclosure_rules.batch import Pairing
    from disclosure_rules.outputs.words import pairing_lines

    many = Pairing("ambiguous", tuple(f"copy{i}/2023.json" for i in range(40)))
    (line,) = pairing_lines(many, "zh")
    assert "有 40 份候选" in line and "copy4/2023.json" in line and "copy5/" not in line
    assert line.count("2023.json") == 5 and "…" in line
    (few,) = pairing_lines(Pairing("ambiguous", ("a/2023.json", "b/2023.json")), "en")
    assert few == "previous year: 2 candidates (a/2023.json, b/2023.json), none paired"


def test_pairing_between_lines_of_json_lines(tmp_path: Path) -> None:
    last, this = _two_years(tmp_path)
    path = tmp_path / "years.jsonl"
    path.write_text(to_json(json.loads(last.read_text(encoding="utf-8"))) + "\n"
                    + to_json(json.loads(this.read_text(encoding="utf-8"))) + "\n",
                    encoding="utf-8")
    data = cli("check", "--format", "json", path).json()
    second = data["reports"][1]
    assert second["file"] == f"{path}:2"
    assert second["previous"]["file"] == f"{path}:1"
    assert "YOY-CARRY" in {f["rule_id"] for f in second["findings"]}


@pytest.mark.parametrize(("written", "pairs"), [
    ("测试县 审计局", True),            # a space typed inside the name
    ("测 试 县 审 计 局", True),        # a title letter-spaced
    ("测试县\u3000审计局", True),       # an ideographic space
    ("测试县审计局\n", True),
    ("ＡＢ测试县审计局", False),        # only the full-width letters are folded …
    ("测试县审计局办公室", False),      # … another organ is not the same organ
    ("测试县", False),
])
def test_pairing_ignores_spacing_and_character_width_of_the_organ_name(
        tmp_path: Path, written: str, pairs: bool) -> None:
    last, this = _two_years(tmp_path)
    data = json.loads(last.read_text(encoding="utf-8"))
    data["organ"]["name"] = written
    write(last, data)
    result = cli("check", "--format", "json", tmp_path).json()
    previous = {r["file"]: r["previous"] for r in result["reports"]}[str(this)]
    assert (previous is not None and previous["file"] == str(last)) is pairs


def test_pairing_folds_full_width_letters_of_the_organ_name(tmp_path: Path) -> None:
    organ = {"name": "ＸＹ测试县审计局", "kind": "department", "level": "provincial"}
    last = generated(20, "2021", year=2023, organ=organ)
    this = generated(21, "2021", year=2024, organ={**organ, "name": "XY 测试县审计局"})
    write(tmp_path / "2023.json", last)
    write(tmp_path / "2024.json", this)
    result = cli("check", "--format", "json", tmp_path).json()
    previous = {r["file"]: r["previous"] for r in result["reports"]}[str(tmp_path / "2024.json")]
    assert previous is not None and previous["file"] == str(tmp_path / "2023.json")


# --------------------------------------------------------------- parallelism


def test_jobs_2_gives_the_same_output_as_jobs_1(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    for i in range(40):
        write(batch / f"r{i:03d}.json", broken(100 + i) if i % 3 == 0 else generated(100 + i))
    (batch / "zz-corrupt.json").write_text("{", encoding="utf-8")
    _two_years(batch / "organ")
    for fmt in ("text", "json", "sarif", "junit"):
        one = cli("check", "--format", fmt, "--jobs", "1", batch)
        two = cli("check", "--format", fmt, "--jobs", "2", batch)
        assert one.code == two.code == 2
        assert one.out == two.out, fmt


def test_summary_table_and_csv(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    for i in range(4):
        write(batch / f"r{i}.json", broken(200 + i) if i < 3 else generated(200 + i))
    csv_path = tmp_path / "summary.csv"
    outcome = cli("check", "-q", "--summary", "--summary-csv", csv_path, batch)
    assert "各规则未通过的报告数（共 4 份报告）" in outcome.out
    assert re.search(r"APP-ROW-TOTAL\s+错误\s+3\s+3", outcome.out)
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    row = next(r for r in rows if r["rule_id"] == "APP-ROW-TOTAL")
    assert row["reports"] == "3" and row["severity"] == "error" and row["share"] == "0.7500"


def test_progress_bar_on_a_terminal_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "_DELAY", 0.0)
    monkeypatch.setattr(progress, "_EVERY", 0.0)
    for i in range(3):
        write(tmp_path / "batch" / f"r{i}.json", generated(300 + i))
    shown = cli("check", tmp_path / "batch", tty_err=True)
    assert "3/3" in shown.err and shown.err.endswith("\r\033[K")  # drawn, then cleared
    assert "3/3" not in shown.out
    assert cli("check", tmp_path / "batch").err == ""
    assert cli("check", "--no-progress", tmp_path / "batch", tty_err=True).err == ""
    # the imports made to pair published reports show a bar of their own
    pytest.importorskip("disclosure_rules.importer")
    from disclosure_rules.render import render

    for i in range(2):
        (tmp_path / "pub" / f"r{i}.md").parent.mkdir(exist_ok=True)
        (tmp_path / "pub" / f"r{i}.md").write_text(render(generated(310 + i), "md"),
                                                   encoding="utf-8")
    published = cli("check", "--include-published", tmp_path / "pub", tty_err=True)
    assert "导入以配对 (importing to pair) [" in published.err and "2/2" in published.err
    assert cli("check", "--include-published", tmp_path / "pub").err == ""


def test_output_is_written_as_each_report_completes(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [write(tmp_path / "b" / f"r{i}.json", generated(400 + i)) for i in range(3)]
    out = io.StringIO()
    seen: list[str] = []
    original = batch.check_task

    def spy(task: batch.Task | batch.Unreadable) -> batch.Checked | batch.Unreadable:
        seen.append(out.getvalue())  # what was written before this report was checked
        return original(task)

    monkeypatch.setattr(batch, "check_task", spy)
    for fmt in ("text", "json", "sarif", "junit"):
        seen.clear()
        out.seek(0)
        out.truncate()
        assert run(["check", "--format", fmt, "--no-pairing", str(tmp_path / "b")],
                   out, io.StringIO(), io.StringIO()) == 0
        if fmt != "sarif":  # a clean report has no SARIF result to write
            assert str(paths[0].name) in seen[2], fmt


def test_a_report_the_checker_fails_on_is_reported_not_fatal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = write(tmp_path / "good.json", broken(500))
    bad = write(tmp_path / "bad.json", generated(501))
    original = batch.check

    def fragile(report: object, *args: object, **kwargs: object) -> object:
        if getattr(report, "name", "") == str(bad):
            raise ZeroDivisionError("boom")
        return original(report, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "check", fragile)
    outcome = cli("check", bad, good)
    assert outcome.code == 2
    assert f"{bad}：内部错误：请报告此问题 (please report it): ZeroDivisionError: boom" \
        in outcome.out
    assert outcome.out.count("内部错误") == 1  # said once, by the word before the message
    assert "APP-ROW-TOTAL" in outcome.out
    english = cli("check", "--lang", "en", bad, good).out
    assert f"{bad}: internal error: 请报告此问题 (please report it): ZeroDivisionError: boom" \
        in english
    error = cli("check", "--format", "json", bad, good).json()["errors"][0]
    assert error["kind"] == "internal" and error["message"].startswith("请报告此问题")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "html"])
def test_a_report_the_output_fails_on_is_reported_not_fatal(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    # Rendering runs in the worker's per-report catch-all too: a bug in an
    # output format fails that report alone, and the batch goes on.
    bad = write(tmp_path / "bad.json", broken(502))
    good = write(tmp_path / "good.json", broken(503))
    module = importlib.import_module(f"disclosure_rules.outputs.{fmt}")
    original = module.Sink.render

    def fragile(self: object, checked: batch.Checked) -> str:
        if checked.source.path == str(bad):
            raise ZeroDivisionError("render boom")
        return original(self, checked)  # type: ignore[no-any-return]

    monkeypatch.setattr(module.Sink, "render", fragile)
    outcome = cli("check", "--format", fmt, "--lang", "en", bad, good)
    assert outcome.code == 2
    assert "ZeroDivisionError: render boom" in outcome.out
    assert "APP-ROW-TOTAL" in outcome.out  # the good report is still written


@given(name=st.text(min_size=1, max_size=30) | st.sampled_from(
           ['"year": 1', 'a"name": "b', "\\", '}{"organ": {', " 上海 "]),
       year=st.integers(1990, 2100),
       prose=st.text(max_size=40) | st.sampled_from(['"year": 2000,', '"name"']),
       indent=st.sampled_from([None, 2]))
def test_pairing_reads_organ_and_year_exactly(name: str, year: int, prose: str,
                                              indent: int | None) -> None:
    """The pairing scan's shortcut (organ and year read without parsing the
    whole file) gives what parsing gives, or defers to parsing."""
    document = {"year": year, "organ": {"name": name, "kind": "department"},
                "overview": {"title": "一、总体情况", "text": prose}}
    raw = json.dumps(document, ensure_ascii=bool(year % 2), indent=indent).encode()
    quick = batch._quick_key(raw)
    if quick is not None:
        assert quick == (name.strip(), year)


@pytest.mark.parametrize("argv", [
    ("check", str(JIADING), "-o", "{out}"),
    ("check", str(JIADING), "--summary-csv", "{out}"),
    ("render", str(JIADING), "-o", "{out}"),
    ("import", "{published}", "-o", "{out}"),
])
def test_an_output_file_that_cannot_be_written_is_exit_2_not_a_traceback(
        tmp_path: Path, argv: tuple[str, ...]) -> None:
    out = str(tmp_path / "no-such-directory" / "out")
    published = tmp_path / "report.md"
    published.write_text(cli("render", JIADING).out, encoding="utf-8")
    outcome = cli(*(a.format(out=out, published=published) for a in argv))
    assert outcome.code == 2
    assert f"{out}: 无法写入 (cannot write)" in outcome.err


def test_a_worker_that_dies_stops_the_run_with_exit_2_not_a_hang(tmp_path: Path) -> None:
    # The OOM killer or a crashing PDF library kills a worker outright; a
    # multiprocessing.Pool would wait for its lost task forever.
    batch = tmp_path / "batch"
    for i in range(6):
        write(batch / f"r{i}.json", generated(300 + i))
    write(batch / "die.json", generated(310))
    code = (
        "import io, os, sys\n"
        "from disclosure_rules import batch, cli\n"
        "real = batch.check_task\n"
        "def dying(task):\n"
        "    if getattr(getattr(task, 'source', None), 'path', '').endswith('die.json'):\n"
        "        os._exit(137)\n"
        "    return real(task)\n"
        "batch.check_task = dying\n"
        f"sys.exit(cli.run(['check', '--jobs', '2', '--no-progress', {str(batch)!r}],\n"
        "                  io.StringIO(), sys.stderr, io.StringIO()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert "--jobs 1" in done.stderr


# ------------------------------------------------------- output files as inputs


def test_a_summary_csv_that_cannot_be_written_stops_the_run_before_it(tmp_path: Path) -> None:
    dirty = write(tmp_path / "dirty.json", broken(600))
    target = tmp_path / "no-such-directory" / "summary.csv"
    outcome = cli("check", "--summary-csv", target, dirty)
    assert outcome.code == 2
    assert outcome.out == ""  # found at start-up: nothing was checked, nothing written
    assert f"{target}: 无法写入 (cannot write)" in outcome.err


def test_output_files_inside_an_input_directory_are_not_inputs(tmp_path: Path) -> None:
    reports = tmp_path / "batch"
    write(reports / "clean.json", generated(601))
    results = reports / "results.json"
    table = reports / "table.yaml"  # an odd name for a CSV file, but it is this run's own
    # The second run finds the first run's output files in the directory.
    for target in (results, results, reports / "." / "results.json"):
        outcome = cli("check", "--format", "json", "-o", target, "--summary-csv", table, reports)
        assert outcome.code == 0
        data = json.loads(results.read_text(encoding="utf-8"))
        assert [Path(r["file"]).name for r in data["reports"]] == ["clean.json"]
        assert data["errors"] == []


def test_an_input_that_is_also_the_output_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = write(tmp_path / "report.json", generated(602))
    before = path.read_bytes()
    for option in ("-o", "--summary-csv"):
        outcome = cli("check", "--format", "json", option, path, path)
        assert outcome.code == 2 and outcome.out == ""
        assert f"{path}: 既是输入又是本次的输出文件" in outcome.err
        assert path.read_bytes() == before


@pytest.mark.parametrize("option", ["-o", "--summary-csv"])
def test_a_file_the_run_reads_is_never_its_output(tmp_path: Path, option: str) -> None:
    # A slip of the file name must not turn the configuration (and its
    # waivers, each an approved decision), a rule file or last year's
    # report into this run's output.
    report = write(tmp_path / "report.json", generated(604))
    previous = write(tmp_path / "previous.json", generated(605))
    (tmp_path / "local").mkdir()
    rules = tmp_path / "local" / "extra.rules"
    rules.write_text('rule LOCAL-X {\n  title "x" / "x"\n  severity info\n  cite "c"\n'
                     '  assert 表四.行政复议.总计 >= 0 at 表四.行政复议.总计\n}\n',
                     encoding="utf-8")
    config = tmp_path / "disclosure-rules.yaml"
    config.write_text("severity: {SCHEMA: error}\n", encoding="utf-8")
    for target, extra in ((config, ()), (previous, ("--previous", previous)),
                          (rules, ("--rules", rules)),
                          (rules, ("--rules", rules.parent))):
        before = target.read_bytes()
        outcome = cli("check", *extra, option, target, report)
        assert outcome.code == 2 and outcome.out == "", (target, extra)
        assert f"{target}: 是本次运行读取的" in outcome.err
        assert target.read_bytes() == before


def test_the_output_and_the_summary_csv_cannot_be_one_file(tmp_path: Path) -> None:
    report = write(tmp_path / "report.json", generated(603))
    target = tmp_path / "out.txt"
    outcome = cli("check", "-o", target, "--summary-csv", tmp_path / "." / "out.txt", report)
    assert outcome.code == 2 and "-o 与 --summary-csv 不能是同一个文件" in outcome.err
    assert not target.exists()  # refused before either was opened


# --------------------------------------------------------------- directories


def test_a_directory_that_cannot_be_read_is_an_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reports = tmp_path / "batch"
    write(reports / "a.json", generated(610))
    write(reports / "locked" / "b.json", broken(611))
    write(reports / "z.json", generated(612))
    write(reports / "next" / "n.json", generated(613))
    locked = str(reports / "locked")
    real_scandir = os.scandir

    def scandir(path: str | int = ".") -> object:
        # (a file descriptor, as shutil.rmtree passes, is not the locked one)
        if not isinstance(path, int) and os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied", locked)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    outcome = cli("check", "--format", "json", reports)
    assert outcome.code == 2
    data = outcome.json()
    assert [Path(r["file"]).name for r in data["reports"]] == ["a.json", "z.json", "n.json"]
    assert [(e["file"], e["message"]) for e in data["errors"]] == [
        (locked, "无法读取目录 (cannot read this directory): Permission denied")]
    text = cli("check", reports).out
    assert f"{locked}：无法读取：无法读取目录" in text
    # At its place in the walk: a directory's files, then its directories.
    assert text.index("a.json") < text.index("z.json") < text.index(locked) \
        < text.index("n.json")


def test_symlinked_directories_are_followed_each_real_one_once(tmp_path: Path) -> None:
    # Followed: a batch laid out with links to other folders is checked
    # whole; each real directory once, so a link back up the tree (a loop)
    # or a second way into a directory adds nothing.
    reports = tmp_path / "batch"
    write(reports / "a.json", generated(620))
    other = write(tmp_path / "other" / "b.json", broken(621)).parent
    write(reports / "sub" / "c.json", generated(622))
    (reports / "linked").symlink_to(other, target_is_directory=True)
    (reports / "sub" / "up").symlink_to(reports, target_is_directory=True)
    (reports / "alias").symlink_to(reports / "sub", target_is_directory=True)
    outcome = cli("check", "--format", "json", reports)
    assert outcome.code == 1
    assert [r["file"] for r in outcome.json()["reports"]] == [
        str(reports / "a.json"), str(reports / "linked" / "b.json"),
        str(reports / "sub" / "c.json")]


# ------------------------------------------------------------------ previous


def test_previous_is_loaded_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    last, this = _two_years(tmp_path)
    again = write(tmp_path / "again.json", json.loads(this.read_text(encoding="utf-8")))
    from disclosure_rules.commands import check as command

    loaded: list[str] = []
    original = batch.load_source

    def counting(source: batch.Source) -> object:
        loaded.append(source.path)
        return original(source)

    monkeypatch.setattr(batch, "load_source", counting)
    monkeypatch.setattr(command, "load_source", counting, raising=False)
    outcome = cli("check", "--previous", last, this, again)
    assert outcome.code == 1 and outcome.out.count("YOY-CARRY") >= 2
    assert loaded.count(str(last)) == 1


def test_previous_is_classified_as_inputs_are(tmp_path: Path) -> None:
    last, this = _two_years(tmp_path)
    one_line = to_json(json.loads(last.read_text(encoding="utf-8")))
    single = tmp_path / "last.jsonl"
    single.write_text("\n" + one_line + "\n\n", encoding="utf-8")
    outcome = cli("check", "--previous", single, this)
    assert f"上一年度报告：{single}:2（--previous 指定）" in outcome.out
    assert "YOY-CARRY" in outcome.out
    several = tmp_path / "years.jsonl"
    several.write_text(one_line + "\n" + one_line + "\n", encoding="utf-8")
    refused = cli("check", "--previous", several, this)
    assert refused.code == 2 and refused.out == ""
    assert f"{several}: JSON Lines 文件中有 2 份报告，--previous 只能是一份" in refused.err
    for argument, message in ((tmp_path, "不能是目录"), ("-", "不能是标准输入")):
        outcome = cli("check", "--previous", argument, this)
        assert outcome.code == 2 and message in outcome.err and outcome.out == ""


@pytest.mark.parametrize("data", ["[1]", "null", '"2023"', "2023"])
def test_a_previous_that_is_not_a_report_object_is_refused(tmp_path: Path, data: str) -> None:
    _, this = _two_years(tmp_path)
    odd = tmp_path / "odd.json"
    odd.write_text(data, encoding="utf-8")
    outcome = cli("check", "--previous", odd, this)
    assert outcome.code == 2 and outcome.out == ""
    assert f"{odd}: 上一年度报告不是报告对象 (the previous year's report is not a report " \
           "object)" in outcome.err


# ---------------------------------------------------------------------- year


@pytest.mark.parametrize(("value", "year"), [
    (2024, 2024), (Decimal("2024.0"), 2024), (2024.0, 2024), (Decimal("2.024E+3"), 2024),
    (True, None), (Decimal("2024.5"), None), (2024.5, None), ("2024", None), (None, None),
    (float("nan"), None), (Decimal("Infinity"), None)])
def test_a_year_is_the_schema_s_integer(value: object, year: int | None) -> None:
    assert report_year(value) == year
    assert format_for_year(value) == (None if year is None else "2021")


def test_a_year_written_2024_0_is_the_year_2024(tmp_path: Path) -> None:
    # 2024.0 passes the schema's "integer"; the checker, the format by year,
    # the pairing and the waivers must all take it as 2024.
    last, this = _two_years(tmp_path / "organ")
    for path in (last, this):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r'"year": (\d+)', r'"year": \1.0', text, count=1),
                        encoding="utf-8")
        assert '.0, "' in path.read_text(encoding="utf-8")
    (tmp_path / "disclosure-rules.yaml").write_text(
        "waivers:\n  - rule: YOY-CARRY\n    year: 2024\n    reason: r\n    approved_by: a\n"
        "    expires: 2099-12-31\n", encoding="utf-8")
    data = cli("check", "--format", "json", tmp_path / "organ").json()
    report = {Path(r["file"]).name: r for r in data["reports"]}["2024.json"]
    assert report["year"] == 2024
    assert report["previous"]["paired"] == "auto"
    assert report["waived"] and {f["rule_id"] for f in report["waived"]} == {"YOY-CARRY"}
    assert batch.scan_source(batch.Source(str(this))) == ("测试县审计局", 2024)


# ----------------------------------------------------------- one merge path


def test_extra_findings_are_merged_as_structure_findings_are() -> None:
    report = broken(700)
    label = Finding("IMP-LABEL", Severity.INFO, "", "", Message("导入", "import"))
    unresolved = Finding("IMP-UNRESOLVED", Severity.WARNING, "/applications", "",
                         Message("未解决", "unresolved"))
    rules = load_rules()
    result = check(report, rules, extra_findings=[label, unresolved])
    assert {"IMP-LABEL", "IMP-UNRESOLVED", "APP-ROW-TOTAL"} <= {f.rule_id for f in result.findings}
    assert list(result.findings) == sorted(result.findings, key=lambda f: f.sort_key)
    configured = rules.configured(severity={"IMP-UNRESOLVED": "error"}, ignore=["IMP-LABEL"])
    again = {f.rule_id: f.severity for f in check(report, configured,
                                                  extra_findings=[label, unresolved]).findings}
    assert "IMP-LABEL" not in again and again["IMP-UNRESOLVED"] is Severity.ERROR
    assert not hasattr(batch, "_with_imported")  # the batch has no merge of its own


# --------------------------------------------------------- once, not per report


def test_waivers_are_judged_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "disclosure-rules.yaml").write_text(WAIVERS, encoding="utf-8")
    for i in range(4):
        write(tmp_path / "b" / f"r{i}.json", broken(710 + i))
    judged: list[str] = []
    original = Waiver.expired

    def counting(self: Waiver, on: datetime.date) -> bool:
        judged.append(self.rule)
        return original(self, on)

    monkeypatch.setattr(Waiver, "expired", counting)
    assert cli("check", "--no-pairing", tmp_path / "b" / "r0.json").code == 1
    one = len(judged)
    judged.clear()
    assert cli("check", "--no-pairing", tmp_path / "b").code == 1
    assert len(judged) == one


def test_the_fail_on_threshold() -> None:
    assert batch.reaches(Severity.ERROR) and not batch.reaches(Severity.WARNING)
    assert batch.reaches(Severity.WARNING, Severity.WARNING)
    assert not batch.reaches(Severity.INFO, Severity.WARNING)
    assert all(batch.reaches(s, Severity.INFO) for s in Severity)


def test_quiet_leaves_out_clean_reports_in_the_human_formats_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(tmp_path / "clean.json", generated(720))
    dirty = write(tmp_path / "dirty.json", broken(721))
    for fmt in ("text", "html"):
        out = cli("check", "-q", "--format", fmt, clean, dirty).out
        assert str(clean) not in out and str(dirty) in out, fmt
    # The machine formats stay complete: tools count and compare every report.
    data = cli("check", "-q", "--format", "json", clean, dirty).json()
    assert [r["file"] for r in data["reports"]] == [str(clean), str(dirty)]
    junit = cli("check", "-q", "--format", "junit", clean, dirty).out
    assert f'<testsuite name="{clean}"' in junit and f'<testsuite name="{dirty}"' in junit
    assert cli("check", "--help").code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "in the text and html formats; json, sarif and junit always list every report" \
        in help_text


ENDLESS = Path("/dev/zero")


@pytest.mark.skipif(not ENDLESS.exists(), reason="no /dev/zero here")
@pytest.mark.parametrize("argv", [
    ("check", ENDLESS),
    ("import", ENDLESS),
    ("check", "--config", ENDLESS, JIADING),
    ("rules", "check", ENDLESS),
])
def test_an_endless_input_is_refused_not_read_forever(argv: tuple[str | Path, ...]) -> None:
    outcome = cli(*argv)
    assert outcome.code == 2
    assert "/dev/zero" in outcome.out + outcome.err
    assert "64 MiB" in outcome.out + outcome.err or "67108864" in outcome.out + outcome.err


def test_a_json_lines_line_longer_than_any_report_ends_the_listing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "MAX_DOCUMENT_BYTES", 8192)
    lines = tmp_path / "batch.jsonl"
    lines.write_text(to_json(generated(1)).replace("\n", "") + "\n" + "x" * 9000 + "\n"
                     + to_json(generated(2)).replace("\n", "") + "\n", encoding="utf-8")
    listed = batch.collect([str(lines)], io.StringIO())
    assert isinstance(listed[-1], batch.Unreadable) and listed[-1].line == 2
    assert "第 2 行" in listed[-1].message and len(listed) == 2


def test_a_file_larger_than_the_limit_is_refused_by_size(tmp_path: Path) -> None:
    from disclosure_rules.errors import DocumentError
    from disclosure_rules.loading import read_file

    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2000)
    assert read_file(path, "big.json", DocumentError, max_bytes=2000) == b" " * 2000
    with pytest.raises(DocumentError, match=r"big\.json"):
        read_file(path, "big.json", DocumentError, max_bytes=1999)


def test_published_reports_of_one_organ_are_paired_and_imported_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("disclosure_rules.importer")
    from disclosure_rules import importer
    from disclosure_rules.render import render

    organ = {"name": "测试县审计局", "kind": "department", "level": "county"}
    this = generated(30, "2021", year=2024, organ=organ)
    last = generated(31, "2021", year=2023, organ=organ)
    last["applications"]["carried_forward"] = copy.deepcopy(
        this["applications"]["carried_over"])
    last["applications"]["carried_forward"]["natural_person"] += 1
    last["applications"]["carried_forward"]["total"] += 1
    (tmp_path / "2024.md").write_text(render(this, "md"), encoding="utf-8")
    (tmp_path / "2023.html").write_text(render(last, "html"), encoding="utf-8")
    calls: list[str] = []
    real = importer.import_report

    def counting(source: Any, **options: Any) -> Any:
        calls.append(str(source))
        return real(source, **options)

    monkeypatch.setattr(importer, "import_report", counting)
    data = cli("check", "--include-published", "--format", "json", tmp_path).json()
    by_name = {Path(r["file"]).name: r for r in data["reports"]}
    assert by_name["2024.md"]["previous"]["paired"] == "auto"
    assert by_name["2024.md"]["previous"]["file"] == str(tmp_path / "2023.html")
    assert "YOY-CARRY" in {f["rule_id"] for f in by_name["2024.md"]["findings"]}
    assert by_name["2023.html"]["previous"] is None
    # each file imported once: to pair it, its import kept for its check
    # and for the check of the year after
    assert sorted(Path(c).name for c in calls) == ["2023.html", "2024.md"]
    unpaired = cli("check", "--include-published", "--no-pairing", "--format", "json",
                   tmp_path).json()
    assert all(r["previous"] is None for r in unpaired["reports"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_pipe_found_in_a_directory_is_reported_not_opened(tmp_path: Path) -> None:
    # opening a named pipe waits for a writer: a walk must not hang on one
    write(tmp_path / "batch" / "a.json", generated(50))
    os.mkfifo(tmp_path / "batch" / "pipe.json")
    outcome = cli("check", "--format", "json", tmp_path / "batch")
    assert outcome.code == 2
    data = outcome.json()
    assert [Path(r["file"]).name for r in data["reports"]] == ["a.json"]
    assert [(Path(e["file"]).name, e["message"]) for e in data["errors"]] == [
        ("pipe.json", "不是普通文件，未读取 (not a regular file; not read)")]


def test_render_and_import_never_write_over_their_input(tmp_path: Path) -> None:
    pytest.importorskip("disclosure_rules.importer")
    report = write(tmp_path / "report.json", generated(604))
    before = report.read_bytes()
    outcome = cli("render", report, "-o", tmp_path / "." / "report.json")
    assert outcome.code == 2 and "输出文件就是输入文件" in outcome.err
    assert report.read_bytes() == before
    page = tmp_path / "report.md"
    assert cli("render", report, "-o", page).code == 0
    shown = page.read_bytes()
    outcome = cli("import", page, "-o", page)
    assert outcome.code == 2 and "输出文件就是输入文件" in outcome.err
    assert page.read_bytes() == shown


def test_a_rule_title_that_looks_like_a_formula_stays_text_in_the_summary_csv(
        tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "evil.rules").write_text(
        'rule EVIL-1 {\n  title "=HYPERLINK(\\"http://x\\",\\"点\\")" / "@SUM(A1)"\n'
        '  severity warning\n  assert 表三.本年新收.总计 < 0\n    at 表三.本年新收.总计\n}\n',
        encoding="utf-8")
    report = write(tmp_path / "r.json", generated(605))
    target = tmp_path / "summary.csv"
    outcome = cli("check", "--rules", pack, "--summary-csv", target, report)
    assert outcome.code == 0, outcome.err
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    (evil,) = [r for r in rows if r[0] == "EVIL-1"]
    assert evil[2] == "'=HYPERLINK(\"http://x\",\"点\")"
    assert evil[3] == "'@SUM(A1)"


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_output_is_utf_8_whatever_the_locale_says(encoding: str) -> None:
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    for fmt in ("text", "json"):
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from disclosure_rules.cli import main; "
             "sys.exit(main())", "check", "--format", fmt, str(JIADING)],
            capture_output=True, env=env, timeout=120, check=False)
        assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
        assert "上海市嘉定区人力资源和社会保障局" in done.stdout.decode("utf-8")


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="file names there are Unicode")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "html"])
def test_a_file_name_that_is_not_utf_8_is_written_escaped(tmp_path: Path, fmt: str) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    name = os.fsdecode(b"\xff\xfe.json")
    (folder / name).write_bytes(JIADING.read_bytes())
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from disclosure_rules.cli import main; "
         "sys.exit(main())", "check", "--format", fmt, str(folder)],
        capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    shown = done.stdout.decode("utf-8")  # strictly UTF-8
    if fmt == "json":
        assert [Path(r["file"]).name for r in json.loads(shown)["reports"]] == [name]
    elif fmt == "sarif":
        assert "%FF%FE.json" in shown
    else:
        assert "\\udcff\\udcfe.json" in shown or "\ufffd" in shown
    out = tmp_path / f"out.{fmt}"
    assert cli("check", "--format", fmt, "-o", out, folder).code == 0
    out.read_text(encoding="utf-8")  # strictly UTF-8


def test_jobs_beyond_the_cores_start_one_worker_per_core_and_say_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # checking is computation: a worker per core is the most that helps, and
    # --jobs 1000 would otherwise start a thousand processes, each with the rules
    from disclosure_rules.batch import Source
    from disclosure_rules.commands import IO
    from disclosure_rules.commands import check as command

    monkeypatch.setattr(command, "_cores", lambda: 2)
    sources = [Source(f"r{i}.json") for i in range(50)]
    err = io.StringIO()
    streams = IO(io.StringIO(), err, io.StringIO())
    assert command._jobs(1000, sources, streams) == 2
    assert "--jobs 1000" in err.getvalue() and "2" in err.getvalue()
    quiet = io.StringIO()
    assert command._jobs(2, sources, IO(io.StringIO(), quiet, io.StringIO())) == 2
    assert command._jobs(0, sources, IO(io.StringIO(), quiet, io.StringIO())) == 2
    assert command._jobs(8, sources[:2], IO(io.StringIO(), quiet, io.StringIO())) == 2
    assert quiet.getvalue() == ""  # as many as asked, or fewer sources: nothing to say
