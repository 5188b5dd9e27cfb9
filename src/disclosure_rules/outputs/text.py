"""The human output of ``check`` (the default): grouped per report, Chinese
first (``--lang en`` for English words around the official Chinese labels).

For each report: a heading (file, organ, year, format), the previous-year
pairing, every finding (severity, rule id, label path, message, where the
cell is in the input, the legal source, the import provenance), the
diagnoses, the waived findings, and a one-line count; after all reports,
the run's counts and, with ``--summary``, how many reports broke each rule.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TextIO

from ..batch import Checked, Done, Summary, Unreadable
from ..findings import Finding, Severity
from . import Base, Options, Run
from .words import (
    at,
    colon,
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

__all__ = ["Sink", "Style", "display_width", "finding_lines", "summary_table"]

_COLOURS = {Severity.ERROR: "1;31", Severity.WARNING: "33", Severity.INFO: "36"}


# Style marks where its colours go with two lone surrogates, which no
# loaded report holds (loading refuses them) and no file name decoded with
# surrogateescape either (that uses U+DC80–U+DCFF): only once every control
# character of a line is written as an escape do the marks become the codes.
_OPEN, _CLOSE = "\ud800", "\ud801"
_MARK = re.compile(f"{_OPEN}([0-9;]*){_CLOSE}")


class Style:
    """ANSI colours, or none (not a terminal, ``NO_COLOR``, ``--color never``).

    Painted text holds marks, not escape codes: it goes out through
    ``_one_line``, which escapes a report's own control characters and then
    turns the marks into colours."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def paint(self, text: str, code: str) -> str:
        """``text`` in the colour ``code`` (an SGR parameter string)."""
        if not (self.enabled and text):
            return text
        return f"{_OPEN}{code}{_CLOSE}{text}{_OPEN}0{_CLOSE}"

    def bold(self, text: str) -> str:
        """Bold text."""
        return self.paint(text, "1")

    def dim(self, text: str) -> str:
        """Faint text (for what supports the message: positions, sources)."""
        return self.paint(text, "2")

    def severity(self, severity: Severity, word: str) -> str:
        """``word`` in the colour of ``severity``."""
        return self.paint(word, _COLOURS[severity])


# C0 and C1 control characters and DEL. A report's text (a PDF's, or one
# made to) can hold escapes that clear the screen or move the cursor, and a
# newline or carriage return that breaks a finding's line or overwrites it.
_CONTROLS = "[\x00-\x1f\x7f-\x9f]"
_CONTROL = re.compile(_CONTROLS)
_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    return _SHOWN.get(char) or f"\\x{ord(char):02x}"


def _one_line(text: str, style: Style) -> str:
    """``text`` as one line of a terminal or file: every control
    character written as an escape (``\\x1b``, ``\\n``); then the colour
    marks of ``style`` become its codes (a report's own escape codes, colour
    or not, are shown, never sent)."""
    text = _CONTROL.sub(_shown, text)
    return _MARK.sub(r"\033[\1m", text) if style.enabled else text


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def summary_table(summary: Summary, lang: str) -> list[str]:
    """The per-rule table: rule, severity, reports broken, findings, title."""
    head = [say("table.rule", lang), say("table.severity", lang), say("table.reports", lang),
            say("table.findings", lang), say("table.title", lang)]
    rows = [[r.rule_id, severity_word(r.severity, lang), str(r.reports), str(r.findings),
             r.title.get(lang) if r.title else ""] for r in summary.rules]
    widths = [max(display_width(row[i]) for row in [head, *rows]) for i in range(4)]
    lines = [say("table.head", lang, n=summary.reports)]
    for row in [head, *rows]:
        cells = [_pad(row[0], widths[0]), _pad(row[1], widths[1]),
                 _pad(row[2], widths[2], right=True), _pad(row[3], widths[3], right=True), row[4]]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def finding_lines(checked: Checked, index: int | None, finding: Finding, lang: str,
                  style: Style) -> list[str]:
    """A finding as the text output prints it (indented two spaces):
    severity, rule id, label path; the message; where the cell is (input
    position and pointer); the legal source; the import provenance; an
    expired waiver that no longer covers it. ``index`` is the finding's
    place in ``checked.result.findings`` (None for a waived finding)."""
    sev = style.severity(finding.severity, severity_word(finding.severity, lang))
    lines = [f"  {sev} {style.bold(finding.rule_id)}  {finding.label}",
             f"    {finding.message.get(lang)}"]
    where = at(checked, finding, index)
    if where:
        lines.append(style.dim(f"    {say('at', lang)}{colon(lang)}{where}"))
    if finding.cite:
        lines.append(style.dim(f"    {say('cite', lang)}{colon(lang)}{finding.cite}"))
    origin = provenance(finding.source, lang)
    if origin:
        lines.append(style.dim(f"    {say('origin', lang)}{colon(lang)}{origin}"))
    waiver = checked.expired_waiver(index) if index is not None else None
    if waiver is not None:
        lines.append(style.paint("    " + expired_note(waiver).get(lang), "33"))
    return lines


class Sink(Base):
    """The human output, written as each report completes."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        super().__init__(out, options, run)
        self.lang = options.lang
        self.style = Style(options.color)

    def _lines(self, lines: list[str]) -> str:
        return "\n".join(_one_line(line, self.style) for line in lines)

    def _write(self, lines: list[str]) -> None:
        self.write(self._lines(lines) + "\n")

    def begin(self) -> None:
        """Notices before the reports: waivers that have expired."""
        lines = [self.style.paint(expired_notice(w).get(self.lang), "33")
                 for w in self.run.expired_waivers]
        if lines:
            self._write([*lines, ""])

    def _heading(self, checked: Checked) -> str:
        facts = heading(checked, self.lang)
        return self.style.bold(checked.source.name) + (f" — {facts}" if facts else "")

    def render(self, checked: Checked) -> str:
        """One report: heading, pairing, findings, diagnoses, waived, count."""
        result, lang = checked.result, self.lang
        ends = colon(lang).rstrip()  # after a heading of an indented list
        lines = [self._heading(checked),
                 *("  " + line for line in pairing_lines(checked.previous, lang))]
        for index, finding in enumerate(result.findings):
            lines += finding_lines(checked, index, finding, lang, self.style)
        lines += [f"  {say('diagnosis', lang)}{colon(lang)}{d.message.get(lang)}"
                  for d in result.diagnoses]
        if checked.waived:
            lines.append(f"  {say('waived', lang, n=len(checked.waived))}{ends}")
            for finding, waiver in checked.waived:
                lines.append(f"    {finding.rule_id}  {finding.label}")
                lines.append(self.style.dim("      " + waived_note(waiver).get(lang)))
        not_evaluated = result.not_evaluated
        if self.options.verbose and not_evaluated:
            lines.append(f"  {say('not_evaluated', lang, n=len(not_evaluated))}{ends}")
            for item in not_evaluated:
                label = f"  {item.label}" if item.label else ""
                lines.append(self.style.dim(f"    {item.rule_id}{label}{colon(lang)}"
                                            f"{item.reason.get(lang)}"))
        lines.append("  " + report_tally(checked, lang, self.options.verbose))
        return self._lines(lines) + "\n\n"

    def report(self, record: Done) -> None:
        """Write one rendered report."""
        if record.text:
            self.write(record.text)

    def unreadable(self, problem: Unreadable) -> None:
        """An input that could not be read, at its place in the order."""
        word = say(problem.kind, self.lang)
        mark = colon(self.lang)
        self._write([f"{self.style.bold(problem.location)}{mark}"
                     f"{self.style.severity(Severity.ERROR, word)}{mark}{problem.message}", ""])

    def end(self, summary: Summary) -> None:
        """The run's counts (and the per-rule table with ``--summary``)."""
        lang = self.lang
        first, second = summary_lines(summary, lang, self.options.verbose)
        lines = [self.style.bold(first), second]
        if self.options.summary and summary.reports:
            lines += ["", *summary_table(summary, lang)]
        lines += [self.style.paint(unused_notice(w).get(lang), "33")
                  for w in summary.unused_waivers]
        self._write(lines)
