"""`asm65816 synth`: generate verified training examples, and re-verify a file.

    asm65816 synth --kind explain_optimize|trace|review|explain|all --n N --seed S --out F [--workers W]
    asm65816 synth verify F [--json] [--workers N] [--tasks T.jsonl ...] [--no-contamination]

Generation is deterministic (same seed, kind and N -> byte-identical file). `verify` re-checks every
recorded claim from the file alone and checks contamination against the eval tasks; it names the
example and the claim of each failure and exits 1 when anything fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help="generate verified training examples (explain+optimize, trace, review, explain)",
        description="Generate training examples whose every claim is checked by ASAR and the emulator, "
        "or re-verify a generated file (`asm65816 synth verify FILE`).",
    )
    parser.add_argument(
        "--kind", default="all", help="explain_optimize, trace, review, explain or all (default)"
    )
    parser.add_argument("--n", type=int, default=None, help="number of examples to write")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0); same seed -> same file")
    parser.add_argument("--out", type=Path, default=None, help="output JSONL file")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes to build examples with (default 1; the file is the same for any value)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress bar (drawn only on a terminal anyway)"
    )
    parser.set_defaults(handler=_generate)
    verbs = parser.add_subparsers(dest="synth_command", metavar="verify")
    verify = verbs.add_parser(
        "verify",
        help="re-check every claim of a synth JSONL file",
        description="Re-assemble, re-run and re-count every recorded claim.",
    )
    verify.add_argument("file", type=Path)
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument(
        "--tasks",
        type=Path,
        action="append",
        default=None,
        help="eval task JSONL for the contamination check (repeatable; default: the suite's)",
    )
    verify.add_argument("--no-contamination", action="store_true", help="skip the contamination check")
    verify.add_argument("--workers", type=int, default=1, help="processes to verify with (default 1)")
    verify.add_argument(
        "--quiet", action="store_true", help="no progress bar (drawn only on a terminal anyway)"
    )
    verify.set_defaults(handler=_verify)


def _generate(args: argparse.Namespace) -> int:
    from harness.trainers.synth.generate import KIND_CHOICES, write_jsonl
    from harness.trainers.synth.runs import SynthError

    if args.n is None or args.out is None:
        raise SynthError("synth needs --n N and --out FILE (or the `verify FILE` subcommand)")
    if args.kind not in KIND_CHOICES:
        raise SynthError(f"--kind {args.kind!r} is unknown; choose one of {', '.join(KIND_CHOICES)}")
    started = time.monotonic()
    with _progress_bar(args.quiet, total=args.n, desc="synth") as bar:
        count = write_jsonl(
            args.out,
            args.kind,
            args.n,
            args.seed,
            lambda _count, _sample: bar.update(1),
            workers=args.workers,
        )
    print(
        f"wrote {count} examples ({args.kind}, seed {args.seed}) to {args.out} in "
        f"{time.monotonic() - started:.1f} s"
    )
    return 0


def _progress_bar(quiet: bool, *, total: int | None, desc: str) -> Any:
    """A tqdm bar on stderr, drawn only on a terminal (tqdm's `disable=None`) and never with --quiet, so
    logs and pipes get no carriage-return noise."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="example", file=sys.stderr, disable=True if quiet else None)


def _verify(args: argparse.Namespace) -> int:
    from harness.trainers.synth.verify import verify_file

    started = time.monotonic()
    with _progress_bar(args.quiet, total=None, desc="verify") as bar:
        report = verify_file(
            args.file,
            contamination=not args.no_contamination,
            task_files=args.tasks,
            progress=lambda count: bar.update(count - bar.n),
            workers=args.workers,
        )
    if args.json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        for failure in report.failures:
            print(f"FAIL {failure.format()}")
        for hit in report.contamination:
            print(f"CONTAMINATED {hit}")
        where = (
            "contamination not checked"
            if report.eval_texts is None
            else f"contamination: {len(report.contamination)} hits against {report.eval_texts} eval texts"
        )
        status = "all verified" if report.ok else f"{len(report.failures)} failed claims"
        print(
            f"{report.examples} examples, {report.claims} claims: {status}; {where} "
            f"({time.monotonic() - started:.1f} s)"
        )
    return 0 if report.ok else 1
