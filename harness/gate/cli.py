"""Gate verbs: `gate`, `ladder`, `runs list|show|latest|add` (`report` lives in `harness.report.cli`).

`gate` exits 0 when every policy rule passes and 1 otherwise (a rule that cannot be evaluated is not
a pass); refusing to compare (different datasets, unreadable runs) is a user error (exit 2).
Modules are imported inside handlers so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness.gate.store import add_store_argument, store_from_args

__all__ = ["register"]


def _store(args: argparse.Namespace) -> Any:
    return store_from_args(args)


def _add_store(parser: argparse.ArgumentParser) -> None:
    add_store_argument(parser)


def _add_stats(parser: argparse.ArgumentParser, *, policy: bool) -> None:
    default = " (default: the policy's)" if policy else ""
    parser.add_argument("--seed", type=int, default=None, help=f"bootstrap seed{default or ' (default 0)'}")
    parser.add_argument(
        "--resamples", type=int, default=None, help=f"bootstrap resamples{default or ' (default 10000)'}"
    )
    if not policy:
        parser.add_argument("--confidence", type=float, default=0.95, help="interval level (default 0.95)")


def _gate(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from harness.gate.compare import check_same_dataset
    from harness.gate.policy import evaluate_policy, load_policy
    from harness.gate.render import gate_json, gate_table
    from harness.gate.store import load_run

    policy = load_policy(args.policy)
    if args.seed is not None:
        policy = replace(policy, seed=args.seed)
    if args.resamples is not None:
        policy = replace(policy, resamples=args.resamples)
    store = _store(args)
    candidate = load_run(args.candidate, store)
    baseline = load_run(args.baseline, store) if args.baseline else None
    if policy.needs_baseline and baseline is None:
        from harness.gate.errors import PolicyError

        raise PolicyError(f"policy {policy.name} compares against a baseline: pass --baseline RUN")
    if baseline is not None and policy.needs_baseline:
        check_same_dataset(candidate, baseline)  # refuse before printing any verdict
    report = evaluate_policy(policy, candidate, baseline)
    print(json.dumps(gate_json(report), indent=2) if args.json else gate_table(report))
    return 0 if report.passed else 1


def _ladder(args: argparse.Namespace) -> int:
    from harness.gate.ladder import recommend
    from harness.gate.render import ladder_json, ladder_text
    from harness.gate.store import load_run

    store = _store(args)
    records = [load_run(ref, store) for ref in args.runs]
    decision = recommend(
        records,
        args.metric,
        min_gain=args.min_gain,
        resamples=args.resamples or 10_000,
        confidence=args.confidence,
        seed=args.seed or 0,
    )
    print(json.dumps(ladder_json(decision), indent=2) if args.json else ladder_text(decision))
    return 0


def _runs_list(args: argparse.Namespace) -> int:
    from harness.gate.render import runs_table

    records = _store(args).records()
    if args.model:
        records = [r for r in records if args.model in (r.model.name, r.model.path)]
    if not records:
        print(f"no runs in {_store(args).root}")
        return 0
    print(runs_table(records))
    return 0


def _show(record: Any, as_json: bool) -> None:
    from tabulate import tabulate

    from harness.gate.render import format_metric, model_line

    if as_json:
        print(record.to_json(), end="")
        return
    seeds = ", ".join(f"{name}={value}" for name, value in record.seeds.items()) or "none recorded"
    lines = [
        f"run       {record.run_id} ({record.source.value}, created {record.created})",
        f"model     {model_line(record.model)}",
        f"dataset   {record.dataset.name} v{record.dataset.version} sha256={record.dataset.sha256}",
        f"harness   {record.harness_version}; seeds {seeds}",
        f"samples   {len(record.samples)} ({sum(1 for s in record.samples if s.error)} with errors)",
    ]
    rows = [
        (fam, name, format_metric(name, value))
        for fam, metrics in record.metrics.items()
        for name, value in metrics.items()
    ]
    table = tabulate(
        rows, headers=("family", "metric", "value"), disable_numparse=True, colalign=("left", "left", "right")
    )
    print("\n".join(lines) + "\n\n" + table)


def _runs_show(args: argparse.Namespace) -> int:
    from harness.gate.store import load_run

    _show(load_run(args.run, _store(args)), args.json)
    return 0


def _runs_latest(args: argparse.Namespace) -> int:
    _show(_store(args).latest(args.model), args.json)
    return 0


def _runs_add(args: argparse.Namespace) -> int:
    from harness.gate.identity import model_identity, parse_params_b, parse_quant
    from harness.gate.store import load_record_file

    store = _store(args)
    for ref in args.files:
        record = load_record_file(ref)
        changes: dict[str, Any] = {}
        model_path = args.model_path
        if model_path is None and not args.no_hash and record.model.path and not record.model.sha256:
            model_path = record.model.path if Path(record.model.path).exists() else None
        if model_path:
            identity = model_identity(model_path, name=args.model_name or record.model.name)
            changes.update(path=identity.path, sha256=identity.sha256, kind=identity.kind)
            changes.update(
                params_b=record.model.params_b or identity.params_b,
                quant=record.model.quant or identity.quant,
            )
        if args.model_name:
            changes["name"] = args.model_name
            changes.setdefault("params_b", record.model.params_b or parse_params_b(args.model_name))
            changes.setdefault("quant", record.model.quant or parse_quant(args.model_name))
        for field in ("params", "quant", "train_data"):
            value = getattr(args, field)
            if value is not None:
                changes["params_b" if field == "params" else field] = value
        if changes:
            record = record.with_model(**changes)
        path = store.add(record)
        print(f"{record.run_id}\t{path}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the gate verbs to the `asm65816` parser."""
    gate = subparsers.add_parser(
        "gate",
        help="check a candidate run against a baseline with a YAML policy (exit 0 pass, 1 fail)",
        description="Evaluate each policy rule; prints why per rule. Exit 0 if all pass, 1 otherwise, 2 on refusal.",
    )
    gate.add_argument(
        "--candidate", required=True, help="run: Results JSON, lm-eval output, run id or latest:MODEL"
    )
    gate.add_argument(
        "--baseline", help="baseline run (needed by must_beat/no_regress/quant_retention rules)"
    )
    gate.add_argument(
        "--policy",
        required=True,
        help="policy YAML, or a bundled policy by name: release (a starting point to copy)",
    )
    gate.add_argument("--json", action="store_true", help="print the outcome as JSON")
    _add_stats(gate, policy=True)
    _add_store(gate)
    gate.set_defaults(handler=_gate)

    ladder = subparsers.add_parser(
        "ladder",
        help="recommend the next scaling step (1.5B -> 3B -> scale data -> 7B -> 14B/16B) from runs",
        description="Compare runs by model size and training-data version with paired bootstrap CIs.",
    )
    ladder.add_argument("runs", nargs="+", help="runs (files, run ids or latest:MODEL)")
    ladder.add_argument(
        "--metric",
        default="overall/score",
        help="decision metric (default overall/score: mean of the families' primary metrics)",
    )
    ladder.add_argument(
        "--min-gain", type=float, default=0.0, help="a win needs the CI lower bound above this"
    )
    ladder.add_argument("--json", action="store_true")
    _add_stats(ladder, policy=False)
    _add_store(ladder)
    ladder.set_defaults(handler=_ladder)

    runs = subparsers.add_parser("runs", help="the local run store: list, show, latest, add")
    verbs = runs.add_subparsers(dest="runs_command", metavar="VERB", required=True)
    listing = verbs.add_parser("list", help="list stored runs (oldest first)")
    listing.add_argument("--model", help="only runs of this model name or path")
    _add_store(listing)
    listing.set_defaults(handler=_runs_list)
    show = verbs.add_parser("show", help="show one run (file, id or id prefix)")
    show.add_argument("run")
    show.add_argument("--json", action="store_true", help="print the normalised record")
    _add_store(show)
    show.set_defaults(handler=_runs_show)
    latest = verbs.add_parser("latest", help="the newest run of a model (name, path or sha256 prefix)")
    latest.add_argument("model")
    latest.add_argument("--json", action="store_true")
    _add_store(latest)
    latest.set_defaults(handler=_runs_latest)
    add = verbs.add_parser("add", help="normalise results (Results JSON or lm-eval output) into the store")
    add.add_argument(
        "files", nargs="+", help="Results JSON files, lm-eval results_*.json or --output_path folders"
    )
    add.add_argument(
        "--model-path",
        help="hash these weights/adapter/GGUF as the model identity (default: the path the results name)",
    )
    add.add_argument("--model-name", help="override the model name")
    add.add_argument(
        "--no-hash",
        action="store_true",
        help="do not hash the model path a results file names (large checkpoints)",
    )
    add.add_argument("--params", type=float, help="model size in billions (e.g. 1.5)")
    add.add_argument("--quant", help="quant type (F16, Q8_0, Q4_K_M, ...)")
    add.add_argument("--train-data", help="training-data version label (the ladder's data steps)")
    _add_store(add)
    add.set_defaults(handler=_runs_add)
