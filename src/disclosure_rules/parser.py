"""Parsing stage: rule text → lark parse tree → :mod:`ast` nodes.

The grammar ships in the package (``grammar.lark``) and is built once per
process with lark's LALR parser; lark caches the tables on disk, so a new
process does not rebuild them. Every lark exception is turned into
:class:`RuleSyntaxError` with the file, line and column, the line with a
caret under the problem, and what was expected in plain words.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, TypeVar

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.tree import Meta, Tree

from . import ast
from .errors import RuleSyntaxError

__all__ = ["MAX_DEPTH", "caret_context", "parse_expression", "parse_rules"]

#: The deepest expression nesting a rule may have (keeps every later stage's
#: recursion far from Python's limit, whatever a stranger's file contains).
MAX_DEPTH = 80


@cache
def _parser() -> Lark:
    grammar = (files(__package__) / "grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "expr"],
        cache=True,
    )


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def caret_context(text: str, line: int, column: int) -> str:
    """The source line and a caret under ``column`` (wide characters count
    as two cells, so the caret lines up under Chinese text too)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    raw = lines[line - 1]
    at = max(column - 1, 0)
    # A very long line is shown around the column, "..." where it is cut
    # (ASCII: "…" is one cell wide in some terminals and two in others).
    start = at - _CONTEXT if at > _CONTEXT else 0
    end = at + _CONTEXT
    head = "..." if start else ""
    tail = "..." if end < len(raw) else ""
    # The column counts characters of the raw line: cut there, then expand
    # tabs in the part before the caret as the shown line expands them.
    source = head + raw[start:end].expandtabs(4) + tail
    prefix = head + raw[start:at].expandtabs(4)
    return f"  {source}\n  {' ' * _display_width(prefix)}^"


#: characters of a long source line shown on each side of an error's column
_CONTEXT = 60


_WORDS = {
    "NAME": "名称 (a name)",
    "STRING": "带引号的文本 (a \"string\")",
    "NUMBER": "数字 (a number)",
    "YEAR": "四位年份 (a year such as 2021)",
    "RULE_ID": "规则编号，如 APP-BALANCE (a rule id such as APP-BALANCE)",
    "COMP_OP": "比较符 == != < <= > >=",
    "$END": "文件结尾 (end of file)",
}


def _describe(terminal: str) -> str:
    if terminal in _WORDS:
        return _WORDS[terminal]
    for term in _parser().terminals:
        if term.name == terminal and term.pattern.type == "str":
            return f"“{term.pattern.value}”"
    return terminal


def _expected(names: set[str] | frozenset[str]) -> list[str]:
    return sorted({_describe(n) for n in names})


def _syntax_error(text: str, file: str, exc: UnexpectedInput) -> RuleSyntaxError:
    line = max(int(getattr(exc, "line", 1) or 1), 1)
    column = max(int(getattr(exc, "column", 1) or 1), 1)
    expected: list[str] = []
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            line, column = _end(text)
            what = "文件意外结束 (unexpected end of file)"
        else:
            what = f"意外的“{token}” (unexpected {token!s})"
        expected = _expected(exc.expected)
        if token.type == "COMP_OP":
            # A comparison where none can follow is a chain (a < b < c,
            # x in L == false): "use ==" would mislead whoever wrote ==.
            what += ("；比较不能连写，请用 and 连接两个比较，或加括号"
                     " (comparisons do not chain: join them with and, or add parentheses)")
        elif str(token) == "=":
            what += "；比较相等请用 == (use == to compare)"
    elif isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        char = text[pos] if pos < len(text) else ""
        what = f"意外的字符“{char}” (unexpected character {char!r})"
        if char == "=":
            what += "；比较相等请用 == (use == to compare)"
        elif char in "“”":
            what += "；字符串请用英文双引号 \"…\" (strings use ASCII double quotes)"
        expected = _expected(exc.allowed or set())
    elif isinstance(exc, UnexpectedEOF):
        line, column = _end(text)
        what = "文件意外结束 (unexpected end of file)"
        expected = _expected(set(exc.expected))
    else:  # pragma: no cover - lark has no other UnexpectedInput
        what = "无法解析 (cannot parse)"
    message = what
    if expected:
        shown = "、".join(expected[:8]) + ("…" if len(expected) > 8 else "")
        message += f"；此处应为 (expected): {shown}"
    return RuleSyntaxError(message, file=file, line=line, column=column,
                           context=caret_context(text, line, column), expected=expected)


def _end(text: str) -> tuple[int, int]:
    """Line and column just after the last character that is not a space."""
    body = text.rstrip()
    lines = body.split("\n")
    return len(lines), len(lines[-1]) + 1


def _newlines(text: str) -> str:
    # lark counts lines by "\n": Windows and old Mac line ends become "\n"
    # so that every position we report is the one an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Positioned(Exception):
    """A problem found while building the AST, with its position."""

    def __init__(self, message: str, meta: Meta | Token) -> None:
        super().__init__(message)
        self.message = message
        self.line = getattr(meta, "line", 1) or 1
        self.column = getattr(meta, "column", 1) or 1


def _span(meta: Meta | Token) -> ast.Span:
    return ast.Span(
        getattr(meta, "line", 0) or 0,
        getattr(meta, "column", 0) or 0,
        getattr(meta, "end_line", 0) or 0,
        getattr(meta, "end_column", 0) or 0,
    )


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "/": "/"}


def unquote(token: Token) -> str:
    """The value of a STRING token, escapes resolved."""
    raw = str(token)[1:-1]
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and len(raw) >= i + 6 and all(
                c in "0123456789abcdefABCDEF" for c in raw[i + 2 : i + 6]):
            out.append(chr(int(raw[i + 2 : i + 6], 16)))  # four hex digits, nothing else
            i += 6
        elif nxt == "u":
            raise _Positioned(f"无效的转义 \\{raw[i + 1:i + 6]} (bad escape: \\u needs four hex "
                              "digits)", token)
        else:
            raise _Positioned(f"无效的转义 \\{nxt} (bad escape; use \\\\ for a backslash)", token)
    return "".join(out)


def _number(token: Token) -> int | Decimal:
    text = str(token)
    if len(text) > 40:
        raise _Positioned("数字过长 (number literal too long)", token)
    return Decimal(text) if "." in text else int(text)


_N = TypeVar("_N")


@v_args(meta=True)
class _ToAst(Transformer_NonRecursive):  # type: ignore[type-arg]
    """lark tree → AST. Non-recursive, so a deep tree cannot overflow the
    stack here; the depth limit is enforced as nodes are built."""

    def __init__(self) -> None:
        super().__init__()
        self.depth: dict[int, int] = {}

    def _node(self, meta: Meta, node: _N, *children: Any) -> _N:
        depth = 1 + max((self.depth.get(id(c), 0) for c in children), default=0)
        if depth > MAX_DEPTH:
            raise _Positioned(
                f"表达式嵌套过深（超过 {MAX_DEPTH} 层；很长的加法请写成 sum(…)） "
                f"(expression nested too deeply: more than {MAX_DEPTH} levels; write a long "
                "addition as sum(…))", meta)
        self.depth[id(node)] = depth
        return node

    # -- atoms
    def number(self, meta: Meta, c: list[Token]) -> ast.Num:
        return ast.Num(_number(c[0]), _span(meta))

    def string(self, meta: Meta, c: list[Token]) -> ast.Str:
        return ast.Str(unquote(c[0]), _span(meta))

    def true(self, meta: Meta, c: list[Any]) -> ast.Bool:
        return ast.Bool(True, _span(meta))

    def false(self, meta: Meta, c: list[Any]) -> ast.Bool:
        return ast.Bool(False, _span(meta))

    def name(self, meta: Meta, c: list[Token]) -> ast.Name:
        return ast.Name(str(c[0]), _span(meta))

    def segment(self, meta: Meta, c: list[Token]) -> tuple[str, bool]:
        token = c[0]
        if token.type == "STRING":
            return unquote(token), True
        return str(token), False

    def member(self, meta: Meta, c: list[Any]) -> ast.Member:
        key, quoted = c[1]
        return self._node(meta, ast.Member(c[0], key, quoted, _span(meta)), c[0])

    def wildcard(self, meta: Meta, c: list[Any]) -> ast.Wildcard:
        return self._node(meta, ast.Wildcard(c[0], _span(meta)), c[0])

    def index(self, meta: Meta, c: list[Any]) -> ast.Index:
        return self._node(meta, ast.Index(c[0], c[1], _span(meta)), c[0], c[1])

    def call(self, meta: Meta, c: list[Any]) -> ast.Call:
        args = tuple(a for a in c[1:] if a is not None)
        return self._node(meta, ast.Call(str(c[0]), args, _span(meta)), *args)

    def generator(self, meta: Meta, c: list[Any]) -> ast.Generator:
        func, body, var, iterable, where = c
        node = ast.Generator(str(func), body, str(var), iterable, where, _span(meta))
        return self._node(meta, node, body, iterable, *([where] if where is not None else []))

    def list_lit(self, meta: Meta, c: list[Any]) -> ast.ListLit:
        items = tuple(x for x in c if x is not None)
        return self._node(meta, ast.ListLit(items, _span(meta)), *items)

    def set_lit(self, meta: Meta, c: list[Any]) -> ast.SetLit:
        items = tuple(x for x in c if x is not None)
        return self._node(meta, ast.SetLit(items, _span(meta)), *items)

    # -- operators
    def neg(self, meta: Meta, c: list[Any]) -> ast.Neg:
        return self._node(meta, ast.Neg(c[0], _span(meta)), c[0])

    def _binary(self, cls: Any, meta: Meta, c: list[Any]) -> Any:
        return self._node(meta, cls(c[0], c[1], _span(meta)), c[0], c[1])

    def add(self, meta: Meta, c: list[Any]) -> ast.Add:
        return self._binary(ast.Add, meta, c)  # type: ignore[no-any-return]

    def sub(self, meta: Meta, c: list[Any]) -> ast.Sub:
        return self._binary(ast.Sub, meta, c)  # type: ignore[no-any-return]

    def mul(self, meta: Meta, c: list[Any]) -> ast.Mul:
        return self._binary(ast.Mul, meta, c)  # type: ignore[no-any-return]

    def div(self, meta: Meta, c: list[Any]) -> ast.Div:
        return self._binary(ast.Div, meta, c)  # type: ignore[no-any-return]

    def and_op(self, meta: Meta, c: list[Any]) -> ast.And:
        return self._binary(ast.And, meta, c)  # type: ignore[no-any-return]

    def or_op(self, meta: Meta, c: list[Any]) -> ast.Or:
        return self._binary(ast.Or, meta, c)  # type: ignore[no-any-return]

    def not_op(self, meta: Meta, c: list[Any]) -> ast.Not:
        return self._node(meta, ast.Not(c[0], _span(meta)), c[0])

    def compare(self, meta: Meta, c: list[Any]) -> ast.Compare:
        return self._node(meta, ast.Compare(str(c[1]), c[0], c[2], _span(meta)), c[0], c[2])

    def in_op(self, meta: Meta, c: list[Any]) -> ast.In:
        return self._node(meta, ast.In(c[0], c[1], False, _span(meta)), c[0], c[1])

    def not_in_op(self, meta: Meta, c: list[Any]) -> ast.In:
        return self._node(meta, ast.In(c[0], c[1], True, _span(meta)), c[0], c[1])

    def if_expr(self, meta: Meta, c: list[Any]) -> ast.If:
        return self._node(meta, ast.If(c[0], c[1], c[2], _span(meta)), *c)

    # -- statements
    def text_pair(self, meta: Meta, c: list[Any]) -> ast.TextPair:
        zh = unquote(c[0])
        en = unquote(c[1]) if c[1] is not None else None
        return ast.TextPair(zh, en, _span(meta))

    def let_stmt(self, meta: Meta, c: list[Any]) -> ast.Let:
        return ast.Let(str(c[0]), c[1], _span(meta))

    def block(self, meta: Meta, c: list[Any]) -> tuple[Any, ...]:
        return tuple(c)

    def for_stmt(self, meta: Meta, c: list[Any]) -> ast.For:
        return ast.For(str(c[0]), c[1], c[2], c[3], _span(meta))

    def when_stmt(self, meta: Meta, c: list[Any]) -> ast.When:
        return ast.When(c[0], c[1], _span(meta))

    def at(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("at", c[0], meta)

    def within(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("within", c[0], meta)

    def message(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("message", c[0], meta)

    def level(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Meta]:
        return ("severity", str(c[0]), meta)

    def _options(self, options: list[tuple[str, Any, Meta]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value, meta in options:
            if key in seen:
                raise _Positioned(f"“{key}”重复 (duplicate '{key}')", meta)
            seen[key] = value
        return seen

    def assert_stmt(self, meta: Meta, c: list[Any]) -> ast.Assert:
        opts = self._options(c[1:])
        return ast.Assert(c[0], opts.get("at"), opts.get("within"), opts.get("message"),
                          opts.get("severity"), _span(meta))

    def report_stmt(self, meta: Meta, c: list[Any]) -> ast.ReportStmt:
        opts = self._options(c)
        return ast.ReportStmt(opts.get("at"), opts.get("message"), opts.get("severity"),
                              _span(meta))

    # -- rule metadata
    def title(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("title", c[0], meta)

    def description(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("description", c[0], meta)

    def severity(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Meta]:
        return ("severity", str(c[0]), meta)

    def cite(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Meta]:
        return ("cite", unquote(c[0]), meta)

    def formats(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Meta]:
        return ("formats", tuple(str(t) for t in c), meta)

    def years(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Meta]:
        return ("years", c[0], meta)

    def years_between(self, meta: Meta, c: list[Token]) -> tuple[int | None, int | None]:
        return (int(c[0]), int(c[1]))

    def years_from(self, meta: Meta, c: list[Token]) -> tuple[int | None, int | None]:
        return (int(c[0]), None)

    def years_until(self, meta: Meta, c: list[Token]) -> tuple[int | None, int | None]:
        return (None, int(c[0]))

    def years_only(self, meta: Meta, c: list[Token]) -> tuple[int | None, int | None]:
        return (int(c[0]), int(c[0]))

    def rule(self, meta: Meta, c: list[Any]) -> ast.Rule:
        rule_id = str(c[0])
        meta_items: dict[str, Any] = {}
        spans: list[tuple[str, ast.Span]] = []
        body: list[Any] = []
        for item in c[1:]:
            if isinstance(item, tuple) and len(item) == 3 and isinstance(item[0], str):
                key, value, item_meta = item
                if key in meta_items:
                    raise _Positioned(f"规则 {rule_id} 的“{key}”重复 (duplicate '{key}')",
                                      item_meta)
                meta_items[key] = value
                spans.append((key, _span(item_meta)))
            else:
                body.append(item)
        return ast.Rule(
            rule_id=rule_id,
            title=meta_items.get("title"),
            severity=meta_items.get("severity"),
            cite=meta_items.get("cite"),
            formats=meta_items.get("formats", ()),
            years=meta_items.get("years"),
            description=meta_items.get("description"),
            body=tuple(body),
            span=_span(meta),
            meta_spans=tuple(spans),
        )

    def pack(self, meta: Meta, c: list[Any]) -> ast.Pack:
        return ast.Pack(unquote(c[0]), unquote(c[1]), c[2], _span(meta))

    def const(self, meta: Meta, c: list[Any]) -> ast.Const:
        return ast.Const(str(c[0]), c[1], _span(meta))

    def start(self, meta: Meta, c: list[Any]) -> list[Any]:
        return list(c)


def parse_rules(text: str, file: str = "<string>") -> ast.RuleFile:
    """Parse one rule file.

    Arguments:
        text: the file's text.
        file: its name, for messages.

    Returns:
        the :class:`ast.RuleFile`.

    Raises:
        RuleSyntaxError: with the line, column, a caret and what was expected.
    """
    text = _newlines(text.lstrip("\ufeff"))
    try:
        tree = _parser().parse(text, start="start")
    except UnexpectedInput as exc:
        raise _syntax_error(text, file, exc) from None
    items = _transform(tree, text, file)
    pack: ast.Pack | None = None
    consts: list[ast.Const] = []
    rules: list[ast.Rule] = []
    order: list[tuple[str, int]] = []
    for item in items:
        if isinstance(item, ast.Pack):
            order.append(("pack", 0))
            if pack is not None:
                raise RuleSyntaxError(
                    "一个文件只能有一个 pack 声明 (one pack declaration per file)", file=file,
                    line=item.span.line, column=item.span.column,
                    context=caret_context(text, item.span.line, item.span.column))
            pack = item
        elif isinstance(item, ast.Const):
            order.append(("const", len(consts)))
            consts.append(item)
        else:
            order.append(("rule", len(rules)))
            rules.append(item)
    return ast.RuleFile(file=file, pack=pack, consts=tuple(consts), rules=tuple(rules),
                        comments=comments_of(text), order=tuple(order))


def comments_of(text: str) -> tuple[tuple[int, str], ...]:
    """Every ``# …`` comment with its line (strings are skipped: a ``#``
    inside quotes is text)."""
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        in_string = False
        i = 0
        while i < len(line):
            ch = line[i]
            if in_string:
                if ch == "\\":
                    i += 2
                    continue
                if ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch == "#":
                found.append((number, line[i:].rstrip()))
                break
            i += 1
    return tuple(found)


def _transform(tree: Tree[Token], text: str, file: str) -> Any:
    """The AST of a parse tree; a problem found while building it (nesting
    too deep, a bad literal) is a RuleSyntaxError at its place."""
    try:
        return _ToAst().transform(tree)
    except VisitError as exc:  # lark wraps what the callbacks raise
        inner = exc.orig_exc
        if isinstance(inner, _Positioned):
            raise RuleSyntaxError(inner.message, file=file, line=inner.line, column=inner.column,
                                  context=caret_context(text, inner.line, inner.column)) from None
        raise


def parse_expression(text: str) -> ast.Expr:
    """Parse a single expression (the ``{…}`` of a message template).

    Raises:
        RuleSyntaxError: positions relative to ``text``.
    """
    text = _newlines(text)
    try:
        tree = _parser().parse(text, start="expr")
    except UnexpectedInput as exc:
        raise _syntax_error(text, "<message>", exc) from None
    result: ast.Expr = _transform(tree, text, "<message>")
    if isinstance(result, Token):  # a bare NAME/NUMBER start is still a tree child
        raise RuleSyntaxError("无法解析 (cannot parse)", file="<message>", line=1, column=1)
    return result
