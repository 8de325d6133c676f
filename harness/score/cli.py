"""`asm65816 score`: a predictions file against a task file -> the Results JSON and a table."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from harness.errors import TaskDataError
from harness.logs import LOG, progress_enabled

__all__ = ["register"]


def _env_allows_degraded() -> bool:
    from harness.asar import ALLOW_DEGRADED_ENV

    return os.environ.get(ALLOW_DEGRADED_ENV) == "1"


def register(subparsers: Any) -> None:
    score = subparsers.add_parser("score", help="score a predictions file against a task file (Results JSON)")
    score.add_argument(
        "--tasks",
        required=True,
        help="task file (JSONL), or a bundled family: asm65816_gen, asm65816_optimize, ...",
    )
    score.add_argument(
        "--predictions", required=True, help='predictions JSONL: {"id": ..., "completion": ...}'
    )
    score.add_argument("--out", required=True, help="where to write the Results JSON")
    score.add_argument(
        "--workers", type=int, default=1, help="worker processes (output is identical for any N)"
    )
    score.add_argument(
        "--model", default=None, help="model name recorded in the results (default: file stem)"
    )
    score.add_argument("--dataset-name", default=None, help="dataset name (default: tasks file stem)")
    score.add_argument("--dataset-version", default=None, help="dataset version (default: sha256 prefix)")
    score.add_argument(
        "--allow-missing",
        action="store_true",
        help="score tasks without a prediction as empty answers (failures) instead of refusing the run",
    )
    score.add_argument(
        "--allow-degraded-sandbox",
        action="store_true",
        help="score even where ASAR cannot be fully isolated (also ASM65816_ALLOW_DEGRADED_SANDBOX=1); "
        "results record the sandbox level either way",
    )
    score.add_argument("--no-progress", action="store_true", help="no progress bar")
    score.set_defaults(handler=_score)


def _score(args: argparse.Namespace) -> int:
    from harness.asar import require_sandbox
    from harness.score import dumps_results, format_table, score_predictions

    if args.workers < 1:
        raise TaskDataError(f"--workers {args.workers}: give at least 1")
    require_sandbox(allow_degraded=args.allow_degraded_sandbox or _env_allows_degraded())
    from harness.dataset import resolve_tasks

    results = score_predictions(
        resolve_tasks(args.tasks),
        args.predictions,
        workers=args.workers,
        model=args.model,
        dataset_name=args.dataset_name,
        dataset_version=args.dataset_version,
        progress=not args.no_progress and progress_enabled(),
        allow_missing=args.allow_missing,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps_results(results), encoding="utf-8")
    print(format_table(results))
    LOG.info("results written to %s", out)
    scoring = results.scoring
    if scoring is not None and scoring.missing:
        LOG.warning(
            "%d task(s) had no prediction and scored as failures (--allow-missing)", len(scoring.missing)
        )
    if scoring is not None and scoring.null_completions:
        LOG.warning("%d null completion(s) scored as empty answers", scoring.null_completions)
    if results.task_errors:
        shown = ", ".join(results.task_errors[:10]) + (" ..." if len(results.task_errors) > 10 else "")
        print(
            f"asm65816: error: {len(results.task_errors)} task error(s) (broken task or harness, not the "
            f"model): {shown}; the run is invalid, see each sample's `error` in {out}",
            file=sys.stderr,
        )
        return 2
    return 0
