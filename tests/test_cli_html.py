"""``check --format html``: the page parsed with the standard library's
HTML parser. For every finding of the JSON output of the same input, the
element standing for its place (or for the nearest enclosing place the page
draws) is marked with the right severity and linked both ways; the page is
well formed, escapes what the reports say, follows ``--lang`` and does not
depend on ``--jobs``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cli_support
import pytest
from cli_support import broken, cli, generated, write

from disclosure_rules.render import render

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "source", "track", "wbr"})
SEVERITIES = ("error", "warning", "info")
RANK = {s: i for i, s in enumerate(SEVERITIES)}
MARKS = {"finding-error", "finding-warning", "finding-info", "finding-part", "finding-waived"}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISCLOSURE_RULES_TODAY", "2025-06-01")


# ------------------------------------------------------------------ parsing


@dataclass(eq=False)
class Element:
    """An element of the parsed page."""

    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def ids(self, name: str) -> list[str]:
        """The finding ids in the space-separated attribute ``name``."""
        return self.attrs.get(name, "").split()

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def own_text(self) -> str:
        """The text of the element itself, without its children's."""
        return "".join(c for c in self.children if isinstance(c, str))

    def links(self) -> list[str]:
        return [e.attrs["href"] for e in self.iter() if e.tag == "a" and "href" in e.attrs]


class Page(HTMLParser):
    """A strict tree builder: every element must be closed explicitly, in
    order (void elements excepted), and ids must be unique."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]
        self.problems: list[str] = []
        self.doctype = ""
        self.feed(text)
        self.close()
        if len(self.stack) > 1:
            self.problems.append(f"not closed: {[e.tag for e in self.stack[1:]]}")
        assert not self.problems, self.problems[:5]
        self.by_id: dict[str, Element] = {}
        for element in self.root.iter():
            ident = element.attrs.get("id")
            if ident is not None:
                assert ident not in self.by_id, f"duplicate id {ident}"
                self.by_id[ident] = element

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {k: v or "" for k, v in attrs},
                                               self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            self.problems.append(f"end tag of void element {tag}")
        elif len(self.stack) == 1 or self.stack[-1].tag != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1].tag}> "
                                 f"at {self.getpos()}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def all(self, tag: str) -> list[Element]:
        return [e for e in self.root.iter() if e.tag == tag]

    def articles(self) -> dict[str, Element]:
        """The report articles by the file name in their heading."""
        out = {}
        for article in self.all("article"):
            code = next(e for e in article.iter() if e.tag == "code")
            out[code.text()] = article
        return out


def _places(article: Element) -> dict[str, Element]:
    """The elements of an article that stand for a place, by pointer (the
    list entries of findings name a pointer too, but stand for none)."""
    places: dict[str, Element] = {}
    for element in article.iter():
        pointer = element.attrs.get("data-pointer")
        if pointer is not None and element.tag != "li":
            assert pointer not in places, f"two elements stand for {pointer!r}"
            places[pointer] = element
    return places


def _nearest(pointer: str, places: dict[str, Element]) -> str:
    while pointer not in places:
        pointer = pointer.rsplit("/", 1)[0] if pointer else ""
    return pointer


def _number(article: Element) -> str:
    return article.attrs["id"].removeprefix("report-")


def check_every_finding(page: Page, data: dict[str, Any]) -> dict[str, int]:
    """Assert that every finding and waived finding of the JSON output
    ``data`` is marked on ``page`` and linked both ways; how many findings
    are marked at their own place and how many at an enclosing one."""
    articles = page.articles()
    tally = {"exact": 0, "enclosing": 0}
    for report in data["reports"]:
        article = articles[report["file"]]
        n = _number(article)
        places = _places(article)
        assert "" in places  # the report's header stands for the report
        at = {f"F{k}": _nearest(f["pointer"], places)
              for k, f in enumerate(report["findings"], start=1)}
        worst: dict[str, str] = {}
        for k, finding in enumerate(report["findings"], start=1):
            where = at[f"F{k}"]
            if where not in worst or RANK[finding["severity"]] < RANK[worst[where]]:
                worst[where] = finding["severity"]
        for k, finding in enumerate(report["findings"], start=1):
            ident = f"F{k}"
            entry = page.by_id[f"finding-{n}-{ident}"]
            assert entry.attrs["data-pointer"] == finding["pointer"]
            assert entry.attrs["data-rule"] == finding["rule_id"]
            assert f"finding-{finding['severity']}" in entry.classes
            assert finding["message"]["zh"] in entry.text()
            # The entry links to the marked element …
            target_id = next(e for e in entry.iter() if "fid" in e.classes).attrs["href"][1:]
            target = page.by_id[target_id]
            assert target.attrs["data-pointer"] == at[ident], finding
            assert ident in target.ids("data-findings")
            assert f"finding-{worst[at[ident]]}" in target.classes
            # … and the element back to the entry.
            assert f"#finding-{n}-{ident}" in target.links()
            tally["exact" if at[ident] == finding["pointer"] else "enclosing"] += 1
            # The cells that took part are marked lightly where drawn.
            for cell in finding["cells"]:
                if cell.get("document", "report") != "report" or cell["pointer"] == at[ident]:
                    continue
                element = places.get(cell["pointer"])
                if element is not None:
                    assert ident in element.ids("data-part"), (ident, cell)
                    assert element.classes & MARKS
        # No place is marked as a problem that no finding is at.
        marked = {p for p, e in places.items()
                  if e.classes & {"finding-error", "finding-warning", "finding-info"}}
        assert marked == set(worst)
        for k, finding in enumerate(report["waived"], start=1):
            entry = page.by_id[f"finding-{n}-W{k}"]
            assert entry.attrs["data-rule"] == finding["rule_id"]
            assert "waived" in entry.classes and not entry.classes & MARKS
            assert finding["waiver"]["reason"] in entry.text()
            target = page.by_id[entry.links()[0][1:]]
            assert f"W{k}" in target.ids("data-waived")
    return tally


def html_and_json(*args: str | Path) -> tuple[Page, dict[str, Any], int]:
    """The page and the JSON document of the same run; the exit code
    (asserted to be the same for HTML, JSON and text)."""
    page = cli("check", "--format", "html", *args)
    data = cli("check", "--format", "json", *args)
    text = cli("check", *args)
    assert page.code == data.code == text.code
    assert page.err == ""
    return Page(page.out), data.json(), page.code


# ------------------------------------------------------------------ inputs


def _varied() -> dict[str, Any]:
    """A report with findings on every kind of place: cells, a row, a
    group's subtotal, a section that is missing, texts absent and empty, a
    section title, an unknown key, the publication date."""
    report = generated(11, "2021", year=2024)
    del report["problems"]
    report["other_matters"]["text"] = ""
    report["overview"].pop("text")
    report["applications"]["new_received"]["natual_person"] = 1  # a typo: unknown key
    report["appeals"]["review"]["upheld"] += 1
    report["proactive"]["title"] = "二、主动公开"
    report["applications"]["carried_over"]["natural_person"] = "5件"
    report["published_on"] = "2025-06-30"
    withheld = report["applications"]["results"]["withheld"]
    withheld["x_subtotal"] = dict.fromkeys(withheld["state_secret"], 0)
    return report


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    """A clean, a dirty, a warning-only report with blanks and a waiver, a
    real report with errors, two years of one organ, a varied report and a
    corrupt file."""
    batch = cli_support.mixed_batch(tmp_path, last_year_balances=False)
    write(batch / "varied.json", _varied())
    return batch


# ------------------------------------------------------------------- tests


def test_every_finding_is_marked_and_linked(batch: Path) -> None:
    page, data, code = html_and_json(batch)
    assert code == 2  # the corrupt file
    assert page.doctype.lower() == "doctype html"
    assert len(data["reports"]) == 7
    tally = check_every_finding(page, data)
    assert tally["exact"] > 30
    # Only the unknown key is marked at an enclosing place: its row.
    varied = next(r for r in data["reports"] if r["file"].endswith("varied.json"))
    article = page.articles()[varied["file"]]
    places = _places(article)
    for finding in varied["findings"]:
        if finding["pointer"].endswith("/natual_person"):
            assert _nearest(finding["pointer"], places) == "/applications/new_received"
            assert places["/applications/new_received"].tag == "tr"
        else:
            assert finding["pointer"] in places, finding
    kinds = {p: places[p].tag for p in ("/problems", "/overview/text", "/other_matters/text",
                                        "/proactive/title", "/published_on",
                                        "/appeals/review/total",
                                        "/applications/results/withheld/x_subtotal")}
    assert kinds == {"/problems": "section", "/overview/text": "div",
                     "/other_matters/text": "div", "/proactive/title": "h4",
                     "/published_on": "tr", "/appeals/review/total": "td",
                     "/applications/results/withheld/x_subtotal": "tr"}
    # The identity's sum is the error; the addends only took part.
    total = places["/appeals/review/total"]
    assert "finding-error" in total.classes
    assert "finding-part" in places["/appeals/review/upheld"].classes


def test_tables_are_drawn_as_published(batch: Path) -> None:
    page = Page(cli("check", "--format", "html", batch / "jiading.json").out)
    (article,) = page.all("article")
    places = _places(article)
    # The official merged cells of table 三, as render() draws them.
    assert any(e.attrs.get("rowspan") == "20" and e.text().startswith("三、本年度办理结果")
               for e in article.iter() if e.tag == "td")
    assert places["/applications/results"].attrs.get("rowspan") == "20"
    assert places["/applications/results/withheld"].attrs.get("rowspan") == "8"
    # A blank cell is drawn blank, not 0, and looks blank.
    blank = places["/applications/results/unavailable/unclear_after_amendment/"
                   "commercial_enterprise"]
    assert blank.own_text() == "" and "blank" in blank.classes
    filled = places["/applications/results/unavailable/unclear_after_amendment/natural_person"]
    assert filled.own_text() == "0" and "blank" not in filled.classes
    # Every value cell of the three tables stands for its pointer.
    cells = [p for p, e in places.items() if e.tag == "td" and "value" in e.classes]
    assert len([p for p in cells if p.startswith("/applications/")]) == 23 * 7
    assert len([p for p in cells if p.startswith("/appeals/")]) == 15
    # The facts at the head: organ, year, format, date.
    assert places["/organ/name"].text().endswith("上海市嘉定区人力资源和社会保障局")
    assert places["/year"].text() == "年度2020"


def test_diagnoses_pairing_and_expired_waivers(batch: Path) -> None:
    page = Page(cli("check", "--format", "html", batch).out)
    articles = {Path(name).name: a for name, a in page.articles().items()}
    # The diagnosis names the cell to change, and links to it.
    dirty = articles["dirty.json"]
    n = _number(dirty)
    entry = page.by_id[f"finding-{n}-D1"]
    cell = page.by_id[entry.links()[0][1:]]
    assert "D1" in cell.ids("data-diagnoses") and cell.attrs["data-pointer"] == \
        "/applications/results/disclosed/natural_person"
    assert f"#finding-{n}-D1" in cell.links()
    # The previous year's report the check paired.
    assert "上一年度报告" in articles["2024.json"].text() and "2023.json" in \
        articles["2024.json"].text()
    # An expired waiver: a notice at the top, and a note on the finding it covered.
    (notices,) = [e for e in page.all("section") if "notices" in e.classes]
    assert "SEC-EMPTY" in notices.text() and "2024-12-31" in notices.text()
    pingtan = articles["pingtan.json"]
    entry = next(e for e in pingtan.iter() if e.attrs.get("data-rule") == "SEC-EMPTY")
    assert "豁免已于 2024-12-31 到期" in entry.text()


def test_waived_findings_are_listed_apart_and_not_marked_as_problems(batch: Path) -> None:
    outcome = cli("check", "--format", "html", batch / "jiading.json")
    page = Page(outcome.out)
    (article,) = page.all("article")
    waived = [e for e in article.iter() if e.tag == "li" and "waived" in e.classes]
    assert waived and all(e.attrs["data-rule"] == "VAL-BLANK" for e in waived)
    section = next(e for e in article.iter() if e.tag == "section" and "waived" in e.classes)
    assert "原件如此" in section.text() and "审计组" in section.text() \
        and "2030-12-31" in section.text()
    for entry in waived:
        target = page.by_id[entry.links()[0][1:]]
        assert "finding-waived" in target.classes
        assert not target.classes & {"finding-error", "finding-warning", "finding-info"}
    # Waived findings are not among the findings beside the tables.
    asides = [e for e in article.iter() if e.tag == "aside"]
    assert all("VAL-BLANK" not in a.text() for a in asides)


def test_report_text_is_escaped(tmp_path: Path) -> None:
    report = broken(5)
    attack = '<script>alert("x")</script>'
    report["organ"]["name"] = attack
    report["overview"]["text"] = f"第一段{attack}\n<b>第二段</b> & more"
    report["applications"]["new_received"]['x_"><script>'] = 1
    path = write(tmp_path / f"{attack[:8]}&.json", report)
    outcome = cli("check", "--format", "html", path)
    assert outcome.code == 1
    page = Page(outcome.out)
    assert page.all("script") == [] and page.all("b") == []
    assert "<script>" not in outcome.out
    text = page.root.text()
    assert attack in text and "<b>第二段</b> & more" in text
    (article,) = page.all("article")
    assert '/applications/new_received/x_"><script>' in _places(article)
    check_every_finding(page, cli("check", "--format", "json", path).json())


def test_lang_en(batch: Path) -> None:
    outcome = cli("check", "--format", "html", "--lang", "en", batch / "dirty.json")
    page = Page(outcome.out)
    assert page.all("html")[0].attrs["lang"] == "en"
    text = page.root.text()
    assert "Findings in this section" in text and "本节的问题" not in text
    assert "error" in text and "difference" in text
    zh = Page(cli("check", "--format", "html", batch / "dirty.json").out)
    assert zh.all("html")[0].attrs["lang"] == "zh-CN"
    assert "本节的问题" in zh.root.text()
    assert page.all("meta")[0].attrs == {"charset": "utf-8"}
    # the report as published stays Chinese, and says so to a screen reader
    docs = [d for d in page.all("div") if "doc" in d.attrs.get("class", "").split()]
    assert docs and all(d.attrs.get("lang") == "zh-CN" for d in docs)


def test_unreadable_input_is_an_error_block(batch: Path) -> None:
    outcome = cli("check", "--format", "html", batch / "clean.json", batch / "corrupt.json",
                  batch / "missing.json")
    assert outcome.code == 2
    page = Page(outcome.out)
    blocks = [a for a in page.all("article") if "unreadable" in a.classes]
    assert len(blocks) == 2
    corrupt = blocks[0].text()
    assert "corrupt.json:1:10" in corrupt and "无法读取" in corrupt
    assert "文件不存在" in blocks[1].text()
    summary = page.by_id["summary"].text()
    assert "共检查 1 份报告" in summary and "2 个输入无法读取" in summary


def test_jobs_do_not_change_the_page(batch: Path) -> None:
    one = cli("check", "--format", "html", "--jobs", "1", batch)
    two = cli("check", "--format", "html", "--jobs", "2", batch)
    assert one.code == two.code == 2
    assert one.out == two.out


def test_summary_verbose_quiet_and_fail_on(batch: Path) -> None:
    outcome = cli("check", "--format", "html", "--summary", "--verbose", batch)
    page = Page(outcome.out)
    summary = page.by_id["summary"]
    assert any(e.tag == "table" for e in summary.iter())
    assert "APP-ROW-TOTAL" in summary.text()
    assert any(e.text() == "未检查的规则" for e in page.all("h4"))
    assert not any(e.text() == "未检查的规则" for e in Page(
        cli("check", "--format", "html", batch).out).all("h4"))
    quiet = Page(cli("check", "--format", "html", "--quiet", batch).out)
    names = set(quiet.articles())
    assert not any(n.endswith("clean.json") for n in names)
    assert any(n.endswith("dirty.json") for n in names)
    # A warning-only report passes, unless warnings fail.
    jiading = batch / "jiading.json"
    lenient = Page(cli("check", "--format", "html", jiading).out)
    strict = cli("check", "--format", "html", "--fail-on", "warning", jiading)
    assert strict.code == 1
    assert "pass" in lenient.all("article")[0].classes
    assert "fail" in Page(strict.out).all("article")[0].classes


def test_a_published_report_is_drawn_as_imported(tmp_path: Path) -> None:
    pytest.importorskip("disclosure_rules.importer")
    report = broken(8)
    path = tmp_path / "published.md"
    path.write_text(render(report, "md"), encoding="utf-8")
    page, data, code = html_and_json(path)
    assert code == 1 and data["reports"][0]["kind"] == "markdown"
    check_every_finding(page, data)
    (article,) = page.all("article")
    assert len([e for e in _places(article).values() if "value" in e.classes]) > 100
    real = Path(__file__).resolve().parent / "fixtures/real/sources/2019-pingtan-zone.txt"
    page, data, _ = html_and_json(real)
    check_every_finding(page, data)
    origins = [e for e in page.all("li") if "finding" in e.classes
               and "原文：第19行" in e.text()]
    assert origins


def test_the_index_lists_every_report_shown_with_a_link_to_it(tmp_path: Path) -> None:
    organ = {"name": "测试县审计局"}
    write(tmp_path / "a.json", broken(40, organ=organ))
    write(tmp_path / "b.json", generated(41, year=2024))
    (tmp_path / "c.json").write_text("{ not json", encoding="utf-8")
    page, data, code = html_and_json(tmp_path)
    assert code == 2
    index = page.by_id["index"]
    rows = [r for r in index.iter() if r.tag == "tr"][1:]  # below the header
    articles = {a.attrs["id"]: a for a in page.all("article")}
    assert len(rows) == len(articles) == 3
    for row in rows:
        (target,) = set(row.links())
        assert target[1:] in articles  # each row leads to the report it names
        name = next(e for e in articles[target[1:]].iter() if e.tag == "code").text()
        assert name in row.text()
    by_file = {Path(next(e for e in r.iter() if e.tag == "code").text()).name: r for r in rows}
    assert "测试县审计局" in by_file["a.json"].text()
    assert {"fail"} <= {c for e in by_file["a.json"].iter() for c in e.classes}
    errors = data["reports"][0]["counts"]["error"]
    assert f"{errors} 个错误" in by_file["a.json"].text()
    assert "2024" in by_file["b.json"].text()
    assert "unreadable" in {c for e in by_file["c.json"].iter() for c in e.classes}
    top = [e for e in page.all("a") if e.attrs.get("href") == "#index"]
    assert top  # the page's head leads to the index
    # --quiet leaves a report without findings out of the page and the index
    quiet = Page(cli("check", "--format", "html", "--quiet", tmp_path).out)
    quiet_rows = [r for r in quiet.by_id["index"].iter() if r.tag == "tr"][1:]
    assert len(quiet_rows) == len(quiet.all("article")) < 3


def test_a_cell_holding_a_row_or_list_shows_as_json(tmp_path: Path) -> None:
    # A finding on a group's 小计 row (APP-EXTENSION) takes the whole row as
    # a cell: the page is for people who know JSON, not Python reprs.
    report = generated(11, "2021", year=2024)
    withheld = report["applications"]["results"]["withheld"]
    withheld["x_subtotal"] = dict.fromkeys(withheld["state_secret"], None)
    withheld["x_subtotal"]["natural_person"] = True
    page, data, _ = html_and_json(write(tmp_path / "row.json", report))
    check_every_finding(page, data)
    entry = next(e for e in page.all("li") if e.attrs.get("data-rule") == "APP-EXTENSION"
                 and e.attrs.get("data-pointer", "").endswith("/withheld/x_subtotal"))
    (cells,) = [e for e in entry.iter() if e.tag == "ul" and "cells" in e.classes]
    values = [e.text() for e in cells.iter() if e.tag == "code"]
    assert values and values[0].startswith('{"natural_person": true, "commercial_enterprise": null')
    assert "None" not in values[0] and "'" not in values[0]


def test_brackets_follow_the_language(batch: Path) -> None:
    # Chinese text is bracketed with full-width （）, English with ( ): the
    # page's own notes next to the report's words (fail-on, a cell of last
    # year's report, a diagnosis's rules, a cell's tooltip).
    report = batch / "organ" / "2024.json"
    # (in Chinese a cell of last year's report says so once: 上年报告 · …)
    for lang, fail_on, last_year in (("zh", "（以错误及以上为不通过）", "上年报告 · "),
                                     ("en", "(fails on error or worse)", " (last year)")):
        page = Page(cli("check", "--format", "html", "--lang", lang, batch / "dirty.json",
                        report, batch / "organ" / "2023.json").out)
        counts = [e.text() for e in page.all("p") if "counts" in e.classes
                  and e.parent is not None and e.parent.tag == "header"]
        assert counts and all(c.endswith(fail_on) for c in counts), counts
        cells = [e.text() for e in page.all("li") if e.parent is not None
                 and "cells" in e.parent.classes]
        assert any(last_year in c for c in cells)
        assert not any("（上年）" in c for c in cells)
        diagnosis = next(e for e in page.all("li") if "diagnosis" in e.classes)
        rules = "（APP-" if lang == "zh" else " (APP-"
        assert rules in diagnosis.text()
        parts = [e.attrs["title"] for e in page.root.iter() if e.attrs.get("data-part")]
        assert parts and all(t.startswith("（涉及 " if lang == "zh" else "(cells ") for t in parts)
        if lang == "zh":
            assert "(" not in "".join(counts + cells + parts) + diagnosis.text()


def test_a_rule_not_evaluated_without_a_place_has_no_space_before_its_colon(
        batch: Path) -> None:
    # Most rules not evaluated name no place: the rule id and the reason,
    # as the text output shows them ("APP-BOUND：适用条件不满足：…").
    page = Page(cli("check", "--format", "html", "--verbose", batch / "clean.json").out)
    items = [e.text() for e in page.all("li") if e.parent is not None
             and "plain" in e.parent.classes and "muted" in e.parent.classes]
    assert any(t.startswith("APP-BOUND：") for t in items), items[:3]
    assert not any(" ：" in t for t in items)


def test_severities_differ_in_outline_style_not_only_in_colour(batch: Path) -> None:
    # printed in black and white, or seen by a colour-blind reader, an error,
    # a warning and a note still look different (the legend uses the same)
    import re

    page = cli("check", "--format", "html", batch).out
    style = page.split("<style>", 1)[1].split("</style>", 1)[0]
    outlines = {}
    for kind in ("error", "warning", "info", "part", "waived"):
        found = re.search(rf"\.finding-{kind}\{{outline:(\d+)px (\w+) ", style)
        assert found is not None, kind
        outlines[kind] = (found.group(1), found.group(2))
    assert len(set(outlines.values())) == 5, outlines
    assert len({style for _, style in (outlines[k] for k in ("error", "warning", "info"))}) == 3


def test_an_empty_text_in_a_finding_is_said_not_left_blank(tmp_path: Path) -> None:
    report = generated(12, "2021", year=2024)
    report["overview"]["text"] = ""
    page, data, _ = html_and_json(write(tmp_path / "empty.json", report))
    check_every_finding(page, data)
    entry = next(e for e in page.all("li") if e.attrs.get("data-rule") == "SEC-EMPTY"
                 and e.attrs.get("data-pointer") == "/overview/text")
    values = [e.text() for e in entry.iter() if e.tag == "code"]
    assert "空文本" in values and "" not in values
