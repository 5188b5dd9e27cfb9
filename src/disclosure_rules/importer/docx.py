"""DOCX → blocks, with the standard library only (zipfile + ElementTree).

Only ``word/document.xml`` is read: paragraphs in document order become
:class:`~.model.Line` s (a heading style gives the line its level), tables
become :class:`~.model.Grid` s with ``gridSpan`` (colspan) and ``vMerge``
(rowspan) turned into spans. Paragraphs, tables, rows and cells are read
wherever Word wraps them: in content controls (``w:sdt`` /
``w:sdtContent``) and custom XML elements (``w:customXml``), at any depth
(the tree is walked with explicit stacks, never by recursion). A table
that holds other tables is page layout, not data (as in the HTML reader):
its cells are read as ordinary content, in order. Provenance:
``{"paragraph": n}`` for a paragraph, ``{"table": t, "row": r, "column":
c}`` for a cell (1-based; only data tables are counted).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree

from ..errors import ImportReportError
from .model import Block, Grid, GridCell, Line, span

__all__ = ["docx_blocks", "is_docx"]

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_XML = 64 * 1024 * 1024  # a report's document.xml is far smaller; refuse zip bombs
_P = _W + "p"
_TBL = _W + "tbl"
_TR = _W + "tr"
_TC = _W + "tc"
#: elements that only wrap content: a content control (its properties,
#: ``w:sdtPr``, are not walked into) and a custom XML element
_WRAPPERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml"})
#: what a body or a table cell holds (block-level content), what a table
#: and a row hold, what a data table's cell is read for
_BLOCKS = frozenset({_P, _TBL})
_ROWS = frozenset({_TR})
_CELLS = frozenset({_TC})
_PARAGRAPHS = frozenset({_P})


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


def _below(parent: ElementTree.Element, wanted: frozenset[str]) -> Iterator[ElementTree.Element]:
    """The elements of the ``wanted`` tags below ``parent`` in document
    order, looking through content controls and custom XML however deeply
    they nest (but not into what is wanted: a table's own rows are not a
    body's content); without recursion."""
    stack = [iter(parent)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif child.tag in wanted:
            yield child
        elif child.tag in _WRAPPERS:
            stack.append(iter(child))


def _cells(tbl: ElementTree.Element) -> Iterator[tuple[int, ElementTree.Element]]:
    """The cells of a table with their row numbers (0-based), in order."""
    for r, tr in enumerate(_below(tbl, _ROWS)):
        for tc in _below(tr, _CELLS):
            yield r, tc


def _holds_table(tbl: ElementTree.Element) -> bool:
    """Whether a table holds another table in a cell (then it is layout)."""
    return any(block.tag == _TBL for _, tc in _cells(tbl) for block in _below(tc, _BLOCKS))


def _layout_content(tbl: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The paragraphs and tables of a layout table's cells, cell by cell."""
    for _, tc in _cells(tbl):
        yield from _below(tc, _BLOCKS)


def _content(body: ElementTree.Element) -> Iterator[ElementTree.Element]:
    """The paragraphs and data tables of the body in document order, the
    cells of layout tables walked as content (an explicit stack: nested
    layout tables at any depth)."""
    stack = [_below(body, _BLOCKS)]
    while stack:
        block = next(stack[-1], None)
        if block is None:
            stack.pop()
        elif block.tag == _TBL and _holds_table(block):
            stack.append(_layout_content(block))
        else:
            yield block


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
    for block in _content(body):
        if block.tag == _P:
            paragraphs += 1
            text = _paragraph_text(block)
            level = _heading_level(block)
            for part in text.split("\n"):
                blocks.append(Line(part, {"paragraph": paragraphs}, level=level))
        else:
            tables += 1
            blocks.append(_table(block, tables))
    return blocks


def _cell_text(tc: ElementTree.Element) -> str:
    """The text of a data table's cell: its paragraphs, one a line."""
    return "\n".join(_paragraph_text(p) for p in _below(tc, _PARAGRAPHS)).strip()


def _table(tbl: ElementTree.Element, t: int) -> Grid:
    """A DOCX table as a grid (gridSpan → colspan, vMerge → rowspan)."""
    rows: list[list[GridCell]] = []
    # (column → the cell a vMerge continuation extends), per grid column
    open_merges: dict[int, tuple[int, int]] = {}
    spans: dict[tuple[int, int], int] = {}
    for r, tr in enumerate(_below(tbl, _ROWS)):
        cells: list[GridCell] = []
        col = 0
        for tc in _below(tr, _CELLS):
            props = tc.find(_W + "tcPr")
            colspan = 1
            merge: str | None = None
            if props is not None:
                grid_span = props.find(_W + "gridSpan")
                if grid_span is not None:
                    colspan = span(grid_span.get(_W + "val"))
                vmerge = props.find(_W + "vMerge")
                if vmerge is not None:
                    merge = vmerge.get(_W + "val", "continue")
            text = _cell_text(tc)
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
