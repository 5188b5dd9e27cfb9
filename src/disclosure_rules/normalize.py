"""Label normalisation (domain.md §4.0): how two printed labels are compared,
and how two organ names are.

Used for matching only, never for display: the official labels are shown as
the format prints them.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["key_member", "label_key", "normalize_label", "same_organ", "strip_numbering"]

# After NFKC, full-width （）：， become ()：, — but the Chinese quotes and the
# ideographic enumeration comma are untouched by NFKC, so they are folded here.
_FOLD = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "「": '"',
        "」": '"',
        "『": '"',
        "』": '"',
        "‘": "'",
        "’": "'",
        "：": ":",
        "，": ",",
        "（": "(",
        "）": ")",
        "．": ".",
        "、": ".",
        "﹑": ".",
        "。": ".",
    }
)
_SPACE = re.compile(r"\s+")
# Leading enumerators: 一、 二、 (一) （二） 1. 1、 1．(六) …
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+\.|\([一二三四五六七八九十]+\)|\d+\.|\(\d+\))+"
)


@lru_cache(maxsize=4096)
def normalize_label(text: str) -> str:
    """Return the comparison form of a label.

    NFKC, all whitespace removed (including U+3000 and line breaks inside
    cells), and the punctuation variants of §4.0 folded to one form.

    >>> normalize_label("结 果 维 持") == normalize_label("结果维持")
    True
    >>> normalize_label("（一）予以公开") == normalize_label("(一)予以公开")
    True
    >>> normalize_label("1、属于国家秘密") == normalize_label("1．属于国家秘密")
    True
    """
    text = unicodedata.normalize("NFKC", text).translate(_FOLD)
    return _SPACE.sub("", text)


@lru_cache(maxsize=4096)
def strip_numbering(text: str) -> str:
    """Remove leading enumerators (一、 （一） 1. …) from a normalised label."""
    return _NUMBERING.sub("", text)


def label_key(text: str) -> str:
    """Normalised label without its numbering: the key aliases are matched by."""
    return strip_numbering(normalize_label(text))


def key_member(value: object, keys: frozenset[str]) -> bool:
    """Whether ``value`` is one of the keys of a set ({总体情况, problems}): a
    key itself, or a label that normalises to one of them (one meaning, at
    load and on a report alike)."""
    if value in keys:
        return True
    return isinstance(value, str) and label_key(value) in {label_key(k) for k in keys}


@lru_cache(maxsize=4096)
def same_organ(name: str) -> str:
    """An organ name as pairing and waivers compare it: NFKC (full-width
    letters and digits, the ideographic space) and no whitespace at all.

    Whitespace means nothing inside a Chinese organ name, yet reports carry
    it: a space typed by mistake, a title letter-spaced for the page
    (“淮 安 市 人 民 政 府”), a line break in a PDF's title. Nothing else is
    folded: 某某区人民政府 and 某某区人民政府办公室 are two organs, each with
    its own report.

    Cached: a waiver asks it of the same two names for every finding it
    might cover."""
    return "".join(unicodedata.normalize("NFKC", name).split())
