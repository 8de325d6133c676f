"""Trainers (installed as `harness.trainers`): dataset QA, locked mixes, SFT/QLoRA, merge, VRAM planner.

Submodules, imported on use (nothing heavy happens at import time):

- `schema`: the training-sample schema (instruction/input/output/thinking/metadata or chat `messages`)
- `render`: the one prompt renderer shared by training and evaluation (tokenizer chat template)
- `dedupe`, `contamination`, `qa`: per-source QA report (parse errors, lengths, ASAR pass rate,
  exact/near duplicates, eval-task contamination)
- `mix`: reproducible train/eval mixes with sha256 metadata
- `config`, `sft`, `callback`: LoRA/QLoRA SFT with the harness evaluated at every save
- `rl`: GRPO with harness rewards (`harness.rewards`), the run recorded in the run store
- `merge`: adapter + base -> merged model, with a logits check
- `vram`: GPU memory planner
- `extras`: the optional libraries (the `[train]` extra) checked up front, with the install command
- `quant`: GGUF export and quantization (owned separately)
"""

__all__ = [
    "callback",
    "config",
    "contamination",
    "dedupe",
    "extras",
    "merge",
    "mix",
    "qa",
    "render",
    "rl",
    "schema",
    "sft",
    "vram",
]
