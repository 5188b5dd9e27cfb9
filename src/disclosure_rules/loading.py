"""Loading stage: bytes or text → a parsed report document.

JSON and YAML (safe loading only), UTF-8 with or without a BOM. A duplicated
key is an error in both (otherwise the later value silently replaces a cell).
Non-integral numbers become :class:`decimal.Decimal` so that money is exact;
YAML dates become ISO strings (the contract's type for ``published_on``).
Anything that is not a readable document raises :class:`DocumentError` naming
the file and line:column.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal, TextIO, TypeVar

import yaml

from .errors import DocumentError, ImportReportError
from .pointer import to_pointer

__all__ = ["Report", "load_report", "looks_like_path", "parse_document", "read_file",
           "read_stream"]

Syntax = Literal["json", "yaml", "object"]

_YAML_SUFFIXES = {".yaml", ".yml"}
_JSON_SUFFIXES = {".json", ".jsonl"}


@dataclass(frozen=True, slots=True)
class Report:
    """A loaded report document.

    ``data`` is the parsed document (a dict for a report; any JSON value is
    kept as read, so that validation can say what is wrong with it). ``name``
    is the file it came from (``<string>`` for text). ``text`` is kept so that
    tools can turn a JSON Pointer into a line:column (:meth:`position`).
    """

    data: Any
    name: str = "<string>"
    syntax: Syntax = "object"
    text: str | None = field(default=None, repr=False, compare=False)
    _positions: dict[str, tuple[int, int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def position(self, pointer: str) -> tuple[int, int] | None:
        """The 1-based (line, column) where ``pointer``'s value starts in the
        source text, when the report was read from JSON or YAML text."""
        if self.text is None:
            return None
        if not self._positions:
            if self.syntax == "json":
                self._positions.update(_json_positions(self.text))
            elif self.syntax == "yaml":
                self._positions.update(_yaml_positions(self.text))
        return self._positions.get(pointer)


def load_report(source: str | bytes | os.PathLike[str] | Mapping[str, Any], *,
                name: str | None = None) -> Report:
    """Load a report from a path, from JSON/YAML text or bytes, or from a dict.

    Arguments:
        source: a path (``str`` naming an existing file, or ``PathLike``), the
            document text or bytes, or an already-parsed mapping.
        name: the name to use in messages (defaults to the path, or
            ``<string>``).

    Returns:
        a :class:`Report`.

    Raises:
        DocumentError: the file cannot be read, is not UTF-8, or is not JSON
            or YAML (with line and column), or has a duplicated key.
    """
    if isinstance(source, Mapping):
        return Report(data=_normalise(dict(source)), name=name or "<object>", syntax="object")
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and _looks_like_path(source)
    ):
        path = Path(source)
        label = name or str(source)
        raw = read_file(path, label, DocumentError)
        syntax = _syntax_for(path.suffix.lower(), None)
        text = decode(raw, label)
        return parse_document(text, name=label, syntax=syntax)
    label = name or "<string>"
    text = decode(source, label) if isinstance(source, bytes) else source.lstrip("\ufeff")
    return parse_document(text, name=label)


def _looks_like_path(text: str) -> bool:
    return looks_like_path(text, _YAML_SUFFIXES | _JSON_SUFFIXES)


def looks_like_path(text: str, suffixes: Collection[str]) -> bool:
    """Whether a string given as input names a file (one of ``suffixes``,
    or one that exists: a directory then gets "is a directory") rather than
    holding the document itself."""
    stripped = text.strip()
    if "\n" in text or len(text) > 4096 or not stripped or stripped[0] in "{[<":
        return False
    if Path(text).suffix.lower() in suffixes:
        return True
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


_E = TypeVar("_E", DocumentError, ImportReportError)


def read_file(path: Path, label: str, error: type[_E], max_bytes: int | None = None) -> bytes:
    """The bytes of an input file, or ``error`` naming ``label`` and why not."""
    try:
        if max_bytes is not None and (size := path.stat().st_size) > max_bytes:
            raise error(f"文件过大（{size} 字节）(file too large)", file=label)
        return path.read_bytes()
    except FileNotFoundError:
        raise error("文件不存在 (no such file)", file=label) from None
    except IsADirectoryError:
        raise error("是目录而不是文件 (is a directory)", file=label) from None
    except OSError as exc:
        raise error(f"无法读取 (cannot read): {exc.strerror}", file=label) from None


def _syntax_for(suffix: str, text: str | None) -> Syntax | None:
    if suffix in _JSON_SUFFIXES:
        return "json"
    if suffix in _YAML_SUFFIXES:
        return "yaml"
    return None


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (a BOM is allowed and dropped); anything else is a DocumentError."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DocumentError("是二进制文件，不是 JSON/YAML 文本 (binary file, not JSON/YAML text)",
                            file=name)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        hint = ""
        try:
            raw.decode("gb18030")
            hint = "；看起来是 GBK/GB18030 编码，请另存为 UTF-8 (looks like GBK: save it as UTF-8)"
        except UnicodeDecodeError:
            pass
        raise DocumentError(
            f"不是 UTF-8 编码 (not UTF-8){hint}", file=name, line=line, column=column
        ) from None


def read_stream(stream: TextIO, name: str = "<stdin>") -> str:
    """All of a text stream (standard input), decoded as files are: read as
    bytes where the stream has them, so that a GBK report piped in gets the
    same message as one named on the command line."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        return decode(buffer.read(), name)
    return stream.read().lstrip("\ufeff")


def parse_document(text: str, *, name: str = "<string>", syntax: Syntax | None = None) -> Report:
    """Parse JSON or YAML text into a :class:`Report`.

    Without ``syntax``, text whose first non-blank character is ``{`` or
    ``[`` is JSON, anything else YAML.
    """
    text = text.lstrip("\ufeff")
    if syntax is None or syntax == "object":
        syntax = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
    if not text.strip():
        raise DocumentError("文件为空 (empty document)", file=name, line=1, column=1)
    data = _parse_json(text, name) if syntax == "json" else _parse_yaml(text, name)
    return Report(data=data, name=name, syntax=syntax, text=text)


# --------------------------------------------------------------------- JSON


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # only then find which key, the slow way
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


#: numbers beyond 10^±1000 are refused: no report holds one, and one in a
#: count would make exact arithmetic (int(), sums) arbitrarily slow
MAX_EXPONENT = 1000


def exact_number(text: str) -> Decimal:
    """A number with a fraction or exponent, read exactly."""
    value = Decimal(text)
    if value and value.is_finite() and abs(value.adjusted()) > MAX_EXPONENT:
        raise ValueError(f"数值超出范围 (number out of range): {text[:40]}")
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(
            text,
            object_pairs_hook=_pairs,
            parse_float=exact_number,
            parse_constant=_reject_constant,
        )
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"不是有效的 JSON (invalid JSON): {exc.msg}", file=name, line=exc.lineno,
            column=exc.colno,
        ) from None
    except _DuplicateKey as dup:
        where = _find_duplicate(text)
        line, column, pointer = where if where else (None, None, "")
        raise DocumentError(
            f"键“{dup.key}”重复出现，后一个会覆盖前一个 (duplicated key {dup.key!r}"
            f"{' at ' + pointer if pointer else ''})",
            file=name, line=line, column=column,
        ) from None
    except ValueError as exc:  # NaN / Infinity
        raise DocumentError(f"不是有效的 JSON (invalid JSON): {exc}", file=name) from None
    except RecursionError:
        raise DocumentError("嵌套过深 (nesting too deep)", file=name) from None


class _Scanner:
    """A positional walk over JSON text already known to be well-formed.

    ``json`` gives no positions for values, so duplicate keys and pointer
    positions are found by this second, cheap pass (only when needed).
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.positions: dict[str, tuple[int, int]] = {}
        self.duplicate: tuple[int, str] | None = None
        self._line_starts = [0]
        for idx, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(idx + 1)

    def where(self, offset: int) -> tuple[int, int]:
        import bisect

        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def ws(self) -> None:
        text, i = self.text, self.i
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        self.i = i

    def string(self) -> str:
        end = self.i + 1
        text = self.text
        while True:
            ch = text[end]
            if ch == "\\":
                end += 2
                continue
            if ch == '"':
                break
            end += 1
        value: str = json.loads(text[self.i : end + 1])
        self.i = end + 1
        return value

    def value(self, path: tuple[str, ...]) -> None:
        self.ws()
        self.positions[to_pointer(path)] = self.where(self.i)
        ch = self.text[self.i]
        if ch == "{":
            self.i += 1
            seen: set[str] = set()
            self.ws()
            if self.text[self.i] == "}":
                self.i += 1
                return
            while True:
                self.ws()
                start = self.i
                key = self.string()
                if key in seen and self.duplicate is None:
                    self.duplicate = (start, to_pointer((*path, key)))
                seen.add(key)
                self.ws()
                self.i += 1  # ':'
                self.value((*path, key))
                self.ws()
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                self.i += 1  # '}'
                return
        if ch == "[":
            self.i += 1
            self.ws()
            if self.text[self.i] == "]":
                self.i += 1
                return
            index = 0
            while True:
                self.value((*path, str(index)))
                index += 1
                self.ws()
                if self.text[self.i] == ",":
                    self.i += 1
                    continue
                self.i += 1
                return
        if ch == '"':
            self.string()
            return
        text, i = self.text, self.i
        while i < len(text) and text[i] not in ",]} \t\r\n":
            i += 1
        self.i = i


def _find_duplicate(text: str) -> tuple[int, int, str] | None:
    scanner = _Scanner(text)
    try:
        scanner.value(())
    except (IndexError, ValueError, RecursionError):
        return None
    if scanner.duplicate is None:
        return None
    offset, pointer = scanner.duplicate
    line, column = scanner.where(offset)
    return line, column, pointer


def _json_positions(text: str) -> dict[str, tuple[int, int]]:
    scanner = _Scanner(text)
    try:
        scanner.value(())
    except (IndexError, ValueError, RecursionError):
        return {}
    return scanner.positions


# --------------------------------------------------------------------- YAML


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys and non-string keys, keeps
    non-integral numbers exact, and reads dates as ISO strings."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, (_dt.date, _dt.datetime)):
            key = key.isoformat()
        if not isinstance(key, str):
            mark = key_node.start_mark
            raise DocumentError(
                f"键必须是文本，实际是 {type(key).__name__} {key!r} (keys must be strings)",
                file=loader.name, line=mark.line + 1, column=mark.column + 1,
            )
        if key in result:
            mark = key_node.start_mark
            raise DocumentError(
                f"键“{key}”重复出现，后一个会覆盖前一个 (duplicated key {key!r})",
                file=loader.name, line=mark.line + 1, column=mark.column + 1,
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> Any:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()
    if text in (".inf", "+.inf", "-.inf", ".nan"):
        mark = node.start_mark
        raise DocumentError(
            f"不是有限的数 (not a finite number): {node.value}",
            file=loader.name, line=mark.line + 1, column=mark.column + 1,
        )
    try:
        value = Decimal(text)
    except InvalidOperation:  # sexagesimal and other YAML 1.1 oddities
        value = Decimal(repr(loader.construct_yaml_float(node)))
    return exact_number(str(value))


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        value = loader.construct_yaml_timestamp(node)
    except ValueError:  # 2021-02-30: kept as written, for the schema to judge
        return str(node.value)
    return value.isoformat()


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _parse_yaml(text: str, name: str) -> Any:
    try:
        # The reader checks the characters as it is made ("\0" is refused)
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise DocumentError(f"不是有效的 YAML/JSON (invalid YAML): {exc}", file=name) from None
    loader.name = name
    try:
        return loader.get_single_data()
    except DocumentError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "syntax error"
        raise DocumentError(
            f"不是有效的 YAML/JSON (invalid YAML): {problem}",
            file=name,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"不是有效的 YAML/JSON (invalid YAML): {exc}", file=name) from None
    except (ValueError, TypeError) as exc:  # a constructor refused a tagged value (!!float x)
        raise DocumentError(f"不是有效的 YAML 值 (invalid YAML value): {exc}", file=name) from None
    except RecursionError:
        raise DocumentError("嵌套过深 (nesting too deep)", file=name) from None
    finally:
        loader.dispose()


def _yaml_positions(text: str) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return positions

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        positions[to_pointer(path)] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, (*path, str(key_node.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, str(index)))

    if root is not None:
        walk(root, ())
    return positions


def _normalise(value: Any) -> Any:
    """A dict given directly: floats to exact decimals, dates to ISO text."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value
