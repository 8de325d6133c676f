"""Duplicate detection: normalised-code hashing (exact) and MinHash LSH (near), across all sources at once.

Scraped assembly differs in ways that do not change the sample: letter case of mnemonics, indentation,
comments, blank lines. `normalize_text` removes those inside fenced code blocks (comments after `;`,
case, whitespace) and folds case/whitespace in prose, so two samples whose normalised prompt and
completion are equal are *exact* duplicates. *Near* duplicates (a reworded instruction, a changed
constant) are pairs whose MinHash-estimated Jaccard similarity of token 3-gram shingles is at least the
threshold (default 0.6); they are grouped with union-find. In each group the first sample in source
order is kept (sources are listed in priority order), the rest are reported as dropped.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from harness.trainers.schema import Sample

__all__ = [
    "CODE_BLOCK_RE",
    "DuplicateGroup",
    "DuplicateKind",
    "code_blocks",
    "find_duplicates",
    "normalize_code",
    "normalize_text",
    "sample_key",
    "tokens",
]

CODE_BLOCK_RE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)
_TOKEN_RE = re.compile(r"[a-z0-9_$#.%]+")


class DuplicateKind(str, Enum):
    EXACT = "exact"  # equal after normalisation
    NEAR = "near"  # MinHash Jaccard >= threshold


@dataclass(frozen=True)
class DuplicateGroup:
    """Samples judged the same; `kept` survives a mix, `dropped` do not. Ids are `source/id`."""

    kind: DuplicateKind
    kept: str
    dropped: tuple[str, ...]
    similarity: float  # 1.0 for exact groups; the lowest pairwise estimate that joined a near group

    @property
    def members(self) -> tuple[str, ...]:
        return (self.kept, *self.dropped)


def code_blocks(text: str) -> list[str]:
    """Bodies of fenced code blocks (any language tag) in order."""
    return [match.group(2) for match in CODE_BLOCK_RE.finditer(text)]


def normalize_code(code: str) -> str:
    """Assembly without comments, case or layout: one instruction per line, single spaces."""
    lines = []
    for line in code.splitlines():
        line = line.split(";", 1)[0].strip().lower()
        if line:
            lines.append(" ".join(line.split()))
    return "\n".join(lines)


def normalize_text(text: str) -> str:
    """Prose folded to lower case and single spaces; code blocks replaced by `normalize_code`."""
    parts: list[str] = []
    last = 0
    for match in CODE_BLOCK_RE.finditer(text):
        parts.append(" ".join(text[last : match.start()].lower().split()))
        parts.append("```\n" + normalize_code(match.group(2)) + "\n```")
        last = match.end()
    parts.append(" ".join(text[last:].lower().split()))
    return "\n".join(part for part in parts if part)


def sample_key(sample: Sample) -> str:
    """sha256 of the normalised prompt and completion (thinking excluded: same answer, same sample)."""
    payload = normalize_text(sample.prompt_text) + "\x00" + normalize_text(sample.completion)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def tokens(text: str) -> list[str]:
    """Lower-case word tokens (mnemonics, operands, words) used for shingles and contamination n-grams."""
    return _TOKEN_RE.findall(text.lower())


def _shingles(sample: Sample, size: int = 3) -> set[bytes]:
    toks = tokens(normalize_text(sample.prompt_text + "\n" + sample.completion))
    if len(toks) < size:
        return {" ".join(toks).encode()}
    return {" ".join(toks[i : i + size]).encode() for i in range(len(toks) - size + 1)}


def _label(sample: Sample) -> str:
    return f"{sample.source}/{sample.id}"


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)  # the earliest sample is the root (kept)


def _exact_groups(samples: Sequence[Sample]) -> tuple[list[DuplicateGroup], list[int]]:
    first: dict[str, int] = {}
    members: dict[int, list[int]] = {}
    representatives: list[int] = []
    for index, sample in enumerate(samples):
        key = sample_key(sample)
        if key in first:
            members[first[key]].append(index)
        else:
            first[key] = index
            members[index] = []
            representatives.append(index)
    groups = [
        DuplicateGroup(DuplicateKind.EXACT, _label(samples[k]), tuple(_label(samples[i]) for i in dups), 1.0)
        for k, dups in members.items()
        if dups
    ]
    return groups, representatives


def _near_groups(samples: Sequence[Sample], indices: list[int], threshold: float, num_perm: int, seed: int):
    from harness.trainers.extras import require

    require(("datasketch",), extra="train", purpose="near-duplicate detection (data qa, data mix)")
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    hashes: dict[int, MinHash] = {}
    finder = _UnionFind(len(samples))
    lowest: dict[int, float] = {}
    for index in indices:
        minhash = MinHash(num_perm=num_perm, seed=seed)
        minhash.update_batch(sorted(_shingles(samples[index])))
        for other in lsh.query(minhash):
            similarity = minhash.jaccard(hashes[other])
            if similarity >= threshold:
                finder.union(other, index)
                root = finder.find(index)
                lowest[root] = min(lowest.get(root, 1.0), similarity)
        lsh.insert(index, minhash)
        hashes[index] = minhash
    clusters: dict[int, list[int]] = {}
    for index in indices:
        clusters.setdefault(finder.find(index), []).append(index)
    return [
        DuplicateGroup(
            DuplicateKind.NEAR,
            _label(samples[root]),
            tuple(_label(samples[i]) for i in sorted(group) if i != root),
            round(lowest.get(root, threshold), 4),
        )
        for root, group in sorted(clusters.items())
        if len(group) > 1
    ]


def find_duplicates(
    samples: Sequence[Sample], *, near_threshold: float = 0.6, num_perm: int = 128, seed: int = 1
) -> list[DuplicateGroup]:
    """Exact groups first, then near groups among the exact groups' kept samples (order = priority)."""
    if not 0.0 < near_threshold <= 1.0:
        raise ValueError(f"near_threshold={near_threshold} must be in (0, 1]")
    exact, representatives = _exact_groups(samples)
    return exact + _near_groups(samples, representatives, near_threshold, num_perm, seed)
