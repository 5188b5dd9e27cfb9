"""Outputs of ``disclosure-rules check``, one module per format.

Every format is a *sink* made for one run (``Sink(out, options, run)``)
that writes as the run goes: ``begin`` once, then for each input in input
order ``report`` (the text that ``render`` made of one checked report) or
``unreadable``, and ``end`` with the summary. ``render`` depends on the
sink's options and run only, never on what was written before, so that it
can run in worker processes: the main process receives text and counters,
and a batch of thousands of reports never sits in memory. A format module
``outputs/NAME.py`` defines ``Sink``; :func:`formats` lists those present
(``html`` is offered when its module is installed).
"""

from __future__ import annotations

import csv
import importlib
import re
from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, Protocol, TextIO

from ..batch import Checked, Done, Summary, Unreadable, fails
from ..findings import Message, Severity, json_value
from ..rulesets import RuleSet
from ..waivers import Waiver

__all__ = [
    "HUMAN_FORMATS",
    "Base",
    "Options",
    "RuleMeta",
    "Run",
    "Sink",
    "formats",
    "json_default",
    "make_sink",
    "printable",
    "report_dict",
    "rule_metadata",
    "write_summary_csv",
]

_BUILTIN = ("text", "json", "sarif", "junit")

HUMAN_FORMATS = frozenset({"text", "html"})
"""The formats written for people: ``--quiet`` leaves out the reports
without findings in these only. The others are read by tools, which count
and compare every report: they always list them all."""

# Characters XML 1.0 and HTML cannot carry (text from PDFs has form feeds
# and worse; a lone surrogate cannot even be written as UTF-8).
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Options:
    """How to write: language of the words around findings, the severity
    that fails a report (``--fail-on``), ``verbose`` (list not-evaluated
    rules), ``color`` (ANSI colours), ``summary`` (end with the per-rule
    table). (``--quiet`` is not a sink's to decide: the batch renders a
    report left out as nothing, see :data:`HUMAN_FORMATS`.)"""

    lang: str = "zh"
    fail_on: Severity = Severity.ERROR
    verbose: bool = False
    color: bool = False
    summary: bool = False


@dataclass(frozen=True, slots=True)
class Run:
    """What a sink knows before the first report: the rule set, the
    configuration file, waivers that have expired, and whether any input
    is a published report (whose import rules SARIF then describes)."""

    rules: RuleSet
    config: str | None = None
    expired_waivers: tuple[Waiver, ...] = ()
    published: bool = False


class Sink(Protocol):
    """An output format. ``out`` is None for a sink that only renders (in a
    worker process)."""

    def begin(self) -> None:
        """Before the first report."""

    def render(self, checked: Checked) -> str:
        """The output of one checked report (may run in a worker)."""

    def report(self, record: Done) -> None:
        """Write what :meth:`render` made of one report (``record.text``, in
        input order)."""

    def unreadable(self, problem: Unreadable) -> None:
        """One input that could not be read (in input order)."""

    def end(self, summary: Summary) -> None:
        """After the last report."""


class Base:
    """What every sink keeps: where it writes, its options, its run."""

    def __init__(self, out: TextIO | None, options: Options, run: Run) -> None:
        self.out = out
        self.options = options
        self.run = run

    def write(self, text: str) -> None:
        """Write ``text`` to the output."""
        assert self.out is not None, "a render-only sink does not write"
        self.out.write(text)


def printable(text: str) -> str:
    """``text`` with the characters XML and HTML cannot carry replaced by
    U+FFFD (before escaping it)."""
    return _UNPRINTABLE.sub("\ufffd", text)


def json_default(value: Any) -> Any:
    """``default`` for :func:`json.dumps` of findings: exact decimals as
    numbers (or text, never rounded), dates in ISO form."""
    converted = json_value(value)
    if converted is value:
        raise TypeError(f"not JSON serialisable: {type(value).__name__}")
    return converted


def formats() -> tuple[str, ...]:
    """The output formats available."""
    extra = ("html",) if find_spec(f"{__name__}.html") is not None else ()
    return _BUILTIN + extra


def make_sink(name: str, out: TextIO | None, options: Options, run: Run) -> Sink:
    """The sink of format ``name`` for ``run``, writing to ``out`` (None:
    render only)."""
    module = importlib.import_module(f"{__name__}.{name}")
    sink: Sink = module.Sink(out, options, run)
    return sink


def report_dict(checked: Checked, fail_on: Severity = Severity.ERROR) -> dict[str, Any]:
    """The JSON form of one checked report (``reports[]`` of ``--format
    json``): the result's own form, plus where the report came from, the
    position of each finding's cell in the input, the expired waiver that
    no longer covers a finding, the waived findings and the pairing."""
    result = checked.result
    data = result.to_dict()
    for index, finding in enumerate(data["findings"]):
        position = checked.position(index)
        if position is not None:
            finding["location"] = {"line": position[0], "column": position[1]}
        waiver = checked.expired_waiver(index)
        if waiver is not None:
            finding["expired_waiver"] = waiver.to_dict()
    source = checked.source
    return {
        "file": source.name,
        "path": source.path,
        "line": source.line,
        "kind": checked.kind,
        "organ": data["organ"],
        "year": data["year"],
        "format": data["format"],
        "ok": data["ok"],
        "fail": fails(result, fail_on),
        "counts": data["counts"],
        "findings": data["findings"],
        "diagnoses": data["diagnoses"],
        "waived": [{**f.to_dict(), "waiver": w.to_dict()} for f, w in checked.waived],
        "evaluated": data["evaluated"],
        "passed": data["passed"],
        "not_evaluated": data["not_evaluated"],
        "previous": checked.previous.to_dict() if checked.previous else None,
        "pack": data["pack"],
    }


@dataclass(frozen=True, slots=True)
class RuleMeta:
    """What an output says about a rule it reports on (SARIF ``rules``)."""

    rule_id: str
    title: Message
    severity: Severity
    cite: str
    description: Message | None
    pack: str


def rule_metadata(run: Run) -> list[RuleMeta]:
    """Every rule the run may report: the active rules, and the importer's
    rules when a published report is among the inputs."""
    rules = [RuleMeta(i.rule_id, i.title, run.rules.severity_of(i.rule_id) or i.severity,
                      i.cite, i.description, i.pack) for i in run.rules.rules]
    if run.published:
        # Imported only when needed: the importer is large and optional.
        from ..importer.notes import TITLES

        rules += [RuleMeta(rule_id, title, run.rules.severity_of(rule_id) or severity, "", None,
                           "importer")
                  for rule_id, (severity, title) in sorted(TITLES.items())
                  if run.rules.active(rule_id)]
    return rules


def write_summary_csv(summary: Summary, handle: TextIO) -> None:
    """The per-rule table of ``--summary`` as CSV: rule id, severity, title
    (zh, en), reports that broke the rule, their share of the reports
    checked, findings. ``handle`` is opened by the caller before the run
    (with ``newline=""``, and ``encoding="utf-8-sig"``: spreadsheet
    programs read the Chinese titles right only when the file starts with
    a byte-order mark)."""
    writer = csv.writer(handle)
    writer.writerow(["rule_id", "severity", "title_zh", "title_en", "reports", "share",
                     "findings"])
    for rule in summary.rules:
        share = rule.reports / summary.reports if summary.reports else 0.0
        writer.writerow([rule.rule_id, rule.severity.value,
                         _cell_text(rule.title.zh if rule.title else ""),
                         _cell_text(rule.title.en if rule.title else ""),
                         rule.reports, f"{share:.4f}", rule.findings])


def _cell_text(text: str) -> str:
    """Text for a spreadsheet cell: a title from a rule pack that starts
    like a formula ("=HYPERLINK(…)") is kept as text (a leading ')."""
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text
