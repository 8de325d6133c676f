"""Explanation scoring by checkable content, never by length.

`fact_recall`: share of `answer.facts` whose any-of regexes match the text (case-insensitive).
`forbidden`: how many `answer.forbid` regexes match (known-wrong claims, such as "$0E20 is HP").
`hallucinated_addresses`: distinct addresses the text names ($0E50, $7E:0E50, $7E0E50, 0x0E50) that occur
neither in the task's code nor in the harness's symbol headers (harness/asar/headers/*.asm). Immediates
(`#$10`) and two-digit direct-page operands are not treated as addresses.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from harness.errors import TaskDataError

__all__ = ["address_mentions", "known_addresses", "score_explanation"]

_MENTION_RE = re.compile(
    r"(?<![#\w$])(?:\$([0-9A-Fa-f]{2}):([0-9A-Fa-f]{4})|\$([0-9A-Fa-f]{6}|[0-9A-Fa-f]{4})|0x([0-9A-Fa-f]{4,6}))(?![0-9A-Fa-f])"
)
_NUMBER_RE = re.compile(
    r"\$([0-9A-Fa-f]{2}):?([0-9A-Fa-f]{2,4})\b|\$([0-9A-Fa-f]{2,6})\b|0x([0-9A-Fa-f]{2,6})\b"
)
_LOW_BANKS = frozenset({0x00, 0x7E, 0x80})


def address_mentions(text: str) -> list[int]:
    """Addresses named in free text, as integers (16-bit when written with 4 digits), in order."""
    found: list[int] = []
    for match in _MENTION_RE.finditer(text):
        bank, offset, plain, hexa = match.groups()
        if bank is not None:
            found.append(int(bank, 16) << 16 | int(offset, 16))
        else:
            found.append(int(plain or hexa, 16))
    return found


def _numbers(text: str) -> set[int]:
    values: set[int] = set()
    for match in _NUMBER_RE.finditer(text):
        bank, offset, plain, hexa = match.groups()
        if bank is not None and offset is not None and len(offset) == 4:
            values.add(int(bank, 16) << 16 | int(offset, 16))
        else:
            digits = plain or hexa or ((bank or "") + (offset or ""))
            values.add(int(digits, 16))
    return values


@functools.lru_cache(maxsize=1)
def _header_numbers() -> frozenset[int]:
    from harness.asar import HEADER_NAMES, header_path

    values: set[int] = set()
    for name in sorted(HEADER_NAMES):
        path = header_path(name)
        if path.is_file():
            values |= _numbers(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(values)


def known_addresses(code_texts: Iterable[str]) -> frozenset[int]:
    """Every number in the code and the headers and the byte after it (a 16-bit access at $0DFE also
    touches $0DFF, so "clears $0DF0-$0DFF" names no new address), plus the low 16 bits of WRAM/bank-0
    ones."""
    values = set(_header_numbers())
    for text in code_texts:
        values |= _numbers(text)
    values |= {value + 1 for value in values}
    widened = set(values)
    for value in values:
        if value >> 16 in _LOW_BANKS:
            widened.add(value & 0xFFFF)
    return frozenset(widened)


def _is_known(address: int, known: frozenset[int]) -> bool:
    if address in known:
        return True
    return address >> 16 in _LOW_BANKS and (address & 0xFFFF) in known


def _compile_all(patterns: object, field: str, task_id: object) -> list[re.Pattern[str]]:
    if patterns is None:
        return []
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise TaskDataError(f"task {task_id!r}: answer.{field} must be a list of regex strings")
    try:
        return [re.compile(p, re.IGNORECASE) for p in patterns]
    except re.error as error:
        raise TaskDataError(f"task {task_id!r}: answer.{field} has a bad regex: {error}") from error


def score_explanation(task: Mapping[str, Any], text: str) -> dict[str, float]:
    """Metrics of one explanation. Raises TaskDataError only for a malformed task `answer`."""
    answer = task.get("answer") or {}
    if not isinstance(answer, Mapping):
        raise TaskDataError(f"task {task.get('id')!r}: explain answer must be an object with facts/forbid")
    facts = answer.get("facts") or []
    if not isinstance(facts, list):
        raise TaskDataError(f"task {task.get('id')!r}: answer.facts must be a list")
    text = text if isinstance(text, str) else ""
    metrics: dict[str, float] = {}
    if facts:
        hits = 0
        for index, fact in enumerate(facts):
            if not isinstance(fact, Mapping):
                raise TaskDataError(f"task {task.get('id')!r}: answer.facts[{index}] must be an object")
            patterns = _compile_all(fact.get("any"), f"facts[{index}].any", task.get("id"))
            hits += any(p.search(text) for p in patterns)
        metrics["fact_recall"] = hits / len(facts)
    forbid = _compile_all(answer.get("forbid"), "forbid", task.get("id"))
    metrics["forbidden"] = float(sum(1 for p in forbid if p.search(text)))
    code = [str(task.get(key) or "") for key in ("prompt", "reference", "baseline")]
    known = known_addresses(code)
    unknown = {address for address in address_mentions(text) if not _is_known(address, known)}
    metrics["hallucinated_addresses"] = float(len(unknown))
    return metrics
