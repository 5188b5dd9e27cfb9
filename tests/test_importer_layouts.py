"""Table layouts real reports print besides the official one, and the input
kinds (Markdown pipe tables, HTML grids, DOCX, one cell per line)."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from disclosure_rules.importer import import_report
from disclosure_rules.layout import layout

_SIX = ("natural_person", "commercial_enterprise", "research_institution",
        "public_interest_org", "legal_service_org", "other_org")


def _rows_2021() -> list[tuple[str, tuple[str, ...]]]:
    """(printed label, path) of every row of table 三, 2021 format, in order,
    taken from the layout."""
    root = layout("2021").children["applications"]
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, node in root.children.items():
        if node.role == "row":
            out.append((node.title, (key,)))
        elif node.role == "results":
            for sub_key, sub in node.children.items():
                if sub.role == "row":
                    out.append((sub.title, (key, sub_key)))
                else:
                    for row_key, row in sub.children.items():
                        if not row_key.startswith("x_"):
                            out.append((row.title, (key, sub_key, row_key)))
    return out


def _report(table3: str, *, table4: str = "0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0") -> str:
    return "\n".join([
        "2022年某县审计局政府信息公开工作年度报告", "", "一、总体情况", "", "概述。", "",
        "二、主动公开政府信息情况",
        "第二十条第（一）项",
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
        "规章\t0\t0\t0",
        "行政规范性文件\t1\t0\t3",
        "第二十条第（五）项",
        "信息内容\t本年处理决定数量",
        "行政许可\t5",
        "第二十条第（六）项",
        "信息内容\t本年处理决定数量",
        "行政处罚\t2",
        "行政强制\t0",
        "第二十条第（八）项",
        "信息内容\t本年收费金额（单位：万元）",
        "行政事业性收费\t0.5",
        "",
        "三、收到和处理政府信息公开申请情况", table3, "",
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议\t\t\t\t\t行政诉讼",
        "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉",
        table4, "",
        "五、存在的主要问题及改进情况", "", "问题。", "",
        "六、其他需要报告的事项", "", "无。", ""])


def _table3(values: dict[tuple[str, ...], list[int]], *, extra: int | None = None) -> str:
    lines = ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
             "自然人\t法人或其他组织\t总计", "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他"]
    for label, path in _rows_2021():
        six = values.get(path, [0] * 6)
        cells = [*six, sum(six)]
        if extra is not None:
            cells.insert(extra, sum(six[1:]))
        lines.append(label + "\t" + "\t".join(str(v) for v in cells))
    return "\n".join(lines)


def _values() -> dict[tuple[str, ...], list[int]]:
    return {
        ("new_received",): [3, 1, 0, 0, 2, 0],
        ("results", "disclosed"): [2, 1, 0, 0, 0, 0],
        ("results", "unavailable", "not_held"): [1, 0, 0, 0, 2, 0],
        ("results", "total"): [3, 1, 0, 0, 2, 0],
    }


def test_the_official_layout_as_tab_separated_text() -> None:
    imported = import_report(_report(_table3(_values())))
    apps = imported.document["applications"]
    assert apps["new_received"]["total"] == 6
    assert apps["results"]["other"]["no_amendment"]["total"] == 0
    assert imported.findings == ()
    assert str(imported.document["proactive"]["art20_8"]["fees"]["amount"]) == "0.5"


def test_an_extra_legal_entities_column_is_kept() -> None:
    for position in (6, 1):  # before 总计, or right after 自然人
        imported = import_report(_report(_table3(_values(), extra=position)))
        row = imported.document["applications"]["new_received"]
        assert row["x_legal_entities"] == 3 and row["total"] == 6 and row["natural_person"] == 3
        layouts = [f for f in imported.findings if f.rule_id == "IMP-LAYOUT"]
        assert [f.pointer for f in layouts] == ["/applications"]
        assert "x_legal_entities" in layouts[0].message.zh


def test_subtotal_rows_are_kept_under_x_subtotal() -> None:
    text = _table3(_values()).replace(
        "3.补正后申请内容仍不明确\t0\t0\t0\t0\t0\t0\t0",
        "3.补正后申请内容仍不明确\t0\t0\t0\t0\t0\t0\t0\n小计\t1\t0\t0\t0\t2\t0\t3")
    imported = import_report(_report(text))
    group = imported.document["applications"]["results"]["unavailable"]
    assert group["x_subtotal"]["total"] == 3 and group["not_held"]["total"] == 3
    assert any(f.rule_id == "IMP-LAYOUT" and f.pointer.endswith("/unavailable/x_subtotal")
               for f in imported.findings)


def test_one_cell_per_line() -> None:
    lines = _table3(_values()).replace("\t", "\n")
    imported = import_report(_report(lines))
    apps = imported.document["applications"]
    assert apps["results"]["unavailable"]["not_held"] == dict(
        zip((*_SIX, "total"), [1, 0, 0, 0, 2, 0, 3], strict=True))
    assert not [f for f in imported.findings if f.rule_id != "IMP-LAYOUT"]


def test_digits_run_together_are_split_by_the_identities() -> None:
    text = _table3(_values())
    text = text.replace("一、本年新收政府信息公开申请数量\t3\t1\t0\t0\t2\t0\t6",
                        "一、本年新收政府信息公开申请数量 3100206")
    imported = import_report(_report(text))
    assert imported.document["applications"]["new_received"]["total"] == 6
    assert not [f for f in imported.findings if f.rule_id == "IMP-UNRESOLVED"]


def test_a_dash_is_not_a_number() -> None:
    text = _table3(_values()).replace("2.重复申请\t0\t0", "2.重复申请\t—\t0")
    imported = import_report(_report(text))
    row = imported.document["applications"]["results"]["not_processed"]["repeated"]
    assert row["natural_person"] is None
    (finding,) = [f for f in imported.findings if f.rule_id == "IMP-UNRESOLVED"]
    assert finding.pointer.endswith("/repeated/natural_person") and "“—”" in finding.message.zh


def test_a_short_row_is_reported_not_guessed() -> None:
    text = _table3(_values()).replace("（一）予以公开\t2\t1\t0\t0\t0\t0\t3",
                                      "（一）予以公开 2 1 0 0 3")
    imported = import_report(_report(text))
    row = imported.document["applications"]["results"]["disclosed"]
    # five values for seven cells: where the blanks fell is unknown; the column
    # sums leave six placements, which agree on 自然人, 商业企业 and 总计 only
    assert row == {"natural_person": 2, "commercial_enterprise": 1, "research_institution": None,
                   "public_interest_org": None, "legal_service_org": None, "other_org": None,
                   "total": 3}
    (finding,) = [f for f in imported.findings if f.rule_id == "IMP-UNRESOLVED"]
    assert finding.pointer == "/applications/results/disclosed"
    assert len(finding.cells) == 4 and "2 | 1 | 空白 | 空白 | 0 | 0 | 3" in finding.message.zh


def test_fifteen_numbers_of_table_four_transposed_rows() -> None:
    table4 = "行政复议\t1\t0\t0\t0\t1\n未经复议直接起诉\t0\t0\t0\t2\t2\n复议后起诉\t0\t0\t0\t0\t0"
    imported = import_report(_report(_table3(_values()), table4=table4))
    appeals = imported.document["appeals"]
    assert appeals["review"]["total"] == 1 and appeals["litigation_direct"]["pending"] == 2


def test_html_page_with_navigation_and_a_number_split_across_cells() -> None:
    rows = "".join(f"<tr><td>{label}</td>" + "".join(
        f"<td>{v}</td>" for v in [*_values().get(path, [0] * 6),
                                   sum(_values().get(path, [0] * 6))]) + "</tr>"
        for label, path in _rows_2021())
    page = f"""<html><head><title>x</title><script>var 一、总体情况 = 1;</script>
    <style>p {{}}</style></head><body>
    <div class="nav">首页 | 二、主动公开政府信息情况</div>
    <h1>2022年某县审计局政府信息公开工作年度报告</h1>
    <h2>一、总体情况</h2><p>概述。<br>第二行。</p>
    <h2>三、收到和处理政府信息公开申请情况</h2>
    <table><tr><td>（本列数据）</td><td>自然人</td><td>商业企业</td><td>科研机构</td>
    <td>社会公益组织</td><td>法律服务机构</td><td>其他</td><td>总计</td></tr>{rows}</table>
    <div class="footer">版权所有 © 某县</div></body></html>"""
    imported = import_report(page)
    assert imported.kind == "html"
    assert imported.document["overview"]["text"] == "概述。\n第二行。"
    assert "proactive" not in imported.document  # the menu's 二、 is not a section
    assert imported.document["applications"]["results"]["total"]["total"] == 6
    source = imported.document["source"]["cells"]["/applications/new_received/natural_person"]
    assert source == {"table": 1, "row": 2, "column": 2}
    # a number printed across two cells ("1" "0" for 10)
    page2 = page.replace("<td>二、上年结转政府信息公开申请数量</td><td>0</td><td>0</td><td>0</td>"
                          "<td>0</td><td>0</td><td>0</td><td>0</td>",
                          "<td>二、上年结转政府信息公开申请数量</td><td>1</td><td>0</td><td>0</td>"
                          "<td>0</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td>")
    zeros = "<td>0</td>" * 7
    page2 = page2.replace(f"<td>四、结转下年度继续办理</td>{zeros}",
                          "<td>四、结转下年度继续办理</td><td>10</td>"
                          + "<td>0</td>" * 5 + "<td>10</td>")
    imported = import_report(page2)
    assert imported.document["applications"]["carried_over"]["natural_person"] == 10
    assert imported.document["applications"]["carried_over"]["total"] == 10
    assert any(f.rule_id == "IMP-RESOLVED" and f.pointer == "/applications/carried_over"
               for f in imported.findings)


def _docx(body: str) -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.'
           'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
           + body + "</w:body></w:document>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def _p(text: str, style: str = "") -> str:
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>"


def _tc(text: str, *, span: int = 1, merge: str = "") -> str:
    props = ""
    if span > 1:
        props += f'<w:gridSpan w:val="{span}"/>'
    if merge:
        props += '<w:vMerge w:val="restart"/>' if merge == "restart" else "<w:vMerge/>"
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{_p(text)}</w:tc>"


def test_docx_tables_with_spans() -> None:
    rows = ["<w:tr>" + _tc("行政复议", span=5) + _tc("行政诉讼", span=10) + "</w:tr>",
            "<w:tr>" + "".join(_tc(t, merge="restart") for t in
                               ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计"))
            + _tc("未经复议直接起诉", span=5) + _tc("复议后起诉", span=5) + "</w:tr>",
            "<w:tr>" + "".join(_tc("", merge="continue") for _ in range(5))
            + "".join(_tc(t) for t in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计") * 2)
            + "</w:tr>",
            "<w:tr>" + "".join(_tc(str(v)) for v in
                               (1, 0, 0, 1, 2, 0, 0, 0, 0, 0, 1, 1, 0, 0, 2)) + "</w:tr>"]
    body = (_p("2021年某局政府信息公开工作年度报告", "Title") + _p("一、总体情况", "Heading1")
            + _p("概述。") + _p("四、政府信息公开行政复议、行政诉讼情况", "Heading1")
            + "<w:tbl>" + "".join(rows) + "</w:tbl>"
            + _p("五、存在的主要问题及改进情况", "Heading1")
            + _p("问题。"))
    imported = import_report(_docx(body), name="report.docx")
    assert imported.kind == "docx"
    document: dict[str, Any] = imported.document
    assert document["year"] == 2021 and document["overview"]["text"] == "概述。"
    assert document["appeals"]["review"] == {"upheld": 1, "corrected": 0, "other": 0,
                                             "pending": 1, "total": 2}
    assert document["appeals"]["litigation_after_review"]["total"] == 2
    assert document["source"]["cells"]["/appeals/review/total"] == {"table": 1, "row": 4,
                                                                    "column": 5}
    missing = {f.pointer for f in imported.findings if f.rule_id == "IMP-MISSING"}
    assert missing == {"/proactive", "/applications", "/other_matters"}


def test_markdown_pipe_table_without_outer_pipes() -> None:
    md = _report(_table3(_values()).replace("\t", " | "))
    imported = import_report(md, kind="markdown")
    assert imported.document["applications"]["new_received"]["total"] == 6
