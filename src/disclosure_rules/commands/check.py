"""``disclosure-rules check FILE|DIR|- …``: check reports and print findings.

What a preparer runs before publishing and an auditor over thousands of
reports. Inputs are report files (JSON, YAML), directories, JSON Lines files
and standard input; published reports are imported first. The output is
human text (default), JSON, SARIF or JUnit, written as each report
completes; the exit code says whether anything at ``--fail-on`` or worse
was found (see :data:`CHECK_EPILOG`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from ..batch import (
    PUBLISHED_SUFFIXES,
    Pairing,
    Runner,
    Settings,
    Source,
    Summary,
    Tally,
    Task,
    Unreadable,
    collect,
    load_previous,
    pair,
    run_task,
    scan_item,
)
from ..config import Config, find_config, load_config
from ..errors import DisclosureRulesError
from ..findings import Severity
from ..loading import Report
from ..messages import BUILTIN_RULES
from ..outputs import HUMAN_FORMATS, Options, Run, Sink, formats, make_sink, write_summary_csv
from ..outputs.progress import Progress
from ..rulesets import RuleSet, load_rules, official_rules_path, rule_id_matches
from ..waivers import WaiverSet, today
from . import IO, cannot_write, file_name

__all__ = ["CHECK_EPILOG", "add_parser", "run"]

EXIT_USAGE = 2
MANY_INPUTS = 64
"""From this many inputs on, ``--jobs`` defaults to every core."""

CHECK_EPILOG = """\
  --fail-on warning 时警告也算作失败（退出码 1），--fail-on info 时提示也算；
  已豁免的问题不计入退出码。批量检查时无法读取的文件会列在输出中，其余文件照常检查，
  退出码为 2。
  (--fail-on warning makes warnings count for exit code 1, --fail-on info also
  infos; waived findings never count. In a batch, an unreadable file is listed
  in the output, every other file is still checked, and the exit code is 2.)

配置文件 configuration (disclosure-rules.yaml in the working directory, or --config):
  rules: [rules/local]            额外规则包 extra rule packs (relative to the file)
  disable: [PUB-DEADLINE, TXT-]   停用的规则或前缀 rules or prefixes not to run
  severity: {SEC-TITLE: info}     调整严重程度 severity overrides
  waivers:                        豁免 waivers (rule, reason, approved_by, expires
    - rule: VAL-BLANK               required; organ, year, pointer narrow the scope)
      organ: 某某区人民政府
      year: 2023
      pointer: /applications/results/unavailable
      reason: 原件如此，已核实
      approved_by: 王审计
      expires: 2026-06-30
"""


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是整数 (not an integer): {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"不能为负数 (must not be negative): {value}")
    return value


def add_parser(sub: Any) -> None:
    """Declare ``check`` and its options."""
    # Here, not at the top: cli imports this module while it loads.
    from ..cli import EPILOG

    parser = sub.add_parser(
        "check", help="检查报告 check reports",
        description="检查政府信息公开工作年度报告 (check annual reports): report files "
                    "(JSON/YAML), directories, JSON Lines files (one report per line) or - "
                    "for standard input; published reports (.txt .md .html .htm .pdf .docx) "
                    "are imported, then checked.",
        epilog=EPILOG + CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=file_name, metavar="FILE",
                        help="报告文件、目录、.jsonl 或 - (a report file, directory, JSON Lines "
                             "file, or - for standard input)")
    inputs = parser.add_argument_group("输入 inputs")
    inputs.add_argument("--previous", type=file_name, metavar="FILE",
                        help="上一年度报告 (last year's report of the same organ, for the "
                             "year-over-year rules; without it, reports among the inputs are "
                             "paired by organ and year)")
    inputs.add_argument("--no-pairing", action="store_true",
                        help="不自动配对上一年度报告 (do not pair previous-year reports "
                             "automatically)")
    inputs.add_argument("--include-published", action="store_true",
                        help="目录中的已发布格式也导入检查 (in directories, also import "
                             "published reports: " + " ".join(PUBLISHED_SUFFIXES) + ")")
    rules = parser.add_argument_group("规则 rules")
    rules.add_argument("--rules", action="append", default=[], type=file_name, metavar="PATH",
                       help="规则文件或规则包目录，代替官方规则包 (rule file or pack directory, "
                            "instead of the official pack; repeatable)")
    rules.add_argument("--config", type=file_name, metavar="FILE",
                       help="配置文件 (configuration file; default: ./disclosure-rules.yaml "
                            "if present)")
    rules.add_argument("--select", action="append", default=[], metavar="IDS",
                       help="只运行这些规则 (run only these rule ids or prefixes such as "
                            "APP-; repeatable or comma-separated)")
    rules.add_argument("--ignore", action="append", default=[], metavar="IDS",
                       help="不运行这些规则 (do not run these rule ids or prefixes)")
    rules.add_argument("--fail-on", choices=("error", "warning", "info"), default="error",
                       help="此级别及以上的问题使退出码为 1 (findings of this severity or worse "
                            "make the exit code 1; default: error)")
    output = parser.add_argument_group("输出 output")
    output.add_argument("--format", choices=formats(), default="text",
                        help="输出格式 (output format; default: text)")
    output.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="语言 (language of messages; default: zh)")
    output.add_argument("-o", "--output", type=file_name, metavar="FILE",
                        help="写入文件而非标准输出 (write to FILE instead of standard output)")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="颜色 (colour: auto = on a terminal unless NO_COLOR is set)")
    output.add_argument("-v", "--verbose", action="store_true",
                        help="列出未检查的规则及原因 (list the rules not evaluated, and why)")
    output.add_argument("-q", "--quiet", action="store_true",
                        help="不列出无问题的报告；仅用于 text 和 html 格式，json、sarif、junit "
                             "始终列出全部报告 (leave out reports without findings, in the text "
                             "and html formats; json, sarif and junit always list every report)")
    output.add_argument("--summary", action="store_true",
                        help="最后列出各规则未通过的报告数 (end with how many reports broke "
                             "each rule)")
    output.add_argument("--summary-csv", type=file_name, metavar="FILE",
                        help="把各规则统计写入 CSV 文件 (write the per-rule table as CSV)")
    output.add_argument("--no-progress", action="store_true",
                        help="不显示进度条 (no progress bar on standard error)")
    parser.add_argument("-j", "--jobs", type=_positive, metavar="N",
                        help="并行进程数，0 表示全部核心 (worker processes; 0 = every core; "
                             f"default: every core from {MANY_INPUTS} inputs on, else 1; "
                             "never more than the cores)")
    parser.set_defaults(handler=run)


# ------------------------------------------------------------------ set-up


def _ids(values: Sequence[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _config(args: argparse.Namespace) -> Config:
    if args.config:
        return load_config(args.config)
    found = find_config(".")
    return load_config(found) if found is not None else Config()


def _rules(args: argparse.Namespace, config: Config) -> RuleSet:
    if args.rules:
        return load_rules(*args.rules, *config.rules)
    if config.rules:
        return load_rules(official_rules_path(), *config.rules)
    return load_rules()


def _known(rules: RuleSet, patterns: Sequence[str]) -> set[str]:
    """Every rule id a pattern may name: the loaded rules, the structure
    stage's, and (only when a pattern needs them: the import is not free)
    the importer's."""
    known = {info.rule_id for info in rules.all_rules} | set(BUILTIN_RULES)
    if any(not any(rule_id_matches(k, p) for k in known) for p in patterns):
        known |= _importer_rules()
    return known


def _importer_rules() -> set[str]:
    """The ids of the importer's findings on published reports (none when
    the importer is not installed: it is optional to the checker)."""
    try:
        # Imported only when needed: the importer is large.
        from ..importer.notes import TITLES
    except ImportError:
        return set()
    return set(TITLES)


def _colour(choice: str, out: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    # https://no-color.org: a non-empty NO_COLOR turns colour off; an
    # explicit --color always still wins.
    return not os.environ.get("NO_COLOR") and _isatty(out)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _tasks(items: Sequence[Source | Unreadable], previous: Source | None, runner: Runner,
           pairing: bool, scratch: str, bar: Callable[[int, str], Progress]
           ) -> list[Task | Unreadable]:
    """A task per source, with the previous-year report to use: the one
    given (loaded once, it travels in the settings), or one found among
    the inputs (same organ, year − 1). A published report is imported to
    know its organ and year; its import is kept in a file under
    ``scratch`` for its check (and for the check of the year after); a
    progress bar (``bar``) shows those imports, which come before any output."""
    if previous is not None:
        given = Pairing("given", (previous.name,))
        return [Task(i, None, given) if isinstance(i, Source) else i for i in items]
    pairs: dict[Source, tuple[Source | None, Pairing]] = {}
    pairable = [i for i in items if isinstance(i, Source)
                and i.kind in ("report", "jsonl", "published")]
    if pairing and len(pairable) > 1:
        keep = [os.path.join(scratch, f"{n}.pickle") if s.kind == "published" else None
                for n, s in enumerate(pairable)]
        progress = bar(len(pairable) if any(keep) else 0, "导入以配对 (importing to pair)")
        keys = []
        for key in runner.map(scan_item, list(zip(pairable, keep, strict=True))):
            keys.append(key)
            progress.advance()
        progress.clear()
        # the same sources (equal: the kept file is not part of a source's
        # identity), now saying where their imports are
        kept = {s: replace(s, cache=k) for s, k in zip(pairable, keep, strict=True) if k}
        pairable = [kept.get(s, s) for s in pairable]
        items = [kept.get(i, i) if isinstance(i, Source) else i for i in items]
        pairs = {pairable[i]: value for i, value in pair(pairable, keys).items()}
    return [Task(i, *pairs.get(i, (None, None))) if isinstance(i, Source) else i for i in items]


# --------------------------------------------------------------------- run


def _ruleset(args: argparse.Namespace, config: Config, io: IO) -> RuleSet | None:
    """The configured rule set, or None (after saying why) when ``--select``
    or ``--ignore`` names no rule, or when no rule is left to run. A
    configuration naming no rule raises."""
    rules = _rules(args, config)
    select, ignore = _ids(args.select), _ids(args.ignore)
    patterns = [*select, *ignore, *(r.rule for r in config.disable),
                *(r.rule for r, _ in config.severity), *(w.rule for w in config.waivers)]
    known = _known(rules, patterns)
    config.check_ids(known)
    unknown = [p for p in (*select, *ignore) if not any(rule_id_matches(k, p) for k in known)]
    if unknown:
        io.stderr.write(f"disclosure-rules: 没有编号为（或以此开头的）规则 (no rule has this id "
                        f"or prefix): {', '.join(unknown)}\n")
        return None
    configured = rules.configured(severity=config.severity_overrides, select=select,
                                  ignore=(*(r.rule for r in config.disable), *ignore))
    # Each pattern names a rule, yet together they may turn every rule off
    # (`--select X --ignore X`, `--ignore '*'`): every report would then pass
    # as having no problem without anything being checked.
    if not any(configured.active(k) for k in known) \
            and not any(configured.active(k) for k in _importer_rules()):
        io.stderr.write("disclosure-rules: 没有要运行的规则 (no rule is left to run)："
                        "--select、--ignore 和配置文件中的 disable 合起来停用了全部规则 "
                        "(--select, --ignore and the configuration's disable together turn "
                        "every rule off)\n")
        return None
    return configured


def _previous(args: argparse.Namespace) -> tuple[Source, Report] | None:
    """The ``--previous`` report, loaded once here (so that one that cannot
    be read, or is not one report object, ends the run before any output:
    a :class:`DisclosureRulesError`) and handed to every worker."""
    if not args.previous:
        return None
    return load_previous(args.previous)


def _outputs(args: argparse.Namespace, config: Config) -> set[Path]:
    """The run's own output files, resolved: never read as inputs.

    Raises:
        DisclosureRulesError: ``-o`` and ``--summary-csv`` name one file
            (the second would overwrite the first), or an output file is
            one the run reads besides its inputs (opened for writing, it
            would be emptied before the run ends).
    """
    named = [(p, Path(p).resolve()) for p in (args.output, args.summary_csv) if p]
    if len(named) == 2 and named[0][1] == named[1][1]:
        raise DisclosureRulesError(
            f"{args.summary_csv}: -o 与 --summary-csv 不能是同一个文件 (-o and --summary-csv "
            "name the same file)")
    read = _read_files(args, config)
    for name, path in named:
        if path in read:
            zh, en = read[path]
            raise DisclosureRulesError(f"{name}: 是本次运行读取的{zh}，不会被覆盖 (is the {en} "
                                       "this run reads; it is not overwritten)")
    return {path for _, path in named}


def _read_files(args: argparse.Namespace, config: Config) -> dict[Path, tuple[str, str]]:
    """The files the run reads besides its inputs, resolved, with what
    each is (in Chinese and English): the configuration, last year's
    report and the rule files."""
    read: dict[Path, tuple[str, str]] = {}
    for rules in (*args.rules, *config.rules):
        path = Path(rules)
        files = path.rglob("*.rules") if path.is_dir() else (path,)
        read.update((file.resolve(), ("规则文件", "rule file")) for file in files)
    if args.previous and args.previous != "-":
        read[Path(args.previous).resolve()] = ("上一年度报告", "previous-year report")
    if config.file:
        read[Path(config.file).resolve()] = ("配置文件", "configuration file")
    return read


def _cores() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def _jobs(requested: int | None, items: Sequence[Source | Unreadable], io: IO) -> int:
    """Worker processes: as asked (0 = every core), by default every core
    for a batch of many inputs; never more than there are sources, nor than
    cores (checking is computation: a worker more only holds another copy
    of the rules in memory, and ``--jobs 1000`` would hold a thousand)."""
    jobs = requested if requested is not None else (0 if len(items) >= MANY_INPUTS else 1)
    sources = max(1, sum(isinstance(i, Source) for i in items))
    cores = _cores()
    if jobs > cores and sources > cores:
        io.stderr.write(f"disclosure-rules: 只有 {cores} 个处理器核心，使用 {cores} 个进程 "
                        f"(--jobs {jobs}: there are {cores} cores, {cores} workers are used)\n")
    return min(jobs or cores, cores, sources)


def run(args: argparse.Namespace, io: IO) -> int:
    """Check every input; exit 0 clean, 1 findings at ``--fail-on`` or worse,
    2 an unreadable input, a bad configuration or rule file."""
    config = _config(args)
    ruleset = _ruleset(args, config, io)
    if ruleset is None:
        return EXIT_USAGE
    if args.files.count("-") > 1:
        io.stderr.write("disclosure-rules: 标准输入（-）只能出现一次 (- may appear only once)\n")
        return EXIT_USAGE
    given = _previous(args)
    previous, previous_report = given if given is not None else (None, None)
    waivers = WaiverSet.judged(config.waivers, today())
    items = collect(args.files, io.stdin, include_published=args.include_published,
                    exclude=_outputs(args, config))
    published = any(isinstance(i, Source) and i.kind == "published"
                    for i in (*items, previous))
    run_info = Run(ruleset, config.file, waivers.expired, published)
    with ExitStack() as stack:
        out = io.stdout
        # Every output file is opened before any report is checked: one
        # that cannot be written ends the run at once, not after it.
        if args.output:
            out = stack.enter_context(_open(args.output, encoding="utf-8"))
        summary_csv = stack.enter_context(
            _open(args.summary_csv, encoding="utf-8-sig", newline="")) \
            if args.summary_csv else None
        options = Options(lang=args.lang, fail_on=Severity(args.fail_on), verbose=args.verbose,
                          color=_colour(args.color, out), summary=args.summary)
        sink = make_sink(args.format, out, options, run_info)
        # Workers render each report's output themselves, with a sink of
        # their own that only renders (it holds no open file to pickle).
        renderer = make_sink(args.format, None, options, run_info)
        # --quiet is decided here, once: the human formats leave out
        # reports without findings; the machine formats stay complete (a
        # tool reading them counts and compares every report).
        settings = Settings(ruleset, waivers, renderer, previous_report,
                            quiet=args.quiet and args.format in HUMAN_FORMATS)
        runner = stack.enter_context(Runner(settings, _jobs(args.jobs, items, io)))
        # where published reports' imports are kept between pairing and check
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="disclosure-rules-"))

        # progress bars on a terminal: the imports made for pairing, then the checks
        def bar(total: int, label: str = "") -> Progress:
            return Progress(io.stderr, total, label=label,
                            enabled=not args.no_progress and _isatty(io.stderr))

        tasks = _tasks(items, previous, runner, not args.no_pairing, scratch, bar)
        tally = Tally(ruleset, options.fail_on, waivers.active)
        try:
            summary = _stream(sink, runner, tasks, tally, bar(len(tasks)),
                              shared_terminal=_isatty(out) and _isatty(io.stderr))
            out.flush()
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, and keep Python
            # from complaining again when it flushes stdout at exit.
            if out is sys.stdout:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_USAGE
        if summary_csv is not None:
            try:
                write_summary_csv(summary, summary_csv)
                summary_csv.flush()
            except OSError as exc:
                raise cannot_write(args.summary_csv, exc) from None
    return summary.exit_code


def _open(path: str, *, encoding: str, newline: str | None = None) -> TextIO:
    """An output file, opened for writing, or :func:`cannot_write`."""
    try:
        # (a file name that is not UTF-8, in the output, is escaped)
        return open(path, "w", encoding=encoding, newline=newline, errors="backslashreplace")
    except OSError as exc:
        raise cannot_write(path, exc) from None


def _stream(sink: Sink, runner: Runner, tasks: Sequence[Task | Unreadable], tally: Tally,
            progress: Progress, *, shared_terminal: bool) -> Summary:
    """Check the tasks and write each record as it completes; the summary.

    ``shared_terminal``: output and progress bar share one terminal, so the
    bar is cleared before each write (otherwise that would only make it
    flicker)."""
    sink.begin()
    for record in runner.map(run_task, tasks):
        if shared_terminal:
            progress.clear()
        if isinstance(record, Unreadable):
            sink.unreadable(record)
        else:
            sink.report(record)
        tally.add(record)
        progress.advance()
    progress.clear()
    summary = tally.summary()
    sink.end(summary)
    return summary
