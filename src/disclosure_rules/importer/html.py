"""HTML → blocks, with the standard library's :mod:`html.parser`.

The page is parsed into a light element tree (tolerating the unclosed
``<p>``, ``<td>``, ``<tr>`` and ``<li>`` that published pages are full of),
then walked (with explicit stacks: any depth of nesting is read):
block elements give :class:`~.model.Line` s, each ``<table>`` gives a
:class:`~.model.Grid` whose cells are placed by their ``rowspan`` /
``colspan`` (a rowspan reaches at most the table's last row). A table that
holds other tables is page layout, not data: its cells are walked as
ordinary content. Scripts, styles, navigation, menus and footers are
ignored. The page ``<title>`` and the ``PubDate`` / ``ArticleTitle`` meta
tags that government sites carry are kept as hints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..errors import ImportReportError
from .model import Block, Grid, GridCell, Line, span

__all__ = ["HtmlPage", "html_blocks"]

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "param", "source", "track", "wbr"})
_SKIP = frozenset({"script", "style", "noscript", "template", "nav", "footer", "iframe", "svg",
                   "select", "button", "head", "object", "canvas", "map", "textarea"})
_BLOCK = frozenset({"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt",
                    "dd", "section", "article", "blockquote", "pre", "header", "main", "aside",
                    "center", "form", "fieldset", "address", "figure", "figcaption", "caption",
                    "body", "html", "tr", "td", "th", "table", "tbody", "thead", "tfoot"})
# Class or id words that mark page furniture rather than the report.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|footer|foot|breadcrumb|crumb|crumbs|topbar|sidebar|share|"
    r"copyright)(?:$|[\s_-])",
    re.IGNORECASE,
)
# Elements a new start tag implicitly closes (the parser does not do it).
_CLOSES = {
    "p": {"p"},
    "li": {"li"},
    "td": {"td", "th"},
    "th": {"td", "th"},
    "tr": {"tr", "td", "th"},
    "tbody": {"tbody", "thead", "tfoot", "tr", "td", "th"},
    "thead": {"tbody", "thead", "tfoot", "tr", "td", "th"},
    "tfoot": {"tbody", "thead", "tfoot", "tr", "td", "th"},
    "dt": {"dt", "dd"},
    "dd": {"dt", "dd"},
}
# A closing tag may not close past these (a stray </td> stays inside its table).
_BARRIER = frozenset({"table"})
#: the most rows a table's rowspans may reach into, all cells together (far
#: beyond any report; a page of absurd spans is refused, not read for minutes)
_MAX_SPANNED = 2_000_000


@dataclass(slots=True, eq=False)
class _Element:
    """An element of the light tree: tag, attributes, source line, children."""
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """html.parser events → a light element tree, closing what pages leave open."""
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("#root", {}, 1)
        self.stack: list[_Element] = [self.root]
        #: how many elements of each tag are open (a closing tag of none is
        #: ignored at once, however deep the page)
        self.open: dict[str, int] = {}
        self.title_parts: list[str] = []
        self.meta: dict[str, str] = {}
        self._in_title = False

    def _close_from(self, i: int) -> None:
        """Close the open elements from stack position ``i`` up."""
        for element in self.stack[i:]:
            self.open[element.tag] -= 1
        del self.stack[i:]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            name = values.get("name", "").lower()
            if name and values.get("content"):
                self.meta[name] = values["content"]
            return
        if tag == "title":
            self._in_title = True
            return
        closes = _CLOSES.get(tag)
        if closes:
            # close an open sibling of the same family, but not across a table
            for i in range(len(self.stack) - 1, 0, -1):
                open_tag = self.stack[i].tag
                if open_tag in _BARRIER:
                    break
                if open_tag in closes:
                    self._close_from(i)
                    break
                if tag in {"td", "th"} and open_tag == "tr":
                    break
                if tag == "tr" and open_tag in {"tbody", "thead", "tfoot"}:
                    break
                if tag == "li" and open_tag in {"ul", "ol"}:
                    break
        element = _Element(tag, values, self.getpos()[0])
        self.stack[-1].children.append(element)
        if tag not in _VOID:
            self.stack.append(element)
            self.open[tag] = self.open.get(tag, 0) + 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self._close_from(len(self.stack) - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            return
        if not self.open.get(tag):
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                self._close_from(i)
                return
            if self.stack[i].tag in _BARRIER and tag not in _BARRIER:
                return

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)
            return
        self.stack[-1].children.append(data)


@dataclass(frozen=True, slots=True)
class HtmlPage:
    """The blocks of a page and its hints (page title, meta tags)."""

    blocks: list[Block]
    title: str
    meta: dict[str, str]


def _skipped(element: _Element) -> bool:
    """Whether an element is page furniture (script, navigation, footer, hidden)."""
    if element.tag in _SKIP:
        return True
    if "hidden" in element.attrs:
        return True
    style = element.attrs.get("style", "").replace(" ", "").lower()
    if "display:none" in style:
        return True
    marks = f"{element.attrs.get('class', '')} {element.attrs.get('id', '')}"
    return bool(marks.strip()) and element.tag not in {"td", "th", "tr", "table", "p"} and bool(
        _FURNITURE.search(marks)
    )


def _descendants(element: _Element) -> Iterator[_Element | str]:
    """The content below an element in document order, page furniture
    (and what it holds) left out; without recursion."""
    stack = [iter(element.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            continue
        if isinstance(child, str):
            yield child
        elif not _skipped(child):
            yield child
            stack.append(iter(child.children))


def _has_table(element: _Element) -> bool:
    """Whether an element holds a table (then it is layout, not data)."""
    return any(isinstance(node, _Element) and node.tag == "table"
               for node in _descendants(element))


def _cell_text(element: _Element) -> str:
    """The text of a table cell, with line breaks where the page breaks lines."""
    parts: list[str] = []
    for node in _descendants(element):
        if isinstance(node, str):
            parts.append(node)
        elif node.tag == "br" or (node.tag in {"p", "div", "li"} and parts
                                  and not parts[-1].endswith("\n")):
            parts.append("\n")  # a line break, or a block that starts a line
    return "".join(parts).replace("\xa0", " ").strip()


class _Walker:
    """Walks the tree into lines and grids (``name``: the input's, for errors)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.blocks: list[Block] = []
        self.buffer: list[str] = []
        self.buffer_line = 0
        self.buffer_level = 0
        self.tables = 0
        self.line_hint = 1

    def flush(self) -> None:
        text = "".join(self.buffer)
        for raw in text.split("\n"):
            # Runs of white space collapse, as a browser shows them; a
            # no-break space does not (it is how a page keeps two spaces).
            line = re.sub(r"[ \t\r\f\v]+", " ", raw).replace("\xa0", " ").strip()
            if line:
                self.blocks.append(Line(line, {"line": self.buffer_line},
                                        level=self.buffer_level))
        self.buffer = []
        self.buffer_level = 0

    def walk(self, root: _Element) -> None:
        """Walk the tree below ``root`` (a stack of open elements, each with
        whether it is a block: a block is flushed when it closes)."""
        stack: list[tuple[Iterator[_Element | str], bool]] = [(iter(root.children), False)]
        while stack:
            children, block = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if block:
                    self.flush()
                continue
            if isinstance(child, str):
                if not self.buffer:
                    self.buffer_line = self.line_hint
                self.buffer.append(child.replace("\n", " ").replace("\r", " "))
                continue
            if _skipped(child):
                continue
            self.line_hint = child.line
            if child.tag == "br":
                self.buffer.append("\n")
                continue
            if child.tag == "table" and not _has_table(child):
                self.flush()
                self.table(child)
                continue
            opens_block = child.tag in _BLOCK
            if opens_block:
                self.flush()
                self.buffer_line = child.line
                if re.fullmatch(r"h[1-6]", child.tag):
                    self.buffer_level = int(child.tag[1])
            stack.append((iter(child.children), opens_block))

    def table(self, element: _Element) -> None:
        self.tables += 1
        t = self.tables
        rows = _table_rows(element)
        # for each row, the column ranges that rowspans from above cover
        covered: list[list[tuple[int, int]]] = [[] for _ in rows]
        spanned = 0
        grid_rows: list[tuple[GridCell, ...]] = []
        for r, tr in enumerate(rows):
            taken = sorted(covered[r])
            k = 0
            cells: list[GridCell] = []
            col = 0
            for td in tr.children:
                if not isinstance(td, _Element) or td.tag not in {"td", "th"} or _skipped(td):
                    continue
                while k < len(taken) and taken[k][0] <= col:
                    col = max(col, taken[k][1])
                    k += 1
                rowspan = min(span(td.attrs.get("rowspan")), len(rows) - r)
                colspan = span(td.attrs.get("colspan"))
                spanned += rowspan - 1
                if spanned > _MAX_SPANNED:
                    raise ImportReportError(
                        "表格的合并单元格过多，不像年度报告 (a table's merged cells are too many "
                        "for a report)", file=self.name)
                for below in covered[r + 1:r + rowspan]:
                    below.append((col, col + colspan))
                cells.append(GridCell(_cell_text(td), r, col,
                                      {"table": t, "row": r + 1, "column": col + 1},
                                      rowspan=rowspan, colspan=colspan))
                col += colspan
            grid_rows.append(tuple(cells))
        if any(grid_rows):
            self.blocks.append(Grid(tuple(grid_rows), {"table": t}))


def _table_rows(table: _Element) -> list[_Element]:
    """The rows of a table, also those inside its thead/tbody/tfoot."""
    rows: list[_Element] = []
    stack = [iter(table.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif isinstance(child, _Element) and not _skipped(child):
            if child.tag == "tr":
                rows.append(child)
            elif child.tag in {"thead", "tbody", "tfoot"}:
                stack.append(iter(child.children))
    return rows


def html_blocks(text: str, name: str = "<string>") -> HtmlPage:
    """Parse an HTML page into blocks, with its title and meta tags.

    Raises:
        ImportReportError: the page is no report's (its tables' merged cells
            are beyond any report), naming ``name``.
    """
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    walker = _Walker(name)
    walker.walk(builder.root)
    walker.flush()
    title = re.sub(r"\s+", " ", "".join(builder.title_parts)).strip()
    return HtmlPage(walker.blocks, title, builder.meta)
