"""The message catalogue: every sentence the library says to people, Chinese
first, English from the same entry.

Rule packs bring their own rule titles and message templates; this catalogue
holds what the engine itself says (schema findings, not-evaluated reasons,
default identity messages, diagnoses) and the metadata of the checks that
the structure stage performs before any rule runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .findings import Message, Severity

__all__ = ["BUILTIN_RULES", "BuiltinRule", "msg", "type_name"]

_CATALOGUE: dict[str, tuple[str, str]] = {
    # -- structure stage (schema) --------------------------------------
    "schema.required": ("缺少“{label}”", "missing {label}"),
    "schema.required_section": (
        "缺少第{ordinal}部分“{label}”：年度报告须包括全部六部分",
        "section {ordinal} ({label}) is missing: a report has all six sections",
    ),
    "schema.unknown_key": (
        "未知的键“{key}”（不属于{fmt}年格式；本地扩展键须以 x_ 开头）{hint_zh}",
        "unknown key '{key}' (not part of the {fmt} format; local extension keys start "
        "with x_){hint_en}",
    ),
    "schema.type": (
        "应为{expected_zh}，实际为{actual_zh}：{value}",
        "expected {expected_en}, got {actual_en}: {value}",
    ),
    "schema.negative": ("计数不能为负数：{value}", "a count cannot be negative: {value}"),
    "schema.not_integer": ("件数应为整数：{value}", "a count must be a whole number: {value}"),
    "schema.minimum": ("不能小于 {limit}：{value}", "must be at least {limit}: {value}"),
    "schema.maximum": ("不能大于 {limit}：{value}", "must be at most {limit}: {value}"),
    "schema.enum": ("应为 {options} 之一，实际为 {value}", "must be one of {options}, got {value}"),
    "schema.date": (
        "不是有效日期（应写作 YYYY-MM-DD）：{value}",
        "not a valid date (write YYYY-MM-DD): {value}",
    ),
    "schema.empty": ("不能为空文本", "must not be empty"),
    "schema.other_rows": (
        "（六）其他处理缺少分项“{label}”（2021 年格式有 1–3 三个分项；若报告把（六）作为一行发布，"
        "请记在 x_subtotal 中）",
        "（六）其他处理 lacks its row {label} (the 2021 format has three rows; a report that "
        "published （六） as one row records it under x_subtotal)",
    ),
    "schema.other": ("不符合报告格式（{keyword}）：{value}",
                     "does not fit the report format ({keyword}): {value}"),
    "schema.not_object": (
        "年度报告应为一个 JSON 对象（键值表），实际为{actual_zh}",
        "a report is a JSON object, got {actual_en}",
    ),
    # -- FMT-TEMPLATE ----------------------------------------------------
    "fmt.declared_vs_year": (
        "格式声明为 {declared} 年格式，但 {year} 年度的报告应使用 {by_year} 年格式（{notice}）",
        "the report declares the {declared} format, but a report for {year} uses the "
        "{by_year} format ({notice})",
    ),
    "fmt.tables_vs_expected": (
        "这份 {year} 年度的报告使用了 {detected} 年格式的表格，"
        "应使用 {expected} 年格式（{notice}）",
        "this {year} report uses the {detected} tables; it should use the {expected} format "
        "({notice})",
    ),
    "fmt.tables_vs_declared": (
        "报告声明为 {expected} 年格式，但表格是 {detected} 年格式",
        "the report declares the {expected} format, but its tables are the {detected} format",
    ),
    "fmt.mixed": (
        "表格混用了两种格式：{places} 是 {minority} 年格式，其余为 {majority} 年格式",
        "the tables mix both formats: {places_en} follow the {minority} format, the rest the "
        "{majority} format",
    ),
    # -- engine ----------------------------------------------------------
    "ne.previous": (
        "未提供上一年度报告，无法检查跨年度一致性",
        "the previous year's report was not supplied",
    ),
    "ne.previous_format": (
        "上一年度报告是 {prev} 年格式，本规则要求两年都是 {formats} 年格式",
        "last year's report is in the {prev} format; this rule needs both years in the "
        "{formats} format",
    ),
    "ne.blank_sum": (
        "“{label}”为空白，未比较；依恒等式应为 {implied}",
        "{label} is blank and was not compared; the identity implies {implied}",
    ),
    "ne.blank_sum_all": (
        "“{label}”为空白，其余各项也都为空白，未比较",
        "{label} is blank, and so is every other cell of the identity; not compared",
    ),
    "ne.blank_sum_unknown": (
        "“{label}”为空白，未比较",
        "{label} is blank and was not compared",
    ),
    "ne.blank_addend": (
        "恒等式涉及空白单元格{cells}，按 0 计不成立；若空白处为 {implied}（合计）则成立，无法判断",
        "the identity involves blank cell(s) {cells_en}; it fails with them as 0 and holds if "
        "they total {implied}, so it cannot be judged",
    ),
    "ne.blank": (
        "涉及空白单元格{cells}，结果取决于空白处的值",
        "involves blank cell(s) {cells_en}; the result depends on what they should hold",
    ),
    "ne.missing": ("缺少“{label}”，未检查", "{label} is missing; not checked"),
    "ne.not_object": ("“{label}”不是对象，其下各项未检查",
                      "{label} is not an object; what it should hold is not checked"),
    "ne.bad_value": (
        "“{label}”的值不是数字（{value}），未检查",
        "{label} is not a number ({value_en}); not checked",
    ),
    "ne.bad_text": (
        "“{label}”的值不是文本（{value}），未检查",
        "{label} is not text ({value_en}); not checked",
    ),
    "ne.type": ("无法计算：{detail}", "cannot be computed: {detail_en}"),
    "ne.limit": ("超出计算上限（{detail}），未检查",
                 "over the evaluation limit ({detail}); not checked"),
    "ne.format": ("仅适用于 {formats} 年格式", "applies to the {formats} format only"),
    "ne.years": ("仅适用于 {years} 年度", "applies to the years {years} only"),
    "ne.when": ("适用条件不满足：{cond}", "its condition does not hold: {cond_en}"),
    "blank.implied": ("；恒等式推得应为 {implied}", "; the identities imply {implied}"),
    "default.fail": ("不成立：{equation}", "does not hold: {equation}"),
    "default.difference": ("（差 {diff}）", " (difference {diff})"),
    "default.tolerance": ("（容差 {tol}）", " (tolerance {tol})"),
    "default.blank_zero": ("（空白按 0 计）", " (blank counted as 0)"),
    # -- diagnosis -------------------------------------------------------
    "diag.cell": (
        "若“{label}”为 {suggested} 而非 {value}，则 {count} 条恒等式全部成立",
        "if {label} were {suggested} instead of {value}, all {count} identities would hold",
    ),
}

_TYPES_ZH = {
    "integer": "整数",
    "number": "数字",
    "string": "文本",
    "object": "对象",
    "array": "列表",
    "boolean": "布尔值",
    "null": "空白（null）",
}


def type_name(value: Any) -> str:
    """The JSON type name of a Python value read from JSON/YAML."""
    from decimal import Decimal

    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, (float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def type_zh(name: str) -> str:
    """Chinese name of a JSON type."""
    return _TYPES_ZH.get(name, name)


def msg(entry: str, /, **fields: Any) -> Message:
    """The catalogue entry ``entry`` with ``fields`` filled in."""
    if not fields:
        return _constant(entry)
    zh, en = _CATALOGUE[entry]
    return Message(zh.format(**fields), en.format(**fields))


@cache
def _constant(entry: str) -> Message:
    zh, en = _CATALOGUE[entry]
    return Message(zh, en)


@dataclass(frozen=True, slots=True)
class BuiltinRule:
    """Metadata of a check the structure stage performs itself."""

    rule_id: str
    severity: Severity
    title: Message
    cite: str


_FORMAT_CITE = (
    "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2019〕60号；"
    "国办公开办函〔2021〕30号）"
)

BUILTIN_RULES: dict[str, BuiltinRule] = {
    rule.rule_id: rule
    for rule in (
        BuiltinRule(
            "SCHEMA",
            Severity.ERROR,
            Message("报告结构符合数据格式（report JSON 合同）",
                    "the report has the structure of the report JSON contract"),
            _FORMAT_CITE + "；report-json 数据合同",
        ),
        BuiltinRule(
            "SEC-REQUIRED",
            Severity.ERROR,
            Message("年度报告包括全部六部分", "all six sections are present"),
            "《中华人民共和国政府信息公开条例》第五十条；国办公开办函〔2021〕30号“一、报告内容……不能遗漏”",
        ),
        BuiltinRule(
            "FMT-TEMPLATE",
            Severity.ERROR,
            Message("使用与年度相符的官方格式", "the official format matches the year"),
            "国办公开办函〔2019〕60号（2019–2020 年度）；国办公开办函〔2021〕30号（2021 年度起）",
        ),
        BuiltinRule(
            "VAL-NEGATIVE",
            Severity.ERROR,
            Message("件数不为负数", "counts are not negative"),
            _FORMAT_CITE + " 附件各表（数量为非负整数；2019 年格式“本年增/减”除外）",
        ),
        BuiltinRule(
            "VAL-INTEGER",
            Severity.ERROR,
            Message("件数为整数", "counts are whole numbers"),
            _FORMAT_CITE + " 附件各表（件数为整数；金额除外）",
        ),
    )
}

NOTICES = {"2019": "国办公开办函〔2019〕60号", "2021": "国办公开办函〔2021〕30号"}
