"""Formatting stage: AST → canonical rule text.

``disclosure-rules rules fmt`` is this module. The output parses back to an
equal AST (the property the test suite checks on generated trees), uses two
spaces of indentation, one statement per line, and parenthesises exactly
where precedence needs it.
"""

from __future__ import annotations

from decimal import Decimal

from . import ast

__all__ = ["KEYWORDS", "format_expr", "format_file", "format_rule", "quote"]

# Binding strength of each node kind: higher binds tighter.
_PREC = {
    ast.If: 1,
    ast.Or: 2,
    ast.And: 3,
    ast.Not: 4,
    ast.Compare: 5,
    ast.In: 5,
    ast.Add: 6,
    ast.Sub: 6,
    ast.Mul: 7,
    ast.Div: 7,
    ast.Neg: 8,
}
_ATOM = 9


def _prec(e: ast.Expr) -> int:
    return _PREC.get(type(e), _ATOM)


def quote(text: str) -> str:
    """A string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    escaped = escaped.replace("\t", "\\t")
    # Any other control character (a \r, say) as \uXXXX: written raw, the
    # formatted file would not parse again (the lexer normalises line ends).
    escaped = "".join(f"\\u{ord(c):04x}" if ord(c) < 32 else c for c in escaped)
    return f'"{escaped}"'


def _name_ok(name: str) -> bool:
    return (bool(name) and not name[0].isdigit() and name not in KEYWORDS
            and all(ch.isalnum() or ch == "_" for ch in name))


KEYWORDS = frozenset({
    "pack", "version", "let", "rule", "title", "severity", "cite", "formats", "years",
    "description", "for", "in", "where", "when", "assert", "report", "at", "within",
    "message", "if", "then", "else", "or", "and", "not", "true", "false",
})


def _segment(key: str, quoted: bool) -> str:
    if quoted or not _name_ok(key):
        return quote(key)
    return key


def _number(value: int | Decimal) -> str:
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text if "." in text else text + ".0"
    return str(value)


def format_expr(e: ast.Expr) -> str:
    """Canonical text of an expression."""
    if isinstance(e, ast.Num):
        return _number(e.value)
    if isinstance(e, ast.Str):
        return quote(e.value)
    if isinstance(e, ast.Bool):
        return "true" if e.value else "false"
    if isinstance(e, ast.Name):
        return e.name
    if isinstance(e, ast.Member):
        return f"{_wrap(e.base, _ATOM)}.{_segment(e.key, e.quoted)}"
    if isinstance(e, ast.Wildcard):
        return f"{_wrap(e.base, _ATOM)}.*"
    if isinstance(e, ast.Index):
        return f"{_wrap(e.base, _ATOM)}[{format_expr(e.index)}]"
    if isinstance(e, ast.Call):
        return f"{e.func}({', '.join(format_expr(a) for a in e.args)})"
    if isinstance(e, ast.Generator):
        where = f" where {format_expr(e.where)}" if e.where is not None else ""
        return f"{e.func}({format_expr(e.body)} for {e.var} in {format_expr(e.iterable)}{where})"
    if isinstance(e, ast.Neg):
        return f"-{_wrap(e.operand, _PREC[ast.Neg])}"
    if isinstance(e, ast.Not):
        return f"not {_wrap(e.operand, _PREC[ast.Not])}"
    if isinstance(e, (ast.Add, ast.Sub, ast.Mul, ast.Div, ast.And, ast.Or)):
        op = {ast.Add: "+", ast.Sub: "-", ast.Mul: "*", ast.Div: "/", ast.And: "and",
              ast.Or: "or"}[type(e)]
        prec = _PREC[type(e)]
        # Left-associative: the right operand needs parentheses at equal
        # precedence (a - (b - c)), the left one does not.
        return f"{_wrap(e.left, prec)} {op} {_wrap(e.right, prec + 1)}"
    if isinstance(e, ast.Compare):
        prec = _PREC[ast.Compare]
        return f"{_wrap(e.left, prec + 1)} {e.op} {_wrap(e.right, prec + 1)}"
    if isinstance(e, ast.In):
        prec = _PREC[ast.In]
        op = "not in" if e.negated else "in"
        return f"{_wrap(e.item, prec + 1)} {op} {_wrap(e.collection, prec + 1)}"
    if isinstance(e, ast.If):
        return (f"if {format_expr(e.cond)} then {format_expr(e.then)} "
                f"else {format_expr(e.otherwise)}")
    if isinstance(e, ast.ListLit):
        return "[" + ", ".join(format_expr(i) for i in e.items) + "]"
    if isinstance(e, ast.SetLit):
        return "{" + ", ".join(format_expr(i) for i in e.items) + "}"
    raise TypeError(f"not an expression: {e!r}")


def _wrap(e: ast.Expr, needed: int) -> str:
    text = format_expr(e)
    return f"({text})" if _prec(e) < needed else text


def _pair(pair: ast.TextPair) -> str:
    return quote(pair.zh) + (f" / {quote(pair.en)}" if pair.en is not None else "")


class _Comments:
    """Comments waiting to be written, by line: each goes out before the
    first item that starts after it (or at the end of its block)."""

    def __init__(self, comments: tuple[tuple[int, str], ...]) -> None:
        self.pending = list(comments)

    def before(self, line: int, indent: str) -> list[str]:
        """Comments on lines before ``line`` (0: none)."""
        if not line:
            return []
        out = [indent + text for at, text in self.pending if at < line]
        self.pending = [(at, text) for at, text in self.pending if at >= line]
        return out

    def trailing(self, line: int) -> str:
        """The comment written after the code of ``line``, the line an item
        starts on ("" if none), with the two spaces that lead it."""
        # A comment on the line an item starts on can only follow its code
        # (# runs to the end of the line): it explains that item, so it
        # stays on its line instead of going before the next item.
        if not line:
            return ""
        here = [text for at, text in self.pending if at == line]
        self.pending = [(at, text) for at, text in self.pending if at != line]
        return "  " + " ".join(here) if here else ""

    def until(self, line: int, indent: str) -> list[str]:
        """Comments up to and including ``line`` (the end of a block)."""
        if not line:
            return []
        out = [indent + text for at, text in self.pending if at <= line]
        self.pending = [(at, text) for at, text in self.pending if at > line]
        return out


_NONE = _Comments(())


def _stmt(stmt: ast.Stmt, indent: str, comments: _Comments = _NONE) -> list[str]:
    inner = indent + "  "
    lead = comments.before(stmt.span.line, indent)
    # taken before the body: a block's first statement would take it along
    # with the comments before that statement
    trailing = comments.trailing(stmt.span.line)
    first, *rest = _stmt_body(stmt, indent, inner, comments)
    return [*lead, first + trailing, *rest]


def _block(stmts: tuple[ast.Stmt, ...], indent: str, end_line: int,
           comments: _Comments) -> list[str]:
    lines: list[str] = []
    for s in stmts:
        lines.extend(_stmt(s, indent, comments))
    lines.extend(comments.until(end_line, indent))
    return lines


def _stmt_body(stmt: ast.Stmt, indent: str, inner: str, comments: _Comments) -> list[str]:
    if isinstance(stmt, ast.Let):
        return [f"{indent}let {stmt.name} = {format_expr(stmt.value)}"]
    if isinstance(stmt, ast.For):
        where = f" where {format_expr(stmt.where)}" if stmt.where is not None else ""
        lines = [f"{indent}for {stmt.var} in {format_expr(stmt.iterable)}{where} {{"]
        lines.extend(_block(stmt.body, inner, stmt.span.end_line, comments))
        return [*lines, f"{indent}}}"]
    if isinstance(stmt, ast.When):
        lines = [f"{indent}when {format_expr(stmt.cond)} {{"]
        lines.extend(_block(stmt.body, inner, stmt.span.end_line, comments))
        return [*lines, f"{indent}}}"]
    if isinstance(stmt, ast.Assert):
        lines = [f"{indent}assert {format_expr(stmt.cond)}"]
        if stmt.at is not None:
            lines.append(f"{inner}at {format_expr(stmt.at)}")
        if stmt.within is not None:
            lines.append(f"{inner}within {format_expr(stmt.within)}")
        if stmt.message is not None:
            lines.append(f"{inner}message {_pair(stmt.message)}")
        if stmt.severity is not None:
            lines.append(f"{inner}severity {stmt.severity}")
        return lines
    if isinstance(stmt, ast.ReportStmt):
        lines = [f"{indent}report"]
        if stmt.at is not None:
            lines.append(f"{inner}at {format_expr(stmt.at)}")
        if stmt.message is not None:
            lines.append(f"{inner}message {_pair(stmt.message)}")
        if stmt.severity is not None:
            lines.append(f"{inner}severity {stmt.severity}")
        return lines
    raise TypeError(f"not a statement: {stmt!r}")


def _years(years: tuple[int | None, int | None]) -> str:
    low, high = years
    if low is not None and high is not None:
        return str(low) if low == high else f"{low}..{high}"
    if low is not None:
        return f"{low}.."
    return f"..{high}"


def format_rule(rule: ast.Rule, comments: _Comments = _NONE) -> str:
    """Canonical text of one rule."""
    lead = comments.before(rule.span.line, "")
    lines = [*lead, f"rule {rule.rule_id} {{{comments.trailing(rule.span.line)}"]
    if rule.title is not None:
        lines.append(f"  title {_pair(rule.title)}")
    if rule.severity is not None:
        lines.append(f"  severity {rule.severity}")
    if rule.cite is not None:
        lines.append(f"  cite {quote(rule.cite)}")
    if rule.formats:
        lines.append(f"  formats {', '.join(rule.formats)}")
    if rule.years is not None:
        lines.append(f"  years {_years(rule.years)}")
    if rule.description is not None:
        lines.append(f"  description {_pair(rule.description)}")
    lines.extend(_block(rule.body, "  ", rule.span.end_line, comments))
    lines.append("}")
    return "\n".join(lines)


def format_file(rule_file: ast.RuleFile) -> str:
    """Canonical text of a whole rule file, comments kept: the pack,
    constants and rules in the order they were written."""
    comments = _Comments(rule_file.comments)
    order = rule_file.order or (
        ([("pack", 0)] if rule_file.pack is not None else [])
        + [("const", i) for i in range(len(rule_file.consts))]
        + [("rule", i) for i in range(len(rule_file.rules))])
    blocks: list[list[str]] = []
    previous_kind = ""
    for kind, index in order:
        if kind == "pack" and rule_file.pack is not None:
            pack = rule_file.pack
            title = f" {_pair(pack.title)}" if pack.title is not None else ""
            lines = comments.before(pack.span.line, "")
            blocks.append([*lines,
                           f"pack {quote(pack.name)} version {quote(pack.version)}{title}"
                           + comments.trailing(pack.span.line)])
        elif kind == "const":
            const = rule_file.consts[index]
            lines = comments.before(const.span.line, "")
            text = (f"let {const.name} = {format_expr(const.value)}"
                    + comments.trailing(const.span.line))
            if previous_kind == "const" and not lines:
                blocks[-1].append(text)  # consecutive constants stay together
            else:
                blocks.append([*lines, text])
        elif kind == "rule":
            blocks.append(format_rule(rule_file.rules[index], comments).split("\n"))
        previous_kind = kind
    tail = [text for _, text in comments.pending]
    if tail:
        blocks.append(tail)
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"
