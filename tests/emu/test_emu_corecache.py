"""The compiled 65816 core is stored on disk by the first process and loaded by the next: a new
process pays ~1 ms instead of generating and compiling ~260 KB of source. A stale, corrupt or
switched-off cache never changes the core, and the key covers every module the source is made of."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness.emu import codegen
from harness.emu.corecache import cached_core, core_key


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path))
    monkeypatch.delenv("ASM65816_NO_CORE_CACHE", raising=False)
    return tmp_path / "emu-core"


def _counting_build() -> tuple[list[int], object]:
    calls: list[int] = []

    def build():
        calls.append(1)
        return codegen._generate()

    return calls, build


def test_the_first_process_stores_the_core_and_the_next_loads_the_same_code(cache: Path) -> None:
    calls, build = _counting_build()
    stored = cached_core(codegen.CORE_SOURCES, build)
    loaded = cached_core(codegen.CORE_SOURCES, build)
    assert len(calls) == 1 and len(list(cache.iterdir())) == 1
    assert loaded == stored == codegen._generate()  # code objects compare by value


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-100],
        lambda data: data[:40] + bytes([data[40] ^ 0xFF]) + data[41:],
        lambda data: b"",
    ],
    ids=["truncated", "flipped", "empty"],
)
def test_a_damaged_file_is_rebuilt_not_loaded(cache: Path, damage) -> None:
    calls, build = _counting_build()
    cached_core(codegen.CORE_SOURCES, build)
    (stored,) = cache.iterdir()
    stored.write_bytes(damage(stored.read_bytes()))
    core = cached_core(codegen.CORE_SOURCES, build)
    assert len(calls) == 2 and core == codegen._generate()


def test_switched_off_or_unwritable_the_core_is_built_each_time(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, build = _counting_build()
    monkeypatch.setenv("ASM65816_NO_CORE_CACHE", "1")
    cached_core(codegen.CORE_SOURCES, build)
    cached_core(codegen.CORE_SOURCES, build)
    assert len(calls) == 2 and not cache.exists()
    monkeypatch.delenv("ASM65816_NO_CORE_CACHE")
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the folder should be")
    cached_core(codegen.CORE_SOURCES, build)
    assert len(calls) == 3


def test_the_key_follows_the_generators_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    key = core_key(codegen.CORE_SOURCES)
    assert key is not None and key == core_key(codegen.CORE_SOURCES)
    edited = tmp_path / "opcodes.py"
    edited.write_text(Path(__import__("harness.emu.opcodes").emu.opcodes.__file__).read_text() + "\n# edit\n")
    monkeypatch.setattr("harness.emu.opcodes.__file__", str(edited))
    assert core_key(codegen.CORE_SOURCES) != key


def test_the_key_lists_every_project_module_the_generator_reads() -> None:
    """codegen's source is made from these modules only: a new project import must join the key."""
    tree = ast.parse(Path(codegen.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    project = {name for name in imported if name.startswith("harness.")} - {"harness.emu.corecache"}
    assert project | {"harness.emu.codegen"} == set(codegen.CORE_SOURCES)
