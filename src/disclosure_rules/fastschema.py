"""A compiled yes/no check for the report schemas.

``jsonschema`` stays the source of truth and of the explanations; it costs
about a millisecond a report. Almost every report a batch sees is valid, so
the common path asks this much cheaper question first: the schema compiled
once into nested closures that answer "valid or not" without building error
objects. Only when the answer is "not valid" does jsonschema run, to say why.

Only the keywords the shipped schemas use are supported; compiling a schema
with any other assertion keyword raises :class:`Unsupported`, and the caller
then uses jsonschema for everything. A property test keeps the two in step.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["Unsupported", "compile_schema", "compile_schemas", "is_date", "is_integer",
           "is_number"]

Check = Callable[[Any], bool]

# Keywords that only annotate: they never make an instance invalid.
_ANNOTATIONS = frozenset({"$schema", "$id", "$defs", "title", "description", "$comment",
                          "examples", "default"})


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def is_integer(value: Any) -> bool:
    """JSON Schema's integer: any finite number with no fractional part."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value.is_finite() and value == value.to_integral_value()
    if isinstance(value, float):
        return value.is_integer()
    return False


def is_number(value: Any) -> bool:
    """A finite number that is not a boolean."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, Decimal):
        return value.is_finite()
    if isinstance(value, float):
        return math.isfinite(value)
    return False


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": is_integer,
    "number": is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def is_date(value: Any) -> bool:
    """The ``date`` format: ``YYYY-MM-DD`` naming a real day (non-strings pass)."""
    if not isinstance(value, str):
        return True
    if not _DATE.fullmatch(value):
        return False
    try:
        _dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Compiler:
    def __init__(self, documents: Mapping[str, Mapping[str, Any]]) -> None:
        self.documents = documents
        self.cache: dict[tuple[str, str], Check] = {}
        self.busy: set[tuple[str, str]] = set()
        #: the cell checks made, with the least integer each accepts (the
        #: row fast path's test)
        self.floors: dict[Check, int] = {}

    def ref(self, ref: str, base: str) -> Check:
        file_part, _, fragment = ref.partition("#")
        target_base = file_part or base
        key = (target_base, fragment)
        if key in self.cache:
            return self.cache[key]
        if key in self.busy:
            # A recursive reference (the shipped schemas have none): left
            # to jsonschema, which the caller falls back to.
            raise Unsupported(f"recursive $ref {ref}")
        self.busy.add(key)
        target: Any = self.documents[target_base]
        for part in [p for p in fragment.split("/") if p]:
            target = target[part]
        compiled = self.compile(target, target_base)
        self.busy.discard(key)
        self.cache[key] = compiled
        return compiled

    def compile(self, schema: Mapping[str, Any], base: str) -> Check:
        for keyword in schema:
            if keyword in _ANNOTATIONS or keyword.startswith("x-"):
                continue
            if keyword not in _HANDLED:
                raise Unsupported(keyword)
        cell = _cell_check(schema)
        if cell is not None:
            check, floor = cell
            if floor is not None:
                self.floors[check] = floor
            return check
        checks: list[Check] = []
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"], base))
        keywords = any(k in schema for k in ("properties", "required", "patternProperties",
                                             "additionalProperties"))
        # "type": "object" with the object keywords is one test, not two:
        # the object check then refuses what is not a dict itself
        only_objects = schema.get("type") == "object" and keywords
        if "type" in schema and not only_objects:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            preds = tuple(_TYPES[n] for n in names)
            checks.append(preds[0] if len(preds) == 1 else _any(preds))
        if "enum" in schema:
            checks.append(_among(tuple(schema["enum"])))
        if "const" in schema:
            checks.append(_among((schema["const"],)))
        if "minimum" in schema:
            checks.append(_at_least(schema["minimum"]))
        if "maximum" in schema:
            checks.append(_at_most(schema["maximum"]))
        if "minLength" in schema:
            checks.append(_min_length(schema["minLength"]))
        if schema.get("format") == "date":
            checks.append(is_date)
        if "anyOf" in schema:
            checks.append(_any(tuple(self.compile(s, base) for s in schema["anyOf"])))
        if keywords:
            checks.append(self.object(schema, base, only_objects))
        return _all(checks)

    def object(self, schema: Mapping[str, Any], base: str, only_objects: bool) -> Check:
        """The object keywords of ``schema`` as one check; ``only_objects``:
        a value that is not an object fails it (else passes: the keywords
        say nothing about other values)."""
        props = {k: self.compile(s, base) for k, s in schema.get("properties", {}).items()}
        required = tuple(schema.get("required", ()))
        needed = frozenset(required)
        other = not only_objects  # the answer for a value that is not a dict
        patterns = [(re.compile(p), self.compile(s, base))
                    for p, s in schema.get("patternProperties", {}).items()]
        additional = schema.get("additionalProperties", True)
        if additional is True:
            extra: Check | None = None
        elif additional is False:
            extra = _never
        else:
            extra = self.compile(additional, base)
        row = self._row(props, required)

        # (what the check was made with is bound as default arguments, not
        # closure cells: read as locals, and fewer objects to keep in cache)
        def check(value: Any, other: bool = other, needed: frozenset[str] = needed,
                  get: Callable[[str], Check | None] = props.get,
                  patterns: list[tuple[re.Pattern[str], Check]] = patterns,
                  extra: Check | None = extra) -> bool:
            if value.__class__ is not dict:
                return other
            if not value.keys() >= needed:
                return False
            for key, item in value.items():
                prop = get(key)
                if prop is not None:
                    if not prop(item):
                        return False
                    continue
                matched = False
                for pattern, sub in patterns:
                    if pattern.search(key):
                        matched = True
                        if not sub(item):
                            return False
                if not matched and extra is not None and not extra(item):
                    return False
            return True

        if row is None:
            return check
        def row_check(value: Any, needed: frozenset[str] = needed, floor: int = row,
                      check: Check = check) -> bool:
            # A table row as almost every report writes it: exactly the
            # required columns, each an integer count. Tested in one pass
            # without a call per cell; anything else takes the full check.
            if value.__class__ is dict and value.keys() == needed:
                for item in value.values():
                    if item.__class__ is not int or item < floor:
                        return check(value)
                return True
            return check(value)

        return row_check

    def _row(self, props: Mapping[str, Check], required: tuple[str, ...]) -> int | None:
        """The least integer every property accepts, when the object is a
        row of cells of one kind (an object holding exactly the required
        keys, each an integer at least that, is then valid whatever the
        patterns and the rule for other keys say); None otherwise."""
        checks = set(props.values())
        if len(checks) != 1 or not required or not set(required) <= set(props):
            return None
        return self.floors.get(next(iter(checks)))


def _never(value: Any) -> bool:
    return False


def _any(checks: tuple[Check, ...]) -> Check:
    return lambda v: any(c(v) for c in checks)


def _among(options: tuple[Any, ...]) -> Check:
    # JSON equality: 1 is not true, "1" is not 1
    def among(v: Any) -> bool:
        return any(type(v) is type(o) and v == o for o in options)

    try:
        allowed = frozenset((type(o), o) for o in options)
    except TypeError:  # an option that is a list or an object: compared one by one
        return among

    def member(v: Any, allowed: frozenset[tuple[type, Any]] = allowed) -> bool:
        # (type, value) pairs: one hash lookup instead of a generator per call
        try:
            return (type(v), v) in allowed
        except TypeError:  # an unhashable value (a list, an object) is no option
            return among(v)

    return member


def _at_least(low: Any) -> Check:
    return lambda v: not is_number(v) or bool(v >= low)


def _at_most(high: Any) -> Check:
    return lambda v: not is_number(v) or bool(v <= high)


def _min_length(n: int) -> Check:
    return lambda v: not isinstance(v, str) or len(v) >= n


def _all(checks: list[Check]) -> Check:
    # Unrolled for the usual one to three checks: a generator per call is
    # what made the generic version slow.
    if not checks:
        return lambda v: True
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        a, b = checks
        return lambda v: a(v) and b(v)
    if len(checks) == 3:
        a, b, c = checks
        return lambda v: a(v) and b(v) and c(v)
    rest = tuple(checks)
    return lambda v: all(c(v) for c in rest)


def _cell_check(schema: Mapping[str, Any]) -> tuple[Check, int | None] | None:
    """A single closure for the three cell shapes of the report schemas (the
    bulk of every report): count, signed count, money; with the least
    integer it accepts (None: any)."""
    keys = {k for k in schema if k not in _ANNOTATIONS and not k.startswith("x-")}
    typ = schema.get("type")
    if keys == {"type", "minimum"} and typ == ["integer", "null"] and schema["minimum"] == 0:

        def count(v: Any) -> bool:
            cls = v.__class__
            if cls is int:
                return bool(v >= 0)
            if v is None:
                return True
            return is_integer(v) and v >= 0

        return count, 0
    if keys == {"type"} and typ == ["integer", "null"]:
        return (lambda v: v.__class__ is int or v is None or is_integer(v)), None
    if keys == {"type", "minimum"} and typ == ["number", "null"] and schema["minimum"] == 0:
        return (lambda v: v is None or (is_number(v) and v >= 0)), 0
    return None


_HANDLED = frozenset({"$ref", "type", "enum", "const", "minimum", "maximum", "minLength",
                      "format", "anyOf", "properties", "required", "patternProperties",
                      "additionalProperties"})


def compile_schema(documents: Mapping[str, Mapping[str, Any]], name: str) -> Check:
    """Compile schema ``name`` (a key of ``documents``, resolving ``$ref``s
    between them) into a predicate ``instance → bool``.

    Raises:
        Unsupported: the schema uses a keyword outside the supported subset.
    """
    return compile_schemas(documents, (name,))[name]


def compile_schemas(documents: Mapping[str, Mapping[str, Any]],
                    names: Sequence[str]) -> dict[str, Check]:
    """:func:`compile_schema` for each of ``names``, in one compile: what
    they share by ``$ref`` (the common definitions of both formats) is
    compiled once, and a batch of both formats keeps one copy hot."""
    compiler = _Compiler(documents)
    return {name: compiler.compile(documents[name], name) for name in names}
