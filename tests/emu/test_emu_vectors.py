"""The core against SingleStepTests vectors (every bus cycle) and gilyon's hardware-verified cases.

Default run: the first 10 tests of every vector file in ci100 and dl0 (10,240 tests) and all 1,610
gilyon cases. `-m slow`: all 102,400 vector tests. Disputed tests (the vectors contradict hardware,
see `harness.emu.vectors.disputed`) are listed, not counted, and must be few.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.emu.gilyon import parse_cases, run_file
from harness.emu.vectors import disputed, load_vectors, run_vectors, vector_files

SETS = ("ci100", "dl0")


def _vectors(shared_dir: Path, name: str) -> Path:
    path = shared_dir / "ssts65816" / name
    if not path.is_dir():
        pytest.skip(f"vector set {path} is absent")
    return path


def _run(directory: Path, limit: int | None) -> tuple[int, list[str], list[str]]:
    passed, failures, disputes = 0, [], []
    for _, report in run_vectors(vector_files(directory), limit=limit, keep_failures=1):
        passed += report.passed
        failures += [f"{f.file} {f.name}: {f.message}" for f in report.failures]
        disputes += [f"{f.file} {f.name}" for f in report.disputed]
    return passed, failures, disputes


@pytest.mark.parametrize("name", SETS)
def test_vectors_sample_of_every_file(shared_dir: Path, name: str) -> None:
    directory = _vectors(shared_dir, name)
    files = vector_files(directory)
    assert len(files) == 512, "expected 256 opcodes x (native, emulation)"
    passed, failures, disputes = _run(directory, limit=10)
    assert failures == []
    assert passed + len(disputes) == 5120


@pytest.mark.slow
@pytest.mark.parametrize("name", SETS)
def test_vectors_full(shared_dir: Path, name: str) -> None:
    passed, failures, disputes = _run(_vectors(shared_dir, name), limit=None)
    assert failures == []
    assert len(disputes) <= 2, disputes
    assert passed + len(disputes) == 51_200


def test_disputed_pattern_is_the_emulation_dx_page_wrap(shared_dir: Path) -> None:
    # dl0 a1.e #13: LDA ($3B,X) with D=$9700, X=$C4 -> pointer at $97FF; hardware reads $9700 next.
    tests = load_vectors(_vectors(shared_dir, "dl0") / "a1.e.json.gz")
    case = next(t for t in tests if t["name"] == "a1 e 13")
    assert "hardware reads its high byte at $9700" in (disputed(case) or "")
    assert disputed(tests[0]) is None


def test_gilyon_hardware_cases_all_pass(shared_dir: Path) -> None:
    path = shared_dir / "gilyon-cputest" / "tests-full.txt"
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    assert len(parse_cases(path)) == 1610
    result = run_file(path)
    assert result.failures == []
    assert result.passed == 1610
