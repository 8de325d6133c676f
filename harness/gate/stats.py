"""Paired statistics for gates: a seeded paired bootstrap and an exact McNemar test.

Why paired: candidate and baseline answer the *same* tasks, so per-task differences cancel task
difficulty and the interval is far tighter than comparing two independent means. The bootstrap
resamples task indices (within each family when `strata` is given, so family sizes stay fixed) and
recomputes both sides' statistic on the same indices. It is reproducible: numpy's PCG64 seeded with
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
    "Statistic",
    "bootstrap_statistic",
    "is_binary",
    "mcnemar_exact",
    "paired_bootstrap",
]

FloatArray = npt.NDArray[np.float64]
_CELLS_PER_CHUNK = 4_000_000  # resamples x samples per chunk: bounds memory to ~32 MB of indices


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


def _resample_means(
    columns: FloatArray, strata: npt.NDArray[np.int64], resamples: int, rng: np.random.Generator
) -> FloatArray:
    """Means of each column over `resamples` stratified resamples of rows -> (resamples, columns)."""
    n = columns.shape[0]
    groups = [np.flatnonzero(strata == level) for level in np.unique(strata)]
    chunk = max(1, _CELLS_PER_CHUNK // max(n, 1))
    out = np.empty((resamples, columns.shape[1]), dtype=np.float64)
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        picks = [members[rng.integers(0, members.size, size=(size, members.size))] for members in groups]
        index = np.concatenate(picks, axis=1)
        out[start : start + size] = columns[index].mean(axis=1)
    return out


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
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedBootstrap:
    """Paired percentile bootstrap of stat(candidate) - stat(baseline) and of their ratio.

    `candidate[i]` and `baseline[i]` must be the same task. Same inputs and seed -> same interval.
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
    levels = (
        np.zeros(cand.size, dtype=np.int64)
        if strata is None
        else np.unique(np.asarray(strata), return_inverse=True)[1]
    )
    columns = np.stack([_transform(cand, statistic), _transform(base, statistic)], axis=1)
    rng = np.random.Generator(np.random.PCG64(seed))
    stats = _untransform(_resample_means(columns, levels.astype(np.int64), resamples, rng), statistic)
    point = _untransform(columns.mean(axis=0), statistic)
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
    draws = _untransform(
        _resample_means(columns, np.zeros(data.size, dtype=np.int64), resamples, rng)[:, 0], statistic
    )
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
