"""Fixture files (``<RULE-ID>/pass|fail/*.yaml``) that are wrong are errors
of that file, naming the key and pointer at fault: never a Python
exception, never a document read from a string or a path by accident.
``rules test`` reports them as a clean error (exit 2; exit 1 means a case
failed)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cli_support import ROOT, cli

from disclosure_rules.errors import DocumentError
from disclosure_rules.fixtures import load_fixtures

PACK = ROOT / "docs" / "tutorial" / "my-pack"
BASE = ROOT / "tests" / "fixtures" / "rules" / "_base" / "report-2021.json"


def _case(root: Path, body: str) -> Path:
    """``root/CITY-FEE-NOTE/fail/case.yaml`` holding ``body`` after a base."""
    path = root / "CITY-FEE-NOTE" / "fail" / "case.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"description: d\nbase: {BASE}\n" + textwrap.dedent(body)
                    + "expect:\n  - [CITY-FEE-NOTE, /other_matters/text]\n", encoding="utf-8")
    return path


BAD = [
    ("remove: [/nope/x]\n", "remove /nope/x：/nope 不存在"),
    ("remove: [/nope]\n", "remove /nope：没有此键"),
    ("remove: [nope]\n", "remove：不是 JSON 指针：'nope'"),
    ("remove: /year\n", "remove 须是 JSON 指针的列表"),
    ("remove: [1]\n", "remove：不是 JSON 指针：1"),
    ("remove: ['']\n", "remove：不能删除整个报告"),
    ("set: [1]\n", "set 须是 {JSON 指针: 值} 的映射"),
    ("set: {/year/x: 2}\n", "set /year/x：/year 不是对象"),
    ("set: {/nope/x: 2}\n", "set /nope/x：/nope 不存在"),
    ("set: {year: 2}\n", "set：不是 JSON 指针：'year'"),
    ("set: {'': [1]}\n", "样例的报告须是对象"),
]


@pytest.mark.parametrize(("body", "message"), BAD, ids=[b for b, _ in BAD])
def test_a_wrong_change_is_an_error_of_the_fixture_file(tmp_path: Path, body: str,
                                                        message: str) -> None:
    path = _case(tmp_path, body)
    with pytest.raises(DocumentError) as caught:
        load_fixtures(tmp_path)
    assert caught.value.file == str(path)
    assert message in caught.value.reason


@pytest.mark.parametrize("document", ["[1]", "'{\"year\": 2021}'", str(BASE), "null", "3"])
def test_a_document_is_an_object_never_text_or_a_path(tmp_path: Path, document: str) -> None:
    path = tmp_path / "CITY-FEE-NOTE" / "pass" / "case.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(f"description: d\ndocument: {document}\nexpect: []\n", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_fixtures(tmp_path)
    assert caught.value.file == str(path)
    assert "document 须是报告对象" in caught.value.reason


def test_a_base_is_a_path(tmp_path: Path) -> None:
    path = tmp_path / "CITY-FEE-NOTE" / "pass" / "case.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("description: d\nbase: [a, b]\nexpect: []\n", encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        load_fixtures(tmp_path)
    assert caught.value.file == str(path) and "base 须是文件路径" in caught.value.reason


def test_changes_that_name_existing_places_still_apply(tmp_path: Path) -> None:
    _case(tmp_path, "remove: [/other_matters/text]\n"
                    "set: {/other_matters/text: 无。, /year: 2023}\n")
    (fixture,) = load_fixtures(tmp_path)
    assert fixture.document["other_matters"]["text"] == "无。"
    assert fixture.document["year"] == 2023
    _case(tmp_path, "set:\nremove:\n")  # null is "no changes"
    assert load_fixtures(tmp_path)[0].document["year"] == 2022


@pytest.mark.parametrize(("body", "message"), [BAD[0], BAD[2], BAD[6], BAD[7]],
                         ids=["remove-parent", "remove-not-pointer", "set-list", "set-scalar"])
def test_rules_test_reports_a_wrong_fixture_as_exit_2(tmp_path: Path, body: str,
                                                      message: str) -> None:
    path = _case(tmp_path, body)
    outcome = cli("rules", "test", PACK, "--fixtures", tmp_path)
    assert outcome.code == 2
    assert str(path) in outcome.err and message in outcome.err
    assert "Traceback" not in outcome.err
