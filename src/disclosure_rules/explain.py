"""Rendering stage for messages: how a failed assertion is told to people.

Without a template, a failure is shown as the assertion with its values
substituted, in the words of the official labels:

    本年新收 5 + 上年结转 0 ≠ 办理结果总计 6 + 结转下年度 0（差 1）

(English: the report's keys, ``new_received 5 + carried_over 0 ≠ …``). A
rule's own template is filled with the values of its ``{…}`` expressions.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping, Sequence
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any

from . import ir
from .functions import is_number
from .layout import node_at

__all__ = ["format_value", "negate", "render_default", "render_template"]

_NEGATED = {"==": "≠", "!=": "=", "<": "≥", "<=": ">", ">": "≤", ">=": "<"}
_MAX_TERMS = 8


def negate(op: str) -> str:
    """The operator that holds when ``op`` fails (== → ≠)."""
    return _NEGATED.get(op, op)


#: the most characters of one value a message shows (a title pasted with
#: a whole section after it would otherwise fill the output)
MAX_SHOWN = 200

#: the most decimal places a message shows of a number; more are rounded
MAX_DECIMALS = 10


def format_value(value: Any, lang: str) -> str:
    """A value as shown in messages (text longer than :data:`MAX_SHOWN`
    characters cut, saying how long it is)."""
    text = _format_value(value, lang)
    if len(text) <= MAX_SHOWN:
        return text
    more = f"…（共 {len(text)} 字）" if lang == "zh" else f"… ({len(text)} characters)"
    return text[:MAX_SHOWN] + more


def _format_value(value: Any, lang: str) -> str:
    if value is None:
        return "空白" if lang == "zh" else "blank"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("true" if value else "false")
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent  # a str for NaN and infinity
        if isinstance(exponent, int) and exponent < -MAX_DECIMALS:
            # A quotient that does not end (1 / 3) carries 1000 digits: a
            # person needs a few, and "≈" says they were rounded. A cell of
            # a report never has this many decimals, so it shows exactly.
            # Rounded with the digits the result needs, whatever the
            # caller's context (a 50-digit amount has 60 at 10 places).
            context = Context(prec=max(value.adjusted(), 0) + MAX_DECIMALS + 2,
                              Emax=MAX_EMAX, Emin=MIN_EMIN)
            rounded = value.quantize(Decimal(1).scaleb(-MAX_DECIMALS), context=context)
            return "≈" + _format_value(rounded.normalize(context) if rounded else Decimal(0),
                                       lang)
        text = f"{value:f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".") if value == value.normalize() else text
        return text
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(format_value(v, lang) for v in value)
    if isinstance(value, (set, frozenset)):
        return _format_value(sorted(value, key=str), lang)
    return str(value)


def _short(parts: Sequence[str], index: int) -> str:
    for fmt in ("2021", "2019"):
        node = node_at(fmt, parts[: index + 1])
        if node is not None:
            return node.short
    return parts[index]


def _names(refs: Sequence[ir.Ref], lang: str) -> dict[tuple[str, tuple[str, ...]], str]:
    """Display names for the paths of one comparison: what distinguishes
    them, without the prefix and suffix they share."""
    keys = list(dict.fromkeys((r.root, r.parts) for r in refs))
    if not keys:
        return {}
    all_parts = [p for _, p in keys]
    prefix = 0
    if len(all_parts) > 1:
        while all(len(p) > prefix for p in all_parts) and \
                len({p[prefix] for p in all_parts}) == 1:
            prefix += 1
    suffix = 0
    if len(all_parts) > 1:
        while all(len(p) - prefix > suffix for p in all_parts) and \
                len({p[len(p) - 1 - suffix] for p in all_parts}) == 1:
            suffix += 1
    names: dict[tuple[str, tuple[str, ...]], str] = {}
    for root, parts in keys:
        start, end = prefix, len(parts) - suffix
        if start >= end:
            start, end = max(len(parts) - 1, 0), len(parts)
        if lang == "en":
            name = ".".join(parts[start:end]) or "report"
            if root == "previous":
                name = "previous." + name
        else:
            last = _short(parts, end - 1) if parts else "报告"
            if end - start >= 2:
                # a sum over rows and columns: name the row and the column
                parent = _short(parts, end - 2)
                if parent not in last:
                    last = f"{parent}·{last}"
            name = f"{last}（上年报告）" if root == "previous" else last
        names[(root, parts)] = name
    return names


def _refs(expr: Any, out: list[ir.Ref], trace: Mapping[int, Any]) -> None:
    if isinstance(expr, ir.IfI) and expr.cond.nid in trace:
        _refs(expr.then if trace[expr.cond.nid] else expr.otherwise, out, trace)
        return
    if isinstance(expr, (ir.Read, ir.Exists, ir.Blank)):
        out.append(expr.ref)
    elif isinstance(expr, ir.Rel) and isinstance(trace.get(-expr.nid), ir.Ref):
        out.append(trace[-expr.nid])
    if isinstance(expr, ir.Comp):
        return  # what a comprehension reads depends on its items: not this expression's cells
    for child in ir.children(expr):
        _refs(child, out, trace)


class _Renderer:
    def __init__(self, trace: Mapping[int, Any], lang: str) -> None:
        self.trace = trace
        self.lang = lang
        self.names: dict[tuple[str, tuple[str, ...]], str] = {}

    def value(self, expr: Any) -> Any:
        return self.trace.get(expr.nid)

    def fmt(self, value: Any) -> str:
        return format_value(value, self.lang)

    def terms(self, expr: Any, sign: str = "+") -> list[tuple[str, str, Any]]:
        """A sum flattened into (sign, text, value) terms: nested additions
        and sum() aggregates read as one long sum."""
        if isinstance(expr, ir.Arith) and expr.op in "+-":
            flip = {"+": "-", "-": "+"}
            right_sign = sign if expr.op == "+" else flip[sign]
            return [*self.terms(expr.left, sign), *self.terms(expr.right, right_sign)]
        if isinstance(expr, ir.IfI) and expr.cond.nid in self.trace:
            # show the branch the report took, not the rule's source
            return self.terms(expr.then if self.trace[expr.cond.nid] else expr.otherwise, sign)
        if isinstance(expr, ir.Agg) and expr.func == "sum" and isinstance(expr.arg, ir.ListI):
            out: list[tuple[str, str, Any]] = []
            for item in expr.arg.items:
                if item.value.nid in self.trace:  # absent optional rows were not read
                    out.extend(self.terms(item.value, sign))
            return out
        return [(sign, self.atom(expr), self.value(expr))]

    def atom(self, expr: Any) -> str:
        ref = expr.ref if isinstance(expr, ir.Read) else \
            self.trace.get(-expr.nid) if isinstance(expr, ir.Rel) else None
        if isinstance(ref, ir.Ref):
            name = self.names.get((ref.root, ref.parts), ref.short)
            return f"{name} {self.fmt(self.value(expr))}"
        if isinstance(expr, ir.K):
            return self.fmt(expr.value)
        if isinstance(expr, ir.Neg):
            return f"-({self.atom(expr.operand)})"
        shown = self.fmt(self.value(expr))
        return f"{expr.src}（{shown}）" if self.lang == "zh" else f"{expr.src} ({shown})"

    def side(self, expr: Any) -> str:
        """Text of one side of a comparison."""
        terms = self.terms(expr)
        if not terms:
            return "0"
        if len(terms) > _MAX_TERMS:
            kept = [t for t in terms if t[2] not in (0, None)]
            rest = len(terms) - len(kept)
        else:
            kept, rest = terms, 0
        text = ""
        for i, (sign, body, _) in enumerate(kept):
            if i == 0:
                text = body if sign == "+" else f"-{body}"
            else:
                text += f" {sign} {body}"
        if not kept:
            text = "0"
        if rest:
            text += f"（其余 {rest} 项为 0）" if self.lang == "zh" else f" (the other {rest} are 0)"
        if len(terms) > 2:
            text += f" = {self.fmt(self.value(expr))}"
        return text

    def compare(self, expr: ir.Cmp, tolerance: Any) -> str:
        refs: list[ir.Ref] = []
        _refs(expr, refs, self.trace)
        self.names = _names(refs, self.lang)
        left, right = self.side(expr.left), self.side(expr.right)
        text = f"{left} {negate(expr.op)} {right}"
        a, b = self.value(expr.left), self.value(expr.right)
        if expr.op == "==" and is_number(a) and is_number(b):
            diff = (a or 0) - (b or 0)
            if self.lang == "zh":
                text += f"（差 {self.fmt(diff)}"
                text += f"，容差 {self.fmt(tolerance)}）" if tolerance is not None else "）"
            else:
                text += f" (difference {self.fmt(diff)}"
                text += f", tolerance {self.fmt(tolerance)})" if tolerance is not None else ")"
        return text

    def failure(self, expr: Any, tolerance: Any = None) -> str:
        """Why ``expr`` (a condition that came out false) failed."""
        zh = self.lang == "zh"
        if isinstance(expr, ir.Cmp):
            return self.compare(expr, tolerance)
        if isinstance(expr, ir.Logic):
            left = self.value(expr.left)
            if expr.op == "and":
                return self.failure(expr.left if not left else expr.right)
            joiner = "；且 " if zh else "; and "
            return self.failure(expr.left) + joiner + self.failure(expr.right)
        if isinstance(expr, ir.NotI):
            return self.holds(expr.operand)
        if isinstance(expr, ir.Exists):
            return f"缺少“{expr.ref.label}”" if zh else f"{expr.ref.label} is missing"
        if isinstance(expr, ir.Blank):
            return f"“{expr.ref.label}”不是空白" if zh else f"{expr.ref.label} is not blank"
        if isinstance(expr, ir.CallI) and expr.func == "contains" and len(expr.args) == 2:
            what = self.subject(expr.args[0])
            needle = self.fmt(self.value(expr.args[1]))
            return f"{what}未提及“{needle}”" if zh else f"{what} does not mention {needle!r}"
        if isinstance(expr, ir.CallI) and expr.func == "matches":
            what = self.subject(expr.args[0])
            return f"{what}中没有与模式相符的内容" if zh else f"{what} has no match for the pattern"
        if isinstance(expr, ir.InI):
            item = self.fmt(self.value(expr.item))
            if expr.negated:
                return f"{item} 在 {expr.collection.src} 中" if zh else \
                    f"{item} is in {expr.collection.src}"
            return f"{item} 不在 {expr.collection.src} 中" if zh else \
                f"{item} is not in {expr.collection.src}"
        return f"条件不成立：{expr.src}" if zh else f"condition does not hold: {expr.src}"

    def holds(self, expr: Any) -> str:
        """Why ``expr`` came out true (under a ``not``)."""
        zh = self.lang == "zh"
        if isinstance(expr, ir.Blank):
            return f"“{expr.ref.label}”为空白" if zh else f"{expr.ref.label} is blank"
        if isinstance(expr, ir.Exists):
            return f"有“{expr.ref.label}”" if zh else f"{expr.ref.label} is present"
        if isinstance(expr, ir.Cmp):
            refs: list[ir.Ref] = []
            _refs(expr, refs, self.trace)
            self.names = _names(refs, self.lang)
            return f"{self.side(expr.left)} {expr.op} {self.side(expr.right)}"
        if isinstance(expr, ir.CallI) and expr.func == "contains":
            what = self.subject(expr.args[0])
            needle = self.fmt(self.value(expr.args[1]))
            return f"{what}提到“{needle}”" if zh else f"{what} mentions {needle!r}"
        return f"条件成立：{expr.src}" if zh else f"condition holds: {expr.src}"

    def subject(self, expr: Any) -> str:
        ref = expr.ref if isinstance(expr, ir.Read) else self.trace.get(-expr.nid)
        if isinstance(ref, ir.Ref):
            return f"“{ref.label}”" if self.lang == "zh" else ref.label
        return expr.src or "文本"


def render_default(cond: ir.Expr | None, trace: Mapping[int, Any], lang: str,
                   tolerance: Any = None) -> str:
    """The message of a failed assertion without a template."""
    if cond is None:
        return ""
    return _Renderer(trace, lang).failure(cond, tolerance)


def render_template(template: ir.Template, evaluate: Callable[[ir.Expr], Any],
                    lang: str) -> str:
    """Fill a rule's message template; ``evaluate`` computes an interpolated
    expression (a value that cannot be computed shows as "?")."""
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, str):
            out.append(part)
            continue
        try:
            out.append(format_value(evaluate(part), lang))
        except Exception:
            out.append("?")
    return "".join(out)
