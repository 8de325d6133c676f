"""Session fixtures for the GGUF tests (helpers live in gguf_helpers.py, a unique module name)."""

from __future__ import annotations

from pathlib import Path

import pytest
from gguf_helpers import build_tiny_model


@pytest.fixture(scope="session")
def tiny_qwen2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_model(tmp_path_factory.mktemp("tiny_qwen2") / "model", "qwen2")


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_model(tmp_path_factory.mktemp("tiny_llama") / "model", "llama", seed=1)


@pytest.fixture(scope="session")
def qwen2_f16_gguf(tiny_qwen2: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Qwen2 exported once as F16 GGUF (shared by the backend and report tests)."""
    from harness.trainers.quant.export import export_gguf

    return export_gguf(tiny_qwen2, tmp_path_factory.mktemp("gguf") / "tiny-f16.gguf").path
