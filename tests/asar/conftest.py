"""The ASAR tests exercise the sandbox itself, so they always run ASAR (never the result cache)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_result_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASM65816_NO_ASAR_CACHE", "1")
