"""Family scorers on the trap tasks: metric names, ranges, error and counterexample (real tools)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import TaskDataError, ToolMismatchError, ToolMissingError
from harness.score import mc_choice, score_sample, score_sample_detailed

TRAPS = Path(__file__).resolve().parents[2] / "fixtures" / "traps"


def _task(task_id: str) -> dict:
    for line in (TRAPS / "tasks.jsonl").read_text().splitlines():
        task = json.loads(line)
        if task["id"] == task_id:
            return task
    raise KeyError(task_id)


def _fenced(name: str) -> str:
    return f"Here you go:\n```asm\n{(TRAPS / name).read_text()}```\nDone."


@pytest.fixture
def tools():
    try:
        from harness.asar import find_asar

        find_asar()
    except (ToolMissingError, ToolMismatchError) as error:
        pytest.skip(f"ASAR 1.91 not available: {error}")
    try:
        from harness.emu import Machine  # noqa: F401
    except ImportError:
        pytest.skip("harness.emu.Machine is not available yet (the emulator core has not landed)")


def test_mc_without_tools():
    task = {"id": "mc1", "family": "mc", "answer": {"choices": ["LDA", "MUL", "STZ"], "gold": 1}}
    assert score_sample(task, ["B"]) == {"acc": 1.0}
    assert score_sample(task, ["The answer is (B)."]) == {"acc": 1.0}
    # several completions: the choice most of them state (self-consistency); a tie is no answer
    assert score_sample(task, ["MUL", "B", "A"]) == {"acc": 1.0}
    assert score_sample(task, ["MUL", "A", "nonsense"]) == {"acc": 0.0}
    assert mc_choice("D", ["a", "b"]) is None
    assert mc_choice("A routine that stores", ["a", "b"]) is None  # prose, not the letter A


def test_explain_is_scored_on_claims_the_emulator_checks(tools):
    task = _task("trap-enemy-explain")
    gold = task["answer"]["example"]
    assert score_sample(task, gold)["explain_score"] == 1.0
    # keywords without the summary block earn nothing
    words = "It subtracts 16 from $0E20,X with SEC and SBC, kills the sprite via $0DD0, carry, borrow."
    assert score_sample(task, words)["explain_score"] == 0.0
    # a wrong table in the summary costs precision and counts as a wrong claim
    wrong = score_sample(task, gold.replace("writes: $0E20,X, $0DD0,X", "writes: $0E20,X, $0E50,X"))
    assert 0.0 < wrong["explain_score"] < 1.0 and wrong["has_wrong_claim"] == 1.0


def test_unknown_family_suggests():
    with pytest.raises(TaskDataError, match="did you mean 'optimize'"):
        score_sample({"id": "x", "family": "optimise"}, ["x"])


def test_gen_pass_at_k(tools):
    task = _task("trap-clear-a-free")
    completions = [_fenced("clear_stz.asm"), "no code here", _fenced("set_flag_stray_write.asm")]
    score = score_sample_detailed(task, completions)
    assert score.metrics["pass@1"] == pytest.approx(1 / 3) and "passes" not in score.metrics
    assert score.metrics["assembles"] == pytest.approx(2 / 3)
    assert score.error.startswith("empty")


def test_optimize_speedup_and_improved(tools):
    task = {
        **_task("trap-clear-a-free"),
        "id": "opt-clear",
        "family": "optimize",
        "baseline": (TRAPS / "clear_lda_sta.asm").read_text(),
    }
    metrics = score_sample(task, [_fenced("clear_stz.asm")])
    assert metrics["pass@1"] == 1.0 and metrics["improved"] == 1.0 and metrics["smaller"] == 1.0
    assert metrics["speedup"] > 1.0 and metrics["speedup_clocks"] > 1.0 and metrics["size_ratio"] > 1.0
    assert metrics["saving_share"] == 1.0  # the task's reference saves nothing over this baseline
    assert metrics["speedup_vs_reference"] > 1.0  # STZ beats the LDA/STA reference
    same = score_sample(task, [_fenced("clear_lda_sta.asm")])
    assert same["speedup"] == 1.0 and same["improved"] == 0.0 and same["saving_share"] == 0.0


def test_optimize_failing_candidate_counts_as_keeping_the_baseline(tools):
    score = score_sample_detailed(_task("trap-enemy-damage"), [_fenced("enemy_damage_seed_optimized.asm")])
    assert score.metrics["pass@1"] == 0.0 and score.metrics["saving_share"] == 0.0
    assert score.metrics["speedup"] == 1.0 and score.metrics["size_ratio"] == 1.0  # defined, never NaN
    assert score.error.startswith("mismatch") and score.counterexample["expected"]


def test_trace_uses_emulator_not_hand_answers(tools):
    task = _task("trap-xba-trace")
    wrong = score_sample_detailed(task, ["After XBA and TAX: A = $1000, X = $1000, x = 0"])
    assert wrong.metrics["exact"] == 0.0 and wrong.metrics["field_accuracy"] == pytest.approx(1 / 3)
    assert "X expected $0010, got $1000" in wrong.error
    right = score_sample(task, ['{"A": "$0010", "X": "$0010", "flag:x": 0}'])
    assert right["exact"] == 1.0 and right["field_accuracy"] == 1.0
