"""Paired statistics for gates: a seeded paired bootstrap and an exact McNemar test, both from scipy.

Why paired: candidate and baseline answer the *same* tasks, so per-task differences cancel task
difficulty and the interval is far tighter than comparing two independent means. The bootstrap is
`scipy.stats.bootstrap` (percentile method) with one sample per family (stratum): inside a family the
(candidate, baseline) rows are resampled with the same task indices, so pairs stay paired, and each
family is resampled on its own, so family sizes stay fixed (scipy's `paired=True` draws one index set
for all samples: the one-family case of this). Families pool "macro" by default (the mean of
per-family values, as the suite's overall `score` is defined) or "micro" (all tasks weigh the same).
It is reproducible: numpy's PCG64 seeded with `seed`, and callers sort samples by id first so file
order does not matter. A family of one task has nothing to resample (scipy needs two observations);
it enters every resample as the constant it is.

The exact McNemar test is the two-sided binomial test (`scipy.stats.binomtest`) on the discordant
pairs (tasks one side passes and the other fails): under "no difference" each is a fair coin.
scipy is imported on first use, so importing the gate concern stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
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
_CELLS_PER_CHUNK = 4_000_000  # resamples x samples per scipy batch: bounds memory to ~32 MB of indices


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


# The pooled statistic of each resample (resamples, columns) -> the quantities wanted (outputs, resamples).
Summary = Callable[[FloatArray], FloatArray]


@dataclass(frozen=True)
class _Design:
    """What is resampled: transformed values (tasks x sides), the family groups and how they pool."""

    columns: FloatArray
    groups: list[npt.NDArray[np.int64]]
    sizes: FloatArray
    statistic: Statistic
    pooling: Pooling

    def point(self) -> FloatArray:
        """Each side's statistic on the data as observed."""
        means = np.stack([self.columns[g].mean(axis=0) for g in self.groups])
        return _pool(means, self.sizes, self.statistic, self.pooling)

    def _resampled(self, summary: Summary) -> Callable[..., FloatArray]:
        """scipy's vectorised statistic. It gets one resampled (sides, resamples, tasks) array per family
        of two or more tasks, in group order; one-task families are filled in as constants."""
        constants = {i: self.columns[g[0]] for i, g in enumerate(self.groups) if g.size == 1}

        def statistic(*families: FloatArray, axis: int = -1) -> FloatArray:
            drawn = iter(families)
            resamples = families[0].shape[1]
            per_group = [
                np.broadcast_to(constants[i], (resamples, self.columns.shape[1]))
                if i in constants
                else next(drawn).mean(axis=axis).T
                for i in range(len(self.groups))
            ]
            return summary(_pool(np.stack(per_group, axis=1), self.sizes, self.statistic, self.pooling))

        return statistic

    def intervals(
        self, summary: Summary, *, resamples: int, confidence: float, seed: int
    ) -> tuple[FloatArray, FloatArray]:
        """Percentile interval (lows, highs) of each output of `summary` over `resamples` resamples."""
        from scipy.stats import bootstrap

        families = tuple(self.columns[g].T for g in self.groups if g.size > 1)
        if not families:  # every family is one task: every resample is the data itself
            constant = summary(self.point()[None, :])[:, 0]
            return constant, constant
        result = bootstrap(
            families,
            self._resampled(summary),
            n_resamples=resamples,
            batch=max(1, _CELLS_PER_CHUNK // self.columns.shape[0]),
            vectorized=True,
            axis=-1,  # tasks run along the last axis of each (sides, tasks) family array
            paired=False,  # families are independent strata; the two sides share indices inside each
            confidence_level=confidence,
            method="percentile",
            rng=np.random.Generator(np.random.PCG64(seed)),
        )
        interval = result.confidence_interval
        return np.atleast_1d(interval.low), np.atleast_1d(interval.high)


def _delta_and_ratio(stats: FloatArray) -> FloatArray:
    """Per resample: candidate - baseline, and candidate / baseline (0 where the baseline is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = stats[:, 0] / stats[:, 1]
    ratios = np.where(np.isfinite(ratios), ratios, 0.0)  # a resample with baseline 0: no retention
    return np.stack([stats[:, 0] - stats[:, 1], ratios])


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
    design = _Design(columns, groups, sizes, statistic, pooling)
    point = design.point()
    low, high = design.intervals(_delta_and_ratio, resamples=resamples, confidence=confidence, seed=seed)
    ratio: float | None = None
    ratio_ci: Interval | None = None
    if point[1] != 0:
        ratio = float(point[0] / point[1])
        ratio_ci = Interval(float(low[1]), float(high[1]), confidence)
    return PairedBootstrap(
        n=int(cand.size),
        candidate=float(point[0]),
        baseline=float(point[1]),
        delta=float(point[0] - point[1]),
        delta_ci=Interval(float(low[0]), float(high[0]), confidence),
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
    groups, sizes = _groups(None, data.size)
    design = _Design(_transform(data, statistic)[:, None], groups, sizes, statistic, Pooling.MICRO)
    low, high = design.intervals(lambda stats: stats.T, resamples=resamples, confidence=confidence, seed=seed)
    return float(design.point()[0]), Interval(float(low[0]), float(high[0]), confidence)


def is_binary(*arrays: npt.ArrayLike) -> bool:
    """True when every value is 0 or 1 (a pass/fail metric, so McNemar applies)."""
    return all(np.isin(np.asarray(a, dtype=np.float64), (0.0, 1.0)).all() for a in arrays)


def mcnemar_exact(candidate: npt.ArrayLike, baseline: npt.ArrayLike) -> McNemar:
    """Two-sided exact McNemar test on paired 0/1 outcomes (scipy's exact binomial test)."""
    cand = np.asarray(candidate, dtype=np.float64)
    base = np.asarray(baseline, dtype=np.float64)
    if cand.shape != base.shape or not is_binary(cand, base):
        raise ValueError("mcnemar_exact needs two equal-length arrays of 0/1 outcomes")
    wins = int(np.sum((cand == 1) & (base == 0)))
    losses = int(np.sum((cand == 0) & (base == 1)))
    discordant = wins + losses
    if discordant == 0:
        return McNemar(wins, losses, 1.0)
    from scipy.stats import binomtest

    p_value = float(binomtest(wins, discordant, 0.5, alternative="two-sided").pvalue)
    return McNemar(wins, losses, min(1.0, p_value))
