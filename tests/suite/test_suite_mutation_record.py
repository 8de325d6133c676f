"""The mutation record: computed once with the data, verified by `tasks validate` in seconds."""

from __future__ import annotations

import copy

import pytest

from harness.suite.families import gen_task
from harness.suite.kernels import build_routine
from harness.suite.validate import check_mutation_record, mutation_record


@pytest.fixture(scope="module")
def docs():
    from harness.asar import find_asar

    find_asar()
    return [gen_task(build_routine("fill_block", seed), f"gen-{seed}", seed) for seed in (3, 4)]


@pytest.fixture(scope="module")
def record(docs):
    return mutation_record(docs, workers=1)


def test_a_current_record_verifies_and_gives_every_mutants_outcome(docs, record):
    problems, outcomes = check_mutation_record(docs, record, sample=2, seed=0, workers=1)
    assert problems == []
    assert len(outcomes) == sum(entry["mutants"] for entry in record["tasks"].values())


def test_a_record_that_lies_about_a_verdict_is_caught(docs, record):
    lying = copy.deepcopy(record)
    entry = lying["tasks"]["gen-3"]
    survivors = {index for index, _, _ in entry["not_killed"]}
    killed = next(index for index in range(entry["mutants"]) if index not in survivors)
    entry["not_killed"] = [[index, "equivalent?", "lie"] for index in range(entry["mutants"])]
    problems, _ = check_mutation_record(docs, lying, sample=10, seed=0, workers=1)
    assert any("recorded equivalent?" in p.detail for p in problems), (killed, problems)


def test_a_stale_record_is_refused(docs, record):
    changed = [dict(docs[0], reference=docs[0]["reference"].replace("RTS", "RTS\n", 1)), docs[1]]
    problems, _ = check_mutation_record(changed, record, sample=0, seed=0, workers=1)
    assert [p.check for p in problems] == ["mutation-record"]
