"""The validator must catch broken tasks: it is only worth something if it can fail."""

from __future__ import annotations

import copy

import pytest

from harness.suite.build import build_all
from harness.suite.families import explain_task, fix_task, gen_task, optimize_task
from harness.suite.kernels import KERNELS, build_routine
from harness.suite.prompts import prompt_spec_problems
from harness.suite.routines import Draft
from harness.suite.validate import MutantStatus, check_ids, check_task, domain_problems, mutate_task


def _checks(doc: dict) -> list[str]:
    return [p.detail for p in check_task(doc)]


def _as_built(doc: dict) -> dict:
    """The task as the builder stores it: with its case plan frozen in (`tasks validate` wants one)."""
    from harness.suite.build import freeze

    freeze(doc, {})
    return doc


def test_duplicate_ids_are_reported() -> None:
    problems = check_ids([{"id": "gen-0001"}, {"id": "gen-0001"}, {"id": "gen-0002"}])
    assert [(p.task_id, p.check) for p in problems] == [("gen-0001", "unique-id")]


def test_prompt_without_mode_is_reported(asar: None) -> None:
    doc = gen_task(build_routine("sprite_damage", 1), "gen-x", 1)
    doc["prompt"] = doc["prompt"].replace("m=1", "m one")
    assert any("CPU mode" in p for p in _checks(doc))


def test_fix_baseline_that_passes_is_reported(asar: None) -> None:
    routine = build_routine("tick_timers", 3)
    doc = fix_task(routine, Draft("fake", routine.reference, "not a bug"), "fix-x", 3)
    assert any("fix baseline passes" in p for p in _checks(doc))


def test_optimize_baseline_not_slower_is_reported(asar: None) -> None:
    routine = build_routine("tick_timers", 3)
    doc = optimize_task(routine, Draft("same", routine.reference, "identical"), "opt-x", 3)
    assert any("not slower" in p for p in _checks(doc))


def test_optimize_baseline_that_is_wrong_is_reported(asar: None) -> None:
    routine = build_routine("tick_timers", 3)
    doc = optimize_task(routine, routine.bugs[0], "opt-x", 3)
    assert any("baseline fails" in p for p in _checks(doc))


def test_broken_reference_is_reported(asar: None) -> None:
    doc = gen_task(build_routine("sprite_damage", 1), "gen-x", 1)
    doc["reference"] = doc["reference"].replace("RTS", "RTZ", 1)
    assert any("the reference does not assemble" in p for p in _checks(doc))


def test_explain_whose_gold_answer_does_not_earn_the_whole_score_is_reported(asar: None) -> None:
    doc = _as_built(explain_task(build_routine("sprite_damage", 2), "explain-x", 2))
    assert _checks(doc) == []
    bad = copy.deepcopy(doc)
    bad["answer"]["example"] = "It does something with a table."
    assert any("the gold answer scores" in p and "not 1" in p for p in _checks(bad))
    bad = copy.deepcopy(doc)
    del bad["answer"]["probe"]
    assert any("answer.probe is missing" in p for p in _checks(bad))


@pytest.fixture(scope="module")
def small_build() -> dict:
    return build_all({"gen": 1, "optimize": 1, "trace": 2, "explain": 1, "fix": 1, "mc": 4}).files


def test_wrong_trace_answer_is_reported(asar: None, small_build: dict) -> None:
    doc = copy.deepcopy(small_build["trace.jsonl"][0])
    assert _checks(doc) == []
    first = next(iter(doc["answer"]))
    doc["answer"][first] ^= 1
    assert any("differs from the emulator" in p for p in _checks(doc))


def test_wrong_mc_gold_is_reported(asar: None, small_build: dict) -> None:
    for doc in small_build["mc.jsonl"]:
        assert _checks(doc) == [], doc["id"]
        wrong = copy.deepcopy(doc)
        wrong["answer"]["gold"] = (doc["answer"]["gold"] + 1) % len(doc["answer"]["choices"])
        assert _checks(wrong), doc["answer"]["verify"]["kind"]


def test_build_is_deterministic(asar: None, small_build: dict) -> None:
    again = build_all({"gen": 1, "optimize": 1, "trace": 2, "explain": 1, "fix": 1, "mc": 4}).files
    assert again == small_build


def test_every_kernel_builds_and_its_drafts_differ_from_the_reference() -> None:
    for name in KERNELS:
        for seed in range(3):
            routine = build_routine(name, seed)
            assert routine.bugs and routine.facts and routine.explanation
            assert all(d.source != routine.reference for d in (*routine.slow, *routine.bugs))


def test_mutation_kills_with_a_strong_spec_and_flags_a_weak_one(asar: None) -> None:
    doc = gen_task(build_routine("sprite_damage", 1), "gen-x", 1)
    outcomes = mutate_task(doc)
    counted = [o for o in outcomes if o.status not in (MutantStatus.STILLBORN, MutantStatus.IDENTICAL)]
    assert counted and all(o.status is MutantStatus.KILLED for o in counted)
    weak = copy.deepcopy(doc)
    # forget the HP table (and allow writes around it): `STA $0E50,X` -> `,Y` survives
    weak["spec"]["outputs"] = ["$7E0DD0..$7E0DDF"]
    weak["spec"]["writable"].append("$7E0E50..$7E0F4F")
    store_line = 1 + next(
        i for i, line in enumerate(doc["reference"].split("\n")) if line.strip().startswith("STA")
    )
    survivors = [(o.line, o.description) for o in mutate_task(weak) if o.survived]
    assert (store_line, ",X -> ,Y") in survivors


def test_domain_check_reports_value_lists_and_unstated_restrictions() -> None:
    doc = gen_task(build_routine("sprite_damage", 1), "gen-x", 1)
    assert domain_problems(doc) == []
    listed = copy.deepcopy(doc)
    listed["spec"]["inputs"]["X"] = {"values": list(range(16))}
    assert any(p.startswith("X: an input value list") for p in domain_problems(listed))
    # a restriction the prompt does not state is the prompt/spec check's to find
    unstated = copy.deepcopy(doc)
    unstated["spec"]["inputs"]["$7E0E50..$7E0E5F"] = [0x13, 0xE7]
    assert domain_problems(unstated) == []
    assert any("$7E0E50..$7E0E5F" in p and "not stated" in p for p in prompt_spec_problems(unstated))
    narrower = copy.deepcopy(doc)  # the prompt still says X is 0-15
    narrower["spec"]["inputs"]["X"] = [3, 13]
    assert any(p.startswith("input X") for p in prompt_spec_problems(narrower))


def test_every_kernel_draws_its_inputs_from_full_or_stated_ranges() -> None:
    for name in KERNELS:
        for seed in range(3):
            routine = build_routine(name, seed)
            docs = [gen_task(routine, "gen-x", seed), fix_task(routine, routine.bugs[0], "fix-x", seed)]
            for doc in docs:
                assert domain_problems(doc) == [], (name, seed, doc["family"])


def _old_domain(doc: dict, inputs: dict) -> dict:
    """The task with the narrow value lists of dataset 1.1.0 put back (and a fresh case plan)."""
    narrow = copy.deepcopy(doc)
    narrow.pop("frozen_cases", None)
    narrow["spec"]["inputs"] = inputs
    return narrow


def test_a_routine_that_handles_only_the_old_listed_states_fails(asar: None) -> None:
    from harness.verify import check_equivalence

    routine = build_routine("count_active", 4)
    doc = gen_task(routine, "gen-x", 4)
    # counts only states with bit 0, 3 or 7 set: right for every state 1.1.0 tried (0, 1, 8, 9, $80)
    lines = routine.reference.split("\n")
    load = next(i for i, line in enumerate(lines) if line.strip().startswith("LDA") and ",X" in line)
    narrow = "\n".join([*lines[: load + 1], "    AND #$89", *lines[load + 1 :]])
    old = _old_domain(doc, {"$7E0DD0..$7E0DDF": {"values": [0, 0, 0, 1, 8, 9, 0x80]}})
    assert check_equivalence(old, narrow).passes
    assert not check_equivalence(doc, narrow).passes


def test_a_dispatch_without_the_high_byte_mask_fails(asar: None) -> None:
    from harness.verify import check_equivalence

    routine = build_routine("jump_dispatch", 2)
    doc = gen_task(routine, "gen-x", 2)
    unmasked = next(b for b in routine.bugs if b.name == "no-mask").source
    assert "AND #$00FF" not in unmasked
    states = len(routine.params["handlers"])
    pinned = {**doc["spec"]["inputs"], "A": {"values": list(range(states))}}
    assert check_equivalence(_old_domain(doc, pinned), unmasked).passes
    assert not check_equivalence(doc, unmasked).passes


def test_busy_tables_mix_free_and_busy_entries_in_the_edge_cases() -> None:
    """The free/busy patterns `busy_table` promises hold under the verifier's edge-case order."""
    import random

    from harness.suite.kernels.common import BUSY_PERIOD, busy_table
    from harness.verify.spec import parse_spec
    from harness.verify.states import edge_cases

    inputs = busy_table(0x0DD0, 17, random.Random(7), alone=(0, 16))
    spec = parse_spec({"mode": {"e": 0, "m": 1, "x": 1}, "inputs": inputs, "outputs": ["A.lo"], "seed": 7})
    free = [{i for i, v in enumerate(case.values) if v == 0} for case in edge_cases(spec)]
    assert len(free) == BUSY_PERIOD
    assert set() in free and {0} in free and {16} in free
    assert all(sum(i in cells for cells in free) == 1 for i in range(17))
    assert len({frozenset(cells) for cells in free}) == BUSY_PERIOD
