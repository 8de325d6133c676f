"""Merge a LoRA adapter into its base model, and prove the merge changed nothing but the layout.

The base is loaded unquantized (fp32 by default; a QLoRA adapter is merged into the full-precision base,
which is what GGUF export needs). Before merging, the adapter model's logits on a few chat-rendered
prompts are recorded; after `merge_and_unload` the merged model must give the same logits within
`atol` (default 1e-4 in fp32; use ~1e-2 for bf16). The merged model is saved only when the check
passes; otherwise `MergeCheckError`. The result also reports how far the adapter moved the logits from
the base (`adapter_effect`), so a no-op adapter is visible.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError
from harness.trainers.render import chat_prompt

__all__ = ["DEFAULT_CHECK_PROMPTS", "MergeCheckError", "MergeResult", "merge_adapter"]

DEFAULT_CHECK_PROMPTS = (
    "Write a 65816 routine that clears the byte at $7E0040.",
    "Explain what REP #$30 does.",
    "Optimize this routine:\nLDA $00\nCLC\nADC #$01\nSTA $00\nRTS",
)
MERGE_REPORT = "merge_check.json"


class MergeCheckError(HarnessError):
    """Merged and adapter logits differ by more than the tolerance: the merged model was not saved."""


@dataclass(frozen=True)
class MergeResult:
    out_dir: Path
    max_abs_diff: float
    atol: float
    adapter_effect: float  # max |logits(adapter) - logits(base)|
    prompts: int
    dtype: str

    @property
    def passed(self) -> bool:
        return self.max_abs_diff <= self.atol


def _logits(model: Any, batches: Sequence[dict]) -> list:
    import torch

    with torch.no_grad():
        return [model(**batch).logits.float() for batch in batches]


def _max_diff(left: list, right: list) -> float:
    return max(float((a - b).abs().max()) for a, b in zip(left, right, strict=True))


def merge_adapter(
    base: str | Path,
    adapter: str | Path,
    out_dir: str | Path,
    *,
    prompts: Sequence[str] = DEFAULT_CHECK_PROMPTS,
    atol: float = 1e-4,
    dtype: Literal["float32", "bfloat16", "float16"] = "float32",
    gguf_file: str | None = None,
) -> MergeResult:
    """Merge `adapter` into `base`, check logits, save model + tokenizer + `merge_check.json` to `out_dir`."""
    from harness.trainers.extras import require

    require(("torch", "transformers", "peft"), extra="train", purpose="asm65816 merge")
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    adapter = Path(adapter)
    if not (adapter / "adapter_config.json").is_file():
        raise HarnessError(
            f"{adapter} has no adapter_config.json: pass the adapter directory a training run wrote"
        )
    if (adapter / "tokenizer_config.json").is_file():
        tokenizer = AutoTokenizer.from_pretrained(adapter)
    else:
        tokenizer = AutoTokenizer.from_pretrained(
            str(base), **({"gguf_file": gguf_file} if gguf_file else {})
        )
    if gguf_file:
        from harness.trainers.gguf_base import load_gguf_dense

        model = load_gguf_dense(base, gguf_file, dtype=dtype)
    else:
        model = AutoModelForCausalLM.from_pretrained(str(base), dtype=getattr(torch, dtype))
    model = PeftModel.from_pretrained(model, str(adapter)).eval()
    batches = [
        tokenizer(chat_prompt(tokenizer, p), return_tensors="pt", add_special_tokens=False) for p in prompts
    ]
    adapted = _logits(model, batches)
    with model.disable_adapter():
        plain = _logits(model, batches)
    merged_model = model.merge_and_unload()
    merged = _logits(merged_model, batches)
    result = MergeResult(
        Path(out_dir), _max_diff(adapted, merged), atol, _max_diff(adapted, plain), len(prompts), dtype
    )
    if not result.passed:
        raise MergeCheckError(
            f"merged vs adapter logits differ by {result.max_abs_diff:.3g} > atol {atol:g}; the merged model was not "
            "saved (merge in float32, or raise --atol for bf16/fp16)"
        )
    out = Path(out_dir)
    merged_model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    report = {
        "base": str(base),
        "adapter": str(adapter),
        "max_abs_diff": result.max_abs_diff,
        "atol": atol,
        "adapter_effect": result.adapter_effect,
        "prompts": list(prompts),
        "dtype": dtype,
    }
    (out / MERGE_REPORT).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return result
