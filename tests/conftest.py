"""Shared test helpers: where ../shared lives, and skip markers defined once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ASM65816_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (vectors, seeds); tests that need it skip with a clear message where it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED} (set ASM65816_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def asar() -> None:
    """The real ASAR; tests that need it skip with the reason (and the fix) when it is not provisioned.
    Scoring itself never skips: a missing ASAR is an error there, never a score."""
    from harness.asar import find_asar
    from harness.errors import HarnessError

    try:
        find_asar()
    except HarnessError as error:
        pytest.skip(f"ASAR is not available ({error}); run `asm65816 asar install`")


@pytest.fixture(scope="session")
def datasketch() -> None:
    """Near-duplicate detection (data qa, data mix, synth QA) needs the `train` extra's datasketch;
    without it those tests skip naming the extra, and the CLI says the same (tested separately)."""
    pytest.importorskip("datasketch", reason='needs datasketch: pip install -e ".[train]"')
