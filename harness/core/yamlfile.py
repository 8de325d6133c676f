"""One reader for the YAML files users write (train/RL configs, gate and quant policies, data mixes).

Each caller gives the error class its users expect and a phrase naming the file's role; every failure
(missing file, bad bytes, bad YAML, a top level that is not a mapping) becomes that error with the
path in the message, never a traceback. What the mapping must contain stays with each caller's schema.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError

__all__ = ["read_yaml_mapping", "read_yaml_text"]


def read_yaml_text(
    path: str | Path, error: type[HarnessError], what: str, missing: str = ""
) -> tuple[str, Any]:
    """(the file's text, its parsed YAML); `what` names the file in messages ("mix spec"), `missing`
    is added to the message for a file that does not exist (what to pass instead)."""
    file = Path(path)
    if not file.is_file():
        raise error(f"{what} {file} does not exist{missing}")
    try:
        text = file.read_text(encoding="utf-8")
        return text, yaml.safe_load(text)
    except UnicodeDecodeError as failure:
        raise error(f"{what} {file}: not UTF-8 text ({failure.reason} at byte {failure.start})") from failure
    except yaml.YAMLError as failure:
        raise error(f"{what} {file}: not valid YAML ({failure})") from failure


def read_yaml_mapping(
    path: str | Path, error: type[HarnessError], what: str, expected: str = "a mapping", missing: str = ""
) -> Mapping[str, Any]:
    """The file's top-level mapping (an empty file is an empty mapping); `expected` says what the
    top level should hold ("a mapping with 'sources'")."""
    _, data = read_yaml_text(path, error, what, missing)
    data = {} if data is None else data
    if not isinstance(data, Mapping):
        raise error(f"{what} {path}: the top level must be {expected}, got {type(data).__name__}")
    return data
