"""GGUF export, llama.cpp quantization, the quant gate report and Ollama Modelfiles.

Installed as `harness.trainers.quant`. Submodules import their heavy dependencies (gguf,
transformers, llama_cpp, lm-eval, matplotlib) on use, so importing this package is cheap:
`export` (HF -> GGUF F16), `quantize` (llama_model_quantize), `inspect` (read GGUF metadata),
`report` (quant-report), `modelfile` (Ollama), `cli` (the asm65816 verbs).
"""

from __future__ import annotations

__all__ = ["cli", "export", "inspect", "modelfile", "quantize", "report"]
