"""Helpers for the GGUF tests: tiny HF checkpoints (Qwen2 and Llama) built on the fly.

The models are random-init with every inner dimension a multiple of 256 (hidden 256, FFN 512) so
K-quants apply; the tokenizer is a byte-level BPE trained here with Qwen2's split regex, the layout
llama.cpp's `qwen2` pre-tokenizer reproduces. The trainers' fixture model (fixtures/tiny_model) is
used by `test_quant_fixture_model.py` when it has been built; these fixtures keep the GGUF suite
self-contained.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
QWEN2_SPLIT = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
CORPUS = [
    "LDA $0E20,X\nCMP #$10\nBCC .skip\nSTA $7E0E50\n.skip: RTS",
    "REP #$20 : LDA $00 : CLC : ADC #$0010 : STA $02 : SEP #$20 : RTL",
    "Explain: the routine loads the sprite type and compares it with sixteen.",
    "The 65816 has 8-bit and 16-bit accumulator modes selected by the m flag.",
    "PHB : PHK : PLB : JSR Main : PLB : RTL ; bank wrapper",
] * 20


def _train_tokenizer(out: Path) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token=None
    )
    fast.chat_template = CHATML
    fast.save_pretrained(str(out))


def build_tiny_model(out: Path, arch: str = "qwen2", seed: int = 0) -> Path:
    """Write a random-init tiny checkpoint + tokenizer to `out` and return it."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    _train_tokenizer(out)
    tokenizer = AutoTokenizer.from_pretrained(str(out))
    vocab = len(tokenizer)
    common = {
        "vocab_size": vocab,
        "hidden_size": 256,
        "intermediate_size": 512,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "rms_norm_eps": 1e-6,
        "eos_token_id": tokenizer.convert_tokens_to_ids("<|im_end|>"),
        "pad_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"),
    }
    torch.manual_seed(seed)
    if arch == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(tie_word_embeddings=True, **common))
    elif arch == "llama":
        model = LlamaForCausalLM(LlamaConfig(tie_word_embeddings=False, bos_token_id=None, **common))
    else:
        raise ValueError(arch)
    with torch.no_grad():  # larger-than-default weights so logits differ clearly between tokens
        for param in model.parameters():
            if param.ndim == 2:
                param.normal_(0.0, 0.08)
    model.save_pretrained(str(out))
    return out


def hf_logits(model_dir: Path, ids: list[int]) -> Any:
    """float32 logits of the HF checkpoint for one sequence, shape (len(ids), vocab)."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32).eval()
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].double().numpy()
