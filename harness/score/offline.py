"""Offline scoring: a task file plus a predictions file -> the Results JSON of DESIGN.md.

Samples are scored in worker processes (one task and all its completions per job) and put back in
task-file order, and the JSON holds no timings, paths or host names, so the bytes written do not depend
on `--workers`. Whatever a candidate causes is its failure (a score of 0 with its reason). Only a broken
task or harness is a task error: the sample gets no metrics, the run records it under
`scoring.task_errors`, and `asm65816 score` exits 2 naming it instead of averaging the survivors. A
missing or wrong tool (ASAR) aborts the run.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import multiprocessing
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import __version__
from harness.asar import SandboxLimits, sandbox_state
from harness.asar.cleanup import install_termination_cleanup
from harness.core.families import primary_metrics
from harness.core.predictions import Predictions, read_predictions
from harness.core.results import DatasetIdentity, Results, SampleScore, Scoring
from harness.dataset import dataset_identity, is_dataset_dir, load_tasks
from harness.errors import HarnessError, TaskDataError, ToolMismatchError, ToolMissingError
from harness.score.aggregate import aggregate_metrics, mean
from harness.score.families import score_sample_detailed
from harness.verify.equivalence import BUDGET_FACTOR, BUDGET_FLOOR, REFERENCE_MAX_CYCLES, SHRINK_CYCLES

__all__ = [
    "build_results",
    "dumps_results",
    "format_table",
    "load_predictions",
    "load_tasks",
    "scoring_record",
    "score_predictions",
    "score_samples",
]


def load_predictions(path: str | Path) -> dict[str, list[str]]:
    """{id: [completion, ...]} in file order (several lines per id give pass@k)."""
    return {key: list(value) for key, value in read_predictions(path).completions.items()}


def _score_job(job: tuple[dict[str, Any], list[str]]) -> SampleScore:
    """Worker body: score one task; task errors become data, tool errors propagate."""
    task, completions = job
    try:
        return score_sample_detailed(task, completions)
    except (ToolMissingError, ToolMismatchError):
        raise
    except HarnessError as error:
        tier = task.get("tier")
        return SampleScore(
            str(task.get("id")),
            str(task.get("family")),
            {},
            f"task_error: {error}",
            task_error=True,
            tier=tier if isinstance(tier, str) else None,
        )


def _worker_context() -> multiprocessing.context.BaseContext:
    """How scoring workers start: forked on Linux while this process runs no other thread, so each
    inherits the imported harness instead of importing it again (~0.3 s per worker, most of a small
    run); spawned otherwise (another thread may hold a lock the child would need, and other systems
    do not fork safely). The workers use no inherited resource but the code."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def score_samples(
    jobs: Sequence[tuple[dict[str, Any], list[str]]], *, workers: int = 1, progress: bool = False
) -> list[SampleScore]:
    """Score (task, completions) jobs, in order, on `workers` processes (1: in this process)."""
    if workers <= 1 or len(jobs) <= 1:
        with _progress(len(jobs), progress) as advance:
            results = []
            for job in jobs:
                results.append(_score_job(job))
                advance()
            return results
    with concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=_worker_context(), initializer=install_termination_cleanup
    ) as pool:
        # the workers start at the first submit, before the progress bar's thread exists
        futures = [pool.submit(_score_job, job) for job in jobs]
        with _progress(len(jobs), progress) as advance:
            for _ in concurrent.futures.as_completed(futures):
                advance()
        return [future.result() for future in futures]


@contextlib.contextmanager
def _progress(total: int, shown: bool) -> Iterator[Callable[[], object]]:
    """A tqdm bar's `update` when `shown`; no bar at all otherwise (tqdm starts a monitor thread for
    every bar, even a disabled one, and a process with threads does not fork its workers)."""
    if not shown:
        yield lambda: None
        return
    from tqdm import tqdm

    with tqdm(total=total, unit="sample", file=sys.stderr, dynamic_ncols=True) as bar:
        yield bar.update


def _dataset_of(tasks_path: Path) -> DatasetIdentity:
    """A file inside a dataset folder (the bundled suite, or any folder with a MANIFEST.json) gets the
    folder's identity, the same one lm-eval results carry; a loose file is identified by itself."""
    if is_dataset_dir(tasks_path.resolve().parent):
        return dataset_identity(tasks_path.resolve().parent)
    digest = hashlib.sha256(tasks_path.read_bytes()).hexdigest()
    return DatasetIdentity(tasks_path.stem, digest[:12], digest)


def _sandbox() -> dict[str, Any]:

    return dict(sandbox_state().to_json())


def scoring_record(
    samples: Sequence[SampleScore], *, missing: Sequence[str] = (), null_completions: int = 0
) -> Scoring:
    """The `scoring` block of a run: sandbox, budgets, task errors and failure reasons."""

    reasons: dict[str, Counter[str]] = {}
    for sample in samples:
        for reason in sample.reasons:
            reasons.setdefault(sample.family, Counter())[reason.value] += 1
    return Scoring(
        sandbox=_sandbox(),
        budgets={
            "emulator": {
                "candidate_cycles": f"reference cycles x {BUDGET_FACTOR} + {BUDGET_FLOOR} (per case)",
                "reference_cycles": REFERENCE_MAX_CYCLES,
                "shrink_cycles": SHRINK_CYCLES,
            },
            "asar": SandboxLimits().to_json(),
        },
        task_errors=tuple(sample.id for sample in samples if sample.task_error),
        missing=tuple(missing),
        null_completions=null_completions,
        failure_reasons={family: dict(sorted(counts.items())) for family, counts in sorted(reasons.items())},
    )


def build_results(
    samples: Sequence[SampleScore], *, dataset: DatasetIdentity, model: str, scoring: Scoring | None = None
) -> Results:
    """Per-family aggregates, an overall summary and the samples. Task errors are counted, named in
    `scoring`, and left out of the means (the run is invalid and says so)."""
    by_family: dict[str, list[Mapping[str, float]]] = {}
    for sample in samples:
        if not sample.task_error:
            by_family.setdefault(sample.family, []).append(sample.metrics)
    metrics: dict[str, Any] = {family: aggregate_metrics(rows) for family, rows in sorted(by_family.items())}
    primary = primary_metrics()
    primaries = [metrics[f][primary[f]] for f in metrics if primary.get(f) in metrics[f]]
    metrics["overall"] = {
        "n": len(samples),
        "score": mean(primaries),
        "task_errors": sum(1 for sample in samples if sample.task_error),
        "families": len(by_family),
    }
    return Results(__version__, dataset, model, metrics, tuple(samples), scoring, tier_metrics(samples))


def tier_metrics(samples: Sequence[SampleScore]) -> dict[str, dict[str, dict[str, float]]]:
    """Each family's primary metric per difficulty tier (easy/medium/hard) and the count behind it:
    a model that only solves the easy third shows it here, not in one mean."""
    primary = primary_metrics()
    rows: dict[str, dict[str, list[Mapping[str, float]]]] = {}
    for sample in samples:
        if sample.tier is not None and not sample.task_error:
            rows.setdefault(sample.family, {}).setdefault(sample.tier, []).append(sample.metrics)
    tiers: dict[str, dict[str, dict[str, float]]] = {}
    for family, by_tier in sorted(rows.items()):
        name = primary.get(family)
        for tier, group in sorted(by_tier.items()):
            aggregated = aggregate_metrics(group)
            if name in aggregated:
                tiers.setdefault(family, {})[tier] = {name: aggregated[name], "n": float(len(group))}
    return tiers


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
    allow_missing: bool = False,
) -> Results:
    """Score a predictions file against a task file.

    Every task needs a prediction: missing ones are refused (TaskDataError naming how many and which)
    unless `allow_missing`, which scores them as empty answers and records them in `scoring.missing`.
    Predictions for unknown ids are always an error."""
    tasks = load_tasks(tasks_path)
    predictions = read_predictions(predictions_path)
    jobs, missing = _jobs(tasks, predictions, allow_missing)
    samples = score_samples(jobs, workers=workers, progress=progress)
    dataset = _dataset_of(Path(tasks_path))
    dataset = replace(dataset, name=dataset_name or dataset.name, version=dataset_version or dataset.version)
    scoring = scoring_record(samples, missing=missing, null_completions=predictions.null_completions)
    return build_results(
        samples, dataset=dataset, model=model or Path(predictions_path).stem, scoring=scoring
    )


def _jobs(
    tasks: Sequence[dict[str, Any]], predictions: Predictions, allow_missing: bool
) -> tuple[list[tuple[dict[str, Any], list[str]]], list[str]]:
    known = {task["id"] for task in tasks}
    unknown = [task_id for task_id in predictions.completions if task_id not in known]
    if unknown:
        raise TaskDataError(
            f"{predictions.path}: {len(unknown)} prediction id(s) are not in the tasks, e.g. {unknown[:3]}"
        )
    missing = [task["id"] for task in tasks if task["id"] not in predictions.completions]
    if missing and not allow_missing:
        raise TaskDataError(
            f"{predictions.path}: predictions cover {len(tasks) - len(missing)} of {len(tasks)} tasks; "
            f"{len(missing)} missing (e.g. {missing[:3]}). Score a subset with a task file of just those "
            "tasks, or pass --allow-missing to score the missing ones as empty answers (failures)"
        )
    jobs = [(task, list(predictions.completions.get(task["id"], ("",)))) for task in tasks]
    return jobs, missing


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
    table = tabulate(rows, headers=["family", "n", *names], tablefmt="github", disable_numparse=True)
    score = overall.get("score")
    return (
        table
        + (f"\noverall score (mean of family primary metrics): {score:.3f}" if score is not None else "")
        + format_tier_table(results.tiers)
    )


def format_tier_table(tiers: Mapping[str, Mapping[str, Mapping[str, float]]]) -> str:
    """Each family's primary metric by tier (`score (n)` per cell), or nothing when no task has a tier."""
    from tabulate import tabulate

    if not tiers:
        return ""
    order = ["easy", "medium", "hard"]
    names = order + sorted({t for by in tiers.values() for t in by} - set(order))
    rows = []
    for family, by_tier in sorted(tiers.items()):
        metric = next((k for row in by_tier.values() for k in row if k != "n"), "")
        cells = [
            f"{_cell(by_tier[t][metric])} ({int(by_tier[t]['n'])})" if t in by_tier else "-" for t in names
        ]
        rows.append([family, metric, *cells])
    return "\n\nby difficulty tier (primary metric, tasks):\n" + tabulate(
        rows, headers=["family", "metric", *names], tablefmt="github", disable_numparse=True
    )
