"""Run the harness on a model inside Python (pytest fixtures, trainers) and get a `RunRecord` back.

Two routes: `evaluate_model` is lm-eval's `simple_evaluate` with our task suite and
`log_samples=True` (per-sample metrics are what paired gates need), normalised by
`record_from_lmeval`; `score_predictions_record` scores completions a model already wrote (any
inference stack: Ollama, an API) with `asm65816 score`'s scorer. Heavy imports happen on call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, ToolMissingError
from harness.gate.lmeval_import import record_from_lmeval
from harness.gate.record import ModelIdentity, RunRecord, record_from_results, utc_now

__all__ = ["evaluate_model", "score_predictions_record"]


def _default_task_manager() -> Any:
    try:
        from harness.lmeval import task_manager
    except ImportError as error:
        raise ToolMissingError(
            "harness.lmeval.task_manager is not available, so the asm65816 tasks cannot be loaded; "
            "pass task_manager= explicitly"
        ) from error
    return task_manager(include_defaults=False)


def evaluate_model(
    model: Any,
    *,
    model_args: str | dict[str, Any] | None = None,
    tasks: Sequence[str] = ("asm65816",),
    limit: int | float | None = None,
    task_manager: Any = None,
    identity: ModelIdentity | None = None,
    **simple_evaluate_kwargs: Any,
) -> RunRecord:
    """Evaluate `model` (an lm-eval model name or `LM` instance) on our tasks; return the record.

    `identity` should carry the weights' sha256 (`harness.gate.identity.model_identity`) when the
    record will gate a checkpoint; otherwise the model name from lm-eval's config is used.
    """
    try:
        import lm_eval
    except ImportError as error:
        raise ToolMissingError("lm-eval is not installed: pip install 'lm-eval>=0.4.12,<0.5'") from error
    results = lm_eval.simple_evaluate(
        model=model,
        model_args=model_args,
        tasks=list(tasks),
        limit=limit,
        task_manager=task_manager if task_manager is not None else _default_task_manager(),
        log_samples=True,
        **simple_evaluate_kwargs,
    )
    if not results:
        raise HarnessError("lm-eval returned no results (this process is not rank 0?)")
    record = record_from_lmeval(results, results.get("samples"), model=identity)
    if record.harness_version == "unknown":  # evaluated in this process: the installed harness did it
        from harness import __version__

        record = replace(record, harness_version=__version__)
    return record


def score_predictions_record(
    tasks: str | Path,
    predictions: str | Path,
    *,
    model: str | None = None,
    identity: ModelIdentity | None = None,
    workers: int = 1,
) -> RunRecord:
    """Score a predictions JSONL against a task JSONL (as `asm65816 score` does) into a `RunRecord`."""
    from harness.score.offline import score_predictions

    results = score_predictions(
        tasks, predictions, workers=workers, model=model or (identity.name if identity else None)
    )
    record = record_from_results(results.to_json(), origin=str(predictions), created=utc_now())
    return record.with_model(**identity.to_dict()) if identity is not None else record
