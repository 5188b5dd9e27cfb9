"""The importer's hardening: readings cut off at a limit (and then never
guessed from), numbers beyond 10^±1000 refused, HTML of any depth and of
absurd spans, units printed in money cells, extension columns, and DOCX
content wherever Word wraps it (content controls, custom XML, tables
inside tables)."""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_rules.errors import ImportReportError
from disclosure_rules.importer import Imported, import_report
from disclosure_rules.importer.docx import docx_blocks
from disclosure_rules.importer.html import html_blocks
from disclosure_rules.importer.model import MAX_SPAN, Grid, Line, span
from disclosure_rules.importer.numbers import (
    MAX_RUN,
    READINGS_LIMIT,
    Reading,
    parse_value,
    readings,
)
from disclosure_rules.loading import load_report
from disclosure_rules.render import render

ROOT = Path(__file__).resolve().parent.parent
HUAIAN = ROOT / "examples" / "huaian-city-2024.json"  # 2021 format
JIADING = ROOT / "examples" / "jiading-hrss-2020.json"  # 2019 format

_TABLES = ("proactive", "applications", "appeals")


def _example(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = load_report(path).data
    return data


@pytest.fixture(scope="module")
def huaian() -> dict[str, Any]:
    return _example(HUAIAN)


@pytest.fixture(scope="module")
def jiading() -> dict[str, Any]:
    return _example(JIADING)


def _without_source(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "source"}


def _round_trip(document: dict[str, Any], fmt: str) -> Imported:
    kind = "markdown" if fmt == "md" else "html"
    return import_report(render(document, fmt), kind=kind)  # type: ignore[arg-type]


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# ----------------------------------------------------------------- readings


def _texts(reading: Reading) -> tuple[str | None, ...]:
    return tuple(p.text for p in reading.pieces)


def _no_leading_zero(text: str) -> bool:
    """Whether a cell's number is printed as numbers are ("0", "20元", not "05")."""
    integer = re.match(r"[+-]?(\d*)", text)
    assert integer is not None
    return integer.group(1) == "0" or not integer.group(1).startswith("0")


def _check_reading(reading: Reading, tokens: Sequence[str | None], cells: int) -> None:
    """What every reading promises, whatever it assumed."""
    texts = _texts(reading)
    assert len(texts) == cells
    printed = [t for t in tokens if t is not None]
    if reading.how == "exact":
        assert texts == tuple(tokens)
    elif reading.how in {"split", "merge"}:
        # nothing invented or lost: the cells are the printed digits, cut or joined
        assert "".join(t for t in texts if t is not None) == "".join(printed)
        assert all(_no_leading_zero(t) for t in texts if t is not None)
    elif reading.how == "gap":
        assert [t for t in texts if t is not None] == printed
    else:
        # a token too many: the others kept in order, the dropped one said
        assert reading.how == "drop" and len(reading.dropped) == 1
        (dropped,) = reading.dropped
        assert sorted([p.token for p in reading.pieces] + [dropped.token]) == list(
            range(len(tokens)))
        assert all(p.text == tokens[p.token] for p in (*reading.pieces, dropped))


def test_a_run_with_more_readings_than_the_limit_is_incomplete() -> None:
    # 40 digits for 20 cells: C(39, 19) ways to cut
    found = readings(["1" * 40], 20)
    assert len(found) == READINGS_LIMIT == 5000 and found.complete is False
    for reading in found[:50]:
        _check_reading(reading, ["1" * 40], 20)
    # 21 digits for 20 cells: one of 20 places holds two digits
    found = readings(["1" * 21], 20)
    assert len(found) == 20 and found.complete is True
    assert {_texts(r).index("11") for r in found} == set(range(20))
    # the limit itself: exactly ``limit`` readings are all of them
    assert readings(["1" * 21], 20, limit=20).complete is True
    cut = readings(["1" * 21], 20, limit=19)
    assert len(cut) == 19 and cut.complete is False
    assert list(cut) == list(found)[:19]
    # one reading, or none at all, is complete
    assert readings(["1234567"], 7).complete is True
    none = readings(["0"] * 30, 15)  # joining zeros gives "00": no reading
    assert list(none) == [] and none.complete is True


@pytest.mark.parametrize(("tokens", "cells"), [
    (["1" * 90], 20),  # 90 digits: the longest run that may stand for several cells
    (["1" * 90], 7),
    (["10" * 45], 15),
    (["0" + "1" * 89], 7),
    (["1" * 45, "2" * 45], 8),
    ([None, "1" * 90, None], 15),
    (["0", "1"] * 15, 15),
    (["1"] * 30, 15),
    (["0", "0", "1"] * 10, 15),
    (["1"] * 10, 20),  # gaps: C(20, 10) placements
], ids=["90-digits/20", "90-digits/7", "1010…/15", "0111…/7", "two-runs/8", "blanks-around",
        "01-merges", "1-merges", "001-merges", "gaps"])
@pytest.mark.parametrize("limit", [READINGS_LIMIT, 7])
def test_pathological_runs_stop_at_the_limit(tokens: list[str | None], cells: int,
                                             limit: int) -> None:
    found = readings(tokens, cells, limit=limit)
    assert found.complete is False and len(found) == limit
    for reading in found[:200]:
        _check_reading(reading, tokens, cells)
    # a blank is never cut or merged: it stays a blank cell where it stood
    if tokens[0] is None:
        assert all(r.pieces[0].text is None and r.pieces[0].token == 0 for r in found)


def test_a_run_longer_than_any_row_is_one_value_not_cut() -> None:
    # 2,000 digits are no row of cells (fifteen cells of six digits are 90):
    # the run stands in one cell, which one is unknown, and is out of range
    found = readings(["1" * 2000], 7)
    assert found.complete and {r.how for r in found} == {"gap"} and len(found) == 7
    assert all(sum(p.text is not None for p in r.pieces) == 1 for r in found)
    assert parse_value("1" * 2000).out_of_range


def test_runs_that_cannot_be_cut_or_joined() -> None:
    # zeros joined give "00…": no reading, and that is all of them
    nothing = readings(["0"] * 30, 15)
    assert list(nothing) == [] and nothing.complete is True
    # "00…0" is one zero per cell or nothing: 2000 zeros are not 7 cells
    # by cutting; the token stands in one cell and the others are gaps
    zeros = readings(["0" * 2000], 7)
    assert zeros.complete and {r.how for r in zeros} == {"gap"} and len(zeros) == 7
    # five digits cannot be cut into seven cells: the row lost blanks, and
    # the run stands in any one of the seven
    gaps = readings(["12345"], 7)
    assert gaps.complete and {r.how for r in gaps} == {"gap"} and len(gaps) == 7
    for reading in gaps:
        _check_reading(reading, ["12345"], 7)


_TOKEN = st.one_of(st.none(), st.sampled_from(
    ["0", "1", "12", "00", "105", "3.5", "20元", "—", "1200", "0010"]))


@given(st.lists(_TOKEN, max_size=6), st.integers(1, 7), st.integers(1, 12))
def test_readings_under_a_limit_are_a_prefix_of_all_readings(
        tokens: list[str | None], cells: int, limit: int) -> None:
    every = readings(tokens, cells, limit=100_000)
    assert every.complete
    for reading in every:
        _check_reading(reading, tokens, cells)
    some = readings(tokens, cells, limit=limit)
    assert len(some) <= limit
    assert list(some) == list(every)[:len(some)]
    if some.complete:
        assert list(some) == list(every)
    if len(every) > limit:
        assert not some.complete


def test_readings_of_very_many_tokens_do_not_recurse() -> None:
    # beyond MAX_RUN (no report's row is that long) a run is not searched:
    # no reading may be chosen, and the search cannot run deep
    for tokens, cells in ((["1"] * 1200, 600), (["1" * 2000], 1500), (["12"] * 100, 150),
                          (["1"] * (MAX_RUN + 1), MAX_RUN)):
        found = readings(tokens, cells, limit=3)
        assert list(found) == [] and not found.complete
    assert readings(["1"] * 1200, 1200).complete  # one token per cell: one reading
    assert readings(["1"] * MAX_RUN, MAX_RUN // 2, limit=3).complete is False
    assert len(readings(["1"] * MAX_RUN, MAX_RUN // 2, limit=3)) == 3


# ------------------------------------------------------ numbers out of range


def test_numbers_beyond_ten_to_the_thousand_are_no_numbers() -> None:
    assert parse_value("1" + "0" * 1000).value == 10**1000  # 10^1000 itself is read
    for printed in ("1" + "0" * 1001, "1" + "0" * 1200, "-1" + "0" * 1200,
                    "0." + "0" * 1000 + "1", "1" + "0" * 1200 + "元"):
        parsed = parse_value(printed)
        assert parsed.value is None and parsed.out_of_range, printed[:10]
    assert parse_value("1" + "0" * 1200 + "万元").unit == "万元"
    assert parse_value("0." + "0" * 999 + "1").value == Decimal("1e-1000")
    assert parse_value("0" * 2000).value == 0  # zero has no magnitude
    assert not parse_value("abc").out_of_range


# ------------------------------------------------ readings through the import


_NEW_RECEIVED = "| 一、本年新收政府信息公开申请数量 | 3001 | 53 | 0 | 0 | 61 | 4 | 3119 |"
_APPEALS_ROW = "| 72 | 64 | 178 | 37 | 351 | 13 | 4 | 8 | 1 | 26 | 12 | 1 | 1 | 6 | 20 |"


def _too_many(imported: Imported, pointer: str, cells: int) -> None:
    (finding,) = [f for f in imported.findings if f.pointer == pointer]
    assert finding.rule_id == "IMP-UNRESOLVED"
    assert "5000" in finding.message.zh and "5000" in finding.message.en
    assert "too many readings" in finding.message.en and "拆分超过 5000 种" in finding.message.zh
    assert len(finding.cells) == cells and all(c.value is None for c in finding.cells)
    assert {c.pointer for c in finding.cells} == {
        p for p in imported.document["source"]["cells"] if p.startswith(pointer + "/")}


def test_a_run_with_few_readings_is_chosen_by_the_identities(huaian: dict[str, Any]) -> None:
    # the row's seven values run together: 675 readings, one fits its total
    md = _replace_once(render(huaian, "md"), _NEW_RECEIVED,
                       "| 一、本年新收政府信息公开申请数量 | 300153006143119 |")
    imported = import_report(md, kind="markdown")
    assert imported.document["applications"] == huaian["applications"]
    (finding,) = imported.findings
    assert finding.rule_id == "IMP-RESOLVED" and finding.pointer == "/applications/new_received"


@pytest.mark.parametrize("printed", [
    "| 一、本年新收政府信息公开申请数量 | " + "1234567890" * 4 + " |",
    "一、本年新收政府信息公开申请数量 " + "1234567890" * 4,
    # the true values run together with ten digits more
    "| 一、本年新收政府信息公开申请数量 | " + "300153006143119" + "3001530061" + " |",
], ids=["one-cell", "as-text", "run-on"])
def test_a_row_with_too_many_readings_is_left_blank(huaian: dict[str, Any],
                                                     printed: str) -> None:
    md = _replace_once(render(huaian, "md"), _NEW_RECEIVED, printed)
    imported = import_report(md, kind="markdown")
    row = imported.document["applications"]["new_received"]
    assert set(row.values()) == {None}  # never a guessed value
    assert len(row) == 7
    _too_many(imported, "/applications/new_received", 7)
    # the rest of the table is read as printed
    expected = huaian["applications"]
    assert {k: v for k, v in imported.document["applications"].items()
            if k != "new_received"} == {k: v for k, v in expected.items() if k != "new_received"}
    assert not [f for f in imported.findings if f.rule_id == "IMP-RESOLVED"]


def test_table_four_printed_as_one_run_is_left_blank(huaian: dict[str, Any]) -> None:
    md = _replace_once(render(huaian, "md"), _APPEALS_ROW, "| " + "1234567890" * 5 + " |")
    imported = import_report(md, kind="markdown")
    appeals = imported.document["appeals"]
    for group in ("review", "litigation_direct", "litigation_after_review"):
        assert set(appeals[group].values()) == {None}
    _too_many(imported, "/appeals", 15)


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_cell_beyond_ten_to_the_thousand_is_left_blank(huaian: dict[str, Any],
                                                         fmt: str) -> None:
    big = "1" + "0" * 1200
    page = render(huaian, fmt)  # type: ignore[arg-type]
    if fmt == "md":
        page = _replace_once(page, _NEW_RECEIVED, _NEW_RECEIVED.replace("| 3001 |", f"| {big} |"))
    else:
        page = _replace_once(page, "<td>3001</td>", f"<td>{big}</td>")
    imported = import_report(page, kind="markdown" if fmt == "md" else "html")
    row = imported.document["applications"]["new_received"]
    assert row["natural_person"] is None
    assert row == {**huaian["applications"]["new_received"], "natural_person": None}
    (finding,) = imported.findings
    assert finding.rule_id == "IMP-UNRESOLVED"
    assert finding.pointer == "/applications/new_received/natural_person"
    assert "10^±1000" in finding.message.zh and "10^±1000" in finding.message.en
    assert len(finding.message.zh) < 200  # the printed number is clipped, not quoted whole
    assert [(c.pointer, c.value) for c in finding.cells] == [
        ("/applications/new_received/natural_person", None)]


def test_a_money_cell_beyond_range_keeps_its_unit(huaian: dict[str, Any]) -> None:
    md = _replace_once(render(huaian, "md"), "| 行政事业性收费 | 96171.6 |",
                       "| 行政事业性收费 | 1" + "0" * 1200 + "万元 |")
    imported = import_report(md, kind="markdown")
    assert imported.document["proactive"]["art20_8"]["fees"] == {"amount": None, "x_unit": "万元"}
    (finding,) = imported.findings
    assert finding.rule_id == "IMP-UNRESOLVED" and "10^±1000" in finding.message.zh
    assert finding.pointer == "/proactive/art20_8/fees/amount"


# --------------------------------------------------------------------- HTML


@pytest.fixture(scope="module")
def huaian_page(huaian: dict[str, Any]) -> tuple[str, Imported]:
    page = render(huaian, "html")
    return page, import_report(page, kind="html")


def _body(page: str) -> tuple[str, str, str]:
    start = page.index("<body>") + len("<body>")
    end = page.index("</body>")
    return page[:start], page[start:end], page[end:]


@pytest.mark.parametrize(("tag", "closed"), [("div", True), ("span", False)])
def test_deep_nesting_is_read_without_recursion(huaian_page: tuple[str, Imported], tag: str,
                                                closed: bool) -> None:
    page, plain = huaian_page
    head, body, tail = _body(page)
    n = 50_000
    deep = head + f"<{tag}>" * n + body + (f"</{tag}>" * n if closed else "") + tail
    imported = import_report(deep, kind="html")
    # the same tables, cell for cell, and the same provenance
    assert imported.document == plain.document
    assert imported.findings == ()


def test_unmatched_closing_tags_are_ignored(huaian_page: tuple[str, Imported]) -> None:
    page, plain = huaian_page
    head, body, tail = _body(page)
    noisy = head + "</div>" * 100_000 + "</td></tr></table>" * 10_000 + body + "</p>" * 50_000 \
        + tail
    imported = import_report(noisy, kind="html")
    assert imported.document == plain.document


@pytest.mark.parametrize(("value", "expected"), [
    ("", 1), (None, 1), ("0", 1), ("0000", 1), ("3", 3), (" 7px", 7), ("00012", 12),
    ("200", MAX_SPAN), ("201", MAX_SPAN), ("99999999", MAX_SPAN), ("1" + "0" * 5000, MAX_SPAN),
    ("abc", 1), ("-3", 1), ("3.5", 3),
])
def test_span_attributes_are_sane(value: str | None, expected: int) -> None:
    assert MAX_SPAN == 200
    assert span(value) == expected


@pytest.mark.parametrize("attribute", [
    'rowspan="99999999"', 'colspan="99999999"', 'colspan="0"', 'rowspan="0"', 'rowspan="abc"',
    'rowspan="-5"',
])
def test_absurd_spans_are_bounded(huaian_page: tuple[str, Imported], attribute: str) -> None:
    page, plain = huaian_page
    broken = page.replace("<td>", f"<td {attribute}>")
    grids = [b for b in html_blocks(broken).blocks if isinstance(b, Grid)]
    originals = [b for b in html_blocks(page).blocks if isinstance(b, Grid)]
    # every cell kept, none multiplied; spans within the table and MAX_SPAN
    assert [[len(r) for r in g.rows] for g in grids] == [[len(r) for r in g.rows]
                                                         for g in originals]
    for grid in grids:
        for r, row in enumerate(grid.rows):
            for cell in row:
                assert 1 <= cell.rowspan <= len(grid.rows) - r
                assert 1 <= cell.colspan <= MAX_SPAN
    # the tables are read by their rows' values as printed
    imported = import_report(broken, kind="html")
    assert {k: imported.document[k] for k in _TABLES} == {k: plain.document[k] for k in _TABLES}


def _many_merged_cells() -> str:
    # 1200 rows of ten cells each reaching 200 rows down: over 2,000,000
    # positions covered by rowspans
    row = "<tr>" + '<td rowspan="99999999">1</td>' * 10 + "</tr>"
    return "<h1>2021年某局政府信息公开工作年度报告</h1><table>" + row * 1200 + "</table>"


def test_a_table_of_too_many_merged_cells_is_refused() -> None:
    with pytest.raises(ImportReportError, match="合并单元格过多") as caught:
        import_report(_many_merged_cells(), kind="html", name="spans.html")
    assert "merged cells are too many" in str(caught.value)


def test_too_many_merged_cells_names_the_file(tmp_path: Path) -> None:
    page = tmp_path / "spans.html"
    page.write_text(_many_merged_cells(), encoding="utf-8")
    with pytest.raises(ImportReportError, match="合并单元格过多") as caught:
        import_report(page)
    assert caught.value.file == str(page)


# -------------------------------------------------------------------- units


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("unit", ["万元", "元"])
@pytest.mark.parametrize(("example", "row"), [
    ("huaian", ("art20_8", "fees")),  # 2021: 本年收费金额
    ("jiading", ("art20_9", "procurement")),  # 2019: 政府集中采购 amount
])
def test_a_money_unit_round_trips(request: pytest.FixtureRequest, example: str,
                                  row: tuple[str, str], unit: str, fmt: str) -> None:
    doc = copy.deepcopy(request.getfixturevalue(example))
    cells = doc["proactive"][row[0]][row[1]]
    cells["x_unit"] = unit
    page = render(doc, fmt)  # type: ignore[arg-type]
    assert f"{cells['amount']}{unit}" in page  # printed after the value, as reports do
    assert "x_unit" not in page
    back = _round_trip(doc, fmt)
    assert back.document["proactive"][row[0]][row[1]] == cells
    assert _without_source(back.document) == _without_source(doc)
    assert back.findings == ()


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_a_unit_with_a_blank_money_cell_round_trips(huaian: dict[str, Any], fmt: str) -> None:
    doc = copy.deepcopy(huaian)
    doc["proactive"]["art20_8"]["fees"] = {"amount": None, "x_unit": "万元"}
    back = _round_trip(doc, fmt)
    assert back.document["proactive"]["art20_8"]["fees"] == {"amount": None, "x_unit": "万元"}
    assert back.findings == ()


_FEES_MD = "| 行政事业性收费 | 96171.6 |"
_FEES_HTML = '<td>行政事业性收费</td><td colspan="3">96171.6</td>'


@pytest.mark.parametrize(("fmt", "printed", "value", "unit"), [
    ("md", "| 行政事业性收费 | 251000 元 |", 251000, "元"),
    ("md", "| 行政事业性收费 | 251000 | 元 |", 251000, "元"),
    ("md", "| 行政事业性收费 | 251000元 |", 251000, "元"),
    ("html", '<td>行政事业性收费</td><td colspan="3">251000 元</td>', 251000, "元"),
    ("html", '<td>行政事业性收费</td><td colspan="2">251000</td><td>元</td>', 251000, "元"),
    ("html", "<td>行政事业性收费</td><td>25.1</td><td>万元</td>", Decimal("25.1"), "万元"),
    ("html", '<td>行政事业性收费</td><td colspan="3">元</td>', None, "元"),
], ids=["md-space", "md-two-cells", "md-glued", "html-space", "html-two-cells",
        "html-wan-two-cells", "html-unit-alone"])
def test_a_printed_unit_is_kept_in_x_unit(huaian: dict[str, Any], fmt: str, printed: str,
                                          value: Any, unit: str) -> None:
    page = render(huaian, fmt)  # type: ignore[arg-type]
    page = _replace_once(page, _FEES_MD if fmt == "md" else _FEES_HTML, printed)
    imported = import_report(page, kind="markdown" if fmt == "md" else "html")
    fees = imported.document["proactive"]["art20_8"]["fees"]
    assert fees == {"amount": value, "x_unit": unit}
    assert type(fees["amount"]) is type(value)
    assert imported.findings == ()
    # nothing else moved
    assert imported.document["proactive"]["art20_5"] == huaian["proactive"]["art20_5"]


def test_a_unit_in_a_count_cell_is_no_money_unit(huaian: dict[str, Any]) -> None:
    md = _replace_once(render(huaian, "md"), "| 行政许可 | 447228 |", "| 行政许可 | 447228 件 |")
    imported = import_report(md, kind="markdown")
    assert imported.document["proactive"]["art20_5"] == {"licensing": {"decisions": 447228}}
    assert imported.findings == ()


# -------------------------------------------------------- extension columns


@pytest.mark.parametrize("fmt", ["html", "md"])
@pytest.mark.parametrize(("example", "row", "value"), [
    ("huaian", ("art20_1", "rules"), "说明"),
    ("huaian", ("art20_5", "licensing"), "含 12 件变更"),
    ("huaian", ("art20_8", "fees"), "说明"),
    ("jiading", ("art20_9", "procurement"), "说明"),
])
def test_an_extension_key_of_a_proactive_row_round_trips(
        request: pytest.FixtureRequest, example: str, row: tuple[str, str], value: str,
        fmt: str) -> None:
    doc = copy.deepcopy(request.getfixturevalue(example))
    doc["proactive"][row[0]][row[1]]["x_note"] = value
    back = _round_trip(doc, fmt)
    assert back.document["proactive"][row[0]][row[1]]["x_note"] == value
    assert _without_source(back.document) == _without_source(doc)
    assert back.findings == ()


def test_an_extension_key_beside_a_money_unit_round_trips(huaian: dict[str, Any]) -> None:
    doc = copy.deepcopy(huaian)
    doc["proactive"]["art20_8"]["fees"].update(x_unit="万元", x_note="说明")
    back = _round_trip(doc, "html")
    assert back.document["proactive"]["art20_8"]["fees"] == doc["proactive"]["art20_8"]["fees"]
    assert back.findings == ()


@pytest.mark.parametrize("fmt", ["md", "html"])
@pytest.mark.parametrize("value", ["说明", 5])
def test_an_extension_key_of_an_appeals_row_is_reported_not_dropped(
        huaian: dict[str, Any], fmt: str, value: Any) -> None:
    # table 四 is read as one run of fifteen cells: which group an extra
    # column belongs to is not read, so its value is reported, never lost
    # silently nor taken for one of the fifteen
    doc = copy.deepcopy(huaian)
    doc["appeals"]["review"]["x_note"] = value
    back = import_report(render(doc, fmt), kind="markdown" if fmt == "md" else "html")
    layout_findings = [f for f in back.findings if f.rule_id == "IMP-LAYOUT"]
    assert len(layout_findings) == 1
    assert "x_note" in layout_findings[0].message.zh
    assert f"“{value}”" in layout_findings[0].message.zh
    del doc["appeals"]["review"]["x_note"]
    assert back.document["appeals"] == doc["appeals"]


# --------------------------------------------------------------------- DOCX

_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

Wrap = Callable[[str], str]


def _same(xml: str) -> str:
    return xml


def _sdt(xml: str) -> str:
    """A content control around ``xml`` (with properties, as Word writes them)."""
    return ('<w:sdt><w:sdtPr><w:alias w:val="报告"/><w:tag w:val="r"/><w:id w:val="1"/>'
            '</w:sdtPr><w:sdtEndPr/><w:sdtContent>' + xml + "</w:sdtContent></w:sdt>")


def _custom(xml: str) -> str:
    """A custom XML element around ``xml``."""
    return ('<w:customXml w:uri="urn:report" w:element="part"><w:customXmlPr>'
            '<w:attr w:name="kind" w:val="table"/></w:customXmlPr>' + xml + "</w:customXml>")


def _docx(body: str) -> bytes:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>'
           f'<w:document xmlns:w="{_W_NS}"><w:body>{body}<w:sectPr/></w:body></w:document>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def _p(text: str, level: int = 0) -> str:
    props = f'<w:pPr><w:pStyle w:val="Heading{level}"/></w:pPr>' if level else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


class _Writer:
    """Blocks (as the HTML reader gives them) written as WordprocessingML,
    each kind of element passed through a wrapper."""

    def __init__(self, block: Wrap = _same, row: Wrap = _same, cell: Wrap = _same,
                 content: Wrap = _same) -> None:
        self.block, self.row, self.cell, self.content = block, row, cell, content

    def tc(self, text: str, colspan: int = 1, merge: str = "") -> str:
        props = f'<w:gridSpan w:val="{colspan}"/>' if colspan > 1 else ""
        if merge:
            props += '<w:vMerge w:val="restart"/>' if merge == "restart" else "<w:vMerge/>"
        paragraphs = "".join(self.content(_p(part)) for part in text.split("\n")) or "<w:p/>"
        return self.cell(f"<w:tc><w:tcPr>{props}</w:tcPr>{paragraphs}</w:tc>")

    def table(self, grid: Grid) -> str:
        """A grid's rowspans as vMerge restart/continue cells."""
        continued: dict[tuple[int, int], int] = {}
        rows: list[str] = []
        for r, row in enumerate(grid.rows):
            starts = {c.col: c for c in row}
            cells: list[str] = []
            col = 0
            while col < grid.width:
                if col in starts:
                    cell = starts[col]
                    for below in range(1, cell.rowspan):
                        continued[(r + below, col)] = cell.colspan
                    cells.append(self.tc(cell.text, cell.colspan,
                                         "restart" if cell.rowspan > 1 else ""))
                    col += cell.colspan
                elif (r, col) in continued:
                    cells.append(self.tc("", continued[(r, col)], "continue"))
                    col += continued[(r, col)]
                else:
                    cells.append(self.tc(""))
                    col += 1
            rows.append(self.row("<w:tr>" + "".join(cells) + "</w:tr>"))
        return "<w:tbl><w:tblPr/>" + "".join(rows) + "</w:tbl>"

    def blocks(self, document: dict[str, Any]) -> list[str]:
        out: list[str] = []
        for block in html_blocks(render(document, "html")).blocks:
            if isinstance(block, Grid):
                out.append(self.block(self.table(block)))
            else:
                out.append(self.block(_p(block.text, block.level)))
        return out


def _import_docx(body: str) -> Imported:
    return import_report(_docx(body), name="report.docx")


@pytest.fixture(scope="module")
def plain_docx(huaian: dict[str, Any]) -> Imported:
    imported = _import_docx("".join(_Writer().blocks(huaian)))
    assert imported.kind == "docx"
    return imported


def test_the_docx_writer_gives_the_report(huaian: dict[str, Any], plain_docx: Imported) -> None:
    for key in (*_TABLES, "overview", "problems", "other_matters", "year", "organ"):
        assert plain_docx.document[key] == huaian[key], key
    assert plain_docx.findings == ()


def _alternate(*wraps: Wrap) -> Wrap:
    """Each call wraps with the next wrapper in turn."""
    count = [0]

    def wrap(xml: str) -> str:
        count[0] += 1
        return wraps[count[0] % len(wraps)](xml)

    return wrap


_WRAPPERS: dict[str, Callable[[], Wrap]] = {
    "sdt": lambda: _sdt,
    "customXml": lambda: _custom,
    "both": lambda: _alternate(_sdt, _custom, _same),
}


@pytest.mark.parametrize("where", ["blocks", "rows", "cells", "cell-content", "everywhere"])
@pytest.mark.parametrize("wrapper", sorted(_WRAPPERS))
def test_docx_content_inside_content_controls_and_custom_xml(
        huaian: dict[str, Any], plain_docx: Imported, where: str, wrapper: str) -> None:
    wrap = _WRAPPERS[wrapper]()
    every = where == "everywhere"
    writer = _Writer(block=wrap if every or where == "blocks" else _same,
                     row=wrap if every or where == "rows" else _same,
                     cell=wrap if every or where == "cells" else _same,
                     content=wrap if every or where == "cell-content" else _same)
    imported = _import_docx("".join(writer.blocks(huaian)))
    # the same report, cell for cell, with the same provenance
    assert imported.document == plain_docx.document
    assert imported.findings == ()


def test_docx_wrappers_nested_in_each_other(huaian: dict[str, Any],
                                           plain_docx: Imported) -> None:
    blocks = _Writer().blocks(huaian)
    # the whole body in one content control, each half in another, inside custom XML
    half = len(blocks) // 2
    body = _sdt(_custom(_sdt("".join(blocks[:half]))) + _sdt(_sdt("".join(blocks[half:]))))
    assert _import_docx(body).document == plain_docx.document


def test_docx_deep_nesting_is_read_without_recursion(huaian: dict[str, Any],
                                                    plain_docx: Imported) -> None:
    n = 100_000
    body = "".join(_Writer().blocks(huaian))
    deep = "<w:sdt><w:sdtContent>" * n + body + "</w:sdtContent></w:sdt>" * n
    assert _import_docx(deep).document == plain_docx.document
    # and inside a table cell
    cell = ("<w:tbl><w:tr><w:tc>" + "<w:customXml>" * n + _p("二〇二四年") + "</w:customXml>" * n
            + "</w:tc><w:tc>" + _p("x") + "</w:tc></w:tr></w:tbl>")
    (table,) = docx_blocks(_docx(cell), "cell.docx")
    assert isinstance(table, Grid)
    assert [c.text for c in table.rows[0]] == ["二〇二四年", "x"]


def test_docx_deeply_nested_layout_tables(huaian: dict[str, Any],
                                         plain_docx: Imported) -> None:
    n = 20_000
    body = "".join(_Writer().blocks(huaian))
    nested = "<w:tbl><w:tr><w:tc>" * n + body + "</w:tc></w:tr></w:tbl>" * n
    assert _import_docx(nested).document == plain_docx.document


def test_docx_a_layout_table_is_read_as_content(huaian: dict[str, Any],
                                               plain_docx: Imported) -> None:
    # the page laid out in a one-row table: the headings and prose between
    # two of the report's tables in a cell, each of its tables in a cell
    writer = _Writer()
    blocks = writer.blocks(huaian)
    cells: list[list[str]] = [[]]
    for block in blocks:
        if block.startswith("<w:tbl>"):
            cells.append([block, _p("")])  # Word ends a cell after a table with a paragraph
            cells.append([])
        else:
            cells[-1].append(block)
    layout = "<w:tbl><w:tblPr/><w:tr>" + "".join(
        f"<w:tc>{''.join(c) or '<w:p/>'}</w:tc>" for c in cells) + "</w:tr></w:tbl>"
    imported = _import_docx(_sdt(layout))
    assert _without_source(imported.document) == _without_source(plain_docx.document)
    # data tables are numbered as before (the layout table is not one)
    assert imported.document["source"]["cells"] == plain_docx.document["source"]["cells"]
    assert imported.findings == ()


def test_docx_layout_cells_in_document_order() -> None:
    data_table = ("<w:tbl><w:tr><w:tc>" + _p("a") + "</w:tc><w:tc>" + _p("1")
                  + "</w:tc></w:tr></w:tbl>")
    layout = ("<w:tbl><w:tr>" + _sdt("<w:tc>" + _p("B") + _custom(data_table) + "</w:tc>")
              + "<w:tc>" + _sdt(_p("C")) + "</w:tc></w:tr></w:tbl>")
    body = _p("A") + _custom(layout) + _sdt(_p("D", level=2))
    blocks = docx_blocks(_docx(body), "order.docx")
    shape = [(b.text, dict(b.origin), b.level) if isinstance(b, Line)
             else ([[c.text for c in r] for r in b.rows], dict(b.origin)) for b in blocks]
    assert shape == [
        ("A", {"paragraph": 1}, 0),
        ("B", {"paragraph": 2}, 0),
        ([["a", "1"]], {"table": 1}),
        ("C", {"paragraph": 3}, 0),
        ("D", {"paragraph": 4}, 2),
    ]


@pytest.mark.parametrize(("value", "colspan"), [
    ("3", 3), ("99999999", MAX_SPAN), ("0", 1), ("abc", 1), (" 2", 2), ("", 1)])
def test_docx_grid_span_is_sane(value: str, colspan: int) -> None:
    cell = (f'<w:tc><w:tcPr><w:gridSpan w:val="{value}"/></w:tcPr>{_p("x")}</w:tc>'
            f"<w:tc>{_p('y')}</w:tc>")
    (table,) = docx_blocks(_docx(f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>"), "span.docx")
    assert isinstance(table, Grid)
    x, y = table.rows[0]
    assert (x.colspan, y.col) == (colspan, colspan)
