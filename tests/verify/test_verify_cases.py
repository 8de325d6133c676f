"""Case plans: stored with the task, replayed without hypothesis, cached on disk when absent."""

from __future__ import annotations

import pytest

from harness.errors import TaskDataError
from harness.verify import cases as plans
from harness.verify import check_equivalence, parse_spec, states

TASK = {
    "id": "add",
    "family": "gen",
    "entry": "Add",
    "reference": "Add:\n    CLC\n    ADC #$05\n    RTS\n",
    "spec": {
        "inputs": {"A.lo": [0, 255], "$7E0010": {"range": [0, 255], "boundaries": [250, 251]}},
        "outputs": ["A.lo"],
        "cases": 24,
        "seed": 5,
    },
}
WRONG = "Add:\n    ADC #$05\n    RTS\n"  # no CLC: depends on the entry carry


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    from harness.asar import find_asar

    monkeypatch.setenv("ASAR_PATH", str(find_asar().path))  # the binary stays where it is
    monkeypatch.setenv("ASM65816_CACHE", str(tmp_path))
    plans.plan_for.cache_clear()
    yield tmp_path
    plans.plan_for.cache_clear()


def _frozen(task):
    spec = parse_spec(task["spec"])
    plan = plans.plan_for(spec, (), None)
    return {**task, "frozen_cases": plans.encode_plan(spec, plan)}, plan


def test_round_trip_and_boundaries_come_first(private_cache):
    task, plan = _frozen(TASK)
    spec = parse_spec(TASK["spec"])
    assert plans.decode_plan(spec, task["frozen_cases"]) == plan
    assert [case.values[0] for case in plan[:2]] == [250, 251]  # ($7E0010, A.lo): declared boundaries first


def test_scoring_a_frozen_task_never_runs_hypothesis(private_cache, monkeypatch):
    task, _ = _frozen(TASK)
    before = check_equivalence(task, WRONG).to_json()
    plans.plan_for.cache_clear()

    def refuse(*_args, **_kwargs):
        raise AssertionError("hypothesis ran while scoring a task with frozen cases")

    monkeypatch.setattr(plans, "generated_cases", refuse)
    monkeypatch.setattr(states, "generated_cases", refuse)
    assert check_equivalence(task, WRONG).to_json() == before
    assert not before["passes"]


def test_results_do_not_depend_on_the_hypothesis_version(private_cache, monkeypatch):
    task, plan = _frozen(TASK)
    verdict = check_equivalence(task, WRONG).to_json()
    # another hypothesis: a different generator version and different generated cases
    monkeypatch.setattr(plans, "generator_version", lambda: "asm65816-plan/1 hypothesis/0.0.0-other")
    monkeypatch.setattr(plans, "generated_cases", lambda spec, count: tuple(reversed(plan))[:count])
    plans.plan_for.cache_clear()
    assert check_equivalence(task, WRONG).to_json() == verdict


def test_a_task_without_stored_cases_is_planned_once_and_cached(private_cache, monkeypatch):
    first = check_equivalence(TASK, WRONG).to_json()
    assert list((private_cache / "cases").glob("*.json"))
    plans.plan_for.cache_clear()
    monkeypatch.setattr(
        plans, "generated_cases", lambda *a: pytest.fail("planned twice: the cache was not used")
    )
    assert check_equivalence(TASK, WRONG).to_json() == first


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda f: {**f, "widths": [2, 2]}, "widths"),
        (lambda f: {**f, "count": f["count"] + 1}, "do not hold"),
        (lambda f: {**f, "data": "not base64!"}, "base64"),
        (lambda f: {**f, "format": "other"}, "format"),
    ],
)
def test_damaged_stored_cases_are_a_task_error(private_cache, mutate, message):
    task, _ = _frozen(TASK)
    with pytest.raises(TaskDataError, match=message):
        check_equivalence(
            {**task, "id": f"bad-{message}", "frozen_cases": mutate(task["frozen_cases"])}, WRONG
        )


def test_a_stored_value_outside_its_domain_is_a_task_error(private_cache):
    spec = parse_spec({"inputs": {"X": [0, 15]}, "cases": 2})
    stored = plans.encode_plan(spec, [states.Case((3,), 1), states.Case((200,), 2)])
    with pytest.raises(TaskDataError, match="outside its domain"):
        plans.decode_plan(spec, stored)
