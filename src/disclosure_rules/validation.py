"""Structure stage: a parsed document → schema findings and its format.

The format is taken from ``format`` or inferred from ``year``; the tables'
own keys say which format they really use (:mod:`formats`). The schema of
the format the tables use is applied, so that a report written in the other
format gets one clear FMT-TEMPLATE finding instead of dozens of schema errors.

Schema violations become findings: ``SCHEMA`` in general, and the catalogue
rule they are an instance of where there is one (a missing section is
SEC-REQUIRED, a negative count VAL-NEGATIVE, a fractional count
VAL-INTEGER). Each carries the JSON Pointer, the Chinese label path and a
short message in Chinese and English, never a jsonschema repr.

A compiled yes/no check (:mod:`fastschema`) answers first; jsonschema runs
only to explain an invalid document.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from .fastschema import Unsupported, compile_schemas, is_date, is_integer, is_number
from .findings import Finding, Message
from .formats import FormatInfo, analyse_format
from .layout import (
    SCHEMA_FILES,
    SECTION_ORDINALS,
    Format,
    label_path,
    node_at,
    schema_documents,
    section_keys,
)
from .loading import Report
from .messages import BUILTIN_RULES, NOTICES, msg, type_name, type_zh
from .pointer import to_pointer

if TYPE_CHECKING:  # jsonschema is imported only to explain an invalid report
    from jsonschema.exceptions import ValidationError

__all__ = ["Validation", "builtin_finding", "validate"]

_TYPE_EN = {"integer": "an integer", "number": "a number", "string": "text",
            "object": "an object", "array": "a list", "boolean": "true/false",
            "null": "null"}


@dataclass(frozen=True, slots=True)
class Validation:
    """The structure stage's answer: findings, and the format facts."""

    findings: tuple[Finding, ...]
    format: FormatInfo
    valid: bool


def builtin_finding(rule_id: str, pointer: str, label: str, message: Message,
                    **extra: Any) -> Finding:
    """A finding of one of the structure stage's own checks."""
    rule = BUILTIN_RULES[rule_id]
    return Finding(rule_id=rule_id, severity=rule.severity, pointer=pointer, label=label,
                   message=message, cite=rule.cite, title=rule.title, **extra)


# ------------------------------------------------------------ validators


@cache
def _validators() -> dict[Format, Any]:
    # Imported here: a valid report never needs jsonschema (the compiled fast
    # path answers), and importing it costs more than checking a report.
    import jsonschema
    import referencing
    from jsonschema import Draft202012Validator

    type_checker = Draft202012Validator.TYPE_CHECKER.redefine_many({
        "integer": lambda _checker, value: is_integer(value),
        "number": lambda _checker, value: is_number(value),
    })
    docs = schema_documents()
    registry: referencing.Registry[Any] = referencing.Registry().with_resources(
        (doc["$id"], referencing.Resource.from_contents(doc)) for doc in docs.values()
    )
    # Relative references ("report-common.schema.json#…") resolve against $id,
    # and the bare file names resolve too, for tools that load them by name.
    registry = registry.with_resources(
        (name, referencing.Resource.from_contents(doc)) for name, doc in docs.items()
    )
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date")(is_date)
    cls: Any = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator, type_checker=type_checker)
    return {fmt: cls(docs[name], registry=registry, format_checker=checker)
            for fmt, name in SCHEMA_FILES.items()}


@cache
def _fast() -> dict[Format, Any]:
    docs = schema_documents()
    try:
        checks = compile_schemas(docs, tuple(SCHEMA_FILES.values()))
        return {fmt: checks[name] for fmt, name in SCHEMA_FILES.items()}
    except Unsupported:
        validators = _validators()
        return {fmt: validators[fmt].is_valid for fmt in SCHEMA_FILES}


def is_valid(data: Any, fmt: Format) -> bool:
    """Whether ``data`` fits the schema of ``fmt`` (the fast path)."""
    return bool(_fast()[fmt](data))


# ------------------------------------------------------------ explanation


def _show(value: Any) -> str:
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return f"“{shown}”"
    if isinstance(value, Mapping):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    return repr(value)


def _errors(validator: Any, data: Any) -> Iterator[ValidationError]:
    # Sorted by path so the findings come out in document order regardless of
    # how jsonschema walks the keywords.
    yield from sorted(validator.iter_errors(data),
                      key=lambda e: ([str(p) for p in e.absolute_path], e.validator))


def _explain(error: ValidationError, data: Any, fmt: Format) -> Iterator[Finding]:
    parts = tuple(str(p) for p in error.absolute_path)
    pointer = to_pointer(parts)
    label = label_path(fmt, parts)
    keyword = str(error.validator)
    value: Any = error.instance
    expected: Any = error.validator_value  # jsonschema types it as possibly unset
    node = node_at(fmt, parts)

    if keyword == "required":
        present = value if isinstance(value, Mapping) else {}
        for key in expected:
            if key in present:
                continue
            child = (*parts, key)
            child_label = label_path(fmt, child)
            if not parts and key in section_keys(fmt):
                ordinal = SECTION_ORDINALS[section_keys(fmt).index(key)]
                yield builtin_finding(
                    "SEC-REQUIRED", to_pointer(child), child_label,
                    msg("schema.required_section", ordinal=ordinal, label=child_label))
            else:
                yield builtin_finding("SCHEMA", to_pointer(child), child_label,
                                      msg("schema.required", label=child_label))
        return
    if keyword == "additionalProperties":
        allowed = list(node.children) if node is not None else []
        present = value if isinstance(value, Mapping) else {}
        for key in present:
            if key in allowed or key.startswith("x_"):
                continue
            guess = _suggest(key, node)
            yield builtin_finding(
                "SCHEMA", to_pointer((*parts, key)), label_path(fmt, (*parts, key)),
                msg("schema.unknown_key", key=key, fmt=fmt,
                    hint_zh=f"；是否应为“{guess}”？" if guess else "",
                    hint_en=f"; did you mean '{guess}'?" if guess else ""))
        return
    if keyword == "anyOf" and node is not None and node.key == "other":
        present = value if isinstance(value, Mapping) else {}
        if isinstance(value, Mapping):
            for key in ("no_amendment", "unpaid_fee", "other"):
                if key not in present:
                    child = (*parts, key)
                    yield builtin_finding("SCHEMA", to_pointer(child), label_path(fmt, child),
                                          msg("schema.other_rows", label=label_path(fmt, child)))
            return
    if node is not None and node.is_cell and is_number(value):
        if keyword == "minimum" and value < 0:
            yield builtin_finding("VAL-NEGATIVE", pointer, label,
                                  msg("schema.negative", value=_show(value)))
            return
        if keyword == "type" and node.kind in ("count", "signed") and not is_integer(value):
            yield builtin_finding("VAL-INTEGER", pointer, label,
                                  msg("schema.not_integer", value=_show(value)))
            return
    if keyword == "type":
        names = expected if isinstance(expected, list) else [expected]
        actual = type_name(value)
        if actual == "number" and not is_number(value):
            actual_zh, actual_en = "非有限数", "a non-finite number"
        else:
            actual_zh, actual_en = type_zh(actual), _TYPE_EN.get(actual, actual)
        if node is not None and node.is_cell:
            expected_zh = {"count": "非负整数或空白（null）", "signed": "整数或空白（null）",
                           "money": "数字或空白（null）"}[node.kind]
            expected_en = {"count": "a whole number ≥ 0 or null",
                           "signed": "a whole number or null",
                           "money": "a number or null"}[node.kind]
        else:
            expected_zh = "或".join(type_zh(n) for n in names)
            expected_en = " or ".join(_TYPE_EN.get(str(n), str(n)) for n in names)
        if not parts:
            yield builtin_finding("SCHEMA", pointer, label,
                                  msg("schema.not_object", actual_zh=actual_zh,
                                      actual_en=actual_en))
            return
        yield builtin_finding(
            "SCHEMA", pointer, label,
            msg("schema.type", expected_zh=expected_zh, expected_en=expected_en,
                actual_zh=actual_zh, actual_en=actual_en, value=_show(value)))
        return
    if keyword == "minimum":
        yield builtin_finding("SCHEMA", pointer, label,
                              msg("schema.minimum", limit=expected,
                                  value=_show(value)))
        return
    if keyword == "maximum":
        yield builtin_finding("SCHEMA", pointer, label,
                              msg("schema.maximum", limit=expected,
                                  value=_show(value)))
        return
    if keyword in ("enum", "const"):
        options = expected if keyword == "enum" else [expected]
        yield builtin_finding(
            "SCHEMA", pointer, label,
            msg("schema.enum", options="、".join(_show(o) for o in options), value=_show(value)))
        return
    if keyword == "format":
        yield builtin_finding("SCHEMA", pointer, label, msg("schema.date", value=_show(value)))
        return
    if keyword == "minLength":
        yield builtin_finding("SCHEMA", pointer, label, msg("schema.empty"))
        return
    yield builtin_finding("SCHEMA", pointer, label,
                          msg("schema.other", keyword=keyword, value=_show(value)))


def _suggest(key: str, node: Any) -> str:
    if node is None:
        return ""
    candidates = list(node.children)
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    if close:
        return str(close[0])
    resolved: str | None = node.resolve_key(key)
    return resolved or ""


# ------------------------------------------------------------ format


def _regions(info: FormatInfo, fmt: Format) -> list[tuple[str, ...]]:
    """Subtrees written in the other format: their schema errors are one
    FMT-TEMPLATE finding, not a cascade."""
    other: Format = "2021" if fmt == "2019" else "2019"
    regions: list[tuple[str, ...]] = []
    for parts in info.signatures[other]:
        node = node_at(fmt, parts)
        region = parts[:-1] if len(parts) == 4 and node is None else parts
        if region not in regions:
            regions.append(region)
    return regions


def _inside(parts: tuple[str, ...], regions: Iterable[tuple[str, ...]]) -> bool:
    return any(parts[: len(r)] == r for r in regions)


def _format_finding(info: FormatInfo, data: Mapping[str, Any],
                    regions: list[tuple[str, ...]]) -> Finding | None:
    if not info.conflict:
        return None
    year = data.get("year")
    messages: list[Message] = []
    if info.declared and info.by_year and info.declared != info.by_year:
        messages.append(msg("fmt.declared_vs_year", declared=info.declared, year=year,
                            by_year=info.by_year, notice=NOTICES[info.by_year]))
    expected = info.expected
    if info.mixed:
        majority = info.effective
        minority = "2021" if majority == "2019" else "2019"
        places = "、".join(label_path(majority, r) for r in regions) or "部分栏目"
        places_en = ", ".join(to_pointer(r) for r in regions) or "some columns"
        messages.append(msg("fmt.mixed", places=places, places_en=places_en,
                            minority=minority, majority=majority))
    elif info.detected and expected and info.detected != expected:
        if info.by_year and info.detected != info.by_year:
            messages.append(msg("fmt.tables_vs_expected", year=year, detected=info.detected,
                                expected=info.by_year, notice=NOTICES[info.by_year]))
        else:
            messages.append(msg("fmt.tables_vs_declared", expected=expected,
                                detected=info.detected))
    if not messages:
        return None
    message = Message("；".join(m.zh for m in messages), "; ".join(m.en for m in messages))
    return builtin_finding("FMT-TEMPLATE", "/format", "格式", message)


# ------------------------------------------------------------ entry point


def validate(report: Report | Any) -> Validation:
    """Check a document against the schema of its format.

    Arguments:
        report: a :class:`Report` or an already-parsed document.

    Returns:
        a :class:`Validation`: the findings (in document order) and the
        format facts (declared, by year, detected, effective).
    """
    data = report.data if isinstance(report, Report) else report
    info = analyse_format(data)
    fmt = info.effective
    if is_valid(data, fmt):
        finding = _format_finding(info, data, []) if isinstance(data, (dict, Mapping)) else None
        return Validation(findings=(finding,) if finding else (), format=info, valid=True)
    regions = _regions(info, fmt) if info.mixed else []
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for error in _errors(_validators()[fmt], data):
        parts = tuple(str(p) for p in error.absolute_path)
        if regions and (_inside(parts, regions) or _absorbed(error, parts, regions)):
            continue
        for finding in _explain(error, data, fmt):
            key = (finding.rule_id, finding.pointer)
            if key not in seen:
                seen.add(key)
                findings.append(finding)
    if isinstance(data, Mapping):
        format_finding = _format_finding(info, data, regions)
        if format_finding is not None:
            findings.insert(0, format_finding)
    return Validation(findings=tuple(findings), format=info, valid=False)


def _absorbed(error: ValidationError, parts: tuple[str, ...],
              regions: list[tuple[str, ...]]) -> bool:
    """A required/unknown-key error at the parent of a region concerns a key
    inside the region (the row written in the other format)."""
    if error.validator not in ("required", "additionalProperties"):
        return False
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    required: Any = error.validator_value
    if error.validator == "required":
        keys = set(required) - set(instance)
    else:  # the keys the schema does not know, not every key of the object
        known = set(error.schema.get("properties", {})) if isinstance(error.schema, Mapping) \
            else set()
        keys = {k for k in instance if k not in known and not str(k).startswith("x_")}
    return bool(keys) and all(_inside((*parts, k), regions) for k in keys)
