"""Optimize tasks carry their baseline's cycle statistics (measured at build time on the frozen cases):
scoring with them gives exactly the metrics of measuring now, bad values are task errors, and
`tasks validate` catches stored values that no longer match a fresh measurement."""

from __future__ import annotations

import pytest

from harness.dataset import bundled_data_dir, load_tasks
from harness.errors import TaskDataError
from harness.score.families import BaselineStats, measure_baseline, score_optimize
from harness.suite.validate import check_task

pytestmark = pytest.mark.usefixtures("asar")


@pytest.fixture(scope="module")
def task() -> dict:
    return load_tasks(bundled_data_dir() / "optimize.jsonl")[0]


def test_stored_statistics_are_what_a_fresh_measurement_gives(task: dict) -> None:
    assert task["baseline_stats"] == measure_baseline(task).to_json()


def test_scoring_with_stored_statistics_equals_measuring_now(task: dict) -> None:
    answers = [f"```asm\n{task['reference']}```", f"```asm\n{task['baseline']}```", "no code"]
    unstored = {k: v for k, v in task.items() if k != "baseline_stats"}
    for answer in answers:
        assert score_optimize(task, [answer]).metrics == score_optimize(unstored, [answer]).metrics


@pytest.mark.parametrize(
    "stats",
    [{"cycles_mean": 10.0}, {**dict.fromkeys(BaselineStats.FIELDS, 1.0), "bytes": -1}, "fast"],
)
def test_malformed_statistics_are_a_task_error(task: dict, stats: object) -> None:
    with pytest.raises(TaskDataError, match="baseline_stats"):
        score_optimize({**task, "baseline_stats": stats}, ["```asm\nRTS\n```"])


def test_validate_catches_stale_statistics(task: dict) -> None:
    stale = {**task, "baseline_stats": {**task["baseline_stats"], "cycles_mean": 9999.0}}
    assert any("baseline_stats" in problem.detail for problem in check_task(stale))
    assert check_task(task) == []
