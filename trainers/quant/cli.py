"""`asm65816` verbs for GGUF: export-gguf, quantize, quant-report, modelfile.

Heavy imports (gguf, transformers, llama_cpp, lm-eval, matplotlib) happen inside the handlers, so
building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from harness.errors import HarnessError

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the four GGUF verbs to the `asm65816` parser."""
    _register_export(subparsers)
    _register_quantize(subparsers)
    _register_report(subparsers)
    _register_modelfile(subparsers)


def _register_export(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export-gguf",
        help="write a merged HF checkpoint as one GGUF (F16) with tokenizer and chat template",
        description="HF checkpoint (config.json + safetensors + tokenizer) -> GGUF, offline.",
    )
    parser.add_argument("model", type=Path, help="merged HF model folder")
    parser.add_argument("--out", type=Path, required=True, help="GGUF file to write")
    parser.add_argument("--outtype", choices=("f16", "f32"), default="f16")
    parser.add_argument(
        "--pre", help="llama.cpp pre-tokenizer name (default: detected), e.g. qwen2, llama-bpe"
    )
    parser.add_argument("--name", help="general.name stored in the file (default: folder name)")
    parser.add_argument(
        "--converter",
        type=Path,
        help="use llama.cpp's convert_hf_to_gguf.py at this path (other architectures)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=_export)


def _register_quantize(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quantize",
        help="quantize a GGUF with llama.cpp's quantizer (Q8_0, Q5_K_M, Q4_K_M or any type by name)",
    )
    parser.add_argument("source", type=Path, nargs="?", help="F16/F32 GGUF file")
    parser.add_argument("--quants", default="Q8_0,Q5_K_M,Q4_K_M", help="comma-separated llama.cpp type names")
    parser.add_argument("--out-dir", type=Path, help="folder for the outputs (default: next to the source)")
    parser.add_argument("--threads", type=int, help="quantizer threads (default: all cores)")
    parser.add_argument("--list-types", action="store_true", help="print the type names llama.cpp knows")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--quiet", action="store_true", help="no per-tensor log from llama.cpp (kept in OUT.log on failure)"
    )
    parser.set_defaults(handler=_quantize)


def _register_report(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "quant-report",
        help="export, quantize and score each variant; table + JSON + chart; policy decides pass/fail",
        description="Exit status: 0 when every quant passes the policy, 1 on fail or inconclusive.",
    )
    parser.add_argument("--model", type=Path, required=True, help="merged HF model folder")
    parser.add_argument("--quants", default="Q8_0,Q5_K_M,Q4_K_M", help="comma-separated llama.cpp type names")
    parser.add_argument("--out", type=Path, required=True, help="output folder (GGUFs, report files)")
    parser.add_argument("--limit", type=int, help="evaluate only the first N docs of each task")
    parser.add_argument("--tasks", default="asm65816", help="comma-separated lm-eval tasks/groups")
    parser.add_argument("--policy", type=Path, help="YAML with min_retention, per_quant, families")
    parser.add_argument("--min-retention", type=float, help="override the policy's default threshold")
    parser.add_argument(
        "--families", help="comma-separated families the policy protects (default gen,optimize,fix)"
    )
    parser.add_argument("--speed-tokens", type=int, default=64, help="tokens decoded for the speed column")
    parser.add_argument("--pre", help="llama.cpp pre-tokenizer name for the export (default: detected)")
    parser.add_argument(
        "--converter", type=Path, help="llama.cpp's convert_hf_to_gguf.py for other architectures"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no step messages and no per-tensor log from llama.cpp"
    )
    parser.set_defaults(handler=_report)


def _register_modelfile(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "modelfile",
        help="write an Ollama Modelfile with the chat template and stop tokens the harness evaluated",
    )
    parser.add_argument("gguf", type=Path, help="the GGUF file the Modelfile serves")
    parser.add_argument("--out", type=Path, help="Modelfile path (default: Modelfile next to the GGUF)")
    parser.add_argument("--template", type=Path, help="Go template file (when the chat format is not known)")
    parser.add_argument("--stop", action="append", default=[], help="extra stop string (repeatable)")
    parser.add_argument("--num-ctx", type=int, default=2048)
    parser.add_argument("--temperature", type=float, default=0.0, help="default 0: the harness scores greedy")
    parser.add_argument("--system", help="SYSTEM prompt to bake in")
    parser.set_defaults(handler=_modelfile)


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def _export(args: argparse.Namespace) -> int:
    from harness.trainers.quant.export import export_gguf

    result = export_gguf(
        args.model, args.out, outtype=args.outtype, pre=args.pre, name=args.name, converter=args.converter
    )
    if args.json:
        print(json.dumps(asdict(result), default=str, indent=2))
    else:
        print(
            f"wrote {result.path} ({result.size_bytes / 2**20:.2f} MiB, {result.architecture}, "
            f"{result.n_tensors} tensors, pre={result.tokenizer_pre}, chat_template={result.has_chat_template})"
        )
    return 0


def _quantize(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    from harness.trainers.quant.quantize import quant_types, quantize_gguf

    if args.list_types:
        for name, number in sorted(quant_types().items(), key=lambda item: item[1]):
            print(f"{number:4d}  {name}")
        return 0
    if args.source is None:
        raise HarnessError("quantize: give the source GGUF (or --list-types)")
    quants = _split(args.quants)
    if not quants:
        raise HarnessError("quantize: --quants is empty")
    out_dir = args.out_dir or args.source.parent
    stem = args.source.stem.removesuffix("-f16").removesuffix("-F16")
    results = [
        quantize_gguf(
            args.source,
            out_dir / f"{stem}-{quant.lower()}.gguf",
            quant,
            threads=args.threads,
            quiet=args.quiet,
        )
        for quant in quants
    ]
    if args.json:
        print(json.dumps([asdict(r) for r in results], default=str, indent=2))
        return 0
    rows = [
        [
            r.quant,
            str(r.path),
            r.size_bytes / 2**20,
            r.ratio,
            r.seconds,
            ", ".join(f"{k}:{v}" for k, v in r.tensor_types.items()),
        ]
        for r in results
    ]
    headers = ["type", "file", "MiB", "vs source", "seconds", "tensor types"]
    print(tabulate(rows, headers=headers, floatfmt=("", "", ".2f", ".3f", ".2f", "")))
    return 0


def _report(args: argparse.Namespace) -> int:
    from harness.trainers.quant.report import QuantPolicy, Verdict, run_quant_report, table_rows

    policy = QuantPolicy.from_file(args.policy) if args.policy else QuantPolicy()
    overrides: dict[str, object] = {}
    if args.min_retention is not None:
        overrides["min_retention"] = args.min_retention
    if args.families:
        overrides["families"] = tuple(_split(args.families))
    if overrides:
        policy = QuantPolicy(
            min_retention=float(overrides.get("min_retention", policy.min_retention)),  # type: ignore[arg-type]
            per_quant=policy.per_quant,
            families=overrides.get("families", policy.families),  # type: ignore[arg-type]
        )
    report = run_quant_report(
        args.model,
        _split(args.quants),
        args.out,
        limit=args.limit,
        tasks=_split(args.tasks),
        policy=policy,
        speed_tokens=args.speed_tokens,
        pre=args.pre,
        converter=args.converter,
        progress=None if args.quiet else lambda message: print(f"[quant-report] {message}", file=sys.stderr),
        quiet=args.quiet,
    )
    from tabulate import tabulate

    header, rows = table_rows(report)
    print(tabulate(rows, headers=header, disable_numparse=True))
    for variant in report.variants:
        for reason in variant.reasons:
            print(f"  {variant.name}: {reason}")
    print(f"verdict: {report.verdict.value.upper()} (files in {args.out})")
    return 0 if report.verdict is Verdict.PASS else 1


def _modelfile(args: argparse.Namespace) -> int:
    from harness.trainers.quant.modelfile import build_spec, write_modelfile

    spec = build_spec(
        args.gguf,
        template_file=args.template,
        stops=args.stop,
        num_ctx=args.num_ctx,
        temperature=args.temperature,
        system=args.system,
    )
    out = write_modelfile(spec, args.out or args.gguf.parent / "Modelfile")
    print(f"wrote {out} (chat format: {spec.family or 'user template'}, stops: {', '.join(spec.stops)})")
    return 0
