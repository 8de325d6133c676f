"""Fingerprints of the eval set's code, so training data can be checked for contamination.

The kernels and `mutate.mutants` are public and training-data synthesis may reuse them; the kernels'
parameter spaces are small, so routines made from other seeds can coincide with eval tasks. Before
training, drop every example whose code fingerprint is in `eval_fingerprints()`.

A fingerprint is the sha256 of the code normalised so that cosmetic differences do not hide a copy:
comments, blank lines and indentation removed, whitespace collapsed, upper case, label names replaced
by their order of definition (`L0`, `L1`, ...). It catches copies and renamed copies, not rewrites
(use a near-duplicate method such as MinHash on top for those).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["code_fingerprint", "eval_fingerprints", "normalize_asm", "task_code"]

_LABEL_RE = re.compile(r"^\s*(\.?[A-Za-z_][\w]*)\s*:", re.MULTILINE)


def normalize_asm(source: str) -> str:
    """Comment-free, whitespace-collapsed, upper-case code with labels renamed L0, L1, ... in order."""
    labels = list(dict.fromkeys(_LABEL_RE.findall(source)))
    lines = []
    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.split(";", 1)[0].strip()
        if line:
            lines.append(" ".join(line.split()))
    text = "\n".join(lines)
    for index, label in sorted(enumerate(labels), key=lambda item: -len(item[1])):
        text = re.sub(rf"(?<![\w.]){re.escape(label)}(?!\w)", f"L{index}", text)
    return text.upper()


def code_fingerprint(source: str) -> str:
    """sha256 (hex) of `normalize_asm(source)`."""
    return hashlib.sha256(normalize_asm(source).encode()).hexdigest()


def task_code(doc: Mapping[str, Any]) -> list[str]:
    """Every piece of code a task shows or expects: reference, baseline, code choices of MC questions."""
    pieces = [doc.get("reference"), doc.get("baseline")]
    answer = doc.get("answer") or {}
    if doc.get("family") == "mc":
        pieces.extend(c for c in answer.get("choices", []) if "\n" in str(c))
        pieces.append((answer.get("verify") or {}).get("code"))
    return [p for p in pieces if isinstance(p, str) and p.strip()]


def eval_fingerprints(data_dir: Path | None = None, files: Iterable[Path] | None = None) -> frozenset[str]:
    """Fingerprints of all code in the dataset's JSONL files (test and few-shot splits)."""
    from harness.suite.build import default_data_dir
    from harness.suite.validate import load_tasks

    paths = list(files) if files is not None else sorted((data_dir or default_data_dir()).glob("*.jsonl"))
    return frozenset(code_fingerprint(code) for doc in load_tasks(paths) for code in task_code(doc))
