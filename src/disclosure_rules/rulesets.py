"""Rule sets: loading rule files and packs, checking and compiling them once.

``load_rules(*paths)`` reads rule files (``*.rules``) and directories of them
(a pack), parses them, checks every rule for both formats and compiles it.
The result is an immutable :class:`RuleSet`: evaluate it on as many reports
as you like. It pickles as its checked IR and rebuilds its closures when
unpickled (no re-parsing, no re-checking), so it can go to worker processes.
"""

from __future__ import annotations

import gc
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from . import ast, ir
from .checker import Checker, _Fail, check_rule
from .engine import CompiledFormat, CompiledRule, compile_rule, fuse_cell_loops
from .errors import DocumentError, Problem, RuleCompileError
from .findings import Message, Severity
from .layout import FORMATS, Format
from .loading import read_file
from .messages import BUILTIN_RULES, msg
from .parser import caret_context, parse_rules

__all__ = ["PackInfo", "RuleInfo", "RuleSet", "load_rules", "official_rules_path",
           "read_rules_file", "rule_id_matches"]

RULE_SUFFIX = ".rules"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a rule says about itself (for listings, docs and SARIF)."""

    rule_id: str
    title: Message
    severity: Severity
    cite: str
    formats: tuple[str, ...]
    years: tuple[int | None, int | None] | None
    description: Message | None
    file: str
    line: int
    pack: str
    uses_previous: bool = False
    builtin: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rule_id": self.rule_id,
            "title": self.title.to_dict(),
            "severity": self.severity.value,
            "cite": self.cite,
            "formats": list(self.formats),
            "years": list(self.years) if self.years else None,
            "description": self.description.to_dict() if self.description else None,
            "file": self.file,
            "line": self.line,
            "pack": self.pack,
            "needs_previous": self.uses_previous,
            "builtin": self.builtin,
        }


@dataclass(frozen=True, slots=True)
class PackInfo:
    """A pack: name, version, title, and the files it was read from."""

    name: str
    version: str
    title: Message | None
    files: tuple[str, ...]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds many long-lived objects at once; the cyclic collector
    would scan them over and over (a third of the load time) and free none."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def official_rules_path() -> Path:
    """Where the official pack lives inside the installed package."""
    return Path(str(files(__package__) / "rules" / "official"))


def read_rules_file(path: Path) -> str:
    """The text of a rule file (UTF-8, a BOM allowed), or a DocumentError."""
    raw = read_file(path, str(path), DocumentError)
    try:
        return raw.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise DocumentError("规则文件不是 UTF-8 编码 (rule file is not UTF-8)", file=str(path),
                            line=raw[: exc.start].count(b"\n") + 1) from None


def _collect(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, list[Path]]]:
    """(pack directory or file, its rule files) for each path given."""
    groups: list[tuple[str, list[Path]]] = []
    for raw in paths:
        if not os.fspath(raw):  # Path("") would be the working directory
            raise DocumentError("规则路径为空 (empty rule path)", file="<rules>")
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*" + RULE_SUFFIX) if p.is_file())
            if not found:
                raise DocumentError(f"目录中没有 {RULE_SUFFIX} 规则文件 (no rule files here)",
                                    file=str(path))
            groups.append((str(path), found))
        elif path.exists():  # a file (or a device or pipe, read within the size limit)
            groups.append((str(path), [path]))
        else:
            raise DocumentError("规则文件或目录不存在 (no such rule file or directory)",
                                file=str(path))
    return groups


class RuleSet:
    """Checked and compiled rules of one or more packs.

    Use :func:`load_rules` to make one. ``rules`` lists their metadata,
    ``packs`` the packs; :meth:`configured` returns a copy with rules
    selected, ignored or given another severity.
    """

    def __init__(self, rules: Mapping[Format, Sequence[ir.RuleI]], infos: Sequence[RuleInfo],
                 packs: Sequence[PackInfo], *, severity: Mapping[str, Severity] | None = None,
                 select: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
        self._ir = {fmt: tuple(rules.get(fmt, ())) for fmt in FORMATS}
        self._infos = tuple(infos)
        self._packs = tuple(packs)
        self._severity = dict(severity or {})
        self._select = tuple(select)
        self._ignore = tuple(ignore)
        self._compiled: dict[Format, CompiledFormat] = {}
        self._rules_by_fmt: dict[Format, tuple[Any, ...]] = {}

    # -- metadata ----------------------------------------------------------

    @property
    def rules(self) -> tuple[RuleInfo, ...]:
        """Metadata of the active rules (after select/ignore), by id."""
        return tuple(sorted((i for i in self._infos if self.active(i.rule_id)),
                            key=lambda i: i.rule_id))

    @property
    def all_rules(self) -> tuple[RuleInfo, ...]:
        """Metadata of every loaded rule, selected or not."""
        return tuple(sorted(self._infos, key=lambda i: i.rule_id))

    @property
    def packs(self) -> tuple[PackInfo, ...]:
        """The packs the rules came from."""
        return self._packs

    def info(self, rule_id: str) -> RuleInfo | None:
        """Metadata of one rule."""
        return next((i for i in self._infos if i.rule_id == rule_id), None)

    def active(self, rule_id: str) -> bool:
        """Whether ``rule_id`` runs (``--select`` / ``--ignore`` take ids or
        prefixes such as ``APP-``)."""
        if self._select and not any(rule_id_matches(rule_id, p) for p in self._select):
            return False
        return not any(rule_id_matches(rule_id, p) for p in self._ignore)

    def override(self, rule_id: str) -> Severity | None:
        """The configured severity of a rule: set for its id, else for the
        longest prefix (``TXT-``) that names it; None when not configured."""
        if rule_id in self._severity:
            return self._severity[rule_id]
        matching = [p for p in self._severity if rule_id_matches(rule_id, p)]
        return self._severity[max(matching, key=len)] if matching else None

    def severity_of(self, rule_id: str) -> Severity | None:
        """The severity a rule's findings get (after overrides)."""
        configured = self.override(rule_id)
        if configured is not None:
            return configured
        info = self.info(rule_id)
        return info.severity if info is not None else None

    def configured(self, *, severity: Mapping[str, Severity | str] | None = None,
                   select: Sequence[str] = (), ignore: Sequence[str] = ()) -> RuleSet:
        """A copy with severities overridden and rules selected/ignored."""
        merged = dict(self._severity)
        for rule_id, value in (severity or {}).items():
            merged[rule_id] = Severity(value)
        other = RuleSet(self._ir, self._infos, self._packs, severity=merged,
                        select=(*self._select, *select), ignore=(*self._ignore, *ignore))
        other._rules_by_fmt = self._rules_by_fmt  # compiled closures are shared
        return other

    # -- compiled ------------------------------------------------------------

    def for_format(self, fmt: Format) -> CompiledFormat:
        """The compiled rules that apply to reports of ``fmt``."""
        compiled = self._compiled.get(fmt)
        if compiled is None:
            with _collector_paused():
                compiled = self._compile(fmt)
        return compiled

    def _compile(self, fmt: Format) -> CompiledFormat:
        compiled = self._compiled.get(fmt)
        if compiled is None:
            if fmt not in self._rules_by_fmt:
                self._rules_by_fmt[fmt] = self._compile_rules(fmt)
            rules = fuse_cell_loops(
                [r for r in self._rules_by_fmt[fmt] if self.active(r.rule_id)])
            slots = max((r.info.slots for r in rules), default=0)
            present = {r.rule_id for r in rules}
            skipped = tuple(
                (i.rule_id, msg("ne.format", formats="、".join(i.formats)))
                for i in self.rules if not i.builtin and i.rule_id not in present)
            overrides = {r.rule_id: sev for r in rules
                         if (sev := self.override(r.rule_id)) is not None}
            compiled = CompiledFormat(fmt, rules, overrides, slots, skipped)
            self._compiled[fmt] = compiled
        return compiled

    def _compile_rules(self, fmt: Format) -> tuple[CompiledRule, ...]:
        """Every rule of ``fmt``, compiled. A rule that reads the same in the
        other format, already compiled (most do: the sections, the
        narrative, table 四), shares its closures: a batch of reports of
        both formats then keeps one copy of them in the processor's cache."""
        done = {rule.rule_id: rule for rules in self._rules_by_fmt.values() for rule in rules}
        compiled = []
        for rule in self._ir[fmt]:
            twin = done.get(rule.rule_id)
            compiled.append(twin if twin is not None and twin.info == rule else compile_rule(rule))
        return tuple(compiled)

    def compile_all(self) -> RuleSet:
        """Compile both formats now (instead of on first use)."""
        for fmt in FORMATS:
            self.for_format(fmt)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._ir, self._infos, self._packs, self._severity, self._select,
                           self._ignore))

    def __len__(self) -> int:
        return len(self.rules)

    def __repr__(self) -> str:
        packs = ", ".join(f"{p.name} {p.version}" for p in self._packs)
        return f"<RuleSet {len(self)} rules from {packs}>"


def _restore(rules: Mapping[Format, Sequence[ir.RuleI]], infos: Sequence[RuleInfo],
             packs: Sequence[PackInfo], severity: Mapping[str, Severity],
             select: Sequence[str], ignore: Sequence[str]) -> RuleSet:
    return RuleSet(rules, infos, packs, severity=severity, select=select, ignore=ignore)


def rule_id_matches(rule_id: str, pattern: str) -> bool:
    """Whether ``rule_id`` is ``pattern``, or starts with it when the pattern
    is a prefix (``APP-``, ``TXT*``): how --select, --ignore, ``disable``
    and waivers name rules."""
    if pattern.endswith(("-", "*")):
        return rule_id.startswith(pattern.rstrip("*"))
    return rule_id == pattern


def build(files_: Sequence[tuple[str, ast.RuleFile]], texts: Mapping[str, str],
          groups: Sequence[tuple[str, Sequence[str]]]) -> RuleSet:
    """Check and compile parsed rule files (grouped into packs)."""
    problems: list[Problem] = []

    def report(file: str, span: ast.Span, code: str, message: str) -> None:
        problems.append(Problem(file, span.line, span.column, code, message,
                                caret_context(texts.get(file, ""), span.line, span.column)))

    consts: list[ast.Const] = []
    const_file: dict[int, str] = {}
    const_text: dict[str, tuple[str, str]] = {}
    for name, parsed in files_:
        for const in parsed.consts:
            from .unparse import format_expr

            shown = format_expr(const.value)
            if const.name in const_text and const_text[const.name][0] != shown:
                other = const_text[const.name][1]
                report(name, const.span, "duplicate",
                        f"常量“{const.name}”在 {other} 中已有不同的定义 "
                        f"(constant '{const.name}' is defined differently in {other})")
                continue
            if const.name not in const_text:
                const_text[const.name] = (shown, name)
                consts.append(const)
                const_file[id(const)] = name

    packs: list[PackInfo] = []
    pack_of: dict[str, str] = {}
    for root, names in groups:
        declared = [(n, parsed.pack) for n, parsed in files_ if n in names and parsed.pack]
        if len({(p.name, p.version) for _, p in declared if p}) > 1:
            where = ", ".join(n for n, _ in declared)
            first = declared[1]
            assert first[1] is not None
            report(first[0], first[1].span, "pack",
                    f"同一规则包中有不同的 pack 声明：{where} (conflicting pack declarations)")
        if declared and declared[0][1] is not None:
            pack = declared[0][1]
            title = Message(pack.title.zh, pack.title.en or pack.title.zh) if pack.title else None
            info = PackInfo(pack.name, pack.version, title, tuple(names))
        else:
            info = PackInfo(Path(root).stem, "0", None, tuple(names))
        packs.append(info)
        for n in names:
            pack_of[n] = info.name

    seen: dict[str, tuple[str, ast.Rule]] = {}
    infos: list[RuleInfo] = []
    ordered: list[tuple[str, ast.Rule]] = []
    for name, parsed in files_:
        for rule in parsed.rules:
            if rule.rule_id in seen:
                first_file, first_rule = seen[rule.rule_id]
                report(name, rule.span, "duplicate-id",
                        f"规则编号 {rule.rule_id} 重复（已在 {first_file}:{first_rule.span.line} "
                        f"定义）(duplicate rule id {rule.rule_id}, first at {first_file}:"
                        f"{first_rule.span.line})")
                continue
            if rule.rule_id == "SCHEMA":
                report(name, rule.span, "duplicate-id",
                        "SCHEMA 是结构检查的保留编号 (SCHEMA is reserved for the schema check)")
                continue
            seen[rule.rule_id] = (name, rule)
            ordered.append((name, rule))

    by_fmt: dict[Format, list[ir.RuleI]] = {fmt: [] for fmt in FORMATS}
    uses_previous: dict[str, bool] = {}
    failed: set[str] = set()
    for fmt in FORMATS:
        checker = Checker(fmt, consts, const_file, texts)
        for name, rule in ordered:
            formats = rule.formats or ("2019", "2021")
            if fmt not in formats and any(f in FORMATS for f in formats):
                continue
            checked, rule_problems = check_rule(checker, rule, name)
            if rule_problems:
                if rule.rule_id not in failed:
                    problems.extend(rule_problems)
                    failed.add(rule.rule_id)
                else:
                    problems.extend(p for p in rule_problems if p not in problems)
                continue
            assert checked is not None
            by_fmt[fmt].append(checked)
            uses_previous[rule.rule_id] = uses_previous.get(rule.rule_id, False) or \
                checked.uses_previous
        # constants that no rule used are still checked
        for const in consts:
            try:
                checker.file = const_file[id(const)]
                checker.const(const.name, const.span)
            except _Fail as exc:
                problem = checker.problem(exc, const_file[id(const)])
                if problem not in problems:
                    problems.append(problem)
    if problems:
        raise RuleCompileError(sorted(dict.fromkeys(problems),
                                      key=lambda p: (p.file, p.line, p.column)))
    for name, rule in ordered:
        rule_title = rule.title or ast.TextPair(rule.rule_id)
        description = rule.description
        infos.append(RuleInfo(
            rule_id=rule.rule_id,
            title=Message(rule_title.zh, rule_title.en or rule_title.zh),
            severity=Severity(rule.severity or "error"),
            cite=rule.cite or "",
            formats=rule.formats or ("2019", "2021"),
            years=rule.years,
            description=Message(description.zh, description.en or description.zh)
            if description else None,
            file=name,
            line=rule.span.line,
            pack=pack_of.get(name, ""),
            uses_previous=uses_previous.get(rule.rule_id, False),
        ))
    if "SCHEMA" not in seen:
        schema = BUILTIN_RULES["SCHEMA"]
        infos.append(RuleInfo("SCHEMA", schema.title, schema.severity, schema.cite,
                              ("2019", "2021"), None,
                              Message("报告的键、表格的行与列、单元格的类型符合 report JSON "
                                      "数据合同（由结构检查执行，先于所有规则）",
                                      "keys, table rows and columns and cell types follow the "
                                      "report JSON contract (checked before any rule)"),
                              "", 0, "builtin", builtin=True))
    return RuleSet(by_fmt, infos, packs)


def load_rules(*paths: str | os.PathLike[str]) -> RuleSet:
    """Load, check and compile rule files and packs.

    Arguments:
        paths: rule files (``*.rules``) and directories of them (packs).
            With no argument, the official pack shipped with the package.

    Returns:
        a :class:`RuleSet`.

    Raises:
        RuleSyntaxError: a file does not parse (file:line:column, caret).
        RuleCompileError: unknown paths or functions, type or arity errors,
            duplicate ids, bad severities — every problem, with positions.
        DocumentError: a path cannot be read.
    """
    if not paths:
        return _official()
    return _load(tuple(str(p) for p in paths))


@cache
def _official() -> RuleSet:
    return _load((str(official_rules_path()),))


def _load(paths: tuple[str, ...]) -> RuleSet:
    with _collector_paused():
        return _load_files(paths)


def _load_files(paths: tuple[str, ...]) -> RuleSet:
    groups = _collect(paths)
    texts: dict[str, str] = {}
    named_groups: list[tuple[str, Sequence[str]]] = []
    for root, group in groups:
        names = []
        for path in group:
            name = str(path)
            texts[name] = read_rules_file(path)
            names.append(name)
        named_groups.append((root, names))
    key = _cache_key(texts, named_groups)
    cached = _cache_read(key)
    if cached is not None:
        return cached
    parsed = [(name, parse_rules(text, name)) for name, text in texts.items()]
    rules = build(parsed, texts, named_groups)
    _cache_write(key, rules)
    return rules


# ------------------------------------------------------------------ cache
#
# Parsing and checking the official pack takes longer than checking a
# thousand reports. The checked rules depend only on the rule files, the
# grammar, the schemas and this package's code, so they are cached on disk
# under a hash of all of these (as lark caches its parser tables). The cache
# is a speed-up only: a cache that cannot be read or written is ignored.


def _cache_dir() -> Path | None:
    root = os.environ.get("DISCLOSURE_RULES_CACHE")
    if root == "":
        return None  # caching switched off
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(base, "disclosure-rules")
    return Path(root)


def _cache_key(texts: Mapping[str, str], groups: Sequence[tuple[str, Sequence[str]]]) -> str:
    import hashlib

    from . import __version__
    from .layout import schema_documents

    digest = hashlib.sha256()
    here = files(__package__)
    digest.update(__version__.encode())
    digest.update((here / "grammar.lark").read_bytes())
    for name in sorted(schema_documents()):
        digest.update((here / "schemas" / name).read_bytes())
    # Every module, not a hand-kept list of the ones that shape the checked
    # rules: a list like that goes stale silently, and reading them is cheap.
    package = Path(str(here))
    for module in sorted(package.rglob("*.py")):
        digest.update(str(module.relative_to(package)).encode())
        digest.update(module.read_bytes())
    for root, names in groups:
        digest.update(f"\0group\0{root}".encode())
        for name in names:
            digest.update(f"\0file\0{name}\0".encode())
            digest.update(texts[name].encode())
    return digest.hexdigest()


def _cache_read(key: str) -> RuleSet | None:
    import pickle

    folder = _cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.pickle"
    try:
        if hasattr(os, "getuid") and path.stat().st_uid != os.getuid():
            return None  # only ever unpickle our own files
        with path.open("rb") as handle:
            loaded = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            TypeError, ValueError):
        return None
    if not isinstance(loaded, RuleSet):
        return None
    with suppress(OSError):
        os.utime(path)  # used now: the last to be pruned
    return loaded


def _cache_write(key: str, rules: RuleSet) -> None:
    import pickle
    import tempfile

    folder = _cache_dir()
    if folder is None:
        return
    temporary: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(rules, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{key}.pickle")
        temporary = None
    except (OSError, pickle.PicklingError, AttributeError, TypeError):
        return  # a cache we cannot write only costs speed
    finally:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
    _cache_prune(folder)


#: entries the rule cache keeps: every upgrade of the package and every
#: other set of rule files (an auditor's packs) makes a new one
CACHE_ENTRIES = 32


_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.pickle")


def _cache_prune(folder: Path) -> None:
    """Remove all but the :data:`CACHE_ENTRIES` most recently used entries
    (a read marks an entry used), so that the cache does not grow for ever."""
    entries: list[tuple[float, Path]] = []
    with suppress(OSError):
        for path in folder.glob("*.pickle"):
            if not _ENTRY_NAME.fullmatch(path.name):
                continue  # not an entry of ours: the folder may be shared
            with suppress(OSError):
                entries.append((path.stat().st_mtime, path))
    entries.sort(reverse=True)
    for _used, path in entries[CACHE_ENTRIES:]:
        with suppress(OSError):
            path.unlink()


def rules_from_text(text: str, name: str = "<rules>") -> RuleSet:
    """A rule set from rule text (for tests and tools)."""
    with _collector_paused():
        parsed = parse_rules(text, name)
        return build([(name, parsed)], {name: text}, [(name, [name])])
