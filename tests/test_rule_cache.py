"""The on-disk cache of checked rules: a speed-up that never changes an answer."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from disclosure_rules import check, load_report, load_rules
from disclosure_rules.rulesets import official_rules_path

EXAMPLES = Path(__file__).parent.parent / "examples"


def _pack(tmp_path: Path) -> Path:
    pack = tmp_path / "pack"
    shutil.copytree(official_rules_path(), pack)
    return pack


def _answer(rules_dir: Path) -> list[tuple[str, str, str]]:
    report = load_report(EXAMPLES / "jiading-hrss-2020.json")
    result = check(report, rules=load_rules(rules_dir))
    return [(f.rule_id, f.pointer, f.message.zh) for f in result.findings]


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("DISCLOSURE_RULES_CACHE", str(folder))
    return folder


def test_second_load_comes_from_cache_and_answers_the_same(cache: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    first = _answer(pack)
    written = list(cache.glob("*.pickle"))
    assert len(written) == 1
    second = _answer(pack)
    assert first == second and first  # the example has findings


def test_changed_rule_text_is_not_served_stale(cache: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    before = {rule for rule, _, _ in _answer(pack)}
    assert "VAL-BLANK" in before
    table3 = pack / "values.rules"
    text = table3.read_text(encoding="utf-8")
    table3.write_text(text.replace("rule VAL-BLANK", "rule VAL-BLANK-RENAMED"), "utf-8")
    after = {rule for rule, _, _ in _answer(pack)}
    assert "VAL-BLANK-RENAMED" in after and "VAL-BLANK" not in after
    assert len(list(cache.glob("*.pickle"))) == 2


def test_corrupt_cache_file_is_ignored_and_replaced(cache: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    first = _answer(pack)
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _answer(pack) == first
    entry.write_bytes(b"")
    assert _answer(pack) == first


def test_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCLOSURE_RULES_CACHE", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _answer(_pack(tmp_path))
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_unwritable_cache_costs_only_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("DISCLOSURE_RULES_CACHE", str(blocker / "cache"))
    assert _answer(_pack(tmp_path))


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="needs root to chown")
def test_a_file_someone_else_owns_is_never_unpickled(cache: Path, tmp_path: Path) -> None:
    pack = _pack(tmp_path)
    first = _answer(pack)
    (entry,) = cache.glob("*.pickle")
    os.chown(entry, 12345, 12345)
    entry.write_bytes(b"\x80\x05N.")  # a valid pickle of None, owned by someone else
    os.chown(entry, 12345, 12345)
    assert _answer(pack) == first
