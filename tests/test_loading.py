"""Loading reports: JSON and YAML, encodings, duplicate keys, precise errors."""

from __future__ import annotations

import bisect
import dataclasses
import datetime as _dt
import json
import pickle
import random
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from reportgen import random_report, to_json

from disclosure_rules import DocumentError, check, load_report
from disclosure_rules.loading import Report, parse_document
from disclosure_rules.pointer import to_pointer

EXAMPLES = Path(__file__).parent.parent / "examples"
REAL = Path(__file__).parent / "fixtures" / "real"


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


# ------------------------------------------------- positions: the reference

# The full position maps as loading.py built them before positions were
# looked up one pointer at a time: every value's pointer → (line, column)
# of where the value starts. Kept here, verbatim in behaviour, as the
# reference the lookup must agree with for every pointer.


class _ReferenceScanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.positions: dict[str, tuple[int, int]] = {}
        self._line_starts = [0]
        for idx, ch in enumerate(text):
            if ch == "\n":
                self._line_starts.append(idx + 1)

    def where(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, offset)
        return line, offset - self._line_starts[line - 1] + 1

    def ws(self) -> None:
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def string(self) -> str:
        end = self.i + 1
        while True:
            ch = self.text[end]
            if ch == "\\":
                end += 2
                continue
            if ch == '"':
                break
            end += 1
        value: str = json.loads(self.text[self.i : end + 1])
        self.i = end + 1
        return value

    def value(self, path: tuple[str, ...]) -> None:
        self.ws()
        self.positions[to_pointer(path)] = self.where(self.i)
        ch = self.text[self.i]
        if ch in "{[":
            closing = "}" if ch == "{" else "]"
            self.i += 1
            self.ws()
            if self.text[self.i] == closing:
                self.i += 1
                return
            index = 0
            while True:
                if ch == "{":
                    self.ws()
                    key = self.string()
                    self.ws()
                    self.i += 1  # ':'
                    self.value((*path, key))
                else:
                    self.value((*path, str(index)))
                    index += 1
                self.ws()
                self.i += 1  # ',' or the closing bracket
                if self.text[self.i - 1] == closing:
                    return
        if ch == '"':
            self.string()
            return
        while self.i < len(self.text) and self.text[self.i] not in ",]} \t\r\n":
            self.i += 1


def reference_json_positions(text: str) -> dict[str, tuple[int, int]]:
    scanner = _ReferenceScanner(text)
    scanner.value(())
    return scanner.positions


def reference_yaml_positions(text: str) -> dict[str, tuple[int, int]]:
    positions: dict[str, tuple[int, int]] = {}
    root = yaml.compose(text, Loader=yaml.SafeLoader)

    def walk(node: yaml.Node, path: tuple[str, ...]) -> None:
        positions[to_pointer(path)] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                walk(value_node, (*path, str(key_node.value)))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, str(index)))

    if root is not None:
        walk(root, ())
    return positions


def _probes(pointers: list[str]) -> list[str]:
    """Pointers that name nothing, near ones that do."""
    extra = ["/", "//", "nope", "/~2", "/-", "/0", "/01", "/ 0", "/1 ", "/-1", "/+1",
             "/\u0661", "/zz~"]
    for pointer in pointers[:: max(1, len(pointers) // 40)]:
        extra += [pointer + "/missing", pointer + "/0", pointer + "/00", pointer + "/-",
                  pointer + "~", pointer.replace("~0", "~2"), pointer + "/9999"]
    return extra


def assert_same_positions(report: Report, reference: dict[str, tuple[int, int]],
                          rng: random.Random) -> None:
    pointers = list(reference)
    rng.shuffle(pointers)  # any order: what one lookup caches must not change another
    for pointer in pointers:
        assert report.position(pointer) == reference[pointer], pointer
    for pointer in _probes(pointers):
        assert report.position(pointer) == reference.get(pointer), pointer
    for pointer in pointers:  # again, from the cache
        assert report.position(pointer) == reference[pointer], pointer


def _odd_json(value: Any, rng: random.Random, *, ensure_ascii: bool) -> str:
    """JSON text with random white space (any of JSON's four) between tokens."""
    def space() -> str:
        return "".join(rng.choice(" \t\r\n") for _ in range(rng.choice((0, 0, 1, 3))))

    def write(node: Any) -> str:
        if isinstance(node, dict):
            members = [f"{space()}{json.dumps(k, ensure_ascii=ensure_ascii)}{space()}:"
                       f"{space()}{write(v)}{space()}" for k, v in node.items()]
            return "{" + ",".join(members) + space() + "}"
        if isinstance(node, list):
            return "[" + ",".join(space() + write(v) + space() for v in node) + space() + "]"
        if isinstance(node, Decimal):
            return str(node)
        return json.dumps(node, ensure_ascii=ensure_ascii)

    return space() + write(value) + space()


def _odd_keys(report: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A generated report with keys that need escaping or are not ASCII, and
    nested arrays (not a valid report: positions do not care)."""
    odd = dict(report)
    odd["x_键/with~slash"] = {"a/b": [[1, [2, {"~0": "x"}]], [], {}], "": {"": [""]},
                              'quote"and\\back': "\u00e9\u4e2d\U0001f600",
                              "\u4e2d\u6587": [[[]], [[None, True, False]]]}
    odd["x_lists"] = [[rng.randint(0, 9) for _ in range(3)] for _ in range(4)]
    odd["x_unicode_\u2028"] = "\t\n"
    return odd


def _generated_texts() -> list[tuple[str, str]]:
    rng = random.Random(20261127)
    texts = []
    for index in range(6):
        report = random_report(rng, big=index % 2 == 0)
        odd = _odd_keys(report, rng)
        texts += [
            (f"generated-{index}", to_json(report)),
            (f"generated-{index}-indent", json.dumps(json.loads(to_json(odd)), indent=2)),
            (f"generated-{index}-tab-ascii",
             json.dumps(json.loads(to_json(odd)), indent="\t", ensure_ascii=True)),
            (f"generated-{index}-compact",
             json.dumps(json.loads(to_json(odd)), separators=(",", ":"), ensure_ascii=False)),
            (f"generated-{index}-odd-space",
             _odd_json(json.loads(to_json(odd)), rng, ensure_ascii=bool(index % 2))),
            (f"generated-{index}-crlf",
             json.dumps(json.loads(to_json(odd)), indent=1).replace("\n", "\r\n")),
        ]
    return texts


_FILES = sorted([*EXAMPLES.glob("*.json"), *REAL.glob("*.json")])


@pytest.mark.parametrize(
    ("label", "text"),
    [(path.name, path.read_text("utf-8")) for path in _FILES] + _generated_texts(),
    ids=lambda value: value if len(value) < 60 else "",
)
def test_json_positions_equal_the_full_map(label: str, text: str) -> None:
    reference = reference_json_positions(text)
    assert len(reference) > 100
    assert_same_positions(load_report(text, name=label), reference, random.Random(label))


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=30,
)


@given(_json_values, st.sampled_from([None, 0, 1, 2, "\t"]), st.booleans(), st.integers(0, 9))
def test_json_positions_of_any_document_equal_the_full_map(
        value: Any, indent: int | str | None, ascii_only: bool, seed: int) -> None:
    rng = random.Random(seed)
    for text in (json.dumps(value, indent=indent, ensure_ascii=ascii_only),
                 _odd_json(value, rng, ensure_ascii=ascii_only)):
        report = parse_document(text, syntax="json")  # "null" would be read as YAML
        assert_same_positions(report, reference_json_positions(text), rng)


def _yaml_texts() -> list[tuple[str, str]]:
    rng = random.Random(7)
    texts = []
    for path in _FILES[:3]:
        data = json.loads(path.read_text("utf-8"))
        texts.append((path.stem + "-block", yaml.safe_dump(data, allow_unicode=True,
                                                           sort_keys=False)))
    for index in range(3):
        data = json.loads(to_json(_odd_keys(random_report(rng), rng)))
        del data["x_unicode_\u2028"]  # a line break in YAML 1.1
        texts += [
            (f"generated-{index}-block", yaml.safe_dump(data, allow_unicode=True)),
            (f"generated-{index}-flow", yaml.safe_dump(data, default_flow_style=True,
                                                       width=60)),
            (f"generated-{index}-json", json.dumps(data, indent=2, ensure_ascii=False)),
        ]
    return texts


@pytest.mark.parametrize(("label", "text"), _yaml_texts())
def test_yaml_positions_equal_the_full_map(label: str, text: str) -> None:
    reference = reference_yaml_positions(text)
    report = parse_document(text, name=label, syntax="yaml")
    assert_same_positions(report, reference, random.Random(label))


def test_yaml_positions_survive_a_copy_and_pickling() -> None:
    text = "year: 2020\norgan:\n  name: x\nlist:\n  - [a, b]\n"
    report = load_report(text)
    for copied in (pickle.loads(pickle.dumps(report)), dataclasses.replace(report)):
        assert copied.position("/organ/name") == (3, 9)
        assert copied.position("/list/0/1") == (5, 9)
    json_report = load_report('{"a": [1, {"b": 2}]}')
    json_report.position("/a/1/b")
    assert pickle.loads(pickle.dumps(json_report)).position("/a/1/b") == (1, 17)
    assert dataclasses.replace(report, text=None).position("/organ/name") is None


def test_a_merged_yaml_key_is_found_where_its_value_is_written() -> None:
    # The document holds /item/x (merged), not /item/<<: the position is
    # that of the value it was merged from.
    report = load_report("base: &b\n  x: 1\nitem:\n  <<: *b\n  y: 2\n")
    assert report.data == {"base": {"x": 1}, "item": {"x": 1, "y": 2}}
    assert report.position("/item/x") == (2, 6)
    assert report.position("/item/y") == (5, 6)


def test_json_positions_of_a_real_report_s_findings() -> None:
    path = REAL / "2024-huaian-hongze-district.json"
    report = load_report(path)
    result = check(report)
    assert result.findings
    reference = reference_json_positions(path.read_text("utf-8"))
    for finding in result.findings:
        assert report.position(finding.pointer) == reference.get(finding.pointer)


# ----------------------------------------------------------- YAML: libyaml

_MALFORMED_YAML = [
    "year: 2020\n  organ: [\n", "a: b: c\n", "a: [1, 2\n", "a:\n\t- x\n", "- a\nb: c\n",
    "a: 'x\n", "key: @x\n", "a: *nope\n", "--- a\n--- b\n", "a: {b: 1\n", "a: 1\n b: 2\n",
    "\x01", "a: !!binary xx\n", "? [a]\n: 1\n", "a: !!python/name:os.system x\n",
    "a: .inf\n", "a: 1\na: 2\n", "{a: 1, a: 2}\n", "x: 1.0e+99999\n", "a: !!float abc\n",
    "[" * 1200 + "]" * 1200, "a:\n  - b\n c: d\n", "a: \"\\ud83d\\ude00\"\n",
]


def _pyyaml_message(text: str) -> tuple[str, int | None, int | None] | None:
    """What PyYAML's own parser says of a YAML syntax error, as the loader
    words it, or None when it composes the text."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        assert mark is not None
        return f"invalid YAML): {exc.problem or exc.context}", mark.line + 1, mark.column + 1
    except yaml.YAMLError as exc:
        return f"invalid YAML): {exc}", None, None
    return None


@pytest.mark.parametrize("text", _MALFORMED_YAML)
def test_yaml_errors_are_worded_and_placed_as_pyyaml_says(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_report(text, name="bad.yaml")
    error = caught.value
    assert error.file == "bad.yaml"
    expected = _pyyaml_message(text)
    if expected is not None:  # a syntax error: PyYAML's words, not libyaml's
        message, line, column = expected
        assert message.split(")", 1)[1] in error.reason
        assert (error.line, error.column) == (line, column)


def test_yaml_error_messages_are_the_ones_users_know() -> None:
    cases = {
        "a: b: c\n": ("mapping values are not allowed here", 1, 5),
        "a: [1, 2\n": ("expected ',' or ']', but got '<stream end>'", 2, 1),
        "a: 1\na: 2\n": ("duplicated key 'a'", 2, 1),
        "b: {a: 1}\n2021: x\n": ("keys must be strings", 2, 1),
        "a:\n  - .nan\n": ("not a finite number", 2, 5),
    }
    for text, (words, line, column) in cases.items():
        with pytest.raises(DocumentError) as caught:
            load_report(text, name="bad.yaml")
        assert words in caught.value.reason
        assert (caught.value.line, caught.value.column) == (line, column)


@pytest.mark.parametrize(("label", "text"), _yaml_texts())
def test_yaml_reads_as_pyyaml_reads_it(label: str, text: str) -> None:
    from disclosure_rules import loading

    fast = parse_document(text, name=label, syntax="yaml")
    slow = loading._load_reporting_errors(text, label)
    assert fast.data == slow[0] and fast.data is not None


def test_yaml_scalars_keep_their_meaning() -> None:
    text = ("a: 1_000.5\nb: 0x1F\nc: 2021-02-30\nd: 2022-01-20 10:00:00\ne: ~\nf: yes\n"
            "g: 1:30.5\nh: '2021-01-01'\ni: .5\nj: -1.0e+3\nk: 1e3\n")
    assert load_report(text).data == {
        "a": Decimal("1000.5"), "b": 31, "c": "2021-02-30", "d": "2022-01-20T10:00:00",
        "e": None, "f": True, "g": Decimal("90.5"), "h": "2021-01-01", "i": Decimal("0.5"),
        "j": Decimal("-1.0E+3"), "k": "1e3",
    }


# --------------------------------------------------------- lone surrogates


@pytest.mark.parametrize(("text", "line", "column", "where"), [
    ('{"organ":{"name":"\\ud800x"}}', 1, 18, "/organ/name"),
    ('{\n  "organ": {\n    "\\uDC00": 1\n  }\n}', 3, 5, "/organ/\\udc00"),
    ('{"a": [1, ["ok", "\\udbff"]]}', 1, 18, "/a/1/1"),
    ('{"a": "\\ude00\\ud83d"}', 1, 7, "/a"),
    ('["\\ud83d"]', 1, 2, "/0"),
    ('{"a": "\ud800"}', 1, 7, "/a"),  # a str given directly
    ('organ:\n  name: "x\\ud800"\n', 2, 9, "/organ/name"),
    ('"\\U0000DFFF": 1\n', 1, 1, "/\\udfff"),
    # PyYAML reads each escape of a pair alone (libyaml refuses them)
    ('a: [x, "\\ud83d\\ude00"]\n', 1, 8, "/a/1"),
])
def test_a_lone_surrogate_is_refused_where_it_is(text: str, line: int, column: int,
                                                  where: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_report(text, name="s.json")
    error = caught.value
    assert (error.file, error.line, error.column) == ("s.json", line, column)
    assert "surrogate" in error.reason and f" at {where}" in error.reason
    str(error).encode("utf-8")  # the message itself can be printed


@pytest.mark.parametrize("text", [
    '{"a": "\\ud83d\\ude00"}',  # a pair: one character
    '{"a": "\\\\ud800"}',  # a backslash, then text
    '{"\\ud83d\\ude00": "\\uD83D\\uDE00"}',
    'a: "\\U0001F600"\n',
])
def test_surrogate_pairs_and_lookalikes_load(text: str) -> None:
    data = load_report(text).data
    json.dumps(data, ensure_ascii=False).encode("utf-8")


def test_a_lone_surrogate_never_reaches_the_command_line(tmp_path: Path) -> None:
    from cli_support import cli

    path = tmp_path / "s.json"
    path.write_text('{"organ":{"name":"\\ud800x"}}', encoding="utf-8")
    for fmt in ("text", "json", "sarif", "junit", "html"):
        outcome = cli("check", "--format", fmt, path)
        assert outcome.code == 2, (fmt, outcome.err)
        assert "lone surrogate" in outcome.out and not outcome.err


# ------------------------------------------------------ Python objects


@pytest.mark.parametrize(("document", "words", "where"), [
    ({1: 2}, "keys must be strings", ""),
    ({"organ": {"name": "x", (1, 2): 3}}, "keys must be strings", " at /organ"),
    ({"a": [1, {"b": float("nan")}]}, "not a finite number", " at /a/1/b"),
    ({"a": float("-inf")}, "not a finite number", " at /a"),
    ({"a": Decimal("Infinity")}, "not a finite number", " at /a"),
    ({"a": Decimal("sNaN")}, "not a finite number", " at /a"),
    ({"a/b": {"~": 10 ** 4300}}, "more than 4300 digits", " at /a~1b/~0"),
    ({"a": -(10 ** 5000)}, "more than 4300 digits", " at /a"),
    ({"x": Decimal("1e999999")}, "number out of range", " at /x"),
    ({"x": [Decimal("-1e-1001")]}, "number out of range", " at /x/0"),
    ({"a": b"bytes"}, "not a JSON value: bytes", " at /a"),
    ({"a": {1, 2}}, "not a JSON value: set", " at /a"),
    ({"a": "x\udfff"}, "lone surrogate", " at /a"),
    ({"a": {"k\ud800": 1}}, "lone surrogate", " at /a/k\\ud800"),
])
def test_a_mapping_is_held_to_what_json_text_could_hold(document: Any, words: str,
                                                         where: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_report(document, name="api")
    assert caught.value.file == "api"
    assert words in caught.value.reason and caught.value.reason.endswith(f"{where})")
    with pytest.raises(DocumentError):
        check(document)  # not a TypeError or ValueError deep in the checker
    str(caught.value).encode("utf-8")


def test_a_mapping_within_the_limits_loads_as_json_text_would() -> None:
    document = {
        "flag": True, "off": False, "none": None, "n": 10 ** 4300 - 1, "m": -(10 ** 4299),
        "big": Decimal("1e1000"), "small": Decimal("-1.5e-1000"), "zero": Decimal("0e5000"),
        "f": 0.1, "tuple": (1, 2.5), "when": _dt.date(2022, 1, 20),
        "at": _dt.datetime(2022, 1, 20, 8, 30), "proxy": MappingProxyType({"k": [1.5]}),
        "nested": {"list": [[{"x": "中文"}]]},
    }
    data = load_report(document).data
    assert data["flag"] is True and data["off"] is False and data["none"] is None
    assert data["n"] == 10 ** 4300 - 1 and data["m"] == -(10 ** 4299)
    assert data["big"] == Decimal("1e1000") and data["small"] == Decimal("-1.5e-1000")
    assert data["f"] == Decimal("0.1") and isinstance(data["f"], Decimal)
    assert data["tuple"] == [1, Decimal("2.5")]
    assert (data["when"], data["at"]) == ("2022-01-20", "2022-01-20T08:30:00")
    assert data["proxy"] == {"k": [Decimal("1.5")]} and type(data["proxy"]) is dict
    assert data["nested"] == {"list": [[{"x": "中文"}]]}
    # the same limits as JSON text
    assert load_report(json.dumps({"n": 10 ** 4300 - 1})).data["n"] == 10 ** 4300 - 1
    with pytest.raises(DocumentError):
        load_report('{"n": 1' + "0" * 4300 + "}")
    with pytest.raises(DocumentError):
        load_report('{"x": 1e999999}')


@pytest.mark.parametrize("source", [[1, 2], (1,), None, 3, 1.5, object(), {1, 2}])
def test_only_a_path_text_bytes_or_mapping_can_be_loaded(source: Any) -> None:
    with pytest.raises(DocumentError) as caught:
        load_report(source)
    assert f"cannot load a {type(source).__name__}" in caught.value.reason
    with pytest.raises(DocumentError):
        check(source)


def test_a_list_document_given_as_text_is_loaded_for_validation_to_judge() -> None:
    assert load_report("[1, 2]").data == [1, 2]
    assert load_report(b"- 1\n- 2\n").data == [1, 2]
    assert load_report(bytearray(b'{"year": 2020}')).data == {"year": 2020}


def test_a_deeply_nested_mapping_is_a_document_error() -> None:
    document: dict[str, Any] = {}
    node = document
    for _ in range(5000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(DocumentError, match="nesting too deep"):
        load_report(document)


def test_yaml_aliases_that_expand_beyond_any_report_are_refused_where_they_do() -> None:
    lines = ['x_a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"x_a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    with pytest.raises(DocumentError, match="1000000") as caught:
        load_report("\n".join(lines) + "\nyear: 2021\n", name="laughs.yaml")
    assert (caught.value.file, caught.value.line) == ("laughs.yaml", 6)  # 10^6 × "lol" + lists
    # aliases within reason (merge keys, a repeated row) load as before
    fine = load_report("base: &b {a: 1, b: 2}\nrow: {<<: *b, c: 3}\nagain: *b\n").data
    assert fine == {"base": {"a": 1, "b": 2}, "row": {"a": 1, "b": 2, "c": 3},
                    "again": {"a": 1, "b": 2}}


def test_a_mapping_that_shares_its_parts_beyond_any_report_is_refused() -> None:
    part: Any = ["lol"] * 10
    for _ in range(7):
        part = [part] * 10
    with pytest.raises(DocumentError, match="1000000"):
        load_report({"x_laughs": part})
