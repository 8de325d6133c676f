"""The optional judge scorer: a grade counts only with a verbatim quote from the explanation."""

from __future__ import annotations

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
