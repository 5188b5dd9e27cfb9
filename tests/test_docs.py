"""The documentation says what the code does: the generated rule catalogue
is current, and the examples of the language reference and the tutorial
load and pass."""

from __future__ import annotations

import re
from pathlib import Path

from disclosure_rules import load_rules
from disclosure_rules.commands.rules import catalogue_markdown
from disclosure_rules.fixtures import coverage, load_fixtures, run_fixture
from disclosure_rules.rulesets import rules_from_text

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def test_rules_md_is_generated_from_the_pack() -> None:
    current = catalogue_markdown(load_rules())
    written = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert written == current, (
        "docs/rules.md is stale: run `disclosure-rules rules list --format md > docs/rules.md`")


def _blocks(path: Path) -> list[str]:
    """The fenced code blocks of a Markdown file."""
    return re.findall(r"^```[a-z]*\n(.*?)^```", path.read_text(encoding="utf-8"),
                      flags=re.S | re.M)


def test_the_language_reference_example_file_loads() -> None:
    example = next(b for b in _blocks(DOCS / "language.md") if b.lstrip().startswith("# 本地规则"))
    rules = rules_from_text(example, "example.rules")
    assert [r.rule_id for r in rules.rules if not r.builtin] == ["CITY-FEES"]


def test_the_tutorial_pack_passes_its_fixtures() -> None:
    rules = load_rules(DOCS / "tutorial" / "my-pack")
    fixtures = load_fixtures(DOCS / "tutorial" / "fixtures")
    outcomes = [run_fixture(f, rules) for f in fixtures]
    assert all(o.ok for o in outcomes), [o for o in outcomes if not o.ok]
    assert all(p and f for p, f in coverage(rules, fixtures).values())


def test_the_tutorial_shows_the_rules_as_they_are_in_the_pack() -> None:
    pack = (DOCS / "tutorial" / "my-pack" / "city.rules").read_text(encoding="utf-8")
    for rule_id in ("CITY-FEE-NOTE", "CITY-RECEIVED-SHARE"):
        shown = next(b for b in _blocks(DOCS / "tutorial.zh.md") if f"rule {rule_id} " in b)
        body = shown[shown.index(f"rule {rule_id} "):]
        assert body.strip() in pack, rule_id
