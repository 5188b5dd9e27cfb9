"""import_report on the seed report, and the importer's parts one by one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from disclosure_rules.findings import Severity
from disclosure_rules.importer import import_report
from disclosure_rules.importer.meta import detect_format, organ_facts, title_facts
from disclosure_rules.importer.model import Line
from disclosure_rules.importer.numbers import parse_value, readings, split_piece
from disclosure_rules.importer.prose import paragraphs
from disclosure_rules.importer.resolve import Candidate, Identity, Unit, solve
from disclosure_rules.importer.sections import find_sections
from disclosure_rules.importer.text import clean_markdown, text_blocks
from disclosure_rules.loading import load_report
from disclosure_rules.validation import validate

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "fixtures" / "real" / "seeds" / "jiading-hrss-2020.txt"
EXAMPLE = ROOT / "examples" / "jiading-hrss-2020.json"


@pytest.fixture(scope="module")
def seed() -> Any:
    return import_report(SEED)


def _without_source(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "source"}


# -------------------------------------------------------------------- seed


def test_seed_imports_to_the_transcribed_example(seed: Any) -> None:
    expected = load_report(EXAMPLE).data
    assert _without_source(seed.document) == _without_source(expected)
    assert seed.kind == "text"


def test_seed_document_is_valid(seed: Any) -> None:
    result = validate(load_report(seed.document))
    assert result.valid, [f.message.zh for f in result.findings]


def test_seed_findings_are_the_lost_group_heading_and_the_extra_value(seed: Any) -> None:
    by_rule = {(f.rule_id, f.pointer): f for f in seed.findings}
    assert set(by_rule) == {
        ("IMP-RESOLVED", "/applications/results/not_processed/confirmation"),
        ("IMP-LAYOUT", "/appeals"),
    }
    lost = by_rule[("IMP-RESOLVED", "/applications/results/not_processed/confirmation")]
    assert lost.severity is Severity.INFO
    assert "缺少所属分组标题" in lost.message.zh and "（五）不予处理" in lost.message.zh
    assert "lost its group heading" in lost.message.en
    assert lost.label.endswith("5.要求行政机关确认或重新出具已获取信息")
    assert lost.source == {"line": 100}
    assert lost.cite == "" and lost.title is not None
    extra = by_rule[("IMP-LAYOUT", "/appeals")]
    assert extra.severity is Severity.WARNING and "多出的数：0" in extra.message.zh


def test_seed_provenance(seed: Any) -> None:
    source = seed.document["source"]
    assert source["file"] == str(SEED) and source["kind"] == "text"
    assert source["sections"]["overview"] == {"line": 5}
    assert source["sections"]["applications"] == {"line": 76}
    cells = source["cells"]
    assert cells["/proactive/art20_9/procurement/amount"] == {"line": 74}
    assert cells["/applications/results/unavailable/unclear_after_amendment/natural_person"] == {
        "line": 95}
    assert cells["/appeals/litigation_after_review/total"] == {"line": 110}
    assert len(cells) == 22 + 161 + 15


def test_seed_money_is_exact(seed: Any) -> None:
    amount = seed.document["proactive"]["art20_9"]["procurement"]["amount"]
    assert amount == Decimal("5354451.6") and isinstance(amount, Decimal)
    assert '"amount": 5354451.6' in seed.to_json()


def test_bytes_and_text_give_the_same_document(seed: Any) -> None:
    raw = SEED.read_bytes()
    assert import_report(raw, name="x.txt").document["overview"] == seed.document["overview"]
    text = import_report(raw.decode("utf-8"))
    assert _without_source(text.document) == _without_source(seed.document)
    assert text.name == "<string>"
    gbk = import_report(raw.decode("utf-8").encode("gb18030"))
    assert _without_source(gbk.document) == _without_source(seed.document)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(("printed", "value"), [
    ("+1036", 1036), ("-417", -417), ("－417", -417), ("251000元", 251000), ("3,119", 3119),
    ("１２", 12), ("7730.28", Decimal("7730.28")), ("24252.311082", Decimal("24252.311082")),
    ("0", 0), ("5 件", 5),
])
def test_cell_values_as_published(printed: str, value: Any) -> None:
    parsed = parse_value(printed)
    assert parsed.value == value and type(parsed.value) is type(value)


@pytest.mark.parametrize("printed", ["—", "/", "无", "1-2", "3 4", "", "abc"])
def test_what_is_not_a_number(printed: str) -> None:
    assert parse_value(printed).value is None


def test_run_together_text_splits_at_row_numbers() -> None:
    assert split_piece("规范性文件898989第二十条") == [
        ("text", "规范性文件"), ("value", "898989"), ("text", "第二十条")]
    assert split_piece("00000002.其他法律") == [("value", "0000000"), ("text", "2.其他法律")]
    assert split_piece("1.属于国家秘密") == [("text", "1.属于国家秘密")]
    assert split_piece("13575394432.52元") == [("value", "13575394432.52元")]


def test_readings_of_digits_run_together() -> None:
    found = {tuple(p.text for p in r.pieces) for r in readings(["640020470"], 7)}
    assert ("64", "0", "0", "2", "0", "4", "70") in found
    assert all(not (p.startswith("0") and p != "0") for r in found for p in r)
    assert len(readings(["0"] * 7, 7)) == 1
    # a number split across two cells, and a value too many
    merged = readings(["2", "0", "5"], 2)
    assert {tuple(p.text for p in r.pieces) for r in merged if r.how == "merge"} == {("20", "5")}
    assert any(r.how == "drop" for r in merged)


def test_identities_choose_only_a_unique_reading() -> None:
    a, b, t = ("r", "a"), ("r", "b"), ("r", "t")
    sums = [Identity((t,), (a, b))]
    unit = Unit((a, b, t), (Candidate((2, 20, 22), ("2", "20", "22"), (0, 0, 0)),
                            Candidate((22, 0, 25), ("22", "0", "25"), (0, 0, 0))))
    (outcome,) = solve([unit], sums)
    assert outcome.status == "resolved" and outcome.values == (2, 20, 22)
    both = Unit((a, b, t), (Candidate((2, 20, 22), ("2", "20", "22"), (0, 0, 0)),
                            Candidate((20, 2, 22), ("20", "2", "22"), (0, 0, 0))))
    (outcome,) = solve([both], sums)
    assert outcome.status == "unresolved" and outcome.values == (None, None, 22)
    # a published total is never rewritten: no reading fits, nothing is chosen
    wrong = Unit((a, b, t), (Candidate((1, 1, 5), ("1", "1", "5"), (0, 0, 0)),
                             Candidate((11, 0, 5), ("11", "0", "5"), (0, 0, 0))))
    (outcome,) = solve([wrong], sums)
    assert outcome.status == "unresolved" and outcome.values[2] == 5


# ----------------------------------------------------------------- sections


def test_only_ordinal_headings_start_sections() -> None:
    text = ("# 2021年某局政府信息公开工作年度报告\n\n## 一、总体情况\n\n正文。\n\n"
            "## （二）依申请公开情况\n\n仍属于一。\n\n### 二、主动公开政府信息情况\n")
    sections = find_sections(text_blocks(text), "2021")
    assert list(sections.headings) == ["overview", "proactive"]
    assert sections.headings["overview"].title == "一、总体情况"
    assert any(isinstance(b, Line) and b.text == "（二）依申请公开情况"
               for b in sections.bodies["overview"])


def test_heading_variants_typos_and_run_together_headings() -> None:
    text = ("一、总体情况 略。二、主动公开政府信息情况 表。三、收到和处理政府信息公开申请情况 表。"
            "四、政府信息公开行政法复议、行政诉讼情况 表。五、存在的问题及改进措施 略。"
            "六、其他需要报告事项 无。")
    sections = find_sections(text_blocks(text), "2021")
    assert list(sections.headings) == ["overview", "proactive", "applications", "appeals",
                                       "problems", "other_matters"]
    assert sections.headings["appeals"].approximate
    assert not sections.headings["problems"].approximate
    assert sections.headings["problems"].title == "五、存在的问题及改进措施"
    # a table row label that starts with 一、 is not a section
    rows = find_sections(text_blocks("一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1"), "2021")
    assert rows.headings == {}


def test_title_year_and_organ() -> None:
    cases = {
        "# 2020 年政府信息公开工作年度报告 (上海市嘉定区人力资源和社会保障局)":
            (2020, "上海市嘉定区人力资源和社会保障局"),
        "2024年淮安市人民政府政府信息公开工作年度报告": (2024, "淮安市人民政府"),
        "标题: 平潭综合实验区2019年度政府信息公开工作年度报告": (2019, "平潭综合实验区"),
        # a title quoted (the real 2023 洪泽区 file names its PDF's title so)
        '     "洪泽区人民政府2023年政府信息公开工作年度报告", created 2024-02-26 by WPS).':
            (2023, "洪泽区人民政府"),
        "《淮安市人民政府2024年政府信息公开工作年度报告》": (2024, "淮安市人民政府"),
        "“淮安市人民政府”2024年政府信息公开工作年度报告": (2024, "淮安市人民政府"),
        # a mark that pairs inside the name is the name's own
        "《某某》编辑部2024年政府信息公开工作年度报告": (2024, "《某某》编辑部"),
    }
    for line, (year, organ) in cases.items():
        facts = title_facts([line])
        assert (facts.year, facts.organ) == (year, organ)
    facts = title_facts(["洪泽区人民政府", "2023 年政府信息公开工作年度报告"])
    assert (facts.year, facts.organ) == (2023, "洪泽区人民政府")


@pytest.mark.parametrize(("name", "facts"), [
    ("上海市嘉定区人力资源和社会保障局", {"kind": "department", "level": "county"}),
    ("淮安市人民政府", {"kind": "government", "level": "municipal"}),
    ("上海市人民政府办公厅", {"kind": "government", "level": "provincial"}),
    ("驼峰路街道办事处", {"kind": "department", "level": "township"}),
    ("威海市文登区住房和城乡建设局", {"kind": "department", "level": "county"}),
    ("平潭综合实验区", {"kind": "department"}),
])
def test_organ_kind_and_level(name: str, facts: dict[str, str]) -> None:
    assert organ_facts(name) == facts


def test_format_signatures() -> None:
    assert detect_format("信息内容 本年新制作数量 本年新公开数量 政府集中采购")[0] == "2019"
    assert detect_format("本年制发件数 本年收费金额(单位:万元)")[0] == "2021"
    assert detect_format("行政许可 行政处罚")[0] is None


# -------------------------------------------------------------------- prose


def test_markdown_syntax_removed_but_text_kept() -> None:
    assert clean_markdown("**1. 深化。**制定") == "1. 深化。制定"
    assert clean_markdown("见（[www.a.cn](http://www.a.cn)）") == "见（www.a.cn）"
    assert clean_markdown(r"a\*\*b \[x\](y)") == "a**b [x](y)"


def test_paragraphs_broken_by_a_page_break_are_joined() -> None:
    lines = [Line(t, {"line": i}, level=lv) for i, (t, lv) in enumerate([
        ("甲乙丙", 0), ("", 0), ("丁戊。", 0), ("", 0), ("（一）小标题", 3), ("", 0),
        ("下一段。", 0), ("不以句号结尾", 0), ("紧接的一行。", 0)])]
    assert paragraphs(lines) == ["甲乙丙丁戊。", "（一）小标题", "下一段。", "不以句号结尾",
                                 "紧接的一行。"]
