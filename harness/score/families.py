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
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from harness.core.families import FAMILIES
from harness.core.registry import resolve_target
from harness.core.results import SampleScore, Verdict
from harness.errors import TaskDataError, UnknownNameError
from harness.score.aggregate import geometric_mean, mean, pass_at_k_metrics
from harness.score.explain import score_explanation
from harness.verify.answers import parse_state_answer
from harness.verify.equivalence import check_equivalence
from harness.verify.extract import extract_code
from harness.verify.spec import parse_spec
from harness.verify.trace import expected_state

__all__ = [
    "Scorer",
    "mc_choice",
    "score_explain",
    "score_functional",
    "score_mc",
    "score_optimize",
    "score_sample",
    "score_sample_detailed",
    "score_trace",
]

Scorer = Callable[[Mapping[str, Any], Sequence[str]], SampleScore]


def _first_failure(verdicts: Sequence[Verdict]) -> tuple[str | None, dict | None]:
    for verdict in verdicts:
        if not verdict.passes:
            return verdict.error, verdict.counterexample
    return None, None


def _verdicts(task: Mapping[str, Any], completions: Sequence[str]) -> list[Verdict]:
    entry = task.get("entry")
    return [
        check_equivalence(task, extract_code(c, entry if isinstance(entry, str) else None))
        for c in completions
    ]


def score_functional(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """gen/fix: does the code assemble and behave like the reference? pass@k over completions."""
    verdicts = _verdicts(task, completions)
    outcomes = [v.passes for v in verdicts]
    metrics = {
        "assembles": mean(float(v.assembles) for v in verdicts) or 0.0,
        "passes": mean(float(o) for o in outcomes) or 0.0,
        **pass_at_k_metrics(outcomes),
    }
    error, counterexample = _first_failure(verdicts)
    return SampleScore(str(task.get("id")), str(task.get("family")), metrics, error, counterexample)


@functools.lru_cache(maxsize=256)
def _baseline_verdict(task_json: str) -> Verdict:
    task = json.loads(task_json)
    baseline = task.get("baseline")
    if not isinstance(baseline, str) or not baseline.strip():
        raise TaskDataError(f"task {task.get('id')!r}: optimize tasks need a `baseline` source")
    verdict = check_equivalence(task, baseline)
    if not verdict.passes:
        raise TaskDataError(
            f"task {task.get('id')!r}: baseline is not equivalent to the reference "
            f"({verdict.error})"
        )
    return verdict


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or numerator <= 0 or denominator <= 0:
        return None
    return numerator / denominator


def _optimize_metrics(baseline: Verdict, verdict: Verdict) -> dict[str, float]:
    metrics = {
        "assembles": float(verdict.assembles),
        "passes": float(verdict.passes),
        "improved": 0.0,
        "improved_clocks": 0.0,
        "smaller": 0.0,
    }
    if not verdict.passes:
        return metrics
    pairs = {
        "": (baseline.cand_cycles_mean, verdict.cand_cycles_mean),
        "_clocks": (baseline.cand_clocks_mean, verdict.cand_clocks_mean),
    }
    for suffix, (old, new) in pairs.items():
        ratio = _ratio(old, new)
        if ratio is not None:
            metrics[f"speedup{suffix}"] = ratio
            metrics[f"improved{suffix}"] = float(new is not None and old is not None and new < old)
    size = _ratio(baseline.cand_bytes, verdict.cand_bytes)
    if size is not None:
        metrics["size_ratio"] = size
        metrics["smaller"] = float((verdict.cand_bytes or 0) < (baseline.cand_bytes or 0))
    return metrics


def score_optimize(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """optimize: equivalent to the reference, and faster/smaller than the baseline on the same cases."""
    baseline = _baseline_verdict(json.dumps(task))
    verdicts = _verdicts(task, completions)
    per_completion = [_optimize_metrics(baseline, v) for v in verdicts]
    metrics: dict[str, float] = {}
    for name in sorted({key for row in per_completion for key in row}):
        values = [row[name] for row in per_completion if name in row]
        combined = geometric_mean(values) if name.startswith(("speedup", "size_ratio")) else mean(values)
        if combined is not None:
            metrics[name] = combined
    metrics.update(pass_at_k_metrics([v.passes for v in verdicts]))
    error, counterexample = _first_failure(verdicts)
    return SampleScore(str(task.get("id")), str(task.get("family")), metrics, error, counterexample)


@functools.lru_cache(maxsize=1024)
def _expected_trace(task_json: str) -> tuple[tuple[str, int], ...]:
    return tuple(expected_state(json.loads(task_json)).items())


def score_trace(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """trace: the predicted final state against the emulator's (never a hand-written answer)."""
    expected = dict(_expected_trace(json.dumps(task)))
    locations = parse_spec(task.get("spec")).outputs
    exact: list[bool] = []
    fields: list[float] = []
    error: str | None = None
    for completion in completions:
        predicted = parse_state_answer(completion, locations)
        right = [predicted.get(loc.text) == expected[loc.text] for loc in locations]
        fields.append(sum(right) / len(right) if right else 0.0)
        exact.append(bool(right) and all(right))
        if error is None and not exact[-1]:
            wrong = [loc for loc, ok in zip(locations, right, strict=True) if not ok]
            error = "wrong: " + ", ".join(
                f"{loc.text} expected {loc.format(expected[loc.text])}, got "
                f"{loc.format(predicted[loc.text]) if loc.text in predicted else 'nothing'}"
                for loc in wrong
            )
    metrics = {
        "exact": mean(float(e) for e in exact) or 0.0,
        "field_accuracy": mean(fields) or 0.0,
        **pass_at_k_metrics(exact),
    }
    return SampleScore(str(task.get("id")), str(task.get("family")), metrics, error)


def score_explain(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    rows = [score_explanation(task, c) for c in completions]
    metrics = {name: mean(row[name] for row in rows) or 0.0 for name in sorted({k for r in rows for k in r})}
    return SampleScore(str(task.get("id")), str(task.get("family")), metrics)


def mc_choice(text: object, choices: Sequence[str]) -> int | None:
    """Index of the choice a free-text answer picks: an exact choice text, else a letter A, B, ..."""
    if not isinstance(text, str) or not choices:
        return None
    stripped = text.strip()
    for index, choice in enumerate(choices):
        if stripped == str(choice).strip():
            return index
    match = re.search(r"\b(?:answer|choice|option)\s*(?:is|:)?\s*\(?([A-Z])\b", stripped, re.IGNORECASE)
    match = match or re.match(r"\s*\(?([A-Z])[).:](?:\s|$)|\s*\(?([A-Z])\)?\s*$", stripped)
    if match:
        letter = next(g for g in match.groups() if g)
        index = ord(letter.upper()) - ord("A")
        return index if index < len(choices) else None
    return None


def score_mc(task: Mapping[str, Any], completions: Sequence[str]) -> SampleScore:
    """mc from generated text (lm-eval scores mc by loglikelihood with the same doc fields)."""
    answer = task.get("answer")
    if (
        not isinstance(answer, Mapping)
        or not isinstance(answer.get("choices"), list)
        or not isinstance(answer.get("gold"), int)
        or not 0 <= answer["gold"] < len(answer["choices"])
    ):
        raise TaskDataError(f'task {task.get("id")!r}: mc answer must be {{"choices": [...], "gold": i}}')
    right = [mc_choice(c, answer["choices"]) == answer["gold"] for c in completions]
    metrics = {"acc": mean(float(r) for r in right) or 0.0}  # lm-eval's name, so both routes agree
    return SampleScore(
        str(task.get("id")), str(task.get("family")), metrics, None if all(right) else "wrong choice"
    )


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
