"""Paired statistics for gates: a seeded paired bootstrap and an exact McNemar test.

Why paired: candidate and baseline answer the *same* tasks, so per-task differences cancel task
difficulty and the interval is far tighter than comparing two independent means. The bootstrap
resamples task indices (within each family when `strata` is given, so family sizes stay fixed) and
recomputes both sides' statistic on the same indices. Families pool "macro" by default (the mean of
per-family values, as the suite's overall `score` is defined) or "micro" (all tasks weigh the same). It is reproducible: numpy's PCG64 seeded with
`seed`, and callers sort samples by id first so file order does not matter.

The exact McNemar test is the binomial test on discordant pairs (tasks one side passes and the other
fails): under "no difference" each discordant pair is a fair coin. It uses integer arithmetic
(`math.comb`), so no scipy is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

__all__ = [
    "Interval",
    "McNemar",
    "PairedBootstrap",
    "Pooling",
    "Statistic",
    "bootstrap_statistic",
    "is_binary",
    "mcnemar_exact",
    "paired_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
_CELLS_PER_CHUNK = 4_000_000  # resamples x samples per chunk: bounds memory to ~32 MB of indices


class Pooling(str, Enum):
    """How strata (families) combine into one number (closed set)."""

    MACRO = "macro"  # unweighted mean of per-family statistics (the asm65816 group score)
    MICRO = "micro"  # one statistic over all samples


class Statistic(str, Enum):
    """How per-sample values aggregate (closed set)."""

    MEAN = "mean"
    GEOMEAN = "geomean"  # ratios such as speedup; needs positive values


@dataclass(frozen=True)
class Interval:
    """A two-sided percentile bootstrap interval."""

    low: float
    high: float
    confidence: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def format(self, digits: int = 3) -> str:
        return f"[{self.low:+.{digits}f}, {self.high:+.{digits}f}]"


@dataclass(frozen=True)
class McNemar:
    """Exact McNemar test. `wins`: candidate passes where baseline fails; `losses`: the reverse."""

    wins: int
    losses: int
    p_value: float  # two-sided


@dataclass(frozen=True)
class PairedBootstrap:
    """Both sides' statistic, their difference and ratio (candidate / baseline) with intervals."""

    n: int
    candidate: float
    baseline: float
    delta: float
    delta_ci: Interval
    ratio: float | None  # None when the baseline statistic is 0
    ratio_ci: Interval | None
    resamples: int
    seed: int


def _transform(values: FloatArray, statistic: Statistic) -> FloatArray:
    if statistic is Statistic.GEOMEAN:
        if np.any(values <= 0):
            raise ValueError("geomean needs positive values (e.g. speedups); got a value <= 0")
        return np.log(values)
    return values


def _untransform(means: FloatArray, statistic: Statistic) -> FloatArray:
    return np.exp(means) if statistic is Statistic.GEOMEAN else means


def _groups(strata: npt.ArrayLike | None, n: int) -> tuple[list[npt.NDArray[np.int64]], FloatArray]:
    """Row indices of each stratum (one group when there are none) and the group sizes."""
    if strata is None:
        levels = np.zeros(n, dtype=np.int64)
    else:
        levels = np.unique(np.asarray(strata), return_inverse=True)[1].reshape(-1)
    groups = [np.flatnonzero(levels == level) for level in np.unique(levels)]
    return groups, np.array([g.size for g in groups], dtype=np.float64)


def _group_means(
    columns: FloatArray, groups: list[npt.NDArray[np.int64]], resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Per-group column means over resamples drawn within each group -> (resamples, groups, columns)."""
    n = sum(members.size for members in groups)
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    out = np.empty((resamples, len(groups), columns.shape[1]), dtype=np.float64)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        for g, members in enumerate(groups):
            index = members[rng.integers(0, members.size, size=(size, members.size))]
            out[start : start + size, g] = columns[index].mean(axis=1)
    return out


def _pool(group_means: FloatArray, sizes: FloatArray, statistic: Statistic, pooling: Pooling) -> FloatArray:
    """Combine per-group transformed means (..., groups, columns) into the statistic (..., columns).

    micro: every sample weighs the same (size-weighted mean, then back-transform);
    macro: every group weighs the same (back-transform each group, then the plain mean), which is how
    the asm65816 group `score` and `asm65816 score`'s overall score average the families.
    """
    if pooling is Pooling.MICRO:
        weights = sizes / sizes.sum()
        return _untransform(np.einsum("...gc,g->...c", group_means, weights), statistic)
    return _untransform(group_means, statistic).mean(axis=-2)


def _interval(draws: FloatArray, confidence: float) -> Interval:
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha])
    return Interval(float(low), float(high), confidence)


def paired_bootstrap(
    candidate: npt.ArrayLike,
    baseline: npt.ArrayLike,
    *,
    strata: npt.ArrayLike | None = None,
    statistic: Statistic = Statistic.MEAN,
    pooling: Pooling = Pooling.MACRO,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedBootstrap:
    """Paired percentile bootstrap of stat(candidate) - stat(baseline) and of their ratio.

    `candidate[i]` and `baseline[i]` must be the same task and `strata[i]` its family: resampling
    stays within families and `pooling` says how families combine. Same inputs and seed -> same interval.
    """
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.shape != base.shape or cand.ndim != 1 or cand.size == 0:
        raise ValueError(
            f"paired samples need two equal-length 1-D arrays, got {cand.shape} and {base.shape}"
        )
    if not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    if resamples < 100:
        raise ValueError(f"resamples must be >= 100 for a usable interval, got {resamples}")
    groups, sizes = _groups(strata, cand.size)
    columns = np.stack([_transform(cand, statistic), _transform(base, statistic)], axis=1)
    rng = np.random.Generator(np.random.PCG64(seed))
    stats = _pool(_group_means(columns, groups, resamples, rng), sizes, statistic, pooling)
    point = _pool(np.stack([columns[g].mean(axis=0) for g in groups]), sizes, statistic, pooling)
    deltas = stats[:, 0] - stats[:, 1]
    ratio: float | None = None
    ratio_ci: Interval | None = None
    if point[1] != 0:
        ratio = float(point[0] / point[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = stats[:, 0] / stats[:, 1]
        ratios = np.where(np.isfinite(ratios), ratios, 0.0)  # a resample with baseline 0: no retention
        ratio_ci = _interval(ratios, confidence)
    return PairedBootstrap(
        n=int(cand.size),
        candidate=float(point[0]),
        baseline=float(point[1]),
        delta=float(point[0] - point[1]),
        delta_ci=_interval(deltas, confidence),
        ratio=ratio,
        ratio_ci=ratio_ci,
        resamples=resamples,
        seed=seed,
    )


def bootstrap_statistic(
    values: npt.ArrayLike,
    *,
    statistic: Statistic = Statistic.MEAN,
    resamples: int = 2_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, Interval]:
    """One run's statistic with a percentile interval (error bars in reports)."""
    data = np.asarray(values, dtype=np.float64)
    if data.ndim != 1 or data.size == 0:
        raise ValueError("bootstrap_statistic needs a non-empty 1-D array")
    rng = np.random.Generator(np.random.PCG64(seed))
    columns = _transform(data, statistic)[:, None]
    groups, sizes = _groups(None, data.size)
    draws = _pool(_group_means(columns, groups, resamples, rng), sizes, statistic, Pooling.MICRO)[:, 0]
    point = float(_untransform(columns.mean(axis=0), statistic)[0])
    return point, _interval(draws, confidence)


def is_binary(*arrays: npt.ArrayLike) -> bool:
    """True when every value is 0 or 1 (a pass/fail metric, so McNemar applies)."""
    return all(np.isin(np.asarray(a, dtype=np.float64), (0.0, 1.0)).all() for a in arrays)


def mcnemar_exact(candidate: npt.ArrayLike, baseline: npt.ArrayLike) -> McNemar:
    """Two-sided exact McNemar test on paired 0/1 outcomes."""
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.shape != base.shape or not is_binary(cand, base):
        raise ValueError("mcnemar_exact needs two equal-length arrays of 0/1 outcomes")
    wins = int(np.sum((cand == 1) & (base == 0)))
    losses = int(np.sum((cand == 0) & (base == 1)))
    discordant = wins + losses
    if discordant == 0:
        return McNemar(wins, losses, 1.0)
    tail = sum(math.comb(discordant, k) for k in range(min(wins, losses) + 1))
    p_value = min(1.0, 2 * tail / 2**discordant)
    return McNemar(wins, losses, p_value)
