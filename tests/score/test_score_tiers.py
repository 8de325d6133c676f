"""Per-tier results: a model that only solves the easy third is visible as such, in JSON and tables."""

from __future__ import annotations

import json

from harness.core.results import DatasetIdentity, SampleScore
from harness.score.offline import build_results, dumps_results, format_table, tier_metrics

IDENTITY = DatasetIdentity("asm65816", "test", None)


def _sample(task_id: str, tier: str | None, passed: bool, family: str = "gen") -> SampleScore:
    value = 1.0 if passed else 0.0
    return SampleScore(task_id, family, {"assembles": 1.0, "pass@1": value}, None, tier=tier)


def test_each_tier_reports_the_primary_metric_and_its_count() -> None:
    samples = [
        _sample("a", "easy", True),
        _sample("b", "easy", True),
        _sample("c", "hard", False),
        _sample("d", "medium", True),
        _sample("e", "medium", False),
    ]
    tiers = tier_metrics(samples)
    assert tiers == {
        "gen": {
            "easy": {"pass@1": 1.0, "n": 2.0},
            "hard": {"pass@1": 0.0, "n": 1.0},
            "medium": {"pass@1": 0.5, "n": 2.0},
        }
    }


def test_results_json_and_the_table_carry_the_tiers() -> None:
    results = build_results(
        [_sample("a", "easy", True), _sample("b", "hard", False)], dataset=IDENTITY, model="m"
    )
    data = json.loads(dumps_results(results))
    assert data["tiers"]["gen"]["easy"]["pass@1"] == 1.0
    assert [s.get("tier") for s in data["samples"]] == ["easy", "hard"]
    table = format_table(results)
    assert "by difficulty tier" in table
    assert "1.000 (1)" in table and "0.000 (1)" in table


def test_task_errors_and_untiered_tasks_stay_out_of_the_tiers() -> None:
    broken = SampleScore("x", "gen", {}, "task_error: broken", task_error=True, tier="easy")
    results = build_results([broken, _sample("y", None, True)], dataset=IDENTITY, model="m")
    assert results.tiers == {}
    assert "tiers" not in json.loads(dumps_results(results))
    assert "by difficulty tier" not in format_table(results)
