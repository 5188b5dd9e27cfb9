"""Table sections → cells: the tables of 二, 三 and 四 under contract keys.

For each table section, :mod:`tables` gives the events (a run of text, a run
of values); here the last label of each text run decides the row, the
values become candidate readings of the row's cells (:mod:`numbers`), the
table's identities choose among them (:mod:`resolve`), and every decision
that is not plain reading becomes an import finding (:mod:`notes`).

Deviations from the official layout that real reports print are kept:

* values printed right after a group heading, or on a 小计/合计 row, go to
  the group's ``x_subtotal`` (a 2021 report printing （六）其他处理 as one
  row gives ``other: {"x_subtotal": {…}}``);
* an eighth 法人或其他组织 column in 三 goes to ``x_legal_entities``;
* a unit printed in a money cell ("251000元") goes to the row's ``x_unit``;
* a grid column headed by an ``x_`` key (or the title of one), as the
  renderer prints a row's extension keys, goes to that key of each row;
* a value that belongs to no column or row is reported, never dropped
  silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding
from ..layout import Format, Node, layout, node_at, official_columns
from ..normalize import normalize_label
from ..pointer import MISSING, resolve, to_pointer
from ..render import LEGAL_ENTITIES, MONEY_UNITS, SUBTOTAL, UNIT
from . import notes
from .model import Block, Origin
from .numbers import READINGS_LIMIT, parse_value, readings
from .resolve import Candidate, Identity, Outcome, Path, Unit, solve
from .tables import (
    Event,
    Match,
    Spec,
    Token,
    events,
    find_labels,
    fuzzy_label,
    section_specs,
    tokens,
)

__all__ = ["SectionTables", "read_tables"]

_APPEAL_PARTS = ("upheld", "corrected", "other", "pending")


@dataclass(slots=True)
class SectionTables:
    """What a table section's tables gave: data under contract keys, the
    provenance of each cell (by pointer), findings, and whether any table
    material was recognised at all."""

    data: dict[str, Any] = field(default_factory=dict)
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    found: bool = False


@dataclass(slots=True)
class _Row:
    """A row as printed: its value tokens and where its label stood."""

    path: Path
    values: list[Token]
    label: str
    origin: Origin
    deviation: str = ""  # "" | "group" (values on a group heading) | "subtotal"
    fuzzy: tuple[str, float] | None = None
    lost_heading: bool = False
    #: the source row (``Token.row``) its label was printed on
    line: int = -1


@dataclass(slots=True)
class _Context:
    """The state of reading one table section."""
    fmt: Format
    section: str
    specs: tuple[Spec, ...]
    out: SectionTables
    rows: dict[Path, _Row] = field(default_factory=dict)
    orphans: list[Event] = field(default_factory=list)
    unlabelled: list[Token] = field(default_factory=list)


# ----------------------------------------------------------------- targets


def _target(ctx: _Context, ev: Event, matches: Sequence[Match]) -> tuple[str, Spec | None,
                                                                          tuple[str, float] | None]:
    """What the values after ``ev``'s text belong to: ("row"|"group"|"subtotal"|
    "results"|"caption", spec) or ("unlabelled"|"none", None)."""
    row_like = [m for m in matches if m.spec.role != "column"]
    last_row = row_like[-1] if row_like else None
    start = last_row.end if last_row else 0
    covered = {k for m in matches if m.spec.role == "column" and m.start >= start
               for k in range(m.start, m.end)}
    unmatched = sum(1 for k in range(start, len(ev.norm)) if k not in covered)
    tail = ev.norm[start:]
    if unmatched >= 4:
        unfilled = [s for s in ctx.specs if s.path not in ctx.rows]
        fuzzy = fuzzy_label(tail, unfilled)
        if fuzzy is not None:
            return fuzzy[0].role, fuzzy[0], (tail, fuzzy[1])
    if last_row is None:
        return ("unlabelled" if matches else "none"), None, None
    if matches[-1].spec.role == "column" and matches[-1].start >= last_row.end:
        return "unlabelled", None, None
    return last_row.spec.role, last_row.spec, None


def _update_group(group: Path | None, matches: Sequence[Match]) -> Path | None:
    """The group the text last named: a group heading, or the group of a row."""
    for m in matches:
        if m.spec.role == "group":
            group = m.spec.path
        elif m.spec.role == "row":
            group = m.spec.path[:-1] if len(m.spec.path) == 3 else None
        elif m.spec.role == "results":
            group = None
    return group


def _row_path(kind: str, spec: Spec, group: Path | None) -> tuple[Path | None, str]:
    """Where the values of a labelled run go, and the deviation it is."""
    if kind == "row":
        return spec.path, ""
    if kind == "group":
        return (*spec.path, SUBTOTAL), "group"
    if group is None:  # a 小计 with no group before it
        return None, ""
    return (*group, SUBTOTAL), "subtotal"


def _collect(ctx: _Context, stream: Sequence[Token]) -> None:
    """Assign each run of values to the row its text names (or report it)."""
    group: Path | None = None
    sibling_cols: dict[Path, int] = {}
    for ev in events(stream):
        matches = find_labels(ev.norm, ctx.specs)
        ctx.out.found = ctx.out.found or bool(matches)
        heading_rows = {ev.token_at(m.start).row for m in matches if m.spec.role == "group"}
        group = _update_group(group, matches)
        if not ev.values:
            continue
        kind, spec, fuzzy = _target(ctx, ev, matches)
        if fuzzy is not None and spec is not None:
            ctx.out.found = True
            group = spec.path[:-1] if spec.role == "row" and len(spec.path) == 3 else group
        if kind in {"unlabelled", "none", "caption", "results"} or spec is None:
            if kind in {"unlabelled", "none"} and ctx.section == "appeals":
                ctx.unlabelled.extend(ev.values)
            elif any(t.kind != "blank" for t in ev.values):
                ctx.orphans.append(ev)
            continue
        path, deviation = _row_path(kind, spec, group)
        if path is None:
            ctx.orphans.append(ev)
            continue
        printed_blank = all(t.kind == "blank" for t in ev.values)
        if printed_blank and kind != "row" and not all(t.cell and not t.padded
                                                       for t in ev.values):
            continue  # empty tab fields after a heading: layout, not a blank row
        label_match = next((m for m in reversed(matches) if m.spec is spec), None)
        label_token = ev.token_at(label_match.start) if label_match else ev.text[-1]
        printed = _printed_tail(ev, fuzzy[0]) if fuzzy is not None else spec.title
        row = _Row(path, list(ev.values), printed.strip(), label_token.origin, deviation, fuzzy,
                   line=label_token.row)
        if len(path) == 3 and label_token.cell and kind == "row":
            # a group's rows print their labels in one column; a row whose
            # label moved left, with no group heading on its line, lost it
            parent = path[:-1]
            if (label_token.col < sibling_cols.get(parent, -1)
                    and label_token.row not in heading_rows):
                row.lost_heading = True
            sibling_cols[parent] = max(sibling_cols.get(parent, -1), label_token.col)
        if path in ctx.rows:
            ctx.out.findings.append(notes.finding(
                "IMP-LAYOUT", ctx.fmt, (ctx.section, *path),
                f"“{printed}”一行重复出现；只导入第一次出现的数值",
                f"the row {printed} is printed twice; only its first values were imported",
                origin=label_token.origin))
            continue
        ctx.rows[path] = row


def _printed_tail(ev: Event, norm_tail: str) -> str:
    """The printed text of the last ``len(norm_tail)`` normalised characters."""
    if not ev.owner:
        return norm_tail
    first = ev.owner[max(0, len(ev.owner) - len(norm_tail))]
    return "".join(t.text for t in ev.text[first:])


# --------------------------------------------------------------- readings


def _strings(values: Sequence[Token], cells: int) -> tuple[list[str | None], list[Token]]:
    """The printed values of a run, without the blank fields that are padding."""
    kept = list(values)
    if any(t.padded for t in kept):
        while kept and kept[0].kind == "blank":
            kept.pop(0)
        while kept and kept[-1].kind == "blank":
            kept.pop()
    while len(kept) > cells and kept[0].kind == "blank":
        kept.pop(0)
    while len(kept) > cells and kept[-1].kind == "blank":
        kept.pop()
    return [None if t.kind == "blank" else t.text for t in kept], kept


def _candidates(values: Sequence[Token], kinds: Sequence[str],
                order: Sequence[int] | None = None) -> tuple[list[Candidate], list[Token], bool]:
    """Readings of printed ``values`` as cells of ``kinds``; ``order`` maps
    the printed sequence onto the cells (for an extra column). The flag says
    whether the readings are all there (not cut off at the limit)."""
    strings, kept = _strings(values, len(kinds))
    found = readings(strings, len(kinds))
    out: list[Candidate] = []
    for reading in found:
        vals: list[Any] = []
        texts: list[str | None] = []
        toks: list[int] = []
        units: list[str] = []
        for piece in reading.pieces:
            parsed = parse_value(piece.text) if piece.text is not None else None
            vals.append(parsed.value if parsed is not None else None)
            units.append(parsed.unit if parsed is not None else "")
            texts.append(piece.text)
            toks.append(piece.token)
        if order is not None:
            vals = [vals[i] for i in order]
            texts = [texts[i] for i in order]
            toks = [toks[i] for i in order]
            units = [units[i] for i in order]
        out.append(Candidate(tuple(vals), tuple(texts), tuple(toks), reading.how,
                             tuple(p.text or "" for p in reading.dropped), tuple(units)))
    return out, kept, found.complete


def _unit(paths: tuple[Path, ...], values: Sequence[Token], kinds: Sequence[str]
          ) -> tuple[Unit, list[Token]]:
    """The cells ``paths`` printed as ``values``, with their readings (none
    when there are too many to choose from)."""
    cands, kept, complete = _candidates(values, kinds)
    return Unit(paths, tuple(cands) if complete else (), _printed(kept), complete), kept


# ----------------------------------------------------------------- output


def _put(data: dict[str, Any], path: Path, value: Any) -> None:
    """Set ``data[path]``, creating the objects on the way."""
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value


def _printed_unit(outcome: Outcome, i: int) -> str:
    """The unit printed with cell ``i``: the chosen reading's, or the one
    every remaining reading gives it."""
    if outcome.chosen is not None:
        return outcome.chosen.units[i] if outcome.chosen.units else ""
    units = {c.units[i] if c.units else "" for c in outcome.remaining}
    return units.pop() if len(units) == 1 else ""


def _record(ctx: _Context, unit: Unit, outcome: Outcome, kept: Sequence[Token],
            label: str) -> None:
    """Write a unit's values, provenance, the unit printed in a money cell
    (the row's ``x_unit``) and findings."""
    fmt = ctx.fmt
    chosen = outcome.chosen
    section = ctx.section
    for i, rel in enumerate(unit.paths):
        _put(ctx.out.data, rel, outcome.values[i])
        path = (section, *rel)
        source: dict[str, Any] = {}
        if chosen is not None and 0 <= chosen.tokens[i] < len(kept):
            source.update(kept[chosen.tokens[i]].origin)
            printed = chosen.texts[i]
            if printed is not None and printed != _plain(outcome.values[i]):
                source["text"] = printed
        elif kept:
            source.update(kept[0].origin)
            source["text"] = unit.printed
        ctx.out.cells[to_pointer(path)] = source
        node = node_at(fmt, path)
        if node is not None and node.kind == "money":
            printed_unit = _printed_unit(outcome, i)
            if printed_unit in MONEY_UNITS:
                _put(ctx.out.data, (*rel[:-1], UNIT), printed_unit)
        printed = chosen.texts[i] if chosen is not None else None
        if printed is None or outcome.values[i] is not None:
            continue
        parsed = parse_value(printed)
        if parsed.out_of_range:
            zh = f"单元格印作“{notes.clip(printed)}”，数值超出可读范围（10^±1000）；留空（null）"
            en = (f"the cell is printed as “{notes.clip(printed)}”, a number beyond 10^±1000; "
                  "left blank (null)")
        elif parsed.unit:
            continue  # a unit with no number: a blank cell (its unit is kept above)
        else:
            zh = (f"单元格印作“{notes.clip(printed)}”，不是数字（可能表示 0，也可能表示空白）；"
                  "留空（null）")
            en = (f"the cell is printed as “{notes.clip(printed)}”, not a number (it may mean 0 "
                  "or blank); left blank (null)")
        ctx.out.findings.append(notes.finding("IMP-UNRESOLVED", fmt, path, zh, en,
                                              origin=source or None, cells=[(path, None)]))
    _record_findings(ctx, unit, outcome, kept, label)


def _record_findings(ctx: _Context, unit: Unit, outcome: Outcome, kept: Sequence[Token],
                     label: str) -> None:
    """The findings on how a unit was read (chosen, uncertain, reshaped)."""
    fmt, section, chosen = ctx.fmt, ctx.section, outcome.chosen
    origin = kept[0].origin if kept else None
    row_path = (section, *_common(unit.paths))
    absolute = tuple((section, *p) for p in unit.paths)
    printed = notes.clip(unit.printed)
    if not unit.complete:
        ctx.out.findings.append(notes.finding(
            "IMP-UNRESOLVED", fmt, row_path,
            f"“{label}”印作“{printed}”，可读作的拆分超过 {READINGS_LIMIT} 种，"
            f"无法从中确定；全部 {len(unit.paths)} 个单元格留空（null）",
            f"{label} is printed as “{printed}”, which can be read in more than "
            f"{READINGS_LIMIT} ways: too many readings to choose from; all "
            f"{len(unit.paths)} cells are left blank (null)",
            origin=origin, cells=[(p, None) for p in absolute]))
        return
    if outcome.status == "resolved" and chosen is not None:
        others = [c for c in outcome.remaining if c is not chosen]
        alternatives = "；".join(notes.reading_text(c.values) for c in others[:5])
        alternatives_en = "; ".join(notes.reading_text(c.values, en=True) for c in others[:5])
        if ctx.section == "appeals":
            scope_zh = "本表各组“总计”等于各项之和"
            scope_en = "each group's total = sum of its results"
        elif outcome.by == "row":
            scope_zh, scope_en = "本行合计", "the row's total"
        else:
            scope_zh, scope_en = "本表的行、列合计", "the table's row and column sums"
        ctx.out.findings.append(notes.finding(
            "IMP-RESOLVED", fmt, row_path,
            f"“{label}”印作“{printed}”，可读作多种拆分；只有 "
            f"{notes.reading_text(chosen.values)} 满足{scope_zh}，已采用"
            f"（其他读法：{alternatives}）",
            f"{label} is printed as “{printed}”, which can be read several ways; only "
            f"{notes.reading_text(chosen.values, en=True)} satisfies {scope_en} and was taken "
            f"(other readings: {alternatives_en})",
            origin=origin, cells=zip(absolute, chosen.values, strict=True)))
    elif outcome.status == "unresolved" and not outcome.remaining:
        ctx.out.findings.append(notes.finding(
            "IMP-UNRESOLVED", fmt, row_path,
            f"“{label}”印出的数值“{printed}”无法对应本行的 {len(unit.paths)} 个单元格；"
            "全部留空（null）",
            f"the values printed for {label} (“{printed}”) cannot be mapped onto its "
            f"{len(unit.paths)} cells; all are left blank (null)",
            origin=origin, cells=[(p, None) for p in absolute]))
    elif outcome.status == "unresolved":
        unsure = [absolute[i] for i, v in enumerate(outcome.values) if v is None
                  and any(c.values[i] is not None for c in outcome.remaining)]
        shown = outcome.remaining[:24]
        listing = "；".join(notes.reading_text(c.values) for c in shown)
        listing_en = "; ".join(notes.reading_text(c.values, en=True) for c in shown)
        more = f" 等共 {len(outcome.remaining)} 种" if len(outcome.remaining) > len(shown) else ""
        more_en = (f" … ({len(outcome.remaining)} in all)"
                   if len(outcome.remaining) > len(shown) else "")
        where = unsure[0] if len(unsure) == 1 else row_path
        ctx.out.findings.append(notes.finding(
            "IMP-UNRESOLVED", fmt, where,
            f"“{label}”印作“{printed}”，无法确定各单元格的数值：可能的读法为 {listing}{more}；"
            f"无法确定的 {len(unsure)} 个单元格留空（null）",
            f"{label} is printed as “{printed}” and cannot be read with certainty: "
            f"possible readings {listing_en}{more_en}; the {len(unsure)} uncertain cell(s) are "
            "left blank (null)",
            origin=origin, cells=[(p, None) for p in unsure]))
    if outcome.status != "unresolved" and chosen is not None and chosen.how in {"drop", "merge"}:
        if chosen.how == "drop":
            extra = "、".join(chosen.dropped)
            ctx.out.findings.append(notes.finding(
                "IMP-LAYOUT", fmt, row_path,
                f"“{label}”印出的数值比栏目多一个（多出的数：{extra}）；多出的数不属于任何栏目，未导入",
                f"{label} has one value more than the table has columns (extra value: {extra}); "
                "it belongs to no column and was not imported",
                origin=origin))
        else:
            ctx.out.findings.append(notes.finding(
                "IMP-RESOLVED", fmt, row_path,
                f"“{label}”印出的数值比栏目多；相邻单元格中的数字按一个数读取："
                f"{notes.reading_text(chosen.values)}",
                f"{label} has more values than columns; digits split across adjacent cells "
                f"were read as one number: {notes.reading_text(chosen.values, en=True)}",
                origin=origin, cells=zip(absolute, chosen.values, strict=True)))


def _plain(value: Any) -> str | None:
    """A value as the text that prints it (None for a blank)."""
    return None if value is None else str(value)


def _common(paths: Sequence[Path]) -> Path:
    """The longest common prefix of some paths (the row of a unit's cells)."""
    if not paths:
        return ()
    first = paths[0]
    n = len(first)
    for p in paths[1:]:
        n = min(n, len(p))
        while n and p[:n] != first[:n]:
            n -= 1
    return first[:n]


def _printed(values: Iterable[Token]) -> str:
    """A run of printed values as one string, blanks shown as （空）."""
    return " ".join(t.text if t.kind != "blank" else "（空）" for t in values).strip()


def _report_orphans(ctx: _Context) -> None:
    """Values that belong to no row of the official format, reported."""
    for ev in ctx.orphans:
        values = [t for t in ev.values if t.kind != "blank"]
        if not values:
            continue
        label = "".join(t.text for t in ev.text).strip()[-40:] or "（无标签）"
        printed = _printed(values)
        ctx.out.findings.append(notes.finding(
            "IMP-LAYOUT", ctx.fmt, (ctx.section,),
            f"数值“{printed}”（前面的文字：“{label}”）不属于官方格式的任何一行，未导入",
            f"the values “{printed}” (after the text “{label}”) belong to no row of the official "
            "format and were not imported",
            origin=values[0].origin))


def _label_notes(ctx: _Context) -> None:
    """Rows whose printed label matched only approximately, reported."""
    for row in ctx.rows.values():
        if row.fuzzy is not None:
            _, ratio = row.fuzzy
            title = _title(ctx.fmt, (ctx.section, *row.path))
            ctx.out.findings.append(notes.finding(
                "IMP-LABEL", ctx.fmt, (ctx.section, *row.path),
                f"行标签“{row.label}”与官方标签“{title}”不完全一致（相似度 {ratio:.2f}），"
                f"按“{title}”导入",
                f"the row label “{row.label}” differs from the official “{title}” "
                f"(similarity {ratio:.2f}); imported as {title}",
                origin=row.origin))


# ------------------------------------------------------------- 二 proactive


def _read_proactive(ctx: _Context) -> None:
    """Table 二: rows by their unique labels; a missing table or row is reported."""
    root = layout(ctx.fmt).children["proactive"]
    units: list[tuple[Unit, list[Token], str]] = []
    for path, row in ctx.rows.items():
        node = root.children[path[0]].children.get(path[1]) if len(path) == 2 else None
        if node is None:
            continue
        cols = official_columns(node)
        unit, kept = _unit(tuple((*path, c) for c in cols), row.values,
                           [node.children[c].kind for c in cols])
        units.append((unit, kept, row.label))
    outcomes = solve([u for u, _, _ in units], [])
    for (unit, kept, label), outcome in zip(units, outcomes, strict=True):
        _record(ctx, unit, outcome, kept, label)
    for table_key, table in root.children.items():
        if table.role != "table":
            continue
        present = [k for k in table.children if (table_key, k) in ctx.rows]
        if not present:
            ctx.out.data.pop(table_key, None)
            ctx.out.findings.append(notes.finding(
                "IMP-MISSING", ctx.fmt, ("proactive", table_key),
                f"未找到“{table.title}”表", f"the table {table.title} was not found"))
            continue
        for row_key, row_node in table.children.items():
            if (table_key, row_key) not in ctx.rows:
                ctx.out.findings.append(notes.finding(
                    "IMP-MISSING", ctx.fmt, ("proactive", table_key, row_key),
                    f"未找到“{table.title}”表中的“{row_node.title}”行",
                    f"the row {row_node.title} of {table.title} was not found"))


# ---------------------------------------------------------- 三 applications


def _header_maps(ctx: _Context, stream: Sequence[Token]) -> dict[int, dict[int, str]]:
    """For grid tables: grid column → applicant column key, read from the
    header rows (the rows of a grid before its first row with a value)."""
    column_forms: dict[str, str] = {}
    for spec in ctx.specs:
        if spec.role == "column":
            for form in spec.forms:
                column_forms.setdefault(form, spec.path[0])
    subtotal_forms = {f for s in ctx.specs if s.role == "subtotal" for f in s.forms}
    cells: dict[tuple[int, int, int], list[Token]] = {}
    done: set[int] = set()
    for token in stream:
        if token.table < 0 or token.table in done:
            continue
        if token.kind != "text":
            if token.kind == "value":
                done.add(token.table)  # the header ends where values begin
            continue
        cells.setdefault((token.table, token.row, token.col), []).append(token)
    maps: dict[int, dict[int, str]] = {}
    for (table, _row, col), parts in cells.items():
        norm = normalize_label("".join(t.text for t in parts))
        key = column_forms.get(norm)
        if key is None and norm in subtotal_forms:
            key = LEGAL_ENTITIES  # 小计 under 法人或其他组织
        if key is None or (key == LEGAL_ENTITIES and parts[0].span > 1):
            continue  # 法人或其他组织 spanning its five columns is a heading
        maps.setdefault(table, {})[col] = key
    official = set(official_columns(layout(ctx.fmt).children["applications"]
                                    .children["new_received"]))
    return {t: m for t, m in maps.items() if official <= set(m.values())}


def _grid_candidate(values: Sequence[Token], mapping: dict[int, str],
                    cols: Sequence[str]) -> tuple[Candidate, list[Token]] | None:
    """The one reading of a grid row whose cells stand under known columns."""
    kept = list(values)
    by_key: dict[str, int] = {}
    for i, token in enumerate(kept):
        key = mapping.get(token.col)
        if key is None or key in by_key:
            return None
        by_key[key] = i
    if set(by_key) != set(cols):
        return None
    vals: list[Any] = []
    texts: list[str | None] = []
    toks: list[int] = []
    units: list[str] = []
    for col in cols:
        token = kept[by_key[col]]
        if token.kind == "blank":
            vals.append(None)
            texts.append(None)
            units.append("")
        else:
            parsed = parse_value(token.text)
            vals.append(parsed.value)
            texts.append(token.text)
            units.append(parsed.unit)
        toks.append(by_key[col])
    return Candidate(tuple(vals), tuple(texts), tuple(toks), units=tuple(units)), kept


def _applications_identities(fmt: Format, rows: Iterable[Path], cols: Sequence[str]
                             ) -> list[Identity]:
    """The identities of table 三 over the rows read: row totals, subtotal columns and rows, and
    per column （七） = sum of results and 一+二 = （七）+四."""
    root = layout(fmt).children["applications"]
    present = set(rows)
    out: list[Identity] = []
    six = [c for c in cols if c not in {"total", LEGAL_ENTITIES}]  # 自然人 and the five others
    for row in present:
        out.append(Identity(((*row, "total"),), tuple((*row, c) for c in six), "row"))
        if LEGAL_ENTITIES in cols:
            out.append(Identity(((*row, LEGAL_ENTITIES),), tuple((*row, c) for c in six[1:]),
                                "legal"))
    results = root.children["results"]
    leaves: list[Path] = []
    for key, child in results.children.items():
        if key == "total":
            continue
        if child.role == "group":
            members = [("results", key, k) for k in official_columns(child)]
            printed = [m for m in members if m in present]
            subtotal = ("results", key, SUBTOTAL)
            if printed or subtotal not in present:
                leaves.extend(members)
            else:
                leaves.append(subtotal)
            if printed and subtotal in present:
                for c in cols:
                    out.append(Identity(((*subtotal, c),), tuple((*m, c) for m in members),
                                        "subtotal"))
        elif child.role == "row":
            leaves.append(("results", key))
    for c in cols:
        out.append(Identity((("results", "total", c),), tuple((*leaf, c) for leaf in leaves),
                            "results"))
        out.append(Identity((("new_received", c), ("carried_over", c)),
                            (("results", "total", c), ("carried_forward", c)), "balance"))
    return out


def _map_for_tables(maps: dict[int, dict[int, str]], stream: Sequence[Token]
                    ) -> dict[int, dict[int, str]]:
    """Each grid's header map: its own, or the previous grid's (a table
    continued on the next page repeats no header)."""
    last: dict[int, str] | None = None
    out: dict[int, dict[int, str]] = {}
    for token in stream:
        if token.table >= 0:
            last = maps.get(token.table, last)
            if last is not None:
                out.setdefault(token.table, last)
    return out


def _application_unit(row: _Row, cols: Sequence[str], kinds: dict[str, str], legal: bool,
                      map_for: dict[int, dict[int, str]]) -> tuple[Unit, list[Token], str]:
    """The readings of one row of 三."""
    paths = tuple((*row.path, c) for c in cols)
    tables = {t.table for t in row.values}
    mapping = map_for.get(next(iter(tables))) if len(tables) == 1 else None
    grid = _grid_candidate(row.values, mapping, cols) if mapping else None
    if grid is not None:
        cand, kept = grid
        return Unit(paths, (cand,), _printed(kept)), kept, row.label
    cell_kinds = [kinds[c] for c in cols]
    if not legal:
        unit, kept = _unit(paths, row.values, cell_kinds)
        return unit, kept, row.label
    # where a subtotal column printed as text stands is unknown — after 其他
    # or right after 自然人 — so both are readings and the identities choose
    official = [c for c in cols if c != LEGAL_ENTITIES]
    every: list[Candidate] = []
    kept = []
    complete = True
    for position in (6, 1):
        sequence = list(official)
        sequence.insert(position, LEGAL_ENTITIES)
        more, kept, whole = _candidates(row.values, cell_kinds,
                                        [sequence.index(c) for c in cols])
        every.extend(more)
        complete = complete and whole
    return (Unit(paths, tuple(every) if complete else (), _printed(kept), complete), kept,
            row.label)


def _read_applications(ctx: _Context, stream: Sequence[Token]) -> None:
    """Table 三: readings, identities, the eighth column, layout notes."""
    root = layout(ctx.fmt).children["applications"]
    sample = root.children["new_received"]
    official = official_columns(sample)
    kinds: dict[str, str] = {c: sample.children[c].kind for c in (*official, LEGAL_ENTITIES)}
    maps = _header_maps(ctx, stream)
    # An eighth column (法人或其他组织 subtotal) printed as text: most rows
    # have eight values.
    counts = [len(_strings(r.values, 8)[0]) for r in ctx.rows.values()
              if not any(t.table in maps for t in r.values)]
    legal = any(LEGAL_ENTITIES in m.values() for m in maps.values()) or (
        counts.count(8) >= 2 and counts.count(8) > counts.count(7))
    cols = [*official, LEGAL_ENTITIES] if legal else list(official)
    map_for = _map_for_tables(maps, stream)
    units = [_application_unit(row, cols, kinds, legal, map_for) for row in ctx.rows.values()]
    identities = _applications_identities(ctx.fmt, ctx.rows, cols)
    outcomes = solve([u for u, _, _ in units], identities)
    for (unit, kept, label), outcome in zip(units, outcomes, strict=True):
        _record(ctx, unit, outcome, kept, label)
    _application_notes(ctx, identities, legal)
    _missing_rows(ctx, root)


def _application_notes(ctx: _Context, identities: Sequence[Identity], legal: bool) -> None:
    """Findings on the layout of 三: extra column, subtotal rows, lost headings."""
    if legal:
        ctx.out.findings.append(notes.finding(
            "IMP-LAYOUT", ctx.fmt, ("applications",),
            "表三多印了“法人或其他组织”小计列（官方格式没有）；已记入 x_legal_entities",
            "table 三 prints an extra 法人或其他组织 subtotal column (not in the official "
            "format); kept under x_legal_entities"))
    for row in ctx.rows.values():
        where = ("applications", *row.path)
        group_title = _title(ctx.fmt, ("applications", *row.path[:-1]))
        if row.deviation == "group" and not _has_members(ctx, row.path):
            zh = (f"“{group_title}”作为一行印出数值，没有官方格式的分项行；"
                  "已记入 x_subtotal")
            en = (f"{group_title} is printed as one row with values, without the official "
                  "sub-rows; kept under x_subtotal")
        elif row.deviation:
            zh = f"“{group_title}”组印有小计数值（官方格式没有小计行）；已记入 x_subtotal"
            en = (f"the group {group_title} prints subtotal values (the official format has "
                  "no subtotal row); kept under x_subtotal")
        else:
            zh = en = ""
        if zh:
            ctx.out.findings.append(notes.finding("IMP-LAYOUT", ctx.fmt, where, zh, en,
                                                  origin=row.origin))
        if row.lost_heading:
            row_title = _title(ctx.fmt, where)
            holds = _row_consistent(identities, row.path, ctx.out.data)
            zh = (f"“{row.label}”一行缺少所属分组标题（与同组各行错位）；按其行标签归入"
                  f"“{group_title}”的“{row_title}”"
                  + ("，按此读取本表勾稽关系成立" if holds else ""))
            en = (f"the row {row.label} lost its group heading (it is out of line with its "
                  f"group); placed by its own label as {row_title} of {group_title}"
                  + ("; the table's identities hold with this reading" if holds else ""))
            ctx.out.findings.append(notes.finding("IMP-RESOLVED", ctx.fmt, where, zh, en,
                                                  origin=row.origin))


def _has_members(ctx: _Context, subtotal_path: Path) -> bool:
    """Whether a group with a subtotal also printed its official rows."""
    group = subtotal_path[:-1]
    return any(p[:-1] == group and p[-1] != SUBTOTAL for p in ctx.rows)


def _row_consistent(identities: Sequence[Identity], row: Path, data: dict[str, Any]) -> bool:
    """Whether every identity through ``row`` that can be evaluated holds."""
    checked = False
    for identity in identities:
        if any(p[: len(row)] == row for p in identity.paths):
            values = {p: v for p in identity.paths if (v := resolve(data, p)) is not MISSING}
            result = identity.holds(values)
            if result is False:
                return False
            checked = checked or result is True
    return checked


def _title(fmt: Format, parts: Sequence[str]) -> str:
    """The official title of the node at a path (its last key off the layout)."""
    node = node_at(fmt, parts)
    return node.title if node is not None else parts[-1]


def _missing_rows(ctx: _Context, root: Node) -> None:
    """Report every required row of 三 that was not found."""
    def walk(node: Node, prefix: Path) -> None:
        for key, child in node.children.items():
            if key in {"title", "text"} or key.startswith("x_"):
                continue
            path = (*prefix, key)
            if child.role == "row":
                if path not in ctx.rows and child.required:
                    ctx.out.findings.append(notes.finding(
                        "IMP-MISSING", ctx.fmt, ("applications", *path),
                        f"未找到“{child.title}”行", f"the row {child.title} was not found"))
            elif child.role == "group":
                members = [(*path, k) for k in official_columns(child)]
                single = (*path, SUBTOTAL) in ctx.rows and not any(m in ctx.rows for m in members)
                if single:
                    continue  # printed as one row: reported as a layout deviation
                walk(child, path)
            elif child.role == "results":
                walk(child, path)

    walk(root, ())


# --------------------------------------------------------------- 四 appeals


def _read_appeals(ctx: _Context) -> None:
    """Table 四: one row of 15 values (official) or a row per group."""
    root = layout(ctx.fmt).children["appeals"]
    groups = [k for k, c in root.children.items() if c.role == "row"]
    parts = official_columns(root.children[groups[0]])
    identities = [Identity(((g, "total"),), tuple((g, p) for p in _APPEAL_PARTS), "appeal")
                  for g in groups]
    units: list[tuple[Unit, list[Token], str]] = []
    labelled = [p for p in ctx.rows if len(p) == 1 and p[0] in groups]
    if len(labelled) >= 2:
        for path in labelled:
            node = root.children[path[0]]
            unit, kept = _unit(tuple((*path, p) for p in parts), ctx.rows[path].values,
                               [node.children[p].kind for p in parts])
            units.append((unit, kept, ctx.rows[path].label))
    else:
        values = ctx.unlabelled + [t for r in ctx.rows.values() for t in r.values]
        printed_blank = values and all(t.kind == "blank" for t in values)
        if printed_blank and len(values) != len(groups) * len(parts):
            values = []  # empty rows of the page layout, not a table printed blank
        if values:
            paths = tuple((g, p) for g in groups for p in parts)
            kinds = [root.children[g].children[p].kind for g, p in paths]
            unit, kept = _unit(paths, values, kinds)
            units.append((unit, kept, _title(ctx.fmt, ("appeals",))))
            ctx.out.found = True
        ctx.rows = {}
    outcomes = solve([u for u, _, _ in units], identities)
    for (unit, kept, label), outcome in zip(units, outcomes, strict=True):
        _record(ctx, unit, outcome, kept, label)
    for g in groups:
        if g not in ctx.out.data:
            node = root.children[g]
            ctx.out.findings.append(notes.finding(
                "IMP-MISSING", ctx.fmt, ("appeals", g),
                f"未找到“{node.title}”的数值", f"the values of {node.title} were not found"))


# ------------------------------------------------------------------- entry


def _extension_names(fmt: Format, section: str) -> dict[str, str]:
    """Normalised layout title → key of the extension columns of a section's
    rows that are printed as columns of their own (not x_legal_entities,
    which stands under 法人或其他组织, nor x_subtotal, a row)."""
    names: dict[str, str] = {}
    for _, node in layout(fmt).children[section].walk():
        if node.key.startswith("x_") and node.key not in {LEGAL_ENTITIES, SUBTOTAL}:
            names.setdefault(normalize_label(node.title), node.key)
    return names


def _extension_cells(ctx: _Context, extensions: Sequence[Token]) -> None:
    """Cells under a grid column headed by an ``x_`` key (as the renderer
    prints a row's extension keys) go to that key of the row printed on
    their line: a number as a number, anything else as the text printed (a
    key the layout says is text always as text). A cell on no row's line,
    and any under such a column of table 四, is reported."""
    by_line = {row.line: row for row in ctx.rows.values()}
    for token in extensions:
        row = by_line.get(token.row)
        if ctx.section == "appeals":
            # 四 is read as one run of fifteen cells: which group an extra
            # column belongs to is not read (it is said, not guessed)
            ctx.out.findings.append(notes.finding(
                "IMP-LAYOUT", ctx.fmt, (ctx.section,),
                f"表四扩展栏“{token.key}”中的“{notes.clip(token.text)}”未导入（表四的扩展栏"
                "无法确定属于哪一组）",
                f"“{notes.clip(token.text)}” under the extension column {token.key} of table "
                "四 was not imported (which group such a column belongs to is not read)",
                origin=token.origin))
            continue
        if row is None:
            ctx.out.findings.append(notes.finding(
                "IMP-LAYOUT", ctx.fmt, (ctx.section,),
                f"“{token.key}”栏的“{notes.clip(token.text)}”不在任何一行上，未导入",
                f"“{notes.clip(token.text)}” under the column {token.key} is on no row of the "
                "table and was not imported", origin=token.origin))
            continue
        path = (*row.path, token.key)
        node = node_at(ctx.fmt, (ctx.section, *path))
        number = parse_value(token.text).value if node is None or node.kind != "text" else None
        _put(ctx.out.data, path, token.text if number is None else number)
        ctx.out.cells[to_pointer((ctx.section, *path))] = dict(token.origin)


def read_tables(fmt: Format, section: str, blocks: Sequence[Block]) -> SectionTables:
    """Read the tables of table section ``section`` from its blocks."""
    ctx = _Context(fmt, section, section_specs(fmt, section), SectionTables())
    everything = tokens(blocks, _extension_names(fmt, section))
    stream = [t for t in everything if t.kind != "extension"]
    _collect(ctx, stream)
    _extension_cells(ctx, [t for t in everything if t.kind == "extension"])
    if section == "proactive":
        _read_proactive(ctx)
    elif section == "applications":
        _read_applications(ctx, stream)
    else:
        _read_appeals(ctx)
    _report_orphans(ctx)
    _label_notes(ctx)
    return ctx.out
