"""The report layout: the tree of keys, official labels and cell kinds of each
format, derived from the shipped JSON Schemas (the single source of labels).

The schemas are the machine form of the contract (report-json.md). This
module reads them once per process and turns them into a typed tree that the
rest of the library walks: the rule checker resolves paths and Chinese
aliases against it, findings take their label paths from it, the importer and
the renderer take rows and columns from it. Nothing here repeats a label: each
comes from a ``title`` or ``x-aliases`` annotation in ``schemas/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any, Literal

from .normalize import label_key, normalize_label

__all__ = [
    "FORMATS",
    "SECTION_ORDINALS",
    "Format",
    "Node",
    "label",
    "label_path",
    "layout",
    "node_at",
    "official_columns",
    "schema_documents",
    "section_keys",
]

Format = Literal["2019", "2021"]
FORMATS: tuple[Format, ...] = ("2019", "2021")

#: Node kinds. Cells are ``count`` / ``signed`` / ``money``.
Kind = Literal[
    "object", "count", "signed", "money", "text", "integer", "string", "enum", "date", "any"
]
CELL_KINDS = frozenset({"count", "signed", "money"})
#: kinds read as strings (a text, a date, one of a set of words)
TEXT_KINDS = frozenset({"text", "string", "date", "enum"})

SCHEMA_FILES: dict[Format, str] = {
    "2019": "report-2019.schema.json",
    "2021": "report-2021.schema.json",
}
COMMON_FILE = "report-common.schema.json"


@dataclass(frozen=True, slots=True, eq=False)
class Node:
    """One key of the report, with its official label and what it holds."""

    key: str
    title: str
    kind: Kind
    role: str = ""
    aliases: tuple[str, ...] = ()
    required: bool = False
    description: str = ""
    #: printed variants of a section title seen in real reports (domain.md §3)
    variants: tuple[str, ...] = ()
    children: Mapping[str, Node] = field(default_factory=dict)
    #: normalised key/title/alias → child key, for Chinese path segments
    index: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_cell(self) -> bool:
        """True for a number cell of a table."""
        return self.kind in CELL_KINDS

    @property
    def short(self) -> str:
        """A short display name: the first alias, else the title."""
        return self.aliases[0] if self.aliases else self.title

    def child(self, name: str) -> Node | None:
        """The child named by its key, its official label or an alias."""
        node = self.children.get(name)
        if node is not None:
            return node
        key = self.index.get(label_key(name)) or self.index.get(normalize_label(name))
        return self.children.get(key) if key is not None else None

    def resolve_key(self, name: str) -> str | None:
        """The English key for ``name`` (a key, a label or an alias)."""
        node = self.child(name)
        return node.key if node is not None else None

    def walk(self, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Every descendant with its path, depth first in schema order."""
        for key, child in self.children.items():
            path = (*prefix, key)
            yield path, child
            yield from child.walk(path)

    def __repr__(self) -> str:
        return f"Node({self.key!r}, {self.title!r}, {self.kind})"


@cache
def schema_documents() -> Mapping[str, Mapping[str, Any]]:
    """The shipped schema documents, by file name (read once per process)."""
    root = files(__package__) / "schemas"
    docs: dict[str, Mapping[str, Any]] = {}
    for name in (COMMON_FILE, *SCHEMA_FILES.values()):
        docs[name] = json.loads((root / name).read_text(encoding="utf-8"))
    return docs


def _deref(schema: Mapping[str, Any], base: str) -> tuple[dict[str, Any], str]:
    """Merge a ``$ref`` target under the referring schema's own keywords.

    The referring schema's annotations (title, aliases) win: a property's
    label is the label of its position, not of its type.
    """
    merged: dict[str, Any] = {}
    current: Mapping[str, Any] = schema
    current_base = base
    chain: list[Mapping[str, Any]] = []
    while True:
        chain.append(current)
        ref = current.get("$ref")
        if not isinstance(ref, str):
            break
        file_part, _, fragment = ref.partition("#")
        target_base = file_part or current_base
        target: Any = schema_documents()[target_base]
        for part in fragment.strip("/").split("/") if fragment.strip("/") else []:
            target = target[part]
        current, current_base = target, target_base
    for item in reversed(chain):
        merged.update({k: v for k, v in item.items() if k != "$ref"})
    return merged, current_base


def _kind(schema: Mapping[str, Any]) -> Kind:
    explicit = schema.get("x-kind")
    if explicit in CELL_KINDS:
        return explicit  # type: ignore[no-any-return]
    if "enum" in schema or "const" in schema:
        return "enum"
    typ = schema.get("type")
    if typ == "object" or "properties" in schema:
        return "object"
    if typ == "string":
        return "date" if schema.get("format") == "date" else "text"
    if typ == "integer":
        return "integer"
    return "any"


def _build(key: str, schema: Mapping[str, Any], base: str, required: bool) -> Node:
    merged, base = _deref(schema, base)
    kind = _kind(merged)
    children: dict[str, Node] = {}
    index: dict[str, str] = {}
    if kind == "object":
        req = set(merged.get("required", ()))
        for child_key, child_schema in merged.get("properties", {}).items():
            children[child_key] = _build(child_key, child_schema, base, child_key in req)
        for child_key, child in children.items():
            for name in (child_key, child.title, *child.aliases):
                for form in {normalize_label(name), label_key(name)}:
                    # First writer wins; the uniqueness test in the suite
                    # guarantees there is no second writer with another key.
                    index.setdefault(form, child_key)
    return Node(
        key=key,
        title=merged.get("title", key),
        kind=kind,
        role=merged.get("x-role", ""),
        aliases=tuple(merged.get("x-aliases", ())),
        required=required,
        description=merged.get("description", ""),
        variants=tuple(merged.get("x-title-variants", ())),
        children=children,
        index=index,
    )


@cache
def layout(fmt: Format) -> Node:
    """The root node of format ``fmt`` ("2019" or "2021")."""
    name = SCHEMA_FILES[fmt]
    return _build("", schema_documents()[name], name, True)


_SECTION_ROLES = frozenset({"section", "table-section"})
#: the ordinals the six sections are numbered with (一、总体情况 …)
SECTION_ORDINALS = "一二三四五六"


@cache
def section_keys(fmt: Format) -> tuple[str, ...]:
    """The keys of the six sections, in printed order."""
    return tuple(k for k, n in layout(fmt).children.items() if n.role in _SECTION_ROLES)


def official_columns(node: Node) -> list[str]:
    """The official column keys of a row node (its extension keys left out)."""
    return [k for k in node.children if not k.startswith("x_")]


def node_at(fmt: Format, parts: Sequence[str | int]) -> Node | None:
    """The layout node at a path of keys, or None when the path leaves it."""
    node: Node | None = layout(fmt)
    for part in parts:
        if node is None or not isinstance(part, str):
            return None
        node = node.children.get(part)
    return node


def label_path(fmt: Format, parts: Sequence[str | int]) -> str:
    """The official labels of a path joined by " · ".

    A table section's own heading is left out when the path goes into its
    tables (``三、本年度办理结果 · （三）不予公开 · 1.属于国家秘密 · 自然人``):
    the row labels already say which table they belong to.
    """
    return _label_path(fmt, tuple(parts))


def label(pointer: str, fmt: str = "2021") -> str:
    """The official label path of the part of a report at ``pointer`` (a
    JSON Pointer) in the format ``fmt``, as findings show it: ``label(
    "/applications/results/withheld/state_secret/natural_person")`` is
    ``三、本年度办理结果 · （三）不予公开 · 1.属于国家秘密 · 自然人``
    (keys the format does not have, such as ``x_`` extensions, stay as
    written).

    Raises:
        DocumentError: ``pointer`` is not a JSON Pointer, or ``fmt`` is not
            "2019" or "2021".
    """
    from .errors import DocumentError
    from .pointer import split_pointer

    if fmt not in FORMATS:
        raise DocumentError(f"报告格式须是 2019 或 2021，不能是 {fmt!r} (the format is 2019 or "
                            f"2021, not {fmt!r})", file="<label>")
    try:
        parts = split_pointer(pointer)
    except (ValueError, AttributeError):
        raise DocumentError(f"不是 JSON Pointer：{pointer!r}，应以 / 开头 (not a JSON Pointer: "
                            f"{pointer!r}; it starts with /)", file="<label>") from None
    return label_path(fmt, parts)


@lru_cache(maxsize=8192)
def _label_path(fmt: Format, parts: tuple[str | int, ...]) -> str:
    labels: list[str] = []
    node: Node | None = layout(fmt)
    for i, part in enumerate(parts):
        child = node.children.get(part) if node is not None and isinstance(part, str) else None
        if child is None:
            labels.append(str(part))
            node = None
            continue
        remaining = len(parts) - i - 1
        if not (child.role == "table-section" and remaining >= 2):
            labels.append(child.title)
        node = child
    return " · ".join(labels) if labels else "（整个报告）"
