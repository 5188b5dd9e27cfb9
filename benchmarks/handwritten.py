"""A hand-written checker: the baseline the engine is measured against.

It does what ``disclosure_rules.check`` does with the official pack on a
report without a previous year — structure (required keys, cell types,
unknown keys), every value rule, every identity of tables 三 and 四, the
table 二 plausibility rules, sections and titles, the format, the deadline,
the narrative numbers — in plain, straightforward Python, the way someone
would write it by hand for one format pair. It returns (rule id, pointer)
pairs. It is not used by the library; it exists to keep the engine honest
about speed (benchmarks/bench_check.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution",
              "public_interest_org", "legal_service_org", "other_org")
LEGAL = APPLICANTS[1:]
SEVEN = (*APPLICANTS, "total")
WITHHELD = ("state_secret", "prohibited_by_law", "security_stability", "third_party_rights",
            "internal_affairs", "process_information", "enforcement_files", "inquiry_matters")
UNAVAILABLE = ("not_held", "needs_creation", "unclear_after_amendment")
NOT_PROCESSED = ("petition_complaint", "repeated", "publications", "excessive", "confirmation")
OTHER_2021 = ("no_amendment", "unpaid_fee", "other")
APPEAL_FIELDS = ("upheld", "corrected", "other", "pending", "total")
SECTIONS = {
    "overview": "一、总体情况", "proactive": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "appeals": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况", "other_matters": "六、其他需要报告的事项",
}
PROACTIVE = {
    "2019": {
        "art20_1": {"rules": ("new_made", "new_published", "total_published"),
                    "normative_documents": ("new_made", "new_published", "total_published")},
        "art20_5": {"licensing": ("prior_year_items", "change", "decisions"),
                    "other_services": ("prior_year_items", "change", "decisions")},
        "art20_6": {"penalty": ("prior_year_items", "change", "decisions"),
                    "enforcement": ("prior_year_items", "change", "decisions")},
        "art20_8": {"fees": ("prior_year_items", "change")},
        "art20_9": {"procurement": ("projects", "amount")},
    },
    "2021": {
        "art20_1": {"rules": ("issued", "repealed", "in_force"),
                    "normative_documents": ("issued", "repealed", "in_force")},
        "art20_5": {"licensing": ("decisions",)},
        "art20_6": {"penalty": ("decisions",), "enforcement": ("decisions",)},
        "art20_8": {"fees": ("amount",)},
    },
}
NUM = r"([0-9]+|[〇零一二三四五六七八九十百千万两]+)"
RECEIVED = re.compile(
    rf"(?:共收到|收到|新收|受理)"
    rf"(?:[^。；，,复诉]{{0,20}}?申请{NUM}件|{NUM}件[^。；，,复诉]{{0,6}}?申请)"
)
NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理)[^。；复诉]{0,12}?申请")
FORWARD = re.compile(
    rf"结转(?:到|至)?下(?:一)?年度[^。；，,]{{0,8}}?{NUM}件"
    rf"|{NUM}件(?:申请)?结转(?:到|至)?下(?:一)?年度"
)
OVER = re.compile(
    rf"上(?:一)?年度?结转[^。；，,]{{0,6}}?{NUM}件"
    rf"|结转上(?:一)?年度?[^。；，,]{{0,6}}?{NUM}件"
)
REVIEW = re.compile(rf"行政复议[^。；，,]{{0,6}}?{NUM}件")
LAWSUIT = re.compile(rf"(?:行政)?诉讼[^。；，,]{{0,6}}?{NUM}件")
NO_REVIEW = re.compile(r"(?:未|没有)(?:发生|收到|出现)[^。；]{0,8}?行政复议")
NO_LAWSUIT = re.compile(r"(?:未|没有)(?:发生|收到|出现)[^。；]{0,8}?行政诉讼")
CONCLUDED_UPHELD = re.compile(
    r"(?:行政复议|诉讼)[^。；]{0,20}?审结[^。；]{0,6}?均(?:获|被|予以)?维持"
)
UPHELD = re.compile(r"(?:行政复议|诉讼)[^。；]{0,20}?均(?:获|被|予以)?维持")
CATEGORIES = {
    "both": re.compile(rf"予以公开(?:及|和|与)部分公开(?:的)?(?:申请)?{NUM}件"),
    "disclosed": re.compile(rf"予以公开(?:的)?(?:申请)?{NUM}件"),
    "partially_disclosed": re.compile(rf"(?:^|[^及和与])部分公开(?:的)?(?:申请)?{NUM}件"),
    "withheld": re.compile(rf"不予公开(?:的)?(?:申请)?{NUM}件"),
    "unavailable": re.compile(rf"无法提供(?:的)?(?:申请)?{NUM}件"),
    "not_processed": re.compile(rf"不予处理(?:的)?(?:申请)?{NUM}件"),
    "other": re.compile(rf"其他处理(?:的)?(?:申请)?{NUM}件"),
}
BREAKDOWN = re.compile(
    rf"共[^。；（(]{{0,30}}?{NUM}(?:条|件|项|个)[，,]?[（(]其中[^）)]{{1,600}}[）)]"
)
COUNTED = re.compile(r"([0-9]+|[〇零一二三四五六七八九十百千万两]+)(?=[条件项个篇次人])")
DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}
SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return SPACE.sub("", unicodedata.normalize("NFKC", text))


def n(value: Any) -> Any:
    return 0 if value is None else value


def number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in "十百千":
            section += (1 if digit is None else digit) * {"十": 10, "百": 100, "千": 1000}[ch]
            digit = None
        elif ch == "万":
            total, section, digit = (total + section + (digit or 0)) * 10000, 0, None
    return total + section + (digit or 0)


def first(match: re.Match[str]) -> int:
    return number(next(g for g in match.groups() if g))


def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicated key")
    return result


def unknown_keys(obj: dict[str, Any], known: Any, pointer: str,
                 out: list[tuple[str, str]]) -> None:
    for key in obj:
        if key not in known and not key.startswith("x_"):
            out.append(("SCHEMA", f"{pointer}/{key}"))


def check_handwritten(text: str) -> list[tuple[str, str]]:
    """json.loads + every check of the official pack, by hand."""
    doc = json.loads(text, parse_float=Decimal, object_pairs_hook=no_duplicates)
    out: list[tuple[str, str]] = []
    if not isinstance(doc.get("year"), int) or not isinstance(doc.get("organ"), dict) or \
            not isinstance(doc["organ"].get("name"), str):
        out.append(("SCHEMA", "/year"))
    unknown_keys(doc["organ"], ("name", "kind", "level"), "/organ", out)
    for key in SECTIONS:
        section = doc.get(key)
        if isinstance(section, dict):
            for field in ("title", "text"):
                if field in section and not isinstance(section[field], str):
                    out.append(("SCHEMA", f"/{key}/{field}"))
    year = doc.get("year")
    fmt = "2019" if year <= 2020 else "2021"
    declared = doc.get("format")
    if declared not in (None, fmt):
        out.append(("FMT-TEMPLATE", "/format"))
    for key in doc:
        if key not in SECTIONS and key not in ("year", "organ", "format", "published_on",
                                               "source") and not key.startswith("x_"):
            out.append(("SCHEMA", "/" + key))
    for key, title in SECTIONS.items():
        section = doc.get(key)
        if section is None:
            out.append(("SEC-REQUIRED", "/" + key))
            continue
        if norm(section.get("title", "")) != norm(title):
            out.append(("SEC-TITLE", f"/{key}/title"))
        if key in ("overview", "problems", "other_matters") and not norm(section.get("text", "")):
            out.append(("SEC-EMPTY", f"/{key}/text"))

    cells: list[tuple[str, Any, str]] = []  # pointer, value, kind
    proactive = doc["proactive"]
    for table, rows in PROACTIVE[fmt].items():
        for row, columns in rows.items():
            values = proactive[table][row]
            for column in values:
                if column not in columns and not column.startswith("x_"):
                    out.append(("SCHEMA", f"/proactive/{table}/{row}/{column}"))
            for column in columns:
                kind = "signed" if column == "change" else "money" if column == "amount" \
                    else "count"
                cells.append((f"/proactive/{table}/{row}/{column}", values[column], kind))
    apps = doc["applications"]
    results = apps["results"]
    rows: list[tuple[str, dict[str, Any]]] = [
        ("/applications/new_received", apps["new_received"]),
        ("/applications/carried_over", apps["carried_over"]),
        ("/applications/results/disclosed", results["disclosed"]),
        ("/applications/results/partially_disclosed", results["partially_disclosed"]),
    ]
    groups = [("withheld", WITHHELD), ("unavailable", UNAVAILABLE),
              ("not_processed", NOT_PROCESSED)]
    if fmt == "2021":
        groups.append(("other", OTHER_2021))
    else:
        rows.append(("/applications/results/other", results["other"]))
    for group, members in groups:
        for member in members:
            rows.append((f"/applications/results/{group}/{member}", results[group][member]))
    rows.append(("/applications/results/total", results["total"]))
    rows.append(("/applications/carried_forward", apps["carried_forward"]))
    unknown_keys(apps, ("title", "text", "new_received", "carried_over", "results",
                        "carried_forward"), "/applications", out)
    unknown_keys(results, ("disclosed", "partially_disclosed", "withheld", "unavailable",
                           "not_processed", "other", "total"), "/applications/results", out)
    for group, members in groups:
        unknown_keys(results[group], (*members, "x_subtotal"), f"/applications/results/{group}",
                     out)
    for pointer, row in rows:
        unknown_keys(row, SEVEN, pointer, out)
        for column in SEVEN:
            cells.append((f"{pointer}/{column}", row[column], "count"))
        if n(row["total"]) != sum(n(row[c]) for c in APPLICANTS):
            out.append(("APP-ROW-TOTAL", pointer + "/total"))
        if "x_legal_entities" in row and n(row["x_legal_entities"]) != sum(
                n(row[c]) for c in LEGAL):
            out.append(("APP-EXTENSION", pointer + "/x_legal_entities"))
    appeals = doc["appeals"]
    unknown_keys(appeals, ("title", "text", "review", "litigation_direct",
                           "litigation_after_review"), "/appeals", out)
    unknown_keys(proactive, ("title", "text", *PROACTIVE[fmt]), "/proactive", out)
    for group in ("review", "litigation_direct", "litigation_after_review"):
        values = appeals[group]
        unknown_keys(values, APPEAL_FIELDS, f"/appeals/{group}", out)
        for field in APPEAL_FIELDS:
            cells.append((f"/appeals/{group}/{field}", values[field], "count"))
        if n(values["total"]) != sum(n(values[f]) for f in APPEAL_FIELDS[:4]):
            out.append(("APL-TOTAL", f"/appeals/{group}/total"))

    for pointer, value, kind in cells:
        if value is None:
            out.append(("VAL-BLANK", pointer))
            continue
        if not isinstance(value, (int, Decimal)) or isinstance(value, bool):
            out.append(("SCHEMA", pointer))
            continue
        if kind != "signed" and value < 0:
            out.append(("VAL-NEGATIVE", pointer))
        if kind != "money" and value != int(value):
            out.append(("VAL-INTEGER", pointer))

    received = apps["new_received"]
    over = apps["carried_over"]
    forward = apps["carried_forward"]
    total = results["total"]
    balance = {}
    for column in SEVEN:
        left = n(received[column]) + n(over[column])
        right = n(total[column]) + n(forward[column])
        balance[column] = left - right
        if left != right:
            out.append(("APP-BALANCE", f"/applications/results/total/{column}"))
            if n(total[column]) > left:
                out.append(("APP-BOUND", f"/applications/results/total/{column}"))
        answered = n(results["disclosed"][column]) + n(results["partially_disclosed"][column])
        for group, members in groups:
            answered += sum(n(results[group][m][column]) for m in members)
        if fmt == "2019":
            answered += n(results["other"][column])
        if answered != n(total[column]):
            out.append(("APP-RESULTS-SUM", f"/applications/results/total/{column}"))
    if balance["total"] == 0:
        for a in APPLICANTS:
            for b in APPLICANTS:
                if a != b and balance[a] > 0 and balance[a] + balance[b] == 0:
                    out.append(("APP-WRONG-COLUMN", f"/applications/results/total/{a}"))

    organ = doc["organ"]
    level = organ.get("level")
    if level in ("county", "township"):
        for column, value in proactive["art20_1"]["rules"].items():
            if value:
                out.append(("PRO-RULES-POWER", f"/proactive/art20_1/rules/{column}"))
    if fmt == "2019":
        for row in ("rules", "normative_documents"):
            values = proactive["art20_1"][row]
            if n(values["new_published"]) > n(values["total_published"]):
                out.append(("PRO-PUBLISHED-TOTAL", f"/proactive/art20_1/{row}/total_published"))
        if n(proactive["art20_9"]["procurement"]["amount"]) >= 100000:
            out.append(("PRO-AMOUNT-UNIT", "/proactive/art20_9/procurement/amount"))
    elif n(proactive["art20_8"]["fees"]["amount"]) >= 100000:
        out.append(("PRO-AMOUNT-UNIT", "/proactive/art20_8/fees/amount"))

    kind = organ.get("kind")
    if "published_on" in doc and kind:
        deadline = dt.date(year + 1, 1, 31) if kind == "department" else dt.date(year + 1, 3, 31)
        if dt.date.fromisoformat(doc["published_on"]) > deadline:
            out.append(("PUB-DEADLINE", "/published_on"))
    overview = SPACE.sub("", doc["overview"].get("text", ""))
    assessed = ("考核", "评议|测评", "追究|问责")
    if kind == "government" and not all(re.search(w, overview) for w in assessed):
        out.append(("GOV-ASSESSMENT", "/overview/text"))
    new_total = n(received["total"])
    lawsuits = n(appeals["litigation_direct"]["total"]) + \
        n(appeals["litigation_after_review"]["total"])
    answered = {key: sum(n(results[key][c]) for c in APPLICANTS)
                for key in ("disclosed", "partially_disclosed")}
    for group, members in groups:
        answered[group] = sum(n(results[group][m][c]) for m in members for c in APPLICANTS)
    if fmt == "2019":
        answered["other"] = sum(n(results["other"][c]) for c in APPLICANTS)
    answered["both"] = answered["disclosed"] + answered["partially_disclosed"]
    for section in ("overview", "problems", "other_matters"):
        text = SPACE.sub("", doc[section].get("text", ""))
        for match in RECEIVED.finditer(text):
            value = first(match)
            if value not in (new_total, new_total + n(over["total"])):
                out.append(("TXT-RECEIVED", "/applications/new_received/total"))
            if value > 0 and new_total == 0:
                out.append(("TXT-NONE-RECEIVED", "/applications/new_received/total"))
        if NONE_RECEIVED.search(text) and new_total:
            out.append(("TXT-NONE-RECEIVED", "/applications/new_received/total"))
        for match in FORWARD.finditer(text):
            if first(match) != n(forward["total"]):
                out.append(("TXT-CARRIED", "/applications/carried_forward/total"))
        for match in OVER.finditer(text):
            if first(match) != n(over["total"]):
                out.append(("TXT-CARRIED", "/applications/carried_over/total"))
        for match in REVIEW.finditer(text):
            if first(match) != n(appeals["review"]["total"]):
                out.append(("TXT-APPEALS", "/appeals/review/total"))
        for match in LAWSUIT.finditer(text):
            if first(match) != lawsuits:
                out.append(("TXT-APPEALS", "/appeals"))
        if NO_REVIEW.search(text) and any(n(appeals["review"][f]) for f in APPEAL_FIELDS):
            out.append(("TXT-APPEALS", "/appeals/review/total"))
        if NO_LAWSUIT.search(text):
            for group in ("litigation_direct", "litigation_after_review"):
                if any(n(appeals[group][f]) for f in APPEAL_FIELDS):
                    out.append(("TXT-APPEALS", f"/appeals/{group}/total"))
        concluded = CONCLUDED_UPHELD.search(text)
        if concluded or UPHELD.search(text):
            for group in ("review", "litigation_direct", "litigation_after_review"):
                values = appeals[group]
                upheld = n(values["upheld"]) + (n(values["pending"]) if concluded else 0)
                if upheld != n(values["total"]):
                    out.append(("TXT-APPEALS", f"/appeals/{group}/upheld"))
        for key, pattern in CATEGORIES.items():
            for match in pattern.finditer(text):
                if key in answered and first(match) != answered[key]:
                    where = "/applications/results" + ("" if key == "both" else f"/{key}")
                    out.append(("TXT-RESULTS", where))
        for match in BREAKDOWN.finditer(text):
            numbers = [number(x) for x in COUNTED.findall(match.group(0))]
            if numbers and numbers[0] != sum(numbers[1:]):
                out.append(("TXT-BREAKDOWN", f"/{section}/text"))
    return out
