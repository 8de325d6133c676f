"""One-command GPU check: measured peak training memory and speed vs the project's VRAM planner.

    python3 benchmarks/gpu_check.py [--out DIR] [--seq-len 2048] [--batch 2] [--steps 5] [--lora-r 16]
    python3 benchmarks/gpu_check.py --dry-run      # CPU, tiny config, seconds (what the test runs)

Why: `asm65816 plan-vram` (`harness.trainers.vram.estimate`) is a formula; only a real run says how far
off it is. A lent GPU machine has no internet, so no weights: the models are random-initialised from the
real Qwen2.5-Coder configs written inline (memory and speed do not depend on the weight values), saved
once to a temporary folder and loaded back through the trainer's own `load_model` (bf16 for LoRA, NF4
double-quant + `prepare_model_for_kbit_training` for QLoRA, gradient checkpointing on), so what is
measured is the path `asm65816 train` takes. For each model x method it runs `--steps` optimizer steps
on random tokens (AdamW for LoRA, paged 8-bit AdamW for QLoRA on CUDA, as `sft.py` picks) and records
`torch.cuda.max_memory_allocated()` (peak since a reset after loading), the planner's total for the same
numbers, their ratio (within 15 % or not) and training tokens/s (steps after the first).

Results go to `DIR/gpu_check.json` and `DIR/gpu_check.md`, rewritten after every run so a run cut short
by a timeout still leaves what it measured. Never run in CI: it needs CUDA (exit 2 without it unless
`--dry-run`). Exit 1 if a run failed, else 0 (a planner miss is a finding, not a failure).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Qwen2 architecture numbers of the public config.json files on huggingface.co:
# https://huggingface.co/Qwen/Qwen2.5-Coder-1.5B-Instruct/blob/main/config.json and
# https://huggingface.co/Qwen/Qwen2.5-Coder-7B-Instruct/blob/main/config.json (read via copies of them:
# unsloth/qwen2.5-coder-1.5b-bnb-4bit and a fine-tune whose config names Qwen/Qwen2.5-Coder-7B-Instruct;
# the same numbers as `KNOWN_CONFIGS` in trainers/vram.py). The 7B's vocab is 152064, not 1.5B's 151936.
MODELS: dict[str, dict[str, Any]] = {
    "Qwen2.5-Coder-1.5B": {
        "model_type": "qwen2",
        "hidden_size": 1536,
        "intermediate_size": 8960,
        "num_hidden_layers": 28,
        "num_attention_heads": 12,
        "num_key_value_heads": 2,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": True,
    },
    "Qwen2.5-Coder-7B": {
        "model_type": "qwen2",
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "vocab_size": 152064,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "tie_word_embeddings": False,
    },
}
# --dry-run: the same code path on CPU in seconds (2 layers, hidden 64; dims multiples of 64 for NF4 blocks)
TINY: dict[str, Any] = {
    "model_type": "qwen2",
    "hidden_size": 64,
    "intermediate_size": 128,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "vocab_size": 512,
    "max_position_embeddings": 256,
    "rope_theta": 1000000.0,
    "tie_word_embeddings": True,
}
TOLERANCE = 0.15
GIB = 1024**3


def _planner() -> Any:
    """`harness.trainers.vram`, also where the project is not pip-installed (the lent GPU machine):
    `trainers/` is installed as `harness.trainers`, so map it by hand from this checkout."""
    try:
        from harness.trainers import vram
    except ImportError:
        sys.path.insert(0, str(ROOT))
        import harness

        spec = importlib.util.spec_from_file_location(
            "harness.trainers",
            ROOT / "trainers" / "__init__.py",
            submodule_search_locations=[str(ROOT / "trainers")],
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["harness.trainers"] = module
        spec.loader.exec_module(module)
        harness.trainers = module  # type: ignore[attr-defined]
        from harness.trainers import vram
    return vram


def _bnb_problem() -> str | None:
    """Why QLoRA cannot run here, or None. On CPU (dry run) it runs with fp32 compute, as the trainer's
    own CPU QLoRA test does, so the dry run covers the QLoRA load/quantize/train path too."""
    try:
        import bitsandbytes  # noqa: F401
    except Exception as error:  # ImportError, or a broken native library
        return (
            f"bitsandbytes does not import ({type(error).__name__}: {error}); put its wheel in .whl/ "
            "(gpu_check.sh installs it) to measure QLoRA"
        )
    return None


def build_random_model(config: dict[str, Any], folder: Path, device: str) -> None:
    """Random weights from `config`, saved as an HF checkpoint so `load_model` can load and quantize it
    exactly as it loads a downloaded one (built on `device` because initialising 7B on CPU is slow)."""
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    torch.manual_seed(0)
    with torch.device(device):
        model = AutoModelForCausalLM.from_config(AutoConfig.for_model(**config), dtype=torch.bfloat16)
    model.save_pretrained(folder)
    del model
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()


def train_steps(folder: Path, method: str, device: str, args: argparse.Namespace) -> dict[str, Any]:
    """Load through the trainer's `load_model`, wrap in LoRA, run `args.steps` steps; memory and speed."""
    import torch
    from peft import get_peft_model

    from harness.trainers.config import config_from_dict
    from harness.trainers.sft import _lora_config, load_model

    compute = "bfloat16" if device == "cuda" else "float32"
    config = config_from_dict(
        {
            "model": {"path": str(folder), "dtype": "bfloat16"},
            "method": method,
            "device": device,
            "data": {"train": "unused.jsonl", "max_length": args.seq_len},
            "lora": {"r": args.lora_r},
            "quant": {"compute_dtype": compute},
            "training": {"batch_size": args.batch},
        }
    )
    model = get_peft_model(load_model(config, device), _lora_config(config))  # the trainer's LoRA
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    if method == "qlora" and device == "cuda":
        import bitsandbytes as bnb

        optimizer: Any = bnb.optim.PagedAdamW8bit(params, lr=2e-4)
    else:
        optimizer = torch.optim.AdamW(params, lr=2e-4)
    vocab = model.get_input_embeddings().weight.shape[0]
    ids = torch.randint(0, vocab, (args.batch, args.seq_len), generator=torch.Generator().manual_seed(0)).to(
        device
    )
    if device == "cuda":
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    losses: list[float] = []
    start = time.perf_counter()
    for step in range(args.steps):
        if step == 1:  # the first step pays for kernel selection and optimizer-state allocation
            if device == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(float(loss.item()))
    elapsed = time.perf_counter() - start
    timed = max(args.steps - 1, 1)
    result: dict[str, Any] = {
        "trainable_params": sum(p.numel() for p in params),
        "nf4_linears": sum(type(m).__module__.startswith("bitsandbytes") for m in model.modules()),
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "tokens_per_s": round(args.batch * args.seq_len * timed / elapsed, 1),
    }
    if not all(math.isfinite(x) for x in losses):
        raise RuntimeError(f"non-finite loss: {losses}")
    if device == "cuda":
        free, total = torch.cuda.mem_get_info()
        result |= {
            "measured_gib": torch.cuda.max_memory_allocated() / GIB,
            "reserved_gib": torch.cuda.max_memory_reserved() / GIB,
            "device_used_gib_after": (total - free) / GIB,
        }
    else:
        result["measured_reason"] = (
            "CUDA-only: torch.cuda.max_memory_allocated() needs a GPU (dry run on CPU)"
        )
    del model, optimizer, params, ids
    gc.collect()
    if device == "cuda":
        torch.cuda.empty_cache()
    return result


def planned(vram: Any, config: dict[str, Any], name: str, method: str, args: argparse.Namespace) -> Any:
    """The planner's estimate for the same numbers `plan-vram` would take (dropout 0.05, the default)."""
    return vram.estimate(
        vram.arch_from_config(config, name),
        method=method,
        seq_len=args.seq_len,
        batch=args.batch,
        gradient_checkpointing=True,
        lora_r=args.lora_r,
    )


def write(out: Path, meta: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    """JSON plus a markdown table (measured vs planned side by side); returns the table."""
    from tabulate import tabulate

    def num(value: Any, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    rows = [
        [
            r["model"],
            r["method"],
            r["status"],
            num(r.get("measured_gib"), ".2f"),
            num(r.get("planned_gib"), ".2f"),
            num(r.get("ratio"), ".3f"),
            {True: "yes", False: "NO", None: "-"}[r.get("within_15pct")],
            num(r.get("reserved_gib"), ".2f"),
            num(r.get("tokens_per_s"), ",.0f"),
            r.get("reason") or r.get("measured_reason") or "",
        ]
        for r in runs
    ]
    headers = [
        "model",
        "method",
        "status",
        "measured GiB",
        "planned GiB",
        "ratio",
        "within 15%",
        "reserved GiB",
        "tokens/s",
        "note",
    ]
    table = tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "gpu_check.json").write_text(
        json.dumps({"meta": meta, "runs": runs}, indent=2) + "\n", encoding="utf-8"
    )
    (out / "gpu_check.md").write_text(
        f"# GPU check\n\n```json\n{json.dumps(meta, indent=2)}\n```\n\n{table}\n", encoding="utf-8"
    )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "gpu_check_out")
    parser.add_argument(
        "--dry-run", action="store_true", help="CPU, tiny config (2 layers, hidden 64), seconds"
    )
    parser.add_argument("--seq-len", type=int, default=None, help="default 2048 (dry run: 32)")
    parser.add_argument(
        "--batch", type=int, default=2, help="micro-batch (qlora_qwen2.5-coder-7b.yaml uses 2)"
    )
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument(
        "--budget-s", type=float, default=420.0, help="start no new run after this many seconds"
    )
    args = parser.parse_args(argv)
    args.seq_len = args.seq_len or (32 if args.dry_run else 2048)
    try:
        import peft
        import torch
        import transformers
    except ImportError as error:
        print(f"gpu_check: needs torch, transformers and peft ({error})", file=sys.stderr)
        return 2
    if not args.dry_run and not torch.cuda.is_available():
        print(
            "gpu_check: CUDA is not available (torch.cuda.is_available() is False); this check measures GPU "
            "memory and needs an NVIDIA GPU. Use --dry-run for the CPU smoke test.",
            file=sys.stderr,
        )
        return 2
    device = "cpu" if args.dry_run else "cuda"
    vram = _planner()
    models = {"tiny-qwen2": TINY} if args.dry_run else MODELS
    bnb_problem = _bnb_problem()
    meta = {
        "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
        "dry_run": args.dry_run,
        "seq_len": args.seq_len,
        "batch": args.batch,
        "steps": args.steps,
        "lora_r": args.lora_r,
        "tolerance": TOLERANCE,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "bitsandbytes": bnb_problem or "ok",
    }
    runs: list[dict[str, Any]] = []
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu_check_") as tmp:
        for name, config in models.items():
            folder = Path(tmp) / name
            for method in ("lora", "qlora"):
                est = planned(vram, config, name, method, args)
                run: dict[str, Any] = {
                    "model": name,
                    "method": method,
                    "status": "skipped",
                    "reason": None,
                    "planned_gib": est.total / GIB,
                    "planned": est.to_dict()["gib"],
                }
                runs.append(run)
                if method == "qlora" and bnb_problem:
                    run["reason"] = bnb_problem
                elif time.perf_counter() - began > args.budget_s:
                    run["reason"] = f"time budget of {args.budget_s:.0f} s spent before this run"
                else:
                    try:
                        if not folder.exists():
                            build_random_model(config, folder, device)
                        run |= train_steps(folder, method, device, args)
                        run["status"] = "ok"
                    except Exception as error:  # record and go on: the device time is scarce
                        run |= {"status": "failed", "reason": f"{type(error).__name__}: {error}"[:500]}
                    gc.collect()  # a failed run's traceback held its model until here
                    if device == "cuda":
                        torch.cuda.empty_cache()
                    if "measured_gib" in run:
                        run["ratio"] = run["measured_gib"] / run["planned_gib"]
                        run["within_15pct"] = abs(run["ratio"] - 1) <= TOLERANCE
                print(
                    f"[{time.perf_counter() - began:6.1f} s] {name} {method}: {run['status']} "
                    f"{run.get('reason') or ''}",
                    flush=True,
                )
                table = write(args.out, meta, runs)
            shutil.rmtree(folder, ignore_errors=True)  # the 7B's 15 GB checkpoint needs the disk
    print(table)
    print(f"wrote {args.out / 'gpu_check.json'} and {args.out / 'gpu_check.md'}")
    return 1 if any(r["status"] == "failed" for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
