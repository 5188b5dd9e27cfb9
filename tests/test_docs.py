"""The documentation says what the code does: the generated rule catalogue
is current, the examples of the language reference and the tutorial load
and pass, the tutorial shows the real output of its commands, and the
README's Python example runs."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest
from cli_support import cli

from disclosure_rules import load_report, load_rules, render
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


def _block_after(path: Path, marker: str) -> str:
    """The first fenced code block after the line holding ``marker``."""
    text = path.read_text(encoding="utf-8")
    rest = text[text.index(marker):]
    match = re.search(r"^```[a-z]*\n(.*?)^```", rest, flags=re.S | re.M)
    assert match is not None, marker
    return match.group(1)


def test_the_tutorial_shows_the_real_output_of_its_commands(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("NO_COLOR", "1")
    shown = _block_after(DOCS / "tutorial.zh.md", "输出如下：")
    assert cli("check", "examples/jiading-hrss-2020.json").out == shown
    marker = "rules test docs/tutorial/my-pack --fixtures docs/tutorial/fixtures -v\n```"
    text = (DOCS / "tutorial.zh.md").read_text(encoding="utf-8")
    after = text[text.index(marker) + len(marker):]
    shown = re.search(r"^```[a-z]*\n(.*?)^```", after, flags=re.S | re.M)
    assert shown is not None
    outcome = cli("rules", "test", "docs/tutorial/my-pack", "--fixtures",
                  "docs/tutorial/fixtures", "-v")
    assert outcome.out == shown.group(1)


def test_the_readme_python_example_runs(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    code = _block_after(ROOT / "README.md", "## Python API")
    example = json.loads((ROOT / "examples" / "huaian-city-2024.json").read_text("utf-8"))
    (tmp_path / "report.json").write_text(json.dumps(example, ensure_ascii=False), "utf-8")
    (tmp_path / "2023.json").write_text(
        json.dumps({**example, "year": 2023}, ensure_ascii=False), "utf-8")
    (tmp_path / "2024年报.html").write_text(render(load_report(example).data, "html"), "utf-8")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        # the README's own example, run as a user would paste it
        exec(compile(code, "README.md", "exec"), {})
    assert "GOV-ASSESSMENT" in printed.getvalue()
