"""Near-duplicate detection between task prompts: Jaccard similarity of word 3-gram shingles.

Two prompts made by one kernel with different constants share almost every shingle (similarity near
1); prompts of different routines share the rules paragraph and little else. Exact Jaccard over the
shingle sets is cheap at the suite's size (a few hundred prompts per family), so no MinHash sketch is
needed; `most_similar_pairs` reports the worst pairs for `tasks validate` and `tasks stats`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

__all__ = ["MAX_SIMILARITY", "jaccard", "most_similar_pairs", "shingles"]

MAX_SIMILARITY = 0.90  # dataset 2.0: no two prompts of a family more similar than this
_TOKEN = re.compile(r"[A-Za-z_.!][\w.]*|\$[0-9A-Fa-f]+|#?\$?[0-9A-Fa-f]+|\S")


def shingles(text: str, size: int = 3) -> frozenset[tuple[str, ...]]:
    """Word `size`-grams of a text (case kept: in assembly `X` and `x` differ)."""
    tokens = _TOKEN.findall(text)
    if len(tokens) < size:
        return frozenset({tuple(tokens)}) if tokens else frozenset()
    return frozenset(tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def most_similar_pairs(
    texts: Mapping[str, str] | Sequence[tuple[str, str]], *, top: int = 5
) -> list[tuple[float, str, str]]:
    """The `top` most similar pairs as (similarity, id, id), most similar first."""
    items: Iterable[tuple[str, str]] = texts.items() if isinstance(texts, Mapping) else texts
    sets = [(key, shingles(text)) for key, text in items]
    pairs = [(jaccard(sa, sb), a, b) for (a, sa), (b, sb) in combinations(sets, 2)]
    pairs.sort(key=lambda pair: (-pair[0], pair[1], pair[2]))
    return pairs[:top]
