"""The optional judge scorer: a grade counts only with a verbatim quote from the explanation, and the
judge grades against what running the routine showed, not its own reading of the code."""

from __future__ import annotations

import pytest

from harness.score import build_judge_prompt, judge_explanations, parse_judgement

TASK = {
    "id": "e1",
    "prompt": "Explain:\nSTZ $10\nRTS",
    "answer": {"facts": [{"id": "clears-10", "any": ["x"]}]},
}
TEXT = "It clears the byte at $10 and returns."


class FakeJudge:
    """Stands in for an lm-eval LM: returns canned replies and records the prompts."""

    def __init__(self, replies):
        self.replies = replies
        self.prompts = []

    def generate_until(self, requests):
        self.prompts.extend(r.arguments[0] for r in requests)
        return self.replies[: len(requests)]


def test_quote_must_be_in_the_explanation():
    assert parse_judgement('SCORE: 2\nQUOTE: "clears the byte at $10"', TEXT) == {
        "judge_score": 1.0,
        "judge_valid": 1.0,
    }
    assert parse_judgement('SCORE: 2\nQUOTE: "sets up DMA"', TEXT) == {"judge_score": 0.0, "judge_valid": 0.0}
    assert parse_judgement("SCORE: 1", TEXT)["judge_valid"] == 0.0
    assert parse_judgement("SCORE: 0", TEXT) == {"judge_score": 0.0, "judge_valid": 1.0}
    assert parse_judgement(None, TEXT)["judge_score"] == 0.0


def test_judge_batch_with_fake_lm():
    judge = FakeJudge(['SCORE: 1\nQUOTE: "It clears"', "nonsense"])
    scores = judge_explanations(judge, [(TASK, TEXT), (TASK, "other")])
    assert scores == [{"judge_score": 0.5, "judge_valid": 1.0}, {"judge_score": 0.0, "judge_valid": 0.0}]
    assert "clears-10" in judge.prompts[0] and TEXT in judge.prompts[0]
    assert "QUOTE" in build_judge_prompt(TASK, TEXT)


def test_the_judge_sees_the_measured_truth_of_a_measurable_task():
    from harness.asar import find_asar
    from harness.errors import ToolMissingError
    from harness.suite.families import explain_task
    from harness.suite.kernels import build_routine

    try:
        find_asar()
    except ToolMissingError as error:
        pytest.skip(f"ASAR is not available: {error}")
    task = explain_task(build_routine("sprite_damage", 2), "explain-1", 2)
    prompt = build_judge_prompt(task, TEXT)
    assert "Measured by running the routine" in prompt and "Facts a complete answer states" not in prompt
    assert "writes: $7E0DD0..$7E0DDF, $7E0E50..$7E0E5F" in prompt
    asked = task["answer"]["probe"]["asked"][0]
    assert f"on the example input: {asked}=$" in prompt


def test_a_task_that_cannot_be_measured_falls_back_to_its_fact_names():
    assert "Facts a complete answer states: clears-10" in build_judge_prompt(TASK, TEXT)
