"""``import_report``: a published report (text, Markdown, HTML, PDF, DOCX) →
report JSON (the contract in report-json.md) + import findings.

The pipeline: read the input into blocks (one reader per kind), find the six
section headings, read year/organ from the title, detect the format from
the tables' signature labels, then read each section — prose for 一 五 六,
tables (and any prose printed with them) for 二 三 四. What could not be
read with certainty is an import finding; what was not found is absent from
the document (and an ``IMP-MISSING`` finding), so an imported document never
claims to be complete when it is not.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import ImportReportError
from ..findings import Finding, json_value
from ..formats import format_for_year
from ..layout import Format, layout, section_keys
from ..loading import looks_like_path, read_file
from ..normalize import normalize_label
from ..render import META_MARK
from . import notes
from .cells import read_tables
from .docx import docx_blocks, is_docx
from .html import html_blocks
from .meta import TitleFacts, detect_format, is_title, organ_facts, published_on, title_facts
from .model import Block, Grid, Line
from .pdf import pdf_blocks
from .prose import full_width, looks_wrapped, paragraphs
from .sections import Sections, find_sections
from .tables import Spec, find_labels, section_specs
from .text import text_blocks

__all__ = ["KINDS", "Imported", "document_json", "import_report"]

KINDS = ("text", "markdown", "html", "pdf", "docx")
_SUFFIXES = {".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
             ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf", ".docx": "docx"}
_MD_META = re.compile(r"<!--\s*" + META_MARK + r"\s+(\{.*?\})\s*-->", re.DOTALL)
#: page furniture that ends a report's last section on web pages
_FOOTER = re.compile(r"版权所有|主办单位|承办单位|ICP备|网站标识码|技术支持|网站地图|联系我们|"
                     r"公网安备|Copyright|©")
_NUMBERS_ONLY = re.compile(r"[\s\d.,，+\-－—/]+")
#: the official header note of table 三 (not a label: it names no cell)
_NOTE = "勾稽关系"


@dataclass(frozen=True, slots=True)
class Imported:
    """An imported report: the document, the import findings, the input
    kind and the name used for the input."""

    document: dict[str, Any]
    findings: tuple[Finding, ...]
    kind: str
    name: str

    def to_json(self, *, indent: int | None = 2) -> str:
        """The document as JSON text (money kept exact)."""
        return document_json(self.document, indent=indent)


def document_json(document: Mapping[str, Any], *, indent: int | None = 2) -> str:
    """JSON text of a document whose money cells may be :class:`Decimal`."""
    return json.dumps(json_value(document), ensure_ascii=False, indent=indent)


# ------------------------------------------------------------------ input


def _load(source: str | bytes | os.PathLike[str], name: str | None
          ) -> tuple[str | bytes, str, str]:
    """The input's content, its display name and its suffix."""
    if isinstance(source, os.PathLike) or (
            isinstance(source, str) and looks_like_path(source, _SUFFIXES)):
        path = Path(source)
        label = name or str(source)
        return read_file(path, label, ImportReportError), label, path.suffix.lower()
    if isinstance(source, bytes):
        return source, name or "<bytes>", Path(name).suffix.lower() if name else ""
    if isinstance(source, str):
        return source, name or "<string>", Path(name).suffix.lower() if name else ""
    raise ImportReportError(f"无法导入 {type(source).__name__} (cannot import this value)",
                            file=name or "<object>")


def _detect_kind(data: str | bytes, suffix: str) -> str:
    """The input kind from the suffix, else from the content."""
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    head = data[:4096]
    if isinstance(head, bytes):
        if head.startswith(b"%PDF"):
            return "pdf"
        if head.startswith(b"PK") and isinstance(data, bytes) and is_docx(data):
            return "docx"
        head_text = head.decode("utf-8", errors="ignore")
    else:
        head_text = head
    lowered = head_text.lstrip("\ufeff \t\r\n").lower()
    if re.search(r"<(?:!doctype\s+html|html|table|body)\b", lowered[:2048]):
        return "html"
    return "text"


def _decode(data: str | bytes, name: str, kind: str) -> str:
    """Bytes → text (UTF-8, UTF-16 with BOM, GBK); binary input, or text
    that is empty once its byte-order mark is gone, is refused."""
    if isinstance(data, str):
        text = data
    else:
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            try:
                text = data.decode("utf-16")
            except UnicodeDecodeError:
                raise ImportReportError("无法解码 UTF-16 文本 (bad UTF-16)", file=name) from None
        else:
            if b"\x00" in data[:8192]:
                raise ImportReportError(
                    "是二进制文件，不是年度报告文本 (a binary file, not a report)", file=name)
            text = _decode_bytes(data, name, kind)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportReportError("文件是空的 (the file is empty)", file=name)
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > 8:
        raise ImportReportError("是二进制文件，不是年度报告文本 (a binary file, not a report)",
                                file=name)
    return text


def _decode_bytes(data: bytes, name: str, kind: str) -> str:
    """Decode with the declared charset, UTF-8, then GB18030."""
    encodings = ["utf-8"]
    if kind == "html":
        declared = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", data[:4096])
        if declared:
            encodings.insert(0, declared.group(1).decode("ascii", "ignore").lower())
    encodings.append("gb18030")  # Chinese pages and text files are often GBK
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ImportReportError("无法识别文本编码（不是 UTF-8 或 GBK）(unknown text encoding)",
                            file=name)


# ------------------------------------------------------------------ blocks


@dataclass(frozen=True, slots=True)
class _Input:
    """An input read into blocks, with its out-of-body hints."""
    blocks: list[Block]
    hints: list[str]  # title lines a web page carries outside its body
    meta: dict[str, str]
    embedded: dict[str, Any]  # the renderer's machine-readable note


def _blocks(data: str | bytes, name: str, kind: str) -> _Input:
    """Read the input of ``kind`` into blocks."""
    if kind == "pdf":
        if isinstance(data, str):
            raise ImportReportError("PDF 必须以字节读取 (PDF must be given as bytes)", file=name)
        return _Input(pdf_blocks(data, name), [], {}, {})
    if kind == "docx":
        if isinstance(data, str):
            raise ImportReportError("DOCX 必须以字节读取 (DOCX must be given as bytes)", file=name)
        return _Input(docx_blocks(data, name), [], {}, {})
    text = _decode(data, name, kind)
    if kind == "html":
        page = html_blocks(text, name)
        embedded = _embedded(page.meta.get(META_MARK, ""))
        hints = [page.title, page.meta.get("articletitle", "")]
        return _Input(page.blocks, [h for h in hints if h], page.meta, embedded)
    noted: dict[str, Any] = {}
    match = _MD_META.search(text)
    if match is not None:
        noted = _embedded(match.group(1))
        # blank the note out but keep the line count, so lines stay true
        text = text[: match.start()] + "\n" * match.group(0).count("\n") + text[match.end():]
    return _Input(text_blocks(text), [], {}, noted)


def _embedded(raw: str) -> dict[str, Any]:
    """The renderer's note as a dict (empty when absent or malformed)."""
    if not raw:
        return {}
    try:
        value = json.loads(raw, parse_float=Decimal)  # money as written, as documents load
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ----------------------------------------------------------------- sections


def _lines(blocks: Sequence[Block]) -> list[Line]:
    """The text lines of some blocks (a one-column "table" is a boxed paragraph)."""
    out: list[Line] = []
    for block in blocks:
        if isinstance(block, Line):
            out.append(block)
        elif isinstance(block, Grid) and block.width <= 1:
            out.extend(block.text_lines())
    return out


def _split_table_section(fmt: Format, key: str, body: Sequence[Block]
                         ) -> tuple[list[Line], list[Block]]:
    """Prose lines (before/after the tables, or sentences among them) and
    table material of a table section."""
    specs = section_specs(fmt, key)
    # per block: (table material?, a sentence among the tables?)
    kinds = [_table_line(block, specs) for block in body]
    marked = [i for i, (table_like, _) in enumerate(kinds) if table_like]
    if not marked:
        return [b for b in body if isinstance(b, Line)], []
    first, last = marked[0], marked[-1]
    prose: list[Line] = []
    table: list[Block] = []
    for i, block in enumerate(body):
        table_like, sentence = kinds[i]
        if isinstance(block, Grid):
            if block.width <= 1 and not table_like:
                prose.extend(block.text_lines())
            else:
                table.append(block)
        elif i < first or i > last or sentence:
            prose.append(block)
        else:
            table.append(block)
    return prose, table


def _table_line(block: Block, specs: tuple[Spec, ...]) -> tuple[bool, bool]:
    """Whether a block of a table section is table material, and whether it
    is a sentence (prose even between the tables): a grid is material; a
    line is when it has a tab, is numbers only, has six numbers or more, or
    — not being a sentence (a "。" with fewer than six numbers, no tab) —
    has two numbers, the header note or a label."""
    if isinstance(block, Grid):
        return True, False
    text = block.text.strip()
    if not text:
        return False, False
    values = len(re.findall(r"\d+", text))
    tabbed = "\t" in text
    sentence = "。" in text and values < 6 and not tabbed
    # a line of numbers (and separators): not one of separators alone ("，")
    numbers_only = values > 0 and _NUMBERS_ONLY.fullmatch(text) is not None
    table_like = tabbed or numbers_only or values >= 6 or (not sentence and (
        values >= 2 or _NOTE in re.sub(r"\s+", "", text)
        or bool(find_labels(normalize_label(text), specs))))
    return table_like, sentence


# page metadata printed above a report on web pages and archives
_METADATA = re.compile(
    r"^\s*(?:标题|题目|发布时间|发布日期|发文日期|成文日期|原文链接|链接|来源|信息来源|索引号|文号|"
    r"发文字号|发布机构|发文机关|主题分类|公开方式|公开范围|浏览次数|字号)\s*[:：]"
)


def _preamble(blocks: Sequence[Block], facts: TitleFacts) -> list[Line]:
    """The text printed between the title and 一、总体情况 (not page
    metadata such as "发布时间：…", nor a title repeated), kept under
    ``x_preamble``."""
    if facts.year is None:
        return []
    lines = _lines(blocks)
    title_at = next((i for i, line in enumerate(lines) if is_title(line.text)), None)
    if title_at is None:
        return []
    out = [line for line in lines[title_at + 1:]
           if not _METADATA.match(line.text)
           and not (len(line.text) <= 60 and is_title(line.text))]
    return out if any(line.text.strip() for line in out) else []


def _cut_footer(lines: list[Line]) -> list[Line]:
    """The lines of a last section before the web page's footer starts."""
    for i, line in enumerate(lines):
        if _FOOTER.search(line.text):
            return lines[:i]
    return lines


# ------------------------------------------------------------------- import


def import_report(source: str | bytes | os.PathLike[str], *, kind: str | None = None,
                  name: str | None = None) -> Imported:
    """Import a published report.

    Arguments:
        source: a path (``str`` naming a file, or ``PathLike``), the report
            text, or its bytes.
        kind: "text", "markdown", "html", "pdf" or "docx"; detected from the
            file suffix or the content when omitted.
        name: the name used in messages and in ``source.file``.

    Returns:
        :class:`Imported`: the report JSON document (cells not read with
        certainty are ``null``; sections, tables and rows not found are
        absent) and the import findings.

    Raises:
        ImportReportError: the input cannot be read at all (missing file,
            binary, empty, an unreadable PDF/DOCX, or no report in it).
    """
    data, label, suffix = _load(source, name)
    if kind is not None and kind not in KINDS:
        raise ImportReportError(f"未知的输入类型 {kind!r}（应为 {', '.join(KINDS)}）(unknown kind)",
                                file=label)
    if not data.strip():
        raise ImportReportError("文件是空的 (the file is empty)", file=label)
    kind = kind or _detect_kind(data, suffix)
    read = _blocks(data, label, kind)
    return _build(read, kind, label)


@dataclass(slots=True)
class _Prose:
    """How this input's prose is assembled into paragraphs."""

    wrapped: bool
    full: int | None

    def text(self, lines: Sequence[Line]) -> str:
        return "\n".join(paragraphs(lines, wrapped=self.wrapped, full=self.full))


def _format_of(read: _Input, sections: Sections, facts: TitleFacts, blocks: Sequence[Block],
               label: str) -> Format:
    """The format the tables use (their signature labels), else the one the
    renderer's note declares, else by year (as checking chooses the format,
    and so as the renderer draws the tables)."""
    table_text = "\n".join(
        b.text if isinstance(b, Line) else "\n".join(c.text for row in b.rows for c in row)
        for key in ("proactive", "applications") for b in sections.bodies.get(key, [])
    )
    if not sections.headings and not table_text:
        table_text = "\n".join(b.text for b in _lines(blocks))
    detected, _ = detect_format(table_text)
    if not sections.headings and detected is None:
        raise ImportReportError(
            "没有找到政府信息公开工作年度报告的内容（六部分标题和表格都没有）"
            "(no annual report found: none of the six sections and no table)", file=label)
    declared = read.embedded.get("format")
    if detected is None and declared in ("2019", "2021"):
        return declared  # type: ignore[no-any-return]
    return detected or format_for_year(facts.year) or "2021"


def _top_level(read: _Input, facts: TitleFacts, fmt: Format, preamble_lines: Sequence[str],
               findings: list[Finding]) -> dict[str, Any]:
    """format (only when stated), year, organ and published_on."""
    document: dict[str, Any] = {}
    embedded = read.embedded
    if embedded.get("format") in ("2019", "2021"):
        document["format"] = embedded["format"]
    noted_year = embedded.get("year")
    year = noted_year if isinstance(noted_year, int) and not isinstance(noted_year, bool) \
        else facts.year
    if year is not None:
        document["year"] = year
    else:
        findings.append(notes.finding("IMP-MISSING", fmt, ("year",),
                                      "未找到报告年度（标题中的“××××年”）",
                                      "the report year was not found (the title's year)"))
    embedded_organ = embedded.get("organ")
    if isinstance(embedded_organ, dict) and isinstance(embedded_organ.get("name"), str):
        document["organ"] = dict(embedded_organ)  # the renderer's exact statement
    elif facts.organ:
        document["organ"] = {"name": facts.organ, **organ_facts(facts.organ)}
    else:
        findings.append(notes.finding("IMP-MISSING", fmt, ("organ",),
                                      "未找到编制主体（标题中的机关名称）",
                                      "the organ (编制主体) was not found in the title"))
    if isinstance(embedded.get("published_on"), str):
        document["published_on"] = embedded["published_on"]
    else:
        date = read.meta.get("pubdate") or None
        stated = published_on([f"发布日期：{date}"] if date else preamble_lines)
        if stated:
            document["published_on"] = stated
    return document


@dataclass(slots=True)
class _Reading:
    """What reading the sections needs, and what it collects."""

    fmt: Format
    sections: Sections
    prose: _Prose
    last: str | None
    findings: list[Finding]
    cells: dict[str, dict[str, Any]]


def _section(key: str, reading: _Reading) -> dict[str, Any]:
    """One found section: its title, prose and (for 二 三 四) tables."""
    fmt, sections, prose, last = reading.fmt, reading.sections, reading.prose, reading.last
    findings, cells = reading.findings, reading.cells
    node = layout(fmt).children[key]
    heading = sections.headings[key]
    section: dict[str, Any] = {"title": heading.title}
    if heading.approximate:
        findings.append(notes.finding(
            "IMP-LABEL", fmt, (key, "title"),
            f"标题“{heading.title}”与官方标题“{node.title}”不完全一致，按“{node.title}”导入",
            f"the heading “{heading.title}” differs from the official {node.title}; "
            "imported as that section", origin=heading.origin))
    body = sections.bodies.get(key, [])
    tables = None
    if node.role == "table-section":
        lines, table_blocks = _split_table_section(fmt, key, body)
        tables = read_tables(fmt, key, table_blocks)
    else:
        lines = _lines(body)
    if key == last:
        lines = _cut_footer(lines)
    text = prose.text(lines)
    if text:  # a heading with no prose under it has no text (as transcribed)
        section["text"] = text
    if tables is not None:
        section.update(tables.data)
        cells.update(tables.cells)
        findings.extend(tables.findings)
    return section


def _build(read: _Input, kind: str, label: str) -> Imported:
    """Blocks → the report document and the import findings."""
    blocks = read.blocks
    findings: list[Finding] = []
    # Section titles are the same in both formats; tables are read later
    # with the detected format.
    sections = find_sections(blocks, "2021")
    preamble_lines = [*read.hints, *(b.text for b in _lines(sections.preamble)[:60])]
    facts = title_facts(preamble_lines)
    if facts.year is None:
        facts = title_facts([b.text for b in _lines(blocks)[:60]])
    fmt = _format_of(read, sections, facts, blocks, label)
    document = _top_level(read, facts, fmt, preamble_lines[:60], findings)
    all_lines = _lines(blocks)
    wrapped = kind == "pdf" or (kind == "text" and looks_wrapped(all_lines))
    prose = _Prose(wrapped, full_width(all_lines) if wrapped and kind != "pdf" else None)
    cells: dict[str, dict[str, Any]] = {}
    keys = section_keys(fmt)
    last = max(sections.headings, key=keys.index, default=None)
    reading = _Reading(fmt, sections, prose, last, findings, cells)
    for number, key in enumerate(keys):
        if key in sections.headings:
            document[key] = _section(key, reading)
            continue
        title = layout(fmt).children[key].title
        findings.append(notes.finding(
            "IMP-MISSING", fmt, (key,), f"未找到第{'一二三四五六'[number]}部分“{title}”的标题",
            f"the heading of section {title} was not found"))
    preamble = _preamble(sections.preamble, facts)
    if preamble:
        document["x_preamble"] = prose.text(preamble)
    document["source"] = {
        "file": label, "kind": kind,
        "sections": {k: dict(h.origin) for k, h in sections.headings.items()},
        "cells": cells,
    }
    findings.sort(key=lambda f: f.sort_key)
    return Imported(document, tuple(findings), kind, label)

