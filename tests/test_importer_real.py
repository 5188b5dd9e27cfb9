"""Real published reports: the importer reads the text a real importer sees
(the RAW part of each file in tests/fixtures/real/sources) and must give the
tables transcribed in tests/fixtures/real/<stem>.json — or report, never
invent, what it cannot read with certainty."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from disclosure_rules.importer import Imported, import_report
from disclosure_rules.loading import load_report
from disclosure_rules.pointer import to_pointer

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "real"
REAL = FIXTURES / "sources"  # the published reports, as retrieved
PDF = REAL / "pdf" / "2024-huaian-city.pdf"
TABLES = ("proactive", "applications", "appeals")

STEMS = [
    "2019-shanghai-city-office",
    "2019-pingtan-zone",
    "2021-pingtan-zone",
    "2022-pingtan-zone",
    "2023-huaian-hongze-district",
    "2024-huaian-city",
    "2024-huaian-hongze-district",
]

# Cells the researcher read from a second copy (page.html) that is not in
# the text: from the text alone they are digit runs with several readings,
# so the importer must report them (IMP-UNRESOLVED) and leave them null.
UNRESOLVED_IN_TEXT = {
    "2019-pingtan-zone": {
        f"/proactive/{row}/{col}"
        for row, cols in {
            "art20_1/normative_documents": ("new_made", "new_published", "total_published"),
            "art20_5/licensing": ("prior_year_items", "change", "decisions"),
            "art20_5/other_services": ("prior_year_items", "change", "decisions"),
            "art20_6/penalty": ("prior_year_items", "change", "decisions"),
            "art20_6/enforcement": ("prior_year_items", "change", "decisions"),
            "art20_8/fees": ("prior_year_items", "change"),
        }.items() for col in cols
    },
}


def raw_text(stem: str) -> str:
    """The RAW part of a real-report file: between the "RAW …" banner and the
    next banner, without the researcher's own marker lines."""
    lines = (REAL / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("RAW ")) + 2
    end = next(i for i in range(start, len(lines)) if re.fullmatch(r"=+", lines[i].strip() or "x"))
    kept = [line for line in lines[start:end]
            if not line.startswith("--- ") and line.strip() not in {"[end of PDF text]",
                                                                     "[excerpt ends]"}]
    return "\n".join(kept)


def shanghai_html(stem: str) -> str:
    """The Shanghai copy is HTML; its file lists the HTML cell by cell
    ("a | b [colspan 2] | (blank)"). Rebuild that HTML, spans included, and
    import it as the HTML it was."""
    text = (REAL / f"{stem}.txt").read_text(encoding="utf-8")
    title = re.search(r"report title: ([^;]+);", text)
    assert title is not None
    raw = text.split("RAW TEXT AS RETRIEVED", 1)[1].split("\n=====", 2)[1]
    parts = [f"<html><head><title>{html.escape(title.group(1))}</title></head><body>"]
    part = ""
    rows: list[str] = []

    def flush() -> None:
        if rows:
            parts.append("<table>" + "".join(rows) + "</table>")
            rows.clear()

    for line in raw.split("\n"):
        banner = re.match(r"--- \((\w)\) (.*?) ---", line)
        if banner:
            flush()
            part = banner.group(1)
            if part == "b":
                parts.append(f"<h2>{html.escape(banner.group(2).replace(' (cells)', ''))}</h2>")
            continue
        if not line.strip():
            continue
        if part == "a":
            parts.append(f"<p>{html.escape(line)}</p>")
        elif part == "b":
            each = re.search(r"\[each (rowspan|colspan) (\d+)\]", line)
            cells = []
            for cell in line.split(" | "):
                attrs = "".join(f' {k}="{n}"' for k, n in re.findall(r"\[(rowspan|colspan) (\d+)\]",
                                                                     cell))
                if each and not attrs:
                    attrs = f' {each.group(1)}="{each.group(2)}"'
                content = re.sub(r"\s*\[[^\]]*\]", "", cell).strip()
                content = "&nbsp;" if content == "(blank)" else content
                cells.append(f'<td{attrs}><p align="center">{content}</p></td>')
            rows.append("<tr>" + "".join(cells) + "</tr>")
    flush()
    parts.append("</body></html>")
    return "\n".join(parts)


def import_raw(stem: str) -> Imported:
    if stem == "2019-shanghai-city-office":
        return import_report(shanghai_html(stem), kind="html", name=stem)
    return import_report(raw_text(stem), kind="text", name=stem)


def cells(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """(pointer, value) of every table cell under ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in {"title", "text"}:
                yield from cells(value, (*path, key))
    else:
        yield to_pointer(path), node


def table_cells(document: dict[str, Any]) -> dict[str, Any]:
    return {p: v for section in TABLES for p, v in cells(document.get(section, {}), (section,))}


@pytest.fixture(scope="module", params=STEMS)
def case(request: pytest.FixtureRequest) -> tuple[str, Imported, dict[str, Any]]:
    stem: str = request.param
    return stem, import_raw(stem), load_report(FIXTURES / f"{stem}.json").data


def test_tables_match_the_transcription(case: tuple[str, Imported, dict[str, Any]]) -> None:
    stem, imported, fixture = case
    got, expected = table_cells(imported.document), table_cells(fixture)
    assert set(got) == set(expected)
    differing = {p for p in expected
                 if got[p] != expected[p] or type(got[p]) is not type(expected[p])}
    assert differing == UNRESOLVED_IN_TEXT.get(stem, set())


def test_uncertain_cells_are_reported_not_invented(
        case: tuple[str, Imported, dict[str, Any]]) -> None:
    stem, imported, fixture = case
    got, expected = table_cells(imported.document), table_cells(fixture)
    reported = {c.pointer: f for f in imported.findings if f.rule_id == "IMP-UNRESOLVED"
                for c in f.cells}
    for pointer, value in expected.items():
        if value is None:
            assert got[pointer] is None, pointer  # a cell the source leaves unresolved
    for pointer in UNRESOLVED_IN_TEXT.get(stem, set()):
        assert got[pointer] is None
        finding = reported[pointer]
        # the transcribed value is among the readings the finding lists
        assert re.search(rf"(?:^|[ ；|]){expected[pointer]}(?:$|[ ；|])",
                         finding.message.zh.split("读法为", 1)[1]), finding.message.zh
    for pointer in reported:
        assert got[pointer] is None


def test_year_organ_and_titles(case: tuple[str, Imported, dict[str, Any]]) -> None:
    stem, imported, fixture = case
    document = imported.document
    if stem != "2022-pingtan-zone":  # that copy starts after the title
        assert document["year"] == fixture["year"]
        assert document["organ"]["name"] == fixture["organ"]["name"]
    else:
        assert {f.pointer for f in imported.findings if f.rule_id == "IMP-MISSING"} >= {
            "/year", "/organ"}
    for key in ("proactive", "applications", "appeals", "problems", "other_matters"):
        if key in document:
            assert document[key]["title"] == fixture[key]["title"]


def test_digit_runs_resolved_by_identities_are_said() -> None:
    imported = import_raw("2021-pingtan-zone")
    resolved = {f.pointer: f for f in imported.findings if f.rule_id == "IMP-RESOLVED"}
    finding = resolved["/applications/results/unavailable/not_held"]
    assert "220000325" in finding.message.zh and "22 | 0 | 0 | 0 | 0 | 3 | 25" in finding.message.zh
    assert "本表的行、列合计" in finding.message.zh  # only the column sums decide this one
    assert "/applications/new_received" in resolved and "/appeals" in resolved


def test_typo_label_and_single_row_other_group_are_reported() -> None:
    imported = import_raw("2023-huaian-hongze-district")
    rules = {(f.rule_id, f.pointer) for f in imported.findings}
    assert ("IMP-LABEL", "/applications/results/withheld/prohibited_by_law") in rules
    assert ("IMP-LAYOUT", "/applications/results/other/x_subtotal") in rules
    other = imported.document["applications"]["results"]["other"]
    assert set(other) == {"x_subtotal"}
    # the published 四 totals (0) are kept, not "fixed" to the sums
    assert imported.document["appeals"]["review"] == {
        "upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0}


def test_typo_heading_is_matched_approximately() -> None:
    imported = import_raw("2022-pingtan-zone")
    label = [f for f in imported.findings if f.rule_id == "IMP-LABEL"]
    assert [f.pointer for f in label] == ["/appeals/title"]
    assert imported.document["appeals"]["title"] == "四、政府信息公开行政法复议、行政诉讼情况"


def test_huaian_prose_matches_the_transcription() -> None:
    for stem in ("2024-huaian-city", "2023-huaian-hongze-district", "2024-huaian-hongze-district"):
        document = import_raw(stem).document
        fixture = load_report(FIXTURES / f"{stem}.json").data
        expected = {k: v for k, v in fixture.items() if k not in {"source", "format"}}
        assert {k: v for k, v in document.items() if k != "source"} == expected


# ---------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf() -> Imported:
    pytest.importorskip("pdfplumber")
    return import_report(PDF)


def test_pdf_gives_the_same_tables_as_its_text(pdf: Imported) -> None:
    text = import_raw("2024-huaian-city")
    assert table_cells(pdf.document) == table_cells(text.document)
    assert pdf.kind == "pdf" and pdf.findings == ()


def test_pdf_gives_the_transcribed_document(pdf: Imported) -> None:
    fixture = load_report(FIXTURES / "2024-huaian-city.json").data
    # the fixture states the format from its file header, which the PDF does not print
    expected = {k: v for k, v in fixture.items() if k not in {"source", "format"}}
    assert {k: v for k, v in pdf.document.items() if k != "source"} == expected


def test_pdf_provenance_names_page_table_row_column(pdf: Imported) -> None:
    source = pdf.document["source"]
    assert source["cells"]["/applications/new_received/total"] == {
        "page": 4, "table": 2, "row": 4, "column": 10}
    assert source["sections"]["appeals"]["page"] == 5
