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
    pytest.importorskip("gguf")
    from harness.trainers.quant.export import export_gguf

    return export_gguf(tiny_qwen2, tmp_path_factory.mktemp("gguf") / "tiny-f16.gguf").path


@pytest.fixture(scope="session")
def tiny_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The trainers' fixture model (fixtures/tiny_model/build_tiny_model.py), built once."""
    import importlib.util

    pytest.importorskip("transformers")
    script = Path(__file__).resolve().parents[2] / "fixtures" / "tiny_model" / "build_tiny_model.py"
    if not script.is_file():
        pytest.skip(f"fixture model recipe not found at {script}")
    spec = importlib.util.spec_from_file_location("asm65816_tiny_model_recipe", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return Path(module.build(tmp_path_factory.mktemp("tiny_fixture") / "model"))
