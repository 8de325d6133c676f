"""Rewards for reinforcement fine-tuning (GRPO): the harness's verified scores as the reward.

- `functions`: `HarnessReward`, the TRL `reward_funcs` callable (gen, fix, optimize, trace, mc), with
  the verdicts behind each reward (`outcomes`) and its errors (a broken task is never a reward)
- `tasks`: training tasks disjoint from the evaluation set (the dataset builder's private split, or
  the easy trace subset for smoke runs), the contamination check against the test set, GRPO
  dataset rows and format-only warm-up samples
- `curve`: the reward curve (step -> mean reward) a run records and `asm65816 report` draws

Importing this package does no work; heavy libraries load on use.
"""

from harness.rewards.curve import RL_KEY, curve_from_log_history, reward_curve_of
from harness.rewards.functions import (
    REWARD_FAMILIES,
    HarnessReward,
    RewardError,
    RewardInputError,
    RewardOutcome,
    RewardTaskError,
    RewardTimeoutError,
    TraceCredit,
    completion_text,
    parse_task,
    reward_function,
    trace_field_credit,
)

__all__ = [
    "REWARD_FAMILIES",
    "RL_KEY",
    "HarnessReward",
    "RewardError",
    "RewardInputError",
    "RewardOutcome",
    "RewardTaskError",
    "RewardTimeoutError",
    "TraceCredit",
    "completion_text",
    "curve_from_log_history",
    "parse_task",
    "reward_curve_of",
    "reward_function",
    "trace_field_credit",
]
