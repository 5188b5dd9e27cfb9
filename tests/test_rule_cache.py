"""The on-disk cache of checked rules: a speed-up that never changes an answer.

Each test proves the cache is actually used (or actually bypassed): a load
served from the cache does not parse, so ``parse_rules`` is watched (or made
to fail) where it matters. An answer that merely comes out the same would
also come out the same with the cache switched off.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from disclosure_rules import check, load_report, load_rules, rulesets
from disclosure_rules.rulesets import official_rules_path, rules_from_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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


@pytest.fixture(autouse=True)
def steady_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache key hashes this package's source files too, so an edit to
    any of them between two loads of one test (someone working on the code
    while the suite runs) would change the key and look like a cache miss.
    Within a test, the same rule files always get the key they first got;
    other rule files get a freshly computed one."""
    real: Callable[..., str] = rulesets._cache_key
    keys: dict[Any, str] = {}

    def steady(texts: Any, groups: Any) -> str:
        inputs = (tuple(sorted(texts.items())),
                  tuple((root, tuple(names)) for root, names in groups))
        if inputs not in keys:
            keys[inputs] = real(texts, groups)
        return keys[inputs]

    monkeypatch.setattr(rulesets, "_cache_key", steady)


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the rule files parsed from here on (a load served from
    the cache parses none)."""
    seen: list[str] = []
    real: Callable[..., Any] = rulesets.parse_rules

    def watched(text: str, name: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(name)
        return real(text, name, *args, **kwargs)

    monkeypatch.setattr(rulesets, "parse_rules", watched)
    return seen


def _forbid_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, name: str, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{name} was parsed again: the cache was not used")

    monkeypatch.setattr(rulesets, "parse_rules", refuse)


def test_second_load_comes_from_cache_and_answers_the_same(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = _pack(tmp_path)
    first = _answer(pack)
    written = list(cache.glob("*.pickle"))
    assert len(written) == 1
    _forbid_parsing(monkeypatch)
    second = _answer(pack)
    assert first == second and first  # the example has findings


def test_changed_rule_text_is_not_served_stale(cache: Path, tmp_path: Path,
                                               parses: list[str]) -> None:
    pack = _pack(tmp_path)
    before = {rule for rule, _, _ in _answer(pack)}
    assert "VAL-BLANK" in before and parses
    parses.clear()
    assert _answer(pack) and not parses  # unchanged: from the cache
    table3 = pack / "values.rules"
    text = table3.read_text(encoding="utf-8")
    table3.write_text(text.replace("rule VAL-BLANK", "rule VAL-BLANK-RENAMED"), "utf-8")
    after = {rule for rule, _, _ in _answer(pack)}
    assert "VAL-BLANK-RENAMED" in after and "VAL-BLANK" not in after
    assert str(table3) in parses  # changed: parsed again, not served stale
    assert len(list(cache.glob("*.pickle"))) == 2
    parses.clear()
    assert {rule for rule, _, _ in _answer(pack)} == after and not parses


def test_corrupt_cache_file_is_ignored_and_replaced(cache: Path, tmp_path: Path,
                                                    parses: list[str]) -> None:
    pack = _pack(tmp_path)
    first = _answer(pack)
    (entry,) = cache.glob("*.pickle")
    for garbage in (b"not a pickle", b""):
        entry.write_bytes(garbage)
        parses.clear()
        assert _answer(pack) == first
        assert parses  # the garbage was not taken for rules: they were parsed again
        assert entry.read_bytes() != garbage  # ... and the entry was written afresh
        parses.clear()
        assert _answer(pack) == first and not parses  # the new entry serves


def test_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           parses: list[str]) -> None:
    monkeypatch.setenv("DISCLOSURE_RULES_CACHE", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    pack = _pack(tmp_path)
    first = _answer(pack)
    parses.clear()
    assert _answer(pack) == first
    assert parses  # nothing was cached, so the second load parsed too
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
    # A valid cache entry holding other rules: served when it is ours ...
    planted = rules_from_text('rule PLANTED { title "planted" severity error\n'
                              "assert 1 == 2 at year\n}", "planted.rules")
    entry.write_bytes(pickle.dumps(planted, protocol=pickle.HIGHEST_PROTOCOL))
    assert [rule for rule, _, _ in _answer(pack)] == ["PLANTED"]
    # ... and never unpickled once someone else owns it: the official answer
    os.chown(entry, 12345, 12345)
    assert _answer(pack) == first
    assert first != [("PLANTED", "/year", "条件不成立：1 == 2")]



def test_the_cache_keeps_only_the_most_recently_used_entries(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # every upgrade and every other set of rule files makes an entry: the
    # least recently used go, so the cache does not grow for ever
    monkeypatch.setattr(rulesets, "CACHE_ENTRIES", 3)

    def pack(number: int) -> Path:
        folder = tmp_path / f"pack{number}"
        folder.mkdir()
        (folder / "a.rules").write_text(
            f'rule R-{number} {{\n  title "t"\n  severity error\n  cite "c"\n'
            '  assert year >= 2019\n    at year\n}\n', encoding="utf-8")
        return folder

    def load(folder: Path, used: int) -> Path:
        before = set(cache.glob("*.pickle"))
        load_rules(folder)
        (entry,) = set(cache.glob("*.pickle")) - before
        os.utime(entry, (used, used))  # the order of use, whatever the clock's grain
        return entry

    cache.mkdir(parents=True)
    stranger = cache / "mine.pickle"  # not an entry: a shared folder keeps it
    stranger.write_bytes(b"x")
    os.utime(stranger, (1, 1))
    entries = [load(pack(number), 100 * (number + 1)) for number in range(5)]
    assert set(cache.glob("*.pickle")) == {*entries[2:], stranger}

    # a read marks an entry used: the oldest, read now, outlives a newer one
    def no_parsing(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("served from the cache, not parsed")

    with monkeypatch.context() as patched:
        patched.setattr(rulesets, "parse_rules", no_parsing)
        load_rules(tmp_path / "pack2")
    newest = load(pack(5), 10**10)
    assert set(cache.glob("*.pickle")) == {entries[2], entries[4], newest, stranger}
