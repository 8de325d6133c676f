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
