"""The structure stage: schemas, schema findings, the format, the fast path."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportgen import to_json
from strategies import json_values, reports

from disclosure_rules import DocumentError, load_report, validate
from disclosure_rules.fastschema import Unsupported, compile_schema, is_integer
from disclosure_rules.layout import FORMATS, SCHEMA_FILES, layout, schema_documents
from disclosure_rules.normalize import label_key, normalize_label
from disclosure_rules.pointer import MISSING, resolve, split_pointer
from disclosure_rules.validation import _fast, _validators, is_valid

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "jiading-hrss-2020.json"
HUAIAN = ROOT / "examples" / "huaian-city-2024.json"


def _seed() -> dict[str, Any]:
    return copy.deepcopy(load_report(SEED).data)


def _pairs(data: Any) -> set[tuple[str, str]]:
    return {(f.rule_id, f.pointer) for f in validate(data).findings}


def test_both_examples_validate() -> None:
    for path in (SEED, HUAIAN):
        validation = validate(load_report(path))
        assert validation.valid and not validation.findings, validation.findings


def test_schemas_are_valid_draft_2020_12_with_a_title_on_every_property() -> None:
    for name, doc in schema_documents().items():
        jsonschema.Draft202012Validator.check_schema(doc)

        def walk(node: Any, where: str, name: str = name) -> None:
            if isinstance(node, dict):
                for key, sub in node.get("properties", {}).items():
                    assert sub.get("title"), f"{name}: {where}/{key} has no title"
                for key, sub in node.get("patternProperties", {}).items():
                    assert sub.get("title"), f"{name}: {where}/{key} has no title"
                for key, sub in node.items():
                    walk(sub, f"{where}/{key}")
            elif isinstance(node, list):
                for sub in node:
                    walk(sub, where)

        walk(doc, "")


def test_the_shared_parts_are_defined_once() -> None:
    docs = schema_documents()
    for fmt in FORMATS:
        text = json.dumps(docs[f"report-{fmt}.schema.json"])
        assert "report-common.schema.json#/$defs/applicant_row" in text
        assert '"natural_person"' not in text  # columns only in the common schema


def _object_bodies(node: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, canonical text) of every object schema's properties below ``node``."""
    found: list[tuple[str, str]] = []
    if isinstance(node, dict):
        if isinstance(node.get("properties"), dict):
            found.append((path, json.dumps(node["properties"], sort_keys=True)))
        for key, value in node.items():
            found += _object_bodies(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _object_bodies(value, f"{path}/{index}")
    return found


@pytest.mark.parametrize("name", sorted(schema_documents()))
def test_no_object_shape_is_written_twice_in_a_schema(name: str) -> None:
    # rows of one shape (规章 and 规范性文件, 行政许可 and 行政处罚 …) refer
    # to one definition: a column added to one cannot be forgotten in another
    seen: dict[str, str] = {}
    for path, body in _object_bodies(schema_documents()[name]):
        assert body not in seen, f"{path} repeats {seen[body]}"
        seen[body] = path


@pytest.mark.parametrize("fmt", FORMATS)
def test_labels_and_aliases_are_unambiguous_within_each_object(fmt: str) -> None:
    for path, node in [((), layout(fmt)), *layout(fmt).walk()]:  # type: ignore[arg-type]
        seen: dict[str, str] = {}
        for key, child in node.children.items():
            for name in (key, child.title, *child.aliases):
                for form in {normalize_label(name), label_key(name)}:
                    assert seen.get(form, key) == key, \
                        f"{path}: {name!r} means {seen[form]} and {key}"
                    seen[form] = key


def test_cell_counts_of_the_contract() -> None:
    def cells(fmt: str, section: str) -> int:
        return sum(1 for p, n in layout(fmt).children[section].walk()  # type: ignore[index]
                   if n.is_cell and not any(part.startswith("x_") for part in p))

    assert cells("2019", "applications") == 161 and cells("2021", "applications") == 175
    assert cells("2019", "appeals") == cells("2021", "appeals") == 15
    assert cells("2019", "proactive") == 22 and cells("2021", "proactive") == 10


# ------------------------------------------------------------------ malformations


def test_missing_section_is_sec_required_at_the_section() -> None:
    data = _seed()
    del data["problems"]
    assert _pairs(data) == {("SEC-REQUIRED", "/problems")}


def test_missing_row_names_the_row() -> None:
    data = _seed()
    del data["applications"]["results"]["withheld"]["state_secret"]
    assert _pairs(data) == {("SCHEMA", "/applications/results/withheld/state_secret")}


def test_string_in_a_count_cell() -> None:
    data = _seed()
    data["applications"]["new_received"]["natural_person"] = "5件"
    findings = validate(data).findings
    assert [(f.rule_id, f.pointer) for f in findings] == [
        ("SCHEMA", "/applications/new_received/natural_person")]
    assert "“5件”" in findings[0].message.zh and "text" in findings[0].message.en
    assert findings[0].label == "一、本年新收政府信息公开申请数量 · 自然人"


def test_float_in_a_count_cell_is_val_integer() -> None:
    data = _seed()
    data["applications"]["new_received"]["natural_person"] = 4.5
    assert _pairs(load_report(data).data) == {
        ("VAL-INTEGER", "/applications/new_received/natural_person")}


def test_negative_change_is_allowed_but_a_negative_count_is_not() -> None:
    data = _seed()
    data["proactive"]["art20_5"]["licensing"]["change"] = -3
    assert _pairs(data) == set()
    data["proactive"]["art20_5"]["licensing"]["decisions"] = -3
    assert _pairs(data) == {("VAL-NEGATIVE", "/proactive/art20_5/licensing/decisions")}


def test_unknown_key_is_rejected_with_a_suggestion_and_x_keys_are_allowed() -> None:
    data = _seed()
    data["applications"]["carried_ovr"] = data["applications"].pop("carried_over")
    findings = validate(data).findings
    pairs = {(f.rule_id, f.pointer) for f in findings}
    assert ("SCHEMA", "/applications/carried_ovr") in pairs
    assert ("SCHEMA", "/applications/carried_over") in pairs
    unknown = next(f for f in findings if f.pointer == "/applications/carried_ovr")
    assert "carried_over" in unknown.message.en
    data = _seed()
    data["x_local"] = {"anything": [1, 2]}
    data["applications"]["new_received"]["x_note"] = "自定"
    assert _pairs(data) == set()


def test_blank_cells_are_allowed_by_the_schema() -> None:
    data = _seed()
    data["appeals"]["review"]["total"] = None
    assert _pairs(data) == set()


def test_a_2021_table_in_a_2019_report_is_one_fmt_template_finding() -> None:
    data = _seed()
    data["proactive"]["art20_1"] = {
        "rules": {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": {"issued": 4, "repealed": 0, "in_force": 19},
    }
    findings = validate(data).findings
    assert [(f.rule_id, f.pointer) for f in findings] == [("FMT-TEMPLATE", "/format")]
    assert "2021" in findings[0].message.zh


def test_a_2022_report_in_the_2019_tables_is_one_fmt_template_finding() -> None:
    data = _seed()
    data["year"] = 2022
    findings = validate(data).findings
    assert [(f.rule_id, f.pointer) for f in findings] == [("FMT-TEMPLATE", "/format")]
    assert "这份 2022 年度的报告使用了 2019 年格式的表格" in findings[0].message.zh
    assert validate(data).format.effective == "2019"


def test_declared_format_contradicting_the_year() -> None:
    data = copy.deepcopy(load_report(HUAIAN).data)
    data["format"] = "2019"
    pairs = _pairs(data)
    assert pairs == {("FMT-TEMPLATE", "/format")}


def test_not_an_object() -> None:
    findings = validate([1, 2]).findings
    assert [(f.rule_id, f.pointer) for f in findings] == [("SCHEMA", "")]
    assert "JSON 对象" in findings[0].message.zh


# ------------------------------------------------------------------ properties


@settings(max_examples=200)
@given(json_values())
def test_any_json_value_gives_findings_whose_pointers_resolve(value: Any) -> None:
    text = json.dumps(value)
    try:
        report = load_report(text)
    except DocumentError:
        return
    for finding in validate(report).findings:
        target = resolve(report.data, finding.pointer)
        if target is MISSING:
            # a finding about a missing key points at that key: its parent exists
            parent = split_pointer(finding.pointer)[:-1]
            assert resolve(report.data, parent) is not MISSING, finding
            assert finding.rule_id in ("SCHEMA", "SEC-REQUIRED", "FMT-TEMPLATE"), finding


def _mutations(report: dict[str, Any]) -> st.SearchStrategy[Any]:
    values = st.one_of(st.none(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False),
                       st.text(max_size=3), st.booleans(), st.just({}), st.just([1]))
    paths: list[tuple[str, ...]] = []

    def walk(node: Any, path: tuple[str, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for key, sub in node.items():
                walk(sub, (*path, key))

    walk(report, ())
    return st.tuples(st.sampled_from(paths[1:]), values,
                     st.sampled_from(["set", "delete", "add"]))


@cache
def _compiled() -> dict[str, Callable[[Any], bool]]:
    """The fast checks, compiled here and not through :func:`is_valid`:
    validation falls back to jsonschema silently when a schema uses a keyword
    the compiler does not handle (``Unsupported``); here that is an error."""
    docs = schema_documents()
    return {fmt: compile_schema(docs, SCHEMA_FILES[fmt]) for fmt in FORMATS}


def test_validation_uses_the_compiled_check() -> None:
    compiled = _compiled()
    for fmt in FORMATS:
        # not the fallback (jsonschema's own yes/no)
        assert _fast()[fmt] != _validators()[fmt].is_valid, fmt
    for path in (SEED, HUAIAN):
        data = load_report(path).data
        broken = {**data, "year": "2020"}
        for fmt in FORMATS:
            assert compiled[fmt](data) == _validators()[fmt].is_valid(data), (path, fmt)
            assert not compiled[fmt](broken), (path, fmt)
        assert any(compiled[fmt](data) for fmt in FORMATS), path


@settings(max_examples=150)
@given(st.data())
def test_the_fast_path_agrees_with_jsonschema(data: st.DataObject) -> None:
    report = data.draw(reports())
    document = json.loads(to_json(report))
    for _ in range(data.draw(st.integers(0, 3))):
        path, value, action = data.draw(_mutations(document))
        node = document
        for key in path[:-1]:
            node = node[key]
        if action == "delete":
            node.pop(path[-1], None)
        elif action == "add" and isinstance(node.get(path[-1]), dict):
            node[path[-1]][data.draw(st.sampled_from(["x_y", "zz", "total"]))] = value
        else:
            node[path[-1]] = value
    loaded = load_report(json.dumps(document)).data
    compiled = _compiled()
    for fmt in FORMATS:
        expected = not any(True for _ in _validators()[fmt].iter_errors(loaded))
        assert compiled[fmt](loaded) == expected, fmt
        assert is_valid(loaded, fmt) == expected, fmt


def test_a_recursive_reference_is_left_to_jsonschema() -> None:
    # the fast compiler handles the shipped schemas' subset; a schema that
    # refers to itself is refused (validation then falls back to jsonschema)
    tree = {"$defs": {"node": {"type": "object",
                               "properties": {"child": {"$ref": "#/$defs/node"}}}},
            "$ref": "#/$defs/node"}
    with pytest.raises(Unsupported, match="recursive"):
        compile_schema({"tree.json": tree}, "tree.json")
    money = compile_schema({"m.json": {"type": ["number", "null"], "minimum": 0}}, "m.json")
    assert [money(v) for v in (None, 0, 3, Decimal("0.5"), -1, Decimal("-0.01"), True, "1")] \
        == [True, True, True, True, False, False, False, False]


def test_a_row_of_cells_is_judged_alike_on_its_fast_path_and_off_it() -> None:
    # A row holding exactly its required cells, each an int, is answered
    # without a call per cell; every other row takes the full check. Both
    # must say what jsonschema says.
    count = {"type": ["integer", "null"], "minimum": 0}
    schema = {"$defs": {"count": count},
              "type": "object",
              "properties": {"a": {"$ref": "#/$defs/count"}, "b": {"$ref": "#/$defs/count"},
                             "x_sub": {"$ref": "#/$defs/count"}},
              "required": ["a", "b"],
              "patternProperties": {"^x_": {}},
              "additionalProperties": False}
    row = compile_schema({"row.json": schema}, "row.json")
    # with the report schemas' reading of "integer" (2.0 is one)
    checker = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine(
        "integer", lambda _checker, value: is_integer(value))
    reference = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        jsonschema.Draft202012Validator, type_checker=checker)(schema)
    cases = [{"a": 1, "b": 0}, {"a": -1, "b": 0}, {"a": True, "b": 0}, {"a": None, "b": 2},
             {"a": Decimal("2.0"), "b": 1}, {"a": Decimal("2.5"), "b": 1}, {"a": 1},
             {"a": 1, "b": 2, "x_sub": -1}, {"a": 1, "b": 2, "x_note": "text"},
             {"a": 1, "b": 2, "c": 3}, {"a": 10**30, "b": 0}, {"b": 1, "a": "1"}, [1], None]
    for case in cases:
        assert row(case) == reference.is_valid(case), case


def test_a_year_outside_the_schemas_bounds_implies_no_format() -> None:
    # the schema reports the year; "year 0 should use the 2019 format" is noise
    from disclosure_rules.formats import YEARS, format_for_year

    for fmt in FORMATS:
        year = schema_documents()[SCHEMA_FILES[fmt]]["properties"]["year"]
        assert (year["minimum"], year["maximum"]) == YEARS
    assert [format_for_year(y) for y in (0, -5, 2007, 2008, 2020, 2021, 2100, 2101)] == \
        [None, None, None, "2019", "2019", "2021", "2021", None]
    report = {**load_report(HUAIAN).data, "year": 0}  # 2021 tables
    assert "FMT-TEMPLATE" not in {f.rule_id for f in validate(report).findings}
