"""`asm65816 check`: one candidate against one task (the verdict and its counterexample)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.dataset import load_tasks, resolve_tasks
from harness.errors import TaskDataError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    check = subparsers.add_parser(
        "check", help="verify one candidate routine against a task (prints the verdict and counterexample)"
    )
    check.add_argument(
        "--tasks",
        required=True,
        help="task file (JSONL), or a bundled family: asm65816_gen, asm65816_optimize, ...",
    )
    check.add_argument("--id", required=True, dest="task_id", help="task id in the file")
    check.add_argument(
        "--candidate", required=True, help="file with the candidate: ASAR source or a completion"
    )
    check.add_argument("--cases", type=int, default=None, help="override spec.cases")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.set_defaults(handler=_check)


def _find_task(path: str, task_id: str) -> dict[str, Any]:
    import difflib

    tasks = {task["id"]: task for task in load_tasks(resolve_tasks(path))}
    if task_id not in tasks:
        near = difflib.get_close_matches(task_id, list(tasks), n=3)
        raise TaskDataError(
            f"task id {task_id!r} not in {path}" + (f"; did you mean {near}?" if near else "")
        )
    return tasks[task_id]


def _check(args: argparse.Namespace) -> int:
    from harness.core.families import FAMILIES, code_families
    from harness.verify import check_equivalence, extract_code

    task = _find_task(args.tasks, args.task_id)
    if task.get("family") in FAMILIES and task.get("family") not in code_families():
        raise TaskDataError(
            f"task {args.task_id!r} is a {task.get('family')} task; `check` runs code against a reference "
            f"({', '.join(code_families())} tasks). Score other answers with `asm65816 score`"
        )
    candidate_path = Path(args.candidate)
    if not candidate_path.is_file():
        raise TaskDataError(f"candidate file {args.candidate!r} does not exist")
    text = candidate_path.read_text(encoding="utf-8", errors="replace")
    if "```" in text:  # a whole completion: take its code, as scoring does
        text = extract_code(text, task.get("entry"))
    verdict = check_equivalence(task, text, cases=args.cases)
    if args.json:
        print(json.dumps(verdict.to_json(), indent=2, sort_keys=True))
        return 0 if verdict.passes else 1
    status = "PASS" if verdict.passes else f"FAIL ({verdict.reason.value})"
    print(f"{task['id']}: {status}  cases={verdict.cases_run} seed={verdict.seed}")
    if verdict.detail:
        print(f"  {verdict.detail}")
    if verdict.ref_cycles_mean is not None:
        print(
            f"  cycles: reference {verdict.ref_cycles_mean:.1f} (max {verdict.ref_cycles_max}), "
            f"candidate {verdict.cand_cycles_mean:.1f} (max {verdict.cand_cycles_max})"
        )
        print(
            f"  master clocks: reference {verdict.ref_clocks_mean:.1f}, candidate {verdict.cand_clocks_mean:.1f}"
        )
    if verdict.ref_bytes is not None:
        print(f"  bytes: reference {verdict.ref_bytes}, candidate {verdict.cand_bytes}")
    if verdict.counterexample:
        print("  counterexample:")
        for key in ("inputs", "state", "expected", "got"):
            print(f"    {key}: {json.dumps(verdict.counterexample.get(key), sort_keys=True)}")
    return 0 if verdict.passes else 1
