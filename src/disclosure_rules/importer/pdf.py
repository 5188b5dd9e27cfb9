"""PDF → blocks, with pdfplumber (an optional dependency, imported lazily).

Ruled tables are read as grids by pdfplumber's table finder, so cells keep
their columns (no digits run together, no labels broken one character per
line); the text outside them is read as lines in reading order, with
whether each line starts indented (a new paragraph in Chinese typesetting).
A one-column "table" is a boxed paragraph, read as text. Provenance:
``{"page": p, "line": n}`` for text, ``{"page": p, "table": t, "row": r,
"column": c}`` for cells (all 1-based; ``t`` counts the tables of the page).
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import ImportReportError
from .model import Block, Grid, GridCell, Line
from .text import PAGE_NUMBER

__all__ = ["PDF_EXTRA_HINT", "pdf_blocks"]

PDF_EXTRA_HINT = "pip install 'disclosure-rules[pdf]'"
_MAX_PAGES = 500  # an annual report has a handful of pages; refuse a book


def _pdfplumber() -> Any:
    """The pdfplumber module, or None when it is not installed."""
    try:
        import pdfplumber  # optional dependency: only when a PDF is imported
    except ImportError:
        return None
    return pdfplumber


def pdf_blocks(data: bytes, name: str) -> list[Block]:
    """Blocks of a PDF file; :class:`ImportReportError` when it cannot be read
    or when pdfplumber is not installed."""
    plumber = _pdfplumber()
    if plumber is None:
        raise ImportReportError(
            f"读取 PDF 需要 pdfplumber，请安装：{PDF_EXTRA_HINT} "
            f"(reading PDF needs pdfplumber: {PDF_EXTRA_HINT})",
            file=name,
        )
    blocks: list[Block] = []
    try:
        with plumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > _MAX_PAGES:
                raise ImportReportError(
                    f"PDF 有 {len(pdf.pages)} 页，不像年度报告 (too many pages for a report)",
                    file=name,
                )
            margin = _left_margin(pdf.pages)
            for number, page in enumerate(pdf.pages, start=1):
                blocks.extend(_page_blocks(page, number, margin))
    except ImportReportError:
        raise
    except Exception as exc:  # pdfminer raises many unrelated exception types on bad input
        raise ImportReportError(
            f"无法读取 PDF 文件 (cannot read the PDF file): {type(exc).__name__}: {exc}",
            file=name,
        ) from None
    return blocks


def _left_margin(pages: Any) -> float:
    """The left edge of the text column (to see indented lines)."""
    lefts = [line["x0"] for page in pages[:3] for line in page.extract_text_lines()]
    return min(lefts) if lefts else 0.0


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    """Whether an object's centre lies inside one of the boxes."""
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _page_blocks(page: Any, number: int, margin: float) -> list[Block]:
    """A page's text lines and tables, in reading order."""
    found = page.find_tables()
    tables = []
    for table in found:
        rows = table.extract()
        if any(len(row) >= 2 for row in rows):
            tables.append((table.bbox, rows))
    boxes = [bbox for bbox, _ in tables]
    text_page = page.filter(lambda obj: not _inside(obj, boxes)) if boxes else page
    placed: list[tuple[float, int, Block]] = []
    line_no = 0
    for line in text_page.extract_text_lines():
        text = line["text"]
        if not text.strip() or PAGE_NUMBER.match(text):
            continue
        line_no += 1
        size = line["chars"][0]["size"] if line.get("chars") else 10.0
        indent = line["x0"] - margin > 0.9 * size
        placed.append((line["top"], 0, Line(text, {"page": number, "line": line_no},
                                            indent=indent)))
    for t, (bbox, rows) in enumerate(tables, start=1):
        placed.append((bbox[1], 1, _grid(rows, number, t)))
    placed.sort(key=lambda item: (item[0], item[1]))
    return [block for _, _, block in placed]


def _grid(rows: list[list[str | None]], page: int, t: int) -> Grid:
    """A pdfplumber table (None for covered cells) as a grid."""
    out: list[tuple[GridCell, ...]] = []
    for r, row in enumerate(rows):
        cells: list[GridCell] = []
        for c, value in enumerate(row):
            if value is None:  # covered by a merged cell
                continue
            span = 1
            while c + span < len(row) and row[c + span] is None:
                span += 1
            cells.append(GridCell(value, r, c,
                                  {"page": page, "table": t, "row": r + 1, "column": c + 1},
                                  colspan=span))
        out.append(tuple(cells))
    return Grid(tuple(out), {"page": page, "table": t})
