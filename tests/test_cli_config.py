"""The configuration file of ``check``: extra packs, disabled rules, severity
overrides, waivers before and after expiry, and errors with line and key."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_support import JIADING, PINGTAN, cli, generated, write

# JIADING has two warnings: PRO-AMOUNT-UNIT and VAL-BLANK at this cell.
BLANK = "/applications/results/unavailable/unclear_after_amendment/commercial_enterprise"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISCLOSURE_RULES_TODAY", raising=False)


def _config(tmp_path: Path, text: str, name: str = "disclosure-rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


WAIVER = """\
    waivers:
      - rule: VAL-BLANK
        organ: 上海市嘉定区人力资源和社会保障局
        year: 2020
        pointer: /applications/results/unavailable
        reason: 原件如此，已向编制机关核实
        approved_by: 王审计
        expires: 2025-06-30
    """


def test_waiver_before_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, WAIVER)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-06-30")  # the last valid day
    outcome = cli("check", "--fail-on", "warning", JIADING)
    assert outcome.code == 1  # PRO-AMOUNT-UNIT is still a warning
    out = outcome.out
    assert "已豁免 1 项" in out
    assert "理由：原件如此，已向编制机关核实；批准人 王审计；有效期至 2025-06-30" in out
    assert "警告 VAL-BLANK" not in out
    data = cli("check", "--format", "json", JIADING).json()
    (report,) = data["reports"]
    assert [f["rule_id"] for f in report["findings"]] == ["PRO-AMOUNT-UNIT"]
    assert report["waived"][0]["pointer"] == BLANK
    assert report["waived"][0]["waiver"]["line"] == 2
    assert report["counts"] == {"error": 0, "warning": 1, "info": 0}
    assert data["summary"]["waived"] == 1 and data["notices"] == []


def test_waived_findings_do_not_count_for_the_exit_code(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, """\
        waivers:
          - rule: SEC-EMPTY
            organ: 平潭综合实验区
            reason: 第五部分以表格发布，已核实
            approved_by: 审计组
            expires: 2099-12-31
        """)
    assert cli("check", PINGTAN).code == 0
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2100-01-01")
    assert cli("check", PINGTAN).code == 1


def test_waiver_after_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, WAIVER)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-07-01")
    outcome = cli("check", JIADING)
    out = outcome.out
    assert out.startswith("注意：豁免已于 2025-06-30 到期，不再生效：VAL-BLANK")
    assert "（disclosure-rules.yaml:2）" in out
    assert "警告 VAL-BLANK" in out
    assert "豁免已于 2025-06-30 到期，不再生效（disclosure-rules.yaml:2，批准人 王审计）" in out
    assert "已豁免" not in out
    en = cli("check", "--lang", "en", JIADING).out
    assert "note: a waiver expired on 2025-06-30 and no longer applies: VAL-BLANK" in en
    data = cli("check", "--format", "json", JIADING).json()
    assert data["notices"][0]["waiver"]["expires"] == "2025-06-30"
    blank = next(f for f in data["reports"][0]["findings"] if f["rule_id"] == "VAL-BLANK")
    assert blank["expired_waiver"]["approved_by"] == "王审计"


def test_waiver_scope(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-01-01")
    # an organ as pairing compares it: spacing and full-width letters aside
    for scope, waived in (("organ: 别的机关", 0), ("year: 2019", 0), ("pointer: /proactive", 0),
                          (f"pointer: {BLANK}", 1), ("year: 2020", 1),
                          ("organ: 上海市嘉定区 人力资源和社会保障局", 1),
                          ("organ: 上海市嘉定区人力资源和社会保障局办公室", 0)):
        _config(tmp_path, f"""\
            waivers:
              - rule: VAL-
                {scope}
                reason: r
                approved_by: a
                expires: 2030-01-01
            """)
        report = cli("check", "--format", "json", JIADING).json()["reports"][0]
        assert len(report["waived"]) == waived, scope


def test_waivers_share_fields_through_yaml_merge_keys(tmp_path: Path) -> None:
    # `<<: *anchor` is how YAML writes "the same reason, approver and date";
    # yaml.safe_load reads it, so a configuration must too.
    _config(tmp_path, """\
        waivers:
          - &reviewed
            rule: VAL-BLANK
            reason: 原件如此，已核实
            approved_by: 王审计
            expires: 2099-12-31
          - <<: *reviewed
            rule: PRO-AMOUNT-UNIT
            pointer: /proactive
        """)
    outcome = cli("check", "--fail-on", "warning", "--format", "json", JIADING)
    assert outcome.code == 0, outcome.err
    waived = {w["rule_id"]: w["waiver"] for w in outcome.json()["reports"][0]["waived"]}
    assert set(waived) == {"VAL-BLANK", "PRO-AMOUNT-UNIT"}
    assert waived["PRO-AMOUNT-UNIT"]["approved_by"] == "王审计"
    assert waived["PRO-AMOUNT-UNIT"]["pointer"] == "/proactive"
    assert waived["PRO-AMOUNT-UNIT"]["line"] == 7


@pytest.mark.parametrize(("text", "where"), [
    # a key written twice is still an error when a merge key is there too
    ("waivers:\n  - &w\n    rule: VAL-BLANK\n    reason: r\n    approved_by: a\n"
     "    expires: 2099-12-31\n  - <<: *w\n    reason: x\n    reason: y\n",
     ":9 (waivers[1].reason)"),
    # what is merged is checked as if written here
    ("waivers:\n  - &w\n    rule: VAL-BLANK\n    reason: r\n    approved_by: a\n"
     "    expires: 2099-12-31\n  - <<: *w\n    year: 二〇二〇\n",
     ":8 (waivers[1].year)"),
    ("waivers:\n  - <<: 1\n    rule: VAL-BLANK\n", ":2"),
])
def test_merge_keys_keep_errors_with_line_and_key(tmp_path: Path, text: str, where: str
                                                  ) -> None:
    config = _config(tmp_path, text)
    outcome = cli("check", JIADING)
    assert outcome.code == 2
    assert f"{config.name}{where}" in outcome.err
    assert "<unicode string>" not in outcome.err


def test_disable_and_severity(tmp_path: Path) -> None:
    _config(tmp_path, """\
        disable: [PRO-]
        severity:
          VAL-BLANK: error
        """)
    outcome = cli("check", "--format", "json", JIADING)
    assert outcome.code == 1
    findings = outcome.json()["reports"][0]["findings"]
    assert [(f["rule_id"], f["severity"]) for f in findings] == [("VAL-BLANK", "error")]


def test_severity_by_prefix_and_the_longest_prefix_wins(tmp_path: Path) -> None:
    # A prefix is accepted for severity as for disable and waivers: it must
    # also take effect (it once passed the check and changed nothing).
    _config(tmp_path, """\
        severity:
          PRO-: error
          VAL-: info
          VAL-B*: error
        """)
    outcome = cli("check", "--format", "json", JIADING)
    assert outcome.code == 1
    findings = outcome.json()["reports"][0]["findings"]
    assert sorted((f["rule_id"], f["severity"]) for f in findings) == [
        ("PRO-AMOUNT-UNIT", "error"), ("VAL-BLANK", "error")]


def test_explicit_config_and_extra_pack(tmp_path: Path) -> None:
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "extra.rules").write_text(textwrap.dedent("""\
        rule LOCAL-REVIEW-ZERO {
          title "本地：行政复议应为零" / "local: no administrative review"
          severity warning
          cite "本地规定"
          assert 表四.行政复议.总计 == 0 at 表四.行政复议.总计
        }
        """), encoding="utf-8")
    config = _config(tmp_path / "local", "rules: [extra.rules]\n", name="my.yaml")
    report = generated(30)
    report["appeals"]["review"] = {"upheld": 1, "corrected": 0, "other": 0, "pending": 0,
                                   "total": 1}
    path = write(tmp_path / "r.json", report)
    outcome = cli("check", "--config", config, "--format", "json", path)
    data = outcome.json()
    assert data["config"] == str(config)
    rules = {f["rule_id"] for f in data["reports"][0]["findings"]}
    assert rules == {"LOCAL-REVIEW-ZERO"}  # the official pack still runs, and passes
    assert "APP-BALANCE" in data["reports"][0]["evaluated"]


@pytest.mark.parametrize(("text", "where"), [
    ("bogus: 1\n", ":1 (bogus)"),
    ("disable: [APP-BALANCE, NO-SUCH]\n", ":1 (disable[1])"),
    ("severity:\n  APP-BALANCE: fatal\n", ":2 (severity.APP-BALANCE)"),
    ("severity:\n  NO-SUCH: error\n", ":2 (severity.NO-SUCH)"),
    ("waivers:\n  - reason: r\n    approved_by: a\n    expires: 2030-01-01\n"
     "    rule: NO-SUCH\n", ":5 (waivers[0].rule)"),
    ("rules: [nowhere/]\n", ":1 (rules[0])"),
    ("waivers:\n  - rule: VAL-BLANK\n    reason: r\n    approved_by: a\n    expires: soon\n",
     ":5 (waivers[0].expires)"),
    ("waivers:\n  - rule: VAL-BLANK\n    reason: r\n    expires: 2030-01-01\n",
     ":2 (waivers[0].approved_by)"),
    ("waivers:\n  - rule: VAL-BLANK\n    year: 二〇二〇\n    reason: r\n    approved_by: a\n"
     "    expires: 2030-01-01\n", ":3 (waivers[0].year)"),
    ("waivers:\n  - rule: VAL-BLANK\n    pointer: applications\n    reason: r\n"
     "    approved_by: a\n    expires: 2030-01-01\n", ":3 (waivers[0].pointer)"),
    ("waivers:\n  - rule: VAL-BLANK\n    reason: r\n    approved_by: a\n    expires: 2030-01-01\n"
     "    colour: red\n", ":6 (waivers[0].colour)"),
    ("disable: [A\n", ":2:1"),
    ("disable: [A, B\nseverity: x\n", ":2:9:"),  # YAML's own errors: line and column
    ("disable:\n\t- VAL-BLANK\n", ":2:1:"),
    # values PyYAML itself refuses to build, and wrong types
    ("severity:\n  SEC-TITLE: [1]\n", ":2 (severity.SEC-TITLE)"),
    ("waivers:\n  - rule: VAL-BLANK\n    reason: r\n    approved_by: a\n"
     "    expires: 2020-13-01\n", ":5 (waivers[0].expires)"),
    ("waivers:\n  - rule: VAL-BLANK\n    year: 2020-13-01\n    reason: r\n    approved_by: a\n"
     "    expires: 2030-01-01\n", ":3 (waivers[0].year)"),
    ("waivers:\n  - rule: VAL-BLANK\n    reason: !!float abc\n    approved_by: a\n"
     "    expires: 2030-01-01\n", ":3 (waivers[0].reason)"),
])
def test_bad_config_names_file_line_and_key(tmp_path: Path, text: str, where: str) -> None:
    config = _config(tmp_path, text)
    outcome = cli("check", JIADING)
    assert outcome.code == 2
    assert outcome.out == ""
    assert f"{config.name}{where}" in outcome.err


@pytest.mark.parametrize(("text", "where"), [
    ("waivers:\n  - rule: VAL-BLANK\n    reason: !local x\n    approved_by: a\n"
     "    expires: 2030-01-01\n", ":3 (waivers[0].reason)"),
    ("severity:\n  VAL-BLANK: !!binary xx\n", ":2 (severity.VAL-BLANK)"),
])
def test_a_value_yaml_cannot_build_is_one_line_naming_the_config_file(
        tmp_path: Path, text: str, where: str) -> None:
    # PyYAML's own message carries a second position block naming
    # "<unicode string>" — not the file — with a caret on lines of its own.
    config = _config(tmp_path, text)
    outcome = cli("check", JIADING)
    assert outcome.code == 2
    assert f"{config.name}{where}: 无法读取这个值 (cannot read this value)" in outcome.err
    assert "<unicode string>" not in outcome.err
    assert outcome.err.count("\n") == 1


def test_a_config_file_saved_as_gbk_names_the_line_and_says_so(tmp_path: Path) -> None:
    # What an editor that saves in the system's code page does to 机关 names.
    path = tmp_path / "disclosure-rules.yaml"
    path.write_bytes("disable: [PRO-]\nwaivers:\n  - rule: VAL-BLANK\n"
                     "    organ: 上海市嘉定区人力资源和社会保障局\n".encode("gbk"))
    outcome = cli("check", JIADING)
    assert outcome.code == 2
    assert "disclosure-rules.yaml:4:12: 不是 UTF-8 编码 (not UTF-8)；看起来是 GBK/GB18030 编码" \
        in outcome.err


def test_missing_config_file(tmp_path: Path) -> None:
    outcome = cli("check", "--config", tmp_path / "none.yaml", JIADING)
    assert outcome.code == 2 and "none.yaml" in outcome.err


def test_bad_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "tomorrow")
    outcome = cli("check", JIADING)
    assert outcome.code == 2 and "DISCLOSURE_RULES_TODAY" in outcome.err


def test_an_expired_waiver_is_noticed_alike_in_every_format_with_its_scope(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, WAIVER)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-07-01")
    scope = "[上海市嘉定区人力资源和社会保障局 · 2020 · /applications/results/unavailable]"
    zh = f"注意：豁免已于 2025-06-30 到期，不再生效：VAL-BLANK {scope}（disclosure-rules.yaml:2）"
    en = (f"note: a waiver expired on 2025-06-30 and no longer applies: VAL-BLANK {scope} "
          "(disclosure-rules.yaml:2)")
    assert cli("check", JIADING).out.startswith(zh + "\n")
    assert cli("check", "--lang", "en", JIADING).out.startswith(en + "\n")
    (notice,) = cli("check", "--format", "json", JIADING).json()["notices"]
    assert notice["message"] == {"zh": zh, "en": en}
    for lang, text in (("zh", zh), ("en", en)):
        log = cli("check", "--format", "sarif", "--lang", lang, JIADING).json()
        (note,) = log["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
        assert note["message"]["text"] == text
        page = cli("check", "--format", "html", "--lang", lang, JIADING).out
        assert f'<li class="problem">{text}</li>' in page
        suites = ET.fromstring(cli("check", "--format", "junit", "--lang", lang, JIADING).out)
        (run,) = [s for s in suites if s.get("name") == "disclosure-rules"]
        assert run.get("tests") == "0" and run.findtext("system-err") == text


STALE = """\
    waivers:
      - rule: VAL-BLANK
        organ: 上海市嘉定区人力资源和社会保障局
        reason: 原件如此
        approved_by: 王审计
        expires: 2030-06-30
      - rule: APP-BALANCE
        organ: 上海市嘉定区人力资源和社会保障局
        year: 2020
        reason: 已更正，豁免留着
        approved_by: 王审计
        expires: 2030-06-30
      - rule: APP-
        organ: 另一个机关
        reason: 别的机关的豁免
        approved_by: 王审计
        expires: 2030-06-30
      - rule: TXT-RESULTS
        reason: 本次未运行的规则
        approved_by: 王审计
        expires: 2030-06-30
    """


def test_a_waiver_that_waived_nothing_in_the_reports_it_concerns_is_noticed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # used (VAL-BLANK); concerning Jiading 2020 but nothing to waive (APP-BALANCE
    # holds): noticed; for an organ not checked: not noticed; of a rule this
    # run does not run (--ignore TXT-): not noticed
    _config(tmp_path, STALE)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2026-11-27")
    args = ("--ignore", "TXT-", JIADING)
    text = cli("check", *args)
    assert text.code == 0
    assert "豁免 APP-BALANCE [上海市嘉定区人力资源和社会保障局 · 2020]" in text.out
    assert "没有豁免任何问题" in text.out
    assert text.out.count("没有豁免任何问题") == 1
    data = cli("check", "--format", "json", *args).json()
    assert [(w["rule"], w["line"]) for w in data["summary"]["unused_waivers"]] == [
        ("APP-BALANCE", 7)]
    sarif = cli("check", "--format", "sarif", *args).json()
    notes = sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["waiver-unused"]
    assert "APP-BALANCE" in cli("check", "--format", "html", *args).out.split('id="summary"')[1]
    suites = ET.fromstring(cli("check", "--format", "junit", *args).out)
    (run,) = [s for s in suites if s.get("name") == "disclosure-rules"]
    assert "APP-BALANCE" in run.findtext("system-err", "") and "没有豁免任何问题" in run.findtext(
        "system-err", "")
    # with TXT- running, the waiver of TXT-RESULTS concerns every report and
    # waived nothing in Jiading's: noticed too
    both = cli("check", "--format", "json", JIADING).json()["summary"]["unused_waivers"]
    assert [w["rule"] for w in both] == ["APP-BALANCE", "TXT-RESULTS"]


def test_two_configuration_files_in_the_folder_are_an_error_not_one_ignored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _config(tmp_path, WAIVER)
    _config(tmp_path, "disable: [VAL-BLANK]\n", name="disclosure-rules.yml")
    monkeypatch.chdir(tmp_path)
    outcome = cli("check", JIADING)
    assert outcome.code == 2
    assert "disclosure-rules.yaml" in outcome.err and "disclosure-rules.yml" in outcome.err
    assert "--config" in outcome.err
    # naming one settles it
    assert cli("check", "--config", "disclosure-rules.yml", JIADING).code == 0


def test_a_section_with_every_entry_commented_out_is_empty(tmp_path: Path) -> None:
    config = _config(tmp_path, """\
        disable:
        #  - VAL-BLANK
        severity:
        waivers:
        #  - rule: VAL-BLANK
        rules: ~
    """)
    plain = cli("check", "--format", "json", JIADING).json()
    outcome = cli("check", "--format", "json", "--config", config, JIADING)
    assert outcome.code == 0, outcome.err
    assert outcome.json()["summary"] == plain["summary"]


def test_a_rule_path_in_the_configuration_may_start_with_the_home_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "packs").mkdir(parents=True)
    (home / "packs" / "extra.rules").write_text(
        'rule X-YEAR {\n  title "年度" / "year"\n  severity error\n  cite "c"\n'
        '  assert year >= 2099\n    at year\n}\n', encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    config = _config(tmp_path, "rules: ~/packs/extra.rules\n")
    outcome = cli("check", "--format", "json", "--config", config, JIADING)
    assert "X-YEAR" in {f["rule_id"] for r in outcome.json()["reports"] for f in r["findings"]}
