"""Properties of the rules language, proved with hypothesis.

* Any text given to the parser returns rules or raises a syntax error whose
  line and column point into the text.
* parse → format → parse is the identity on generated rule ASTs, and the
  formatter is idempotent.
* Rule order and the key order of a document do not change the findings.
* Checking a damaged report gives a result whose every pointer points into
  the report, and a reason for every rule it could not evaluate.
"""

from __future__ import annotations

import copy
import json
import random
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from reportgen import random_report
from strategies import reports

from disclosure_rules import ast, check, load_report
from disclosure_rules.errors import RuleCompileError, RuleSyntaxError
from disclosure_rules.findings import Result
from disclosure_rules.parser import parse_rules
from disclosure_rules.pointer import MISSING, resolve, split_pointer
from disclosure_rules.rulesets import load_rules, rules_from_text
from disclosure_rules.unparse import KEYWORDS, format_file

# ------------------------------------------------------------------ any text


def _position_ok(text: str, error: RuleSyntaxError) -> bool:
    normalised = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = normalised.split("\n")
    if not 1 <= error.line <= max(len(lines), 1):
        return False
    return 1 <= error.column <= len(lines[error.line - 1]) + 1


RULE_WORDS = st.sampled_from([
    "rule", "APP-X", "{", "}", "title", '"t"', "severity", "error", "assert", "for", "c",
    "in", "表三", ".", "本年新收", "[", "]", "==", "+", "(", ")", "when", "let", "=", "1",
    "2.5", "at", "message", "/", "sum", ",", "not", "and", "or", "if", "then", "else", "\n",
    " ", "#", "*", "pack", "version", "years", "..", "2021", "formats", "report", "where",
])


@given(st.text(max_size=200))
def test_any_text_parses_or_points_at_the_problem(text: str) -> None:
    try:
        parse_rules(text, "fuzz.rules")
    except RuleSyntaxError as error:
        assert _position_ok(text, error), (text, error.line, error.column)


@given(st.lists(RULE_WORDS, max_size=40).map(" ".join))
def test_rule_like_text_parses_or_points_at_the_problem(text: str) -> None:
    try:
        rules_from_text(text, "fuzz.rules")
    except RuleSyntaxError as error:
        assert _position_ok(text, error), (text, error.line, error.column)
    except RuleCompileError as error:
        for problem in error.problems:
            assert problem.line >= 1 and problem.column >= 1
    # nothing else may escape: any other exception fails the test


# ------------------------------------------------------------------ round trip

NAMES = st.sampled_from(["c", "r", "x", "申请人", "表三", "总计", "本年新收", "year", "n_1",
                         "previous", "report_format", "结果"]).filter(lambda n: n not in KEYWORDS)
KEYS = st.sampled_from(["total",
                        "自然人", "本年新收", "x_local", "一、本年新收政府信息公开申请数量",
                        "（一）予以公开", "title"])
TEXT = st.text(alphabet=st.sampled_from(list("ab中文“”\"\\{}#/ \n\t")), max_size=12)


def _exprs() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.integers(0, 10**6).map(ast.Num),
        st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False,
                    allow_infinity=False).map(lambda d: ast.Num(Decimal(f"{d:.2f}"))),
        TEXT.map(ast.Str),
        st.booleans().map(ast.Bool),
        NAMES.map(ast.Name),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        binary = st.sampled_from([ast.Add, ast.Sub, ast.Mul, ast.Div, ast.And, ast.Or])
        return st.one_of(
            st.builds(ast.Member, children, KEYS, st.booleans()),
            st.builds(ast.Wildcard, children),
            st.builds(ast.Index, children, children),
            st.builds(lambda f, a: ast.Call(f, tuple(a)), st.sampled_from(["sum", "exists", "f"]),
                      st.lists(children, max_size=3)),
            st.builds(ast.Generator, st.sampled_from(["sum", "count", "all"]), children, NAMES,
                      children, st.none() | children),
            st.builds(ast.Neg, children),
            st.builds(ast.Not, children),
            st.builds(lambda op, a, b: op(a, b), binary, children, children),
            st.builds(ast.Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), children,
                      children),
            st.builds(ast.In, children, children, st.booleans()),
            st.builds(ast.If, children, children, children),
            st.lists(children, max_size=3).map(lambda xs: ast.ListLit(tuple(xs))),
            st.lists(NAMES.map(ast.Name), max_size=3).map(lambda xs: ast.SetLit(tuple(xs))),
        )

    return st.recursive(leaves, extend, max_leaves=12)


EXPRS = _exprs()
PAIRS = st.builds(ast.TextPair, TEXT, st.none() | TEXT)


def _stmts() -> st.SearchStrategy[Any]:
    leaf = st.one_of(
        st.builds(ast.Assert, EXPRS, st.none() | EXPRS, st.none() | EXPRS, st.none() | PAIRS,
                  st.none() | st.sampled_from(["error", "warning", "info"])),
        st.builds(ast.ReportStmt, st.none() | EXPRS, PAIRS,
                  st.none() | st.sampled_from(["error", "info"])),
        st.builds(ast.Let, NAMES, EXPRS),
    )

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        body = st.lists(children, max_size=3).map(tuple)
        return st.one_of(
            st.builds(ast.For, NAMES, EXPRS, st.none() | EXPRS, body),
            st.builds(ast.When, EXPRS, body),
        )

    return st.recursive(leaf, extend, max_leaves=6)


YEARS = st.one_of(
    st.none(),
    st.tuples(st.integers(2019, 2030), st.integers(2019, 2030)).map(lambda t: (min(t), max(t))),
    st.integers(2019, 2030).map(lambda y: (y, None)),
    st.integers(2019, 2030).map(lambda y: (None, y)),
)
RULES = st.builds(
    lambda i, title, sev, cite, formats, years, desc, body: ast.Rule(
        f"R-{i}", title, sev, cite, tuple(formats), years, desc, tuple(body)),
    st.integers(0, 999), st.none() | PAIRS, st.none() | st.sampled_from(["error", "warning"]),
    st.none() | TEXT, st.lists(st.sampled_from(["2019", "2021"]), max_size=2, unique=True),
    YEARS, st.none() | PAIRS, st.lists(_stmts(), max_size=3),
)
FILES = st.builds(
    lambda pack, consts, rules: ast.RuleFile(
        "gen.rules", pack, tuple(consts), tuple({r.rule_id: r for r in rules}.values())),
    st.none() | st.builds(ast.Pack, TEXT, TEXT, st.none() | PAIRS),
    st.lists(st.builds(ast.Const, NAMES, EXPRS), max_size=3),
    st.lists(RULES, max_size=3),
)


@settings(max_examples=150)
@given(FILES)
def test_format_then_parse_is_the_identity(tree: ast.RuleFile) -> None:
    text = format_file(tree)
    again = parse_rules(text, "gen.rules")
    assert (again.pack, again.consts, again.rules) == (tree.pack, tree.consts, tree.rules), text
    assert format_file(again) == text  # idempotent


# ------------------------------------------------------------------ order


def _shuffled(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        items = list(value.items())
        rng.shuffle(items)
        return {k: _shuffled(v, rng) for k, v in items}
    return value


@settings(max_examples=30)
@given(reports(), st.integers(0, 10**6), st.integers(0, 10**6))
def test_rule_order_and_key_order_do_not_change_findings(report: dict[str, Any], seed: int,
                                                         cell: int) -> None:
    rng = random.Random(seed)
    # break something so there is something to find
    paths = [("applications", "new_received", "natural_person"),
             ("applications", "results", "total", "total"),
             ("appeals", "review", "upheld")]
    target = paths[cell % len(paths)]
    node = report
    for key in target[:-1]:
        node = node[key]
    node[target[-1]] = (node[target[-1]] or 0) + 1 + cell % 3
    official = load_rules()
    reference = check(load_report(report), official).to_dict()
    files = sorted(official_files())
    rng.shuffle(files)
    reordered = load_rules(*files)
    shuffled = check(load_report(_shuffled(report, rng)), reordered).to_dict()
    for result in (reference, shuffled):
        result.pop("pack")
    assert json.dumps(reference, sort_keys=True, default=str) == json.dumps(
        shuffled, sort_keys=True, default=str)


def official_files() -> list[str]:
    from disclosure_rules.rulesets import official_rules_path

    return [str(p) for p in official_rules_path().glob("*.rules")]


ODD_VALUES: tuple[Any, ...] = (None, -1, 0, 7, 10**15, 2.5, "5", "", True, [], {}, [1],
                               {"x": 1})


def _damaged(report: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """``report`` with one to four keys set to odd values, deleted or added."""
    changed = copy.deepcopy(report)
    for _ in range(rng.randint(1, 4)):
        paths: list[tuple[str, ...]] = []

        def walk(node: Any, path: tuple[str, ...], paths: list[tuple[str, ...]] = paths) -> None:
            if isinstance(node, dict):
                for key, sub in node.items():
                    paths.append((*path, key))
                    walk(sub, (*path, key))

        walk(changed, ())
        path = rng.choice(paths)
        node = changed
        for key in path[:-1]:
            node = node[key]
        action = rng.choice(("set", "set", "delete", "add"))
        if action == "delete":
            del node[path[-1]]
        elif action == "add" and isinstance(node[path[-1]], dict):
            node[path[-1]][rng.choice(("x_extra", "unknown", "total"))] = rng.choice(ODD_VALUES)
        else:
            node[path[-1]] = rng.choice(ODD_VALUES)
    return changed


def _points_into(data: Any, pointer: str) -> bool:
    """``pointer`` names a value of ``data``, or a missing key of an object
    that is there (a finding about what is missing points at it)."""
    return (resolve(data, pointer) is not MISSING
            or resolve(data, split_pointer(pointer)[:-1]) is not MISSING)


def test_damaged_random_reports_get_a_result_that_points_into_the_report() -> None:
    rng = random.Random(5)
    rules = load_rules()
    findings = not_evaluated = 0
    for _ in range(40):
        report = _damaged(random_report(rng), rng)
        data = load_report(report).data
        result = check(report, rules)  # raising anything at all fails the test
        assert isinstance(result, Result)
        for finding in result.findings:
            assert _points_into(data, finding.pointer), finding
            assert finding.message.zh and finding.message.en, finding
        for skipped in result.not_evaluated:
            assert skipped.rule_id and skipped.reason.zh and skipped.reason.en, skipped
            assert not skipped.pointer or _points_into(data, skipped.pointer), skipped
        for diagnosis in result.diagnoses:
            assert resolve(data, diagnosis.pointer) is not MISSING, diagnosis
        findings += len(result.findings)
        not_evaluated += len(result.not_evaluated)
    assert findings and not_evaluated  # the damage was seen


def test_the_grammar_is_lalr_without_conflicts() -> None:
    """lark resolves a shift/reduce conflict silently unless told to be
    strict: the grammar must build in strict mode (no conflicts, no two
    terminals that can match the same text)."""
    from importlib.resources import files

    from lark import Lark

    grammar = (files("disclosure_rules") / "grammar.lark").read_text(encoding="utf-8")
    Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True,
         start=["start", "expr"], strict=True)
