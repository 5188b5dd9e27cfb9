"""RFC 6901 JSON Pointers: the only module that knows their syntax.

Every other module passes paths as tuples of keys (and list indices); a
pointer string is made here, for findings, and parsed here, for tools.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["MISSING", "resolve", "split_pointer", "to_pointer"]


class _Missing:
    """Marker for "no such key" (distinct from a JSON null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def to_pointer(parts: Iterable[str | int]) -> str:
    """``("a", "b/c", 0)`` → ``"/a/b~1c/0"``; the empty path is ``""``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def split_pointer(pointer: str) -> tuple[str, ...]:
    """The inverse of :func:`to_pointer` (segments stay strings)."""
    if pointer == "":
        return ()
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON Pointer: {pointer!r}")
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/"))


def resolve(document: Any, pointer: str | Sequence[str | int]) -> Any:
    """The value at ``pointer`` in ``document``, or :data:`MISSING`."""
    parts = split_pointer(pointer) if isinstance(pointer, str) else pointer
    node = document
    for part in parts:
        if isinstance(node, Mapping):
            if part not in node:
                return MISSING
            node = node[part]
        elif isinstance(node, list):
            try:
                index = int(part)
            except (TypeError, ValueError):
                return MISSING
            if not 0 <= index < len(node) or str(index) != str(part):
                return MISSING
            node = node[index]
        else:
            return MISSING
    return node
