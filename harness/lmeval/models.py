"""Bundled lm-eval models: `asm65816-oracle` (a setup check) and `asm65816-replay` (score any system).

- The oracle answers every request with the task's gold (reference code, emulator-derived trace,
  the gold mc letter). A correct installation scores 1.0 on gen/optimize/fix/trace/mc; anything less
  means the pipeline (ASAR, emulator, data, lm-eval glue) is broken, not the model.
- Replay answers from a predictions JSONL (`{"id": ..., "completion": ...}`, several lines per id
  for pass@k), so outputs of APIs or old Ollama runs are scored by the same verifiers. For mc it
  reads the letter or choice text from the completion. A missing id answers "" (a failure), and the
  count of missing ids is reported, never silently skipped.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from lm_eval.api.model import LM

from harness.errors import TaskDataError
from harness.lmeval.glue import gold_completion
from harness.score.families import mc_choice

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


class _TaskAnsweringLM(LM):
    """Answers from the task doc attached to each request; no tokenizer, no weights."""

    def __init__(self, **_: Any) -> None:
        super().__init__()

    def completion_for(self, doc: dict[str, Any], request) -> str:
        raise NotImplementedError

    def generate_until(self, requests, disable_tqdm: bool = False) -> list[str]:
        return [self.completion_for(_doc(request), request) for request in requests]

    def loglikelihood(self, requests, disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        results = []
        for request in requests:
            doc = _doc(request)
            chosen = mc_choice(self.completion_for(doc, request), doc["answer"]["choices"])
            hit = chosen == _choice_index(request)
            results.append((0.0 if hit else _WORST, hit))
        return results

    def loglikelihood_rolling(self, requests, disable_tqdm: bool = False) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} answers asm65816 tasks only (no perplexity tasks)")


class OracleLM(_TaskAnsweringLM):
    """`--model asm65816-oracle`: the gold answer for every task."""

    def completion_for(self, doc: dict[str, Any], request) -> str:
        return gold_completion(doc)


class ReplayLM(_TaskAnsweringLM):
    """`--model asm65816-replay --model_args predictions=preds.jsonl`."""

    def __init__(self, predictions: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not predictions:
            raise TaskDataError("asm65816-replay needs --model_args predictions=PATH.jsonl")
        self._completions = self._load(Path(predictions))
        self._served: dict[str, int] = defaultdict(int)
        self.missing: set[str] = set()

    @staticmethod
    def _load(path: Path) -> dict[str, list[str]]:
        if not path.is_file():
            raise TaskDataError(f"predictions file {path} does not exist")
        completions: dict[str, list[str]] = defaultdict(list)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                completions[str(record["id"])].append(str(record["completion"]))
            except (json.JSONDecodeError, KeyError, TypeError) as error:
                raise TaskDataError(
                    f'{path}:{number}: expected {{"id": ..., "completion": ...}} ({error})'
                ) from error
        return dict(completions)

    def completion_for(self, doc: dict[str, Any], request) -> str:
        key = str(doc["id"])
        available = self._completions.get(key)
        if not available:
            if key not in self.missing:
                self.missing.add(key)
                LOG.warning("asm65816-replay: no prediction for %s (scored as a failure)", key)
            return ""
        if request.args and isinstance(request.args[-1], dict):  # generate_until: next repeat of this id
            index = self._served[key] % len(available)
            self._served[key] += 1
            return available[index]
        return available[0]
