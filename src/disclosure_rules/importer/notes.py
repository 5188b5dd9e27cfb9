"""Import findings: what the importer could not take as published, said in
Chinese first with English, located by JSON Pointer and label path.

Rule ids:

``IMP-UNRESOLVED`` (warning)
    a cell could not be read with certainty; it is left ``null`` and the
    candidate readings are listed.
``IMP-RESOLVED`` (info)
    several readings were possible; exactly one satisfies the table's
    identities, and it was taken (or: a row that lost its group heading
    was placed by its own label).
``IMP-LAYOUT`` (warning)
    the published table deviates from the official layout; what was
    published is kept under an extension key, or reported here.
``IMP-LABEL`` (info)
    a label or heading was matched approximately (a typo).
``IMP-MISSING`` (error)
    a section, table or row was not found; the document lacks that key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ..explain import format_value
from ..findings import Cell, Finding, Message, Severity
from ..layout import Format, label_path
from ..pointer import to_pointer
from .model import Origin

__all__ = ["TITLES", "clip", "finding", "reading_text"]

_CLIP = 60

TITLES: dict[str, tuple[Severity, Message]] = {
    "IMP-UNRESOLVED": (Severity.WARNING,
                       Message("单元格读数无法确定", "a cell cannot be read with certainty")),
    "IMP-RESOLVED": (Severity.INFO, Message("按表内勾稽关系确定读数",
                                            "a reading chosen by the table's identities")),
    "IMP-LAYOUT": (Severity.WARNING, Message("表格版式与官方格式不同",
                                             "the table deviates from the official layout")),
    "IMP-LABEL": (Severity.INFO, Message("标签近似匹配", "a label matched approximately")),
    "IMP-MISSING": (Severity.ERROR, Message("导入时未找到", "not found on import")),
}

def finding(rule_id: str, fmt: Format, parts: Sequence[str], zh: str, en: str, *,
            origin: Origin | None = None,
            cells: Iterable[tuple[Sequence[str], Any]] = ()) -> Finding:
    """An import finding at the path ``parts`` (keys)."""
    severity, title = TITLES[rule_id]
    return Finding(
        rule_id=rule_id,
        severity=severity,
        pointer=to_pointer(parts),
        label=label_path(fmt, parts),
        message=Message(zh, en),
        cells=tuple(Cell(to_pointer(p), label_path(fmt, p), v) for p, v in cells),
        cite="",
        title=title,
        source=dict(origin) if origin else None,
    )


def reading_text(values: Sequence[Any], *, en: bool = False) -> str:
    """A reading as "64 | 0 | 0 | 2" (a blank cell as 空白 / blank)."""
    lang = "en" if en else "zh"
    return " | ".join(format_value(v, lang) for v in values)


def clip(text: str) -> str:
    """Printed text as a message quotes it: at most 60 characters."""
    return text if len(text) <= _CLIP else text[:_CLIP] + "…"
