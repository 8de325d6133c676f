"""Bundled lm-eval models: `asm65816-oracle` (a setup check) and `asm65816-replay` (score any system).

- The oracle answers every request with the task's gold (reference code, emulator-derived trace,
  the gold mc letter). A correct installation scores 1.0 on every family; anything less means the
  pipeline (ASAR, emulator, data, lm-eval glue) is broken, not the model.
- Replay answers from a predictions JSONL (`harness.core.predictions`: `{"id", "completion"}` or
  EvalPlus's `{"task_id", "solution"}`), so outputs of APIs or old Ollama runs are scored by the same
  verifiers as `asm65816 score`, with the same rules: several lines per id are several samples (all of
  them reach the scorer, whatever lm-eval's repeats), `"completion": null` is an empty answer, mc takes
  the choice most samples state (no parseable choice, no credit), and an id without a prediction is
  refused unless `allow_missing=true` (then it is an empty answer, a failure, and it is logged).

Both work with `--apply_chat_template` (the template is irrelevant to them: they answer from the doc)
and any `--num_fewshot` the data allows.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from lm_eval.api.model import LM

from harness.asar.cleanup import install_termination_cleanup
from harness.core.predictions import read_predictions
from harness.errors import TaskDataError
from harness.lmeval.glue import REPLAY_MARKER, gold_completion
from harness.score.families import mc_answer, mc_doc_answer

__all__ = ["OracleLM", "ReplayLM"]

LOG = logging.getLogger(__name__)
_WORST = -1.0e9


def _doc(request) -> dict[str, Any]:
    row = request.doc
    if not isinstance(row, dict) or "doc_json" not in row:
        raise TaskDataError("this model only answers asm65816 tasks (request without an asm65816 doc)")
    return json.loads(row["doc_json"])


def _choice_index(request) -> int:
    """Which choice letter a loglikelihood request scores (continuation 'A', 'B', ...)."""
    return ord(request.args[1].strip()[:1].upper()) - ord("A")


def _flag(value: object) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes")


class _TaskAnsweringLM(LM):
    """Answers from the task doc attached to each request; no tokenizer, no weights."""

    def __init__(self, **_: Any) -> None:
        super().__init__()
        install_termination_cleanup()  # a killed evaluation leaves no ASAR process or temp dir behind

    def completions_for(self, doc: dict[str, Any]) -> list[str]:
        raise NotImplementedError

    @property
    def tokenizer_name(self) -> str:
        """Chat templates do not change what these models answer; the name keys lm-eval's caches."""
        return type(self).__name__

    def apply_chat_template(
        self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True
    ) -> str:
        return "\n\n".join(str(message.get("content", "")) for message in chat_history)

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        answers = []
        for request in requests:
            completions = self.completions_for(_doc(request))
            answers.append(
                completions[0] if len(completions) == 1 else REPLAY_MARKER + json.dumps(completions)
            )
        return answers

    def loglikelihood(self, requests, disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        results = []
        for request in requests:
            doc = _doc(request)
            choices, _ = mc_doc_answer(doc)
            chosen = mc_answer(self.completions_for(doc), choices)
            hit = chosen is not None and chosen == _choice_index(request)
            results.append((0.0 if hit else _WORST, hit))
        return results

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} answers asm65816 tasks only (no perplexity tasks)")


class OracleLM(_TaskAnsweringLM):
    """`--model asm65816-oracle`: the gold answer for every task."""

    def completions_for(self, doc: dict[str, Any]) -> list[str]:
        return [gold_completion(doc)]


class ReplayLM(_TaskAnsweringLM):
    """`--model asm65816-replay --model_args predictions=preds.jsonl[,allow_missing=true]`."""

    def __init__(self, predictions: str | None = None, allow_missing: object = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not predictions:
            raise TaskDataError("asm65816-replay needs --model_args predictions=PATH.jsonl")
        loaded = read_predictions(Path(predictions))
        self._completions = loaded.completions
        self._allow_missing = _flag(allow_missing)
        self.missing: set[str] = set()
        if loaded.null_completions:
            LOG.warning(
                "asm65816-replay: %d null completion(s) scored as empty answers", loaded.null_completions
            )

    def completions_for(self, doc: dict[str, Any]) -> list[str]:
        key = str(doc["id"])
        available = self._completions.get(key)
        if available:
            return list(available)
        if not self._allow_missing:
            raise TaskDataError(
                f"asm65816-replay: no prediction for {key}; add it, restrict the run (--limit/--tasks), or "
                "pass --model_args allow_missing=true to score missing ids as empty answers (failures)"
            )
        if key not in self.missing:
            self.missing.add(key)
            LOG.warning("asm65816-replay: no prediction for %s (scored as an empty answer)", key)
        return [""]
