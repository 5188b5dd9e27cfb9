"""``--format html``: one self-contained page for the run, for people.

Each report is shown as published — its sections, prose and official
tables, drawn by :mod:`disclosure_rules.render` — with the place of every
finding marked, and the findings beside the section they concern (below it
on a narrow screen and on paper). A place is marked by its worst severity
(class ``finding-error`` / ``finding-warning`` / ``finding-info``, its
finding ids in ``data-findings``); cells that only took part in a finding
are marked lightly (``finding-part``, ids in ``data-part``), the places of
waived findings neutrally (``finding-waived``, ``data-waived``), those of
diagnoses in ``data-diagnoses``. Every marked element has an ``id`` the
findings link to, and links back to them.
A finding on a place the page does not draw (an unknown key, a missing
row) marks the nearest enclosing place that it does; one on the report as
a whole marks the report's header; the top-level facts (organ, year,
format, publication date) are a table of their own at the head of the
report.

The page uses inline CSS only: no script, no external resource. Reports are
rendered in worker processes like any output; their element ids carry a
token that :meth:`Sink.report` replaces with the report's number, so that
ids are unique in the page and the output does not depend on ``--jobs``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TextIO

from .. import __version__
from ..batch import Checked, Done, Summary, Unreadable, fails, reaches
from ..findings import Cell, Finding, Severity, json_value
from ..layout import Format, layout
from ..pointer import MISSING, resolve, split_pointer, to_pointer
from ..render import cell_text, html_parts
from . import Base, Options, Run, printable
from .words import (
    at,
    bracketed,
    colon,
    count_of,
    expired_note,
    expired_notice,
    heading,
    pairing_lines,
    provenance,
    report_tally,
    say,
    severity_word,
    summary_lines,
    unused_notice,
    waived_note,
)

__all__ = ["TOKEN", "Sink"]

TOKEN = "&R;"
"""Stands for the report's number in the ids of :meth:`Sink.render`'s text
until :meth:`Sink.report` writes it. Escaped text never contains it (every
``&`` of text becomes ``&amp;``)."""

_META: tuple[tuple[str, ...], ...] = (
    ("organ", "name"), ("organ", "kind"), ("organ", "level"), ("year",), ("format",),
    ("published_on",))
"""The top-level facts shown at the head of a report, as key paths."""

_LONG = 80  # characters of a text cell's value shown in a finding

_CSS = """
:root{--error:#b3001b;--error-bg:#fde0e3;--warning:#8a5a00;--warning-bg:#fff0c2;
--info:#0b57a4;--info-bg:#deecff;--part:#6b4fbb;--part-bg:#f1edff;--waived:#6b6b6b;
--line:#9a9a9a}
*{box-sizing:border-box}
body{font-family:system-ui,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:1rem 1.5rem;color:#1d1d1d;line-height:1.5}
h1{font-size:1.5rem}h2{font-size:1.25rem;margin:.25rem 0}h3{font-size:1.15rem}
h4{font-size:1.05rem}
code{font-family:ui-monospace,Consolas,monospace;font-size:.92em}
.legend span,.badge{display:inline-block;padding:0 .4rem;margin:.1rem .2rem;border-radius:.2rem}
.badge{font-weight:bold;color:#fff}.badge.pass{background:#1d7a3a}
.badge.fail,.badge.unreadable{background:var(--error)}
article.report{border-top:4px solid #444;margin:2.5rem 0 1rem;padding-top:.5rem}
article.unreadable{border-color:var(--error)}
.counts{font-weight:bold}.muted,.placeholder{color:#666}
.placeholder{font-style:italic}
.pair{display:grid;grid-template-columns:minmax(0,1fr) 24rem;gap:1.25rem;align-items:start;
margin-top:.5rem}
.doc{min-width:0;overflow-x:auto}
aside.findings{font-size:.9rem;border-left:3px solid #ddd;padding-left:.75rem}
aside.findings h5,.extra h4{margin:.25rem 0;font-size:.95rem}
ol.findings,ul.plain{list-style:none;padding:0;margin:0}
ol.findings>li{border:1px solid #ddd;border-left:5px solid var(--line);border-radius:.2rem;
padding:.35rem .5rem;margin:0 0 .5rem}
ol.findings p{margin:.15rem 0}
li.finding-error{border-left-color:var(--error)}li.finding-warning{border-left-color:var(--warning)}
li.finding-info{border-left-color:var(--info)}li.waived,li.diagnosis{border-left-color:var(--waived)}
li.finding-error,li.finding-warning,li.finding-info{background:none;outline:none}
.severity{font-weight:bold}.finding-error .severity{color:var(--error)}
.finding-warning .severity{color:var(--warning)}.finding-info .severity{color:var(--info)}
.fid{font-weight:bold}
ul.cells{margin:.15rem 0;padding-left:1.1rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid var(--line);padding:.15rem .35rem}
td.value{text-align:right}
table.facts th{text-align:left;font-weight:normal;color:#444;background:#f5f5f5}
table.facts td{text-align:left}
td.blank,.legend .blank{background:repeating-linear-gradient(135deg,transparent 0 4px,
rgba(0,0,0,.13) 4px 6px);min-width:2.2em}
.finding-error{outline:3px double var(--error);outline-offset:-3px}
.finding-warning{outline:2px dashed var(--warning);outline-offset:-2px}
.finding-info{outline:2px dotted var(--info);outline-offset:-2px}
.finding-part{outline:1px dashed var(--part);outline-offset:-1px}
.finding-waived{outline:1px dotted var(--waived);outline-offset:-1px}
:is(td,th,tr,tbody,p,span).finding-error{background-color:var(--error-bg)}
:is(td,th,tr,tbody,p,span).finding-warning{background-color:var(--warning-bg)}
:is(td,th,tr,tbody,p,span).finding-info{background-color:var(--info-bg)}
:is(td,th,tr,tbody,p,span).finding-part{background-color:var(--part-bg)}
:is(section,div,header,tbody).finding-error{border-left:6px solid var(--error)}
:is(section,div,header,tbody).finding-warning{border-left:6px solid var(--warning)}
:is(section,div,header,tbody).finding-info{border-left:6px solid var(--info)}
section[data-pointer],div.text{padding-left:.5rem}
sup.marks{font-size:.7rem;margin-left:.15rem;white-space:nowrap}
sup.marks a{text-decoration:none;padding:0 .1rem;border-radius:.15rem;color:#fff;
background:var(--waived)}
sup.marks a.finding-error{background:var(--error)}
sup.marks a.finding-warning{background:var(--warning)}
sup.marks a.finding-info{background:var(--info)}
sup.marks a{outline:none}
:target{box-shadow:0 0 0 3px #111}
.problem{color:var(--error)}
@media (max-width:1100px){.pair{display:block}aside.findings{border-left:0;padding-left:0}}
@media print{body{margin:0}.pair{display:block}aside.findings{border-left:0;padding-left:0}
article.report+article.report{break-before:page}ol.findings>li,tr{break-inside:avoid}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
a{color:inherit;text-decoration:none}.doc{overflow:visible}}
"""


def _esc(text: Any) -> str:
    """Text for HTML (content or a quoted attribute value); characters HTML
    cannot carry (control characters from PDFs and worse) become U+FFFD."""
    return html.escape(printable(str(text)), quote=True)


def _value(value: Any, lang: str) -> str:
    """A cell value as a finding shows it (blank said, a row or list as
    JSON, long text cut)."""
    if value is None:
        return say("html.blank", lang)
    if value == "":  # (an empty <code> would show nothing at all)
        return say("html.empty_text", lang)
    if isinstance(value, Mapping | list | tuple):
        # A finding on a row or section takes it whole as a cell: shown as
        # JSON, as the page's tables print an extension key holding one.
        text = cell_text(value)
    else:
        value = json_value(value) if isinstance(value, Decimal) else value
        if isinstance(value, float):
            value = format(Decimal(repr(value)), "f")
        text = str(value)
    return text if len(text) <= _LONG else text[:_LONG] + "…"


def _parent(pointer: str) -> str | None:
    """The pointer of the place enclosing ``pointer`` (None for the root)."""
    if pointer == "":
        return None
    try:
        parts = split_pointer(pointer)
    except ValueError:  # not a pointer at all: the report as a whole
        return ""
    return to_pointer(parts[:-1])


@dataclass(frozen=True, slots=True)
class _Place:
    """What one element of the page shows: its id, the findings whose place
    it is (id, severity), the findings it took part in, the waived findings
    and the diagnoses there (ids)."""

    ident: str
    findings: tuple[tuple[str, Severity], ...] = ()
    parts: tuple[str, ...] = ()
    waived: tuple[str, ...] = ()
    diagnoses: tuple[str, ...] = ()

    @property
    def worst(self) -> Severity | None:
        """The worst severity of the findings whose place it is."""
        return min((s for _, s in self.findings), key=lambda s: s.rank, default=None)

    @property
    def css(self) -> str:
        """Its class: by worst severity, else part, else waived."""
        worst = self.worst
        if worst is not None:
            return f"finding-{worst.value}"
        if self.parts:
            return "finding-part"
        if self.waived:
            return "finding-waived"
        return "diagnosis" if self.diagnoses else ""


_Shown = tuple[list[tuple[str, Severity]], list[str], list[str], list[str]]
"""A place's findings, parts, waived findings and diagnoses while they are gathered."""


class _Recorder:
    """An annotator that marks nothing and notes every place drawn."""

    def __init__(self, targets: Sequence[str], lang: str) -> None:
        self.drawn: set[str] = set()
        self.targets = targets
        self.lang = lang

    def attributes(self, pointer: str) -> Mapping[str, str]:
        """None; ``pointer`` is noted as drawn."""
        self.drawn.add(pointer)
        return {}

    def inside(self, pointer: str) -> str:
        """Nothing."""
        return ""

    def placeholder(self, pointer: str, absent: bool) -> str | None:
        """What a missing or malformed section always says, and what a
        missing or empty text says when a finding is about it."""
        if pointer.count("/") == 1:  # a section: always say it is not there
            return say("html.section.absent" if absent else "html.section.malformed", self.lang)
        if any(t == pointer or t.startswith(pointer + "/") for t in self.targets):
            return say("html.text.absent" if absent else "html.text.empty", self.lang)
        return None


class _Marker(_Recorder):
    """The annotator of the page: marks each place by what it shows."""

    def __init__(self, targets: Sequence[str], lang: str, places: Mapping[str, _Place],
                 rules: Mapping[str, str]) -> None:
        super().__init__(targets, lang)
        self.places = places
        self.rules = rules  # finding id → rule id

    def attributes(self, pointer: str) -> Mapping[str, str]:
        """Id, class by severity, the ids of what is there, a tooltip."""
        # Values are escaped here (render.py does not): ids, classes and
        # finding numbers are made of letters, digits, spaces and TOKEN
        # (which escaping would spoil), rule ids are escaped.
        place = self.places.get(pointer)
        if place is None:
            return {}
        attributes = {"id": place.ident, "class": place.css}
        titles = []
        if place.findings:
            attributes["data-findings"] = " ".join(i for i, _ in place.findings)
            titles += [f"{i} {_esc(self.rules[i])}" for i, _ in place.findings]
        if place.parts:
            attributes["data-part"] = " ".join(place.parts)
            titles.append(bracketed(f"{say('html.cells', self.lang)} {' '.join(place.parts)}",
                                     self.lang).lstrip())
        if place.waived:
            attributes["data-waived"] = " ".join(place.waived)
            titles += place.waived
        if place.diagnoses:
            attributes["data-diagnoses"] = " ".join(place.diagnoses)
            titles += place.diagnoses
        attributes["title"] = " ".join(titles)
        return attributes

    def inside(self, pointer: str) -> str:
        """Links back to the findings, waived findings and diagnoses there."""
        place = self.places.get(pointer)
        if place is None:
            return ""
        links = [(i, f"finding-{s.value}") for i, s in place.findings]
        links += [(i, "waived") for i in (*place.waived, *place.diagnoses)]
        if not links:
            return ""
        return '<sup class="marks">' + "".join(
            f'<a class="{css}" href="#{_anchor(i)}">{i}</a>' for i, css in links) + "</sup>"


def _anchor(ident: str) -> str:
    """The id of the list entry of finding ``F1`` / waived ``W1`` / diagnosis ``D1``."""
    return f"finding-{TOKEN}-{ident}"


class _Page:
    """One report's section of the page (made by :meth:`Sink.render`)."""

    def __init__(self, checked: Checked, options: Options) -> None:
        self.checked = checked
        self.lang = options.lang
        self.options = options
        result = checked.result
        self.findings = [(f"F{n}", f) for n, f in enumerate(result.findings, start=1)]
        self.rules = {i: f.rule_id for i, f in self.findings}
        self.waived = [(f"W{n}", f, w) for n, (f, w) in enumerate(checked.waived, start=1)]
        self.diagnoses = [(f"D{n}", d) for n, d in enumerate(result.diagnoses, start=1)]
        document = checked.document
        self.document: Mapping[str, Any] | None = document \
            if isinstance(document, Mapping) else None
        self.format: Format | None = "2019" if result.format == "2019" \
            else "2021" if result.format == "2021" else None
        targets = [f.pointer for _, f in self.findings] + [f.pointer for _, f, _ in self.waived]
        targets += [d.pointer for _, d in self.diagnoses]
        targets += [c.pointer for _, f in self.findings for c in f.cells
                    if c.document == "report"]
        self.targets = targets
        self.problem = ""
        recorder = _Recorder(targets, self.lang)
        self.parts = self._draw(recorder)
        drawn = recorder.drawn | {"", *(to_pointer(p) for p in _META), "/organ"}
        self.places: dict[str, _Place] = {}
        self.at: dict[str, str] = {}  # finding, waived or diagnosis id → its place
        self._place(drawn)
        self.marker = _Marker(targets, self.lang, self.places, self.rules)
        if self.parts:
            self.parts = self._draw(self.marker)

    # -- places ------------------------------------------------------------

    def _draw(self, annotator: _Recorder) -> list[tuple[str, str]]:
        if self.document is None:
            self.problem = say("html.unshown", self.lang,
                               reason=say("html.unshown.object", self.lang))
            return []
        try:
            return [(p.key, p.html) for p in html_parts(self.document, annotator,
                                                        fmt=self.format, level=3)]
        except Exception as exc:  # a document no check foresaw must not end the batch
            self.problem = say("html.unshown", self.lang, reason=f"{type(exc).__name__}: {exc}")
            return []

    def _place(self, drawn: set[str]) -> None:
        """Where each finding, waived finding and diagnosis is marked: its
        place, or the nearest enclosing place drawn; the cells that took
        part where they are drawn."""
        def nearest(pointer: str) -> str:
            current: str | None = pointer
            while current is not None and current not in drawn:
                current = _parent(current)
            return current if current is not None else ""

        # pointer → what is there: findings, parts, waived, diagnoses (in
        # the order the findings are listed, which numbers the places too)
        shown: dict[str, _Shown] = {}

        def at(pointer: str) -> _Shown:
            return shown.setdefault(pointer, ([], [], [], []))

        for ident, finding in self.findings:
            where = self.at[ident] = nearest(finding.pointer)
            at(where)[0].append((ident, finding.severity))
        for ident, finding, _ in self.waived:
            where = self.at[ident] = nearest(finding.pointer)
            at(where)[2].append(ident)
        for ident, diagnosis in self.diagnoses:
            where = self.at[ident] = nearest(diagnosis.pointer)
            at(where)[3].append(ident)
        for ident, finding in self.findings:
            for cell in finding.cells:
                if cell.document != "report" or cell.pointer not in drawn \
                        or cell.pointer == self.at[ident]:
                    continue
                parts = at(cell.pointer)[1]
                if ident not in parts:
                    parts.append(ident)
        self.places = {
            pointer: _Place(f"cell-{TOKEN}-{n}", tuple(findings), tuple(parts), tuple(waived),
                            tuple(diagnoses))
            for n, (pointer, (findings, parts, waived, diagnoses)) in enumerate(shown.items(),
                                                                                 start=1)}

    def _attributes(self, pointer: str, *classes: str) -> str:
        """The attributes of an element the page draws itself."""
        attributes = dict(self.marker.attributes(pointer))
        own = " ".join(c for c in classes if c)
        if own:
            attributes["class"] = f"{own} {attributes['class']}" if attributes.get("class") \
                else own
        return f' data-pointer="{_esc(pointer)}"' + "".join(
            f' {k}="{v}"' for k, v in attributes.items())

    def _inside(self, pointer: str) -> str:
        return self.marker.inside(pointer)

    def _link(self, ident: str) -> str:
        """The id of the element where finding ``ident`` is marked."""
        return self.places[self.at[ident]].ident

    # -- the report ----------------------------------------------------------

    def html(self) -> str:
        """The report's ``<article>``."""
        checked, lang = self.checked, self.lang
        result = checked.result
        failed = fails(result, self.options.fail_on)
        state = "fail" if failed else "pass"
        out = [f'<article class="report {state}" id="report-{TOKEN}">',
               f"<header{self._attributes('', 'report-head')}>",
               f'<h2><span class="badge {state}">{_esc(say("html.badge." + state, lang))}</span> '
               f"<code>{_esc(checked.source.name)}</code>{self._inside('')}</h2>"]
        facts = heading(checked, lang)
        if facts:
            out.append(f"<p>{_esc(facts)}</p>")
        tally = report_tally(checked, lang, self.options.verbose)
        fail_on = say("html.fail_on", lang, severity=severity_word(self.options.fail_on, lang))
        out.append(f'<p class="counts">{_esc(tally)}'
                   f'<span class="muted">{_esc(bracketed(fail_on, lang))}</span></p>')
        out += [f'<p class="previous">{_esc(line)}</p>'
                for line in pairing_lines(checked.previous, lang)]
        out.append("</header>")
        out += self._body()
        out += self._extra()
        out.append("</article>")
        return "\n".join(out) + "\n"

    def _section_of(self, ident: str) -> str:
        """The section whose side lists finding ``ident`` ("" for the head)."""
        where = self.at[ident]
        first = where.split("/")[1] if where.count("/") >= 1 else ""
        # (the parts drawn are the page's sections, and "" for the head)
        return first if any(k == first for k, _ in self.parts) else ""

    def _body(self) -> list[str]:
        """The facts, then each section as published beside its findings."""
        by_section: dict[str, list[str]] = {}
        for ident, _ in self.findings:
            by_section.setdefault(self._section_of(ident), []).append(ident)
        out: list[str] = []
        parts = self.parts or [("", "")]
        for key, text in parts:
            doc = [text] if text else []
            if key == "":
                doc = [self._facts(), *doc]
                if self.problem:
                    doc.append(f'<p class="problem">{_esc(self.problem)}</p>')
            out.append('<div class="pair">')
            # the report as published is Chinese whatever the page's
            # language: a screen reader then reads it with a Chinese voice
            out.append('<div class="doc" lang="zh-CN">' if self.lang == "en"
                       else '<div class="doc">')
            out += doc
            out.append("</div>")
            idents = by_section.get(key, [])
            if idents:
                title = say("html.findings.head" if key == "" else "html.findings.here",
                            self.lang)
                out.append(f'<aside class="findings"><h5>{_esc(title)}</h5>')
                out.append('<ol class="findings">')
                out += [self._finding(i) for i in idents]
                out.append("</ol></aside>")
            out.append("</div>")
        return out

    def _facts(self) -> str:
        """The top-level facts: organ, year, format, publication date."""
        document = self.document or {}
        root = layout(self.format or "2021")
        caption_lang = ' lang="en"' if self.lang == "en" else ""
        rows = [f'<table class="facts"><caption class="muted"{caption_lang}>'
                f'{_esc(say("html.facts", self.lang))}</caption>']
        organ_open = False
        for path in _META:
            if path[0] == "organ" and not organ_open:
                rows.append(f"<tbody{self._attributes('/organ')}>")
                organ_open = True
            elif path[0] != "organ" and organ_open:
                rows.append("</tbody><tbody>")
                organ_open = False
            node = root.children[path[0]]
            label = node.title
            value: Any = document.get(path[0])
            if len(path) == 2:
                child = node.children.get(path[1])
                label = f"{label} · {child.title if child is not None else path[1]}"
                value = value.get(path[1]) if isinstance(value, Mapping) else None
            pointer = to_pointer(path)
            shown = _esc(say("html.absent", self.lang)) if value is None else _esc(value)
            inside = self._inside(pointer)
            if path == ("organ", "name"):  # the organ's own marks, on its first row
                inside = self._inside("/organ") + inside
            css = ' class="placeholder"' if value is None else ""
            rows.append(f"<tr{self._attributes(pointer)}><th>{_esc(label)}</th>"
                        f"<td{css}>{shown}{inside}</td></tr>")
        rows.append("</tbody></table>")
        return "\n".join(rows)

    def _finding(self, ident: str) -> str:
        """A finding's entry: id, severity, rule, label, message, comparison,
        cells, legal source, provenance, position, expired waiver."""
        index = int(ident[1:]) - 1
        finding = self.checked.result.findings[index]
        lang, severity = self.lang, finding.severity
        out = [f'<li class="finding finding-{severity.value}" id="{_anchor(ident)}" '
               f'data-pointer="{_esc(finding.pointer)}" data-rule="{_esc(finding.rule_id)}">',
               f'<p><a class="fid" href="#{self._link(ident)}">{ident}</a> '
               f'<span class="severity">{_esc(severity_word(severity, lang))}</span> '
               f"<code>{_esc(finding.rule_id)}</code> {_esc(finding.label)}</p>",
               f'<p class="message">{_esc(finding.message.get(lang))}</p>']
        out += self._details(finding, ident)
        where = at(self.checked, finding, index)
        if where:
            out.append(f'<p class="muted">{_esc(say("at", lang))}{_esc(colon(lang))}'
                       f"<code>{_esc(where)}</code></p>")
        waiver = self.checked.expired_waiver(index)
        if waiver is not None:
            out.append(f'<p class="problem">{_esc(expired_note(waiver).get(lang))}</p>')
        out.append("</li>")
        return "\n".join(out)

    def _details(self, finding: Finding, ident: str) -> list[str]:
        """What supports a finding: the comparison, the cells, the legal
        source and the import provenance; where it is marked when that is
        an enclosing place."""
        lang = self.lang
        out: list[str] = []
        at = self.at[ident]
        if at != finding.pointer:
            shown = f"<code>{_esc(at)}</code>" if at else _esc(say("html.whole", lang))
            out.append(f'<p class="muted">{_esc(say("html.enclosing", lang))}{_esc(colon(lang))}'
                       f'<a href="#{self._link(ident)}">{shown}</a></p>')
        equation = finding.equation
        if equation is not None:
            text = f"{_value(equation.lhs, lang)} {equation.op} {_value(equation.rhs, lang)}"
            extra = []
            if equation.difference is not None:
                extra.append(f"{say('html.difference', lang)} {_value(equation.difference, lang)}")
            if equation.tolerance not in (None, 0):
                extra.append(f"{say('html.tolerance', lang)} {_value(equation.tolerance, lang)}")
            if extra:
                text += f" ({', '.join(extra)})" if lang == "en" else f"（{'，'.join(extra)}）"
            out.append(f'<p class="equation">{_esc(say("html.equation", lang))}{_esc(colon(lang))}'
                       f"<code>{_esc(text)}</code></p>")
        if finding.cells:
            out.append(f'<p class="muted">{_esc(say("html.cells", lang))}{_esc(colon(lang))}</p>')
            out.append('<ul class="cells">' + "".join(self._cell(c) for c in finding.cells)
                       + "</ul>")
        if finding.cite:
            out.append(f'<p class="muted">{_esc(say("cite", lang))}{_esc(colon(lang))}'
                       f"{_esc(finding.cite)}</p>")
        origin = provenance(finding.source, lang)
        if origin:
            out.append(f'<p class="muted">{_esc(say("origin", lang))}{_esc(colon(lang))}'
                       f"{_esc(origin)}</p>")
        return out

    def _cell(self, cell: Cell) -> str:
        """A cell that took part: its label (linked to it), its value."""
        lang = self.lang
        label = _esc(cell.label or cell.pointer)
        value = _value(cell.value, lang)
        if cell.document != "report":
            # (the label says 上年报告 already: said again only in English)
            if lang == "en" or not (cell.label or "").startswith("上年报告"):
                label += _esc(bracketed(say("html.previous_year", lang), lang))
        else:
            place = self.places.get(cell.pointer)
            if place is not None:
                label = f'<a href="#{place.ident}">{label}</a>'
            if cell.value is None and self._absent(cell.pointer):
                value = say("html.absent", lang)
        return f"<li>{label}{_esc(colon(lang))}<code>{_esc(value)}</code></li>"

    def _absent(self, pointer: str) -> bool:
        """Whether the document has nothing at ``pointer`` (not even null)."""
        try:
            return resolve(self.checked.document, pointer) is MISSING
        except ValueError:  # not a pointer
            return True

    def _extra(self) -> list[str]:
        """Diagnoses, waived findings, rules not evaluated (``--verbose``)."""
        lang, out = self.lang, []
        if self.diagnoses:
            out.append(f'<section class="extra"><h4>{_esc(say("html.diagnoses", lang))}</h4>'
                       '<ol class="findings">')
            for ident, diagnosis in self.diagnoses:
                out.append(
                    f'<li class="diagnosis" id="{_anchor(ident)}" '
                    f'data-pointer="{_esc(diagnosis.pointer)}">'
                    f'<p><a class="fid" href="#{self._link(ident)}">{ident}</a> '
                    f"{_esc(diagnosis.label)}</p>"
                    f"<p>{_esc(diagnosis.message.get(lang))}</p>"
                    f'<p class="muted">{_esc(say("html.suggested", lang))}{_esc(colon(lang))}'
                    f"<code>{_esc(_value(diagnosis.value, lang))} → "
                    f"{_esc(_value(diagnosis.suggested, lang))}</code>"
                    f"{_esc(bracketed(', '.join(diagnosis.rule_ids), lang))}</p></li>")
            out.append("</ol></section>")
        if self.waived:
            out.append(f'<section class="extra waived"><h4>{_esc(say("html.waived.head", lang))}'
                       '</h4><ol class="findings">')
            for ident, finding, waiver in self.waived:
                out.append(
                    f'<li class="waived" id="{_anchor(ident)}" '
                    f'data-pointer="{_esc(finding.pointer)}" data-rule="{_esc(finding.rule_id)}">'
                    f'<p><a class="fid" href="#{self._link(ident)}">{ident}</a> '
                    f"{_esc(severity_word(finding.severity, lang))} "
                    f"<code>{_esc(finding.rule_id)}</code> {_esc(finding.label)}</p>"
                    f"<p>{_esc(finding.message.get(lang))}</p>"
                    f'<p class="muted">{_esc(waived_note(waiver).get(lang))}</p></li>')
            out.append("</ol></section>")
        not_evaluated = self.checked.result.not_evaluated
        if self.options.verbose and not_evaluated:
            out.append(f'<section class="extra"><h4>{_esc(say("html.not_evaluated.head", lang))}'
                       '</h4><ul class="plain muted">')
            # (most name no place: no label, and then no space before the colon)
            out += [f"<li><code>{_esc(item.rule_id)}</code>"
                    f"{' ' + _esc(item.label) if item.label else ''}"
                    f"{_esc(colon(lang))}{_esc(item.reason.get(lang))}</li>"
                    for item in not_evaluated]
            out.append("</ul></section>")
        return out


def _rows(cells: Iterable[str], header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"


class Sink(Base):
    """Streams the run as one HTML page."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        super().__init__(out, options, run)
        self.lang = options.lang
        self.number = 0
        #: a row of the index of reports at the end, per report shown
        self.index: list[str] = []

    def begin(self) -> None:
        """The head, the page title, the legend and the run's notices."""
        lang = self.lang
        title = _esc(say("html.page.title", lang))
        legend = [f'<span class="finding-{s.value}">{_esc(severity_word(s, lang))}</span>'
                  for s in Severity]
        legend += [f'<span class="finding-part">{_esc(say("html.legend.part", lang))}</span>',
                   f'<span class="finding-waived">{_esc(say("html.legend.waived", lang))}</span>',
                   f'<span class="blank">{_esc(say("html.legend.blank", lang))}</span>']
        lines = ["<!DOCTYPE html>", f'<html lang="{"en" if lang == "en" else "zh-CN"}">',
                 "<head>", '<meta charset="utf-8">',
                 '<meta name="viewport" content="width=device-width, initial-scale=1">',
                 f'<meta name="generator" content="disclosure-rules {_esc(__version__)}">',
                 f"<title>{title}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
                 f"<h1>{title}</h1>",
                 f'<p class="legend">{_esc(say("html.page.legend", lang))}{_esc(colon(lang))}'
                 + "".join(legend) + "</p>",
                 f'<p><a href="#index">{_esc(say("html.index.link", lang))}</a></p>']
        notices = [expired_notice(w).get(lang) for w in self.run.expired_waivers]
        if notices:
            lines.append(f'<section class="notices"><h2>{_esc(say("html.notices", lang))}</h2>'
                         '<ul class="plain">' + "".join(f'<li class="problem">{_esc(n)}</li>'
                                                        for n in notices) + "</ul></section>")
        lines.append("<main>")
        self.write("\n".join(lines) + "\n")

    def render(self, checked: Checked) -> str:
        """One report's ``<article>``."""
        return _Page(checked, self.options).html()

    def report(self, record: Done) -> None:
        """Write one rendered report, its ids numbered, and note it for the
        index."""
        if record.text:
            self.number += 1
            self.write(record.text.replace(TOKEN, str(self.number)))
            self._indexed(record)

    def _indexed(self, record: Done) -> None:
        lang = self.lang
        counts = {s: sum(1 for _, found in record.findings if found is s) for s in Severity}
        failed = any(reaches(s, self.options.fail_on) for _, s in record.findings)
        state = "fail" if failed else "pass"
        shown = [f'<span class="finding-{s.value}">{_esc(count_of(counts[s], s, lang))}</span>'
                 for s in Severity if counts[s]]
        if record.waived:
            shown.append(_esc(say("waived", lang, n=record.waived)))
        self.index.append(_rows((
            f'<a href="#report-{self.number}">{self.number}</a>',
            f'<a href="#report-{self.number}"><code>{_esc(record.name)}</code></a>',
            _esc(record.organ or ""), _esc("" if record.year is None else record.year),
            f'<span class="badge {state}">{_esc(say("html.badge." + state, lang))}</span> '
            + (" ".join(shown) if shown else _esc(say("clean", lang))))))

    def unreadable(self, problem: Unreadable) -> None:
        """An input that could not be read: an error block."""
        self.number += 1
        word = say(problem.kind, self.lang)
        self.index.append(_rows((
            f'<a href="#report-{self.number}">{self.number}</a>',
            f'<a href="#report-{self.number}"><code>{_esc(problem.source.name)}</code></a>',
            "", "", f'<span class="badge unreadable">{_esc(word)}</span>')))
        self.write(f'<article class="report unreadable" id="report-{self.number}">\n'
                   f'<header><h2><span class="badge unreadable">{_esc(word)}</span> '
                   f"<code>{_esc(problem.source.name)}</code></h2>\n"
                   f'<p class="problem"><code>{_esc(problem.location)}</code>'
                   f"{_esc(colon(self.lang))}{_esc(problem.message)}</p></header>\n"
                   "</article>\n")

    def end(self, summary: Summary) -> None:
        """The run's counts (and the per-rule table with ``--summary``); the
        page's end."""
        lang = self.lang
        first, second = summary_lines(summary, lang, self.options.verbose)
        lines = ["</main>"]
        if self.index:
            lines += ['<section class="summary" id="index">',
                      f"<h2>{_esc(say('html.index', lang))}</h2>", "<table>",
                      _rows(("#", *(_esc(say(k, lang)) for k in (
                          "html.index.report", "html.index.organ", "html.index.year",
                          "html.index.result"))), header=True),
                      *self.index, "</table>", "</section>"]
        else:  # (the link at the top leads to the summary)
            lines.append('<p id="index"></p>')
        lines += ['<section class="summary" id="summary">',
                  f"<h2>{_esc(say('html.summary', lang))}</h2>",
                  f'<p class="counts">{_esc(first)}</p>',
                  f"<p>{_esc(second)}</p>"]
        if summary.unused_waivers:
            lines.append('<ul class="plain">' + "".join(
                f'<li class="problem">{_esc(unused_notice(w).get(lang))}</li>'
                for w in summary.unused_waivers) + "</ul>")
        if self.options.summary and summary.reports:
            lines.append(f"<table><caption>{_esc(say('table.head', lang, n=summary.reports))}"
                         "</caption>")
            lines.append(_rows((_esc(say(k, lang)) for k in (
                "table.rule", "table.severity", "table.reports", "table.findings",
                "table.title")), header=True))
            for rule in summary.rules:
                lines.append(_rows((
                    f"<code>{_esc(rule.rule_id)}</code>",
                    f'<span class="severity finding-{rule.severity.value}">'
                    f"{_esc(severity_word(rule.severity, lang))}</span>",
                    str(rule.reports), str(rule.findings),
                    _esc(rule.title.get(lang) if rule.title else ""))))
            lines.append("</table>")
        lines += ["</section>",
                  f'<footer class="muted">{_esc(say("html.generator", lang, version=__version__))}'
                  "</footer>", "</body>", "</html>"]
        self.write("\n".join(lines) + "\n")
