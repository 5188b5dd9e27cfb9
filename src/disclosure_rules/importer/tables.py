"""Table recognition: a table section's blocks → cells under contract keys.

Every layout the importer meets is reduced to one stream of tokens — text
and values, with where each came from — whatever printed it: tab-separated
lines, pipe tables, HTML/DOCX/PDF grids, one cell per line, or a page whose
cells ran together with no separator at all. Row labels are found in the
text (after §4.0 normalisation, so labels broken across lines or spaced
out still match), and the values that follow the last label belong to that
row. Rows, columns, captions and aliases come from :func:`layout` — no
label is written here.

A row whose printed values cannot be mapped onto its cells with certainty
(digits run together, a value too many or too few) gets every reading; the
section builders hand them to :mod:`resolve` with the table's identities.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Literal

from ..layout import Format, Node, layout
from ..normalize import label_key, normalize_label, strip_numbering
from ..render import SUBTOTAL
from .model import Block, Grid, Line, Origin
from .numbers import attach_units, fold, is_dash, is_unit, split_piece
from .resolve import Path

__all__ = [
    "Event",
    "Match",
    "Spec",
    "Token",
    "events",
    "find_labels",
    "section_specs",
    "tokens",
]

Role = Literal["row", "group", "results", "subtotal", "caption", "column"]
_FUZZY_LABEL = 0.75


@dataclass(frozen=True, slots=True)
class Spec:
    """A label the recogniser looks for: where it leads and what it is."""

    path: Path
    role: Role
    forms: tuple[str, ...]
    key: str
    title: str


def _forms(node: Node, *, any_length: bool = False) -> list[str]:
    """The normalised forms of a node's label that are searched in text."""
    out: list[str] = []
    titles = [node.title, *(part.strip() for part in node.title.split("·")[1:])]
    for name in (*titles, *node.aliases):
        full = normalize_label(name)
        bare = label_key(name)
        for form in (full, bare):
            if not form or "·" in form:
                continue
            # Short forms ("总计", "其他") only as printed in full: a bare
            # two-character word would match inside other labels and prose.
            if any_length or len(form) >= 4 or form == normalize_label(node.title) or (
                name in titles and form == full
            ):
                out.append(form)
    return list(dict.fromkeys(out))


@cache
def section_specs(fmt: Format, section: str) -> tuple[Spec, ...]:
    """The labels of one table section of format ``fmt``."""
    root = layout(fmt).children[section]
    specs: list[Spec] = []

    def add(path: Path, node: Node, role: Role, *, any_length: bool = False) -> None:
        specs.append(Spec(path, role, tuple(_forms(node, any_length=any_length)),
                          label_key(node.title), node.title))

    columns: dict[str, Node] = {}
    for key, child in root.children.items():
        if key in {"title", "text"}:
            continue
        if child.role == "table":
            add((key,), child, "caption")
            for row_key, row in child.children.items():
                add((key, row_key), row, "row")
                columns.update(row.children)
        elif child.role == "row":
            add((key,), child, "row")
            columns.update(child.children)
        elif child.role == "results":
            add((key,), child, "results")
            for sub_key, sub in child.children.items():
                if sub.role == "group":
                    add((key, sub_key), sub, "group")
                    for row_key, row in sub.children.items():
                        if row_key.startswith("x_"):
                            continue
                        add((key, sub_key, row_key), row, "row")
                else:
                    add((key, sub_key), sub, "row")
                    columns.update(sub.children)
    subtotal = _subtotal_node(root)
    if subtotal is not None:
        add((), subtotal, "subtotal", any_length=True)
    for col_key, col in columns.items():
        add((col_key,), col, "column", any_length=True)
    return tuple(specs)


def _subtotal_node(root: Node) -> Node | None:
    """The x_subtotal node of a section's groups."""
    for _, node in root.walk():
        if node.key == SUBTOTAL:
            return node
    return None


@dataclass(frozen=True, slots=True)
class Match:
    """A label found in a text run: the spec and the span in the run."""

    spec: Spec
    start: int
    end: int


@cache
def _ordered_forms(specs: tuple[Spec, ...]) -> tuple[tuple[str, Spec], ...]:
    """Every (form, spec), longest form first."""
    pairs = [(form, spec) for spec in specs for form in spec.forms]
    pairs.sort(key=lambda fs: -len(fs[0]))
    return tuple(pairs)


def find_labels(norm: str, specs: tuple[Spec, ...]) -> list[Match]:
    """Every label of ``specs`` in the normalised text ``norm``, longest
    first, without overlaps, in text order."""
    taken = [False] * len(norm)
    found: list[Match] = []
    for form, spec in _ordered_forms(specs):
        start = norm.find(form)
        while start != -1:
            end = start + len(form)
            if not any(taken[start:end]):
                for k in range(start, end):
                    taken[k] = True
                found.append(Match(spec, start, end))
            start = norm.find(form, start + 1)
    found.sort(key=lambda m: m.start)
    return found


def fuzzy_label(text: str, specs: Sequence[Spec]) -> tuple[Spec, float] | None:
    """The row whose label ``text`` most resembles (a typo), if close enough."""
    bare = strip_numbering(text)
    if len(bare) < 3:
        return None
    best: tuple[Spec, float] | None = None
    for spec in specs:
        if spec.role not in {"row", "group"} or not spec.key:
            continue
        window = bare[-(len(spec.key) + 3):]
        ratio = difflib.SequenceMatcher(None, window, spec.key, autojunk=False).ratio()
        if ratio >= _FUZZY_LABEL and (best is None or ratio > best[1]):
            best = (spec, ratio)
    return best


# ------------------------------------------------------------------ tokens


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of table text: a label fragment, a printed value, a blank
    cell, or the whole text of a cell under an extension column (``kind``),
    with its provenance.

    ``row`` numbers the source rows (lines, grid rows) of the region; ``col``
    is the field or grid column; ``cell`` says the token came from a cell or
    a delimited field (its row ends a run of values); ``padded`` says blank
    fields at the edges of a run are padding, not cells (tab-separated text).
    """

    kind: Literal["text", "value", "blank", "extension"]
    text: str
    origin: Origin
    row: int
    col: int
    cell: bool = False
    padded: bool = False
    #: the grid the token came from (its block index; -1 for text) and the
    #: cell's column span
    table: int = -1
    span: int = 1
    #: the extension key of the column an ``extension`` token stands under
    key: str = ""


_NUMBERING_GAP = re.compile(r"(^|\s)(\d{1,2}[.、．])\s+(?=[^\d\s])")


def _field_tokens(text: str, origin: Origin, row: int, col: int, *, cell: bool,
                  padded: bool, table: int = -1, span: int = 1) -> list[Token]:
    """The tokens of one cell or field."""
    stripped = text.strip()
    if not stripped:
        return [Token("blank", "", origin, row, col, cell, padded, table, span)] if cell else []
    whole = fold(stripped).replace(" ", "")
    if cell and (is_dash(whole) or is_unit(whole)):
        # a placeholder, or a unit with no number: a cell, not label text
        return [Token("value", whole, origin, row, col, cell, padded, table, span)]
    # "1. 属于国家秘密": the row number belongs to the label after the space
    stripped = attach_units(_NUMBERING_GAP.sub(r"\1\2", stripped))
    out: list[Token] = []
    for piece in stripped.split():
        for kind, part in split_piece(piece):
            out.append(Token(kind, part, origin, row, col, cell, padded, table, span))
    return out


#: an extension column's header: the key, after its group's title in a
#: one-row table ("行政复议 · x_note", as the renderer prints table 四)
_X_KEY = re.compile(r"(?:[^·]*·\s*)?(x_[A-Za-z0-9_]+)")


def _extension_columns(grid: Grid, names: Mapping[str, str]) -> dict[int, tuple[int, str]]:
    """The grid's columns headed by an extension key (as the renderer prints
    a row's ``x_`` keys: the key, or the layout title of a known one in
    ``names``, normalised title → key): column → (header row, key)."""
    out: dict[int, tuple[int, str]] = {}
    for r, grid_row in enumerate(grid.rows):
        for cell in grid_row:
            text = cell.text.strip()
            named = _X_KEY.fullmatch(text)
            key = named.group(1) if named else names.get(normalize_label(text))
            if key is not None:
                out.setdefault(cell.col, (r, key))
    return out


def tokens(blocks: Sequence[Block], extensions: Mapping[str, str] | None = None
           ) -> list[Token]:
    """The token stream of a table region. With ``extensions`` (normalised
    layout title → ``x_`` key), each cell under a grid column headed by an
    extension key is one ``extension`` token with the cell's text as
    printed (a blank one gives none)."""
    out: list[Token] = []
    row = 0
    lines = [b for b in blocks if isinstance(b, Line)]
    single = sum(1 for b in lines if b.text.strip() and len(b.text.split()) == 1)
    one_per_line = len(lines) >= 10 and single >= 0.7 * sum(1 for b in lines if b.text.strip())
    for index, block in enumerate(blocks):
        if isinstance(block, Grid):
            headed = _extension_columns(block, extensions) if extensions is not None else {}
            for r, grid_row in enumerate(block.rows):
                row += 1
                for cell in grid_row:
                    head = headed.get(cell.col)
                    if head is not None and r > head[0]:
                        if cell.text.strip():
                            out.append(Token("extension", cell.text.strip(), cell.origin, row,
                                             cell.col, True, False, index, cell.colspan,
                                             head[1]))
                        continue
                    out.extend(_field_tokens(cell.text, cell.origin, row, cell.col, cell=True,
                                             padded=False, table=index, span=cell.colspan))
            continue
        row += 1
        text = block.text
        if "\t" in text:
            for col, part in enumerate(text.split("\t")):
                out.extend(_field_tokens(part, block.origin, row, col, cell=True, padded=True))
        elif not text.strip():
            if one_per_line:
                out.append(Token("blank", "", block.origin, row, 0, False, True))
        else:
            out.extend(_field_tokens(text, block.origin, row, 0, cell=False, padded=False))
    return _drop_leading_blanks(_join_unit_cells(out))


def _join_unit_cells(stream: list[Token]) -> list[Token]:
    """A cell holding only a unit, after a number in the same row, is that
    number's unit ("251000 | 元" reads as "251000元")."""
    out: list[Token] = []
    for token in stream:
        previous = out[-1] if out else None
        if (previous is not None and token.kind == "value" and is_unit(token.text)
                and previous.kind == "value" and previous.row == token.row
                and previous.text[-1:].isdigit()):
            out[-1] = replace(previous, text=previous.text + token.text)
            continue
        out.append(token)
    return out


def _drop_leading_blanks(stream: list[Token]) -> list[Token]:
    """Blank cells before a row's label, and tab-separated lines of nothing
    but empty fields, are layout, not values."""
    out: list[Token] = []
    i = 0
    while i < len(stream):
        j = i
        while j < len(stream) and stream[j].row == stream[i].row:
            j += 1
        row = stream[i:j]
        first = next((k for k, t in enumerate(row) if t.kind != "blank"), None)
        if first is None:
            if not row[0].padded:
                # a grid row of empty cells (a row printed blank), or an empty
                # line between cells printed one per line
                out.extend(row)
        elif row[first].kind == "text":
            out.extend(row[first:])
        else:
            out.extend(row)
        i = j
    return out


@dataclass(slots=True)
class Event:
    """A run of text followed by a run of values."""

    text: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)
    norm: str = ""
    #: for each character of ``norm``, the index of its token in ``text``
    owner: list[int] = field(default_factory=list)

    def token_at(self, position: int) -> Token:
        """The text token that printed the character at ``position``."""
        return self.text[self.owner[min(position, len(self.owner) - 1)]]


def events(stream: Sequence[Token]) -> Iterator[Event]:
    """Group a token stream into (text run, value run) events."""
    current = Event()
    for token in stream:
        if token.kind == "text":
            if current.values and all(t.kind == "blank" and t.padded for t in current.values):
                # empty tab fields between labels: layout, not a row of blanks
                current.values = []
            if current.values:
                yield _finish(current)
                current = Event()
            current.text.append(token)
            continue
        if current.values and token.cell and token.row != current.values[-1].row:
            yield _finish(current)
            current = Event()
        current.values.append(token)
    if current.values or current.text:
        yield _finish(current)


def _finish(event: Event) -> Event:
    """Normalise an event's text and map it back to its tokens."""
    parts: list[str] = []
    owner: list[int] = []
    for i, token in enumerate(event.text):
        norm = normalize_label(token.text)
        parts.append(norm)
        owner.extend([i] * len(norm))
    event.norm = "".join(parts)
    event.owner = owner
    return event
