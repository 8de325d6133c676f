"""HF -> F16 GGUF -> Q8_0 / K-quants on the fixture model and tiny Qwen2/Llama checkpoints (CPU).

The fixture model is fixtures/tiny_model (trainers' recipe: Qwen2, locally trained tokenizer, default
init); the random-init Qwen2 and Llama ones (tests/quant/gguf_helpers.py) cover the Llama q/k
permutation and larger weights.

Tolerance: F16 GGUF logits vs the float32 HF model, max |delta| <= 0.03 (logits span about +-6;
observed 0.007-0.010, the error of llama.cpp's f16 matmuls; Q8_0 is already about 0.2 off, so the
bound separates a faithful export from a merely similar one) and identical argmax at every position.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from gguf_helpers import hf_logits

from harness.errors import HarnessError, UnknownNameError

pytestmark = pytest.mark.gguf
llama_cpp = pytest.importorskip("llama_cpp")
gguf = pytest.importorskip("gguf")

from harness.trainers.quant.export import UnsupportedModelError, export_gguf  # noqa: E402
from harness.trainers.quant.inspect import read_gguf_summary  # noqa: E402
from harness.trainers.quant.quantize import quantize_gguf, resolve_quant_type  # noqa: E402

LOGIT_ATOL = 0.03
PROMPTS = (
    "LDA $0E20,X\nCMP #$10\nBCC .skip",
    "The 65816 has 8-bit and 16-bit accumulator modes.",
    "<|im_start|>user\nExplain: PHB : PHK : PLB<|im_end|>\n<|im_start|>assistant\n",
    "3 33 333 3333 digits, ünïcode and 🚀 emoji",
)


def _load(path: Path, **kwargs: object) -> llama_cpp.Llama:
    return llama_cpp.Llama(str(path), n_ctx=256, verbose=False, **kwargs)


@pytest.fixture(scope="module", params=["fixture", "qwen2", "llama"])
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    model_dir = request.getfixturevalue(f"tiny_{request.param}")
    out = tmp_path_factory.mktemp(f"export_{request.param}") / "model-f16.gguf"
    result = export_gguf(model_dir, out)
    assert result.path == out and out.stat().st_size == result.size_bytes
    return model_dir, out


def test_export_writes_tokenizer_and_chat_template_metadata(exported: tuple[Path, Path]) -> None:
    model_dir, gguf_path = exported
    config = json.loads((model_dir / "config.json").read_text())
    summary = read_gguf_summary(gguf_path)
    assert summary.architecture == config["model_type"]
    assert summary.file_type == 1  # MOSTLY_F16
    assert summary.tokenizer_model == "gpt2" and summary.tokenizer_pre == "qwen2"
    assert summary.chat_template is not None and "<|im_start|>" in summary.chat_template
    assert summary.eos_token == "<|im_end|>"
    assert summary.bos_token is None  # Qwen2-style vocab: no BOS, matching the HF tokenizer
    assert set(summary.tensor_types) == {"F16", "F32"}  # 2-D weights F16, norms and biases F32


def test_llama_cpp_tokenizes_like_hf(exported: tuple[Path, Path]) -> None:
    from transformers import AutoTokenizer

    model_dir, gguf_path = exported
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    llm = _load(gguf_path, vocab_only=True)
    try:
        for prompt in PROMPTS:
            assert llm.tokenize(prompt.encode(), add_bos=True, special=True) == tokenizer(prompt)["input_ids"]
    finally:
        llm.close()


def test_f16_logits_match_hf_within_tolerance(exported: tuple[Path, Path]) -> None:
    from transformers import AutoTokenizer

    model_dir, gguf_path = exported
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    llm = _load(gguf_path, logits_all=True)
    try:
        for prompt in PROMPTS:
            ids = tokenizer(prompt)["input_ids"]
            llm.reset()
            llm.eval(ids)
            ours = np.asarray(llm.scores[: len(ids)], dtype=np.float64)
            reference = hf_logits(model_dir, ids)
            assert np.abs(ours - reference).max() <= LOGIT_ATOL, prompt
            assert (ours.argmax(axis=1) == reference.argmax(axis=1)).all(), prompt
    finally:
        llm.close()


@pytest.mark.parametrize(("quant", "block_type"), [("Q8_0", "Q8_0"), ("Q4_K_M", "Q4_K"), ("Q5_K_M", "Q5_K")])
def test_quantized_variants_load_and_generate(
    exported: tuple[Path, Path], tmp_path: Path, quant: str, block_type: str
) -> None:
    _, f16 = exported
    result = quantize_gguf(f16, tmp_path / f"model-{quant.lower()}.gguf", quant)
    assert result.size_bytes < 0.6 * f16.stat().st_size
    # the K-quant really applied (256-wide rows), not llama.cpp's silent Q5_0/Q8_0 fallback
    assert result.tensor_types.get(block_type, 0) >= 10, result.tensor_types
    assert read_gguf_summary(result.path).chat_template is not None  # metadata survives quantization
    llm = _load(result.path)
    try:
        out = llm.create_completion("LDA $0E20,X\n", max_tokens=8, temperature=0.0)
        assert out["usage"]["completion_tokens"] >= 1
        assert isinstance(out["choices"][0]["text"], str)
    finally:
        llm.close()


def test_quant_type_names_resolve_case_insensitively_with_suggestions() -> None:
    assert resolve_quant_type("q4_k_m") == resolve_quant_type("Q4_K_M") == llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    assert resolve_quant_type("IQ4_NL") == llama_cpp.LLAMA_FTYPE_MOSTLY_IQ4_NL
    with pytest.raises(UnknownNameError, match="Q4_K_M"):
        resolve_quant_type("Q4_KM")


def test_unsupported_architecture_is_an_error_naming_the_converter(tiny_qwen2: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "moe"
    shutil.copytree(tiny_qwen2, model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    config["architectures"] = ["DeepseekV2ForCausalLM"]
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(UnsupportedModelError, match="--converter"):
        export_gguf(model_dir, tmp_path / "x.gguf")


def test_unknown_pre_tokenizer_asks_for_pre(tiny_qwen2: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "oddtok"
    shutil.copytree(tiny_qwen2, model_dir)
    tokenizer_json = json.loads((model_dir / "tokenizer.json").read_text())
    tokenizer_json["pre_tokenizer"] = {
        "type": "ByteLevel",
        "add_prefix_space": False,
        "trim_offsets": True,
        "use_regex": True,
    }
    (model_dir / "tokenizer.json").write_text(json.dumps(tokenizer_json))
    with pytest.raises(UnsupportedModelError, match="--pre"):
        export_gguf(model_dir, tmp_path / "x.gguf")
    assert export_gguf(model_dir, tmp_path / "y.gguf", pre="gpt-2").tokenizer_pre == "gpt-2"


def test_missing_checkpoint_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HarnessError, match="config.json"):
        export_gguf(tmp_path, tmp_path / "x.gguf")
    with pytest.raises(HarnessError, match="not found"):
        quantize_gguf(tmp_path / "missing.gguf", tmp_path / "out.gguf", "Q8_0")


LLAMA3_ROPE = {
    "rope_type": "llama3",
    "rope_theta": 500000.0,
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 64,
}
LINEAR_ROPE = {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}  # DeepSeek-Coder 1.x


@pytest.mark.parametrize("rope", [LLAMA3_ROPE, LINEAR_ROPE], ids=["llama3", "linear"])
def test_rope_scaling_is_exported(tiny_llama: Path, tmp_path: Path, rope: dict) -> None:
    """Llama 3.1 rope scaling becomes the rope_freqs tensor; linear scaling the rope.scaling keys.

    Control (measured): the same weights exported as plain rope are 4-6 logits off, so the
    tolerance below holds only when the scaling is carried over.
    """
    from transformers import AutoTokenizer

    model_dir = tmp_path / "llama3"
    shutil.copytree(tiny_llama, model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    config["rope_parameters"] = rope
    config.pop("rope_scaling", None)
    (model_dir / "config.json").write_text(json.dumps(config))
    gguf_path = export_gguf(model_dir, tmp_path / "llama3.gguf").path
    has_freqs = "rope_freqs.weight" in {t.name for t in gguf.GGUFReader(str(gguf_path)).tensors}
    assert has_freqs == (rope["rope_type"] == "llama3")
    ids = AutoTokenizer.from_pretrained(str(model_dir))(" ".join(PROMPTS))["input_ids"]
    llm = _load(gguf_path, logits_all=True)
    try:
        llm.eval(ids)
        ours = np.asarray(llm.scores[: len(ids)], dtype=np.float64)
    finally:
        llm.close()
    reference = hf_logits(model_dir, ids)
    assert np.abs(ours - reference).max() <= LOGIT_ATOL


def test_pytorch_bin_checkpoints_export_the_same_file(tiny_qwen2: Path, tmp_path: Path) -> None:
    """Older checkpoints ship pytorch_model.bin (tied lm_head included): same GGUF bytes as safetensors."""
    import torch
    from safetensors.torch import load_file

    model_dir = tmp_path / "bin"
    shutil.copytree(tiny_qwen2, model_dir)
    state = load_file(str(model_dir / "model.safetensors"))
    state["lm_head.weight"] = state["model.embed_tokens.weight"]  # what torch.save of a tied model holds
    (model_dir / "model.safetensors").unlink()
    torch.save(state, model_dir / "pytorch_model.bin")
    from_bin = export_gguf(model_dir, tmp_path / "bin.gguf", name="tiny").path
    from_safetensors = export_gguf(tiny_qwen2, tmp_path / "st.gguf", name="tiny").path
    assert from_bin.read_bytes() == from_safetensors.read_bytes()


def test_failed_export_leaves_no_file(tiny_qwen2: Path, tmp_path: Path) -> None:
    model_dir = tmp_path / "broken"
    shutil.copytree(tiny_qwen2, model_dir)
    (model_dir / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(HarnessError, match="cannot read weights"):
        export_gguf(model_dir, tmp_path / "out.gguf")
    assert list(tmp_path.glob("out.gguf*")) == []
