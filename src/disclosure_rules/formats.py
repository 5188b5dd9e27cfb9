"""Which official format a report uses: declared, implied by its year, and
detected from the keys of its tables (the signature labels of domain.md §5.6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .fastschema import is_integer
from .layout import Format

__all__ = ["YEARS", "FormatInfo", "analyse_format", "format_for_year", "report_organ",
           "report_year"]

# Keys that exist in one format's tables only, by where they may stand.
_ROW_KEYS_2019 = frozenset({"new_made", "new_published", "total_published",
                            "prior_year_items", "change", "projects"})
_ROW_KEYS_2021 = frozenset({"issued", "repealed", "in_force"})
_APPLICANT_COLUMNS = frozenset({"natural_person", "commercial_enterprise", "research_institution",
                                "public_interest_org", "legal_service_org", "other_org", "total"})
_OTHER_ROWS_2021 = frozenset({"no_amendment", "unpaid_fee", "other"})


def report_year(value: Any) -> int | None:
    """The year a report's ``year`` value states, or None.

    The one test of "is this a year" (the checker, the format by year, the
    pairing of reports and the waivers by year all use it): what the
    schema's ``integer`` accepts — an exact integral number, ``2024`` or
    ``2024.0`` (read as ``Decimal("2024.0")``), never a boolean."""
    return int(value) if is_integer(value) else None


def report_organ(document: Any) -> str | None:
    """The organ name a report states (``organ.name``, a text that is not
    blank), as written; None otherwise. The one reading of it: the result,
    pairing and the continuity rules' organ check use it."""
    # (a dict is asked first: the Mapping test is a call into abc)
    organ = document.get("organ") if isinstance(document, (dict, Mapping)) else None
    name = organ.get("name") if isinstance(organ, (dict, Mapping)) else None
    return name if isinstance(name, str) and name.strip() else None


#: the years a report may state (the schemas' bounds on ``year``)
YEARS = (2008, 2100)


def format_for_year(year: Any) -> Format | None:
    """2019 for years up to 2020, 2021 from 2021 on; None for a non-year
    (see :func:`report_year`) or a year outside :data:`YEARS` (the schema
    says so; "year 0 should use the 2019 format" would be noise)."""
    value = report_year(year)
    if value is None or not YEARS[0] <= value <= YEARS[1]:
        return None
    return "2019" if value <= 2020 else "2021"


@dataclass(frozen=True, slots=True)
class FormatInfo:
    """The format facts of one document.

    ``effective`` is the format whose schema and rules apply: the format of
    the tables when they are all of one format, else the expected one.
    ``signatures`` maps each format to the paths of its signature keys.
    """

    declared: Format | None
    by_year: Format | None
    detected: Format | None
    mixed: bool
    signatures: Mapping[Format, tuple[tuple[str, ...], ...]]

    @property
    def expected(self) -> Format | None:
        """The format the report should use: declared, else by year."""
        return self.declared or self.by_year

    @property
    def effective(self) -> Format:
        """The format whose schema and rules are applied."""
        if self.detected is not None and not self.mixed:
            return self.detected
        return self.expected or self.detected or "2021"

    @property
    def conflict(self) -> bool:
        """Whether FMT-TEMPLATE has something to say."""
        if self.mixed:
            return True
        if self.declared and self.by_year and self.declared != self.by_year:
            return True
        return bool(self.detected and self.expected and self.detected != self.expected)


def _scan(document: Mapping[str, Any]) -> dict[Format, list[tuple[str, ...]]]:
    # Documents are parsed JSON: their objects are dicts (and isinstance
    # against the Mapping ABC costs several times more, on every report).
    hits: dict[Format, list[tuple[str, ...]]] = {"2019": [], "2021": []}
    proactive = document.get("proactive")
    if isinstance(proactive, dict):
        if "art20_9" in proactive:
            hits["2019"].append(("proactive", "art20_9"))
        art5 = proactive.get("art20_5")
        if isinstance(art5, dict) and "other_services" in art5:
            hits["2019"].append(("proactive", "art20_5", "other_services"))
        for table_key, table in proactive.items():
            if not (table_key.startswith("art20_") and isinstance(table, dict)):
                continue
            for row_key, row in table.items():
                if not isinstance(row, dict):
                    continue
                for key in row:
                    if key in _ROW_KEYS_2019:
                        hits["2019"].append(("proactive", table_key, row_key, key))
                    elif key in _ROW_KEYS_2021:
                        hits["2021"].append(("proactive", table_key, row_key, key))
                # 2021 amount sits alone in art20_8; in 2019 art20_8 has item counts
                if table_key == "art20_8" and "amount" in row:
                    hits["2021"].append(("proactive", table_key, row_key, "amount"))
    applications = document.get("applications")
    results = applications.get("results") if isinstance(applications, dict) else None
    other = results.get("other") if isinstance(results, dict) else None
    if isinstance(other, dict):
        keys = set(other)
        if keys & _APPLICANT_COLUMNS and not keys & (_OTHER_ROWS_2021 - {"other"}):
            hits["2019"].append(("applications", "results", "other"))
        elif keys & _OTHER_ROWS_2021 and not keys & (_APPLICANT_COLUMNS - {"other"}) and \
                isinstance(other.get("other", {}), dict):
            hits["2021"].append(("applications", "results", "other"))
    return hits


def analyse_format(document: Any) -> FormatInfo:
    """The :class:`FormatInfo` of a parsed document (any JSON value)."""
    if not isinstance(document, (dict, Mapping)):  # (a dict answers without abc)
        return FormatInfo(None, None, None, False, {"2019": (), "2021": ()})
    declared_raw = document.get("format")
    declared: Format | None = declared_raw if declared_raw in ("2019", "2021") else None
    by_year = format_for_year(document.get("year"))
    hits = _scan(document)
    has19, has21 = bool(hits["2019"]), bool(hits["2021"])
    detected: Format | None = None
    if has19 and not has21:
        detected = "2019"
    elif has21 and not has19:
        detected = "2021"
    elif has19 and has21:
        # Mixed: the format with more signature keys is the one the tables
        # mostly use; the other's keys are the misplaced ones.
        detected = "2019" if len(hits["2019"]) > len(hits["2021"]) else "2021"
    return FormatInfo(
        declared=declared,
        by_year=by_year,
        detected=detected,
        mixed=has19 and has21,
        signatures={"2019": tuple(hits["2019"]), "2021": tuple(hits["2021"])},
    )
