"""Reward functions for TRL's `GRPOTrainer`: the harness's verified scores as the reward.

TRL (1.x, `GRPOTrainer._calculate_rewards`) calls every reward function as
`func(prompts=..., completions=..., completion_ids=..., **columns)` where `columns` holds each dataset
column as a list (one entry per completion) plus `trainer_state`, `log_extra` and `log_metric`. A
completion is a string, or for a conversational dataset a list with one assistant message
(`[{"role": "assistant", "content": "..."}]`). The function returns one float per completion, or
None where it does not apply (TRL sums the functions with `nansum`).

`HarnessReward` reads the task document from a dataset column (`task`: the task as JSON) and scores
each completion with the family's own scorer, batched through the scoring worker pool
(`harness.score.score_samples`). What a completion earns (always in [0, 1]):

| family | reward | an empty, echoed or non-functional answer |
|---|---|---|
| gen, fix | `pass@1`: 1 when equivalent to the reference on every case, else 0 | 0 |
| optimize | `saving_share`: share of the reference's cycle saving achieved | 0 (wrong, or no faster) |
| trace | `exact` (default): every asked location right; or `fields` (see `trace_field_credit`) | 0 |
| mc | `acc`: the gold choice stated last | 0 |

explain is refused: its fact-recall scorer matches phrases, which a policy can learn to list.
No partial credit exists for assembling, for the right shape, or for restating the prompt.

Bounds: every candidate is already bounded by the harness (ASAR: CPU seconds, memory, output size per
run, `harness.asar.SandboxLimits`; emulator: reference cycles x `BUDGET_FACTOR` + `BUDGET_FLOOR` per
case, stop at the first failing case, `SHRINK_CYCLES` for shrinking). On top, a reward call has a
wall-clock deadline (`timeout_s` per distinct completion, divided over the workers): past it the pool
workers this call started are terminated and `RewardTimeoutError` is raised. A hang is a harness bug,
never a reward of 0 that would look like a model's failure.

Errors: a broken task (unparseable JSON, unknown family, a scorer's TaskDataError, a trace task that
zeros or an echo would solve) raises `RewardTaskError`; a missing ASAR raises ToolMissingError; input
TRL should never send (no task column, lists of different lengths) raises `RewardInputError`. None of
them becomes a reward.

Deterministic: the scorers replay the task's frozen case plan (or its spec seed), nothing here draws
random numbers, and results come back in input order whatever `workers` is; identical
(task, completion) pairs in a batch (common within a GRPO group) are scored once.
"""

from __future__ import annotations

import functools
import json
import math
import multiprocessing
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from harness.core.families import family_names
from harness.core.results import SampleScore
from harness.errors import HarnessError

__all__ = [
    "REWARD_FAMILIES",
    "HarnessReward",
    "RewardError",
    "RewardInputError",
    "RewardOutcome",
    "RewardTaskError",
    "RewardTimeoutError",
    "TraceCredit",
    "completion_text",
    "parse_task",
    "reward_function",
    "trace_field_credit",
]

# The families a reward exists for, with the metric each one's reward is (trace: see TraceCredit).
_REWARD_METRICS: Mapping[str, str] = {
    "gen": "pass@1",
    "fix": "pass@1",
    "optimize": "saving_share",
    "trace": "exact",
    "mc": "acc",
}
REWARD_FAMILIES: tuple[str, ...] = tuple(_REWARD_METRICS)
_REFUSED: Mapping[str, str] = {
    "explain": "its fact-recall scorer matches phrases: a policy can learn to list them without explaining",
}
_POOL_STARTUP_S = 60.0  # spawning workers imports the harness in each: generous, it is a hang backstop


class RewardError(HarnessError):
    """A reward could not be computed; never turned into a score."""


class RewardTaskError(RewardError):
    """A training task is broken (bad JSON, unknown family, a reference that fails, a guessable trace)."""


class RewardInputError(RewardError):
    """The trainer passed input a reward function cannot read (missing task column, mismatched lengths)."""


class RewardTimeoutError(RewardError):
    """Scoring a batch ran past its wall-clock deadline: a harness hang, not a model failure."""


class TraceCredit(str, Enum):
    """How a trace answer is credited (closed set)."""

    EXACT = "exact"  # 1 when every asked location is right, else 0
    FIELDS = "fields"  # 1 when exact; else the share of asked locations right that zeros or an echo miss


@dataclass(frozen=True)
class RewardOutcome:
    """One completion's reward with the scorer's verdict (`reason`: a FailReason value)."""

    task_id: str
    family: str
    reward: float
    reason: str
    error: str | None = None


def completion_text(completion: object) -> str:
    """The answer text of a TRL completion: a string, or the assistant messages of a conversational
    completion (content as a string or as `{"type": "text", "text": ...}` parts). A message without
    text (a bare tool call) is an empty answer; anything else is not something TRL sends."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        completion = [completion]
    if isinstance(completion, Sequence) and all(isinstance(m, Mapping) for m in completion):
        return "".join(_message_text(m) for m in completion if m.get("role", "assistant") == "assistant")
    raise RewardInputError(
        f"completion: expected a string or a list of chat messages, got {type(completion).__name__}; "
        "pass TRL's `completions` argument unchanged"
    )


def _message_text(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, Mapping) and part.get("type") == "text"
        )
    raise RewardInputError(f"message content: expected text or text parts, got {type(content).__name__}")


def parse_task(value: object, where: str = "task") -> dict[str, Any]:
    """A task document from a dataset cell: a JSON object string (how the RL dataset stores it, so
    Arrow never reshapes nested fields) or a mapping. Anything else is a RewardTaskError."""
    if isinstance(value, Mapping):
        task = dict(value)
    elif isinstance(value, str):
        try:
            task = json.loads(value)
        except json.JSONDecodeError as error:
            raise RewardTaskError(
                f"{where}: not JSON ({error.msg} at {error.pos}); store the task with json.dumps"
            ) from None
        if not isinstance(task, dict):
            raise RewardTaskError(f"{where}: the JSON is a {type(task).__name__}, expected a task object")
    else:
        raise RewardTaskError(
            f"{where}: expected a task as JSON text or a mapping, got {type(value).__name__}"
        )
    family = task.get("family")
    if family in _REFUSED:
        raise RewardTaskError(f"{where}: no reward for family {family!r}: {_REFUSED[family]}")
    if family not in _REWARD_METRICS:
        known = ", ".join(REWARD_FAMILIES)
        raise RewardTaskError(
            f"{where} {task.get('id')!r}: family={family!r} has no reward; use one of {known}"
        )
    return task


@functools.lru_cache(maxsize=4096)
def _trace_truth(task_json: str) -> tuple[tuple[tuple[str, int, bool], ...], Any, Any]:
    """Per asked location: (text, expected value, trivially right?), the locations and the mode.

    A location is trivially right when its expected value is 0 or the single value the prompt gives
    it at entry: the answers of a model that prints zeros or echoes the entry state (the rule of
    `harness.suite.validate.guessable_trace`, applied per location)."""
    from harness.verify.answers import parse_value
    from harness.verify.spec import parse_spec
    from harness.verify.trace import expected_state

    task = json.loads(task_json)
    spec = parse_spec(task.get("spec"))
    expected = expected_state(task)
    inputs = (task.get("spec") or {}).get("inputs") or {}
    given = {
        str(name): parse_value(domain["values"][0])
        for name, domain in inputs.items()
        if isinstance(domain, Mapping) and len(domain.get("values", ())) == 1
    }
    rows = tuple(
        (loc.text, expected[loc.text], expected[loc.text] == 0 or given.get(loc.text) == expected[loc.text])
        for loc in spec.outputs
    )
    return rows, spec.outputs, spec.mode


def _refuse_guessable(task: Mapping[str, Any], where: str) -> None:
    """A trace task whose every asked value is trivially right would pay zeros or an echo in full."""
    try:
        rows, _locations, _mode = _trace_truth(json.dumps(task, sort_keys=True))
    except HarnessError as error:
        raise RewardTaskError(f"{where} {task.get('id')!r} is broken: {error}") from None
    if all(trivial for _name, _value, trivial in rows):
        raise RewardTaskError(
            f"{where} {task.get('id')!r}: every asked value is 0 or its entry value, so printing zeros or "
            "echoing "
            "the prompt would earn the reward; drop the task or ask a location the routine changes"
        )


def trace_field_credit(task: Mapping[str, Any], text: str) -> float:
    """`fields` credit of a trace answer that is not exact: right locations that are not trivially
    right (see `_trace_truth`), over all asked locations. Zeros or an echo of the entry state earn 0;
    only an exact answer earns 1."""
    from harness.verify.answers import parse_state_answer

    rows, locations, mode = _trace_truth(json.dumps(task, sort_keys=True))
    predicted = parse_state_answer(text, locations, mode)
    informative = sum(1 for name, value, trivial in rows if not trivial and predicted.get(name) == value)
    return informative / len(rows) if rows else 0.0


def _reward_from_score(
    task: Mapping[str, Any], text: str, score: SampleScore, trace_credit: TraceCredit
) -> float:
    family = str(task["family"])
    metric = _REWARD_METRICS[family]
    if metric not in score.metrics:
        raise RewardTaskError(
            f"task {task.get('id')!r}: the {family} scorer reported no {metric!r} ({score.error})"
        )
    value = float(score.metrics[metric])
    if family == "trace" and trace_credit is TraceCredit.FIELDS and value < 1.0:
        value = trace_field_credit(task, text)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise RewardError(f"task {task.get('id')!r}: reward {value!r} outside [0, 1] (a scorer bug)")
    return value


def _deadline(jobs: int, workers: int, timeout_s: float) -> float:
    rounds = -(-jobs // max(1, workers))
    return timeout_s * rounds + (_POOL_STARTUP_S if workers > 1 and jobs > 1 else 0.0)


def _score_with_deadline(
    jobs: list[tuple[dict[str, Any], list[str]]], *, workers: int, timeout_s: float
) -> list[SampleScore]:
    """`score_samples` on a watchdog thread: past the deadline the pool workers started by this call
    are terminated (their pool breaks, the thread ends) and RewardTimeoutError is raised."""
    from harness.score.offline import score_samples

    before = {child.pid for child in multiprocessing.active_children()}
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["samples"] = score_samples(jobs, workers=workers)
        except BaseException as error:  # handed to the caller below, whatever it is
            box["error"] = error

    thread = threading.Thread(target=run, name="asm65816-reward-scoring", daemon=True)
    thread.start()
    limit = _deadline(len(jobs), workers, timeout_s)
    thread.join(limit)
    if thread.is_alive():
        for child in multiprocessing.active_children():
            if child.pid not in before:
                child.terminate()
        ids = sorted({str(task.get("id")) for task, _ in jobs})
        raise RewardTimeoutError(
            f"scoring {len(jobs)} completion(s) of tasks {ids[:5]} did not finish in {limit:.0f} s "
            f"(timeout_s={timeout_s} per completion, workers={workers}); a candidate should never take this "
            "long: report the task, or raise rewards.timeout_s if the machine is heavily loaded"
        )
    if "error" in box:
        raise box["error"]
    return list(box["samples"])


class HarnessReward:
    """A TRL reward function over the families in `weights` (reward x weight; see module docstring).

    Rows of other families get None (TRL: "does not apply"). `task_column` names the dataset column
    holding the task JSON. Also usable directly: `outcomes(tasks, completions)` gives the verdicts."""

    def __init__(
        self,
        weights: Mapping[str, float] | Sequence[str],
        *,
        task_column: str = "task",
        workers: int = 1,
        timeout_s: float = 60.0,
        trace_credit: TraceCredit | str = TraceCredit.EXACT,
        name: str | None = None,
    ) -> None:
        chosen = dict(weights) if isinstance(weights, Mapping) else {family: 1.0 for family in weights}
        for family, weight in chosen.items():
            if family in _REFUSED:
                raise RewardError(f"rewards.families: {family!r} has no reward: {_REFUSED[family]}")
            if family not in _REWARD_METRICS:
                raise RewardError(
                    f"rewards.families: unknown family {family!r}; use some of {', '.join(REWARD_FAMILIES)}"
                )
            if not (isinstance(weight, (int, float)) and math.isfinite(weight) and weight > 0):
                raise RewardError(
                    f"rewards.families.{family}={weight!r}: a weight must be a positive number (e.g. 1.0)"
                )
        if not chosen:
            raise RewardError("rewards.families is empty: name at least one of " + ", ".join(REWARD_FAMILIES))
        if workers < 1:
            raise RewardError(f"rewards.workers={workers}: use 1 (in process) or more worker processes")
        if not timeout_s > 0:
            raise RewardError(f"rewards.timeout_s={timeout_s}: use a positive number of seconds (e.g. 60)")
        try:
            self.trace_credit = TraceCredit(trace_credit)
        except ValueError:
            choices = ", ".join(c.value for c in TraceCredit)
            raise RewardError(f"rewards.trace_credit={trace_credit!r}: choose one of {choices}") from None
        self.weights = {family: float(weight) for family, weight in chosen.items()}
        self.task_column, self.workers, self.timeout_s = task_column, workers, float(timeout_s)
        # TRL names a reward function by `__name__` (logged as rewards/<name>/mean)
        self.__name__ = name or "asm65816_" + "_".join(f for f in family_names() if f in self.weights)

    def outcomes(self, tasks: Sequence[object], completions: Sequence[object]) -> list[RewardOutcome | None]:
        """The unweighted reward and verdict of each (task, completion); None for other families."""
        if len(tasks) != len(completions):
            raise RewardInputError(
                f"{len(completions)} completions but {len(tasks)} tasks: one task per completion"
            )
        parsed = [parse_task(cell, f"{self.task_column}[{i}]") for i, cell in enumerate(tasks)]
        texts = [completion_text(c) for c in completions]
        wanted = [i for i, task in enumerate(parsed) if task["family"] in self.weights]
        for i in wanted:
            if parsed[i]["family"] == "trace":
                _refuse_guessable(parsed[i], f"{self.task_column}[{i}]")
        keys = {i: (json.dumps(parsed[i], sort_keys=True), texts[i]) for i in wanted}
        unique = list(dict.fromkeys(keys.values()))
        scores = _score_with_deadline(
            [(json.loads(task_json), [text]) for task_json, text in unique],
            workers=self.workers,
            timeout_s=self.timeout_s,
        )
        by_key = dict(zip(unique, scores, strict=True))
        out: list[RewardOutcome | None] = [None] * len(parsed)
        for i in wanted:
            task, score = parsed[i], by_key[keys[i]]
            if score.task_error:
                raise RewardTaskError(f"{self.task_column}[{i}] {task.get('id')!r} is broken: {score.error}")
            reason = score.reasons[0].value if score.reasons else "none"
            reward = _reward_from_score(task, texts[i], score, self.trace_credit)
            out[i] = RewardOutcome(str(task.get("id")), str(task["family"]), reward, reason, score.error)
        return out

    def __call__(
        self, prompts: Sequence[object], completions: Sequence[object], **columns: Any
    ) -> list[float | None]:
        if self.task_column not in columns:
            raise RewardInputError(
                f"reward {self.__name__}: the dataset has no {self.task_column!r} column "
                f"(got {sorted(columns)}); "
                "build the dataset with harness.rewards.grpo_rows, and keep remove_unused_columns off"
            )
        outcomes = self.outcomes(columns[self.task_column], completions)
        if len(prompts) != len(outcomes):
            raise RewardInputError(
                f"{len(prompts)} prompts but {len(outcomes)} completions: TRL sends one prompt each"
            )
        self._log(outcomes, columns.get("log_metric"), columns.get("log_extra"))
        return [None if o is None else o.reward * self.weights[o.family] for o in outcomes]

    def _log(
        self,
        outcomes: Sequence[RewardOutcome | None],
        log_metric: Callable[[str, float], None] | None,
        log_extra: Callable[[str, list[Any]], None] | None,
    ) -> None:
        """Per-family mean reward and pass share (`asm65816/<family>/...`), and each completion's
        failure reason as a column of TRL's completions table."""
        if callable(log_metric):
            for family in self.weights:
                rows = [o for o in outcomes if o is not None and o.family == family]
                if rows:
                    log_metric(f"asm65816/{family}/reward", sum(o.reward for o in rows) / len(rows))
                    log_metric(f"asm65816/{family}/full", sum(o.reward == 1.0 for o in rows) / len(rows))
        if callable(log_extra):
            log_extra("asm65816_reason", [None if o is None else o.reason for o in outcomes])


def reward_function(family: str, **options: Any) -> HarnessReward:
    """The reward function of one family (`gen`, `fix`, `optimize`, `trace` or `mc`), named
    `asm65816_<family>`; options as `HarnessReward`."""
    return HarnessReward({family: 1.0}, **options)
