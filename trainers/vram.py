"""GPU memory planner for LoRA / QLoRA / full fine-tuning, from a model config (no hub access).

`asm65816 plan-vram --model CONFIG_OR_ID --seq-len N --batch B --method qlora|lora|full` reads a local
`config.json` (file or model directory) or a built-in table of well-known configs (`KNOWN_CONFIGS`),
counts parameters per module kind, and estimates peak training memory as a sum of documented terms
(bytes; h = hidden size, L = layers, V = vocab, T = b*s tokens per micro-batch, r = LoRA rank):

1. **Weights.** bf16: 2 B/param. QLoRA: every `nn.Linear` inside the decoder blocks is NF4 with double
   quantization: 0.5 B + 1/64 B (int8 absmax per 64 weights) + 4/(64*256) B (fp32 second-level constant)
   = 0.5159 B/param; embeddings, `lm_head`, norms and routers stay bf16 (bitsandbytes skips them).
   **MoE caveat:** transformers >= 5 stores routed experts as fused 3-D parameters, not `nn.Linear`, so
   bitsandbytes leaves them in bf16 and `all-linear` LoRA does not reach them. That is the default
   here (`quantize_experts=False`); pass `--quantize-experts` for stacks with per-expert `nn.Linear`
   (e.g. DeepSeek's own remote code with transformers 4.x).
2. **Trainable state.** LoRA adds r*(in+out) params per targeted linear (all linear projections of the
   blocks; not embeddings/lm_head). Each trainable param costs 4 (fp32 weight) + 4 (fp32 grad) +
   optimizer state: 8 for AdamW, 2 for 8-bit/paged 8-bit AdamW. Full fine-tuning: 2 (bf16 grad) +
   4 (fp32 master) + optimizer state per param, on top of the bf16 weights.
3. **Activations** (bf16, memory-efficient SDPA/flash attention, so no s^2 term) per token per layer:
   attention 2h + d_q + d_k + d_v + d_o, dense gated MLP 2h + 4f, MoE 2h + (k + shared)*(4*f_e + h)
   + 4*E (router logits); plus, with LoRA dropout > 0, one dropped copy of each adapted module's input
   (2 B) and its mask (1 B). Without gradient checkpointing: T * L * that. With checkpointing:
   T * (2h*L + one layer) (layer inputs kept, one layer recomputed at a time).
4. **Logits and loss**: T * V * 10 B (bf16 logits, fp32 upcast for the loss, fp32 gradient).
5. **Overhead**: 1 GiB (CUDA context, cuBLAS workspace) plus 10 % of the above (allocator fragmentation).

A GPU "fits" when the total is at most its usable memory (`GPUS`). These are estimates: calibrate with
`torch.cuda.max_memory_allocated()` on a real run (`tests/trainers` has a CUDA test that records the error).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError, UnknownNameError

__all__ = [
    "GPUS",
    "KNOWN_CONFIGS",
    "Arch",
    "MemoryEstimate",
    "PlanError",
    "estimate",
    "format_count",
    "format_estimate",
    "load_arch",
]

GIB = 1024**3
NF4_DQ_BYTES = 0.5 + 1 / 64 + 4 / (64 * 256)
# name -> usable GiB (what torch reports as total memory, rounded down)
GPUS: dict[str, float] = {
    "RTX 5060 Ti 16GB": 15.5,
    "RTX 4090 / A10 24GB": 23.5,
    "A100 40GB": 39.4,
    "L40S / RTX 6000 Ada 48GB": 44.5,
    "A100 / H100 80GB": 79.2,
    "H200 141GB": 139.7,
}

Method = Literal["qlora", "lora", "full"]
Optim = Literal["adamw", "adamw_8bit"]


def _llama(h, f, layers, heads, kv, vocab, tied=False, bias=False, model_type="llama"):
    return {
        "model_type": model_type,
        "hidden_size": h,
        "intermediate_size": f,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "vocab_size": vocab,
        "tie_word_embeddings": tied,
        "attention_bias": bias,
    }


KNOWN_CONFIGS: dict[str, dict[str, Any]] = {
    "HuggingFaceTB/SmolLM2-135M-Instruct": _llama(576, 1536, 30, 9, 3, 49152, tied=True),
    "Qwen/Qwen2.5-Coder-0.5B-Instruct": _llama(896, 4864, 24, 14, 2, 151936, True, True, "qwen2"),
    "Qwen/Qwen2.5-Coder-1.5B-Instruct": _llama(1536, 8960, 28, 12, 2, 151936, True, True, "qwen2"),
    "Qwen/Qwen2.5-Coder-3B-Instruct": _llama(2048, 11008, 36, 16, 2, 151936, True, True, "qwen2"),
    "Qwen/Qwen2.5-Coder-7B-Instruct": _llama(3584, 18944, 28, 28, 4, 152064, False, True, "qwen2"),
    "Qwen/Qwen2.5-Coder-14B-Instruct": _llama(5120, 13824, 48, 40, 8, 152064, False, True, "qwen2"),
    "Qwen/Qwen2.5-Coder-32B-Instruct": _llama(5120, 27648, 64, 40, 8, 152064, False, True, "qwen2"),
    "deepseek-ai/deepseek-coder-6.7b-instruct": _llama(4096, 11008, 32, 32, 32, 32256),
    "deepseek-ai/deepseek-coder-33b-instruct": _llama(7168, 19200, 62, 56, 8, 32256),
    "codellama/CodeLlama-7b-Instruct-hf": _llama(4096, 11008, 32, 32, 32, 32016),
    "codellama/CodeLlama-13b-Instruct-hf": _llama(5120, 13824, 40, 40, 40, 32016),
    "codellama/CodeLlama-34b-Instruct-hf": _llama(8192, 22016, 48, 64, 8, 32000),
    "01-ai/Yi-Coder-9B-Chat": _llama(4096, 11008, 48, 32, 4, 64000),
    "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct": {
        "model_type": "deepseek_v2",
        "hidden_size": 2048,
        "intermediate_size": 10944,
        "moe_intermediate_size": 1408,
        "num_hidden_layers": 27,
        "first_k_dense_replace": 1,
        "n_routed_experts": 64,
        "n_shared_experts": 2,
        "num_experts_per_tok": 6,
        "num_attention_heads": 16,
        "num_key_value_heads": 16,
        "q_lora_rank": None,
        "kv_lora_rank": 512,
        "qk_nope_head_dim": 128,
        "qk_rope_head_dim": 64,
        "v_head_dim": 128,
        "vocab_size": 102400,
        "tie_word_embeddings": False,
    },
}
KNOWN_CONFIGS["deepseek-ai/DeepSeek-Coder-V2-Lite-Base"] = KNOWN_CONFIGS[
    "deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"
]


class PlanError(HarnessError):
    """The model config cannot be read or describes an architecture the planner does not model."""


@dataclass(frozen=True)
class Linear:
    """One kind of linear projection: `count` copies per model of an `inp` x `out` matrix."""

    name: str
    inp: int
    out: int
    count: int
    kind: Literal["attn", "mlp", "expert"]

    @property
    def params(self) -> int:
        return self.inp * self.out * self.count


@dataclass(frozen=True)
class Arch:
    """What the planner needs of a model: its linears, other params, and activation widths."""

    name: str
    hidden: int
    layers: int
    vocab: int
    linears: tuple[Linear, ...]
    other_params: int  # embeddings, lm_head, norms, routers, biases (kept bf16)
    attn_act: int  # per-token activation width of one attention block (see module docstring)
    mlp_act_dense: int  # per-token activation width of a dense MLP block
    mlp_act_moe: int = 0  # per-token activation width of an MoE block
    moe_layers: int = 0

    @property
    def params(self) -> int:
        return self.other_params + sum(lin.params for lin in self.linears)


def _get(config: Mapping[str, Any], key: str, default: Any = None) -> Any:
    value = config.get(key, default)
    if value is None and default is None:
        raise PlanError(f"model config lacks {key!r}")
    return value


def arch_from_config(config: Mapping[str, Any], name: str = "model") -> Arch:
    """Parse an HF config dict (llama/mistral/qwen2/qwen3-style GQA models, mixtral, deepseek_v2 MLA+MoE)."""
    h, layers, vocab = (
        _get(config, "hidden_size"),
        _get(config, "num_hidden_layers"),
        _get(config, "vocab_size"),
    )
    heads = _get(config, "num_attention_heads")
    kv = config.get("num_key_value_heads") or heads
    emb = vocab * h * (1 if config.get("tie_word_embeddings", False) else 2)
    norms = layers * 2 * h + h
    model_type = config.get("model_type", "llama")
    linears: list[Linear] = []
    if model_type.startswith("deepseek_v"):
        qk = _get(config, "qk_nope_head_dim") + _get(config, "qk_rope_head_dim")
        vd, kvr, rope = (
            _get(config, "v_head_dim"),
            _get(config, "kv_lora_rank"),
            _get(config, "qk_rope_head_dim"),
        )
        qr = config.get("q_lora_rank")
        if qr:
            linears += [
                Linear("q_a_proj", h, qr, layers, "attn"),
                Linear("q_b_proj", qr, heads * qk, layers, "attn"),
            ]
        else:
            linears.append(Linear("q_proj", h, heads * qk, layers, "attn"))
        linears += [
            Linear("kv_a_proj_with_mqa", h, kvr + rope, layers, "attn"),
            Linear("kv_b_proj", kvr, heads * (qk - rope + vd), layers, "attn"),
            Linear("o_proj", heads * vd, h, layers, "attn"),
        ]
        attn_act = 2 * h + heads * qk * 2 + heads * vd * 2 + kvr + rope
        norms += layers * (kvr + (qr or 0))
    else:
        hd = config.get("head_dim") or h // heads
        linears += [
            Linear("q_proj", h, heads * hd, layers, "attn"),
            Linear("k_proj", h, kv * hd, layers, "attn"),
            Linear("v_proj", h, kv * hd, layers, "attn"),
            Linear("o_proj", heads * hd, h, layers, "attn"),
        ]
        attn_act = 2 * h + heads * hd * 2 + 2 * kv * hd
        if config.get("attention_bias") or model_type == "qwen2":
            norms += layers * (heads + 2 * kv) * hd
    experts = config.get("n_routed_experts") or config.get("num_local_experts") or 0
    moe_layers = 0
    mlp_act_moe = 0
    if experts:
        f_e = config.get("moe_intermediate_size") or _get(config, "intermediate_size")
        dense = config.get("first_k_dense_replace", 0)
        moe_layers = layers - dense
        shared = config.get("n_shared_experts") or 0
        k = _get(config, "num_experts_per_tok")
        f = _get(config, "intermediate_size")
        if dense:
            linears += [Linear(n, h, f, dense, "mlp") for n in ("gate_proj", "up_proj")]
            linears.append(Linear("down_proj", f, h, dense, "mlp"))
        if shared:
            linears += [
                Linear(f"shared_{n}", h, f_e * shared, moe_layers, "mlp") for n in ("gate_proj", "up_proj")
            ]
            linears.append(Linear("shared_down_proj", f_e * shared, h, moe_layers, "mlp"))
        linears += [
            Linear(f"expert_{n}", h, f_e, moe_layers * experts, "expert") for n in ("gate_proj", "up_proj")
        ]
        linears.append(Linear("expert_down_proj", f_e, h, moe_layers * experts, "expert"))
        norms += moe_layers * experts * h  # router
        mlp_act_moe = 2 * h + (k + shared) * (4 * f_e + h) + 4 * experts
        mlp_act_dense = 2 * h + 4 * f
    else:
        f = _get(config, "intermediate_size")
        linears += [
            Linear("gate_proj", h, f, layers, "mlp"),
            Linear("up_proj", h, f, layers, "mlp"),
            Linear("down_proj", f, h, layers, "mlp"),
        ]
        mlp_act_dense = 2 * h + 4 * f
    return Arch(
        name, h, layers, vocab, tuple(linears), emb + norms, attn_act, mlp_act_dense, mlp_act_moe, moe_layers
    )


def load_arch(model: str) -> Arch:
    """A local config.json (file or directory) or a `KNOWN_CONFIGS` id (case-insensitive, org optional)."""
    path = Path(model)
    if path.is_dir():
        path = path / "config.json"
    if path.is_file():
        try:
            config = json.loads(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError as error:
            raise PlanError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from error
        except json.JSONDecodeError as error:
            raise PlanError(
                f"{path}: not valid JSON ({error.msg}; line {error.lineno} column {error.colno})"
            ) from error
        if not isinstance(config, dict):
            raise PlanError(f"{path}: a config.json is a JSON object, got {type(config).__name__}")
        return arch_from_config(config.get("text_config", config), str(model))
    lowered = {k.lower(): k for k in KNOWN_CONFIGS} | {k.split("/")[-1].lower(): k for k in KNOWN_CONFIGS}
    key = lowered.get(model.lower())
    if key is None:
        import difflib

        close = sorted(
            {lowered[c] for c in difflib.get_close_matches(model.lower(), list(lowered), n=3, cutoff=0.4)}
        )
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UnknownNameError(
            f"no config.json at {model!r} and not a known model id; {hint}Known: {', '.join(sorted(KNOWN_CONFIGS))} "
            "(or pass a local config.json)"
        )
    return arch_from_config(KNOWN_CONFIGS[key], key)


@dataclass(frozen=True)
class MemoryEstimate:
    model: str
    method: Method
    seq_len: int
    batch: int
    gradient_checkpointing: bool
    params: int
    trainable_params: int
    bytes: Mapping[str, float]  # component -> bytes
    fits: Mapping[str, bool] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.bytes.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "method": self.method,
            "seq_len": self.seq_len,
            "batch": self.batch,
            "gradient_checkpointing": self.gradient_checkpointing,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "gib": {k: round(v / GIB, 3) for k, v in self.bytes.items()}
            | {"total": round(self.total / GIB, 3)},
            "fits": dict(self.fits),
        }


def estimate(
    arch: Arch,
    *,
    method: Method = "qlora",
    seq_len: int = 2048,
    batch: int = 1,
    gradient_checkpointing: bool = True,
    lora_r: int = 16,
    lora_dropout: float = 0.05,
    optim: Optim | None = None,
    quantize_experts: bool = False,
) -> MemoryEstimate:
    """Apply the module docstring's formula. `optim` defaults to adamw_8bit for QLoRA, adamw otherwise."""
    if seq_len <= 0 or batch <= 0 or lora_r <= 0:
        raise PlanError(f"seq_len={seq_len}, batch={batch}, lora_r={lora_r}: all must be positive")
    optim = optim or ("adamw_8bit" if method == "qlora" else "adamw")
    opt_bytes = 2 if optim == "adamw_8bit" else 8
    bytes_: dict[str, float] = {}
    weights = 2.0 * arch.other_params
    for lin in arch.linears:
        nf4 = method == "qlora" and (lin.kind != "expert" or quantize_experts)
        weights += lin.params * (NF4_DQ_BYTES if nf4 else 2.0)
    bytes_["weights"] = weights
    targets = [lin for lin in arch.linears if lin.kind != "expert" or quantize_experts]
    if method == "full":
        trainable = arch.params
        bytes_["grads+optimizer"] = trainable * (2 + 4 + opt_bytes)
    else:
        trainable = sum(lora_r * (lin.inp + lin.out) * lin.count for lin in targets)
        bytes_["lora+grads+optimizer"] = trainable * (4 + 4 + opt_bytes)
    tokens = seq_len * batch
    dense_layers = arch.layers - arch.moe_layers
    dropout_width = 0
    if method != "full" and lora_dropout > 0:
        dropout_width = sum(lin.inp * lin.count for lin in targets) / arch.layers
    per_layer = [arch.attn_act + arch.mlp_act_dense] * dense_layers + [
        arch.attn_act + arch.mlp_act_moe
    ] * arch.moe_layers
    layer_bytes = [2 * w + 3 * dropout_width for w in per_layer]
    if gradient_checkpointing:
        bytes_["activations"] = tokens * (2 * arch.hidden * arch.layers + max(layer_bytes))
    else:
        bytes_["activations"] = tokens * sum(layer_bytes)
    bytes_["logits+loss"] = tokens * arch.vocab * 10.0
    bytes_["overhead"] = GIB + 0.10 * sum(bytes_.values())
    total = sum(bytes_.values())
    fits = {gpu: total <= usable * GIB for gpu, usable in GPUS.items()}
    return MemoryEstimate(
        arch.name, method, seq_len, batch, gradient_checkpointing, arch.params, trainable, bytes_, fits
    )


def format_count(count: float) -> str:
    """A parameter count at a readable scale: 1.44 M, 1.54 B, 236 B (never "0.00 B" for a small model)."""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(count) >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count:.0f}"


def format_estimate(est: MemoryEstimate) -> str:
    from tabulate import tabulate

    rows = [[name, value / GIB] for name, value in est.bytes.items()] + [["total", est.total / GIB]]
    head = (
        f"{est.model}: {format_count(est.params)} params, {est.method}, seq {est.seq_len} x batch {est.batch}, "
        f"gradient checkpointing {'on' if est.gradient_checkpointing else 'off'}, "
        f"trainable {format_count(est.trainable_params)}"
    )
    gpus = [[gpu, usable, "fits" if est.fits[gpu] else "does not fit"] for gpu, usable in GPUS.items()]
    return "\n".join(
        [
            head,
            tabulate(rows, headers=["component", "GiB"], floatfmt=".2f"),
            "",
            tabulate(gpus, headers=["GPU", "usable GiB", "verdict"], floatfmt=".1f"),
        ]
    )
