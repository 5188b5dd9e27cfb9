"""The rules language, specified as data: tests/language/*.yaml.

Each file is a list of groups::

    - description: …
      given: {base: "2021", set: {/pointer: value}}    # or {document: {...}}
      previous: {base: "2021", set: {/year: 2021}}     # optional
      prelude: |                                        # optional rule text prepended
        let 申请人 = {…}
      cases:
        - description: …
          rules: |
            rule T-1 { … }
          expect: [[T-1, /pointer], …]        # findings of the case's own rules
          not_evaluated: [[T-1, /pointer]]    # optional: listed as not evaluated
          reasons: {/pointer: "text in the zh reason"}    # optional: why not evaluated
          reasons_en: {/pointer: "text in the en reason"}
          messages: {/pointer: "text in the zh message"}   # optional
          messages_en: {/pointer: "text in the en message"}
          diagnoses: [/pointer]               # optional: cells the diagnosis names
        - rules: "rule X { assert a = b }"
          error: syntax                        # or a static error code
          contains: "text in the error"        # optional; lacks: "text not in it"
          line: 1
          column: 19

Findings are compared on (rule id, pointer) and only for the rule ids the
case defines (the structure stage's own findings are not the subject here).
On failure the rule text, the findings and the not-evaluated list are shown.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from disclosure_rules import check, load_report
from disclosure_rules.errors import RuleCompileError, RuleSyntaxError
from disclosure_rules.pointer import split_pointer
from disclosure_rules.rulesets import rules_from_text

HERE = Path(__file__).parent
BASES = {fmt: load_report(HERE / "fixtures" / "rules" / "_base" / f"report-{fmt}.json").data
         for fmt in ("2019", "2021")}


def _document(spec: dict[str, Any] | None) -> Any:
    if spec is None:
        return None
    if "document" in spec:
        return load_report(spec["document"]).data if isinstance(spec["document"], dict) \
            else spec["document"]
    document = copy.deepcopy(BASES[str(spec.get("base", "2021"))])
    for pointer in spec.get("remove", []):
        parts = split_pointer(pointer)
        node = document
        for part in parts[:-1]:
            node = node[part]
        del node[parts[-1]]
    for pointer, value in (spec.get("set") or {}).items():
        parts = split_pointer(pointer)
        node = document
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return load_report(document).data


def _cases() -> list[Any]:
    params = []
    for path in sorted((HERE / "language").glob("*.yaml")):
        groups = yaml.safe_load(path.read_text(encoding="utf-8"))
        for g, group in enumerate(groups):
            for c, case in enumerate(group["cases"]):
                name = f"{path.stem}:{g}.{c}:{case.get('description', group['description'])}"
                params.append(pytest.param(group, case, id=name))
    return params


def _ids(text: str) -> set[str]:
    ids = set()
    for line in text.splitlines():
        words = line.split()
        for i, word in enumerate(words[:-1]):
            if word == "rule":
                ids.add(words[i + 1].rstrip("{"))
    return ids


@pytest.mark.parametrize(("group", "case"), _cases())
def test_language(group: dict[str, Any], case: dict[str, Any]) -> None:
    text = (group.get("prelude") or "") + "\n" + case["rules"]
    if "error" in case:
        with pytest.raises((RuleSyntaxError, RuleCompileError)) as caught:
            rules_from_text(text, "case.rules")
        error = caught.value
        problems = error.problems if isinstance(error, RuleCompileError) else (error,)
        first = problems[0]
        codes = [p.code for p in problems]
        assert case["error"] in codes, f"expected {case['error']}, got {codes}: {error}"
        offset = text.count("\n", 0, len(group.get("prelude") or "") + 1)
        if "line" in case:
            assert first.line == case["line"] + offset, str(error)
        if "column" in case:
            assert first.column == case["column"], str(error)
        if "contains" in case:
            assert case["contains"] in str(error), str(error)
        if "lacks" in case:  # a hint that would mislead here
            assert case["lacks"] not in str(error), str(error)
        return
    rules = rules_from_text(text, "case.rules")
    document = _document(case.get("given", group.get("given")))
    previous = _document(case.get("previous", group.get("previous")))
    result = check(document, rules, previous)
    own = _ids(case["rules"])
    found = {(f.rule_id, f.pointer) for f in result.findings if f.rule_id in own}
    expected = {tuple(pair) for pair in case.get("expect", [])}
    shown = "\n".join(f"  {f.rule_id} {f.pointer}: {f.message.zh} | {f.message.en}"
                      for f in result.findings) or "  (none)"
    listed = {(n.rule_id, n.pointer) for n in result.not_evaluated}
    not_evaluated = "\n".join(f"  {n.rule_id} {n.pointer}: {n.reason.zh}"
                              for n in result.not_evaluated) or "  (none)"
    context = f"\n--- rules\n{text}\n--- findings\n{shown}\n--- not evaluated\n{not_evaluated}"
    assert found == expected, context
    for pair in case.get("not_evaluated", []):
        assert tuple(pair) in listed, context
    for lang, key in (("zh", "messages"), ("en", "messages_en")):
        for pointer, snippet in (case.get(key) or {}).items():
            texts = [f.message.get(lang) for f in result.findings
                     if f.pointer == pointer and f.rule_id in own]
            assert any(snippet in t for t in texts), f"{snippet!r} not in {texts}{context}"
    for lang, key in (("zh", "reasons"), ("en", "reasons_en")):
        for pointer, snippet in (case.get(key) or {}).items():
            texts = [n.reason.get(lang) for n in result.not_evaluated
                     if n.pointer == pointer and n.rule_id in own]
            assert any(snippet in t for t in texts), f"{snippet!r} not in {texts}{context}"
    if "diagnoses" in case:
        assert sorted(d.pointer for d in result.diagnoses) == sorted(case["diagnoses"]), context
    if case.get("evaluated"):
        for rule_id in case["evaluated"]:
            assert rule_id in result.evaluated, context
