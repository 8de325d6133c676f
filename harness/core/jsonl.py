"""The one JSONL reader: task files, predictions, synth outputs, run stores.

Lines are split on `\\n` only. `str.splitlines()` would also split on U+2028, U+0085 and other
characters that `json.dumps(ensure_ascii=False)` leaves raw inside strings, breaking valid files.
Each line is decoded as UTF-8 on its own, so a bad byte is reported as `file:line` and never
becomes a traceback or a silently replaced character.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import TaskDataError

__all__ = ["JsonlLine", "iter_jsonl", "read_jsonl"]


@dataclass(frozen=True)
class JsonlLine:
    """One non-blank line: its 1-based number and either the object or why it is not one."""

    number: int
    value: dict[str, Any] | None
    problem: str | None = None


def _decode(raw: bytes) -> tuple[dict[str, Any] | None, str | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, f"not valid UTF-8 ({error.reason} at byte {error.start + 1})"
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not valid JSON ({error.msg.removesuffix(' at')} at column {error.colno})"
    except RecursionError:
        return None, "not valid JSON (nested too deeply)"
    if not isinstance(value, dict):
        return None, f"each line must be a JSON object, got {type(value).__name__}"
    return value, None


def iter_jsonl(path: str | Path, what: str = "task") -> Iterator[JsonlLine]:
    """Every non-blank line of a JSONL file, with its problem instead of an exception.

    For readers that must report every bad line and carry on (`synth verify`); a missing file is
    still a TaskDataError."""
    path = Path(path)
    if not path.is_file():
        raise TaskDataError(f"{what} file {str(path)!r} does not exist")
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if not raw.strip():
            continue
        value, problem = _decode(raw)
        yield JsonlLine(number, value, problem)


def read_jsonl(path: str | Path, what: str = "task") -> list[dict[str, Any]]:
    """One JSON object per non-blank line; the first bad line is a TaskDataError naming file and line."""
    rows = []
    for line in iter_jsonl(path, what):
        if line.problem is not None:
            raise TaskDataError(f"{path}:{line.number}: {line.problem}")
        assert line.value is not None
        rows.append(line.value)
    return rows
