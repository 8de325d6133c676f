"""Aggregation: pass@k (unbiased estimator), means, geometric mean for ratios."""

from __future__ import annotations

import math
from itertools import combinations

import pytest

from harness.score import aggregate_metrics, geometric_mean, mean, pass_at_k, pass_at_k_metrics


def _brute_pass_at_k(n, c, k):
    # probability that a random k-subset of n completions (c correct) holds at least one correct one
    outcomes = [True] * c + [False] * (n - c)
    subsets = list(combinations(range(n), k))
    return sum(any(outcomes[i] for i in s) for s in subsets) / len(subsets)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 0, 1), (5, 1, 1), (5, 2, 3), (6, 3, 5), (4, 4, 2), (7, 1, 7)])
def test_pass_at_k_matches_brute_force(n, c, k):
    assert pass_at_k(n, c, k) == pytest.approx(_brute_pass_at_k(n, c, k))


def test_pass_at_k_rejects_bad_arguments():
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_pass_at_k_metrics_only_for_k_up_to_n():
    assert set(pass_at_k_metrics([True, False, False])) == {"pass@1"}
    metrics = pass_at_k_metrics([True] + [False] * 9)
    assert metrics["pass@1"] == pytest.approx(0.1) and metrics["pass@10"] == 1.0


def test_geometric_mean_for_speedup():
    rows = [{"passes": 1.0, "speedup": 2.0}, {"passes": 1.0, "speedup": 0.5}, {"passes": 0.0}]
    result = aggregate_metrics(rows)
    assert result["speedup"] == pytest.approx(1.0)  # a 2x win and a 2x loss cancel
    assert result["passes"] == pytest.approx(2 / 3)
    assert result["n"] == 3


def test_means():
    assert mean([]) is None and geometric_mean([]) is None
    assert mean([1, 2]) == 1.5
    assert geometric_mean([1, 4]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        geometric_mean([0.0, 1.0])
    assert math.isclose(geometric_mean([3.0] * 1000), 3.0)


def test_aggregate_is_order_independent():
    rows = [{"a": 0.1, "speedup": 1.3}, {"a": 0.7, "speedup": 0.9}, {"a": 0.2, "speedup": 2.2}]
    assert aggregate_metrics(rows) == aggregate_metrics(list(reversed(rows)))
