"""Hypothesis strategies over reports (built by tests/reportgen.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from reportgen import build_report

__all__ = ["json_values", "reports"]


@st.composite
def reports(draw: Any, fmt: str | None = None, big: bool = False) -> dict[str, Any]:
    """A valid report (every identity holds) of ``fmt`` (default: either)."""
    chosen = fmt or draw(st.sampled_from(("2019", "2021")))
    return build_report(chosen, lambda low, high: draw(st.integers(low, high)), big=big)


def json_values() -> st.SearchStrategy[Any]:
    """Any JSON value (recursive)."""
    scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | \
        st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
    return st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=5),
        max_leaves=25,
    )
