"""Checking many reports: inputs, previous-year pairing, workers, tallies.

The command line's ``check`` is a pipeline over *sources* (a report file,
one line of a JSON Lines file, standard input, a published report to
import). :func:`collect` turns the arguments into sources in a fixed order;
:func:`pair` finds last year's report of the same organ among them;
:class:`Runner` maps :func:`run_task` over them in this process or in a pool
of workers: each is checked (:func:`check_task`) and its output rendered
where it was checked, and the main process receives, in input order as each
completes, only that text and a few counts (:class:`Done`), so that nothing
but counters (:class:`Tally`) outlives a report's output.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import re
import signal
import stat
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, TextIO, TypeVar

import yaml

from .checking import check
from .config import CONFIG_NAMES
from .errors import DisclosureRulesError, DocumentError
from .findings import Finding, Message, Result, Severity
from .formats import report_organ, report_year
from .loading import (
    MAX_DOCUMENT_BYTES,
    Report,
    decode,
    load_report,
    parse_document,
    read_file,
    read_stream,
)
from .normalize import same_organ
from .pointer import split_pointer, to_pointer
from .rulesets import RuleSet
from .waivers import Waiver, WaiverSet

__all__ = [
    "PUBLISHED_SUFFIXES",
    "REPORT_SUFFIXES",
    "Checked",
    "Done",
    "Pairing",
    "Renderer",
    "RuleCount",
    "Runner",
    "Settings",
    "Source",
    "Summary",
    "Tally",
    "Task",
    "Unreadable",
    "check_task",
    "collect",
    "fails",
    "load_previous",
    "load_source",
    "pair",
    "reaches",
    "run_task",
    "scan_item",
    "scan_source",
]

REPORT_SUFFIXES = (".json", ".yaml", ".yml")
JSONL_SUFFIX = ".jsonl"
PUBLISHED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")

T = TypeVar("T")
R = TypeVar("R")


# ------------------------------------------------------------------ records


@dataclass(frozen=True, slots=True)
class Source:
    """Where one report comes from.

    ``kind`` is ``report`` (a JSON or YAML file), ``jsonl`` (line ``line`` of
    a JSON Lines file, starting at byte ``offset``), ``stdin`` (``text``
    read from standard input) or ``published`` (a text, Markdown, HTML, PDF
    or DOCX report to import first); ``directory`` names a directory only
    in an :class:`Unreadable` (one with no report in it, or one that
    cannot be read).
    """

    path: str
    kind: str = "report"
    line: int | None = None
    offset: int = 0
    text: str | None = field(default=None, repr=False)
    #: a published report already imported (for pairing): the file its
    #: import was kept in, so that checking it does not import it again
    cache: str | None = field(default=None, repr=False, compare=False)

    @property
    def file(self) -> str:
        """The file outputs print (``<stdin>`` for standard input)."""
        return "<stdin>" if self.kind == "stdin" else self.path

    @property
    def name(self) -> str:
        """The name outputs print: the path, ``path:line`` for a JSON Lines
        report, ``<stdin>``."""
        if self.kind == "stdin":
            return "<stdin>"
        return f"{self.path}:{self.line}" if self.line is not None else self.path


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An input that could not be read as a report (or a report the checker
    failed on: ``internal``). ``line``/``column`` locate the problem in the
    input when known."""

    source: Source
    message: str
    line: int | None = None
    column: int | None = None
    internal: bool = False

    @property
    def kind(self) -> str:
        """``internal`` (the checker failed) or ``unreadable``: the word
        outputs put before the message."""
        return "internal" if self.internal else "unreadable"

    @property
    def location(self) -> str:
        """``path:line:column`` of the problem."""
        where = self.source.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"file": self.source.name, "path": self.source.path, "line": self.line,
                "column": self.column, "message": self.message,
                "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Pairing:
    """How last year's report was found: ``given`` (``--previous``),
    ``auto`` (same organ, year − 1, among the inputs), or ``ambiguous``
    (several candidates, none used). ``problem`` is set when the previous
    report could not be read (the report is then checked without it)."""

    how: str
    files: tuple[str, ...]
    problem: str | None = None

    @property
    def file(self) -> str | None:
        """The previous report used, if any."""
        return self.files[0] if self.how != "ambiguous" and self.files else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"file": self.file, "paired": self.how, "candidates": list(self.files),
                "problem": self.problem}


@dataclass(frozen=True, slots=True)
class Checked:
    """One report checked: its result (waived findings removed), the waived
    findings with their waivers, the remaining findings that only an expired
    waiver covers (by index), where each finding's cell is in the input
    (line, column) when known, the previous-year pairing, and the document
    that was checked (what ``--format html`` draws; any JSON value)."""

    source: Source
    result: Result
    kind: str
    waived: tuple[tuple[Finding, Waiver], ...] = ()
    expired: tuple[tuple[int, Waiver], ...] = ()
    positions: tuple[tuple[int, int] | None, ...] = ()
    previous: Pairing | None = None
    document: Any = field(default=None, repr=False, compare=False)
    #: the run's active waivers (by index) whose organ and year this report
    #: is of, and those that waived one of its findings
    waivers_concerned: tuple[int, ...] = ()
    waivers_used: tuple[int, ...] = ()

    def position(self, index: int) -> tuple[int, int] | None:
        """Where finding ``index`` is in the input, when known."""
        return self.positions[index] if index < len(self.positions) else None

    def expired_waiver(self, index: int) -> Waiver | None:
        """The expired waiver that would have covered finding ``index``."""
        return next((w for i, w in self.expired if i == index), None)

    def region(self, finding: Finding, index: int | None = None
               ) -> tuple[int, int | None] | None:
        """Where ``finding`` (``index`` in ``result.findings``; None for a
        waived finding) is in the input: (line, column) of its cell in JSON
        or YAML text, or (line, None) for the line of a published text it
        was read from; None when that is not known."""
        position = self.position(index) if index is not None else None
        if position is not None:
            return position
        origin = finding.source or {}
        line = origin.get("line")
        if isinstance(line, int) and not isinstance(line, bool) and "page" not in origin:
            return line, None
        return None

    def location(self, finding: Finding, index: int | None = None) -> str:
        """:meth:`region` as ``file:line:column`` (or ``file:line``), for
        editors to jump to; empty when not known."""
        region = self.region(finding, index)
        if region is None:
            return ""
        line, column = region
        return f"{self.source.file}:{line}" + (f":{column}" if column is not None else "")


class Renderer(Protocol):
    """Turns a checked report into output text (an output format's sink)."""

    def render(self, checked: Checked) -> str:
        """The output for one report."""


@dataclass(frozen=True, slots=True)
class Done:
    """A checked report as the main process receives it: its output text,
    rendered in the worker, and what the run's counters need — the rule id
    and severity of each finding, titles of rules the rule set does not
    describe (the importer's), and how many findings were waived and rules
    not evaluated. Far cheaper to send between processes than the result."""

    text: str
    findings: tuple[tuple[str, Severity], ...] = ()
    titles: tuple[tuple[str, Message], ...] = ()
    waived: int = 0
    not_evaluated: int = 0
    #: the report's name, organ and year (for an output's index of reports)
    name: str = ""
    organ: str | None = None
    year: int | None = None
    #: see :attr:`Checked.waivers_concerned`, :attr:`Checked.waivers_used`
    waivers_concerned: tuple[int, ...] = ()
    waivers_used: tuple[int, ...] = ()

    @classmethod
    def of(cls, checked: Checked, text: str, rules: RuleSet) -> Done:
        """The record of ``checked`` with its rendered ``text``."""
        result = checked.result
        findings = result.findings
        titles = {f.rule_id: f.title for f in findings if f.title is not None}
        return cls(text, tuple((f.rule_id, f.severity) for f in findings),
                   tuple((k, v) for k, v in titles.items() if rules.info(k) is None),
                   len(checked.waived), len(result.not_evaluated), checked.source.name,
                   result.organ, result.year, checked.waivers_concerned, checked.waivers_used)


@dataclass(frozen=True, slots=True)
class Task:
    """One unit of work: a source, the previous-year report found for it
    among the inputs, and how it was found (``--previous`` is not here:
    it is loaded once and travels in :class:`Settings`)."""

    source: Source
    previous: Source | None = None
    pairing: Pairing | None = None


# ------------------------------------------------------------------- inputs


def collect(paths: Sequence[str], stdin: TextIO, *, include_published: bool = False,
            exclude: Collection[Path] = ()) -> list[Source | Unreadable]:
    """The sources named by the command line's arguments, in order.

    A directory is walked recursively in name order (hidden entries and
    configuration files skipped) for ``.json .yaml .yml .jsonl`` files,
    and for published reports with ``include_published``; symbolic links
    to directories are followed, each real directory walked once (so a
    link back up the tree ends there). A ``.jsonl`` file gives one source
    per non-blank line; ``-`` is standard input. Explicitly named
    published reports are always imported. A directory or JSON Lines file
    with no report in it, and a directory that cannot be listed, is an
    :class:`Unreadable` entry.

    ``exclude`` are the resolved paths of the run's own output files: a
    directory walk passes over them (a second run into the same directory
    would otherwise read its first run's output as a report), and naming
    one as an input is an error, raised before any output file is opened
    (and so emptied).

    Raises:
        DisclosureRulesError: an input is also an output file.
    """
    out: list[Source | Unreadable] = []
    for raw in paths:
        if raw != "-" and exclude and Path(raw).resolve() in exclude:
            raise DisclosureRulesError(
                f"{raw}: 既是输入又是本次的输出文件 (is both an input and an output file of "
                "this run)")
    for raw in paths:
        if raw == "-":
            try:
                out.append(Source("-", "stdin", text=read_stream(stdin)))
            except DocumentError as exc:
                out.append(Unreadable(Source("-", "stdin"), exc.reason, exc.line, exc.column))
            continue
        path = Path(raw)
        if path.is_dir():
            found = list(_walk(path, include_published, exclude))
            if not found:
                hint = "" if include_published else (
                    "；已发布格式（.txt .md .html .pdf .docx）须加 --include-published "
                    "(published formats need --include-published)")
                out.append(Unreadable(Source(raw, "directory"), "目录中没有报告文件 "
                                      f"(no report files in this directory){hint}"))
            for file in found:
                out.extend([file] if isinstance(file, Unreadable) else _file_sources(str(file)))
        else:
            out.extend(_file_sources(raw))
    return out


def _walk(root: Path, include_published: bool, exclude: Collection[Path] = ()
          ) -> Iterator[Path | Unreadable]:
    """The report files below ``root`` in name order, and an
    :class:`Unreadable` for each directory that cannot be listed, at its
    place in that order."""
    suffixes = REPORT_SUFFIXES + (JSONL_SUFFIX,) + (PUBLISHED_SUFFIXES if include_published
                                                   else ())
    errors: list[OSError] = []
    # Real paths of the directories walked or about to be: a symbolic link
    # to one of them (or to an ancestor: a loop) is not followed again.
    seen = {os.path.realpath(root)}

    def problems() -> Iterator[Unreadable]:
        for exc in errors:
            where = os.fsdecode(exc.filename) if exc.filename is not None else str(root)
            yield Unreadable(Source(where, "directory"), "无法读取目录 (cannot read this "
                             f"directory): {exc.strerror or exc}")
        errors.clear()

    # os.walk reports a directory it cannot list to onerror, when it comes
    # to it: each error is yielded before the next directory's files.
    for directory, dirnames, filenames in os.walk(root, onerror=errors.append,
                                                  followlinks=True):
        yield from problems()
        # Pruned and sorted in place so that os.walk descends in name order
        # (the output of a batch must not depend on the file system's
        # listing order); real directories are claimed before the links
        # among them, so a link to a sibling does not take its place.
        names = sorted(d for d in dirnames if not d.startswith("."))
        links = {d for d in names if os.path.islink(os.path.join(directory, d))}
        kept = set()
        for name in [d for d in names if d not in links] + [d for d in names if d in links]:
            real = os.path.realpath(os.path.join(directory, name))
            if real not in seen:
                seen.add(real)
                kept.add(name)
        dirnames[:] = [d for d in names if d in kept]
        for name in sorted(filenames):
            if name.startswith(".") or name in CONFIG_NAMES:
                continue
            if Path(name).suffix.lower() in suffixes:
                file = Path(directory) / name
                if exclude and file.resolve() in exclude:
                    continue  # this run's own output file
                if not _regular(file):
                    # a pipe or device found in a walk: opening one may wait
                    # forever (named on the command line, it is read)
                    yield Unreadable(Source(str(file)), "不是普通文件，未读取 (not a regular "
                                     "file; not read)")
                    continue
                yield file
    yield from problems()


def _regular(path: Path) -> bool:
    """Whether ``path`` is a regular file (through symbolic links); a file
    that vanished counts as one (reading it then says so)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def _file_sources(path: str) -> list[Source | Unreadable]:
    """The sources of one file, by its suffix (every file input, and
    ``--previous``, is classified here)."""
    suffix = Path(path).suffix.lower()
    if suffix == JSONL_SUFFIX:
        return _jsonl_sources(path)
    if suffix in PUBLISHED_SUFFIXES:
        return [Source(path, "published")]
    return [Source(path, "report")]


def _jsonl_sources(path: str) -> list[Source | Unreadable]:
    """A source per non-blank line; a line longer than any report ends the
    listing with an :class:`Unreadable` (a file without line ends, such as
    ``/dev/zero``, is not read forever)."""
    sources: list[Source | Unreadable] = []
    try:
        with open(path, "rb") as handle:
            offset = 0
            number = 0
            while line := handle.readline(MAX_DOCUMENT_BYTES + 1):
                number += 1
                if len(line) > MAX_DOCUMENT_BYTES:
                    sources.append(Unreadable(
                        Source(path, "jsonl", line=number, offset=offset),
                        f"第 {number} 行超过 {MAX_DOCUMENT_BYTES // (1024 * 1024)} MiB，"
                        f"不像一份报告；其后的行未读取 (line {number} is longer than "
                        f"{MAX_DOCUMENT_BYTES} "
                        "bytes; the lines after it were not read)", number, 1))
                    return sources
                if line.strip():
                    sources.append(Source(path, "jsonl", line=number, offset=offset))
                offset += len(line)
    except OSError as exc:
        reason = "文件不存在 (no such file)" if isinstance(exc, FileNotFoundError) else \
            f"无法读取 (cannot read): {exc.strerror}"
        return [Unreadable(Source(path), reason)]
    if not sources:
        return [Unreadable(Source(path), "JSON Lines 文件中没有报告 (no report in this file)")]
    return sources


def _read_line(source: Source) -> str:
    with open(source.path, "rb") as handle:
        handle.seek(source.offset)
        raw = handle.readline(MAX_DOCUMENT_BYTES + 1)
    if len(raw) > MAX_DOCUMENT_BYTES:  # the file changed since it was listed
        raise DocumentError(f"行超过 {MAX_DOCUMENT_BYTES} 字节 (line longer than "
                            f"{MAX_DOCUMENT_BYTES} bytes)", file=source.name)
    return decode(raw, source.name)


def load_source(source: Source) -> tuple[Report, tuple[Finding, ...], str]:
    """Load one source: the report, the import findings (published reports
    only) and the input kind (``json``, ``yaml``, ``text``, ``pdf`` …).

    Raises:
        DisclosureRulesError: the source cannot be read (DocumentError,
            ImportReportError), with its file and position.
    """
    if source.kind == "stdin":
        # Parsed, never taken for a path (load_report would read a one-line
        # text naming a file as that file).
        report = parse_document(source.text or "", name=source.name)
        return report, (), report.syntax
    if source.kind == "jsonl":
        try:
            report = parse_document(_read_line(source), name=source.name, syntax="json")
        except DocumentError as exc:
            # The line's own position (line 1, column c) becomes the file's.
            raise DocumentError(exc.reason, file=source.path, line=source.line,
                                column=exc.column) from None
        return report, (), "jsonl"
    if source.kind == "published":
        if source.cache is not None:
            kept = _kept_import(source.cache)
            if kept is not None:
                return kept
        # Imported only when needed: the importer is large and optional.
        from .importer import import_report

        imported = import_report(source.path)
        report = load_report(imported.document, name=source.path)
        return report, tuple(imported.findings), imported.kind
    report = load_report(Path(source.path), name=source.path)
    return report, (), report.syntax


def _kept_import(path: str) -> tuple[Report, tuple[Finding, ...], str] | None:
    """An import kept by :func:`scan_item` (None when it is not there)."""
    try:
        with open(path, "rb") as handle:
            # a file this run wrote in its own private folder
            kept: tuple[Report, tuple[Finding, ...], str] = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError):
        return None
    return kept


def load_previous(path: str) -> tuple[Source, Report]:
    """The ``--previous`` report: classified as any input file is (a
    ``.jsonl`` file must hold exactly one report), loaded, and refused
    unless it is a report object.

    Raises:
        DisclosureRulesError: it cannot be read, or is not one report
            object (DocumentError with the file and position).
    """
    if path == "-":
        raise DisclosureRulesError("--previous: 上一年度报告须是文件，不能是标准输入 (the "
                                   "previous year's report must be a file, not standard input)")
    if Path(path).is_dir():
        raise DocumentError("--previous 须是一份报告，不能是目录 (--previous takes one report, "
                            "not a directory)", file=path)
    found = _file_sources(path)
    for item in found:
        if isinstance(item, Unreadable):
            raise DocumentError(item.message, file=item.source.file, line=item.line,
                                column=item.column)
    if len(found) != 1:
        raise DocumentError(f"JSON Lines 文件中有 {len(found)} 份报告，--previous 只能是一份 "
                            f"(this file holds {len(found)} reports; --previous takes exactly "
                            "one)", file=path)
    source = found[0]
    assert isinstance(source, Source)
    report = load_source(source)[0]
    if not isinstance(report.data, Mapping):
        raise DocumentError("上一年度报告不是报告对象 (the previous year's report is not a "
                            "report object)", file=source.name)
    # Its text is not needed (no position in it is ever shown), and the
    # report travels to every worker.
    return source, replace(report, text=None)


# ------------------------------------------------------------------ pairing


def scan_source(source: Source) -> tuple[str, int] | None:
    """(organ name, year) of a report, read cheaply for pairing; None when
    unknown or unreadable (the check itself will say why)."""
    if source.kind not in ("report", "jsonl"):
        return None
    try:
        if source.kind == "jsonl":
            data = json.loads(_read_line(source))
        else:
            raw = read_file(Path(source.path), source.name, DocumentError)
            quick = _quick_key(raw)
            if quick is not None:
                return quick
            text = raw.decode("utf-8-sig")
            if text.lstrip()[:1] in ("{", "[") or source.path.lower().endswith(".json"):
                data = json.loads(text)
            else:
                data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, ValueError, yaml.YAMLError, RecursionError, DisclosureRulesError):
        return None  # the check itself says what is wrong with it
    return _key(data)


def scan_item(item: tuple[Source, str | None]) -> tuple[str, int] | None:
    """:func:`scan_source`, and for a published report (with the file to
    keep its import in) the organ and year of its import: the check then
    takes the import from that file instead of importing it again."""
    source, keep = item
    if source.kind != "published":
        return scan_source(source)
    try:
        loaded = load_source(source)
    except Exception:  # the check imports it again and says what is wrong
        return None
    if keep is not None:
        try:
            with open(keep, "wb") as handle:
                pickle.dump(loaded, handle, protocol=pickle.HIGHEST_PROTOCOL)
        except (OSError, pickle.PicklingError):
            pass  # then it is imported again when checked
    return _key(loaded[0].data)


def _key(data: Any) -> tuple[str, int] | None:
    """(organ name, year) of a report's data, when both are there."""
    if not isinstance(data, dict):
        return None
    name, number = report_organ(data), report_year(data.get("year"))
    if name is None or number is None:
        return None
    return name.strip(), number


_YEAR = re.compile(rb'(?<!\\)"year"\s*:\s*(-?[0-9]+)\s*[,}]')
_ORGAN_NAME = re.compile(rb'(?<!\\)"organ"\s*:\s*\{[^{}]*?(?<!\\)"name"\s*:\s*("(?:[^"\\]|\\.)*")')


def _quick_key(raw: bytes) -> tuple[str, int] | None:
    """(organ name, year) read from JSON text without parsing it all, when
    that is unambiguous: ``"year"`` and ``"organ"`` each occur once and
    look as the contract has them. None means "parse to know" (never a
    guess): pairing must not go wrong because of a clever shortcut."""
    if raw.count(b'"year"') != 1 or raw.count(b'"organ"') != 1 or raw.count(b'"name"') != 1:
        return None
    year = _YEAR.search(raw)
    organ = _ORGAN_NAME.search(raw)
    if year is None or organ is None:
        return None
    try:
        name = json.loads(organ.group(1))
    except ValueError:
        return None
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip(), int(year.group(1))


def pair(sources: Sequence[Source], keys: Sequence[tuple[str, int] | None]
         ) -> dict[int, tuple[Source | None, Pairing]]:
    """For each source whose organ has a report of the year before among
    ``sources``, that report (by index into ``sources``).

    ``keys[i]`` is (organ name, year) of ``sources[i]``; names are compared
    as :func:`same_organ` has them. With several candidates, one in the same
    directory (or JSON Lines file) wins; if that does not decide, none is
    used and the pairing says ``ambiguous``.
    """
    keys = [(same_organ(key[0]), key[1]) if key is not None else None for key in keys]
    index: dict[tuple[str, int], list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            index.setdefault(key, []).append(i)
    pairs: dict[int, tuple[Source | None, Pairing]] = {}
    # Candidates by home, made only for keys with several: comparing every
    # candidate with every report is quadratic in a batch of many reports
    # of one organ and year.
    near: dict[tuple[str, int], dict[str, list[int]]] = {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        wanted = (key[0], key[1] - 1)
        candidates = index.get(wanted, [])
        if len(candidates) > 1:
            by_home = near.get(wanted)
            if by_home is None:
                by_home = near[wanted] = {}
                for c in candidates:
                    by_home.setdefault(_home(sources[c]), []).append(c)
            same = by_home.get(_home(sources[i]), [])
            candidates = same if len(same) == 1 else candidates
        if len(candidates) == 1:
            chosen = sources[candidates[0]]
            pairs[i] = (chosen, Pairing("auto", (chosen.name,)))
        elif candidates:
            pairs[i] = (None, Pairing("ambiguous", tuple(sources[c].name for c in candidates)))
    return pairs


def _home(source: Source) -> str:
    return source.path if source.kind == "jsonl" else str(Path(source.path).parent)


# ------------------------------------------------------------------- worker


@dataclass(frozen=True, slots=True)
class Settings:
    """What every worker needs, sent once (the pool initializer): the
    configured rule set, the waivers judged on the day of the run, the
    renderer of the output format (so that workers, not the main process,
    turn each checked report into output text), the ``--previous`` report
    (loaded once, in the main process), and ``quiet``: a report without
    findings (nor waived ones) is rendered as nothing."""

    rules: RuleSet
    waivers: WaiverSet = field(default_factory=WaiverSet)
    renderer: Renderer | None = None
    previous: Report | None = None
    quiet: bool = False


_settings: Settings | None = None


def _init(settings: Settings, worker: bool = False) -> None:
    global _settings  # noqa: PLW0603 - per-process worker state, set once
    _settings = settings
    if worker:
        # Ctrl-C is the main process's to handle (it stops the pool); a
        # traceback from every worker would bury its message.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _internal(source: Source, exc: Exception) -> Unreadable:
    """A report the checker (or its output) failed on: listed, not fatal.
    The outputs say "internal error" before the message."""
    return Unreadable(source, f"请报告此问题 (please report it): {type(exc).__name__}: {exc}",
                      internal=True)


def check_task(task: Task | Unreadable) -> Checked | Unreadable:
    """Check one source (in a worker or in this process); an input already
    known to be unreadable passes through unchanged."""
    if isinstance(task, Unreadable):
        return task
    assert _settings is not None, "Runner sets the worker's settings"
    source = replace(task.source, text=None)
    try:
        return _check(task, source, _settings)
    except DocumentError as exc:
        return Unreadable(source, exc.reason, exc.line, exc.column)
    except DisclosureRulesError as exc:
        return Unreadable(source, getattr(exc, "reason", str(exc)))
    except Exception as exc:  # one report must not end a batch of thousands
        return _internal(source, exc)


def _own_output(data: Any) -> tuple[str, str] | None:
    """(zh, en) names of this tool's own output when ``data`` is one (a
    ``--format json`` or ``sarif`` file written into a checked directory),
    else None."""
    if not isinstance(data, dict):
        return None
    tool = data.get("tool")
    if isinstance(tool, dict) and tool.get("name") == "disclosure-rules" and "reports" in data:
        return "检查结果（--format json）", "check output (--format json)"
    runs = data.get("runs")
    if isinstance(runs, list) and runs and isinstance(runs[0], dict):
        tool = runs[0].get("tool")
        driver = tool.get("driver") if isinstance(tool, dict) else None
        if isinstance(driver, dict) and driver.get("name") == "disclosure-rules":
            return "检查结果（--format sarif）", "check output (--format sarif)"
    return None


def _check(task: Task, source: Source, settings: Settings) -> Checked:
    pairing = task.pairing
    report, imported, kind = load_source(task.source)
    own = _own_output(report.data)
    if own is not None:
        # 15 schema errors would say the report is broken; it is no report
        raise DocumentError(f"这是本工具的{own[0]}，不是年度报告；请把输出写到所检查的目录之外 "
                            f"(this is disclosure-rules' {own[1]}, not an annual report; "
                            "write outputs outside the directory checked)", file=source.path)
    previous = settings.previous
    if task.previous is not None:
        try:
            previous = load_source(task.previous)[0]
        except DisclosureRulesError as exc:
            # Checked without it; the pairing says why.
            previous = None
            if pairing is not None:
                pairing = replace(pairing, problem=str(exc))
    result = check(report, settings.rules, previous, extra_findings=imported)
    applied = settings.waivers.apply(result)
    result = applied.result
    positions = tuple(_position(report, task.source, f.pointer) for f in result.findings) \
        if result.findings and report.text is not None else ()
    active = settings.waivers.active
    concerned = tuple(i for i, w in enumerate(active) if w.concerns(result.organ, result.year))
    used = tuple(sorted({active.index(w) for _, w in applied.waived}))
    return Checked(source, result, kind, applied.waived, applied.expired, positions, pairing,
                   report.data, concerned, used)


def run_task(task: Task | Unreadable) -> Done | Unreadable:
    """Check one source and render its output with the worker's renderer
    (nothing for a report without findings with ``quiet``). A report the
    renderer fails on is an internal error of that report alone."""
    record = check_task(task)
    if isinstance(record, Unreadable):
        return record
    assert _settings is not None, "Runner sets the worker's settings"
    renderer = _settings.renderer
    try:
        if renderer is None or (_settings.quiet and not record.result.findings
                                and not record.waived):
            text = ""
        else:
            text = renderer.render(record)
        return Done.of(record, text, _settings.rules)
    except Exception as exc:  # one report must not end a batch of thousands
        return _internal(record.source, exc)


def _position(report: Report, source: Source, pointer: str) -> tuple[int, int] | None:
    """(line, column) of the pointer's value in the input, or of its nearest
    present ancestor (a missing section points at the object that lacks it)."""
    parts = list(split_pointer(pointer))
    while True:
        found = report.position(to_pointer(parts))
        if found is not None:
            if source.kind == "jsonl" and source.line is not None:
                return source.line, found[1]
            return found
        if not parts:
            return None
        parts.pop()


# ------------------------------------------------------------------- runner


def _run_chunk(function: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [function(item) for item in chunk]


class Runner:
    """Runs a function over items in this process (``jobs`` = 1) or in a
    pool of ``jobs`` worker processes, yielding results in input order.

    Work goes out in chunks with a bounded number in flight, so that a slow
    consumer never lets results pile up in memory. Use as a context manager.
    """

    def __init__(self, settings: Settings, jobs: int = 1) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        if self.jobs == 1:
            _init(settings)
        else:
            # The rule set travels once per worker, through the initializer
            # (it pickles as its IR and recompiles in the worker). An
            # executor, not multiprocessing.Pool: when a worker dies (the
            # OOM killer, a crashing PDF library) a Pool loses its task and
            # the run waits forever; the executor says so.
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context(),
                                             initializer=_init, initargs=(settings, True))

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
        """``function(item)`` for each item, in order."""
        if self._pool is None:
            for item in items:
                yield function(item)
            return
        # Chunks big enough to amortise the round trip, small enough that
        # every worker gets several; a bounded number in flight.
        size = max(1, min(16, len(items) // (self.jobs * 8)))
        chunks = (items[i:i + size] for i in range(0, len(items), size))
        pool = self._pool
        pending = deque(pool.submit(_run_chunk, function, chunk)
                        for chunk in islice(chunks, self.jobs * 4))
        while pending:
            try:
                done = pending.popleft().result()
            except BrokenProcessPool:
                raise DisclosureRulesError(
                    "一个工作进程意外退出（内存不足？），检查中止；"
                    "用 --jobs 1 重试可找出是哪份报告 "
                    "(a worker process died, out of memory perhaps; the run stopped. Retry with "
                    "--jobs 1 to find the report)") from None
            following = next(chunks, None)
            if following is not None:
                pending.append(pool.submit(_run_chunk, function, following))
            yield from done

    def close(self) -> None:
        """Stop the workers (at once: work in flight is abandoned)."""
        if self._pool is not None:
            processes = list(getattr(self._pool, "_processes", {}).values())
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            self._pool = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


# ------------------------------------------------------------------ tallies


@dataclass(frozen=True, slots=True)
class RuleCount:
    """How many reports broke one rule, and with how many findings."""

    rule_id: str
    severity: Severity
    reports: int
    findings: int
    title: Message | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"rule_id": self.rule_id, "severity": self.severity.value,
                "title": self.title.to_dict() if self.title else None,
                "reports": self.reports, "findings": self.findings}


@dataclass(frozen=True, slots=True)
class Summary:
    """The run in numbers (what the last lines of every output say)."""

    reports: int
    failed: int
    with_errors: int
    with_findings: int
    unreadable: int
    findings: dict[str, int]
    waived: int
    not_evaluated: int
    rules: tuple[RuleCount, ...]
    fail_on: Severity
    exit_code: int
    #: active waivers of rules the run ran that concern a report checked
    #: (its organ and year) and waived nothing: perhaps no longer needed
    unused_waivers: tuple[Waiver, ...] = ()

    @property
    def clean(self) -> int:
        """Reports with no finding at all."""
        return self.reports - self.with_findings

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "reports": self.reports,
            "failed": self.failed,
            "with_errors": self.with_errors,
            "with_findings": self.with_findings,
            "clean": self.clean,
            "unreadable": self.unreadable,
            "findings": dict(self.findings),
            "waived": self.waived,
            "not_evaluated": self.not_evaluated,
            "fail_on": self.fail_on.value,
            "exit_code": self.exit_code,
            "rules": [r.to_dict() for r in self.rules],
            "unused_waivers": [w.to_dict() for w in self.unused_waivers],
        }


def reaches(severity: Severity, fail_on: Severity = Severity.ERROR) -> bool:
    """Whether a finding of ``severity`` fails a report: it is ``fail_on``
    (``--fail-on``) or worse. The one test of the threshold."""
    return severity.rank <= fail_on.rank


def fails(result: Result, fail_on: Severity = Severity.ERROR) -> bool:
    """Whether a result counts against the exit code: a finding of
    ``fail_on`` or worse (``--fail-on``)."""
    return any(reaches(f.severity, fail_on) for f in result.findings)


class Tally:
    """Counters over a run: all that is kept of the reports once their
    output is written."""

    def __init__(self, rules: RuleSet, fail_on: Severity = Severity.ERROR,
                 waivers: Sequence[Waiver] = ()) -> None:
        self.rules = rules
        self.fail_on = fail_on
        #: the run's active waivers (what records' waiver indices refer to)
        self.waivers = tuple(waivers)
        self._concerned: set[int] = set()
        self._used: set[int] = set()
        self.reports = self.failed = self.with_errors = self.with_findings = 0
        self.unreadable = self.waived = self.not_evaluated = 0
        self.findings = {s.value: 0 for s in Severity}
        self._rule_reports: dict[str, int] = {}
        self._rule_findings: dict[str, int] = {}
        self._rule_severity: dict[str, Severity] = {}
        self._rule_title: dict[str, Message] = {}

    def add(self, record: Done | Unreadable) -> None:
        """Count one record."""
        if isinstance(record, Unreadable):
            self.unreadable += 1
            return
        self.reports += 1
        self.failed += any(reaches(s, self.fail_on) for _, s in record.findings)
        self.with_errors += any(s is Severity.ERROR for _, s in record.findings)
        self.with_findings += bool(record.findings)
        self.waived += record.waived
        self.not_evaluated += record.not_evaluated
        self._concerned.update(record.waivers_concerned)
        self._used.update(record.waivers_used)
        seen: set[str] = set()
        for rule_id, severity in record.findings:
            self.findings[severity.value] += 1
            self._rule_findings[rule_id] = self._rule_findings.get(rule_id, 0) + 1
            if rule_id not in seen:
                seen.add(rule_id)
                self._rule_reports[rule_id] = self._rule_reports.get(rule_id, 0) + 1
            known = self._rule_severity.get(rule_id)
            if known is None or severity.rank < known.rank:
                self._rule_severity[rule_id] = severity
        for rule_id, title in record.titles:
            self._rule_title.setdefault(rule_id, title)

    @property
    def exit_code(self) -> int:
        """2 when an input could not be read, else 1 when a report fails,
        else 0."""
        if self.unreadable:
            return 2
        return 1 if self.failed else 0

    def summary(self) -> Summary:
        """The counters as a :class:`Summary`."""
        rules = []
        for rule_id, reports in self._rule_reports.items():
            info = self.rules.info(rule_id)
            title = info.title if info is not None else self._rule_title.get(rule_id)
            rules.append(RuleCount(rule_id, self._rule_severity[rule_id], reports,
                                   self._rule_findings[rule_id], title))
        rules.sort(key=lambda r: (-r.reports, r.severity.rank, r.rule_id))
        # A waiver of a rule --select/--ignore/disable turned off waives
        # nothing by design: it is not reported.
        unused = tuple(w for i, w in enumerate(self.waivers)
                       if i in self._concerned and i not in self._used
                       and self.rules.active(w.rule.rstrip("*")))
        return Summary(self.reports, self.failed, self.with_errors, self.with_findings,
                       self.unreadable, dict(self.findings), self.waived, self.not_evaluated,
                       tuple(rules), self.fail_on, self.exit_code, unused)

