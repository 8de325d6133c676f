"""Session fixtures for the trainer tests: the tiny Qwen2 model (built once) and a fixture mix."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness_fixtures import SOURCES, load_tiny_builder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    return load_tiny_builder().build(tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="session")
def fixture_mix(tmp_path_factory: pytest.TempPathFactory):
    """A mix of the three fixture sources (contamination checked against the fixture eval tasks)."""
    from harness.trainers.mix import MixSource, MixSpec, build_mix

    spec = MixSpec(
        "fixture",
        tuple(
            MixSource(name, SOURCES / f"{name}.jsonl")
            for name in ("clean_gold", "noisy_scraped", "chat_samples")
        ),
        eval_task_files=(SOURCES / "eval_tasks.jsonl",),
    )
    return build_mix(spec, tmp_path_factory.mktemp("mix") / "fixture")
