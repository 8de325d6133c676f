"""Pure functions behind the lm-eval task YAMLs (`tasks/asm65816/utils.py` re-exports them).

Rows handed to lm-eval are flat (`id`, `family`, `prompt`, `doc_json`, dataset identity): task docs
carry nested `spec`/`answer` objects whose keys vary per task, and Arrow would widen them into one
schema full of nulls. The full doc travels as JSON and is parsed back for scoring.

Scoring runs in the `verified` custom filter: a whole task's completions are assembled and emulated
in parallel (`harness.score.score_samples`), then `process_results` only picks numbers out. The
filter's output (what lm-eval logs as `filtered_resps`) is each sample's score record as JSON text.
A broken task stops the run with a TaskDataError naming it, after every sample was scored: lm-eval
has no way to mark a single sample invalid, and averaging the survivors would hide it.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from harness import dataset as _dataset
from harness.core.families import FAMILIES, primary_metric
from harness.core.results import DatasetIdentity
from harness.errors import TaskDataError
from harness.logs import progress_enabled

__all__ = [
    "FAMILY_METRICS",
    "dataset_identity",
    "doc_to_choice",
    "doc_to_target",
    "doc_to_text",
    "first_response",
    "REPLAY_MARKER",
    "geomean",
    "gold_completion",
    "load_docs",
    "load_family",
    "process_mc_results",
    "task_doc",
    "process_results",
    "verify_responses",
]

# Metrics each family reports to lm-eval (the family registry's, in its order), plus `score`: the
# family's primary metric under one name, which the group averages.
FAMILY_METRICS: Mapping[str, tuple[str, ...]] = {
    name: (*(metric.name for metric in FAMILIES.get(name).metrics), "score") for name in FAMILIES
}
# Defined only for some samples: None elsewhere (the registry has none today).
OPTIONAL_METRICS = frozenset(
    metric.name for name in FAMILIES for metric in FAMILIES.get(name).metrics if metric.conditional
)
# How `asm65816-replay` hands the filter every completion of an id (several lines per id are several
# samples on both scoring routes): a response that starts with this per-process secret is a JSON list.
# A model's own output cannot carry it, so only the replay model can pass several samples.
REPLAY_MARKER = f"\x00asm65816-replay:{secrets.token_hex(8)}:"


def dataset_identity() -> DatasetIdentity:
    """Identity of the data the tasks read (see `harness.dataset`)."""
    return _dataset.dataset_identity(_dataset.task_data_dir())


def load_docs(family: str, split: str = "test") -> list[dict[str, Any]]:
    """Task docs of one family; `split="fewshot"` reads fewshot.jsonl filtered by family."""
    path = _dataset.task_data_dir() / ("fewshot.jsonl" if split == "fewshot" else f"{family}.jsonl")
    if split == "fewshot" and not path.exists():
        return []
    return [doc for doc in _dataset.read_jsonl(path) if doc.get("family") == family]


def _rows(docs: Sequence[Mapping[str, Any]]) -> dict[str, list]:
    from harness import __version__

    identity = dataset_identity()
    columns: dict[str, list] = {
        "id": [],
        "family": [],
        "prompt": [],
        "doc_json": [],
        "dataset_version": [],
        "dataset_sha256": [],
        "harness_version": [],
    }
    for doc in docs:
        columns["id"].append(str(doc["id"]))
        columns["family"].append(str(doc["family"]))
        columns["prompt"].append(str(doc["prompt"]))
        columns["doc_json"].append(json.dumps(doc))
        columns["dataset_version"].append(identity.version)
        columns["dataset_sha256"].append(identity.sha256)
        columns["harness_version"].append(__version__)
    return columns


def _check_stamp(metadata: Mapping[str, Any]) -> None:
    """The YAML's stamped sha256 must match the installed data (unless ASM65816_TASK_DATA overrides)."""
    stamped = metadata.get("dataset_sha256")
    if not stamped or os.environ.get("ASM65816_TASK_DATA"):
        return
    actual = dataset_identity().sha256
    if stamped != actual:
        raise TaskDataError(
            f"task data sha256 {actual[:12]}... differs from the task config's {str(stamped)[:12]}...: "
            "the installed data were modified; reinstall, or run `python -m harness.lmeval.yamls` "
            "after regenerating the data on purpose"
        )


def load_family(family: str, **metadata: Any) -> dict[str, Any]:
    """`custom_dataset` target: {"test": Dataset, "fewshot": Dataset}, from the installed data.

    lm-eval passes the task's `metadata` as keyword arguments; its stamped sha256 is checked."""
    import datasets

    _check_stamp(metadata)
    return {
        split: datasets.Dataset.from_dict(_rows(load_docs(family, split))) for split in ("test", "fewshot")
    }


def task_doc(row: Mapping[str, Any]) -> dict[str, Any]:
    """The task behind a dataset row (rows carry it as `doc_json`; a plain task passes through)."""
    return json.loads(row["doc_json"]) if "doc_json" in row else dict(row)


def _letters(count: int) -> list[str]:
    return [chr(ord("A") + index) for index in range(count)]


def doc_to_text(row: Mapping[str, Any]) -> str:
    """The prompt as a base model sees it; chat templates wrap the same text as the user turn."""
    doc = task_doc(row)
    text = f"### Task\n{doc['prompt'].strip()}\n"
    choices = doc["answer"]["choices"] if doc.get("family") == "mc" else []
    if choices and not all(str(choice).strip() in doc["prompt"] for choice in choices):
        # the bundled prompts show their lettered choices; a suite whose prompts do not gets them here
        lines = (
            f"{letter}. {choice}" for letter, choice in zip(_letters(len(choices)), choices, strict=True)
        )
        text += "\n" + "\n".join(lines) + "\n\nAnswer with the letter of the correct choice.\n"
    return text + "\n### Answer\n"


def doc_to_choice(row: Mapping[str, Any]) -> list[str]:
    return _letters(len(task_doc(row)["answer"]["choices"]))


def _trace_text(doc: Mapping[str, Any]) -> str:
    from harness.verify.spec import parse_spec
    from harness.verify.trace import expected_state

    expected = expected_state(doc)
    locations = parse_spec(doc.get("spec")).outputs
    return "\n".join(f"{loc.text}={loc.format(expected[loc.text])}" for loc in locations)


def gold_completion(doc: Mapping[str, Any]) -> str:
    """The gold answer as a completion (few-shot targets, the oracle model). Trace values come from
    the emulator, never from the stored answer text."""
    family = doc.get("family")
    if family in ("gen", "fix", "optimize"):
        return f"```asm\n{str(doc['reference']).strip()}\n```\n"
    if family == "trace":
        return f"```\n{_trace_text(doc)}\n```\n"  # the final block TRACE_ANSWER_FORMAT asks for
    if family == "explain":
        answer = doc.get("answer") or {}
        return str(answer.get("example") or answer.get("text") or "")
    if family == "mc":
        return _letters(len(doc["answer"]["choices"]))[doc["answer"]["gold"]]
    raise TaskDataError(f"task {doc.get('id')!r}: unknown family {family!r}")


def doc_to_target(row: Mapping[str, Any]) -> str | int:
    doc = task_doc(row)
    return doc["answer"]["gold"] if doc.get("family") == "mc" else gold_completion(doc)


def completions_of(responses: Sequence[object]) -> list[str]:
    """A doc's responses as completions: a replay marker expands into the id's completions (once,
    however many repeats lm-eval asked for); anything that is not text is an empty answer."""
    completions: list[str] = []
    for response in responses:
        text = response if isinstance(response, str) else ""
        if text.startswith(REPLAY_MARKER):
            expanded = [str(item) for item in json.loads(text[len(REPLAY_MARKER) :])]
            return expanded or [""]
        completions.append(text)
    return completions or [""]


def verify_responses(resps: Sequence[Sequence[str]], docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Custom filter: score every doc's completions (all repeats: pass@k), in parallel, in doc order.

    Like lm-eval's `take_first`, it turns each doc's list of responses into one value: here the
    sample's score record as JSON text, which `process_results` then reads."""
    from harness.asar import ALLOW_DEGRADED_ENV, require_sandbox
    from harness.score import score_samples

    require_sandbox(allow_degraded=os.environ.get(ALLOW_DEGRADED_ENV) == "1")
    jobs = [(task_doc(doc), completions_of(responses)) for responses, doc in zip(resps, docs, strict=True)]
    workers = int(os.environ.get("ASM65816_WORKERS") or os.cpu_count() or 1)
    scores = score_samples(jobs, workers=workers, progress=len(jobs) > 1 and progress_enabled())
    broken = [score for score in scores if score.task_error]
    if broken:
        shown = "; ".join(f"{score.id}: {score.error}" for score in broken[:5])
        raise TaskDataError(f"{len(broken)} task error(s) (a broken task or harness, not the model): {shown}")
    return [json.dumps(score.to_json(), sort_keys=True) for score in scores]


def first_response(resps, docs):
    """mc: lm-eval's `take_first` (one loglikelihood per choice); it exists so every subtask shares
    the filter name `verified` and the group can average `score` across all six."""
    return [responses[0] for responses in resps]


def process_results(row: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> dict[str, float | None]:
    """Pick the family's declared metrics out of the filter's score; `score` = primary metric."""
    family = row["family"]
    scored = results[0]
    scored = json.loads(scored) if isinstance(scored, str) else scored
    metrics = dict(scored.get("metrics") or {})
    out: dict[str, float | None] = {}
    for name in FAMILY_METRICS[family]:
        if name == "score":
            out[name] = float(metrics.get(primary_metric(family), 0.0))
        elif name in OPTIONAL_METRICS:
            out[name] = metrics.get(name)
        else:
            out[name] = float(metrics.get(name, 0.0))
    return out


def process_mc_results(row: Mapping[str, Any], results: Sequence) -> dict[str, float]:
    """Accuracy from loglikelihoods over the choice letters (lm-eval's `acc`), plus `score`.

    Only a strict maximum is an answer: a tie at the top (a model that gives every choice the same
    score, as a replay of an unparseable answer does) earns nothing, where argmax would pick A."""
    doc = task_doc(row)
    logliks = [float(result[0]) if isinstance(result, (tuple, list)) else float(result) for result in results]
    gold = int(doc["answer"]["gold"])
    correct = float(all(logliks[gold] > value for index, value in enumerate(logliks) if index != gold))
    return {"acc": correct, "score": correct}


def geomean(values: Sequence[float | None]) -> float | None:
    """Geometric mean of a ratio metric over the samples (every sample defines it); None (JSON null,
    never NaN) for no samples."""
    kept = [float(v) for v in values if v is not None]
    return statistics.geometric_mean(kept) if kept else None
