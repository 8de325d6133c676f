"""Per-family scorers: a task and its completions -> a flat dict of metrics (plus error and counterexample).

Scorers never raise on a completion, whatever it contains; they raise only for a broken task
(TaskDataError/SpecError) or an unusable tool (ToolMissingError/ToolMismatchError), which must never
become a score. Metric ranges: shares in [0, 1]; `speedup*`/`size_ratio` > 0 and present only when the
candidate passes (aggregated geometrically); `forbidden`/`hallucinated_addresses` counts >= 0.
"""

from __future__ import annotations

import functools
import json
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.core.families import FAMILIES
from harness.core.reasons import FailReason
from harness.core.registry import resolve_target
from harness.core.results import SampleScore, Verdict
from harness.errors import TaskDataError, UnknownNameError
from harness.score.aggregate import GEOMETRIC_METRICS, geometric_mean, mean, pass_at_k_metrics
from harness.score.explain import score_explanation
from harness.verify.answers import parse_state_answer
from harness.verify.choice import parse_choice
from harness.verify.equivalence import check_equivalence
from harness.verify.extract import extract_code
from harness.verify.spec import parse_spec
from harness.verify.trace import expected_state

__all__ = [
    "BaselineStats",
    "Scorer",
    "mc_answer",
    "mc_choice",
    "mc_doc_answer",
    "score_explain",
    "score_functional",
    "score_mc",
    "score_optimize",
    "score_sample",
    "score_sample_detailed",
    "score_trace",
]

Scorer = Callable[[Mapping[str, Any], Sequence[str]], SampleScore]


def _first_failure(verdicts: Sequence[Verdict]) -> tuple[str | None, dict[str, Any] | None]:
    for verdict in verdicts:
        if not verdict.passes:
            return verdict.error, verdict.counterexample
    return None, None


def _verdicts(
    task: Mapping[str, Any], completions: Sequence[str], known: Mapping[str, Verdict] | None = None
) -> list[Verdict]:
    """One verdict per completion; `known` maps sources already checked (an optimize task's baseline)
    to their verdicts, so an answer that repeats the baseline is not run twice."""
    entry = task.get("entry")
    codes = [extract_code(c, entry if isinstance(entry, str) else None) for c in completions]
    known = known or {}
    return [known[code] if code in known else check_equivalence(task, code) for code in codes]


def _sample(
    task: Mapping[str, Any],
    metrics: dict[str, float],
    reasons: Sequence[FailReason],
    error: str | None = None,
    counterexample: dict[str, Any] | None = None,
) -> SampleScore:
    tier = task.get("tier")
    return SampleScore(
        str(task.get("id")),
        str(task.get("family")),
        metrics,
        error,
        counterexample,
        tuple(reasons),
        tier=tier if isinstance(tier, str) else None,
    )


def score_functional(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """gen/fix: does the code assemble and behave like the reference? pass@k over completions."""
    verdicts = _verdicts(task, completions)
    outcomes = [v.passes for v in verdicts]
    metrics = {"assembles": mean(float(v.assembles) for v in verdicts) or 0.0, **pass_at_k_metrics(outcomes)}
    error, counterexample = _first_failure(verdicts)
    return _sample(task, metrics, [v.reason for v in verdicts], error, counterexample)


@functools.lru_cache(maxsize=256)
def _baseline_verdict(task_json: str) -> Verdict:
    task = json.loads(task_json)
    baseline = task.get("baseline")
    if not isinstance(baseline, str) or not baseline.strip():
        raise TaskDataError(f"task {task.get('id')!r}: optimize tasks need a `baseline` source")
    verdict = check_equivalence(task, baseline)
    if not verdict.passes:
        raise TaskDataError(
            f"task {task.get('id')!r}: baseline is not equivalent to the reference ({verdict.error})"
        )
    return verdict


@dataclass(frozen=True)
class BaselineStats:
    """What optimize scoring needs of the baseline: its mean cycles and master clocks, its size, and
    the reference's mean cycles, all on the task's cases. The dataset build stores them in the task
    (`baseline_stats`, beside the frozen case plan they were measured on; `tasks validate` re-measures
    them), so scoring does not re-run the baseline on every case of every run."""

    cycles: float
    clocks: float
    ref_cycles: float
    size: float

    FIELDS = ("cycles_mean", "clocks_mean", "ref_cycles_mean", "bytes")

    @classmethod
    def of(cls, verdict: Verdict) -> BaselineStats:
        return cls(
            float(verdict.cand_cycles_mean or 0.0),
            float(verdict.cand_clocks_mean or 0.0),
            float(verdict.ref_cycles_mean or 0.0),
            float(verdict.cand_bytes or 0),
        )

    @classmethod
    def stored(cls, task: Mapping[str, Any]) -> BaselineStats | None:
        """The task's stored statistics, or None when it has none (or no frozen plan to match)."""
        raw = task.get("baseline_stats")
        if raw is None or task.get("frozen_cases") is None:
            return None
        if not isinstance(raw, Mapping) or set(raw) != set(cls.FIELDS):
            raise TaskDataError(f"task {task.get('id')!r}: baseline_stats must hold exactly {cls.FIELDS}")
        values = [raw[name] for name in cls.FIELDS]
        if not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0
            for v in values
        ):
            raise TaskDataError(f"task {task.get('id')!r}: baseline_stats values must be positive numbers")
        return cls(*(float(v) for v in values))

    def to_json(self) -> dict[str, float]:
        return dict(zip(self.FIELDS, (self.cycles, self.clocks, self.ref_cycles, self.size), strict=True))


def _baseline(task: Mapping[str, Any]) -> tuple[BaselineStats, dict[str, Verdict]]:
    """The baseline's statistics (stored, or measured now) and, when measured, its verdict by source
    (an answer that repeats the baseline then reuses it)."""
    stored = BaselineStats.stored(task)
    if stored is not None:
        return stored, {}
    verdict = _baseline_verdict(json.dumps(task))
    return BaselineStats.of(verdict), {str(task["baseline"]): verdict}


def measure_baseline(task: Mapping[str, Any]) -> BaselineStats:
    """The baseline measured on the task's cases now (what the build stores, what validate compares)."""
    return BaselineStats.of(
        _baseline_verdict(json.dumps({k: v for k, v in task.items() if k != "baseline_stats"}))
    )


def _share(saved: float, possible: float) -> float:
    """The share of the possible saving achieved, in [0, 1]: 0 when nothing was saved; any saving
    counts fully when the reference itself saves nothing (a task the validator refuses)."""
    if saved <= 0:
        return 0.0
    if possible <= 0:
        return 1.0
    return min(1.0, saved / possible)


def _optimize_metrics(baseline: BaselineStats, verdict: Verdict) -> dict[str, float]:
    """Per completion. A wrong or slower answer is worth keeping the baseline: its effective cycles,
    clocks and bytes are the baseline's, so every ratio is defined for every sample (no NaN, nothing
    dropped from a mean) and equals 1.0 against the baseline."""
    base_cycles, base_clocks = baseline.cycles, baseline.clocks
    ref_cycles, base_bytes = baseline.ref_cycles, baseline.size
    cycles, clocks, size = base_cycles, base_clocks, base_bytes
    if verdict.passes:
        cycles = min(base_cycles, float(verdict.cand_cycles_mean or base_cycles))
        clocks = min(base_clocks, float(verdict.cand_clocks_mean or base_clocks))
        size = min(base_bytes, float(verdict.cand_bytes or base_bytes))
    return {
        "assembles": float(verdict.assembles),
        "pass@1": float(verdict.passes),
        "improved": float(cycles < base_cycles),
        "improved_clocks": float(clocks < base_clocks),
        "smaller": float(size < base_bytes),
        "saving_share": _share(base_cycles - cycles, base_cycles - ref_cycles),
        "speedup": base_cycles / cycles,
        "speedup_vs_reference": ref_cycles / cycles,
        "speedup_clocks": base_clocks / clocks,
        "size_ratio": base_bytes / size,
    }


def score_optimize(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """optimize: equivalent to the reference, and faster/smaller than the baseline on the same cases.

    Primary metric `saving_share`: the share of the reference's cycle saving over the baseline that
    the answer achieves (capped at 1; 0 when wrong or not faster): a 1.8% tweak earns little, a full
    rewrite earns 1. `speedup` (vs the baseline) and `speedup_vs_reference` are effective speedups:
    a failing answer counts as keeping the baseline."""
    baseline, known = _baseline(task)
    verdicts = _verdicts(task, completions, known)
    per_completion = [_optimize_metrics(baseline, v) for v in verdicts]
    metrics: dict[str, float] = {}
    for name in per_completion[0]:
        values = [row[name] for row in per_completion]
        combined = geometric_mean(values) if name in GEOMETRIC_METRICS else mean(values)
        metrics[name] = float(combined or 0.0)
    metrics.update(pass_at_k_metrics([v.passes for v in verdicts]))
    error, counterexample = _first_failure(verdicts)
    return _sample(task, metrics, [v.reason for v in verdicts], error, counterexample)


@functools.lru_cache(maxsize=1024)
def _expected_trace(task_json: str) -> tuple[tuple[str, int], ...]:
    return tuple(expected_state(json.loads(task_json)).items())


def score_trace(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """trace: the predicted final state against the emulator's (never a hand-written answer)."""
    expected = dict(_expected_trace(json.dumps(task)))
    spec = parse_spec(task.get("spec"))
    locations = spec.outputs
    exact: list[bool] = []
    fields: list[float] = []
    reasons: list[FailReason] = []
    error: str | None = None
    for completion in completions:
        predicted = parse_state_answer(completion, locations, spec.mode)
        right = [predicted.get(loc.text) == expected[loc.text] for loc in locations]
        fields.append(sum(right) / len(right) if right else 0.0)
        exact.append(bool(right) and all(right))
        reasons.append(
            FailReason.NONE if exact[-1] else FailReason.WRONG if predicted else FailReason.NO_ANSWER
        )
        if error is None and not exact[-1]:
            wrong = [loc for loc, ok in zip(locations, right, strict=True) if not ok]
            error = f"{reasons[-1].value}: " + ", ".join(
                f"{loc.text} expected {loc.format(expected[loc.text])}, got "
                f"{loc.format(predicted[loc.text]) if loc.text in predicted else 'nothing'}"
                for loc in wrong
            )
    metrics = {
        "exact": mean(float(e) for e in exact) or 0.0,
        "field_accuracy": mean(fields) or 0.0,
        **pass_at_k_metrics(exact),
    }
    return _sample(task, metrics, reasons, error)


def score_explain(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    rows = [score_explanation(task, c) for c in completions]
    metrics = {name: mean(row[name] for row in rows) or 0.0 for name in sorted({k for r in rows for k in r})}
    return _sample(task, metrics, [])


def mc_choice(text: object, choices: Sequence[str]) -> int | None:
    """Index of the choice one free-text answer states last, or None (the one parser of both routes)."""
    if not isinstance(text, str) or not choices:
        return None
    return parse_choice(text, len(choices), [str(choice) for choice in choices])


def mc_answer(completions: Sequence[str], choices: Sequence[str]) -> int | None:
    """The choice several completions give: the one most of them state (self-consistency); a tie or
    no parseable choice is no answer. One completion: its own choice. Both scoring routes use this."""
    picked = [choice for text in completions if (choice := mc_choice(text, choices)) is not None]
    if not picked:
        return None
    counts = Counter(picked).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None
    return counts[0][0]


def mc_doc_answer(task: Mapping[str, Any]) -> tuple[list[str], int]:
    """(choices, gold) of an mc task; a malformed answer is a TaskDataError."""
    answer = task.get("answer")
    if (
        not isinstance(answer, Mapping)
        or not isinstance(answer.get("choices"), list)
        or not isinstance(answer.get("gold"), int)
        or not 0 <= answer["gold"] < len(answer["choices"])
    ):
        raise TaskDataError(f'task {task.get("id")!r}: mc answer must be {{"choices": [...], "gold": i}}')
    return [str(choice) for choice in answer["choices"]], int(answer["gold"])


def score_mc(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """mc from generated text: no parseable final choice, no credit (lm-eval's loglikelihood route
    applies the same rule: a tie at the top is not an answer)."""
    choices, gold = mc_doc_answer(task)
    chosen = mc_answer(completions, choices)
    reason = (
        FailReason.NO_ANSWER if chosen is None else FailReason.NONE if chosen == gold else FailReason.WRONG
    )
    error = (
        None
        if reason is FailReason.NONE
        else f"{reason.value}: gold {chr(65 + gold)}, got "
        + ("nothing" if chosen is None else chr(65 + chosen))
    )
    return _sample(task, {"acc": float(chosen == gold)}, [reason], error)


@functools.cache
def _scorer(family: str) -> Scorer:
    """The family's registered scorer (a lazy target in `harness.core.families`)."""
    return resolve_target(FAMILIES.get(family).scorer)  # type: ignore[return-value]


def score_sample_detailed(task: Mapping[str, Any], completions: Sequence[str] | str) -> SampleScore:
    """Score one task's completions (a list for pass@k; a single string is one completion)."""
    if not isinstance(task, Mapping):
        raise TaskDataError(f"task: expected an object, got {type(task).__name__}")
    family = task.get("family")
    try:
        scorer = _scorer(str(family))
    except UnknownNameError as error:
        raise TaskDataError(f"task {task.get('id')!r}: {error}") from None
    texts = [completions] if isinstance(completions, str) else list(completions)
    texts = [t if isinstance(t, str) else "" for t in texts] or [""]
    score = scorer(task, texts)
    bad = {k: v for k, v in score.metrics.items() if not math.isfinite(v)}
    if bad:  # a scorer bug, not a model property: never let NaN reach a results file
        raise ValueError(f"non-finite metrics {bad} for task {task.get('id')!r}")
    return score


def score_sample(task: Mapping[str, Any], completions: Sequence[str] | str) -> dict[str, float]:
    """The flat metric dict of one task (see `score_sample_detailed` for error and counterexample)."""
    return score_sample_detailed(task, completions).metrics
