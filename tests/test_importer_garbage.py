"""Garbage in: a clear error naming the file, or import findings — never a
traceback, never a document that claims to be complete."""

from __future__ import annotations

import contextlib
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure_rules.errors import DisclosureRulesError, ImportReportError
from disclosure_rules.importer import Imported, import_report
from disclosure_rules.importer import pdf as pdf_module

SEED = Path(__file__).resolve().parent / "fixtures" / "real" / "seeds" / "jiading-hrss-2020.txt"


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "空"),
    (b"   \n\t ", "空"),
    (bytes(range(256)) * 8, "二进制"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "二进制"),
    ("年度报告".encode("utf-16-le"), "no annual report"),
])
def test_unreadable_bytes(data: bytes, reason: str) -> None:
    with pytest.raises(ImportReportError, match=reason) as caught:
        import_report(data, name="upload.bin")
    assert caught.value.file == "upload.bin"


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImportReportError, match="no such file") as caught:
        import_report(tmp_path / "nope.pdf")
    assert str(tmp_path / "nope.pdf") in str(caught.value)
    with pytest.raises(ImportReportError, match="directory"):
        import_report(tmp_path)


def test_a_page_with_no_report() -> None:
    page = "<html><body><div class='nav'>首页</div><p>欢迎访问本网站。</p><table><tr><td>a</td>" \
           "<td>1</td></tr></table></body></html>"
    with pytest.raises(ImportReportError, match="no annual report found"):
        import_report(page)
    with pytest.raises(ImportReportError, match="no annual report found"):
        import_report("一段与年度报告无关的文字。\n第二行。", name="note.txt")


def test_a_truncated_table_is_missing_rows_not_a_complete_document() -> None:
    text = SEED.read_text(encoding="utf-8")
    cut = text[: text.index("4. 保护第三方合法权益")]
    imported = import_report(cut, name="cut.txt")
    missing = {f.pointer for f in imported.findings if f.rule_id == "IMP-MISSING"}
    assert "/applications/results/withheld/third_party_rights" in missing
    assert "/applications/carried_forward" in missing
    assert {"/appeals", "/problems", "/other_matters"} <= missing
    results = imported.document["applications"]["results"]
    assert "third_party_rights" not in results["withheld"] and "total" not in results
    assert "appeals" not in imported.document
    assert all(f.severity.value == "error" for f in imported.findings
               if f.rule_id == "IMP-MISSING")


def test_broken_pdf_and_docx() -> None:
    pytest.importorskip("pdfplumber")
    with pytest.raises(ImportReportError, match="PDF") as caught:
        import_report(b"%PDF-1.7\n garbage garbage", name="r.pdf")
    assert caught.value.file == "r.pdf"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not xml")
    with pytest.raises(ImportReportError, match="XML"):
        import_report(buffer.getvalue(), name="r.docx")
    with pytest.raises(ImportReportError, match="DOCX"):
        import_report(b"PK\x03\x04 not a zip", kind="docx", name="r.docx")


def test_pdf_without_pdfplumber_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_module, "_pdfplumber", lambda: None)
    with pytest.raises(ImportReportError, match=r"pip install 'disclosure-rules\[pdf\]'"):
        import_report(b"%PDF-1.7\n...", name="r.pdf")


def test_unknown_kind() -> None:
    with pytest.raises(ImportReportError, match="unknown kind"):
        import_report("x", kind="rtf")


_report_words = st.sampled_from([
    "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项", "2021年政府信息公开工作年度报告", "本年新收", "（三）不予公开",
    "1.属于国家秘密", "小计", "（六）其他处理", "行政复议", "结果维持", "总计", "规章",
    "本年制发件数", "\t", "|", " ", "\n", "0", "12", "3.5", "—",
    "<table>", "<tr>", "<td rowspan='3'>", "</td>", "#", "**", "[a](b)", "\\",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(_report_words, max_size=80).map("".join)),
       st.sampled_from([None, "text", "markdown", "html"]))
def test_any_text_imports_or_raises_a_library_error(text: str, kind: str | None) -> None:
    try:
        imported = import_report(text, kind=kind)
    except DisclosureRulesError:
        return
    assert isinstance(imported, Imported)
    # what is not found is absent and reported, never claimed
    missing = {f.pointer for f in imported.findings if f.rule_id == "IMP-MISSING"}
    for key in ("overview", "proactive", "applications", "appeals", "problems", "other_matters"):
        assert (key in imported.document) != (f"/{key}" in missing)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_any_bytes_import_or_raise_a_library_error(data: bytes) -> None:
    with contextlib.suppress(DisclosureRulesError):
        import_report(data)
