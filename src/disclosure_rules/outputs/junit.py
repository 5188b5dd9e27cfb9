"""``--format junit``: JUnit XML, for CI test dashboards.

One ``<testsuite>`` per report, one ``<testcase>`` per rule that was
evaluated on it or reported on it. A rule with findings at or above the
``--fail-on`` severity fails (``<failure>`` carries the findings); findings
below it and waived findings go to the test case's ``<system-out>``; a rule
that could not be evaluated at all is ``<skipped>`` with its reason. An
unreadable input is a suite with one test case in ``<error>``.

The root ``<testsuites>`` carries no totals: they are known only at the
end, and the output is written as the run goes. The run's notices (a
waiver that has expired, a waiver that waived nothing) end the output as a
suite of no test cases named ``disclosure-rules``, in its ``<system-err>``.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from ..batch import Checked, Done, Summary, Unreadable, reaches
from ..findings import Finding
from . import Base, Options, Run, printable
from .text import Style, finding_lines
from .words import expired_notice, plural, say, unused_notice, waived_note

__all__ = ["Sink"]


def _text(value: str) -> str:
    return escape(printable(value))


def _attr(value: str) -> str:
    return quoteattr(printable(value))


class Sink(Base):
    """Streams JUnit XML."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        super().__init__(out, options, run)
        self.plain = Style(False)

    def begin(self) -> None:
        """The XML declaration and the root element."""
        self.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                       '<testsuites name="disclosure-rules">\n')

    def _lines(self, checked: Checked, items: list[tuple[int | None, Finding]]) -> str:
        lines: list[str] = []
        for index, finding in items:
            lines += finding_lines(checked, index, finding, self.options.lang, self.plain)
        return "\n".join(line[2:] for line in lines)

    def render(self, checked: Checked) -> str:
        """One test suite: a test case per rule."""
        result, lang, fail_on = checked.result, self.options.lang, self.options.fail_on
        by_rule: dict[str, list[tuple[int | None, Finding]]] = {}
        for index, finding in enumerate(result.findings):
            by_rule.setdefault(finding.rule_id, []).append((index, finding))
        waived: dict[str, list[tuple[Finding, str]]] = {}
        for finding, waiver in checked.waived:
            note = waived_note(waiver).get(lang)
            waived.setdefault(finding.rule_id, []).append((finding, note))
        ran = set(result.evaluated) | set(by_rule) | set(waived)
        skipped: dict[str, str] = {}
        for item in result.not_evaluated:
            if item.rule_id not in ran:
                skipped.setdefault(item.rule_id, item.reason.get(lang))
        name = checked.source.name
        cases: list[str] = []
        failures = 0
        for rule_id in sorted(ran | set(skipped)):
            case = f"    <testcase classname={_attr(name)} name={_attr(rule_id)}"
            if rule_id in skipped:
                cases.append(f"{case}>\n      <skipped message={_attr(skipped[rule_id])}/>\n"
                             f"    </testcase>")
                continue
            items = by_rule.get(rule_id, [])
            failing = [(i, f) for i, f in items if reaches(f.severity, fail_on)]
            passing = [(i, f) for i, f in items if not reaches(f.severity, fail_on)]
            body = []
            if failing:
                failures += 1
                worst = min(f.severity.rank for _, f in failing)
                kind = next(f.severity for _, f in failing if f.severity.rank == worst)
                message = say("junit.failures", lang, n=len(failing),
                              findings=plural("findings", len(failing)))
                body.append(f"      <failure type={_attr(kind.value)} message={_attr(message)}>"
                            f"{_text(self._lines(checked, failing))}</failure>")
            out = self._lines(checked, passing)
            notes = [f"{f.rule_id}  {f.label}: {note}" for f, note in waived.get(rule_id, [])]
            if notes:
                out = "\n".join([out, *notes]) if out else "\n".join(notes)
            if out:
                body.append(f"      <system-out>{_text(out)}</system-out>")
            cases.append(f"{case}>\n" + "\n".join(body) + "\n    </testcase>" if body
                         else f"{case}/>")
        properties = [("organ", result.organ or ""), ("year", str(result.year or "")),
                      ("format", result.format or ""), ("kind", checked.kind)]
        if checked.previous is not None and checked.previous.file:
            properties.append(("previous", checked.previous.file))
        props = "".join(f"\n      <property name={_attr(k)} value={_attr(v)}/>"
                        for k, v in properties)
        return (f"  <testsuite name={_attr(name)} tests=\"{len(cases)}\" "
                f"failures=\"{failures}\" errors=\"0\" skipped=\"{len(skipped)}\">\n"
                f"    <properties>{props}\n    </properties>\n"
                + "".join(c + "\n" for c in cases) + "  </testsuite>\n")

    def report(self, record: Done) -> None:
        """Write one test suite."""
        self.write(record.text)

    def unreadable(self, problem: Unreadable) -> None:
        """A suite with one test case in error."""
        word = say(problem.kind, self.options.lang)
        name = _attr(problem.source.name)
        self.write(
            f"  <testsuite name={name} tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n"
            f"    <testcase classname={name} name=\"read\">\n"
            f"      <error type={_attr(word)} message={_attr(problem.message)}>"
            f"{_text(problem.location + ': ' + problem.message)}</error>\n"
            f"    </testcase>\n  </testsuite>\n")

    def end(self, summary: Summary) -> None:
        """The run's notices, if any, and the root element's end."""
        lang = self.options.lang
        notices = [expired_notice(w).get(lang) for w in self.run.expired_waivers]
        notices += [unused_notice(w).get(lang) for w in summary.unused_waivers]
        if notices:
            self.write('  <testsuite name="disclosure-rules" tests="0" failures="0" errors="0" '
                       'skipped="0">\n'
                       f'    <system-err>{_text(chr(10).join(notices))}</system-err>\n'
                       "  </testsuite>\n")
        self.write("</testsuites>\n")
