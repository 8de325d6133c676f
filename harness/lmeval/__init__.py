"""lm-eval integration: the `asm65816` task group, bundled models, and the startup hook.

Importing this package is cheap (the startup hook imports it on the first `import lm_eval`): nothing
here imports lm-eval until a function is called.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["GROUP", "MODEL_TARGETS", "task_dir", "task_manager", "with_our_tasks"]

GROUP = "asm65816"  # the lm-eval group; each family's task is `harness.core.family(name).task`
# lm-eval model name -> "module:Class", registered lazily (the class is imported on first use).
MODEL_TARGETS = {
    "asm65816-oracle": "harness.lmeval.models:OracleLM",
    "asm65816-replay": "harness.lmeval.models:ReplayLM",
    "llama-cpp": "harness.lmeval.llama_cpp_model:LlamaCppLM",
}


def task_dir() -> Path:
    """The installed `tasks/asm65816` folder (YAMLs, utils.py, data)."""
    from harness.dataset import bundled_task_dir

    return bundled_task_dir()


def task_manager(include_defaults: bool = False, **kwargs):
    """An lm-eval `TaskManager` that knows our tasks. `include_defaults=False` is ~50x faster."""
    from lm_eval.tasks import TaskManager

    include = with_our_tasks(kwargs.pop("include_path", None))
    return TaskManager(include_path=include, include_defaults=include_defaults, **kwargs)


def with_our_tasks(include_path) -> list[str]:
    """lm-eval's `include_path` (None, one path or several) as a list that ends with our task dir."""
    include = include_path or []
    include = [str(include)] if isinstance(include, (str, os.PathLike)) else [str(path) for path in include]
    ours = str(task_dir())
    return include if ours in include else [*include, ours]
