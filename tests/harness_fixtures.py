"""Paths of the shared test fixtures and the tiny-model builder, importable from any test folder.

A uniquely named module: with several `conftest.py` files in rootdir mode, `from conftest import X`
resolves to whichever conftest was imported first, so shared names must not live in a conftest.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["FIXTURES", "LMEVAL_FIXTURE_TASKS", "REPO", "SOURCES", "TINY_BUILDER", "load_tiny_builder"]

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
SOURCES = FIXTURES / "train_sources"
TINY_BUILDER = FIXTURES / "tiny_model" / "build_tiny_model.py"
LMEVAL_FIXTURE_TASKS = FIXTURES / "lmeval_tasks"


def load_tiny_builder():
    """The fixture script as a module (fixtures/ is not a package); `.build(out_dir)` makes the model."""
    spec = importlib.util.spec_from_file_location("build_tiny_model", TINY_BUILDER)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module
