"""Model identity: a content hash of what was evaluated, plus the size and quant the views sort by.

A model is identified by the sha256 of its weights, not by its name: two checkpoints called
"final" are different models, and a re-uploaded GGUF with the same name is caught. For a directory
the hash covers the weight/adapter files and the configs that change outputs (sorted relative names
and each file's sha256), so it is stable across copies and machines. Hashing reads every byte:
expect ~1 s per GB.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from harness.errors import ToolMissingError
from harness.gate.record import ModelIdentity

__all__ = ["QUANT_ORDER", "file_sha256", "model_identity", "parse_params_b", "parse_quant", "quant_rank"]

# Files whose bytes decide a model's outputs. Optimizer states and logs are left out on purpose.
_WEIGHT_PATTERNS = (
    "*.safetensors",
    "*.bin",
    "*.gguf",
    "*.pt",
    "*.pth",
    "config.json",
    "generation_config.json",
    "adapter_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "tokenizer.model",
    "chat_template.jinja",
)
_SKIP_NAMES = {"optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin", "trainer_state.json"}

# Highest fidelity first; the quant view plots in this order and retention is measured against F16/BF16.
QUANT_ORDER: tuple[str, ...] = (
    "F32", "BF16", "F16", "Q8_0", "Q6_K", "Q5_K_M", "Q5_K_S", "Q5_1", "Q5_0",
    "Q4_K_M", "Q4_K_S", "Q4_1", "Q4_0", "IQ4_XS", "Q3_K_L", "Q3_K_M", "Q3_K_S", "Q2_K",
)  # fmt: skip
_QUANT_RE = re.compile(
    r"(?<![A-Za-z0-9])(" + "|".join(sorted(QUANT_ORDER, key=len, reverse=True)) + r")(?![A-Za-z0-9])", re.I
)
_PARAMS_RE = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s*[bB](?![A-Za-z0-9])")


def file_sha256(path: Path, *, chunk: int = 1 << 20) -> str:
    """sha256 of one file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _weight_files(root: Path) -> list[Path]:
    found = {p for pattern in _WEIGHT_PATTERNS for p in root.rglob(pattern) if p.is_file()}
    return sorted(
        (p for p in found if p.name not in _SKIP_NAMES), key=lambda p: p.relative_to(root).as_posix()
    )


def _kind(path: Path) -> str:
    if path.is_file():
        return "gguf" if path.suffix.lower() == ".gguf" else "other"
    if (path / "adapter_config.json").is_file():
        return "adapter"
    return "hf"


def model_identity(
    path: str | Path,
    *,
    name: str | None = None,
    params_b: float | None = None,
    quant: str | None = None,
    train_data: str | None = None,
) -> ModelIdentity:
    """Hash a local model (GGUF file, HF directory or adapter directory) into a `ModelIdentity`.

    Size and quant default to what the name shows ("...-3B-...", "...Q4_K_M.gguf"). A missing path or
    a directory without weight files is an error: an unidentifiable model must not be gated.
    """
    target = Path(path)
    if not target.exists():
        raise ToolMissingError(
            f"model path {target} does not exist; pass the weights/adapter dir or the GGUF file"
        )
    if target.is_file():
        sha = file_sha256(target)
    else:
        files = _weight_files(target)
        if not files:
            raise ToolMissingError(
                f"{target} holds no weight or adapter files ({', '.join(_WEIGHT_PATTERNS[:4])}, ...); "
                "point --model-path at the checkpoint directory or the GGUF file"
            )
        digest = hashlib.sha256()
        for file in files:
            digest.update(f"{file.relative_to(target).as_posix()}\0{file_sha256(file)}\n".encode())
        sha = digest.hexdigest()
    label = name or target.name
    return ModelIdentity(
        name=label,
        path=str(target.resolve()),
        sha256=sha,
        kind=_kind(target),
        params_b=params_b if params_b is not None else parse_params_b(label),
        quant=quant or parse_quant(target.name),
        train_data=train_data,
    )


def parse_quant(text: str) -> str | None:
    """The llama.cpp quant type a name shows ("model-Q4_K_M.gguf" -> "Q4_K_M"), else None."""
    match = _QUANT_RE.search(text)
    return match.group(1).upper() if match else None


def parse_params_b(text: str) -> float | None:
    """Parameter count in billions a name shows ("Qwen2.5-Coder-1.5B" -> 1.5), else None."""
    match = _PARAMS_RE.search(text)
    return float(match.group(1)) if match else None


def quant_rank(quant: str | None) -> int:
    """Sort key: F32/BF16/F16 first, unknown quants last."""
    if quant is None:
        return len(QUANT_ORDER) + 1
    upper = quant.upper()
    return QUANT_ORDER.index(upper) if upper in QUANT_ORDER else len(QUANT_ORDER)
