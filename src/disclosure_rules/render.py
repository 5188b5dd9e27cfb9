"""Render report JSON as the published report: Markdown or HTML.

The six sections with their headings and prose, and the official tables of
the report's format with the merged header cells of the official layout
(HTML: ``rowspan``/``colspan`` as in domain.md §4; Markdown: pipe tables whose
header rows are flattened to one). A blank (null) cell renders empty;
``x_legal_entities`` renders as a 法人或其他组织 subtotal column, a group's
``x_subtotal`` as a 小计 row (or, for a group printed as one row, as the
group's own row), other ``x_`` keys of a row as extra columns.

The output imports back to the same document
(:func:`disclosure_rules.importer.import_report`): what a reader cannot see
but the document states — the organ's kind and level, a declared format —
travels in a machine-readable note that is invisible when published (an HTML
``<meta>`` tag, a Markdown comment).

:func:`html_parts` gives the HTML body a section at a time, for pages that
show more than the report: with an :class:`Annotator`, every element that
stands for a place in the document (a value cell, a row, a group's label
cell, an item of table 二, a group of table 四, a section, its heading, its
text, the preamble) carries that place's RFC 6901 pointer in
``data-pointer`` and whatever attributes and content the annotator gives it
(``check --format html`` marks the cells of findings so).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol

from .errors import DocumentError
from .findings import json_value
from .formats import analyse_format
from .layout import Format, Node, layout, official_columns, section_keys
from .pointer import to_pointer

__all__ = [
    "LEGAL_ENTITIES",
    "META_MARK",
    "MONEY_UNITS",
    "SUBTOTAL",
    "UNIT",
    "Annotator",
    "HtmlPart",
    "cell_text",
    "ends_sentence",
    "html_parts",
    "render",
]

# What the renderer prints and the importer reads back (the importer takes
# these from here, so that the two cannot disagree).
META_MARK = "disclosure-rules"
#: a row's 法人或其他组织 subtotal column, a group's 小计 row, a money cell's unit
LEGAL_ENTITIES = "x_legal_entities"
SUBTOTAL = "x_subtotal"
UNIT = "x_unit"
#: the units printed after a money value ("251000元"), a longer one first
MONEY_UNITS = ("万元", "元")
_FINAL = "。！？；：…!?;:"
_CLOSERS = "）)”’」』》】\"'"

_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_APPLICANTS = "申请人情况"


def ends_sentence(text: str) -> bool:
    """Whether ``text`` ends with sentence-final punctuation (closing quotes
    and brackets after it allowed): a paragraph that does not is continued
    by the next line."""
    stripped = text.rstrip().rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _FINAL


def _format(document: Mapping[str, Any]) -> Format:
    """The format to render: the one checking applies (the tables' own,
    else declared, else by year)."""
    return analyse_format(document).effective


def cell_text(value: Any) -> str:
    """A cell value as printed (blank for None; money with every decimal;
    an object or list, which only an extension key holds, as JSON)."""
    if isinstance(value, Mapping | list | tuple):
        try:
            return json.dumps(json_value(value), ensure_ascii=False, default=str)
        except (RecursionError, ValueError):  # nested deeper than anything printable
            return "[…]" if isinstance(value, list | tuple) else "{…}"
    if value is None or isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return str(value)


def _title(document: Mapping[str, Any]) -> str:
    """The report title: organ, year, 政府信息公开工作年度报告."""
    organ = document.get("organ")
    name = organ.get("name", "") if isinstance(organ, Mapping) else ""
    year = document.get("year")
    year_text = f"{year}年" if isinstance(year, int) and not isinstance(year, bool) else ""
    return f"{name}{year_text}政府信息公开工作年度报告"


def _meta(document: Mapping[str, Any]) -> dict[str, Any]:
    """What the machine-readable note carries."""
    meta: dict[str, Any] = {}
    for key in ("format", "year", "organ", "published_on"):
        if key in document:
            meta[key] = document[key]
    return meta


def _paragraphs(section: Mapping[str, Any]) -> list[str]:
    """A section's paragraphs."""
    text = section.get("text")
    if not isinstance(text, str) or not text:
        return []
    return text.split("\n")


# --------------------------------------------------------------- table rows


def _money_column(node: Node) -> str | None:
    """The row's one money column, if it has one."""
    money = [k for k in official_columns(node) if node.children[k].kind == "money"]
    return money[0] if len(money) == 1 else None


def _suffix_unit(node: Node, row: Mapping[str, Any]) -> str:
    """The row's unit when it is printed after its money value ("251000元",
    as reports print it); "" when ``x_unit`` is printed as a column."""
    unit = row.get(UNIT)
    return unit if unit in MONEY_UNITS and _money_column(node) is not None else ""


def _row_columns(node: Node, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Official columns of a row node, then x_ columns present in the rows
    (``x_unit`` only where it is not printed after the money value)."""
    cols = official_columns(node)
    extra: dict[str, None] = {}  # in order of appearance (a dict: rows may hold many keys)
    for row in rows:
        suffixed = bool(_suffix_unit(node, row))
        for key in row:
            if key.startswith("x_") and key not in extra and key not in cols and not (
                    key == UNIT and suffixed):
                extra[key] = None
    if LEGAL_ENTITIES in extra:
        del extra[LEGAL_ENTITIES]
        cols.insert(len(cols) - 1, LEGAL_ENTITIES)  # before 总计, under 法人或其他组织
    return cols + list(extra)


def _row_cell(node: Node, row: Mapping[str, Any], column: str) -> str:
    """A row's cell as printed: its value, the row's unit after its money value."""
    unit = _suffix_unit(node, row)
    if unit and column == UNIT:
        return ""
    text = cell_text(row.get(column))
    return text + unit if unit and column == _money_column(node) else text


def _column_label(node: Node, key: str) -> str:
    """A column's printed header (its short label under a group)."""
    child = node.children.get(key)
    if child is None:
        return key
    if key == LEGAL_ENTITIES:
        return child.title
    return child.aliases[0] if child.aliases and "·" in child.title else child.title


_AppRow = tuple[list[str], tuple[str, ...], Mapping[str, Any]]


def _application_rows(fmt: Format, section: Mapping[str, Any]) -> Iterator[_AppRow]:
    """The rows of table 三 in printed order: (labels, keys, row). ``labels``
    are the row's label cells (top level, group, row); ``keys`` its path
    below ``applications`` (a group printed as one row: its ``x_subtotal``)."""
    root = layout(fmt).children["applications"]
    for key, node in root.children.items():
        if key in {"title", "text"} or key.startswith("x_"):
            continue
        value = section.get(key)
        if not isinstance(value, Mapping):
            continue
        if node.role == "row":
            yield [node.title], (key,), value
            continue
        for sub_key, sub in node.children.items():
            sub_value = value.get(sub_key)
            if not isinstance(sub_value, Mapping):
                continue
            if sub.role == "row":
                yield [node.title, sub.title], (key, sub_key), sub_value
                continue
            members = [(k, m) for k, m in sub.children.items() if not k.startswith("x_")]
            present = [(m, sub_value[k]) for k, m in members if isinstance(sub_value.get(k),
                                                                            Mapping)]
            subtotal = sub_value.get(SUBTOTAL)
            if not present and isinstance(subtotal, Mapping):
                yield [node.title, sub.title], (key, sub_key, SUBTOTAL), subtotal
                continue
            for member, row in present:
                yield [node.title, sub.title, member.title], (key, sub_key, member.key), row
            if isinstance(subtotal, Mapping):
                yield ([node.title, sub.title, sub.children[SUBTOTAL].title],
                       (key, sub_key, SUBTOTAL), subtotal)


_ProactiveTable = tuple[Node, list[tuple[Node, Mapping[str, Any]]], list[str]]


def _proactive_tables(fmt: Format, section: Mapping[str, Any]) -> list[_ProactiveTable]:
    """The tables of 二 that have rows: (table, [(row node, row)], columns)."""
    root = layout(fmt).children["proactive"]
    tables: list[_ProactiveTable] = []
    for key, table in root.children.items():
        value = section.get(key)
        if table.role != "table" or not isinstance(value, Mapping):
            continue
        rows = [(node, value[k]) for k, node in table.children.items()
                if isinstance(value.get(k), Mapping)]
        if rows:
            tables.append((table, rows, _row_columns(rows[0][0], [r for _, r in rows])))
    return tables


_AppealGroup = tuple[str, Node, Mapping[str, Any], list[str]]


def _appeal_groups(fmt: Format, section: Mapping[str, Any]) -> list[_AppealGroup]:
    """The groups of 四 (key, node, row, columns); none when no group is there."""
    root = layout(fmt).children["appeals"]
    groups = [(k, n) for k, n in root.children.items() if n.role == "row"]
    if not any(isinstance(section.get(k), Mapping) for k, _ in groups):
        return []
    out: list[_AppealGroup] = []
    for key, node in groups:
        row = _mapping(section.get(key))
        out.append((key, node, row, _row_columns(node, [row])))
    return out


# ------------------------------------------------------------------ Markdown


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md_escape(text: str) -> str:
    """Escape Markdown syntax in a line of text."""
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # a leading "1." / "-" / "+" would start a list
    return re.sub(r"^(\s*)(\d+)\.", r"\1\2\\.", re.sub(r"^(\s*)([-+])", r"\1\\\2", text))


def _md_prose(paragraphs: Sequence[str]) -> list[str]:
    """Paragraphs as Markdown lines."""
    out: list[str] = []
    for i, para in enumerate(paragraphs):
        line = _md_escape(para)
        last = i == len(paragraphs) - 1
        if not last and not ends_sentence(para):
            # A paragraph that does not end a sentence is followed directly by
            # the next one (a Markdown hard line break): with a blank line in
            # between, it would read as a paragraph broken by a page break.
            out.append(line + "\\")
        else:
            out.append(line)
            out.append("")
    return out


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A pipe table."""
    def line(cells: Sequence[str]) -> str:
        # inside a table cell only inline syntax matters (no headings, lists)
        return "| " + " | ".join(_MD_SPECIAL.sub(r"\\\1", c) for c in cells) + " |"

    out = [line(header), "|" + "|".join(" --- " for _ in header) + "|"]
    out.extend(line(r) for r in rows)
    out.append("")
    return out


def _md_proactive(fmt: Format, section: Mapping[str, Any]) -> list[str]:
    """Table 二 as Markdown: a caption and a pipe table per item."""
    out: list[str] = []
    for table, rows, cols in _proactive_tables(fmt, section):
        first = rows[0][0]
        out.append(_md_escape(table.title))
        out.append("")
        header = ["信息内容", *(_column_label(first, c) for c in cols)]
        out.extend(_md_table(header, [[node.title, *(_row_cell(first, row, c) for c in cols)]
                                      for node, row in rows]))
    return out


def _md_applications(fmt: Format, section: Mapping[str, Any]) -> list[str]:
    """Table 三 as one pipe table (header flattened to the leaf columns)."""
    root = layout(fmt).children["applications"]
    sample = root.children["new_received"]
    rows = list(_application_rows(fmt, section))
    if not rows:
        return []
    cols = _row_columns(sample, [r for _, _, r in rows])
    header = [_NOTE, *(_column_label(sample, c) for c in cols)]
    body: list[list[str]] = []
    seen: set[str] = set()
    for labels, _keys, row in rows:
        shown: list[str] = []
        for depth, label in enumerate(labels):
            # a group heading is printed on its first row only (merged cell)
            key = " · ".join(labels[: depth + 1])
            if depth == len(labels) - 1 or key not in seen:
                shown.append(label)
            seen.add(key)
        body.append([" · ".join(shown), *(_row_cell(sample, row, c) for c in cols)])
    return _md_table(header, body)


def _md_appeals(fmt: Format, section: Mapping[str, Any]) -> list[str]:
    """Table 四 as one pipe table of 15 columns."""
    groups = _appeal_groups(fmt, section)
    if not groups:
        return []
    header: list[str] = []
    values: list[str] = []
    for _key, node, row, cols in groups:
        for col in cols:
            header.append(f"{node.title} · {_column_label(node, col)}")
            values.append(_row_cell(node, row, col))
    return _md_table(header, [values])


def _markdown(fmt: Format, document: Mapping[str, Any]) -> str:
    """The whole report as Markdown."""
    out = [f"<!-- {META_MARK} {json.dumps(json_value(_meta(document)), ensure_ascii=False)} -->",
           "", f"# {_md_escape(_title(document))}", ""]
    if isinstance(document.get("published_on"), str):
        out.extend([f"发布日期：{document['published_on']}", ""])
    preamble = document.get("x_preamble")
    if isinstance(preamble, str) and preamble:
        out.extend(_md_prose(preamble.split("\n")))
    root = layout(fmt)
    for key in section_keys(fmt):
        section = document.get(key)
        if not isinstance(section, Mapping):
            continue
        title = section.get("title") or root.children[key].title
        out.extend([f"## {_md_escape(str(title))}", ""])
        out.extend(_md_prose(_paragraphs(section)))
        if key == "proactive":
            out.extend(_md_proactive(fmt, section))
        elif key == "applications":
            out.extend(_md_applications(fmt, section))
        elif key == "appeals":
            out.extend(_md_appeals(fmt, section))
    return "\n".join(out).rstrip("\n") + "\n"


# ---------------------------------------------------------------------- HTML


class Annotator(Protocol):
    """What a page that shows more than the report adds to the elements that
    stand for places in it (see :func:`html_parts`); each method is given
    the place's RFC 6901 pointer."""

    def attributes(self, pointer: str) -> Mapping[str, str]:
        """Attributes for the element of ``pointer``, their values escaped
        by the annotator for a double-quoted attribute (a ``class`` is
        joined with the renderer's own classes)."""

    def inside(self, pointer: str) -> str:
        """HTML (escaped by the annotator) to put inside the element of
        ``pointer``, after its text."""

    def placeholder(self, pointer: str, absent: bool) -> str | None:
        """The text to show for a section that is absent (``absent``) or not
        an object, or for a section text that is absent or empty; None shows
        nothing there."""


@dataclass(frozen=True, slots=True)
class HtmlPart:
    """A piece of the HTML body: ``key`` is ``""`` for the title block
    (title, publication date, preamble), else the section's key."""

    key: str
    html: str


def _mark(annotator: Annotator | None, pointer: str, *classes: str) -> tuple[str, str]:
    """The attributes (with a leading space) and the inner HTML that
    ``annotator`` gives the element of ``pointer``; nothing without one."""
    if annotator is None:
        return "", ""
    attributes = dict(annotator.attributes(pointer))
    own = " ".join(c for c in classes if c)
    if own:
        given = attributes.get("class")
        attributes["class"] = f"{own} {given}" if given else own
    text = f' data-pointer="{html.escape(pointer)}"' + "".join(
        f' {name}="{value}"' for name, value in attributes.items())
    return text, annotator.inside(pointer)


def _td(text: str, *, rowspan: int = 1, colspan: int = 1, header: bool = False,
        attrs: str = "", inner: str = "") -> str:
    """A table cell with its spans (``attrs``, ``inner``: what an annotator
    adds, see :func:`_mark`)."""
    tag = "th" if header else "td"
    spans = ""
    if rowspan > 1:
        spans += f' rowspan="{rowspan}"'
    if colspan > 1:
        spans += f' colspan="{colspan}"'
    return f"<{tag}{spans}{attrs}>{html.escape(text)}{inner}</{tag}>"


def _value_td(annotator: Annotator | None, at: tuple[str, ...], node: Node,
              row: Mapping[str, Any], column: str, colspan: int = 1) -> str:
    """The cell of ``column`` in the row ``row`` of layout ``node`` at
    ``at`` (keys from the root)."""
    attrs, inner = _mark(annotator, to_pointer((*at, column)), "value",
                         "blank" if row.get(column) is None else "")
    return _td(_row_cell(node, row, column), colspan=colspan, attrs=attrs, inner=inner)


def _html_proactive(fmt: Format, section: Mapping[str, Any],
                    annotator: Annotator | None = None) -> list[str]:
    """Table 二 as one HTML table with a caption row per item (marked: each
    item a ``<tbody>``)."""
    tables = _proactive_tables(fmt, section)
    if not tables:
        return []
    width = max(len(cols) for _, _, cols in tables)
    out = ['<table border="1">']
    for table, rows, cols in tables:
        where = ("proactive", table.key)
        attrs, inner = _mark(annotator, to_pointer(where))
        if annotator is not None:
            out.append(f"<tbody{attrs}>")
        out.append("<tr>" + _td(table.title, colspan=width + 1, header=True, inner=inner)
                   + "</tr>")
        first = rows[0][0]
        spans = _spread(len(cols), width)
        out.append("<tr>" + _td("信息内容", header=True) + "".join(
            _td(_column_label(first, c), colspan=s, header=True)
            for c, s in zip(cols, spans, strict=True)) + "</tr>")
        for node, row in rows:
            row_at = (*where, node.key)
            attrs, inner = _mark(annotator, to_pointer(row_at))
            out.append(f"<tr{attrs}>" + _td(node.title, inner=inner) + "".join(
                _value_td(annotator, row_at, first, row, c, colspan=s)
                for c, s in zip(cols, spans, strict=True)) + "</tr>")
        if annotator is not None:
            out.append("</tbody>")
    out.append("</table>")
    return out


def _spread(n: int, width: int) -> list[int]:
    """Column spans that stretch ``n`` columns over ``width`` (the last one
    takes the rest, as the official layout does)."""
    if n == 0:
        return []
    return [1] * (n - 1) + [width - n + 1]


def _html_applications(fmt: Format, section: Mapping[str, Any],
                       annotator: Annotator | None = None) -> list[str]:
    """Table 三 with the merged header and label cells of the official layout
    (marked: a group's merged label cell stands for the group)."""
    root = layout(fmt).children["applications"]
    sample = root.children["new_received"]
    rows = list(_application_rows(fmt, section))
    if not rows:
        return []
    cols = _row_columns(sample, [r for _, _, r in rows])
    legal_cols = [c for c in cols if c not in {"natural_person", "total"}
                  and not (c.startswith("x_") and c != LEGAL_ENTITIES)]
    extra = [c for c in cols if c.startswith("x_") and c != LEGAL_ENTITIES]
    out = ['<table border="1">']
    out.append("<tr>" + _td(_NOTE, rowspan=3, colspan=3, header=True)
               + _td(_APPLICANTS, colspan=len(cols), header=True) + "</tr>")
    second = _td(_column_label(sample, "natural_person"), rowspan=2, header=True)
    second += _td("法人或其他组织", colspan=len(legal_cols), header=True)
    second += _td(_column_label(sample, "total"), rowspan=2, header=True)
    second += "".join(_td(c, rowspan=2, header=True) for c in extra)
    out.append("<tr>" + second + "</tr>")
    out.append("<tr>" + "".join(
        _td("小计" if c == LEGAL_ENTITIES else _column_label(sample, c), header=True)
        for c in legal_cols)
        + "</tr>")
    order = ["natural_person", *legal_cols, "total", *extra]
    # rowspans of the merged label cells
    results_span = sum(1 for labels, _, _ in rows if len(labels) > 1)
    group_spans: dict[str, int] = {}
    for labels, _, _ in rows:
        if len(labels) == 3:
            group_spans[labels[1]] = group_spans.get(labels[1], 0) + 1
    printed: set[str] = set()
    for labels, keys, row in rows:
        row_at = ("applications", *keys)
        row_attrs, row_inner = _mark(annotator, to_pointer(row_at))
        cells = ""
        if len(labels) == 1:
            cells += _td(labels[0], colspan=3, inner=row_inner)
        else:
            if labels[0] not in printed:
                attrs, inner = _mark(annotator, to_pointer(row_at[:2]))
                cells += _td(labels[0], rowspan=results_span, attrs=attrs, inner=inner)
                printed.add(labels[0])
            if len(labels) == 2:
                # A group printed as one row: its label cell is the group's.
                attrs, inner = _mark(annotator, to_pointer(row_at[:3])) if len(keys) == 3 \
                    else ("", "")
                cells += _td(labels[1], colspan=2, attrs=attrs, inner=inner + row_inner)
            else:
                if labels[1] not in printed:
                    attrs, inner = _mark(annotator, to_pointer(row_at[:3]))
                    cells += _td(labels[1], rowspan=group_spans[labels[1]], attrs=attrs,
                                 inner=inner)
                    printed.add(labels[1])
                cells += _td(labels[2], inner=row_inner)
        cells += "".join(_value_td(annotator, row_at, sample, row, c) for c in order)
        out.append(f"<tr{row_attrs}>" + cells + "</tr>")
    out.append("</table>")
    return out


def _html_appeals(fmt: Format, section: Mapping[str, Any],
                  annotator: Annotator | None = None) -> list[str]:
    """Table 四 with its three header rows (marked: a group's header cell
    stands for the group)."""
    groups = _appeal_groups(fmt, section)
    if not groups:
        return []
    (review_key, review, _, review_cols), *litigation = groups
    lit_width = sum(len(cols) for _, _, _, cols in litigation)
    parent = litigation[0][1].title.split("·")[0].strip()
    out = ['<table border="1">']
    attrs, inner = _mark(annotator, to_pointer(("appeals", review_key)))
    out.append("<tr>" + _td(review.title, colspan=len(review_cols), header=True,
                            attrs=attrs, inner=inner)
               + _td(parent, colspan=lit_width, header=True) + "</tr>")
    second = "".join(_td(_column_label(review, c), rowspan=2, header=True) for c in review_cols)
    for k, n, _, cols in litigation:
        attrs, inner = _mark(annotator, to_pointer(("appeals", k)))
        second += _td(n.title.split("·")[-1].strip(), colspan=len(cols), header=True,
                      attrs=attrs, inner=inner)
    out.append("<tr>" + second + "</tr>")
    out.append("<tr>" + "".join(_td(_column_label(n, c), header=True)
                                for _, n, _, cols in litigation for c in cols) + "</tr>")
    values = "".join(_value_td(annotator, ("appeals", key), node, row, c)
                     for key, node, row, cols in groups for c in cols)
    out.append("<tr>" + values + "</tr>")
    out.append("</table>")
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    """A mapping, or an empty one."""
    return value if isinstance(value, Mapping) else {}


def _html_title(document: Mapping[str, Any], annotator: Annotator | None,
                level: int) -> list[str]:
    """The title block: title, publication date, preamble."""
    out = [f"<h{level}>{_prose(_title(document))}</h{level}>"]
    if isinstance(document.get("published_on"), str):
        out.append(f"<p>发布日期：{html.escape(document['published_on'])}</p>")
    preamble = document.get("x_preamble")
    if isinstance(preamble, str) and preamble:
        paragraphs = [f"<p>{_prose(p)}</p>" for p in preamble.split("\n")]
        if annotator is None:
            out.extend(paragraphs)
        else:
            attrs, inner = _mark(annotator, "/x_preamble", "text")
            out.extend([f"<div{attrs}>", *paragraphs, *([inner] if inner else []), "</div>"])
    return out


_SPACES = re.compile(r"  +")


def _prose(text: str) -> str:
    """Prose as HTML that shows it as written: a browser (and any reader of
    HTML, the importer among them) collapses a run of spaces into one, so
    the second and later spaces of a run are written as no-break spaces."""
    return _SPACES.sub(lambda run: " " + "&nbsp;" * (len(run.group()) - 1), html.escape(text))


def _html_text(section: Mapping[str, Any], key: str, annotator: Annotator | None) -> list[str]:
    """A section's paragraphs (marked: in a block that stands for its text,
    or the annotator's placeholder for an absent or empty text)."""
    paragraphs = [f"<p>{_prose(p)}</p>" for p in _paragraphs(section)]
    if annotator is None:
        return paragraphs
    pointer = to_pointer((key, "text"))
    if not paragraphs:
        note = annotator.placeholder(pointer, "text" not in section)
        if note is None:
            return []
        paragraphs = [f'<p class="placeholder">{html.escape(note)}</p>']
    attrs, inner = _mark(annotator, pointer, "text")
    return [f"<div{attrs}>", *paragraphs, *([inner] if inner else []), "</div>"]


def _html_section(fmt: Format, document: Mapping[str, Any], key: str,
                  annotator: Annotator | None, level: int) -> list[str]:
    """One section: heading, prose, its table (marked: in a ``<section>``;
    an absent section as the annotator's placeholder)."""
    root = layout(fmt)
    section = document.get(key)
    tag = f"h{level + 1}"
    if not isinstance(section, Mapping):
        note = annotator.placeholder(f"/{key}", key not in document) \
            if annotator is not None else None
        if note is None:
            return []
        attrs, inner = _mark(annotator, f"/{key}", "absent")
        return [f"<section{attrs}>",
                f"<{tag}>{html.escape(root.children[key].title)}{inner}</{tag}>",
                f'<p class="placeholder">{html.escape(note)}</p>', "</section>"]
    heading = _prose(str(section.get("title") or root.children[key].title))
    out: list[str] = []
    if annotator is None:
        out.append(f"<{tag}>{heading}</{tag}>")
    else:
        attrs, inner = _mark(annotator, f"/{key}")
        title_attrs, title_inner = _mark(annotator, f"/{key}/title")
        out += [f"<section{attrs}>", f"<{tag}{title_attrs}>{heading}{inner}{title_inner}</{tag}>"]
    out.extend(_html_text(section, key, annotator))
    if key == "proactive":
        out.extend(_html_proactive(fmt, section, annotator))
    elif key == "applications":
        out.extend(_html_applications(fmt, section, annotator))
    elif key == "appeals":
        out.extend(_html_appeals(fmt, section, annotator))
    if annotator is not None:
        out.append("</section>")
    return out


def html_parts(document: Mapping[str, Any], annotator: Annotator | None = None, *,
               fmt: Format | None = None, level: int = 1) -> list[HtmlPart]:
    """The body of the report's HTML, a part at a time: the title block,
    then each section in order (an absent section only when the annotator
    gives it a placeholder). ``fmt`` is the format whose tables to draw
    (default: as :func:`render` chooses); the title is an ``h{level}``, the
    section headings ``h{level + 1}``. Without an annotator the parts are
    exactly what :func:`render` prints."""
    report_format = fmt or _format(document)
    parts = [HtmlPart("", "\n".join(_html_title(document, annotator, level)))]
    for key in section_keys(report_format):
        lines = _html_section(report_format, document, key, annotator, level)
        if lines:
            parts.append(HtmlPart(key, "\n".join(lines)))
    return parts


def _html(fmt: Format, document: Mapping[str, Any]) -> str:
    """The whole report as an HTML page."""
    title = _title(document)
    meta = html.escape(json.dumps(json_value(_meta(document)), ensure_ascii=False), quote=True)
    out = ["<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
           f'<meta name="{META_MARK}" content="{meta}">', f"<title>{html.escape(title)}</title>",
           "</head>", "<body>"]
    out.extend(part.html for part in html_parts(document, fmt=fmt))
    out.extend(["</body>", "</html>"])
    return "\n".join(out) + "\n"


def render(document: Mapping[str, Any], fmt: Literal["md", "html"]) -> str:
    """The report as Markdown (``"md"``) or HTML (``"html"``) text.

    Raises:
        ValueError: ``fmt`` is neither.
        DocumentError: ``document`` is not a report object.
    """
    if fmt not in ("md", "html"):
        raise ValueError(f"unknown output format {fmt!r} (expected 'md' or 'html')")
    if not isinstance(document, Mapping):
        kind = type(document).__name__
        raise DocumentError(f"须是报告对象，不能是 {kind} (a report object is needed, "
                            f"not {kind})")
    report_format = _format(document)
    if fmt == "md":
        return _markdown(report_format, document)
    return _html(report_format, document)
