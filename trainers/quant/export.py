"""HF checkpoint -> GGUF (F16 or F32), offline, with tokenizer and chat-template metadata.

Why our own writer: the user's old pipeline called `python -m llama_cpp.convert`, which does not
exist. llama.cpp's real converter (`convert_hf_to_gguf.py`) ships only in llama-cpp-python's sdist,
needs a matching `gguf-py` checkout, and rejects any tokenizer whose pre-tokenizer hash it does not
know, which includes every locally trained tokenizer (our tiny fixture). For the dense decoder
families the harness trains (Qwen2, Llama incl. Llama 3 and DeepSeek-Coder 1.x, Mistral) the file
is small to write with `gguf.GGUFWriter`: the same keys, tensor names (`gguf.TensorNameMap`) and
tensor types as the converter (1-D tensors and norms stay F32, Llama q/k rows are permuted to
llama.cpp's rotary layout). Other architectures (e.g. DeepSeek-V2 MoE/MLA) go through llama.cpp's
own script with `converter=PATH`, never through a guess.

Shapes: HF stores a Linear weight as (out, in); GGUF records dims reversed, so a numpy array of shape
(out, in) is written as is. Tensors are streamed (shapes from the safetensors headers first, then one
tensor converted and written at a time), so exporting a 7B model needs about one tensor of RAM, not
the whole model.
"""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from harness.errors import HarnessError, ToolMissingError

__all__ = [
    "SUPPORTED_ARCHITECTURES",
    "ExportResult",
    "UnsupportedModelError",
    "detect_tokenizer_pre",
    "export_gguf",
]

OutType = Literal["f16", "f32"]

# HF `architectures[0]` -> gguf.MODEL_ARCH member name. DeepSeek-Coder 1.x is a LlamaForCausalLM.
SUPPORTED_ARCHITECTURES: Mapping[str, str] = {
    "Qwen2ForCausalLM": "QWEN2",
    "LlamaForCausalLM": "LLAMA",
    "MistralForCausalLM": "LLAMA",
}
# Architectures whose HF q/k projections use the "rotate half" layout that llama.cpp's LLAMA graph
# expects interleaved (the converter's `undo_permute`); Qwen2 runs NEOX rope and needs no permute.
_PERMUTE_QK = frozenset({"LLAMA"})

# llama.cpp identifies a BPE pre-tokenizer by hashing the ids of this text (convert_hf_to_gguf.py,
# `get_vocab_base_pre`). Hashes below are facts about public tokenizers, used to name the pre type.
_CHECK_TEXT = (
    "\n \n\n \n\n\n \t \t\t \t\n  \n   \n    \n     \n🚀 (normal) 😶\u200d🌫️ (multiple emojis concatenated) "
    "✅ 🦙🦙 3 33 333 3333 33333 333333 3333333 33333333 3.3 3..3 3...3 កាន់តែពិសេសអាច😁 "
    "?我想在apple工作1314151天～ ------======= нещо на Български ''''''```````\"\"\"\"......!!!!!!?????? "
    "I've been 'told he's there, 'RE you sure? 'M not sure I'll make it, 'D you like some tea? We'Ve a'lL"
)
_KNOWN_PRE_HASHES: Mapping[str, str] = {
    "e636dc30a262dcc0d8c323492e32ae2b70728f4df7dfe9737d9f920a282b8aea": "qwen2",  # Qwen1.5 / Qwen2
    "d4540891389ea895b53b399da6ac824becc30f2fba0e9ddbb98f92e55ca0e97c": "qwen2",  # Qwen3
    "0ef9807a4087ebef797fc749390439009c3b9eda9ad1a097abbe738f486c01e5": "llama-bpe",  # Llama 3
    "347715f544604f9118bb75ed199f68779f423cabb20db6de6f31b908d04d7821": "deepseek-coder",
    "049ecf7629871e3041641907f3de7c733e4dbfdc736f57d882ba0b0845599754": "deepseek-llm",
    "855059429035d75a914d1eda9f10a876752e281a054a7a3d421ef0533e5b6249": "smollm",
    "3ce83efda5659b07b1ad37ca97ca5797ea4285d9b9ab0dc679e4a720c9da7454": "gpt-2",
}
# A locally trained tokenizer has its own ids, so no hash matches; its split regex still says which
# llama.cpp pre-tokenizer reproduces it. Qwen2 splits digits one by one, Llama 3 in groups of 1-3.
_QWEN2_SPLIT = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
_LLAMA3_SPLIT = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
_KNOWN_SPLITS: Mapping[str, str] = {_QWEN2_SPLIT: "qwen2", _LLAMA3_SPLIT: "llama-bpe"}


class UnsupportedModelError(HarnessError):
    """The checkpoint's architecture or tokenizer is outside what the built-in writer handles."""


@dataclass(frozen=True)
class ExportResult:
    """One written GGUF file and what went into it."""

    path: Path
    architecture: str  # gguf arch name, e.g. "qwen2"
    outtype: str
    n_tensors: int
    size_bytes: int
    tokenizer_pre: str | None  # None when llama.cpp's converter chose it
    has_chat_template: bool
    converter: str  # "gguf.GGUFWriter" or the path of llama.cpp's script


def export_gguf(
    model_dir: str | Path,
    out_path: str | Path,
    *,
    outtype: OutType = "f16",
    pre: str | None = None,
    name: str | None = None,
    converter: str | Path | None = None,
) -> ExportResult:
    """Write `model_dir` (an HF checkpoint: config.json, safetensors, tokenizer) as one GGUF file.

    `pre` overrides the detected llama.cpp pre-tokenizer name; `converter` runs llama.cpp's
    `convert_hf_to_gguf.py` at that path instead of the built-in writer (any architecture it knows).
    """
    model_dir = Path(model_dir)
    out_path = Path(out_path)
    if outtype not in ("f16", "f32"):
        raise HarnessError(f"outtype {outtype!r} is not supported: use 'f16' or 'f32' (quantize afterwards)")
    config = _read_config(model_dir)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if converter is not None:
        return _run_llama_cpp_converter(Path(converter), model_dir, out_path, outtype)
    hf_arch = (config.get("architectures") or ["?"])[0]
    if hf_arch not in SUPPORTED_ARCHITECTURES:
        raise UnsupportedModelError(
            f"architecture {hf_arch!r} is not handled by the built-in GGUF writer "
            f"(supported: {', '.join(sorted(SUPPORTED_ARCHITECTURES))}); pass --converter PATH to "
            "llama.cpp's convert_hf_to_gguf.py (vendored in the llama-cpp-python sdist) for other families"
        )
    gguf = _import_gguf()
    arch = getattr(gguf.MODEL_ARCH, SUPPORTED_ARCHITECTURES[hf_arch])
    partial = out_path.with_name(out_path.name + ".partial")  # never leave a truncated .gguf behind
    writer = gguf.GGUFWriter(str(partial), gguf.MODEL_ARCH_NAMES[arch])
    try:
        writer.add_name(name or model_dir.resolve().name)
        _add_hparams(writer, gguf, arch, config, outtype)
        tokenizer_pre = _add_vocab(writer, gguf, model_dir, config, pre)
        plan = _plan_tensors(gguf, arch, model_dir, config, outtype)
        _declare_tensors(writer, plan)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        _write_tensors(writer, plan, model_dir, config)
        writer.close()
        partial.replace(out_path)
    finally:
        writer.close()
        partial.unlink(missing_ok=True)
    return ExportResult(
        path=out_path,
        architecture=gguf.MODEL_ARCH_NAMES[arch],
        outtype=outtype,
        n_tensors=len(plan),
        size_bytes=out_path.stat().st_size,
        tokenizer_pre=tokenizer_pre,
        has_chat_template=_has_chat_template(model_dir),
        converter="gguf.GGUFWriter",
    )


def detect_tokenizer_pre(tokenizer: Any, tokenizer_json: Mapping[str, Any]) -> str | None:
    """Name llama.cpp's pre-tokenizer for a BPE tokenizer, or None when it cannot tell.

    First the converter's own fingerprint (hash of the ids of a check text), then the split regex
    of a locally trained tokenizer (ids differ, splitting is what matters).
    """
    ids = tokenizer.encode(_CHECK_TEXT)
    digest = hashlib.sha256(str(ids).encode()).hexdigest()
    if digest in _KNOWN_PRE_HASHES:
        return _KNOWN_PRE_HASHES[digest]
    for pattern in _split_patterns(tokenizer_json.get("pre_tokenizer")):
        if pattern in _KNOWN_SPLITS:
            return _KNOWN_SPLITS[pattern]
    return None


def _split_patterns(node: Any) -> Iterator[str]:
    """Yield the regex of every `Split` pre-tokenizer in a tokenizer.json pre_tokenizer tree."""
    if isinstance(node, Mapping):
        if node.get("type") == "Split":
            pattern = node.get("pattern") or {}
            if isinstance(pattern, Mapping) and "Regex" in pattern:
                yield pattern["Regex"]
        for child in node.get("pretokenizers") or ():
            yield from _split_patterns(child)


def _import_gguf() -> Any:
    try:
        import gguf
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ToolMissingError(
            "the `gguf` package is missing: pip install 'asm65816-harness[gguf]'"
        ) from error
    return gguf


def _read_config(model_dir: Path) -> dict[str, Any]:
    config_path = model_dir / "config.json"
    if not config_path.is_file():
        raise HarnessError(f"{model_dir} is not an HF checkpoint: no config.json (merge adapters first)")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if "text_config" in config:  # multimodal wrappers keep the LM's hparams here
        config = {**config, **config["text_config"]}
    return config


def _rope_params(config: Mapping[str, Any]) -> dict[str, Any]:
    """transformers 5 keeps rope settings in `rope_parameters`; 4.x in rope_theta + rope_scaling."""
    params = dict(config.get("rope_scaling") or {})
    params.update(config.get("rope_parameters") or {})
    if "rope_theta" not in params and "rope_theta" in config:
        params["rope_theta"] = config["rope_theta"]
    if "type" in params and "rope_type" not in params:
        params["rope_type"] = params["type"]
    return params


def _head_dim(config: Mapping[str, Any]) -> int:
    return int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])


def _add_hparams(writer: Any, gguf: Any, arch: Any, config: Mapping[str, Any], outtype: OutType) -> None:
    """The same hyperparameter keys llama.cpp's converter writes for a dense decoder."""
    writer.add_block_count(int(config["num_hidden_layers"]))
    writer.add_context_length(int(config.get("max_position_embeddings", 2048)))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_head_count_kv(int(config.get("num_key_value_heads") or config["num_attention_heads"]))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
    rope = _rope_params(config)
    writer.add_rope_freq_base(float(rope.get("rope_theta", 10000.0)))
    rope_type = rope.get("rope_type") or "default"
    if rope_type == "linear":
        writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        writer.add_rope_scaling_factor(float(rope["factor"]))
    elif rope_type not in ("default", "llama3"):
        raise UnsupportedModelError(f"rope_type {rope_type!r} is not handled; use --converter")
    if config.get("head_dim") is not None:
        writer.add_key_length(int(config["head_dim"]))
        writer.add_value_length(int(config["head_dim"]))
    if arch == gguf.MODEL_ARCH.LLAMA:
        writer.add_vocab_size(int(config["vocab_size"]))
        writer.add_rope_dimension_count(_head_dim(config))
    file_type = gguf.LlamaFileType.MOSTLY_F16 if outtype == "f16" else gguf.LlamaFileType.ALL_F32
    writer.add_file_type(file_type)


def _add_vocab(writer: Any, gguf: Any, model_dir: Path, config: Mapping[str, Any], pre: str | None) -> str:
    """Byte-level BPE vocab (GPT-2 style) with token types, merges, special ids and chat template."""
    tokenizer_json_path = model_dir / "tokenizer.json"
    if not tokenizer_json_path.is_file():
        raise UnsupportedModelError(
            f"{model_dir} has no tokenizer.json; SentencePiece-only tokenizers need --converter"
        )
    tokenizer_json = json.loads(tokenizer_json_path.read_text(encoding="utf-8"))
    model = tokenizer_json.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback"):
        raise UnsupportedModelError(
            "only byte-level BPE tokenizers are handled by the built-in writer "
            f"(got model.type={model.get('type')!r}, byte_fallback={model.get('byte_fallback')}); use --converter"
        )
    try:
        from transformers import AutoTokenizer
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ToolMissingError(
            "export needs transformers and torch: pip install 'asm65816-harness[hf]'"
        ) from error

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    tokpre = pre or detect_tokenizer_pre(tokenizer, tokenizer_json)
    if tokpre is None:
        raise UnsupportedModelError(
            "cannot tell which llama.cpp pre-tokenizer matches this tokenizer; pass --pre NAME "
            "(e.g. qwen2, llama-bpe, deepseek-coder, smollm, gpt-2)"
        )
    tokens, toktypes = _vocab_tokens(gguf, tokenizer, int(config.get("vocab_size") or len(tokenizer)))
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(tokpre)
    writer.add_token_list(tokens)
    writer.add_token_types(toktypes)
    special = gguf.SpecialVocab(model_dir, load_merges=True, n_vocab=len(tokens))
    if not special.merges:
        raise UnsupportedModelError(f"no BPE merges found in {tokenizer_json_path}")
    special.add_to_gguf(writer, quiet=True)
    return tokpre


def _vocab_tokens(gguf: Any, tokenizer: Any, vocab_size: int) -> tuple[list[str], list[int]]:
    """Token strings and types for ids 0..vocab_size-1, as llama.cpp's converter classifies them.

    Ids the tokenizer does not use (padding rows of the embedding) become `[PADn]` UNUSED; added
    special tokens are CONTROL, other added tokens USER_DEFINED, the rest NORMAL.
    """
    vocab = tokenizer.get_vocab()
    if vocab and max(vocab.values()) >= vocab_size:
        raise UnsupportedModelError(f"tokenizer has ids beyond the model's vocab_size {vocab_size}")
    reverse = {token_id: token for token, token_id in vocab.items()}
    added = tokenizer.get_added_vocab()
    decoder = tokenizer.added_tokens_decoder
    tokens: list[str] = []
    toktypes: list[int] = []
    for token_id in range(vocab_size):
        token = reverse.get(token_id)
        if token is None:
            tokens.append(f"[PAD{token_id}]")
            toktypes.append(gguf.TokenType.UNUSED)
            continue
        if token in added:
            looks_special = token.startswith("<|") and token.endswith("|>")
            if decoder[token_id].special or looks_special:
                toktypes.append(gguf.TokenType.CONTROL)
            else:
                toktypes.append(gguf.TokenType.USER_DEFINED)
        else:
            toktypes.append(gguf.TokenType.NORMAL)
        tokens.append(token)
    return tokens, toktypes


def _has_chat_template(model_dir: Path) -> bool:
    if (model_dir / "chat_template.jinja").is_file() or (model_dir / "chat_template.json").is_file():
        return True
    config_path = model_dir / "tokenizer_config.json"
    if not config_path.is_file():
        return False
    return bool(json.loads(config_path.read_text(encoding="utf-8")).get("chat_template"))


def _checkpoint_files(model_dir: Path) -> tuple[str, list[Path]]:
    """("safetensors", shards) or ("bin", files) in a stable order."""
    shards = sorted(model_dir.glob("*.safetensors"))
    if shards:
        return "safetensors", shards
    bins = sorted(model_dir.glob("pytorch_model*.bin"))
    if not bins:
        raise HarnessError(f"no *.safetensors or pytorch_model*.bin weights in {model_dir}")
    return "bin", bins


def _iter_shapes(model_dir: Path) -> Iterator[tuple[str, tuple[int, ...]]]:
    """(name, shape) of every checkpoint tensor, reading headers only where the format allows."""
    kind, files = _checkpoint_files(model_dir)
    if kind == "safetensors":
        from safetensors import SafetensorError, safe_open

        for shard in files:
            try:
                with safe_open(str(shard), framework="pt") as handle:
                    shapes = [(key, tuple(handle.get_slice(key).get_shape())) for key in handle.keys()]
            except (SafetensorError, OSError) as error:
                raise HarnessError(f"cannot read weights {shard}: {error}") from error
            yield from shapes
        return
    for name, tensor in _iter_checkpoint(model_dir):
        yield name, tuple(tensor.shape)


def _iter_checkpoint(model_dir: Path) -> Iterator[tuple[str, Any]]:
    """Yield (name, torch tensor) in the same order as `_iter_shapes`, one tensor in memory at a time
    for safetensors (a pytorch_model.bin is loaded whole by torch)."""
    import torch

    kind, files = _checkpoint_files(model_dir)
    if kind == "safetensors":
        from safetensors import safe_open

        for shard in files:
            with safe_open(str(shard), framework="pt") as handle:
                for key in handle.keys():
                    yield key, handle.get_tensor(key)
        return
    for path in files:
        yield from torch.load(str(path), map_location="cpu", weights_only=True).items()


def _permute_rotary(weights: Any, n_head: int) -> Any:
    """HF "rotate half" rows -> llama.cpp interleaved pairs (the converter's LlamaModel.permute)."""
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _llama3_rope_factors(config: Mapping[str, Any]) -> Any:
    """Llama 3.1+ frequency factors, written as the `rope_freqs` tensor as llama.cpp expects."""
    import numpy as np

    rope = _rope_params(config)
    dim = _head_dim(config)
    base = float(rope.get("rope_theta", 10000.0))
    factor = float(rope.get("factor", 8.0))
    low = float(rope.get("low_freq_factor", 1.0))
    high = float(rope.get("high_freq_factor", 4.0))
    old_ctx = float(rope.get("original_max_position_embeddings", 8192))
    factors = []
    for i in range(0, dim, 2):
        wavelen = 2 * math.pi * base ** (i / dim)
        if wavelen < old_ctx / high:
            factors.append(1.0)
        elif wavelen > old_ctx / low:
            factors.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.asarray(factors, dtype=np.float32)


@dataclass(frozen=True)
class _TensorPlan:
    """One GGUF tensor: where it comes from, its GGUF name, shape, stored dtype and rotary permute."""

    source: str  # HF tensor name; "" for tensors the writer generates (rope_freqs)
    name: str
    shape: tuple[int, ...]
    f32: bool
    permute_heads: int | None = None


def _plan_tensors(
    gguf: Any, arch: Any, model_dir: Path, config: Mapping[str, Any], outtype: OutType
) -> list[_TensorPlan]:
    """Map every checkpoint tensor to its GGUF name and type without loading any data."""
    name_map = gguf.get_tensor_name_map(arch, int(config["num_hidden_layers"]))
    n_head = int(config["num_attention_heads"])
    n_head_kv = int(config.get("num_key_value_heads") or n_head)
    tied = bool(config.get("tie_word_embeddings", False))
    permute = gguf.MODEL_ARCH_NAMES[arch].upper() in _PERMUTE_QK
    plan: list[_TensorPlan] = []
    if _rope_params(config).get("rope_type") == "llama3":
        rope_name = gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight"
        plan.append(_TensorPlan("", rope_name, (_head_dim(config) // 2,), True))
    for name, shape in _iter_shapes(model_dir):
        if _skipped(name, tied):
            continue
        new_name = name_map.get_name(name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            raise UnsupportedModelError(f"tensor {name!r} has no GGUF name for {gguf.MODEL_ARCH_NAMES[arch]}")
        heads = None
        if permute and name.endswith(("q_proj.weight", "q_proj.bias")):
            heads = n_head
        elif permute and name.endswith(("k_proj.weight", "k_proj.bias")):
            heads = n_head_kv
        f32 = len(shape) <= 1 or new_name.endswith("_norm.weight") or outtype == "f32"
        plan.append(_TensorPlan(name, new_name, shape, f32, heads))
    if not plan:
        raise HarnessError(f"no tensors found in {model_dir}")
    return plan


def _skipped(name: str, tied: bool) -> bool:
    """Tensors llama.cpp does not store: rotary caches, and lm_head when it is the embedding."""
    return name.endswith(".rotary_emb.inv_freq") or (tied and name == "lm_head.weight")


def _declare_tensors(writer: Any, plan: list[_TensorPlan]) -> None:
    import numpy as np

    for item in plan:
        dtype = np.dtype(np.float32 if item.f32 else np.float16)
        nbytes = int(np.prod(item.shape, dtype=np.int64)) * dtype.itemsize
        writer.add_tensor_info(item.name, item.shape, dtype, nbytes)


def _write_tensors(writer: Any, plan: list[_TensorPlan], model_dir: Path, config: Mapping[str, Any]) -> None:
    """Stream tensor data in plan order: one checkpoint tensor converted and written at a time."""
    import numpy as np
    import torch

    pending = iter(plan)
    item = next(pending)
    if item.source == "":
        writer.write_tensor_data(_llama3_rope_factors(config))
        item = next(pending, None)
    for name, tensor in _iter_checkpoint(model_dir):
        if item is None or name != item.source:
            if _skipped(name, bool(config.get("tie_word_embeddings", False))):
                continue
            raise HarnessError(f"checkpoint changed while exporting: expected {item}, read {name!r}")
        data = tensor.to(torch.float32)
        if item.permute_heads is not None:
            data = _permute_rotary(data, item.permute_heads)
        writer.write_tensor_data(
            np.ascontiguousarray(data.numpy().astype(np.float32 if item.f32 else np.float16))
        )
        item = next(pending, None)
    if item is not None:
        raise HarnessError(f"checkpoint ended before tensor {item.source!r} was written")


def _run_llama_cpp_converter(script: Path, model_dir: Path, out_path: Path, outtype: OutType) -> ExportResult:
    """Run llama.cpp's own converter; its errors are reported verbatim."""
    if not script.is_file():
        raise ToolMissingError(f"llama.cpp converter not found at {script}")
    command = [sys.executable, str(script), str(model_dir), "--outtype", outtype, "--outfile", str(out_path)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0 or not out_path.is_file():
        tail = (completed.stderr or completed.stdout)[-2000:]
        raise HarnessError(f"{script.name} failed (exit {completed.returncode}):\n{tail}")
    from harness.trainers.quant.inspect import read_gguf_summary

    summary = read_gguf_summary(out_path)
    return ExportResult(
        path=out_path,
        architecture=summary.architecture,
        outtype=outtype,
        n_tensors=summary.n_tensors,
        size_bytes=out_path.stat().st_size,
        tokenizer_pre=summary.tokenizer_pre,
        has_chat_template=summary.chat_template is not None,
        converter=str(script),
    )
