"""Code tasks carry the reference's run on each frozen case (`reference_runs`, recorded at build):
checking an answer against the records gives exactly the verdict of running the reference (passes,
failures, counterexamples, cycle statistics), runs the reference only where the answer differs,
falls back to live runs where a record does not apply, and refuses stale, foreign or malformed
records instead of scoring with them."""

from __future__ import annotations

import base64
import dataclasses
import zlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.dataset import bundled_data_dir, load_tasks
from harness.emu.state import StopReason
from harness.errors import TaskDataError
from harness.suite.mutate import mutants
from harness.suite.validate import check_task
from harness.verify import equivalence
from harness.verify.equivalence import (
    Outcome,
    _compare,
    check_equivalence,
    comparison_digest,
    measure_reference_runs,
)
from harness.verify.reference_runs import ReferenceRun, decode_runs, encode_runs
from harness.verify.spec import parse_spec

pytestmark = pytest.mark.usefixtures("asar")


def _tasks() -> list[dict[str, Any]]:
    """One task per code family and one hook task (assembled against a base image), with records."""
    picked = []
    for family in ("gen", "optimize", "fix"):
        tasks = load_tasks(bundled_data_dir() / f"{family}.jsonl")
        picked.append(tasks[0])
        if family == "gen":
            picked.append(next(task for task in tasks if task.get("base")))
    return picked


TASKS = _tasks()


def _without_runs(task: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in task.items() if key != "reference_runs"}


def _answers(task: dict[str, Any]) -> list[str]:
    """The reference, its first mutants (most fail, with counterexamples) and the task's baseline."""
    sources = [task["reference"], *(mutant.source for mutant in mutants(task["reference"])[:5])]
    return [*sources, *([task["baseline"]] if task.get("baseline") else [])]


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task["id"])
def test_bundled_records_are_what_the_reference_gives_now(task: dict[str, Any]) -> None:
    assert task["reference_runs"] == encode_runs(task, measure_reference_runs(task))


@pytest.mark.parametrize("task", TASKS, ids=lambda task: task["id"])
def test_verdicts_with_records_equal_running_the_reference(task: dict[str, Any]) -> None:
    live = _without_runs(task)
    for source in _answers(task):
        assert check_equivalence(task, source) == check_equivalence(live, source)


def test_a_matching_answer_never_runs_the_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    task = TASKS[0]
    check_equivalence(task, "RTS")  # assembles and loads the reference before the runner is replaced

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reference ran although every case has a record")

    monkeypatch.setattr(equivalence._ReferenceRunner, "outcome", refuse)
    verdict = check_equivalence(task, task["reference"])
    assert verdict.passes and verdict.cases_run == task["frozen_cases"]["count"]


def _with_records(task: dict[str, Any], change: Any) -> dict[str, Any]:
    runs = measure_reference_runs(_without_runs(task))
    return {**task, "reference_runs": encode_runs(task, [change(run) for run in runs])}


def test_a_record_for_another_caller_is_not_used() -> None:
    """A record measured with another return address (the answer's code moved the caller) is ignored:
    the reference runs live, so even a nonsense digest gives the live verdict."""
    task = TASKS[1]
    moved = _with_records(task, lambda run: run._replace(caller=run.caller ^ 0x10, digest=b"\xff" * 8))
    for source in _answers(task)[:3]:
        assert check_equivalence(moved, source) == check_equivalence(_without_runs(task), source)


def test_a_stale_record_is_a_task_error_not_a_verdict() -> None:
    task = TASKS[0]
    stale = _with_records(task, lambda run: run._replace(digest=b"\x00" * 8))
    with pytest.raises(TaskDataError, match="rebuild the data"):
        check_equivalence(stale, task["reference"])
    assert any("reference_runs" in problem.detail for problem in check_task(stale))


def test_records_of_an_edited_task_are_refused() -> None:
    task = TASKS[0]
    edited = {**task, "spec": {**task["spec"], "seed": task["spec"].get("seed", 0) + 1}}
    with pytest.raises(TaskDataError, match="another version of this task"):
        check_equivalence(edited, task["reference"])


@pytest.mark.parametrize(
    "change",
    [
        lambda stored: "runs",
        lambda stored: {**stored, "format": "asm65816-reference-runs/0"},
        lambda stored: {**stored, "data": "not base64!"},
        lambda stored: {**stored, "count": stored["count"] - 1},
        lambda stored: {
            **stored,
            "data": base64.b64encode(zlib.compress(b"\x00" * 23)).decode(),
        },
    ],
    ids=["not-an-object", "format", "base64", "count", "record-size"],
)
def test_malformed_records_are_a_task_error(change: Any) -> None:
    task = TASKS[0]
    broken = {**task, "reference_runs": change(task["reference_runs"])}
    with pytest.raises(TaskDataError, match="reference_runs"):
        check_equivalence(broken, task["reference"])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("call", {"jsr"}),
        ("origin", {0x8000}),
        ("frozen_cases", {"format": "asm65816-cases/1", "data": b"\x00"}),
        ("reference_runs", {"format": "asm65816-reference-runs/1", "data": b"\x00"}),
    ],
)
def test_fields_that_are_not_json_data_are_a_task_error(field: str, value: object) -> None:
    """Tasks built in Python can hold anything; a set or bytes where JSON belongs is named, not a crash."""
    task = TASKS[0]
    with pytest.raises(TaskDataError, match=field):
        check_equivalence({**task, field: value}, task["reference"])


def test_records_round_trip() -> None:
    task = TASKS[0]
    runs = measure_reference_runs(_without_runs(task))
    assert all(isinstance(run, ReferenceRun) and len(run.digest) == 8 for run in runs)
    assert decode_runs({**task, "reference_runs": encode_runs(task, runs)}, len(runs)) == tuple(runs)
    assert decode_runs(_without_runs(task), len(runs)) is None


def test_every_bundled_code_task_has_records() -> None:
    for family in ("gen", "optimize", "fix"):
        for task in load_tasks(bundled_data_dir() / f"{family}.jsonl"):
            assert task.get("reference_runs", {}).get("count") == task["frozen_cases"]["count"], task["id"]


# The digest stands in for the reference's outcome: equal digests must mean exactly "the comparison
# finds nothing", for every kind of difference (outputs, I/O order, compared and ignored hardware
# state, state a writable register makes free, acknowledged flags) and both kinds of spec.
_HARDWARE_NAMES = ("NMI_FLAG", "RDDIV", "VMAIN", "MEMSEL", "$2105", "$4016")
_SPECS = {
    "plain": {"outputs": ["$7E0010", "A.lo"]},
    "writable-registers": {"outputs": ["$7E0010", "A.lo"], "writable": ["$002105", "$00420D"]},
}


_small = st.integers(0, 3)
OUTCOMES = st.builds(
    lambda outputs, io, hardware, acknowledged: Outcome(
        stop=StopReason.RETURNED,
        detail="returned to the caller",
        returned_by="RTS",
        cycles=10,
        clocks=60,
        outputs=outputs,
        preserve_before=(),
        preserve_after=(),
        convention_before=(),
        convention_after=(),
        written=(),
        io=io,
        acknowledged=acknowledged,
        hardware=hardware,
    ),
    st.tuples(_small, _small),
    st.lists(st.tuples(st.sampled_from([0x2100, 0x2105, 0x4016]), _small), max_size=2).map(tuple),
    st.dictionaries(st.sampled_from(_HARDWARE_NAMES), _small),
    st.frozensets(st.sampled_from([0x4210, 0x4211])),
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(_SPECS)), OUTCOMES, OUTCOMES)
def test_equal_digests_mean_the_comparison_finds_nothing(spec_name: str, first: Outcome, second: Outcome):
    spec = parse_spec(_SPECS[spec_name])
    same = comparison_digest(first, spec) == comparison_digest(second, spec)
    assert same == (_compare(first, second, spec) is None)
    reordered = dataclasses.replace(first, hardware=dict(reversed(list(first.hardware.items()))))
    assert comparison_digest(reordered, spec) == comparison_digest(first, spec)  # report order is no content
