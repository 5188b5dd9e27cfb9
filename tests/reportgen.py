"""Generators of valid reports: every identity holds by construction.

One builder serves two drivers: hypothesis (``reports()`` in
``tests/strategies.py``, which shrinks well because every number is drawn
separately) and plain ``random.Random`` (``random_report``) for benchmarks
that need thousands of reports quickly. Row and column keys come from the
schema layout, never from a list written here.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from disclosure_rules.layout import Node, layout

Draw = Callable[[int, int], int]
"""draw(low, high) → an integer in [low, high]."""

APPLICANTS = ("natural_person", "commercial_enterprise", "research_institution",
              "public_interest_org", "legal_service_org", "other_org")
ORGANS = [
    ("上海市嘉定区人力资源和社会保障局", "department", "county"),
    ("淮安市人民政府", "government", "municipal"),
    ("平潭综合实验区管理委员会", "government", "other"),
    ("桃江县审计局", "department", "county"),
    ("驼峰路街道办事处", "government", "township"),
]


def _result_rows(fmt: str) -> list[tuple[str, ...]]:
    """Paths (below applications/results) of every official result row."""
    results = layout(fmt).children["applications"].children["results"]  # type: ignore[arg-type]
    rows: list[tuple[str, ...]] = []
    for key, child in results.children.items():
        if key == "total" or key.startswith("x_"):
            continue
        if child.role == "row":
            rows.append((key,))
        else:
            rows.extend((key, sub) for sub, node in child.children.items()
                        if not sub.startswith("x_") and node.role == "row")
    return rows


def _set(tree: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def _row(values: dict[str, int]) -> dict[str, int]:
    row = {k: values[k] for k in APPLICANTS}
    row["total"] = sum(row.values())
    return row


def _section(fmt: str, key: str) -> str:
    node: Node = layout(fmt).children[key]  # type: ignore[arg-type]
    return node.title


def build_report(fmt: str, draw: Draw, *, big: bool = False) -> dict[str, Any]:
    """A valid report of format ``fmt`` with numbers from ``draw``.

    ``big`` allows large counts (thousands), as city governments report.
    """
    top = 3000 if big else 6
    organ_name, kind, level = ORGANS[draw(0, len(ORGANS) - 1)]
    year = draw(2019, 2020) if fmt == "2019" else draw(2021, 2025)
    report: dict[str, Any] = {
        "year": year,
        "organ": {"name": organ_name, "kind": kind, "level": level},
    }
    if draw(0, 1):
        report["format"] = fmt
    if draw(0, 1):
        month, day = (1, draw(1, 31)) if kind == "department" else (draw(1, 3), draw(1, 28))
        report["published_on"] = f"{year + 1}-{month:02d}-{day:02d}"

    # 三: result rows per applicant column, then the identities.
    results: dict[str, Any] = {}
    totals = dict.fromkeys(APPLICANTS, 0)
    for path in _result_rows(fmt):
        values = {c: draw(0, top) if draw(0, 3) == 0 else 0 for c in APPLICANTS}
        _set(results, path, _row(values))
        for c in APPLICANTS:
            totals[c] += values[c]
    results["total"] = _row(totals)
    forward = {c: draw(0, top) if draw(0, 2) == 0 else 0 for c in APPLICANTS}
    over = {c: draw(0, totals[c] + forward[c]) if draw(0, 2) == 0 else 0 for c in APPLICANTS}
    new = {c: totals[c] + forward[c] - over[c] for c in APPLICANTS}
    applications = {
        "title": _section(fmt, "applications"),
        "new_received": _row(new),
        "carried_over": _row(over),
        "results": results,
        "carried_forward": _row(forward),
    }

    # 四: four results and their total per group.
    appeals: dict[str, Any] = {"title": _section(fmt, "appeals")}
    for group in ("review", "litigation_direct", "litigation_after_review"):
        parts = {k: draw(0, top) if draw(0, 2) == 0 else 0
                 for k in ("upheld", "corrected", "other", "pending")}
        appeals[group] = {**parts, "total": sum(parts.values())}

    # 二: plausible values (no warning fires on them).
    no_rules = level in ("county", "township")
    proactive: dict[str, Any] = {"title": _section(fmt, "proactive")}
    if fmt == "2019":
        for row in ("rules", "normative_documents"):
            new_made = 0 if (no_rules and row == "rules") else draw(0, top)
            total = 0 if (no_rules and row == "rules") else new_made + draw(0, top)
            published = min(new_made, total)
            proactive.setdefault("art20_1", {})[row] = {
                "new_made": new_made, "new_published": published, "total_published": total}
        for table, rows in (("art20_5", ("licensing", "other_services")),
                            ("art20_6", ("penalty", "enforcement"))):
            for row in rows:
                proactive.setdefault(table, {})[row] = {
                    "prior_year_items": draw(0, top), "change": draw(-3, 3),
                    "decisions": draw(0, top * 10)}
        proactive["art20_8"] = {"fees": {"prior_year_items": draw(0, top),
                                         "change": draw(-2, 2)}}
        proactive["art20_9"] = {"procurement": {
            "projects": draw(0, top), "amount": Decimal(draw(0, 9999999)) / 100}}
    else:
        for row in ("rules", "normative_documents"):
            zero = no_rules and row == "rules"
            proactive.setdefault("art20_1", {})[row] = {
                "issued": 0 if zero else draw(0, top), "repealed": 0 if zero else draw(0, top),
                "in_force": 0 if zero else draw(0, top * 10)}
        proactive["art20_5"] = {"licensing": {"decisions": draw(0, top * 10)}}
        proactive["art20_6"] = {"penalty": {"decisions": draw(0, top * 10)},
                                "enforcement": {"decisions": draw(0, top * 10)}}
        proactive["art20_8"] = {"fees": {"amount": Decimal(draw(0, 99999999)) / 10000}}

    received = applications["new_received"]["total"]
    sentences = [f"本年度共收到政府信息公开申请{received}件。" if received
                 else "本年度未收到政府信息公开申请。"]
    if kind == "government":
        sentences.append("本年度开展政务公开工作考核、社会评议，未发生责任追究。")
    sentences.append("（一）主动公开情况\n持续做好主动公开。")
    report.update({
        "overview": {"title": _section(fmt, "overview"), "text": "".join(sentences)},
        "proactive": proactive,
        "applications": applications,
        "appeals": appeals,
        "problems": {"title": _section(fmt, "problems"),
                     "text": "政策解读形式较为单一。下一步将丰富解读形式。"},
        "other_matters": {"title": _section(fmt, "other_matters"),
                          "text": "本年度未收取信息处理费。" if fmt == "2021" else "无。"},
    })
    return report


def random_report(rng: random.Random, fmt: str | None = None, *,
                  big: bool = False) -> dict[str, Any]:
    """A valid report drawn with ``rng`` (for benchmarks and batches)."""
    chosen = fmt or rng.choice(("2019", "2021"))
    return build_report(chosen, rng.randint, big=big)


def count_cells(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """Paths of every count cell of tables 三 and 四 (for mutation tests)."""
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, (*path, key))
        elif isinstance(node, int) and not isinstance(node, bool):
            paths.append(path)

    walk(report["applications"], ("applications",))
    walk(report["appeals"], ("appeals",))
    return paths


def to_json(report: Any) -> str:
    """JSON text of a generated report (exact decimals written as numbers)."""
    import json

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, Decimal):
            return float(value)  # shortest repr: the same digits as the Decimal
        return value

    return json.dumps(plain(report), ensure_ascii=False)
