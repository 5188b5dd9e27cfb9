"""What the outputs of ``check`` say around the findings, Chinese first,
English from the same entry (the findings' own messages come from the
rule packs and :mod:`disclosure_rules.messages`), and the sentences more
than one output makes of a report, a waiver or a pairing, made here once
so that every format says the same."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..findings import Message, Severity

if TYPE_CHECKING:
    from ..batch import Checked, Pairing, Summary
    from ..findings import Finding
    from ..waivers import Waiver

__all__ = ["at", "bracketed", "colon", "count_of", "counts", "expired_note", "expired_notice",
           "heading", "pairing_lines", "plural", "provenance", "report_tally", "say",
           "separator", "severity_word", "summary_lines", "unused_notice", "waived_note",
           "words"]

_WORDS: dict[str, tuple[str, str]] = {
    # -- per report ------------------------------------------------------
    "head.year": ("{year} 年度", "year {year}"),
    "head.format": ("{fmt} 年格式", "{fmt} format"),
    "head.kind": ("由 {kind} 导入", "imported from {kind}"),
    "clean": ("无问题", "no findings"),
    "at": ("位置", "at"),
    "cite": ("依据", "basis"),
    "origin": ("原文", "as published"),
    "waiver_expired": ("豁免已于 {expires} 到期，不再生效（{where}，批准人 {approved_by}）",
                       "the waiver expired on {expires} and no longer applies ({where}, "
                       "approved by {approved_by})"),
    "diagnosis": ("诊断", "diagnosis"),
    "waived": ("已豁免 {n} 项", "{n} waived"),
    "waived_item": ("理由：{reason}；批准人 {approved_by}；有效期至 {expires}（{where}）",
                    "reason: {reason}; approved by {approved_by}; valid until {expires} "
                    "({where})"),
    "not_evaluated": ("未检查 {n} 项", "{n} not evaluated"),
    "not_evaluated_hint": ("未检查 {n} 项（--verbose 显示原因）",
                           "{n} not evaluated (--verbose shows why)"),
    "previous.given": ("上一年度报告：{file}（--previous 指定）",
                       "previous year: {file} (given with --previous)"),
    "previous.auto": ("上一年度报告：{file}（自动配对：同一编制主体，上一年度）",
                      "previous year: {file} (paired automatically: same organ, year before)"),
    "previous.ambiguous": ("上一年度报告：有 {n} 份候选（{files}），无法确定，未配对",
                           "previous year: {n} candidates ({files}), none paired"),
    "previous.problem": ("上一年度报告无法读取，跨年度规则未检查：{problem}",
                         "the previous year's report cannot be read; the year-over-year rules "
                         "were not evaluated: {problem}"),
    "unreadable": ("无法读取", "cannot read"),
    "internal": ("内部错误", "internal error"),
    # -- the run ---------------------------------------------------------
    "run.reports": ("共检查 {n} 份报告：{failed} 份未通过，{clean} 份无问题",
                    "checked {n} {reports}: {failed} failed, {clean} clean"),
    "run.reports_noted": ("共检查 {n} 份报告：{failed} 份未通过，{noted} 份通过但有提醒，"
                          "{clean} 份无问题",
                          "checked {n} {reports}: {failed} failed, {noted} passed with notes, "
                          "{clean} clean"),
    "run.unreadable": ("{n} 个输入无法读取", "{n} {inputs} could not be read"),
    "run.findings": ("共 {counts}", "{counts} in all"),
    "run.waiver_expired": ("注意：豁免已于 {expires} 到期，不再生效：{rule}{scope}（{where}）",
                           "note: a waiver expired on {expires} and no longer applies: "
                           "{rule}{scope} ({where})"),
    "run.waiver_unused": ("注意：豁免 {rule}{scope}（{where}）在本次检查的报告中没有豁免任何问题，"
                          "可能已不再需要",
                          "note: the waiver {rule}{scope} ({where}) waived nothing in the reports "
                          "checked; it may no longer be needed"),
    "run.none": ("没有可检查的报告", "no report to check"),
    "table.rule": ("规则", "rule"),
    "table.severity": ("级别", "severity"),
    "table.reports": ("报告数", "reports"),
    "table.findings": ("问题数", "findings"),
    "table.title": ("说明", "title"),
    "table.head": ("各规则未通过的报告数（共 {n} 份报告）", "reports breaking each rule (of {n})"),
    # -- JUnit / SARIF -----------------------------------------------------
    "junit.failures": ("{n} 个问题", "{n} {findings}"),
    # -- the HTML page ----------------------------------------------------
    "html.page.title": ("政府信息公开工作年度报告检查结果", "Annual report check results"),
    "html.page.legend": ("图例", "Legend"),
    "html.legend.part": ("参与计算的单元格", "cell taking part in a finding"),
    "html.legend.waived": ("已豁免", "waived"),
    "html.legend.blank": ("空白单元格（未填写，不是 0）", "blank cell (left empty, not 0)"),
    "html.badge.pass": ("通过", "passed"),
    "html.badge.fail": ("未通过", "failed"),
    "html.fail_on": ("以{severity}及以上为不通过", "fails on {severity} or worse"),
    "html.facts": ("报告信息", "Report facts"),
    "html.absent": ("（缺失）", "(missing)"),
    "html.section.absent": ("（本节缺失）", "(this section is missing)"),
    "html.section.malformed": ("（本节不是对象，无法按原样显示）",
                               "(this section is not an object and cannot be shown)"),
    "html.text.absent": ("（本节没有正文）", "(this section has no text)"),
    "html.text.empty": ("（正文为空）", "(the text is empty)"),
    "html.unshown": ("报告内容无法按原样显示：{reason}",
                     "The report cannot be shown as published: {reason}"),
    "html.unshown.object": ("不是报告对象", "not a report object"),
    "html.findings": ("问题", "Findings"),
    "html.findings.here": ("本节的问题", "Findings in this section"),
    "html.findings.head": ("报告信息的问题", "Findings on the report facts"),
    "html.cells": ("涉及", "cells"),
    "html.previous_year": ("上年", "last year"),
    "html.blank": ("空白", "blank"),
    "html.empty_text": ("空文本", "empty text"),
    "html.equation": ("比较", "comparison"),
    "html.difference": ("差", "difference"),
    "html.tolerance": ("容差", "tolerance"),
    "html.goto": ("定位", "show"),
    "html.enclosing": ("标示于所在位置", "marked at the enclosing place"),
    "html.whole": ("整个报告", "the report as a whole"),
    "html.diagnoses": ("诊断", "Diagnoses"),
    "html.suggested": ("建议值", "suggested value"),
    "html.waived.head": ("已豁免的问题", "Waived findings"),
    "html.not_evaluated.head": ("未检查的规则", "Rules not evaluated"),
    "html.summary": ("汇总", "Summary"),
    "html.index": ("报告目录", "Reports"),
    "html.index.link": ("报告目录与汇总", "index of reports and summary"),
    "html.index.report": ("报告", "report"),
    "html.index.organ": ("编制主体", "organ"),
    "html.index.year": ("年度", "year"),
    "html.index.result": ("结果", "result"),
    "html.notices": ("注意", "Notices"),
    "html.generator": ("由 disclosure-rules {version} 生成", "made by disclosure-rules {version}"),
}

_SEVERITY_EN = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
_PLURALS = {"errors": "error", "warnings": "warning", "infos": "info", "reports": "report",
            "inputs": "input", "findings": "finding"}
_ORIGIN = {"line": ("第{v}行", "line {v}"), "page": ("第{v}页", "page {v}"),
           "table": ("第{v}个表格", "table {v}"), "row": ("第{v}行", "row {v}"),
           "column": ("第{v}列", "column {v}"), "paragraph": ("第{v}段", "paragraph {v}"),
           "text": ("印作“{v}”", "printed as “{v}”")}


def words(entry: str, /, **fields: Any) -> Message:
    """Both languages of ``entry`` with ``fields`` filled in."""
    zh, en = _WORDS[entry]
    return Message(zh.format(**fields), en.format(**fields))


def say(entry: str, lang: str, /, **fields: Any) -> str:
    """One language of ``entry``."""
    zh, en = _WORDS[entry]
    return (en if lang == "en" else zh).format(**fields)


def plural(word: str, n: int) -> str:
    """An English noun for ``n`` things (``errors`` → ``error`` for one)."""
    return _PLURALS.get(word, word) if n == 1 else word


def count_of(n: int, severity: Severity, lang: str) -> str:
    """"2 个错误" / "2 errors"."""
    if lang == "en":
        return f"{n} {plural(_SEVERITY_EN[severity] + 's', n)}"
    return f"{n} 个{severity.zh}"


def counts(values: Mapping[str, int], lang: str) -> str:
    """"1 个错误，2 个警告，0 个提示" / "1 error, 2 warnings, 0 infos"."""
    return (", " if lang == "en" else "，").join(
        count_of(values[s.value], s, lang) for s in Severity)


def colon(lang: str) -> str:
    """"：" in Chinese, ": " in English."""
    return ": " if lang == "en" else "："


def bracketed(text: str, lang: str) -> str:
    """`` (text)`` in English, ``（text）`` in Chinese (which takes no space)."""
    return f" ({text})" if lang == "en" else f"（{text}）"


def separator(lang: str) -> str:
    """Between clauses of a summary line: "；" / "; "."""
    return "; " if lang == "en" else "；"


def severity_word(severity: Severity, lang: str) -> str:
    """错误 / 警告 / 提示, or error / warning / info."""
    return _SEVERITY_EN[severity] if lang == "en" else severity.zh


def provenance(source: Mapping[str, Any] | None, lang: str) -> str:
    """Where a cell was read in a published report, and what was printed
    there when it is not the value: "第4页第2个表格第5行，印作“898989”" /
    "page 4, table 2, row 5, printed as “898989”"."""
    if not source:
        return ""
    shown = ""
    for key, value in source.items():
        zh, en = _ORIGIN.get(key, ("{k} {v}", "{k} {v}"))
        part = (en if lang == "en" else zh).format(k=key, v=value)
        if shown:
            # in Chinese the place reads as one phrase (第4页第2个表格), and
            # what was printed is a clause of its own: "第19行898989" would
            # read as one number
            shown += ", " if lang == "en" else "，" if key == "text" else ""
        shown += part
    return shown


def summary_lines(summary: Summary, lang: str, verbose: bool) -> tuple[str, str]:
    """The run's two closing lines, as every human-readable output ends:
    how many reports failed / passed with findings below ``--fail-on`` /
    were clean (and inputs unreadable); then the findings by severity,
    waived findings and rules not evaluated."""
    sep = separator(lang)
    if summary.reports:
        noted = summary.reports - summary.failed - summary.clean
        entry = "run.reports_noted" if noted else "run.reports"
        first = [say(entry, lang, n=summary.reports, failed=summary.failed, noted=noted,
                     clean=summary.clean, reports=plural("reports", summary.reports))]
        if summary.fail_on is not Severity.ERROR:
            first[0] += bracketed(f"--fail-on {summary.fail_on.value}", lang)
    else:
        first = [say("run.none", lang)]
    if summary.unreadable:
        first.append(say("run.unreadable", lang, n=summary.unreadable,
                         inputs=plural("inputs", summary.unreadable)))
    second = [say("run.findings", lang, counts=counts(summary.findings, lang))]
    if summary.waived:
        second.append(say("waived", lang, n=summary.waived))
    if summary.not_evaluated:
        key = "not_evaluated" if verbose else "not_evaluated_hint"
        second.append(say(key, lang, n=summary.not_evaluated))
    return sep.join(first), sep.join(second)


# -- what several outputs say of a report, a waiver, a pairing --------------


def expired_notice(waiver: Waiver) -> Message:
    """The run's notice of a waiver that has expired: its rule, its scope,
    the day it expired and where it is written (every format's notice)."""
    scope = waiver.scope
    return words("run.waiver_expired", expires=waiver.expires, rule=waiver.rule,
                 scope=f" [{scope}]" if scope else "", where=waiver.where)


def unused_notice(waiver: Waiver) -> Message:
    """The run's notice of a waiver that concerned a report checked but
    waived none of its findings."""
    scope = waiver.scope
    return words("run.waiver_unused", rule=waiver.rule, scope=f" [{scope}]" if scope else "",
                 where=waiver.where)


def expired_note(waiver: Waiver) -> Message:
    """What a finding says of the expired waiver that no longer covers it."""
    return words("waiver_expired", expires=waiver.expires, where=waiver.where,
                 approved_by=waiver.approved_by)


def waived_note(waiver: Waiver) -> Message:
    """What a waived finding says of its waiver: reason, approver, expiry
    and where it is written."""
    return words("waived_item", reason=waiver.reason, approved_by=waiver.approved_by,
                 expires=waiver.expires, where=waiver.where)


def heading(checked: Checked, lang: str) -> str:
    """The facts after a report's name: organ, year, format, and what a
    published report was imported from ("" when none is known)."""
    result = checked.result
    facts = []
    if result.organ:
        facts.append(result.organ)
    if result.year is not None:
        facts.append(say("head.year", lang, year=result.year))
    if result.format:
        facts.append(say("head.format", lang, fmt=result.format))
    if checked.source.kind == "published":
        facts.append(say("head.kind", lang, kind=checked.kind))
    return (", " if lang == "en" else "，").join(facts)


def report_tally(checked: Checked, lang: str, verbose: bool) -> str:
    """A report's one-line count: its findings by severity (or "no
    findings"), the waived ones, the rules not evaluated."""
    result = checked.result
    tail = [counts({s.value: result.count(s) for s in Severity}, lang)
            if result.findings else say("clean", lang)]
    if checked.waived:
        tail.append(say("waived", lang, n=len(checked.waived)))
    if result.not_evaluated:
        key = "not_evaluated" if verbose else "not_evaluated_hint"
        tail.append(say(key, lang, n=len(result.not_evaluated)))
    return separator(lang).join(tail)


#: candidates named in a human output's line about an ambiguous pairing
_CANDIDATES_SHOWN = 5


def pairing_lines(pairing: Pairing | None, lang: str) -> list[str]:
    """How last year's report was found (or why none was), and whether it
    could be read."""
    if pairing is None:
        return []
    if pairing.how == "ambiguous":
        shown = ", ".join(pairing.files[:_CANDIDATES_SHOWN])
        if len(pairing.files) > _CANDIDATES_SHOWN:
            # a batch may hold dozens of copies: the JSON output lists them all
            shown += "…" if lang != "en" else ", …"
        lines = [say("previous.ambiguous", lang, n=len(pairing.files), files=shown)]
    else:
        lines = [say(f"previous.{pairing.how}", lang, file=pairing.file)]
    if pairing.problem:
        lines.append(say("previous.problem", lang, problem=pairing.problem))
    return lines


def at(checked: Checked, finding: Finding, index: int | None = None) -> str:
    """Where a finding is: its place in the input (``file:line:column``,
    when known) and its JSON Pointer."""
    return " ".join(p for p in (checked.location(finding, index), finding.pointer) if p)
