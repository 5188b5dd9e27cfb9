"""The official pack's guarantees, proved on generated reports.

* A valid report (every identity holds by construction) gets no finding.
* Change any one count cell of tables 三 or 四 by any non-zero amount:
  exactly the identities through that cell fail, at the pointers the
  catalogue names, and the diagnosis names that cell (in table 三, where
  every cell lies on a row identity and a column identity).
* Blank out any one cell: VAL-BLANK fires there and no identity fires.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from reportgen import count_cells
from strategies import reports

from disclosure_rules import Severity, check, load_report, load_rules
from disclosure_rules.pointer import to_pointer

RULES = load_rules()
IDENTITIES = {"APP-BALANCE", "APP-RESULTS-SUM", "APP-ROW-TOTAL", "APL-TOTAL", "APP-EXTENSION"}
RESULT_GROUPS = {"withheld", "unavailable", "not_processed", "other"}
BALANCE_ROWS = {"new_received", "carried_over", "carried_forward"}


def _set(report: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(report)
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return changed


def _value(report: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = report
    for key in path:
        node = node[key]
    return node


def identities_through(path: tuple[str, ...]) -> set[tuple[str, str]]:
    """The catalogue's identity findings when the cell at ``path`` is off."""
    if path[0] == "appeals":
        return {("APL-TOTAL", to_pointer((*path[:2], "total")))}
    row, column = path[1:-1], path[-1]
    expected = {("APP-ROW-TOTAL", to_pointer(("applications", *row, "total")))}
    column_cell = to_pointer(("applications", "results", "total", column))
    if row[0] in BALANCE_ROWS:
        expected.add(("APP-BALANCE", column_cell))
    elif row == ("results", "total"):
        expected |= {("APP-BALANCE", column_cell), ("APP-RESULTS-SUM", column_cell)}
    else:
        expected.add(("APP-RESULTS-SUM", column_cell))
    return expected


def _identity_errors(result: Any) -> set[tuple[str, str]]:
    return {(f.rule_id, f.pointer) for f in result.findings
            if f.rule_id in IDENTITIES and f.severity is Severity.ERROR}


# The one home of "a valid report gets no finding" (the engine's fast-path
# tests compare fast with plain answers and leave this claim to these two).
@settings(max_examples=60)
@given(reports())
def test_valid_reports_get_no_finding(report: dict[str, Any]) -> None:
    result = check(load_report(report), RULES)
    assert not result.findings, [(f.rule_id, f.pointer, f.message.zh) for f in result.findings]
    assert result.ok and not result.diagnoses, result.diagnoses


@settings(max_examples=20)
@given(reports(big=True))
def test_valid_reports_with_large_counts_get_no_finding(report: dict[str, Any]) -> None:
    result = check(load_report(report), RULES)
    assert not result.findings, [(f.rule_id, f.pointer, f.message.zh) for f in result.findings]
    assert result.ok and not result.diagnoses, result.diagnoses


@settings(max_examples=120)
@given(st.data())
def test_one_changed_cell_breaks_exactly_its_identities(data: st.DataObject) -> None:
    report = data.draw(reports())
    path = data.draw(st.sampled_from(count_cells(report)))
    delta = data.draw(st.integers(-50, 50).filter(bool))
    changed = _set(report, path, _value(report, path) + delta)
    result = check(load_report(changed), RULES)
    assert _identity_errors(result) == identities_through(path), (path, delta)
    if path[0] == "applications":
        assert to_pointer(path) in {d.pointer for d in result.diagnoses}, (path, delta)
        diagnosis = next(d for d in result.diagnoses if d.pointer == to_pointer(path))
        assert diagnosis.suggested == _value(report, path)


@settings(max_examples=120)
@given(st.data())
def test_one_blank_cell_is_reported_and_breaks_no_identity(data: st.DataObject) -> None:
    report = data.draw(reports())
    path = data.draw(st.sampled_from(count_cells(report)))
    blanked = _set(report, path, None)
    result = check(load_report(blanked), RULES)
    assert ("VAL-BLANK", to_pointer(path)) in {(f.rule_id, f.pointer) for f in result.findings}
    assert not _identity_errors(result), [(f.rule_id, f.pointer, f.message.zh)
                                          for f in result.findings]
    assert result.ok or all(f.rule_id not in IDENTITIES for f in result.findings
                            if f.severity is Severity.ERROR)
