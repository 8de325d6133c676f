"""Content-free guessers score chance on every family, through the real scorer; a guesser that beats
chance, or a scorer that crashes on a guess, fails the report."""

from __future__ import annotations

import pytest

from harness.suite.families import (
    explain_problems,
    explain_task,
    fix_task,
    gen_task,
    optimize_task,
    routine_trace_task,
)
from harness.suite.guessers import GUESSERS, Guesser, chance_level, run_guessers
from harness.suite.kernels import KERNELS, build_routine
from harness.suite.mc import mc_task

pytestmark = pytest.mark.usefixtures("asar")  # skip, naming the fix, without ASAR


def _explain_docs(kernels: list[str]) -> list[dict]:
    index = {kernel: i for i, kernel in enumerate(KERNELS)}
    return [
        explain_task(build_routine(k, 41 + index[k]), f"explain-{index[k]:02d}", 41 + index[k])
        for k in kernels
    ]


@pytest.fixture(scope="module")
def explain_docs() -> list[dict]:
    """Explain tasks of every eighth kernel: every family of routine, in a few seconds (the sweep over
    all kernels is `test_every_kernel_s_explain_task_is_sound`, marked slow)."""
    return _explain_docs(list(KERNELS)[::8])


def test_content_free_explanations_score_at_most_0_1_on_every_task(explain_docs: list[dict]) -> None:
    report = run_guessers(explain_docs, guessers=[g for g in GUESSERS if "explain" in g.families])
    assert {s.guesser for s in report.scores} >= {"boilerplate", "keyword-list", "empty-summary", "echo-code"}
    assert [
        (s.guesser, s.best_task, s.best_task_score) for s in report.scores if s.best_task_score > 0.10
    ] == []
    assert report.ok


def test_the_gold_explanation_scores_full_marks_and_the_checker_agrees(explain_docs: list[dict]) -> None:
    from harness.score import score_sample

    scores = {doc["id"]: score_sample(doc, doc["answer"]["example"])["explain_score"] for doc in explain_docs}
    assert min(scores.values()) == 1.0, scores
    assert {doc["id"]: explain_problems(doc) for doc in explain_docs} == {
        doc["id"]: [] for doc in explain_docs
    }
    spoiled = {
        **explain_docs[0],
        "answer": {**explain_docs[0]["answer"], "example": "reads: A\nwrites: nothing"},
    }
    assert any("gold answer scores" in p for p in explain_problems(spoiled))
    assert explain_problems({**explain_docs[0], "answer": {}}) == [
        "answer.probe is missing (the example input and asked locations): rebuild the task"
    ]


def _traceable_task() -> dict:
    """A trace task the builder would accept (its answer is neither all zeros nor the inputs echoed)."""
    from harness.suite.validate import guessable_trace

    for seed in range(5, 60):
        doc = routine_trace_task(build_routine("sprite_damage", seed), "trace-1", seed)
        if guessable_trace(doc) is None:
            return doc
    raise AssertionError("no traceable sprite_damage task in 55 seeds")


def test_every_family_at_chance_on_a_small_suite() -> None:
    # mc: the cheap kind, enough questions for the 0.10 margin to mean something (the other kinds are
    # measured in test_metrics_mc); every other family: one task of each (chance is 0 there)
    docs = [mc_task("assembles", f"mc-{i}", 600_000 + i, i % 4) for i in range(200)]
    routine = build_routine("sprite_damage", 5)
    docs += [
        _traceable_task(),
        gen_task(routine, "gen-1", 5),
        optimize_task(routine, routine.slow[0], "optimize-1", 5),
        fix_task(routine, routine.bugs[0], "fix-1", 5),
    ]
    from harness.verify import expected_state

    docs[200]["answer"] = expected_state(docs[200])
    report = run_guessers(docs, guessers=[g for g in GUESSERS if g.families != ("explain",)])
    assert report.ok, "\n".join(report.lines())
    rows = {(s.guesser, s.family): s for s in report.scores}
    assert rows[("code-baseline", "fix")].score == 0.0  # the buggy baseline echoed back fails
    assert rows[("code-baseline", "optimize")].score == 0.0  # the slow baseline is not an improvement
    assert rows[("mc-always-first", "mc")].score == 0.25 == rows[("mc-always-first", "mc")].chance
    assert any(s.family == "mc:assembles" and s.breakdown for s in report.scores)


def test_a_guesser_that_beats_chance_fails_and_the_table_says_so() -> None:
    docs = [mc_task("assembles", f"mc-{i}", 10 + i, i % 4) for i in range(8)]
    cheat = Guesser("peeks-at-gold", ("mc",), lambda doc: "ABCD"[doc["answer"]["gold"]])
    report = run_guessers(docs, guessers=[cheat, *[g for g in GUESSERS if g.name == "mc-always-first"]])
    assert not report.ok and [s.guesser for s in report.failures] == ["peeks-at-gold"]
    table = "\n".join(report.lines())
    assert "peeks-at-gold" in table and "FAIL" in table and "mc-always-first" in table
    assert report.to_json()["ok"] is False
    assert chance_level(docs[0]) == 0.25


def test_a_scorer_that_raises_on_a_guess_fails_the_report_instead_of_scoring_zero() -> None:
    broken = {**explain_task(build_routine("sign_extend", 3), "explain-x", 3)}
    broken["answer"] = {"facts": []}  # no example: the scorer raises TaskDataError
    report = run_guessers([broken], guessers=[g for g in GUESSERS if g.name == "boilerplate"])
    assert not report.ok and report.failures[0].errors == 1
    assert "explain-x" in report.failures[0].first_error


@pytest.mark.slow
def test_every_kernel_s_explain_task_is_sound() -> None:
    docs = _explain_docs(list(KERNELS))
    assert {doc["id"]: explain_problems(doc) for doc in docs} == {doc["id"]: [] for doc in docs}
    report = run_guessers(docs, guessers=[g for g in GUESSERS if "explain" in g.families])
    assert [
        (s.guesser, s.best_task, s.best_task_score) for s in report.scores if s.best_task_score > 0.10
    ] == []
