"""Candidate vs baseline on one metric: pair samples by id, refuse different datasets, bootstrap.

A metric is named `family/metric` ("gen/passes", "optimize/speedup"); `overall/metric` (or a bare
`metric`) pools every family that carries it, resampling within families and, by default, averaging
the per-family values ("macro", as the suite's overall `score` is defined; "micro" weighs every task
the same). Samples pair by id, sorted,
so results do not depend on file order. Per-sample values missing on either side (e.g. `speedup`
exists only where the candidate passes) are left out of the pairs and counted, never imputed; tasks
the baseline has and the candidate never ran are counted in `only_in_baseline` so a gate can fail
on them instead of silently comparing on a subset.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from harness.core.families import FAMILIES
from harness.gate.errors import DatasetMismatchError, PolicyError
from harness.gate.record import RunRecord
from harness.gate.stats import (
    Interval,
    McNemar,
    PairedBootstrap,
    Pooling,
    Statistic,
    is_binary,
    mcnemar_exact,
    paired_bootstrap,
)

__all__ = [
    "LOWER_IS_BETTER",
    "Comparison",
    "MetricRef",
    "aggregate_value",
    "check_same_dataset",
    "compare",
    "default_statistic",
    "higher_is_better",
    "metric_values",
]

# Metrics where smaller is better, unless a record (lm-eval's higher_is_better) or a rule says otherwise:
# the family registry's, plus raw costs a record may carry.
LOWER_IS_BETTER: frozenset[str] = frozenset(
    {metric.name for name in FAMILIES for metric in FAMILIES.get(name).metrics if not metric.higher_is_better}
    | {"cycles", "cand_cycles", "bytes", "cand_bytes", "clocks"}
)


@dataclass(frozen=True)
class MetricRef:
    """`family/metric`; family "overall" pools all families."""

    family: str
    metric: str

    @classmethod
    def parse(cls, text: str) -> MetricRef:
        family, sep, metric = str(text).strip().partition("/")
        if not sep:
            family, metric = "overall", family
        if not family or not metric or "/" in metric:
            raise PolicyError(
                f"metric {text!r} is not 'family/metric' (e.g. 'gen/passes' or 'overall/score')"
            )
        return cls(family, metric)

    def __str__(self) -> str:
        return f"{self.family}/{self.metric}"


@dataclass(frozen=True)
class Comparison:
    """Paired comparison of one metric. `gain` is delta signed so that positive means better."""

    metric: MetricRef
    statistic: Statistic
    pooling: Pooling
    higher_is_better: bool
    n_paired: int
    only_in_baseline: int  # tasks the candidate never ran
    only_in_candidate: int
    missing_candidate: int  # shared tasks where only the baseline has a value for this metric
    missing_baseline: int
    bootstrap: PairedBootstrap
    mcnemar: McNemar | None  # pass/fail metrics only

    @property
    def gain(self) -> float:
        return self.bootstrap.delta if self.higher_is_better else -self.bootstrap.delta

    @property
    def gain_ci(self) -> Interval:
        ci = self.bootstrap.delta_ci
        return ci if self.higher_is_better else Interval(-ci.high, -ci.low, ci.confidence)

    @property
    def retention(self) -> float | None:
        """Candidate as a share of baseline, in the "better" direction (1.0 = as good)."""
        b = self.bootstrap
        if self.higher_is_better:
            return b.ratio
        return (b.baseline / b.candidate) if b.candidate else None

    @property
    def retention_ci(self) -> Interval | None:
        b = self.bootstrap
        if b.ratio_ci is None:
            return None
        if self.higher_is_better:
            return b.ratio_ci
        low = 1.0 / b.ratio_ci.high if b.ratio_ci.high else float("inf")
        high = 1.0 / b.ratio_ci.low if b.ratio_ci.low else float("inf")
        return Interval(low, high, b.ratio_ci.confidence)

    def summary(self) -> str:
        """One line a reviewer can check: values, gain, interval, test and n."""
        b = self.bootstrap
        text = (
            f"{self.metric}: candidate {b.candidate:.4f} vs baseline {b.baseline:.4f}, "
            f"gain {self.gain:+.4f} {int(self.gain_ci.confidence * 100)}% CI {self.gain_ci.format(4)}, n={self.n_paired}"
        )
        if self.metric.family == "overall":
            text += f" ({self.pooling.value} over families)"
        if self.mcnemar is not None:
            text += f", McNemar {self.mcnemar.wins} wins/{self.mcnemar.losses} losses p={self.mcnemar.p_value:.3g}"
        return text


def check_same_dataset(candidate: RunRecord, baseline: RunRecord) -> None:
    """Refuse to compare runs scored on different data: name, version and sha256 must all agree."""
    a, b = candidate.dataset, baseline.dataset
    if a.sha256 is None or b.sha256 is None:
        missing = "candidate" if a.sha256 is None else "baseline"
        raise DatasetMismatchError(
            f"refusing to compare: the {missing} run records no dataset sha256, so its data cannot be "
            f"checked (candidate {a.describe()}, baseline {b.describe()}); re-run it with a harness "
            "that records the dataset sha256"
        )
    if (a.name, a.version, a.sha256) != (b.name, b.version, b.sha256):
        raise DatasetMismatchError(
            f"refusing to compare runs on different datasets: candidate {a.describe()} vs baseline "
            f"{b.describe()}; re-run both models on the same dataset version"
        )


def higher_is_better(metric: str, *records: RunRecord, override: bool | None = None) -> bool:
    """Direction of a metric: rule override, then the records' own hints, then LOWER_IS_BETTER."""
    if override is not None:
        return override
    for record in records:
        if metric in record.higher_is_better:
            return record.higher_is_better[metric]
    return metric not in LOWER_IS_BETTER


def default_statistic(metric: str) -> Statistic:
    """Speedups and other ratios aggregate geometrically (as the optimize scorer does)."""
    return Statistic.GEOMEAN if "speedup" in metric or metric.endswith("_ratio") else Statistic.MEAN


def metric_values(record: RunRecord, ref: MetricRef) -> dict[str, tuple[str, float]]:
    """{sample id -> (family, value)} for samples that carry the metric; error if none does."""
    out = {
        s.id: (s.family, s.metrics[ref.metric])
        for s in record.samples
        if ref.family in ("overall", s.family) and ref.metric in s.metrics
    }
    if not out:
        known = record.metric_names(ref.family)
        hint = difflib.get_close_matches(ref.metric, known, n=3)
        families = ", ".join(record.families) or "none"
        raise PolicyError(
            f"run {record.run_id} has no per-sample '{ref.metric}' in family '{ref.family}' "
            f"(families: {families}; metrics there: {', '.join(known) or 'none'})"
            + (f"; did you mean {', '.join(hint)}?" if hint else "")
        )
    return out


def _sample_ids(record: RunRecord, family: str) -> set[str]:
    return {s.id for s in record.samples if family in ("overall", s.family)}


def compare(
    candidate: RunRecord,
    baseline: RunRecord,
    metric: MetricRef | str,
    *,
    resamples: int = 10_000,
    confidence: float = 0.95,
    seed: int = 0,
    statistic: Statistic | None = None,
    pooling: Pooling = Pooling.MACRO,
    higher_is_better_override: bool | None = None,
) -> Comparison:
    """Paired comparison of `metric` between two runs on the same dataset (else DatasetMismatchError)."""
    ref = metric if isinstance(metric, MetricRef) else MetricRef.parse(metric)
    check_same_dataset(candidate, baseline)
    cand = metric_values(candidate, ref)
    base = metric_values(baseline, ref)
    cand_ids, base_ids = _sample_ids(candidate, ref.family), _sample_ids(baseline, ref.family)
    shared = sorted(cand.keys() & base.keys())
    if not shared:
        raise PolicyError(f"{ref}: the runs share no sample ids carrying this metric; nothing to pair")
    stat = statistic or default_statistic(ref.metric)
    cand_values = np.array([cand[i][1] for i in shared])
    base_values = np.array([base[i][1] for i in shared])
    strata = [cand[i][0] for i in shared]
    boot = paired_bootstrap(
        cand_values,
        base_values,
        strata=strata,
        statistic=stat,
        pooling=pooling,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
    )
    test = mcnemar_exact(cand_values, base_values) if is_binary(cand_values, base_values) else None
    both = cand_ids & base_ids
    return Comparison(
        metric=ref,
        statistic=stat,
        pooling=pooling,
        higher_is_better=higher_is_better(
            ref.metric, candidate, baseline, override=higher_is_better_override
        ),
        n_paired=len(shared),
        only_in_baseline=len(base_ids - cand_ids),
        only_in_candidate=len(cand_ids - base_ids),
        missing_candidate=len([i for i in both if i in base and i not in cand]),
        missing_baseline=len([i for i in both if i in cand and i not in base]),
        bootstrap=boot,
        mcnemar=test,
    )


def aggregate_value(
    record: RunRecord, ref: MetricRef, statistic: Statistic | None = None, pooling: Pooling = Pooling.MACRO
) -> float:
    """The run's reported aggregate for `ref`, else the statistic over its samples (pooled like `compare`)."""
    reported: Mapping[str, float] = record.metrics.get(ref.family, {})
    if ref.metric in reported:
        return float(reported[ref.metric])
    stat = statistic or default_statistic(ref.metric)
    by_family: dict[str, list[float]] = {}
    for family, value in metric_values(record, ref).values():
        by_family.setdefault(family, []).append(value)
    if stat is Statistic.GEOMEAN:
        logs = {f: np.log(np.array(v)) for f, v in by_family.items()}
    else:
        logs = {f: np.array(v) for f, v in by_family.items()}
    back = np.exp if stat is Statistic.GEOMEAN else (lambda x: x)
    if pooling is Pooling.MICRO:
        return float(back(np.concatenate(list(logs.values())).mean()))
    return float(np.mean([back(v.mean()) for v in logs.values()]))
