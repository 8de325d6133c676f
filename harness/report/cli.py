"""`asm65816 report`: markdown tables and per-family PNG charts (ladder and quant views) for stored runs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.gate.store import add_store_argument, load_run, store_from_args

__all__ = ["register"]


def _report(args: argparse.Namespace) -> int:
    from harness.report import write_report

    store = store_from_args(args)
    records = [load_run(ref, store) for ref in args.runs]
    written = write_report(records, Path(args.out), metric=args.metric, seed=args.seed or 0)
    if not args.quiet:
        print(written[0].read_text(encoding="utf-8"))
    for path in written:  # the report's files are its result
        print(path)
    return 0


def register(subparsers: Any) -> None:
    report = subparsers.add_parser(
        "report", help="write markdown tables and per-family PNG charts (ladder and quant views) for runs"
    )
    report.add_argument(
        "runs", nargs="+", help="runs (files, run ids or latest:MODEL); the first is the reference"
    )
    report.add_argument("--out", required=True, help="output directory")
    report.add_argument(
        "--metric", default="overall/score", help="ladder decision metric (default overall/score)"
    )
    report.add_argument("--seed", type=int, default=0, help="bootstrap seed (default 0)")
    report.add_argument("--quiet", action="store_true", help="print only the paths written, not the tables")
    add_store_argument(report)
    report.set_defaults(handler=_report)
