"""Offline scoring: a task file plus a predictions file -> the Results JSON of DESIGN.md.

Samples are scored in worker processes (one task and all its completions per job) and put back in
task-file order, and the JSON holds no timings, paths or host names, so the bytes written do not depend
on `--workers`. A task or tool problem is never a score: ToolMissing/ToolMismatch abort the run, and a
broken task is recorded as the sample's `error` with no metrics and counted in `overall.task_errors`.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import multiprocessing
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import __version__
from harness.core.families import primary_metrics
from harness.core.jsonl import read_jsonl
from harness.core.results import DatasetIdentity, Results, SampleScore
from harness.dataset import dataset_identity, is_dataset_dir, load_tasks
from harness.errors import HarnessError, TaskDataError, ToolMismatchError, ToolMissingError
from harness.score.aggregate import aggregate_metrics, mean
from harness.score.families import score_sample_detailed

__all__ = [
    "build_results",
    "dumps_results",
    "format_table",
    "load_predictions",
    "load_tasks",
    "score_predictions",
    "score_samples",
]


def load_predictions(path: str | Path) -> dict[str, list[str]]:
    """{id: [completion, ...]} in file order (several lines per id give pass@k)."""
    predictions: dict[str, list[str]] = {}
    for number, row in enumerate(read_jsonl(path, "predictions"), start=1):
        task_id, completion = row.get("id"), row.get("completion")
        if not isinstance(task_id, str) or not isinstance(completion, str):
            raise TaskDataError(f"{path}: row {number} needs string `id` and `completion`")
        predictions.setdefault(task_id, []).append(completion)
    return predictions


def _score_job(job: tuple[dict[str, Any], list[str]]) -> SampleScore:
    """Worker body: score one task; task errors become data, tool errors propagate."""
    task, completions = job
    try:
        return score_sample_detailed(task, completions)
    except (ToolMissingError, ToolMismatchError):
        raise
    except HarnessError as error:
        return SampleScore(str(task.get("id")), str(task.get("family")), {}, f"task_error: {error}")


def score_samples(
    jobs: Sequence[tuple[dict[str, Any], list[str]]], *, workers: int = 1, progress: bool = False
) -> list[SampleScore]:
    """Score (task, completions) jobs, in order, on `workers` processes (1: in this process)."""
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="sample", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    try:
        if workers <= 1 or len(jobs) <= 1:
            results = []
            for job in jobs:
                results.append(_score_job(job))
                bar.update()
            return results
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_score_job, job) for job in jobs]
            for _ in concurrent.futures.as_completed(futures):
                bar.update()
            return [future.result() for future in futures]
    finally:
        bar.close()


def _dataset_of(tasks_path: Path) -> DatasetIdentity:
    """A file inside a dataset folder (the bundled suite, or any folder with a MANIFEST.json) gets the
    folder's identity, the same one lm-eval results carry; a loose file is identified by itself."""
    if is_dataset_dir(tasks_path.resolve().parent):
        return dataset_identity(tasks_path.resolve().parent)
    digest = hashlib.sha256(tasks_path.read_bytes()).hexdigest()
    return DatasetIdentity(tasks_path.stem, digest[:12], digest)


def build_results(samples: Sequence[SampleScore], *, dataset: DatasetIdentity, model: str) -> Results:
    """Per-family aggregates, an overall summary and the samples."""
    by_family: dict[str, list[Mapping[str, float]]] = {}
    task_errors = 0
    for sample in samples:
        if sample.metrics:
            by_family.setdefault(sample.family, []).append(sample.metrics)
        elif sample.error:
            task_errors += 1
    metrics: dict[str, Any] = {family: aggregate_metrics(rows) for family, rows in sorted(by_family.items())}
    primary = primary_metrics()
    primaries = [metrics[f][primary[f]] for f in metrics if primary.get(f) in metrics[f]]
    metrics["overall"] = {
        "n": len(samples),
        "score": mean(primaries),
        "task_errors": task_errors,
        "families": len(by_family),
    }
    return Results(__version__, dataset, model, metrics, tuple(samples))


def dumps_results(results: Results) -> str:
    """Canonical text of a Results JSON (sorted keys, fixed indent, trailing newline)."""
    return json.dumps(results.to_json(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def score_predictions(
    tasks_path: str | Path,
    predictions_path: str | Path,
    *,
    workers: int = 1,
    model: str | None = None,
    dataset_name: str | None = None,
    dataset_version: str | None = None,
    progress: bool = False,
) -> Results:
    """Score a predictions file against a task file. Tasks without predictions score an empty answer
    (a missing answer is a failure, not a skipped sample); predictions for unknown ids are an error."""
    tasks = load_tasks(tasks_path)
    predictions = load_predictions(predictions_path)
    known = {task["id"] for task in tasks}
    unknown = [task_id for task_id in predictions if task_id not in known]
    if unknown:
        raise TaskDataError(f"predictions name {len(unknown)} id(s) not in the tasks, e.g. {unknown[:3]}")
    jobs = [(task, predictions.get(task["id"], [""])) for task in tasks]
    samples = score_samples(jobs, workers=workers, progress=progress)
    dataset = _dataset_of(Path(tasks_path))
    dataset = replace(dataset, name=dataset_name or dataset.name, version=dataset_version or dataset.version)
    return build_results(samples, dataset=dataset, model=model or Path(predictions_path).stem)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def format_table(results: Results, metrics: Iterable[str] | None = None) -> str:
    """Per-family table (tabulate): n, then each family's metrics, one row per family."""
    from tabulate import tabulate

    family_metrics = {k: v for k, v in results.metrics.items() if k != "overall"}
    names = (
        list(metrics)
        if metrics is not None
        else sorted({name for row in family_metrics.values() for name in row if name != "n"})
    )
    rows = [
        [family, row.get("n", 0), *(_cell(row[name]) if name in row else "-" for name in names)]
        for family, row in sorted(family_metrics.items())
    ]
    overall = results.metrics.get("overall", {})
    rows.append(["overall", overall.get("n", 0), *("" for _ in names)])
    table = tabulate(rows, headers=["family", "n", *names], tablefmt="github")
    score = overall.get("score")
    return table + (
        f"\noverall score (mean of family primary metrics): {score:.3f}" if score is not None else ""
    )
