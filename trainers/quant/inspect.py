"""Read what a GGUF file declares (architecture, file type, tokenizer, chat template, stop tokens).

Used by the report (which types the quantizer actually chose per tensor), the Ollama Modelfile
writer (the chat template and stop tokens the harness evaluated) and the tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, ToolMissingError

__all__ = ["GgufSummary", "read_gguf_summary"]


@dataclass(frozen=True)
class GgufSummary:
    """Metadata of one GGUF file; `tensor_types` counts tensors per ggml type name (e.g. Q4_K: 10)."""

    path: Path
    architecture: str
    name: str | None
    file_type: int | None
    n_tensors: int
    tensor_types: Mapping[str, int] = field(default_factory=dict)
    tokenizer_model: str | None = None
    tokenizer_pre: str | None = None
    chat_template: str | None = None
    bos_token: str | None = None
    eos_token: str | None = None
    eot_token: str | None = None


def read_gguf_summary(path: str | Path) -> GgufSummary:
    """Parse the header of `path` with gguf.GGUFReader (memory-mapped; tensor data is not read)."""
    try:
        import gguf
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ToolMissingError(
            "the `gguf` package is missing: pip install 'asm65816-harness[gguf]'"
        ) from error
    path = Path(path)
    if not path.is_file():
        raise HarnessError(f"GGUF file not found: {path}")
    try:
        reader = gguf.GGUFReader(str(path))
    except (ValueError, OSError) as error:
        raise HarnessError(f"{path} is not a readable GGUF file: {error}") from error
    tokens = _field(reader, "tokenizer.ggml.tokens")
    types = Counter(tensor.tensor_type.name for tensor in reader.tensors)
    return GgufSummary(
        path=path,
        architecture=str(_field(reader, "general.architecture") or "?"),
        name=_field(reader, "general.name"),
        file_type=_field(reader, "general.file_type"),
        n_tensors=len(reader.tensors),
        tensor_types=dict(sorted(types.items())),
        tokenizer_model=_field(reader, "tokenizer.ggml.model"),
        tokenizer_pre=_field(reader, "tokenizer.ggml.pre"),
        chat_template=_field(reader, "tokenizer.chat_template"),
        bos_token=_token(tokens, _field(reader, "tokenizer.ggml.bos_token_id")),
        eos_token=_token(tokens, _field(reader, "tokenizer.ggml.eos_token_id")),
        eot_token=_token(tokens, _field(reader, "tokenizer.ggml.eot_token_id")),
    )


def _field(reader: Any, key: str) -> Any:
    found = reader.get_field(key)
    return None if found is None else found.contents()


def _token(tokens: Any, token_id: Any) -> str | None:
    if tokens is None or token_id is None or not 0 <= int(token_id) < len(tokens):
        return None
    return str(tokens[int(token_id)])
