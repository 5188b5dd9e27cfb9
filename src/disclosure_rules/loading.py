"""Loading stage: bytes or text → a parsed report document.

JSON and YAML (safe loading only), UTF-8 with or without a BOM. A duplicated
key is an error in both (otherwise the later value silently replaces a cell).
Non-integral numbers become :class:`decimal.Decimal` so that money is exact;
YAML dates become ISO strings (the contract's type for ``published_on``).
Anything that is not a readable document raises :class:`DocumentError` naming
the file and line:column: so does a string that is not valid Unicode (a lone
surrogate, written ``"\\ud800"`` in JSON), which no output could print.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TextIO, TypeVar

import yaml

from .errors import ConfigError, DocumentError, ImportReportError
from .pointer import split_pointer, to_pointer

__all__ = ["MAX_DOCUMENT_BYTES", "Report", "load_report", "looks_like_path", "parse_document",
           "read_bounded", "read_file", "read_stream", "read_stream_bytes"]

Syntax = Literal["json", "yaml", "object"]

_YAML_SUFFIXES = {".yaml", ".yml"}
_JSON_SUFFIXES = {".json", ".jsonl"}


class _Memo:
    """What a report has learnt about its own text: the positions asked for
    so far, the JSON containers read so far, the composed YAML tree. A cache
    only: it does not travel with a pickled report (it is rebuilt from the
    text when asked again)."""

    __slots__ = ("composed", "json", "node", "positions")

    def __init__(self) -> None:
        self.positions: dict[str, tuple[int, int] | None] = {}
        self.json: _JsonIndex | None = None
        self.composed = False  # whether ``node`` is known (None: an empty YAML document)
        self.node: yaml.Node | None = None

    def __reduce__(self) -> tuple[type[_Memo], tuple[()]]:
        return _Memo, ()


@dataclass(frozen=True, slots=True)
class Report:
    """A loaded report document.

    ``data`` is the parsed document (a dict for a report; any JSON value is
    kept as read, so that validation can say what is wrong with it). ``name``
    is the file it came from (``<string>`` for text). ``text`` is kept so that
    tools can turn a JSON Pointer into a line:column (:meth:`position`).

    Make one with :func:`load_report`: it checks that a mapping holds only
    what JSON text could (string keys, finite numbers, …) and reads floats
    exactly; a ``Report(data=…)`` made by hand skips those checks.
    """

    data: Any
    name: str = "<string>"
    syntax: Syntax = "object"
    text: str | None = field(default=None, repr=False, compare=False)
    _memo: _Memo = field(default_factory=_Memo, init=False, repr=False, compare=False)

    def position(self, pointer: str) -> tuple[int, int] | None:
        """The 1-based (line, column) where ``pointer``'s value starts in the
        source text, when the report was read from JSON or YAML text (None
        when it was not, or when the document has no such value)."""
        if self.text is None:
            return None
        positions = self._memo.positions
        if pointer in positions:
            return positions[pointer]
        found = self._locate(pointer)
        where = found[1] if found is not None else None
        positions[pointer] = where
        return where

    def _locate(self, pointer: str) -> tuple[tuple[int, int] | None, tuple[int, int]] | None:
        """Where ``pointer``'s key (None for an array item or the root) and
        value start, or None."""
        parts = _pointer_parts(pointer)
        if parts is None or self.text is None:
            return None
        if self.syntax == "json":
            index = self._memo.json
            if index is None:
                index = self._memo.json = _JsonIndex(self.text)
            return index.locate(parts)
        if self.syntax == "yaml":
            memo = self._memo
            if not memo.composed:  # a copy (replace(), pickle) keeps the text, not the tree
                memo.composed = True
                try:
                    memo.node = _parse_yaml(self.text, self.name)[1]
                except DocumentError:
                    memo.node = None
            return _yaml_locate(memo.node, parts) if memo.node is not None else None
        return None


def load_report(source: str | bytes | os.PathLike[str] | Mapping[str, Any], *,
                name: str | None = None) -> Report:
    """Load a report from a path, from JSON/YAML text or bytes, or from a dict.

    Arguments:
        source: a path (``str`` naming an existing file or ending in
            ``.json``/``.yaml``/``.yml``, or ``PathLike``), the document
            text or bytes, or an already-parsed mapping. Text from someone
            else (a request body) goes as ``bytes``: as ``str`` it could
            name a file of this machine.
        name: the name to use in messages (defaults to the path, or
            ``<string>``).

    Returns:
        a :class:`Report`.

    Raises:
        DocumentError: the file cannot be read, is not UTF-8, or is not JSON
            or YAML (with line and column), or has a duplicated key; a
            mapping holds what JSON text could not (a key that is not a
            string, a number that is not finite or out of range, a value of
            another type; the message names its JSON Pointer); ``source`` is
            none of these (a list: give it as JSON text to have it checked).
    """
    if isinstance(source, str) and not _looks_like_path(source) and (
            type(source) is str or not isinstance(source, os.PathLike)):
        # text, the usual call: decided before the abstract type tests (a
        # call into abc each); a str that is also PathLike is a path
        return parse_document(source.lstrip("\ufeff"), name=name or "<string>")
    if isinstance(source, Mapping):
        label = name or "<object>"
        return Report(data=_normalise(source, label), name=label, syntax="object")
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and _looks_like_path(source)
    ):
        path = Path(source)
        label = name or str(source)
        raw = read_file(path, label, DocumentError)
        syntax = _syntax_for(path.suffix.lower(), None)
        text = decode(raw, label)
        return _parse_document(text, label, syntax, decoded=True)
    if isinstance(source, (bytes, bytearray, memoryview)):
        label = name or "<string>"
        return _parse_document(decode(bytes(source), label), label, None, decoded=True)
    kind = type(source).__name__
    raise DocumentError(
        f"无法读取 {kind} 对象：须是路径、JSON/YAML 文本或字典 (cannot load a {kind}: give a "
        "path, JSON/YAML text or bytes, or a mapping)", file=name or "<object>")


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


_E = TypeVar("_E", DocumentError, ImportReportError, ConfigError)


#: the largest input read as one document (a report's JSON is some tens of
#: kilobytes): a larger file, or one without an end such as ``/dev/zero``,
#: is refused after this many bytes instead of filling the memory
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


def _too_large(limit: int) -> str:
    return f"文件超过 {limit // (1024 * 1024)} MiB，未读取 (larger than {limit} bytes; not read)"


def read_bounded(handle: BinaryIO, limit: int = MAX_DOCUMENT_BYTES) -> bytes | None:
    """At most ``limit`` bytes of ``handle`` to its end; None when there are
    more (the rest is not read)."""
    data = handle.read(limit + 1)
    return None if len(data) > limit else data


def read_file(path: Path, label: str, error: type[_E],
              max_bytes: int = MAX_DOCUMENT_BYTES) -> bytes:
    """The bytes of an input file, or ``error`` naming ``label`` and why not
    (among the reasons: more than ``max_bytes``, however the file ends)."""
    try:
        with path.open("rb") as handle:
            data = read_bounded(handle, max_bytes)
    except FileNotFoundError:
        raise error("文件不存在 (no such file)", file=label) from None
    except IsADirectoryError:
        raise error("是目录而不是文件 (is a directory)", file=label) from None
    except OSError as exc:
        raise error(f"无法读取 (cannot read): {exc.strerror}", file=label) from None
    if data is None:
        raise error(_too_large(max_bytes), file=label)
    return data


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


def read_stream_bytes(stream: TextIO, name: str, error: type[_E]) -> bytes:
    """The bytes of a stream (standard input) to its end, at most
    :data:`MAX_DOCUMENT_BYTES` (else ``error`` naming ``name``): its binary
    buffer where it has one, else its text as UTF-8."""
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        data = read_bounded(buffer)
    else:
        text = stream.read(MAX_DOCUMENT_BYTES + 1).encode("utf-8", "surrogatepass")
        data = text if len(text) <= MAX_DOCUMENT_BYTES else None
    if data is None:
        raise error(_too_large(MAX_DOCUMENT_BYTES), file=name)
    return data


def read_stream(stream: TextIO, name: str = "<stdin>") -> str:
    """All of a text stream (standard input), decoded as files are: read as
    bytes where the stream has them, so that a GBK report piped in gets the
    same message as one named on the command line."""
    return decode(read_stream_bytes(stream, name, DocumentError), name)


def parse_document(text: str, *, name: str = "<string>", syntax: Syntax | None = None) -> Report:
    """Parse JSON or YAML text into a :class:`Report`.

    Without ``syntax``, text whose first non-blank character is ``{`` or
    ``[`` is JSON, anything else YAML.
    """
    return _parse_document(text, name, syntax, decoded=False)


def _parse_document(text: str, name: str, syntax: Syntax | None, *, decoded: bool) -> Report:
    """:func:`parse_document`; ``decoded``: the text was decoded from bytes
    here, so holds no surrogate but from an escape."""
    text = text.lstrip("\ufeff")
    if syntax is None or syntax == "object":
        syntax = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
    if not text.strip():
        raise DocumentError("文件为空 (empty document)", file=name, line=1, column=1)
    if syntax == "json":
        report = Report(data=_parse_json(text, name), name=name, syntax=syntax, text=text)
    else:
        data, node = _parse_yaml(text, name)
        if node is not None and "*" in text:  # an alias may repeat a large part
            _refuse_expansion(node, name)
        report = Report(data=data, name=name, syntax=syntax, text=text)
        report._memo.node, report._memo.composed = node, True
    if _ESCAPED_SURROGATE.search(text) or (not decoded and _bad_text(text)):
        _refuse_lone_surrogates(report)
    return report


# ------------------------------------------------------------ JSON Pointers


def _pointer_parts(pointer: str) -> tuple[str, ...] | None:
    """The keys of a pointer as :func:`to_pointer` writes it, or None (a
    pointer written otherwise, such as ``/a~2``, names no value)."""
    try:
        parts = split_pointer(pointer)
    except ValueError:
        return None
    return parts if to_pointer(parts) == pointer else None


def _array_index(part: str) -> int | None:
    """The array item ``part`` names (``0``, ``12``: no sign, no leading
    zero, no other digits), or None."""
    if not (part.isascii() and part.isdigit()) or (part[0] == "0" and part != "0"):
        return None
    return int(part)


def _line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset)


# ------------------------------------------------------------ lone surrogates

#: a lone surrogate reaches a string only from an escape (JSON ``\ud800``,
#: YAML ``"\ud800"``/``"\U0000d800"``), or from a str given as input
_ESCAPED_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F]")


def _bad_text(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (cannot be written as UTF-8)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _printable(text: str) -> str:
    """``text`` with each lone surrogate written as ``\\udXXX``."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _refuse_lone_surrogates(report: Report) -> None:
    """DocumentError at the first string (key or value) of the document that
    holds a lone surrogate, if any."""
    stack: list[tuple[tuple[str, ...], Any]] = [((), report.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            key = next((k for k in value if _bad_text(k)), None)
            if key is not None:
                _refuse_surrogate(report, (*path, key), key, is_key=True)
            stack.extend(((*path, k), v) for k, v in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), v) for i, v in reversed(list(enumerate(value))))
        elif isinstance(value, str) and _bad_text(value):
            _refuse_surrogate(report, path, value, is_key=False)


def _refuse_surrogate(report: Report, path: tuple[str, ...], text: str, *,
                      is_key: bool) -> None:
    found = report._locate(to_pointer(path))
    line = column = None
    if found is not None:
        line, column = found[0] if is_key and found[0] is not None else found[1]
    what = ("键", "a key") if is_key else ("字符串", "a string")
    pointer = _printable(to_pointer(path))
    # PyYAML reads the two escapes of a pair (JSON's way) each alone
    hint = ("；YAML 中请直接写出该字符或写作 \\UXXXXXXXX", "; in YAML, write the character "
            "itself or \\UXXXXXXXX") if report.syntax == "yaml" else ("", "")
    raise DocumentError(
        f"{what[0]}{_SURROGATE_MESSAGE[0]}{hint[0]} ({what[1]} {_SURROGATE_MESSAGE[1]}: "
        f"{text[:60]!r}{' at ' + pointer if pointer else ''}{hint[1]})",
        file=report.name, line=line, column=column)


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
    """A positional walk over JSON text already known to be well-formed,
    to find where a duplicated key is (``json`` says which key, not where).
    Slow (a Python loop over every character), and run only then."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.duplicate: tuple[int, str] | None = None

    def ws(self) -> None:
        text, i = self.text, self.i
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        self.i = i

    def string(self) -> str:
        value, self.i = _scanstring(self.text, self.i + 1)
        return value

    def value(self, path: tuple[str, ...]) -> None:
        self.ws()
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
    line, column = _line_column(text, offset)
    return line, column, pointer


# json's C string scanner and decoder (typeshed does not declare scanstring)
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
#: (the C scanner: raw_decode less its Python wrapper; StopIteration on an error)
_skip_value: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_SPACE = re.compile(r"[ \t\n\r]*")
#: up to the next member of a container: white space, a comma, and for an
#: object's member with an unescaped key, the key, the colon and white space
_HEAD = re.compile(r'[ \t\n\r]*(?:,[ \t\n\r]*)?(?:"([^"\\]*)"[ \t\n\r]*:[ \t\n\r]*)?')


def _space(text: str, offset: int) -> int:
    """The offset of the first character at or after ``offset`` that is not
    JSON white space."""
    match = _SPACE.match(text, offset)
    return match.end() if match else offset


class _Container:
    """The members of one JSON object or array read so far (key → offsets of
    the key and of its value; the offsets of the items), and the offset
    reading resumes at: the value of the last member read (not yet skipped,
    it may be the one wanted next), or after the closing bracket once it is
    reached (``done``)."""

    __slots__ = ("done", "items", "keys", "resume")

    def __init__(self, start: int) -> None:
        self.keys: dict[str, tuple[int, int]] = {}
        self.items: list[int] = []
        self.resume = start + 1
        self.done = False


class _JsonIndex:
    """Positions in well-formed JSON text, found along the pointers asked for.

    Reading descends from the root through each container on the pointer's
    path, reading its members only as far as the one wanted: keys with
    ``json``'s C string scanner, sibling values skipped by its C decoder.
    What was read of each container is kept, so that pointers sharing a
    prefix (a report's findings mostly do) read it once.
    """

    __slots__ = ("containers", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.containers: dict[int, _Container] = {}

    def locate(self, parts: Sequence[str]) -> tuple[tuple[int, int] | None,
                                                    tuple[int, int]] | None:
        """(line, column) of the key (None for an array item or the root)
        and of the value at ``parts``, or None."""
        text = self.text
        try:
            offset = _space(text, 0)
            if offset == len(text):
                return None
            key = -1
            for part in parts:
                opening = text[offset]
                if opening not in "{[":
                    return None
                container = self.containers.get(offset)
                if container is None:
                    container = self.containers[offset] = _Container(offset)
                if opening == "{":
                    found = self._member(container, part)
                    if found is None:
                        return None
                    key, offset = found
                else:
                    index = _array_index(part)
                    if index is None:
                        return None
                    while len(container.items) <= index and not container.done:
                        self._read(container, is_object=False)
                    if index >= len(container.items):
                        return None
                    key, offset = -1, container.items[index]
        except (ValueError, IndexError, StopIteration, RecursionError):  # not JSON
            return None
        return (_line_column(text, key) if key >= 0 else None), _line_column(text, offset)

    def _member(self, container: _Container, key: str) -> tuple[int, int] | None:
        while key not in container.keys and not container.done:
            self._read(container, is_object=True)
        return container.keys.get(key)

    def _read(self, container: _Container, *, is_object: bool) -> None:
        """Read the next member of ``container`` (or find that it has no more)."""
        text = self.text
        offset = container.resume
        if container.keys or container.items:  # past the last member's value
            inner = self.containers.get(offset)
            offset = inner.resume if inner is not None and inner.done else \
                _skip_value(text, offset)[1]
        head = _HEAD.match(text, offset)
        if head is None:
            raise ValueError("not JSON")
        start = head.end()
        if text[start] in "}]":
            container.resume, container.done = start + 1, True
            return
        if is_object:
            name = head.group(1)
            if name is not None:  # "plain": the key as written
                key = head.start(1) - 1
            else:  # "with \\escapes"
                key = start
                name, after = _scanstring(text, key + 1)
                colon = _space(text, after)
                if text[colon] != ":":
                    raise ValueError("':' expected")
                start = _space(text, colon + 1)
            container.keys.setdefault(name, (key, start))
        else:
            container.items.append(start)
        container.resume = start


# --------------------------------------------------------------------- YAML


if TYPE_CHECKING:
    _FastBase = yaml.SafeLoader
else:  # libyaml's parser when PyYAML was built with it: several times faster
    _FastBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_FastBase):
    """SafeLoader that refuses duplicate keys and non-string keys, keeps
    non-integral numbers exact, and reads dates as ISO strings (on libyaml
    when PyYAML has it)."""


class _PyLoader(yaml.SafeLoader):
    """The same on PyYAML's own parser, whose messages for a document it
    refuses are the ones given (libyaml words them differently)."""


_LIBYAML = not issubclass(_Loader, yaml.reader.Reader)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[str, Any]:
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


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
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


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        value = loader.construct_yaml_timestamp(node)
    except ValueError:  # 2021-02-30: kept as written, for the schema to judge
        return str(node.value)
    return value.isoformat()


for _class in (_Loader, _PyLoader):
    _class.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _class.add_constructor("tag:yaml.org,2002:float", _construct_float)
    _class.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _parse_yaml(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """The document and its composed tree (None for an empty document).

    Composed once, by libyaml when present; a document it refuses (or that a
    constructor refuses) is read again by PyYAML's parser, which raises the
    error users see (its wording, its line:column) or, where libyaml is the
    stricter of the two, reads it as PyYAML always did.
    """
    if _LIBYAML:
        try:
            return _compose_and_construct(_Loader, text, name)
        except Exception:  # an error is reported by the second reading
            pass
    return _load_reporting_errors(text, name)


def _compose_and_construct(loader_class: type[yaml.SafeLoader], text: str,
                           name: str) -> tuple[Any, yaml.Node | None]:
    loader = loader_class(text)
    loader.name = name
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


def _load_reporting_errors(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    try:
        # The reader checks the characters as it is made ("\0" is refused)
        return _compose_and_construct(_PyLoader, text, name)
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


#: the most values a document may hold, YAML aliases expanded (a report
#: holds some hundreds): "billion laughs" aliases would make every walk over
#: the document, and every output of it, take forever
MAX_VALUES = 1_000_000


def _refuse_expansion(root: yaml.Node, name: str) -> None:
    """DocumentError at the first collection that holds more than
    :data:`MAX_VALUES` values once its aliases are expanded (counted once
    per shared node, without recursion)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, ready = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children: list[yaml.Node] = [part for pair in node.value for part in pair] \
            if isinstance(node, yaml.MappingNode) else list(node.value)
        if not ready:
            if id(node) not in sizes:
                stack.append((node, True))
                stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes[id(c)] for c in children)
        if total > MAX_VALUES:
            mark = node.start_mark
            raise DocumentError(
                f"别名展开后超过 {MAX_VALUES} 个值，不像一份报告 (its aliases expand to more "
                f"than {MAX_VALUES} values)", file=name, line=mark.line + 1,
                column=mark.column + 1)
        sizes[id(node)] = total


def _yaml_locate(node: yaml.Node, parts: Sequence[str]) -> tuple[tuple[int, int] | None,
                                                                  tuple[int, int]] | None:
    """(line, column) of the key (None for an item or the root) and of the
    value at ``parts`` in a composed YAML document, or None. A key is found
    as written (its scalar text); merged keys (``<<``) were flattened into
    their mapping by the constructor."""
    key: yaml.Node | None = None
    for part in parts:
        if isinstance(node, yaml.MappingNode):
            found = None
            for key_node, value_node in node.value:
                if str(key_node.value) == part:
                    found = key_node, value_node
            if found is None:
                return None
            key, node = found
        elif isinstance(node, yaml.SequenceNode):
            index = _array_index(part)
            if index is None or index >= len(node.value):
                return None
            key, node = None, node.value[index]
        else:
            return None
    start = node.start_mark
    return ((key.start_mark.line + 1, key.start_mark.column + 1) if key is not None else None,
            (start.line + 1, start.column + 1))


# ------------------------------------------------------------ Python objects

#: the most digits json (and str()) accept in an integer by default
MAX_INT_DIGITS = 4300
_INT_LIMIT = 10 ** MAX_INT_DIGITS
_SURROGATE_MESSAGE = ("含有不成对的代理码位，不是有效的 Unicode",
                      "holds a lone surrogate, which is not Unicode text")


def _normalise(document: Any, name: str) -> Any:
    """A document given as Python objects, held to what JSON text could
    hold: string keys, finite numbers in range (floats become exact
    decimals), strings that are Unicode, no other types; dates become ISO
    text, tuples lists, mappings dicts. Anything else is a DocumentError
    naming its JSON Pointer."""
    path: list[str] = []
    # a structure that shares its parts is copied whole: bounded as YAML
    # aliases are
    budget = [MAX_VALUES]

    def refuse(chinese: str, english: str) -> DocumentError:
        pointer = _printable(to_pointer(path))
        return DocumentError(f"{chinese} ({english}{' at ' + pointer if pointer else ''})",
                             file=name)

    def walk(value: Any) -> Any:
        budget[0] -= 1
        if budget[0] < 0:
            raise refuse(f"超过 {MAX_VALUES} 个值，不像一份报告",
                         f"more than {MAX_VALUES} values")
        if isinstance(value, str):
            if _bad_text(value):
                raise refuse(f"字符串{_SURROGATE_MESSAGE[0]}",
                             f"a string {_SURROGATE_MESSAGE[1]}: {value[:60]!r}")
            return value
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, int):
            if not -_INT_LIMIT < value < _INT_LIMIT:
                raise refuse(f"整数超过 {MAX_INT_DIGITS} 位",
                             f"an integer of more than {MAX_INT_DIGITS} digits")
            return int(value)
        if isinstance(value, (float, Decimal)):
            number = Decimal(repr(value)) if isinstance(value, float) else value
            if not number.is_finite():
                raise refuse("不是有限的数", f"not a finite number: {value}")
            try:
                return exact_number(str(number))
            except ValueError:
                raise refuse("数值超出范围", f"number out of range: {str(number)[:40]}") from None
        if isinstance(value, Mapping):
            result: dict[str, Any] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise refuse(f"键必须是文本，实际是 {type(key).__name__} {key!r}",
                                 "keys must be strings")
                path.append(key)
                if _bad_text(key):
                    raise refuse(f"键{_SURROGATE_MESSAGE[0]}", f"a key {_SURROGATE_MESSAGE[1]}")
                result[key] = walk(item)
                path.pop()
            return result
        if isinstance(value, (list, tuple)):
            items = []
            for index, item in enumerate(value):
                path.append(str(index))
                items.append(walk(item))
                path.pop()
            return items
        if isinstance(value, (_dt.date, _dt.datetime)):
            return value.isoformat()
        kind = type(value).__name__
        raise refuse(f"不是 JSON 值：{kind}", f"not a JSON value: {kind}")

    try:
        return walk(document)
    except RecursionError:
        raise DocumentError("嵌套过深 (nesting too deep)", file=name) from None
