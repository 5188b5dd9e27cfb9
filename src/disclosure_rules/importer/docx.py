"""DOCX → blocks, with the standard library only (zipfile + ElementTree).

Only ``word/document.xml`` is read: paragraphs in body order become
:class:`~.model.Line` s (a heading style gives the line its level), tables
become :class:`~.model.Grid` s with ``gridSpan`` (colspan) and ``vMerge``
(rowspan) turned into spans. Provenance: ``{"paragraph": n}`` for a
paragraph, ``{"table": t, "row": r, "column": c}`` for a cell (1-based).
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

from ..errors import ImportReportError
from .model import Block, Grid, GridCell, Line

__all__ = ["docx_blocks", "is_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_XML = 64 * 1024 * 1024  # a report's document.xml is far smaller; refuse zip bombs


def is_docx(data: bytes) -> bool:
    """Whether ``data`` is a zip archive holding ``word/document.xml``."""
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _paragraph_text(p: ElementTree.Element) -> str:
    """The text of a paragraph (tabs and breaks kept)."""
    parts: list[str] = []
    for node in p.iter():
        if node.tag == _W + "t" and node.text:
            parts.append(node.text)
        elif node.tag == _W + "tab":
            parts.append("\t")
        elif node.tag in {_W + "br", _W + "cr"}:
            parts.append("\n")
    return "".join(parts)


def _heading_level(p: ElementTree.Element) -> int:
    """The heading level of a paragraph's style (0: body text)."""
    style = p.find(f"{_W}pPr/{_W}pStyle")
    if style is None:
        return 0
    name = style.get(_W + "val", "")
    match = re.fullmatch(r"(?:Heading|heading|标题)\s*(\d)", name) or re.fullmatch(r"(\d)", name)
    return int(match.group(1)) if match else 0


def docx_blocks(data: bytes, name: str) -> list[Block]:
    """Blocks of a DOCX file; :class:`ImportReportError` when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > _MAX_XML:
                raise ImportReportError("DOCX 正文过大 (document.xml is too large)", file=name)
            xml = archive.read(info)
    except KeyError:
        raise ImportReportError("不是 Word 文档：缺少 word/document.xml (not a DOCX file)",
                                file=name) from None
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:
        raise ImportReportError(f"无法读取 DOCX 文件 (cannot read the DOCX file): {exc}",
                                file=name) from None
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ImportReportError(f"DOCX 正文不是有效的 XML (document.xml is not valid XML): {exc}",
                                file=name) from None
    body = root.find(_W + "body")
    if body is None:
        raise ImportReportError("DOCX 文件没有正文 (the DOCX file has no body)", file=name)
    blocks: list[Block] = []
    paragraphs = 0
    tables = 0
    for child in body:
        if child.tag == _W + "p":
            paragraphs += 1
            text = _paragraph_text(child)
            level = _heading_level(child)
            for part in text.split("\n"):
                blocks.append(Line(part, {"paragraph": paragraphs}, level=level))
        elif child.tag == _W + "tbl":
            tables += 1
            blocks.append(_table(child, tables))
    return blocks


def _table(tbl: ElementTree.Element, t: int) -> Grid:
    """A DOCX table as a grid (gridSpan → colspan, vMerge → rowspan)."""
    rows: list[list[GridCell]] = []
    # (column → the cell a vMerge continuation extends), per grid column
    open_merges: dict[int, tuple[int, int]] = {}
    spans: dict[tuple[int, int], int] = {}
    for r, tr in enumerate(tbl.findall(_W + "tr")):
        cells: list[GridCell] = []
        col = 0
        for tc in tr.findall(_W + "tc"):
            props = tc.find(_W + "tcPr")
            colspan = 1
            merge: str | None = None
            if props is not None:
                span = props.find(_W + "gridSpan")
                if span is not None:
                    try:
                        colspan = max(1, min(int(span.get(_W + "val", "1")), 200))
                    except ValueError:
                        colspan = 1
                vmerge = props.find(_W + "vMerge")
                if vmerge is not None:
                    merge = vmerge.get(_W + "val", "continue")
            text = "\n".join(_paragraph_text(p) for p in tc.findall(_W + "p")).strip()
            if merge == "continue" and col in open_merges:
                start = open_merges[col]
                spans[start] = spans.get(start, 1) + 1
            else:
                cells.append(GridCell(text, r, col, {"table": t, "row": r + 1, "column": col + 1},
                                      colspan=colspan))
                if merge == "restart":
                    open_merges[col] = (r, len(cells) - 1)
                else:
                    open_merges.pop(col, None)
            col += colspan
        rows.append(cells)
    final: list[tuple[GridCell, ...]] = []
    for r, cells in enumerate(rows):
        out: list[GridCell] = []
        for i, cell in enumerate(cells):
            rowspan = spans.get((r, i), 1)
            out.append(GridCell(cell.text, cell.row, cell.col, cell.origin, rowspan=rowspan,
                                colspan=cell.colspan) if rowspan > 1 else cell)
        final.append(tuple(out))
    return Grid(tuple(final), {"table": t})
