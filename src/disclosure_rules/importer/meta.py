"""Report facts outside the six sections: year, organ, publication date,
and which official format the tables use.

Year and organ come from the report title, which real reports print in
several ways::

    2020 年政府信息公开工作年度报告 (上海市嘉定区人力资源和社会保障局)
    2024年淮安市人民政府政府信息公开工作年度报告
    平潭综合实验区2019年度政府信息公开工作年度报告
    洪泽区人民政府                      ← organ on the line above
    2023 年政府信息公开工作年度报告

The organ's kind and level are inferred from its name where the name says
them (人民政府 → government; 区/县 → county …) and omitted otherwise.
The format is detected from signature labels that only one format's tables
print (derived from the schemas, not listed here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from ..layout import FORMATS, Format, layout
from ..normalize import label_key, normalize_label
from .numbers import fold

__all__ = ["TitleFacts", "detect_format", "is_title", "organ_facts", "published_on",
           "title_facts"]

_TITLE = re.compile(
    r"(?P<pre>[^\d\n]*?)(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?P<mid>[^\n]*?)\s*"
    r"(?:政府信息公开|政务公开|信息公开)(?:工作)?(?:年度)?(?:报告|年报)"
    r"(?:\s*[(（]\s*(?P<paren>[^()（）\n]{2,40}?)\s*[)）])?"
)
_LABEL_PREFIX = re.compile(r"^\s*(?:标题|题目|文章标题|title)\s*[:：]\s*", re.IGNORECASE)
_ORGAN_LINE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}(?:人民政府|政府|办公厅|办公室|局|委员会|委|厅|院|署|中心|办事处|"
    r"街道|镇|乡|管委会|管理委员会|实验区|新区|开发区|区|县|市|部)$"
)
_DATE = re.compile(
    r"(?:发布时间|发布日期|公开日期|发文日期|PubDate)\s*[:：]?\s*"
    r"(?P<y>(?:19|20)\d{2})\s*[-年./]\s*(?P<m>\d{1,2})\s*[-月./]\s*(?P<d>\d{1,2})",
    re.IGNORECASE,
)
_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_UNIT = re.compile(
    r"(?P<name>[\u4e00-\u9fff]{1,7}?)"
    r"(?P<unit>特别行政区|自治区|自治州|自治县|自治旗|省|地区|市|盟|州|区|县|旗|街道|镇|乡)"
)
_NOT_PLACE = set("和与及局厅委部办会司处科室所站队院校馆")
_ZONES = ("开发区", "新区", "实验区", "高新区", "园区", "示范区", "保税区", "合作区", "试验区")


@dataclass(frozen=True, slots=True)
class TitleFacts:
    """What the title says: year and organ name (both None: no title found)."""

    year: int | None
    organ: str | None


def _clean_organ(text: str) -> str:
    """An organ name without label prefixes, the quotation or title marks of
    a quoted title (“…”, 《…》) left at its ends, and trailing particles."""
    text = _unquoted(_LABEL_PREFIX.sub("", fold(text)).strip(" \t:：-—_#*"))
    return _unquoted(re.sub(r"(?:关于|的)$", "", text).strip())


#: opening mark → closing mark (a straight quote is both)
_MARKS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "「": "」", "『": "』", "【": "】",
          '"': '"', "'": "'"}
_CLOSING = {close: open_ for open_, close in _MARKS.items()}


def _unquoted(text: str) -> str:
    """``text`` without a mark at either end whose partner is not in it (the
    title's quotes cut off by the name), nor a pair around all of it: a mark
    that pairs inside the name, as in 《xx》编辑部, stays."""
    while text and text[0] in _MARKS and _MARKS[text[0]] not in text[1:]:
        text = text[1:].strip()
    while text and text[-1] in _CLOSING and _CLOSING[text[-1]] not in text[:-1]:
        text = text[:-1].strip()
    # a name quoted whole: “淮安市人民政府”
    while len(text) > 2 and text[0] in _MARKS and text[-1] == _MARKS[text[0]] and \
            text[0] not in text[1:-1] and text[-1] not in text[1:-1]:
        text = text[1:-1].strip()
    return text


def _title_match(raw: str) -> re.Match[str] | None:
    """The report title in a line, if it is one."""
    return _TITLE.search(_LABEL_PREFIX.sub("", raw.strip()))


def is_title(line: str) -> bool:
    """Whether a line is a report title (what :func:`title_facts` reads)."""
    return _title_match(line) is not None


def title_facts(lines: Sequence[str]) -> TitleFacts:
    """Year and organ from the first title-like line of ``lines``."""
    for i, raw in enumerate(lines):
        match = _title_match(raw)
        if match is None:
            continue
        year = int(match.group("year"))
        organ = None
        for part in (match.group("paren"), match.group("mid"), match.group("pre")):
            if part and _clean_organ(part) and re.search(r"[\u4e00-\u9fff]{2}", part):
                organ = _clean_organ(part)
                break
        if organ is None:
            for j in range(i - 1, max(-1, i - 4), -1):
                previous = _clean_organ(lines[j])
                if previous and _ORGAN_LINE.match(previous):
                    organ = previous
                    break
        return TitleFacts(year, organ)
    return TitleFacts(None, None)


def organ_facts(name: str) -> dict[str, str]:
    """``kind`` and ``level`` as far as the organ's name says them."""
    facts: dict[str, str] = {}
    facts["kind"] = "government" if name.endswith(("人民政府", "人民政府办公厅")) else "department"
    level = _level(name)
    if level is not None:
        facts["level"] = level
    return facts


def _level(name: str) -> str | None:
    """The administrative level the organ's name states, if any."""
    if name.startswith(("国务院", "国家", "中华人民共和国")):
        return "state_council_department"
    units: list[tuple[str, str]] = []
    pos = 0
    while pos < len(name):
        match = _UNIT.match(name, pos)
        if match is None or set(match.group("name")) & _NOT_PLACE:
            break
        units.append((match.group("name"), match.group("unit")))
        pos = match.end()
    if not units or any(name[: pos].endswith(zone) for zone in _ZONES):
        return None
    place, unit = units[-1]
    if unit in {"省", "自治区", "特别行政区"}:
        return "provincial"
    if unit in {"街道", "镇", "乡"}:
        return "township"
    if unit in {"县", "自治县", "旗", "自治旗"}:
        return "county"
    if unit in {"州", "自治州", "地区", "盟"}:
        return "municipal"
    if unit == "市":
        if len(units) == 1 and place.startswith(_MUNICIPALITIES):
            return "provincial"
        if len(units) >= 2 and units[-2][1] in {"市", "州", "自治州", "地区", "盟"}:
            return "county"  # a county-level city under a prefecture
        return "municipal"
    if unit == "区":
        return "county"
    return None  # pragma: no cover - every unit above is handled


def published_on(lines: Iterable[str]) -> str | None:
    """An explicitly stated publication date (发布时间/发布日期 …), ISO form."""
    for line in lines:
        match = _DATE.search(fold(line))
        if match is not None:
            y, m, d = int(match.group("y")), int(match.group("m")), int(match.group("d"))
            if 1 <= m <= 12 and 1 <= d <= 31:
                return f"{y:04d}-{m:02d}-{d:02d}"
    return None


@cache
def _signatures() -> dict[Format, frozenset[str]]:
    """Normalised labels that only one format's tables print."""
    labels: dict[Format, set[str]] = {}
    every: dict[Format, set[str]] = {}  # titles and aliases
    for fmt in FORMATS:
        root = layout(fmt)
        found: set[str] = set()
        names: set[str] = set()
        for section in ("proactive", "applications"):
            for _, node in root.children[section].walk():
                if node.key.startswith("x_") or node.key in {"title", "text"}:
                    continue
                full = normalize_label(node.title)
                names.add(full)
                names.update(normalize_label(a) for a in node.aliases)
                if len(label_key(node.title)) >= 4 and "·" not in full:
                    found.add(full)
        labels[fmt] = found
        every[fmt] = names
    out: dict[Format, frozenset[str]] = {}
    for fmt in FORMATS:
        other = every["2021" if fmt == "2019" else "2019"]
        out[fmt] = frozenset(
            label for label in labels[fmt]
            if label not in other and not any(label in o for o in other)
        )
    return out


def detect_format(text: str) -> tuple[Format | None, dict[Format, list[str]]]:
    """The format whose signature labels appear in ``text`` (normalised
    table text), with the labels found for each format."""
    norm = normalize_label(text)
    hits: dict[Format, list[str]] = {
        fmt: sorted(label for label in labels if label in norm or label_key(label) in norm)
        for fmt, labels in _signatures().items()
    }
    n19, n21 = len(hits["2019"]), len(hits["2021"])
    if n19 == n21:
        return None, hits
    return ("2019" if n19 > n21 else "2021"), hits
