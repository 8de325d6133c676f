"""Paired bootstrap and exact McNemar: reproducible, order-independent, calibrated on synthetic noise.

`harness.gate.stats` delegates to `scipy.stats.bootstrap` and `scipy.stats.binomtest`; the reference
below is the hand-written numpy bootstrap it replaced, kept here to prove the scipy version gives the
same intervals (same PCG64 draws in the same order; equal to float rounding) on the calibration inputs.
"""

from __future__ import annotations

import importlib.util
import json
import math
import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from harness.gate.compare import compare
from harness.gate.record import record_from_results
from harness.gate.stats import (
    Pooling,
    Statistic,
    bootstrap_statistic,
    is_binary,
    mcnemar_exact,
    paired_bootstrap,
)

ROOT = Path(__file__).resolve().parents[2]
RUNS = ROOT / "fixtures" / "runs"


def _make_runs():
    spec = importlib.util.spec_from_file_location("gate_make_runs", RUNS / "make_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(name: str):
    return record_from_results(json.loads((RUNS / name).read_text()), origin=name)


def test_bootstrap_same_seed_is_identical_and_seed_matters():
    rng = np.random.default_rng(5)
    cand, base = rng.random(300) < 0.6, rng.random(300) < 0.5
    first = paired_bootstrap(cand, base, seed=7, resamples=2000)
    again = paired_bootstrap(cand, base, seed=7, resamples=2000)
    other = paired_bootstrap(cand, base, seed=8, resamples=2000)
    assert first == again
    assert first.delta_ci != other.delta_ci
    assert first.delta == pytest.approx(cand.mean() - base.mean())
    assert abs(first.delta_ci.low - other.delta_ci.low) < 0.03  # seeds change the interval only a little


def test_comparison_does_not_depend_on_sample_order():
    cand, base = _record("cand-3b-improved.json"), _record("base-1.5b.json")
    shuffled = list(cand.samples)
    random.Random(3).shuffle(shuffled)
    reordered = replace(cand, samples=tuple(shuffled))
    a = compare(cand, base, "overall/pass@1", resamples=2000)
    b = compare(reordered, base, "overall/pass@1", resamples=2000)
    assert a.bootstrap == b.bootstrap and a.mcnemar == b.mcnemar


def test_identical_runs_give_a_degenerate_zero_interval():
    base = _record("base-1.5b.json")
    cmp = compare(base, base, "gen/pass@1", resamples=500)
    assert (cmp.gain, cmp.gain_ci.low, cmp.gain_ci.high) == (0.0, 0.0, 0.0)
    assert cmp.mcnemar is not None and cmp.mcnemar.p_value == 1.0
    assert cmp.retention == 1.0


@pytest.mark.parametrize(("wins", "losses"), [(10, 0), (0, 10), (5, 5), (12, 3), (1, 0), (40, 25)])
def test_mcnemar_exact_matches_the_binomial_formula(wins, losses):
    cand = [1] * wins + [0] * losses + [1, 0] * 7  # concordant pairs must not matter
    base = [0] * wins + [1] * losses + [1, 0] * 7
    result = mcnemar_exact(cand, base)
    n = wins + losses
    expected = min(1.0, 2 * sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n)
    assert (result.wins, result.losses) == (wins, losses)
    assert result.p_value == pytest.approx(expected)


def test_mcnemar_equals_the_exact_integer_formula_on_every_small_table():
    """scipy's binomtest works in floating point; the exact two-sided tail is an integer ratio."""
    for n in range(1, 61):
        for wins in range(n + 1):
            losses = n - wins
            result = mcnemar_exact([1] * wins + [0] * losses, [0] * wins + [1] * losses)
            exact = min(1.0, 2 * sum(math.comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n)
            assert result.p_value == pytest.approx(exact, rel=1e-9, abs=1e-300), (wins, losses)


def test_mcnemar_rejects_non_binary_values():
    assert not is_binary([0.5, 1.0])
    with pytest.raises(ValueError, match="0/1"):
        mcnemar_exact([0.5, 1.0], [0.0, 1.0])


def test_geomean_statistic_for_speedups():
    cand, base = np.array([2.0, 2.0, 2.0]), np.array([1.0, 4.0, 1.0])
    result = paired_bootstrap(cand, base, statistic=Statistic.GEOMEAN, resamples=200)
    assert result.baseline == pytest.approx(4 ** (1 / 3))
    assert result.candidate == pytest.approx(2.0)
    with pytest.raises(ValueError, match="positive"):
        paired_bootstrap([0.0, 1.0], [1.0, 1.0], statistic=Statistic.GEOMEAN, resamples=200)


def test_bootstrap_statistic_interval_brackets_the_mean():
    values = np.random.default_rng(1).random(200)
    point, ci = bootstrap_statistic(values, seed=0)
    assert ci.low < point < ci.high
    assert point == pytest.approx(values.mean())


def test_bad_bootstrap_arguments_are_errors():
    with pytest.raises(ValueError, match="equal-length"):
        paired_bootstrap([1, 0], [1], resamples=200)
    with pytest.raises(ValueError, match="resamples"):
        paired_bootstrap([1, 0], [1, 1], resamples=10)
    with pytest.raises(ValueError, match="confidence"):
        paired_bootstrap([1, 0], [1, 1], confidence=1.0)


def test_must_beat_false_positive_rate_on_noise_is_near_the_nominal_level():
    """Re-runs of one model (same skill, fresh draws) must rarely look like an improvement."""
    make_runs = _make_runs()
    families = {"gen": 60, "fix": 40}
    base = record_from_results(make_runs.synthetic_run("m", skill=0.0, draw_seed=1000, families=families))
    false_wins = 0
    trials = 40
    for seed in range(trials):
        noise = record_from_results(
            make_runs.synthetic_run("m", skill=0.0, draw_seed=2000 + seed, families=families)
        )
        cmp = compare(noise, base, "overall/pass@1", resamples=1000, seed=seed)
        false_wins += cmp.gain_ci.low > 0
    assert false_wins <= 4  # nominal one-sided rate 2.5% -> ~1 of 40; 4 allows for bootstrap slack


def test_real_improvement_is_detected_most_of_the_time():
    make_runs = _make_runs()
    families = {"gen": 100, "fix": 100}
    base = record_from_results(make_runs.synthetic_run("m", skill=0.0, draw_seed=1000, families=families))
    detected = 0
    for seed in range(20):
        better = record_from_results(
            make_runs.synthetic_run("m2", skill=1.0, draw_seed=3000 + seed, families=families)
        )
        detected += compare(better, base, "overall/pass@1", resamples=1000, seed=seed).gain_ci.low > 0
    assert detected >= 16


# ---------------------------------------------------------------------------------------------------
# The numpy bootstrap that scipy replaced, as the reference for the intervals


def _reference_paired_bootstrap(cand, base, strata, statistic, pooling, resamples, confidence, seed):
    """Stratified paired percentile bootstrap, written out: per chunk of resamples, per family, draw
    `rng.integers(0, size, (chunk, size))`, average, pool, take numpy quantiles. Returns the delta and
    ratio intervals as (low, high) pairs."""
    cand, base = np.asarray(cand, dtype=float), np.asarray(base, dtype=float)
    columns = np.stack([cand, base], axis=1)
    if statistic is Statistic.GEOMEAN:
        columns = np.log(columns)
    levels = np.unique(np.asarray(strata), return_inverse=True)[1].reshape(-1)
    groups = [np.flatnonzero(levels == level) for level in np.unique(levels)]
    sizes = np.array([g.size for g in groups], dtype=float)
    rng = np.random.Generator(np.random.PCG64(seed))
    chunk = max(1, 4_000_000 // columns.shape[0])
    means = np.empty((resamples, len(groups), 2))
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        for g, members in enumerate(groups):
            index = members[rng.integers(0, members.size, size=(size, members.size))]
            means[start : start + size, g] = columns[index].mean(axis=1)
    back = np.exp if statistic is Statistic.GEOMEAN else (lambda values: values)
    if pooling is Pooling.MICRO:
        stats = back(np.einsum("rgc,g->rc", means, sizes / sizes.sum()))
    else:
        stats = back(means).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = stats[:, 0] / stats[:, 1]
    ratios = np.where(np.isfinite(ratios), ratios, 0.0)
    alpha = (1 - confidence) / 2
    delta = np.quantile(stats[:, 0] - stats[:, 1], [alpha, 1 - alpha])
    return tuple(delta), tuple(np.quantile(ratios, [alpha, 1 - alpha]))


def _calibration_inputs():
    """The shapes the calibration tests feed the bootstrap: two families of noisy pass/fail results,
    a real improvement, speedups (geomean), a one-task family, and more resamples than one batch."""
    rng = np.random.default_rng(11)
    strata = ["gen"] * 60 + ["fix"] * 40
    yield "noise", rng.random(100) < 0.5, rng.random(100) < 0.5, strata, Statistic.MEAN, 1000
    yield (
        "better",
        rng.random(200) < 0.7,
        rng.random(200) < 0.5,
        ["gen"] * 100 + ["fix"] * 100,
        Statistic.MEAN,
        1000,
    )
    yield "speedup", rng.uniform(0.5, 3, 100), rng.uniform(0.5, 2, 100), strata, Statistic.GEOMEAN, 500
    yield "singleton", rng.random(31) < 0.6, rng.random(31) < 0.4, ["gen"] * 30 + ["mc"], Statistic.MEAN, 500
    yield "batches", rng.random(2100) < 0.6, rng.random(2100) < 0.55, ["gen"] * 2100, Statistic.MEAN, 2000


@pytest.mark.parametrize("pooling", list(Pooling))
@pytest.mark.parametrize("case", list(_calibration_inputs()), ids=lambda case: case[0])
def test_scipy_bootstrap_gives_the_reference_intervals(case, pooling):
    _name, cand, base, strata, statistic, resamples = case
    ours = paired_bootstrap(
        cand, base, strata=strata, statistic=statistic, pooling=pooling, resamples=resamples, seed=3
    )
    delta, ratio = _reference_paired_bootstrap(cand, base, strata, statistic, pooling, resamples, 0.95, 3)
    assert (ours.delta_ci.low, ours.delta_ci.high) == pytest.approx(delta, abs=1e-12)
    assert ours.ratio_ci is not None
    assert (ours.ratio_ci.low, ours.ratio_ci.high) == pytest.approx(ratio, abs=1e-12)


def test_bootstrap_statistic_matches_the_reference_draws():
    values = np.random.default_rng(2).random(150)
    _point, ci = bootstrap_statistic(values, resamples=1000, seed=4)
    delta, _ratio = _reference_paired_bootstrap(
        values, np.zeros(150), ["all"] * 150, Statistic.MEAN, Pooling.MICRO, 1000, 0.95, 4
    )
    assert (ci.low, ci.high) == pytest.approx(delta, abs=1e-12)


def test_all_single_task_families_give_a_point_interval():
    result = paired_bootstrap([1.0, 0.0], [0.0, 0.0], strata=["gen", "fix"], resamples=200)
    assert (result.delta_ci.low, result.delta_ci.high) == (0.5, 0.5)
    assert result.ratio is None and result.ratio_ci is None


def test_one_family_is_exactly_scipys_paired_bootstrap():
    """Without strata the (candidate, baseline) pairs are resampled together: scipy's `paired=True`."""
    from scipy.stats import bootstrap

    rng = np.random.default_rng(8)
    cand, base = (rng.random(120) < 0.65).astype(float), (rng.random(120) < 0.5).astype(float)
    ours = paired_bootstrap(cand, base, resamples=3000, seed=12)
    theirs = bootstrap(
        (cand, base),
        lambda c, b, axis: c.mean(axis=axis) - b.mean(axis=axis),
        paired=True,
        vectorized=True,
        n_resamples=3000,
        method="percentile",
        rng=np.random.Generator(np.random.PCG64(12)),
    ).confidence_interval
    assert (ours.delta_ci.low, ours.delta_ci.high) == pytest.approx((theirs.low, theirs.high), abs=1e-12)
