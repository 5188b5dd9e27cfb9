"""The configuration file of ``disclosure-rules check``.

``disclosure-rules.yaml`` in the working directory (or the file named by
``--config``)::

    rules: [rules/shanghai]          # extra rule packs, relative to this file
    disable: [PUB-DEADLINE, TXT-]    # rule ids or prefixes that do not run
    severity:                        # severity overrides
      SEC-TITLE: info
    waivers:                         # accepted findings, each one auditable
      - rule: VAL-BLANK
        organ: 上海市嘉定区人力资源和社会保障局   # optional scope
        year: 2020                               # optional scope
        pointer: /applications/results/unavailable   # optional: this cell and below
        reason: 原件如此，已向编制机关核实
        approved_by: 王审计
        expires: 2026-06-30

Every problem is a :class:`~disclosure_rules.errors.ConfigError` naming the
file, the line and the key (``waivers[2].expires``): the file is read with
``yaml.compose`` so that every value keeps its position.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError, DocumentError
from .findings import Severity
from .loading import decode, read_file
from .rulesets import rule_id_matches
from .waivers import Waiver

__all__ = ["CONFIG_NAMES", "Config", "RuleRef", "find_config", "load_config"]

CONFIG_NAMES = ("disclosure-rules.yaml", "disclosure-rules.yml")
"""File names looked for in the working directory."""

_SEVERITIES = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO,
               "错误": Severity.ERROR, "警告": Severity.WARNING, "提示": Severity.INFO}
_TOP_KEYS = ("rules", "disable", "severity", "waivers")
_WAIVER_KEYS = ("rule", "organ", "year", "pointer", "reason", "approved_by", "expires")
_WAIVER_REQUIRED = ("rule", "reason", "approved_by", "expires")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NULL_TAG = "tag:yaml.org,2002:null"


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule id or prefix as written in the configuration, with its line
    and key (for errors that point back at it)."""

    rule: str
    line: int
    key: str


@dataclass(frozen=True, slots=True)
class Config:
    """A loaded configuration (empty when there is no file)."""

    file: str | None = None
    rules: tuple[str, ...] = ()
    disable: tuple[RuleRef, ...] = ()
    severity: tuple[tuple[RuleRef, Severity], ...] = ()
    waivers: tuple[Waiver, ...] = ()
    waiver_rules: tuple[RuleRef, ...] = ()
    """The ``rule`` of each waiver where it is written (``waivers[2].rule``)."""

    @property
    def severity_overrides(self) -> dict[str, Severity]:
        """``{rule id: severity}``."""
        return {ref.rule: level for ref, level in self.severity}

    def check_ids(self, known: Collection[str]) -> None:
        """Raise :class:`ConfigError` for a rule id (or prefix) that names no
        known rule: a typo would otherwise disable, re-grade or waive nothing,
        silently."""
        refs: list[RuleRef] = [*self.disable, *(ref for ref, _ in self.severity)]
        # (a Config made in code may lack waiver_rules: its waivers' own lines)
        refs += self.waiver_rules or [RuleRef(w.rule, w.line, f"waivers[{i}].rule")
                                      for i, w in enumerate(self.waivers)]
        for ref in refs:
            if not any(rule_id_matches(rule_id, ref.rule) for rule_id in known):
                raise ConfigError(
                    f"没有编号为（或以此开头的）规则“{ref.rule}” (no rule has this id or prefix)",
                    file=self.file or "", line=ref.line, key=ref.key)


def find_config(directory: str | Path = ".") -> Path | None:
    """The configuration file in ``directory``, if there is one.

    Raises:
        ConfigError: there are two (``.yaml`` and ``.yml``): reading one
            would silently ignore the other's waivers and settings.
    """
    found = [path for path in (Path(directory) / name for name in CONFIG_NAMES)
             if path.is_file()]
    if len(found) > 1:
        raise ConfigError(
            f"有两个配置文件，不知道用哪一个：{'、'.join(str(f) for f in found)}；"
            "请删除其一，或用 --config 指定 (two configuration files, which one is meant? "
            "Remove one, or name it with --config)", file=str(found[1]))
    return found[0] if found else None


def load_config(path: str | Path) -> Config:
    """Read and check a configuration file.

    Raises:
        ConfigError: the file cannot be read, is not YAML, or has an unknown
            key, a value of the wrong type, or a waiver without its reason,
            approver or expiry date — with the line and key.
    """
    name = str(path)
    data = read_file(Path(path), name, ConfigError)
    try:
        # as a report is decoded: the line, and a hint when it looks like GBK
        # (what an editor saving in the system's code page writes)
        text = decode(data, name)
    except DocumentError as exc:
        raise ConfigError(exc.reason, file=name, line=exc.line, column=exc.column) from None
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        return _Reader(name, loader).config(root, Path(path).parent)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(f"不是有效的 YAML (invalid YAML): {exc.problem or exc.context}",
                          file=name, line=mark.line + 1 if mark else None,
                          column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"不是有效的 YAML (invalid YAML): {exc}", file=name) from None
    finally:
        loader.dispose()


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Checks the composed YAML tree of one configuration file."""

    def __init__(self, file: str, loader: yaml.SafeLoader) -> None:
        self.file = file
        self.loader = loader

    def fail(self, message: str, node: yaml.Node | None, key: str) -> ConfigError:
        return ConfigError(message, file=self.file, line=_line(node) if node else None, key=key)

    def value(self, node: yaml.Node, key: str) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, TypeError, yaml.YAMLError) as exc:  # 2020-13-01, !!float x
            # PyYAML's str() of a marked error adds its own position block,
            # naming "<unicode string>": the node's line is given already.
            detail = (exc.problem or exc.context or "") \
                if isinstance(exc, yaml.MarkedYAMLError) else exc
            raise self.fail(f"无法读取这个值 (cannot read this value): {detail}", node, key) \
                from None

    def items(self, node: yaml.Node, key: str, allowed: tuple[str, ...] | None
              ) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) of a mapping, merge keys (``<<``)
        resolved; unknown and repeated keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail("应为键值表 (expected a mapping)", node, key)
        found: dict[str, tuple[yaml.Node, yaml.Node, bool]] = {}
        for key_node, value_node, merged in self.pairs(node, key, ()):
            name = self.value(key_node, key)
            where = f"{key}.{name}" if key else str(name)
            if not isinstance(name, str):
                raise self.fail("键应为文本 (keys must be text)", key_node, where)
            # A key written here overrides a merged one (as YAML's merge
            # does); written twice here, it is a mistake.
            if name in found and not found[name][2]:
                raise self.fail("键重复出现 (duplicated key)", key_node, where)
            if allowed is not None and name not in allowed:
                raise self.fail(f"未知的键，可用的键为 {', '.join(allowed)} "
                                f"(unknown key; known keys: {', '.join(allowed)})", key_node, where)
            found[name] = (key_node, value_node, merged)
        for name, (key_node, value_node, _) in found.items():
            yield name, key_node, value_node

    def pairs(self, node: yaml.MappingNode, key: str, within: tuple[yaml.Node, ...]
              ) -> list[tuple[yaml.Node, yaml.Node, bool]]:
        """(key node, value node, merged) of a mapping: first the entries the
        merge keys (``<<: *shared``) bring in, the first mapping of a list
        last (it wins), then those written here (they win over all).
        ``within`` are the mappings being merged into this one, to refuse a
        merge of a mapping into itself."""
        merged: list[tuple[yaml.Node, yaml.Node, bool]] = []
        own: list[tuple[yaml.Node, yaml.Node, bool]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                own.append((key_node, value_node, False))
                continue
            sources = value_node.value if isinstance(value_node, yaml.SequenceNode) \
                else [value_node]
            for source in reversed(sources):
                if not isinstance(source, yaml.MappingNode):
                    raise self.fail("合并键 << 的值应为键值表或键值表的列表 (a merge key << "
                                    "takes a mapping or a list of mappings)", source, key)
                if source is node or source in within:
                    raise self.fail("合并键 << 合并了自身 (a merge key << merges a mapping "
                                    "into itself)", source, key)
                merged += [(k, v, True) for k, v, _ in self.pairs(source, key, (*within, node))]
        return merged + own

    def text(self, node: yaml.Node, key: str) -> str:
        value = self.value(node, key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail("应为非空文本 (expected non-empty text)", node, key)
        return value.strip()

    def texts(self, node: yaml.Node, key: str) -> list[tuple[str, yaml.Node, str]]:
        """A list of texts (a single text is a list of one)."""
        if isinstance(node, yaml.ScalarNode):
            return [(self.text(node, key), node, key)]
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail("应为列表 (expected a list)", node, key)
        return [(self.text(item, f"{key}[{i}]"), item, f"{key}[{i}]")
                for i, item in enumerate(node.value)]

    def config(self, root: yaml.Node | None, base: Path) -> Config:
        if root is None or (isinstance(root, yaml.ScalarNode) and root.value == ""):
            return Config(file=self.file)
        rules: list[str] = []
        disable: list[RuleRef] = []
        severity: list[tuple[RuleRef, Severity]] = []
        waivers: list[tuple[Waiver, RuleRef]] = []
        for name, _key_node, node in self.items(root, "", _TOP_KEYS):
            if node.tag == _NULL_TAG:
                continue  # `waivers:` with every entry commented out: none
            if name == "rules":
                for path, item, key in self.texts(node, name):
                    resolved = base / Path(path).expanduser()
                    if not resolved.exists():
                        raise self.fail(f"规则文件或目录不存在 (no such rule file or directory): "
                                        f"{resolved}", item, key)
                    rules.append(str(resolved))
            elif name == "disable":
                disable += [RuleRef(rule, _line(item), key)
                            for rule, item, key in self.texts(node, name)]
            elif name == "severity":
                for rule, rule_node, value_node in self.items(node, name, None):
                    level = self.value(value_node, f"severity.{rule}")
                    if not isinstance(level, str) or level not in _SEVERITIES:
                        raise self.fail("严重程度应为 error、warning 或 info "
                                        "(severity must be error, warning or info)",
                                        value_node, f"severity.{rule}")
                    severity.append((RuleRef(rule, _line(rule_node), f"severity.{rule}"),
                                     _SEVERITIES[level]))
            else:
                if not isinstance(node, yaml.SequenceNode):
                    raise self.fail("应为列表 (expected a list)", node, name)
                waivers += [self.waiver(item, f"waivers[{i}]")
                            for i, item in enumerate(node.value)]
        return Config(self.file, tuple(rules), tuple(disable), tuple(severity),
                      tuple(w for w, _ in waivers), tuple(ref for _, ref in waivers))

    def waiver(self, node: yaml.Node, key: str) -> tuple[Waiver, RuleRef]:
        """A waiver, and its ``rule`` with the line it is written on."""
        fields: dict[str, Any] = {}
        rule_line = _line(node)
        for name, _key_node, value_node in self.items(node, key, _WAIVER_KEYS):
            where = f"{key}.{name}"
            if name == "rule":
                rule_line = _line(value_node)
            if name == "year":
                year = self.value(value_node, where)
                if isinstance(year, bool) or not isinstance(year, int):
                    raise self.fail("年度应为整数 (year must be an integer)", value_node, where)
                fields[name] = year
            elif name == "expires":
                fields[name] = self.date(value_node, where)
            elif name == "pointer":
                pointer = self.text(value_node, where)
                if not pointer.startswith("/"):
                    raise self.fail("应为以 / 开头的 JSON Pointer (expected a JSON Pointer "
                                    "starting with /)", value_node, where)
                fields[name] = pointer
            else:
                fields[name] = self.text(value_node, where)
        missing = [name for name in _WAIVER_REQUIRED if name not in fields]
        if missing:
            raise self.fail(f"豁免缺少必填项 {', '.join(missing)}：每项豁免都须写明规则、理由、"
                            f"批准人和到期日 (a waiver needs rule, reason, approved_by and "
                            f"expires)", node, f"{key}.{missing[0]}")
        return (Waiver(file=self.file, line=_line(node), **fields),
                RuleRef(fields["rule"], rule_line, f"{key}.rule"))

    def date(self, node: yaml.Node, key: str) -> _dt.date:
        value = self.value(node, key)
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, _dt.date):
            return value
        if isinstance(value, str):
            try:
                return _dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        raise self.fail("应为 YYYY-MM-DD 格式的日期 (expected a YYYY-MM-DD date)", node, key)

