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
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.errors import TaskDataError

__all__ = ["DATASET_NAME", "bundled_data_dir", "dataset_identity", "is_dataset_dir", "read_jsonl", "task_data_dir"]

DATASET_NAME = "asm65816"


def bundled_data_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("harness.tasks") / "asm65816" / "data"))


def task_data_dir() -> Path:
    """The data the tasks read: `ASM65816_TASK_DATA` if set (e.g. a private suite), else the bundled one."""
    override = os.environ.get("ASM65816_TASK_DATA")
    return Path(override) if override else bundled_data_dir()


def read_jsonl(path: str | Path, what: str = "task") -> list[dict[str, Any]]:
    """One JSON object per non-blank line; anything else is a TaskDataError naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise TaskDataError(f"{what} file {str(path)!r} does not exist")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise TaskDataError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise TaskDataError(f"{path}:{number}: each line must be a JSON object")
        rows.append(row)
    return rows


def is_dataset_dir(folder: Path) -> bool:
    """A folder that is a whole dataset (it has a MANIFEST.json), not a loose task file's folder."""
    return (folder / "MANIFEST.json").is_file()


def dataset_identity(folder: Path | None = None) -> dict[str, str]:
    """{name, version, sha256} of a dataset folder (default: the bundled suite).

    Hashing ~1 MB per call would be waste (lm-eval loads six tasks); the cache key includes every
    file's size and mtime, so a changed file is always re-hashed."""
    folder = Path(folder or bundled_data_dir()).resolve()
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise TaskDataError(f"no task data in {folder}: the installed package is incomplete or the path is wrong")
    manifest = folder / "MANIFEST.json"
    stamps = tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in [*files, manifest] if p.exists())
    return dict(_identity(str(folder), stamps))


@lru_cache(maxsize=8)
def _identity(folder_text: str, _stamps: tuple) -> tuple[tuple[str, str], ...]:
    folder = Path(folder_text)
    files = sorted(folder.glob("*.jsonl"))
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    version = "unversioned"
    if is_dataset_dir(folder):
        version = str(json.loads((folder / "MANIFEST.json").read_text()).get("version", version))
    return (("name", DATASET_NAME), ("version", version), ("sha256", digest.hexdigest()))
