"""Which task data a result was computed on: one identity for every scoring route.

Results from `asm65816 score` and from lm-eval must name the same data the same way, or gates could
never compare them. A dataset is a folder of `{family}.jsonl` files (plus `fewshot.jsonl` and a
`MANIFEST.json` with its version); its sha256 covers every JSONL file in name order. The bundled
suite is `harness.tasks/asm65816/data`; `ASM65816_TASK_DATA` points the lm-eval tasks elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from harness.core.jsonl import read_jsonl
from harness.core.results import DatasetIdentity
from harness.errors import TaskDataError

__all__ = [
    "DATASET_NAME",
    "bundled_data_dir",
    "bundled_task_dir",
    "dataset_identity",
    "is_dataset_dir",
    "is_fewshot",
    "load_tasks",
    "read_jsonl",
    "resolve_tasks",
    "task_data_dir",
]

DATASET_NAME = "asm65816"


def bundled_task_dir() -> Path:
    """The `tasks/asm65816` folder (YAMLs, utils.py, data): the installed `harness.tasks` package, or
    the checkout's `tasks/` when the harness runs from a source tree without the install mapping
    (`PYTHONPATH=checkout`)."""
    try:
        return Path(str(resources.files("harness.tasks") / DATASET_NAME))
    except ModuleNotFoundError:
        source = Path(__file__).resolve().parents[1] / "tasks" / DATASET_NAME
        if source.is_dir():
            return source
        raise TaskDataError(
            "the bundled tasks are missing: neither the installed package `harness.tasks` nor "
            f"{source} exists; reinstall asm65816-harness"
        ) from None


def bundled_data_dir() -> Path:
    return bundled_task_dir() / "data"


def task_data_dir() -> Path:
    """The data the tasks read: `ASM65816_TASK_DATA` if set (e.g. a private suite), else the bundled one."""
    override = os.environ.get("ASM65816_TASK_DATA")
    return Path(override) if override else bundled_data_dir()


def is_dataset_dir(folder: Path) -> bool:
    """A folder that is a whole dataset (it has a MANIFEST.json), not a loose task file's folder."""
    return (folder / "MANIFEST.json").is_file()


def dataset_identity(folder: Path | None = None) -> DatasetIdentity:
    """{name, version, sha256} of a dataset folder (default: the bundled suite).

    Hashing ~1 MB per call would be waste (lm-eval loads six tasks); the cache key includes every
    file's size and mtime, so a changed file is always re-hashed."""
    folder = Path(folder or bundled_data_dir()).resolve()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise TaskDataError(
            f"no task data in {folder}: the installed package is incomplete or the path is wrong"
        )
    manifest = folder / "MANIFEST.json"
    stamps = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in [*files, manifest] if p.exists())
    return _identity(str(folder), stamps)


@lru_cache(maxsize=8)
def _identity(folder_text: str, _stamps: tuple) -> DatasetIdentity:
    folder = Path(folder_text)
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.jsonl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    version = "unversioned"
    if is_dataset_dir(folder):
        version = str(json.loads((folder / "MANIFEST.json").read_text()).get("version", version))
    return DatasetIdentity(DATASET_NAME, version, digest.hexdigest())


def load_tasks(path: str | Path) -> list[dict[str, Any]]:
    """Task docs from a JSONL file; ids must be present and unique."""
    tasks = read_jsonl(path, "tasks")
    seen: set[str] = set()
    for task in tasks:
        task_id = task.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise TaskDataError(f"{path}: a task has no string `id`: {str(task)[:80]}")
        if task_id in seen:
            raise TaskDataError(f"{path}: duplicate task id {task_id!r}")
        seen.add(task_id)
    return tasks


def resolve_tasks(name: str | Path) -> Path:
    """A task file: a path, or a bundled family by name (`optimize` or `asm65816_optimize`), like
    EvalPlus's `--dataset`, read from `task_data_dir()` (so `ASM65816_TASK_DATA` applies)."""
    path = Path(name)
    if path.is_file():
        return path
    text = str(name)
    family_name = text.removeprefix(f"{DATASET_NAME}_")
    from harness.core.families import FAMILIES

    if family_name in FAMILIES:
        return task_data_dir() / f"{family_name}.jsonl"
    known = ", ".join(f"{DATASET_NAME}_{f}" for f in FAMILIES)
    raise TaskDataError(f"task file {text!r} does not exist and is not a bundled task ({known})")


def is_fewshot(doc: Mapping[str, Any]) -> bool:
    """A few-shot example (`fewshot-*`, `private<seed>-fewshot-*`), not a test task."""
    return "fewshot-" in str(doc.get("id", ""))
