"""The assembly result cache: a second assembly of the same source under the same options is served
from disk and equals the first; any option that changes the result changes the key; outcomes that
depend on the machine (timeouts, limits) are never kept."""

from __future__ import annotations

import dataclasses

import pytest

from harness.asar import cache
from harness.asar.assemble import assemble
from harness.asar.result import AssembleResult, AssembleStatus

SOURCE = "Main:\n  LDA #$12\n  STA $10\n  RTS\n"


@pytest.fixture
def cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.delenv("ASM65816_NO_ASAR_CACHE", raising=False)
    monkeypatch.setattr(cache, "_folder", lambda: tmp_path / "asar-results")
    return tmp_path / "asar-results"


def _comparable(result):
    return dataclasses.replace(result, seconds=0.0, cpu_seconds=0.0)


def test_a_second_assembly_is_served_from_the_cache_and_equals_the_first(cache_dir):
    first = assemble(SOURCE)
    assert first.status is AssembleStatus.OK
    assert len(list(cache_dir.rglob("*.json"))) == 1
    second = assemble(SOURCE)
    assert second.cpu_seconds == 0.0  # no ASAR process ran
    assert _comparable(second) == _comparable(first)


def test_errors_are_cached_with_their_messages(cache_dir):
    first = assemble("Main:\n  LDA #$12\n  BOGUS\n")
    second = assemble("Main:\n  LDA #$12\n  BOGUS\n")
    assert first.status is second.status is AssembleStatus.ERROR
    assert second.errors == first.errors


def test_every_option_is_part_of_the_key():
    options = {
        "mapper": "lorom",
        "origin": 0x8000,
        "headers": [],
        "base": None,
        "limits": {},
        "sandbox": "full",
    }
    key = cache.cache_key(SOURCE, options)
    for name, other in [
        ("mapper", "hirom"),
        ("origin", 0x9000),
        ("base", "org $8000\n"),
        ("sandbox", "degraded"),
    ]:
        assert cache.cache_key(SOURCE, {**options, name: other}) != key, name
    assert cache.cache_key(SOURCE + " ", options) != key


def test_machine_dependent_outcomes_are_not_kept(cache_dir):
    cache.store("ab" + "0" * 62, AssembleResult(status=AssembleStatus.TIMEOUT, mapper="lorom"))
    cache.store("ac" + "0" * 62, AssembleResult(status=AssembleStatus.LIMIT, mapper="lorom"))
    assert not cache_dir.exists() or not list(cache_dir.rglob("*.json"))


def test_switching_the_cache_off_keeps_nothing_and_serves_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path))  # where the cache would go (and ASAR is looked up)
    monkeypatch.setenv("ASM65816_NO_ASAR_CACHE", "1")
    key = "cd" + "0" * 62
    cache.store(key, AssembleResult(status=AssembleStatus.OK, mapper="lorom"))
    assert not list(tmp_path.rglob("*.json"))
    assert cache.load(key) is None
