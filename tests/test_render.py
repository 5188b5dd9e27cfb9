"""render(): the official tables as Markdown and HTML, and the round trip
render → import_report → the same document (except ``source``)."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import reports

from disclosure_rules.importer import import_report
from disclosure_rules.layout import Format, Node, layout
from disclosure_rules.loading import load_report
from disclosure_rules.render import render

# --------------------------------------------------------------- strategy
#
# The round trip runs over the shared strategy ``strategies.reports`` (valid
# documents whose identities hold) and over ``variant_reports`` below: the
# layouts real reports print besides the official one (x_legal_entities,
# x_subtotal, （六） as one row), blank cells, title variants, prose with
# Markdown-significant characters — what the shared generator does not vary.

_PROSE = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发动同"
    "工也能下过说产种面而方后多定学所民得经之进着等家电力里如水化高自起小物现实加都两"
    "体当使点从去把好应它合还因由其些然前外天四日那义平形相全表间样与关各新心反你明看"
    "原又么利比或但质气向道命此变只没意建月无系很者最立代想已通并直题程展五果料象员革"
    "位入常文总次品式活特件长求老头基资边流路少图山接知较将组见别她手角期根论运农几九"
    "区强放决西被干做必先回则任取据世车"
)
_PUNCT = "，、；：“”《》（）"
_ASCII = "abcXYZ *#[]|\\<>_`~-+."


@st.composite
def _paragraph(draw: Callable[..., Any], *, final: bool | None = None) -> str:
    body = draw(st.text(st.sampled_from(list(_PROSE + _PUNCT + _ASCII)), min_size=1, max_size=30))
    body = body.strip()
    if not body or body[0] in "#-+":
        body = "测" + body
    if final is None:
        return body + draw(st.sampled_from(["。", "！", "", "；"]))
    return body + ("。" if final else "")


def _paragraphs(min_size: int = 1) -> st.SearchStrategy[str]:
    return st.lists(_paragraph(), min_size=min_size, max_size=4).map("\n".join)


def _count(draw: Callable[..., Any], blank: bool) -> int | None:
    if blank and draw(st.integers(0, 12)) == 0:
        return None
    return int(draw(st.integers(0, 60)))


@st.composite
def variant_reports(draw: Callable[..., Any], fmt: str | None = None) -> dict[str, Any]:
    """A report with the published variants of the official layout."""
    chosen: Format = fmt or draw(st.sampled_from(["2019", "2021"]))  # type: ignore[assignment]
    root = layout(chosen)
    year = draw(st.integers(2019, 2020) if chosen == "2019" else st.integers(2021, 2026))
    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["format"] = chosen
    doc["year"] = year
    organ: dict[str, Any] = {"name": draw(st.sampled_from(
        ["上海市嘉定区人力资源和社会保障局", "淮安市人民政府", "某县审计局", "平潭综合实验区"]))}
    for key, options in (("kind", ["government", "department"]),
                         ("level", ["provincial", "municipal", "county", "township", "other"])):
        if draw(st.booleans()):
            organ[key] = draw(st.sampled_from(options))
    doc["organ"] = organ
    if draw(st.booleans()):
        doc["published_on"] = f"{year + 1}-01-{draw(st.integers(1, 31)):02d}"
    blanks = draw(st.booleans())
    for key, node in root.children.items():
        if node.role not in {"section", "table-section"}:
            continue
        section: dict[str, Any] = {
            "title": draw(st.sampled_from([node.title, *(
                f"{node.title[:2]}{v}" for v in node.variants)]))}
        if node.role == "section" or draw(st.integers(0, 3)) == 0:
            section["text"] = draw(_paragraphs())
        if key == "proactive":
            for table_key, table in node.children.items():
                if table.role != "table":
                    continue
                section[table_key] = {
                    row_key: {col: _cell(draw, cell, blanks) for col, cell in row.children.items()
                              if not col.startswith("x_")}
                    for row_key, row in table.children.items()}
        elif key == "applications":
            section.update(_applications(draw, node, blanks))
        elif key == "appeals":
            for row_key, row in node.children.items():
                if row.role != "row":
                    continue
                parts = [_count(draw, blanks) for _ in range(4)]
                total = None if None in parts else sum(p for p in parts if p is not None)
                section[row_key] = dict(zip(("upheld", "corrected", "other", "pending", "total"),
                                            [*parts, total], strict=True))
        doc[key] = section
    return doc


def _cell(draw: Callable[..., Any], node: Node, blanks: bool) -> Any:
    if blanks and draw(st.integers(0, 12)) == 0:
        return None
    if node.kind == "signed":
        return int(draw(st.integers(-500, 500)))
    if node.kind == "money":
        cents = draw(st.integers(0, 10**8))
        return Decimal(cents) / 100 if cents % 100 else cents // 100
    return int(draw(st.integers(0, 10**6)))


def _applications(draw: Callable[..., Any], node: Node, blanks: bool) -> dict[str, Any]:
    """Table 三 with its identities holding (per row and per column)."""
    six = ["natural_person", "commercial_enterprise", "research_institution",
           "public_interest_org", "legal_service_org", "other_org"]
    legal = draw(st.integers(0, 4)) == 0

    def row(values: list[int]) -> dict[str, Any]:
        out: dict[str, Any] = dict(zip(six, values, strict=True))
        out["total"] = sum(values)
        if legal:
            out["x_legal_entities"] = sum(values[1:])
        return out

    def rand() -> list[int]:
        return [int(draw(st.integers(0, 30))) for _ in six]

    results: dict[str, Any] = {}
    leaves: list[list[int]] = []
    results_node = node.children["results"]
    for key, child in results_node.children.items():
        if key == "total":
            continue
        if child.role == "row":
            values = rand()
            leaves.append(values)
            results[key] = row(values)
            continue
        members = [k for k in child.children if not k.startswith("x_")]
        single = key == "other" and draw(st.integers(0, 3)) == 0
        if single:  # （六） printed as one row in a 2021 report
            values = rand()
            leaves.append(values)
            results[key] = {"x_subtotal": row(values)}
            continue
        group: dict[str, Any] = {}
        sums = [0] * 6
        for member in members:
            values = rand()
            leaves.append(values)
            group[member] = row(values)
            sums = [a + b for a, b in zip(sums, values, strict=True)]
        if draw(st.integers(0, 4)) == 0:
            group["x_subtotal"] = row(sums)
        results[key] = group
    totals = [sum(v[i] for v in leaves) for i in range(6)]
    results["total"] = row(totals)
    forward = rand()
    over = [int(draw(st.integers(0, t + f))) for t, f in zip(totals, forward, strict=True)]
    new = [t + f - o for t, f, o in zip(totals, forward, over, strict=True)]
    out = {"new_received": row(new), "carried_over": row(over), "results": results,
           "carried_forward": row(forward)}
    if blanks:
        # a blank here and there, as published reports have
        for _ in range(draw(st.integers(0, 3))):
            target = out["new_received"] if draw(st.booleans()) else results["total"]
            target[draw(st.sampled_from([*six, "total"]))] = None
    return out


def _without_source(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "source"}


# ---------------------------------------------------------------- examples


ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "jiading-hrss-2020.json"
HUAIAN = ROOT / "examples" / "huaian-city-2024.json"
REAL = ROOT / "tests" / "fixtures" / "real"


@pytest.fixture(scope="module")
def seed() -> dict[str, Any]:
    data: dict[str, Any] = load_report(SEED).data
    return data


def test_html_has_the_official_merged_header_cells(seed: dict[str, Any]) -> None:
    page = render(seed, "html")
    assert 'rowspan="3" colspan="3">（本列数据的勾稽关系为' in page
    assert '<th colspan="7">申请人情况</th>' in page
    assert '<th colspan="5">法人或其他组织</th>' in page
    assert '<td rowspan="20">三、本年度办理结果</td>' in page  # 2019: 20 result rows
    assert '<th colspan="5">行政复议</th><th colspan="10">行政诉讼</th>' in page
    assert '<th colspan="5">未经复议直接起诉</th><th colspan="5">复议后起诉</th>' in page
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "六、其他需要报告的事项"):
        assert f"<h2>{heading}</h2>" in page


def test_2021_results_span_22_rows() -> None:
    page = render(load_report(HUAIAN).data, "html")
    assert '<td rowspan="22">三、本年度办理结果</td>' in page
    assert "本年收费金额（单位：万元）" in page


def test_blank_cells_render_empty(seed: dict[str, Any]) -> None:
    md = render(seed, "md")
    row = next(line for line in md.splitlines() if "补正后申请内容仍不明确" in line)
    assert row.split("|")[3].strip() == ""  # 商业企业 is null in the seed
    page = render(seed, "html")
    assert re.search(r"补正后申请内容仍不明确</td><td>0</td><td></td>", page)


def test_extension_keys_render_as_columns_and_rows(seed: dict[str, Any]) -> None:
    doc = load_report(HUAIAN).data
    for row in _rows(doc["applications"]):
        row["x_legal_entities"] = sum(row[k] for k in ("commercial_enterprise",
                                                       "research_institution",
                                                       "public_interest_org",
                                                       "legal_service_org", "other_org"))
    group = doc["applications"]["results"]["withheld"]
    group["x_subtotal"] = {k: sum(r[k] for n, r in group.items() if n != "x_subtotal")
                           for k in group["state_secret"]}
    page = render(doc, "html")
    assert '<th colspan="6">法人或其他组织</th>' in page and "<th>小计</th>" in page
    assert "<td>小计</td>" in page
    md = render(doc, "md")
    assert "法人或其他组织（小计）" in md and "（三）不予公开 · 小计" not in md
    back = import_report(md, kind="markdown").document
    assert back["applications"] == doc["applications"]
    back = import_report(page, kind="html").document
    assert back["applications"] == doc["applications"]


def test_other_extension_keys_of_rows_round_trip_as_columns() -> None:
    doc = load_report(HUAIAN).data
    doc["applications"]["new_received"]["x_note"] = 5
    doc["proactive"]["art20_1"]["rules"]["x_local"] = 2
    for fmt, kind in (("md", "markdown"), ("html", "html")):
        page = render(doc, fmt)  # type: ignore[arg-type]
        assert "x_note" in page.replace("\\_", "_") and "x_local" in page.replace("\\_", "_")
        back = import_report(page, kind=kind)
        assert _without_source(back.document) == _without_source(doc)
        assert back.findings == ()


def _rows(node: dict[str, Any]) -> list[dict[str, Any]]:
    if "total" in node and not isinstance(node["total"], dict):
        return [node]
    return [r for k, v in node.items() if isinstance(v, dict) for r in _rows(v)]


def test_single_row_other_group_renders_as_one_row() -> None:
    doc = load_report(REAL / "2023-huaian-hongze-district.json").data
    md = render(doc, "md")
    assert re.search(r"^\| （六）其他处理 \|", md, re.MULTILINE)
    back = import_report(md, kind="markdown")
    assert back.document["applications"] == doc["applications"]
    assert any(f.rule_id == "IMP-LAYOUT" and f.pointer.endswith("/other/x_subtotal")
               for f in back.findings)


@pytest.mark.parametrize("path", [SEED, HUAIAN], ids=lambda path: path.name)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_examples_round_trip(path: Path, fmt: str) -> None:
    doc = load_report(path).data
    kind = "markdown" if fmt == "md" else "html"
    back = import_report(render(doc, fmt), kind=kind)  # type: ignore[arg-type]
    assert _without_source(back.document) == _without_source(doc)
    assert back.findings == ()


def test_unknown_output_format_is_refused(seed: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown output format"):
        render(seed, "pdf")  # type: ignore[arg-type]


# --------------------------------------------------------------- round trip


_ROUND_TRIP = settings(max_examples=25, deadline=None,
                       suppress_health_check=[HealthCheck.too_slow])


@_ROUND_TRIP
@given(st.one_of(reports(), variant_reports()), st.sampled_from(["md", "html"]))
def test_round_trip(document: dict[str, Any], fmt: str) -> None:
    kind = "markdown" if fmt == "md" else "html"
    back = import_report(render(document, fmt), kind=kind)  # type: ignore[arg-type]
    assert _without_source(back.document) == _without_source(document)


@_ROUND_TRIP
@given(reports(big=True), st.sampled_from(["md", "html"]))
def test_round_trip_large_numbers(document: dict[str, Any], fmt: str) -> None:
    kind = "markdown" if fmt == "md" else "html"
    back = import_report(render(document, fmt), kind=kind)  # type: ignore[arg-type]
    assert _without_source(back.document) == _without_source(document)
    assert not [f for f in back.findings if f.rule_id != "IMP-LAYOUT"]


@pytest.mark.parametrize("text", ["，", ".", "，，", "、"])
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_paragraph_of_punctuation_alone_survives(seed: dict[str, Any], text: str,
                                                   fmt: str) -> None:
    # Found by test_round_trip: a line of separators before a table was
    # taken for a row of the table and dropped.
    doc = {**seed, "appeals": {**seed["appeals"], "text": text}}
    kind = "markdown" if fmt == "md" else "html"
    back = import_report(render(doc, fmt), kind=kind)  # type: ignore[arg-type]
    assert back.document["appeals"]["text"] == text


def test_an_extension_value_that_is_an_object_or_list_is_printed_as_json() -> None:
    doc = load_report(HUAIAN).data
    row = doc["proactive"]["art20_1"]["rules"]
    row["x_list"] = ["甲", 1]
    deep: Any = []
    for _ in range(100_000):  # given through the API, deeper than any printer
        deep = [deep]
    row["x_deep"] = deep
    page = render(doc, "html")
    assert '["甲", 1]' in page.replace("&quot;", '"')
    assert "[…]" in page


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_runs_of_spaces_in_prose_survive_the_round_trip(seed: dict[str, Any], fmt: str) -> None:
    # HTML collapses a run of spaces: the page writes the run with no-break
    # spaces, and reading a page keeps what it shows (found by test_round_trip)
    seed["other_matters"]["text"] = "<  <。\n第二段   有三个空格。"
    seed["overview"]["title"] = "一、总体  情况"
    kind = "markdown" if fmt == "md" else "html"
    back = import_report(render(seed, fmt), kind=kind)  # type: ignore[arg-type]
    assert back.document["other_matters"]["text"] == seed["other_matters"]["text"]
    assert back.document["overview"]["title"] == seed["overview"]["title"]


def test_a_page_shows_a_run_of_spaces_as_written(seed: dict[str, Any]) -> None:
    seed["other_matters"]["text"] = "甲   乙"
    assert "<p>甲 &nbsp;&nbsp;乙</p>" in render(seed, "html")
