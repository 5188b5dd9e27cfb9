"""Loading reports: JSON and YAML, encodings, duplicate keys, precise errors."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from disclosure_rules import DocumentError, load_report

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_json_file_and_exact_money() -> None:
    report = load_report(EXAMPLES / "jiading-hrss-2020.json")
    amount = report.data["proactive"]["art20_9"]["procurement"]["amount"]
    assert amount == Decimal("5354451.6") and isinstance(amount, Decimal)
    assert report.syntax == "json" and report.name.endswith("jiading-hrss-2020.json")


def test_path_given_as_text(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text('{"year": 2020}', encoding="utf-8")
    assert load_report(str(path)).data == {"year": 2020}


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"year": 2021}).encode())
    assert load_report(path).data == {"year": 2021}


def test_yaml_with_dates_and_decimals(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("year: 2021\npublished_on: 2022-01-20\nfee: 26.55\n", encoding="utf-8")
    data = load_report(path).data
    assert data == {"year": 2021, "published_on": "2022-01-20", "fee": Decimal("26.55")}


@pytest.mark.parametrize(("text", "line", "column"), [
    ('{"year": 2020, "year": 2021}', 1, 16),
    ('{\n  "a": {"x": 1,\n         "x": 2}\n}', 3, 10),
])
def test_duplicate_json_key_is_an_error_with_position(text: str, line: int, column: int) -> None:
    with pytest.raises(DocumentError) as caught:
        load_report(text, name="dup.json")
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "dup.json" in str(caught.value) and "重复" in str(caught.value)


def test_duplicate_yaml_key_is_an_error_with_position() -> None:
    with pytest.raises(DocumentError) as caught:
        load_report("year: 2020\norgan: {name: a}\nyear: 2021\n", name="dup.yaml")
    assert (caught.value.line, caught.value.column) == (3, 1)


def test_invalid_json_names_file_line_and_column() -> None:
    with pytest.raises(DocumentError) as caught:
        load_report('{\n  "year": 2020,\n  "organ": \n}', name="bad.json")
    error = caught.value
    assert error.file == "bad.json" and error.line == 4 and error.column == 1
    assert str(error).startswith("bad.json:4:1:")


def test_invalid_yaml_names_line() -> None:
    with pytest.raises(DocumentError) as caught:
        load_report("year: 2020\n  organ: [\n", name="bad.yaml")
    assert caught.value.line is not None


def test_nan_is_not_json() -> None:
    with pytest.raises(DocumentError):
        load_report('{"x": NaN}')


def test_gbk_file_gets_a_useful_error(tmp_path: Path) -> None:
    path = tmp_path / "gbk.json"
    path.write_bytes('{"organ": {"name": "上海市"}}'.encode("gbk"))
    with pytest.raises(DocumentError) as caught:
        load_report(path)
    assert "UTF-8" in str(caught.value) and "GBK" in str(caught.value)
    assert caught.value.line == 1


def test_binary_and_empty_and_missing(tmp_path: Path) -> None:
    binary = tmp_path / "x.json"
    binary.write_bytes(b"\x00\x01\x02PK")
    with pytest.raises(DocumentError, match="二进制"):
        load_report(binary)
    with pytest.raises(DocumentError, match="empty"):
        load_report("   \n")
    with pytest.raises(DocumentError, match="no such file"):
        load_report(tmp_path / "missing.json")


def test_non_string_yaml_key() -> None:
    with pytest.raises(DocumentError) as caught:
        load_report("2020: year\n")
    assert caught.value.line == 1


def test_positions_of_pointers() -> None:
    report = load_report('{\n  "year": 2020,\n  "organ": {"name": "x"}\n}')
    assert report.position("/year") == (2, 11)
    assert report.position("/organ/name") == (3, 21)
    yaml_report = load_report("year: 2020\norgan:\n  name: x\n")
    assert yaml_report.position("/organ/name") == (3, 9)


def test_a_dict_is_normalised() -> None:
    report = load_report({"year": 2020, "fee": 1.5})
    assert report.data["fee"] == Decimal("1.5")


@given(st.text(max_size=80) | st.binary(max_size=80))
def test_any_text_or_bytes_loads_or_raises_document_error(source: str | bytes) -> None:
    """Whatever arrives (control characters, NUL, half a document, bytes
    that are not UTF-8), the answer is a report or a DocumentError."""
    try:
        load_report(source, name="input")
    except DocumentError as exc:
        assert exc.file == "input"


def test_a_yaml_date_that_does_not_exist_is_kept_as_written() -> None:
    # PyYAML raises ValueError building 2021-02-30; the schema judges it.
    report = load_report("year: 2021\npublished_on: 2021-02-30\n")
    assert report.data["published_on"] == "2021-02-30"


@pytest.mark.parametrize("text", ["year: !!float abc\n", "year: !!int x\n"])
def test_a_yaml_value_its_tag_refuses_is_a_document_error(text: str) -> None:
    with pytest.raises(DocumentError, match="invalid YAML value"):
        load_report(text, name="r.yaml")
