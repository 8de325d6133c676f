"""The harness in the training loop: evaluate a subset at every checkpoint save, log it, early-stop on it.

`HarnessEvalCallback` is a `transformers.TrainerCallback`. At each `on_save` it calls an evaluator
`(model, tokenizer) -> {"task/metric": value}`, appends the metrics to `trainer.state.log_history`
(with `step`) and to `<output_dir>/harness_metrics.jsonl`, and, when `metric` and `patience` are set,
stops training after `patience` saves without an improvement larger than `min_delta`.

`LmEvalEvaluator` is the default evaluator: `lm_eval.simple_evaluate` on the in-memory model through
lm-eval's `HFLM(pretrained=model, tokenizer=tok)`, tasks found by `harness.lmeval.task_manager()`, a
small `limit`, chat template applied (the same rendering as training; `harness.trainers.render`).
Evaluation errors propagate: a missing ASAR or task is an error, never a score.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from transformers import TrainerCallback

from harness.errors import HarnessError

__all__ = ["HarnessEvalCallback", "HarnessEvalRecord", "LmEvalEvaluator", "flatten_lmeval_results"]

Evaluator = Callable[[Any, Any], Mapping[str, float]]
METRICS_FILE = "harness_metrics.jsonl"


@dataclass(frozen=True)
class HarnessEvalRecord:
    step: int
    metrics: Mapping[str, float]
    improved: bool | None = None  # None when no early-stopping metric is configured


def flatten_lmeval_results(results: Mapping[str, Any]) -> dict[str, float]:
    """`{"task/metric": value}` from `simple_evaluate`'s `results` (lm-eval keys are `metric,filter`; the
    filter is dropped unless two filters report the same metric), numeric metrics only, no stderr."""
    flat: dict[str, float] = {}
    for task, metrics in results.get("results", {}).items():
        for key, value in metrics.items():
            if (
                key == "alias"
                or "_stderr" in key
                or not isinstance(value, (int, float))
                or isinstance(value, bool)
            ):
                continue
            metric = key.split(",")[0]
            name = (
                f"{task}/{metric}" if f"{task}/{metric}" not in flat else f"{task}/{key}"
            )  # 2nd filter: keep it
            flat[name] = float(value)
    return flat


@dataclass
class LmEvalEvaluator:
    """Run an lm-eval task subset on an in-memory HF/PEFT model (see module docstring)."""

    tasks: Sequence[str]
    limit: int | float | None = 8
    gen_kwargs: Mapping[str, Any] = field(default_factory=lambda: {"max_gen_toks": 256})
    apply_chat_template: bool = True
    system_instruction: str | None = None
    batch_size: int = 1
    task_manager: Any = None  # None: harness.lmeval.task_manager()

    def _manager(self) -> Any:
        if self.task_manager is not None:
            return self.task_manager
        try:
            from harness.lmeval import task_manager
        except ImportError as error:
            raise HarnessError(
                f"harness.lmeval.task_manager is not available ({error}); the asm65816 lm-eval tasks are needed "
                "for the in-loop harness evaluation"
            ) from error
        return task_manager(include_defaults=False)

    def __call__(self, model: Any, tokenizer: Any) -> dict[str, float]:
        import lm_eval
        from lm_eval.models.huggingface import HFLM

        was_training = model.training
        model.eval()
        try:
            lm = HFLM(pretrained=model, tokenizer=tokenizer, batch_size=self.batch_size)
            results = lm_eval.simple_evaluate(
                model=lm,
                tasks=list(self.tasks),
                limit=self.limit,
                task_manager=self._manager(),
                apply_chat_template=self.apply_chat_template,
                system_instruction=self.system_instruction,
                gen_kwargs=dict(self.gen_kwargs) or None,
                log_samples=False,
                bootstrap_iters=0,
                random_seed=0,
                numpy_random_seed=0,
                torch_random_seed=0,
                fewshot_random_seed=0,
            )
        finally:
            model.train(was_training)
        if not results:
            raise HarnessError(f"lm-eval returned no results for tasks {list(self.tasks)}")
        return flatten_lmeval_results(results)


class HarnessEvalCallback(TrainerCallback):
    """Evaluate at each save, record metrics, and optionally early-stop (see module docstring)."""

    def __init__(
        self,
        evaluator: Evaluator,
        *,
        metric: str | None = None,
        mode: Literal["max", "min"] = "max",
        patience: int | None = None,
        min_delta: float = 0.0,
        tokenizer: Any = None,
    ) -> None:
        if patience is not None and (metric is None or patience < 1):
            raise HarnessError("early stopping needs a metric name and patience >= 1")
        self.evaluator = evaluator
        self.metric, self.mode, self.patience, self.min_delta = metric, mode, patience, min_delta
        self.tokenizer = tokenizer
        self.records: list[HarnessEvalRecord] = []
        self.best: float | None = None
        self.bad_saves = 0
        self.stopped_early = False

    def _improved(self, value: float) -> bool:
        if self.best is None:
            return True
        delta = value - self.best if self.mode == "max" else self.best - value
        return delta > self.min_delta

    def on_save(self, args, state, control, model=None, processing_class=None, **kwargs):
        tokenizer = processing_class if processing_class is not None else self.tokenizer
        if model is None or tokenizer is None:
            raise HarnessError(
                "HarnessEvalCallback needs the trainer's model and tokenizer (processing_class)"
            )
        metrics = dict(self.evaluator(model, tokenizer))
        improved: bool | None = None
        if self.metric is not None:
            if self.metric not in metrics:
                raise HarnessError(
                    f"early-stopping metric {self.metric!r} not in harness results {sorted(metrics)}"
                )
            value = metrics[self.metric]
            if math.isnan(value):
                raise HarnessError(f"harness metric {self.metric!r} is NaN at step {state.global_step}")
            improved = self._improved(value)
            if improved:
                self.best, self.bad_saves = value, 0
            else:
                self.bad_saves += 1
        record = HarnessEvalRecord(state.global_step, metrics, improved)
        self.records.append(record)
        state.log_history.append(
            {**{f"harness/{k}": v for k, v in metrics.items()}, "step": state.global_step}
        )
        if state.is_world_process_zero:
            with (Path(args.output_dir) / METRICS_FILE).open("a", encoding="utf-8") as handle:
                handle.write(
                    json.dumps(
                        {"step": record.step, "metrics": metrics, "improved": improved}, sort_keys=True
                    )
                    + "\n"
                )
        if self.patience is not None and self.bad_saves >= self.patience:
            self.stopped_early = True
            control.should_training_stop = True
        return control
