"""CLI verbs of the task suite: `tasks validate [F...]` and `tasks build`.

`tasks validate` exits 0 only when every task check passes and every code family's mutation kill rate
reaches `--min-kill`; it prints per-family tallies and every surviving mutant (to strengthen specs).
`tasks build` regenerates the data from the generators; `--check` compares with the files on disk
instead of writing (CI uses it to prove the committed data is what the generators make).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from harness.errors import HarnessError
from harness.logs import LOG, progress_enabled

__all__ = ["register"]


def _data_files(paths: list[str]) -> list[Path]:
    from harness.suite.build import default_data_dir

    if paths:
        return [Path(p) for p in paths]
    data = default_data_dir()
    files = sorted(data.glob("*.jsonl"))
    if not files:
        raise HarnessError(f"no task files in {data}; run `asm65816 tasks build` first")
    return files


def _manifest_problems(files: list[Path]) -> list[str]:
    """sha256/count of each file against MANIFEST.json in the same folder (when there is one)."""
    import hashlib

    problems = []
    for folder in sorted({f.parent for f in files}):
        manifest_path = folder / "MANIFEST.json"
        if not manifest_path.is_file():
            continue
        entries = json.loads(manifest_path.read_text())["files"]
        for file in files:
            if file.parent != folder:
                continue
            entry = entries.get(file.name)
            if entry is None:
                problems.append(f"{file.name}: not listed in {manifest_path}")
            elif hashlib.sha256(file.read_bytes()).hexdigest() != entry["sha256"]:
                problems.append(
                    f"{file.name}: sha256 differs from {manifest_path} (rebuild or update the manifest)"
                )
    return problems


def _print_report(report, elapsed: float, manifest: list[str]) -> None:
    from tabulate import tabulate

    print("tasks: " + ", ".join(f"{family} {n}" for family, n in report.tasks.items()))
    for line in manifest:
        print(f"MANIFEST: {line}")
    for problem in report.problems:
        print(f"FAIL {problem.task_id} [{problem.check}] {problem.detail}")
    if report.mutants_checked:
        rows = [
            [
                k.family,
                k.killed,
                k.weak,
                k.equivalent,
                k.proved,
                k.stillborn,
                k.identical,
                f"{100 * k.rate:.1f}%",
            ]
            for k in report.kills
        ]
        headers = [
            "family",
            "killed",
            "weak",
            "equivalent?",
            "proved equiv.",
            "stillborn",
            "identical",
            "kill rate",
        ]
        print(tabulate(rows, headers=headers))
        for s in report.survivors:
            print(
                f"SURVIVOR {s.task_id} line {s.line} [{s.operator}] {s.description}: {s.status.value} ({s.detail})"
            )
    verdict = "OK" if report.ok and not manifest else "FAILED"
    low = [k.family for k in report.kills if k.rate < report.min_kill]
    below = f" (below it: {', '.join(low)})" if low else ""
    print(
        f"{verdict}: {len(report.problems)} problem(s), min kill rate {report.min_kill:.0%}{below}, "
        f"{len(manifest)} manifest problem(s), {elapsed:.0f}s"
    )


def _mutation_record(files: list[Path], mode: str) -> dict | None:
    """The recorded mutation outcomes next to the task files (`--mutants recorded`, the default when
    a record exists), or None to check every mutant now."""
    from harness.suite.validate import MUTATION_FILE

    if mode == "all" or mode == "none":
        return None
    folders = {f.parent for f in files}
    paths = [folder / MUTATION_FILE for folder in folders if (folder / MUTATION_FILE).is_file()]
    if not paths:
        if mode == "recorded":
            raise HarnessError(
                f"no {MUTATION_FILE} next to the task files: run `asm65816 tasks build --mutants`"
            )
        return None
    return json.loads(paths[0].read_text(encoding="utf-8"))


def _validate(args: argparse.Namespace) -> int:
    from harness.suite.validate import load_tasks, validate

    files = _data_files(args.files)
    docs = load_tasks(files)
    record = _mutation_record(files, args.mutants)
    progress = None
    if not args.json and progress_enabled():
        from tqdm import tqdm

        progress = tqdm
    started = time.monotonic()
    report = validate(
        docs,
        mutation=args.mutants != "none",
        record=record,
        sample=args.sample,
        workers=args.workers,
        min_kill=args.min_kill,
        progress=progress,
    )
    guessed = None
    if args.guessers:
        from harness.dataset import is_fewshot
        from harness.suite.guessers import run_guessers

        test_docs = [doc for doc in docs if not is_fewshot(doc)]
        guessed = run_guessers(test_docs, workers=args.workers or os.cpu_count(), progress=progress)
    manifest = _manifest_problems(files)
    elapsed = time.monotonic() - started
    guessers_ok = guessed is None or guessed.ok
    if args.json:
        extra = {"guessers": guessed.to_json() if guessed else None, "manifest": manifest}
        print(json.dumps({**report.to_json(), **extra, "seconds": round(elapsed, 1)}, indent=2))
    else:
        if guessed is not None:
            print("content-free guessers (each must stay within 0.10 of chance; explain at most 0.10):")
            print("\n".join(guessed.lines()))
        _print_report(report, elapsed, manifest)
        if not guessers_ok:
            print(f"FAILED: {len(guessed.failures)} guesser(s) beat chance")
    return 0 if report.ok and not manifest and guessers_ok else 1


def _default_out() -> Path:
    """The bundled data folder when it belongs to a source checkout; an installed package's data are
    not rewritten behind the user's back (`--out` says where a build goes)."""
    from harness.suite.build import default_data_dir

    data = default_data_dir()
    if "site-packages" in data.parts or "dist-packages" in data.parts:
        raise HarnessError(
            f"the bundled data live in an installed package ({data}); give --out DIR for a new build, "
            "and point the tasks at it with ASM65816_TASK_DATA=DIR"
        )
    return data


def _task_configs(out: Path, check: bool) -> list[str]:
    """The lm-eval YAMLs next to the bundled data follow the registry and the data's identity."""
    from harness.dataset import dataset_identity
    from harness.lmeval import task_dir
    from harness.lmeval.yamls import write_all

    return write_all(Path(task_dir()), dataset_identity(out), check=check)


def _build(args: argparse.Namespace) -> int:
    import tempfile

    from harness.suite.build import build_all, default_data_dir, write_dataset

    if args.private is not None and not args.out:
        raise HarnessError(
            "a private split needs --out DIR (then point the tasks at it: ASM65816_TASK_DATA=DIR)"
        )
    # --check only reads, so the data an installed package carries can be checked in place
    out = Path(args.out) if args.out else (default_data_dir() if args.check else _default_out())
    bundled = out.resolve() == default_data_dir().resolve()
    result = build_all(private_seed=args.private, plans_from=out if out.is_dir() else None)
    if not args.check:
        for path in write_dataset(result, out):
            LOG.info("wrote %s", path)
        for name in _task_configs(out, check=False) if bundled else []:
            LOG.info("rewrote task config %s", name)
        if args.mutants:
            _write_mutation_record(result, out, args.workers)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_dataset(result, Path(tmp))
        differ = [
            p.name
            for p in fresh
            if not (out / p.name).is_file() or (out / p.name).read_bytes() != p.read_bytes()
        ]
    if bundled and not differ:
        differ += [f"task config {name}" for name in _task_configs(out, check=True)]
    for name in differ:
        print(f"DIFFERS {name}")
    print("OK: data and task configs match the generators" if not differ else f"FAILED: {len(differ)} differ")
    return 0 if not differ else 1


def _stats(args: argparse.Namespace) -> int:
    from harness.suite.families import kernel_of
    from harness.suite.stats import family_stats, format_stats
    from harness.suite.validate import load_tasks

    docs = load_tasks(_data_files(args.files))
    print(format_stats(family_stats(docs)))
    kernels = {kernel_of(doc) for doc in docs} - {None}
    print(f"distinct kernels in all splits: {len(kernels)}")
    return 0


def _write_mutation_record(result, out: Path, workers: int | None) -> None:
    from harness.suite.validate import MUTATION_FILE, mutation_record

    progress = None
    if progress_enabled():
        from tqdm import tqdm

        progress = tqdm
    docs = [doc for name, docs in result.files.items() if name != "fewshot.jsonl" for doc in docs]
    record = mutation_record(docs, workers=workers, progress=progress)
    path = out / MUTATION_FILE
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    LOG.info("wrote %s", path)


def register(subparsers: argparse._SubParsersAction) -> None:
    tasks = subparsers.add_parser("tasks", help="build and validate the asm65816 task data")
    verbs = tasks.add_subparsers(dest="tasks_command", metavar="VERB", required=True)

    validate = verbs.add_parser("validate", help="check every task and the mutation adequacy of the specs")
    validate.add_argument(
        "files", nargs="*", metavar="F", help="task JSONL files (default: the bundled data)"
    )
    validate.add_argument(
        "--mutants",
        choices=("auto", "recorded", "all", "none"),
        default="auto",
        help="mutation adequacy of gen/optimize/fix references: the recorded outcomes checked current and "
        "re-derived on a sample (recorded; the default when a MUTATION.json sits next to the data), every "
        "mutant now (all: minutes), or none",
    )
    validate.add_argument(
        "--sample", type=int, default=None, metavar="N", help="at most N random mutants per task"
    )
    validate.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    validate.add_argument(
        "--min-kill", type=float, default=0.95, help="required kill rate per family (default 0.95)"
    )
    validate.add_argument(
        "--guessers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="score content-free guessers for every family; fail when one beats chance (default: on)",
    )
    validate.add_argument("--json", action="store_true", help="print the report as JSON")
    validate.set_defaults(handler=_validate)

    stats = verbs.add_parser(
        "stats", help="kernels, skeletons, tiers, prompt similarity and reference sizes per family"
    )
    stats.add_argument("files", nargs="*", metavar="F", help="task JSONL files (default: the bundled data)")
    stats.set_defaults(handler=_stats)

    build = verbs.add_parser(
        "build", help="regenerate tasks/asm65816/data from the generators (deterministic)"
    )
    build.add_argument("--out", default=None, help="output folder (default: the bundled data folder)")
    build.add_argument(
        "--check", action="store_true", help="compare with the files on disk instead of writing"
    )
    build.add_argument(
        "--mutants", action="store_true", help="also check every mutant and write MUTATION.json (minutes)"
    )
    build.add_argument(
        "--private",
        type=int,
        default=None,
        metavar="SEED",
        help="a private split: other parameters, names and constants for every kernel (give --out)",
    )
    build.add_argument("--workers", type=int, default=None, help="worker processes for --mutants")
    build.set_defaults(handler=_build)
