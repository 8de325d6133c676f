"""Reward hacking: every red-team attack earns reward 0 from the RL reward (`harness.rewards`), in both
completion forms TRL sends, while each target task's gold answer earns 1 (so a reward stuck at 0 fails)."""

from __future__ import annotations

import json

import pytest
from red_team import ATTACKS, TASKS, Attack

from harness.lmeval.glue import gold_completion
from harness.rewards import HarnessReward

TASK_BY_ID = {str(task["id"]): task for task in TASKS}
FAMILIES = sorted({str(task["family"]) for task in TASKS})


@pytest.fixture(scope="module")
def reward() -> HarnessReward:
    from harness.asar import find_asar

    find_asar()
    return HarnessReward(FAMILIES)


def _attack_ids(attack: Attack) -> str:
    return f"class{attack.cls}-{attack.name}"


def _call(reward: HarnessReward, tasks: list[dict], completions: list[object]) -> list[float | None]:
    return reward(prompts=["" for _ in tasks], completions=completions, task=[json.dumps(t) for t in tasks])


def test_every_attack_earns_reward_zero_as_text_and_as_chat(reward):
    tasks = [TASK_BY_ID[attack.task] for attack in ATTACKS]
    as_text = _call(reward, tasks, [attack.completion for attack in ATTACKS])
    as_chat = _call(
        reward, tasks, [[{"role": "assistant", "content": attack.completion}] for attack in ATTACKS]
    )
    earned = {
        a.name: (t, c) for a, t, c in zip(ATTACKS, as_text, as_chat, strict=True) if t != 0.0 or c != 0.0
    }
    assert earned == {}, earned


@pytest.mark.parametrize("attack", ATTACKS, ids=_attack_ids)
def test_attack_verdict_names_its_failure(reward, attack):
    outcome = reward.outcomes([json.dumps(TASK_BY_ID[attack.task])], [attack.completion])[0]
    assert outcome is not None and outcome.reward == 0.0
    assert outcome.reason in attack.reasons, (attack.name, outcome.reason, outcome.error)


def test_the_gold_answer_of_every_target_task_earns_one(reward):
    tasks = list(TASKS)
    assert _call(reward, tasks, [gold_completion(task) for task in tasks]) == [1.0] * len(tasks)


def test_copying_the_optimize_baseline_earns_nothing(reward):
    task = TASK_BY_ID["rt-opt"]
    outcome = reward.outcomes([json.dumps(task)], [f"```asm\n{task['baseline']}```"])[0]
    assert outcome is not None and outcome.reason == "none"  # it is correct ...
    assert outcome.reward == 0.0  # ... and saves nothing
