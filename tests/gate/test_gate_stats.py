"""Paired bootstrap and exact McNemar: reproducible, order-independent, calibrated on synthetic noise."""

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
from harness.gate.stats import Statistic, bootstrap_statistic, is_binary, mcnemar_exact, paired_bootstrap

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
    a = compare(cand, base, "overall/passes", resamples=2000)
    b = compare(reordered, base, "overall/passes", resamples=2000)
    assert a.bootstrap == b.bootstrap and a.mcnemar == b.mcnemar


def test_identical_runs_give_a_degenerate_zero_interval():
    base = _record("base-1.5b.json")
    cmp = compare(base, base, "gen/passes", resamples=500)
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


def test_mcnemar_agrees_with_scipy_when_available():
    stats = pytest.importorskip("scipy.stats")
    result = mcnemar_exact([1] * 17 + [0] * 6, [0] * 17 + [1] * 6)
    assert result.p_value == pytest.approx(stats.binomtest(6, 23, 0.5).pvalue)


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
        cmp = compare(noise, base, "overall/passes", resamples=1000, seed=seed)
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
        detected += compare(better, base, "overall/passes", resamples=1000, seed=seed).gain_ci.low > 0
    assert detected >= 16
