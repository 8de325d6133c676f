"""CLI verbs of the trainers: `train`, `rl`, `merge`, `plan-vram`, `data qa`, `data mix`.

Heavy libraries (torch, transformers, peft, trl) are imported inside the handlers, so building the
parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.errors import HarnessError

__all__ = ["register"]


def _train(args: argparse.Namespace) -> int:
    import dataclasses

    from harness.trainers.config import load_config
    from harness.trainers.sft import train

    config = load_config(args.config)
    if args.resume or args.output_dir or args.max_steps is not None:
        training = dataclasses.replace(
            config.training,
            resume_from_checkpoint=args.resume or config.training.resume_from_checkpoint,
            output_dir=args.output_dir or config.training.output_dir,
            max_steps=config.training.max_steps if args.max_steps is None else args.max_steps,
        )
        config = dataclasses.replace(config, training=training)
    result = train(config)
    first, last = (
        (result.losses[0][1], result.losses[-1][1]) if result.losses else (float("nan"), float("nan"))
    )
    print(f"trained {result.global_step} steps on {result.examples} examples; loss {first:.4f} -> {last:.4f}")
    for record in result.harness_metrics:
        print(
            f"harness @ step {record['step']}: "
            + ", ".join(f"{k}={v:.4g}" for k, v in sorted(record["metrics"].items()))
        )
    if result.stopped_early:
        print("stopped early on the harness metric")
    print(f"adapter: {result.adapter_dir}")
    return 0


def _rl(args: argparse.Namespace) -> int:
    import dataclasses

    from harness.trainers.rl import load_rl_config, train_rl

    config = load_rl_config(args.config)
    training = dataclasses.replace(
        config.training,
        resume_from_checkpoint=args.resume or config.training.resume_from_checkpoint,
        output_dir=args.output_dir or config.training.output_dir,
        max_steps=config.training.max_steps if args.max_steps is None else args.max_steps,
    )
    record = dataclasses.replace(
        config.record,
        store=args.store or config.record.store,
        enabled=config.record.enabled and not args.no_record,
    )
    result = train_rl(dataclasses.replace(config, training=training, record=record))
    curve = result.reward_curve
    first, last = (curve[0][1], curve[-1][1]) if curve else (float("nan"), float("nan"))
    print(
        f"GRPO: {result.global_step} steps on {result.tasks} tasks ({result.dropped_contaminated} dropped "
        f"as overlapping the eval set, {result.dropped_long_prompts} as too long); "
        f"mean reward {first:.4f} -> {last:.4f}"
    )
    for entry in result.harness_metrics:
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in sorted(entry["metrics"].items()))
        print(f"harness @ step {entry['step']}: {metrics}")
    if result.run_id:
        print(
            f"run {result.run_id} stored at {result.record_path} (asm65816 report {result.run_id} --out DIR)"
        )
    print(f"{'model' if result.model_dir.name == 'model' else 'adapter'}: {result.model_dir}")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from harness.trainers.merge import merge_adapter

    result = merge_adapter(
        args.base, args.adapter, args.out, atol=args.atol, dtype=args.dtype, gguf_file=args.gguf_file
    )
    print(
        f"merged into {result.out_dir}: max |adapter - merged| logits = {result.max_abs_diff:.3g} "
        f"(atol {result.atol:g}, {result.prompts} prompts); adapter effect vs base = {result.adapter_effect:.3g}"
    )
    return 0


def _plan(args: argparse.Namespace) -> int:
    from harness.trainers.vram import estimate, format_estimate, load_arch

    est = estimate(
        load_arch(args.model),
        method=args.method,
        seq_len=args.seq_len,
        batch=args.batch,
        gradient_checkpointing=not args.no_gradient_checkpointing,
        lora_r=args.lora_r,
        optim=args.optim,
        quantize_experts=args.quantize_experts,
    )
    print(json.dumps(est.to_dict(), indent=2) if args.json else format_estimate(est))
    return 0


def _qa(args: argparse.Namespace) -> int:
    from harness.trainers.qa import QAOptions, SourceSpec, format_report, run_qa

    options = QAOptions(
        check_asar=not args.no_asar,
        check_claims=not args.no_claims,
        near_threshold=args.near_threshold,
        ngram=args.ngram,
        contamination_threshold=args.contamination_threshold,
        exclude_contaminated=not args.keep_contaminated,
        eval_task_files=tuple(Path(p) for p in args.eval_tasks) if args.eval_tasks else None,
    )
    report = run_qa([SourceSpec.parse(s) for s in args.sources], options)
    print(format_report(report))
    if args.json:
        Path(args.json).write_text(
            json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        print(f"report: {args.json}")
    if args.strict and (report.excluded or any(s.parse_issues for s in report.sources)):
        return 1
    return 0


def _parse_mix_source(text: str):
    from harness.trainers.mix import MixSource

    name_path, _, ratio = text.partition(":")
    name, sep, path = name_path.partition("=")
    if not sep:
        name, path = Path(name_path).stem, name_path
    try:
        return MixSource(name, Path(path), float(ratio) if ratio else None)
    except ValueError as error:
        raise HarnessError(f"--source {text!r}: the ratio after ':' must be a number") from error


def _mix(args: argparse.Namespace) -> int:
    from harness.trainers.mix import MixSpec, build_mix, load_mix_spec, verify_mix

    if args.verify:
        problems = verify_mix(args.verify)
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{args.verify}: {'verified' if not problems else f'{len(problems)} mismatch(es)'}")
        return 0 if not problems else 1
    if not args.out:
        raise HarnessError("data mix needs --out DIR (or --verify DIR)")
    if args.spec:
        spec = load_mix_spec(args.spec)
    elif args.source:
        spec = MixSpec(
            name=args.name,
            sources=tuple(_parse_mix_source(s) for s in args.source),
            seed=args.seed,
            eval_fraction=args.eval_fraction,
            min_eval=args.min_eval,
            eval_task_files=tuple(Path(p) for p in args.eval_tasks) if args.eval_tasks else None,
        )
    else:
        raise HarnessError("data mix needs --spec YAML or at least one --source NAME=PATH[:RATIO]")
    result = build_mix(spec, args.out)
    for source in result.metadata["sources"]:
        print(
            f"{source['name']}: {source['samples']} samples, {source['train']} train, {source['eval']} eval, "
            f"ratio {source['ratio']:.2%}, dropped {len(source['dropped_duplicates'])} duplicate(s), "
            f"excluded {len(source['excluded_contaminated'])} contaminated"
        )
    print(
        f"mix {spec.name}: {result.train} train / {result.eval} eval -> {result.out_dir} (metadata {result.metadata_path.name})"
    )
    return 0


def _add_train(subparsers) -> None:
    p = subparsers.add_parser("train", help="LoRA/QLoRA SFT from a YAML config (harness subset at each save)")
    p.add_argument("config", help="YAML config (see trainers/configs/)")
    p.add_argument("--resume", help="'latest' or a checkpoint directory")
    p.add_argument("--output-dir", help="override training.output_dir")
    p.add_argument("--max-steps", type=int, help="override training.max_steps")
    p.set_defaults(handler=_train)


def _add_rl(subparsers) -> None:
    p = subparsers.add_parser(
        "rl", help="GRPO fine-tuning with harness rewards from a YAML config (run recorded in the store)"
    )
    p.add_argument("config", help="YAML config (see trainers/configs/grpo_*.yaml)")
    p.add_argument("--resume", help="'latest' or a checkpoint directory")
    p.add_argument("--output-dir", help="override training.output_dir")
    p.add_argument("--max-steps", type=int, help="override training.max_steps")
    p.add_argument("--store", help="run store directory (overrides record.store)")
    p.add_argument("--no-record", action="store_true", help="skip the final evaluation and the run record")
    p.set_defaults(handler=_rl)


def _add_merge(subparsers) -> None:
    p = subparsers.add_parser("merge", help="merge a LoRA adapter into its base, with a logits check")
    p.add_argument("--base", required=True, help="base model directory")
    p.add_argument("--adapter", required=True, help="adapter directory (a run's adapter/ or checkpoint-N/)")
    p.add_argument("--out", required=True, help="output directory for the merged model")
    p.add_argument(
        "--atol", type=float, default=1e-4, help="max |adapter - merged| logit difference (default 1e-4)"
    )
    p.add_argument("--dtype", choices=["float32", "bfloat16", "float16"], default="float32")
    p.add_argument("--gguf-file", help="GGUF file inside --base to dequantize as the base")
    p.set_defaults(handler=_merge)


def _add_plan(subparsers) -> None:
    p = subparsers.add_parser("plan-vram", help="estimate training GPU memory and list the GPUs that fit")
    p.add_argument(
        "--model",
        required=True,
        help="config.json, a model directory, or a known id (e.g. DeepSeek-Coder-V2-Lite-Instruct)",
    )
    p.add_argument("--seq-len", type=int, default=2048)
    p.add_argument("--batch", type=int, default=1, help="micro-batch size per GPU")
    p.add_argument("--method", choices=["qlora", "lora", "full"], default="qlora")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument(
        "--optim", choices=["adamw", "adamw_8bit"], help="default: adamw_8bit for qlora, adamw otherwise"
    )
    p.add_argument("--no-gradient-checkpointing", action="store_true")
    p.add_argument(
        "--quantize-experts", action="store_true", help="MoE experts are nn.Linear (quantized, LoRA-targeted)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_plan)


def _add_data(subparsers) -> None:
    data = subparsers.add_parser("data", help="dataset QA and locked mixes")
    verbs = data.add_subparsers(dest="data_command", metavar="VERB")
    qa = verbs.add_parser(
        "qa", help="QA report per source: parse errors, lengths, ASAR pass rate, duplicates, contamination"
    )
    qa.add_argument("sources", nargs="+", help="JSONL sources as PATH or NAME=PATH")
    qa.add_argument(
        "--eval-tasks", nargs="+", help="eval task JSONL files (default: the suite's tasks/asm65816/data)"
    )
    qa.add_argument("--no-asar", action="store_true", help="skip the ASAR check (reported as 'not checked')")
    qa.add_argument(
        "--no-claims",
        action="store_true",
        help="skip re-checking recorded claims of synth samples (reported as 'not checked')",
    )
    qa.add_argument("--near-threshold", type=float, default=0.6, help="MinHash Jaccard for near duplicates")
    qa.add_argument("--ngram", type=int, default=8, help="token n-gram size for contamination")
    qa.add_argument(
        "--contamination-threshold", type=float, default=0.5, help="covered share of an eval field"
    )
    qa.add_argument(
        "--keep-contaminated", action="store_true", help="list contaminated samples but do not exclude them"
    )
    qa.add_argument("--json", help="also write the full report as JSON here")
    qa.add_argument(
        "--strict", action="store_true", help="exit 1 when any line fails to parse or a sample is excluded"
    )
    qa.set_defaults(handler=_qa)
    mix = verbs.add_parser("mix", help="build (or --verify) a locked train/eval mix")
    mix.add_argument("--spec", help="YAML mix spec (see trainers/configs/mix_example.yaml)")
    mix.add_argument(
        "--source", action="append", help="NAME=PATH[:RATIO] (repeatable; order = dedupe priority)"
    )
    mix.add_argument("--name", default="mix")
    mix.add_argument("--out", help="output directory")
    mix.add_argument("--seed", type=int, default=42)
    mix.add_argument("--eval-fraction", type=float, default=0.02)
    mix.add_argument("--min-eval", type=int, default=1)
    mix.add_argument("--eval-tasks", nargs="+", help="eval task JSONL files for the contamination check")
    mix.add_argument("--verify", metavar="DIR", help="re-hash a mix directory against its mix.json")
    mix.set_defaults(handler=_mix)
    data.set_defaults(handler=lambda args: (data.print_help(), 2)[1])


def register(subparsers) -> None:
    """Add the trainer verbs to the `asm65816` parser."""
    _add_train(subparsers)
    _add_rl(subparsers)
    _add_merge(subparsers)
    _add_plan(subparsers)
    _add_data(subparsers)
