"""Predictions files: what a model answered, one JSON object per line, read the same way by both
scoring routes (`asm65816 score` and lm-eval's `asm65816-replay`).

A row names its task with `id` (or EvalPlus's `task_id`) and gives the answer as `completion` (or
EvalPlus's `solution`). Several rows for one id are several samples (pass@k), kept in file order.
`"completion": null` is an empty answer (a failure, counted and reported), never the text "None".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.core.jsonl import iter_jsonl
from harness.errors import TaskDataError

__all__ = ["Predictions", "read_predictions"]

_ID_KEYS = ("id", "task_id")
_TEXT_KEYS = ("completion", "solution")


@dataclass(frozen=True)
class Predictions:
    """Completions by task id (file order), and how many were null."""

    path: str
    completions: Mapping[str, tuple[str, ...]]
    null_completions: int = 0

    def ids(self) -> tuple[str, ...]:
        return tuple(self.completions)


def _one_of(row: Mapping[str, Any], keys: tuple[str, ...], where: str, what: str) -> tuple[bool, Any]:
    present = [key for key in keys if key in row]
    if not present:
        raise TaskDataError(f"{where}: no {what} ({' or '.join(repr(k) for k in keys)})")
    values = {repr(row[key]) for key in present}
    if len(values) > 1:
        raise TaskDataError(f"{where}: {' and '.join(present)} disagree; give one {what}")
    return True, row[present[0]]


def read_predictions(path: str | Path) -> Predictions:
    """Read a predictions JSONL; any bad row is a TaskDataError naming file:line and the fix."""
    completions: dict[str, list[str]] = {}
    nulls = 0
    for line in iter_jsonl(path, "predictions"):
        where = f"{path}:{line.number}"
        if line.problem is not None:
            raise TaskDataError(f"{where}: {line.problem}")
        row = line.value or {}
        _, task_id = _one_of(row, _ID_KEYS, where, "task id")
        if not isinstance(task_id, str) or not task_id:
            raise TaskDataError(f"{where}: the task id must be a non-empty string, got {task_id!r}")
        _, text = _one_of(row, _TEXT_KEYS, where, "answer")
        if text is None:
            nulls += 1
            text = ""
        if not isinstance(text, str):
            raise TaskDataError(f"{where}: the answer must be a string or null, got {type(text).__name__}")
        completions.setdefault(task_id, []).append(text)
    return Predictions(str(path), {key: tuple(value) for key, value in completions.items()}, nulls)
