"""Aggregation of per-sample metrics: means, geometric means for ratios, and pass@k.

Shared by `asm65816 score`, the lm-eval glue and the gates so a number means the same everywhere.
Ratio metrics (speedups, size ratios) are averaged geometrically: a 2x win and a 2x loss cancel, and
a single outlier cannot dominate. A metric a sample does not report (speedup of a failing candidate) is
left out of that metric's average, never counted as zero or one.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence

from harness.core.families import FAMILIES

__all__ = [
    "GEOMETRIC_METRICS",
    "aggregate_metrics",
    "geometric_mean",
    "mean",
    "pass_at_k",
    "pass_at_k_metrics",
]

# Ratio metrics (declared `geomean` in the family registry): geometric mean at aggregation.
GEOMETRIC_METRICS = frozenset(
    metric.name
    for name in FAMILIES
    for metric in FAMILIES.get(name).metrics
    if metric.aggregation == "geomean"
)
PASS_AT_K = (1, 5, 10)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): 1 - C(n-c, k) / C(n, k), for n samples with c correct.

    Computed as a running product so large n does not overflow.
    """
    if not 0 <= c <= n or k < 1 or k > n:
        raise ValueError(f"pass_at_k needs 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    product = 1.0
    for i in range(n - c + 1, n + 1):
        product *= 1.0 - k / i
    return 1.0 - product


def pass_at_k_metrics(outcomes: Sequence[bool], ks: Iterable[int] = PASS_AT_K) -> dict[str, float]:
    """`pass@k` for every k in ks not larger than the number of completions."""
    n, c = len(outcomes), sum(bool(o) for o in outcomes)
    return {f"pass@{k}": pass_at_k(n, c, k) for k in ks if 1 <= k <= n}


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean, or None for no values."""
    items = list(values)
    return math.fsum(items) / len(items) if items else None


def geometric_mean(values: Iterable[float]) -> float | None:
    """Geometric mean of positive values, or None for no values; raises on a non-positive value."""
    items = list(values)
    if not items:
        return None
    if any(v <= 0 or not math.isfinite(v) for v in items):
        raise ValueError("geometric_mean needs finite positive values")
    return statistics.geometric_mean(items)


def aggregate_metrics(samples: Iterable[Mapping[str, float]]) -> dict[str, float]:
    """Combine per-sample metric dicts into one: geometric mean for ratios, mean otherwise.

    Keys are sorted so the output is the same whatever order the samples were scored in; `n` is the
    number of samples (a metric's own count can be smaller when samples omit it).
    """
    rows = list(samples)
    values: dict[str, list[float]] = {}
    for row in rows:
        for name, value in row.items():
            values.setdefault(name, []).append(float(value))
    result: dict[str, float] = {"n": len(rows)}
    for name in sorted(values):
        combine = geometric_mean if name in GEOMETRIC_METRICS else mean
        aggregated = combine(values[name])
        if aggregated is not None:
            result[name] = aggregated
    return result
