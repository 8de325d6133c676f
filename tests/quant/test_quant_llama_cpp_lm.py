"""The `llama-cpp` lm-eval model on the tiny F16 GGUF: generation limits, likelihoods vs HF, chat.

Likelihood tolerance: sums of log-probabilities over a few tokens agree with the float32 HF model
within 0.05 nats (per-logit error <= 0.03, see test_quant_export.py).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from gguf_helpers import hf_logits

from harness.errors import HarnessError, ToolMissingError

pytestmark = pytest.mark.gguf
llama_cpp = pytest.importorskip("llama_cpp")
pytest.importorskip("transformers")

from lm_eval.api.instance import Instance  # noqa: E402

from harness.lmeval.llama_cpp_model import LlamaCppLM  # noqa: E402

NATS_ATOL = 0.05


def _request(kind: str, args: tuple) -> Instance:
    return Instance(request_type=kind, doc={}, arguments=args, idx=0)


@pytest.fixture(scope="module")
def lm(qwen2_f16_gguf: Path) -> LlamaCppLM:
    model = LlamaCppLM(str(qwen2_f16_gguf), n_ctx=256, max_gen_toks=16)
    yield model
    model.close()


def _greedy_tokens(lm: LlamaCppLM, context: str, n: int) -> list[int]:
    """Exactly n greedy tokens, EOS ignored (the reference for max_gen_toks)."""
    produced: list[int] = []
    for token in lm.llm.generate(lm.tok_encode(context), temp=0.0):
        produced.append(token)
        if len(produced) == n:
            return produced
    raise AssertionError("generator ended early")


def test_registered_under_llama_cpp_name() -> None:
    from lm_eval.api.registry import get_model

    assert get_model("llama-cpp") is LlamaCppLM
    assert get_model("hf") is not None  # importing lm_eval.models first kept the built-ins


def test_generate_until_honours_max_gen_toks(lm: LlamaCppLM) -> None:
    context = "LDA $0E20,X\n"
    reference = _greedy_tokens(lm, context, 5)
    if lm.eot_token_id in reference:
        pytest.skip("tiny model emits EOS within 5 tokens for this prompt")
    (text,) = lm.generate_until([_request("generate_until", (context, {"until": [], "max_gen_toks": 5}))])
    assert text == lm.tok_decode(reference)


def test_generate_until_stops_at_until_string(lm: LlamaCppLM) -> None:
    context = "LDA $0E20,X\n"
    free = lm.tok_decode(_greedy_tokens(lm, context, 12))
    stop = free[len(free) // 2 : len(free) // 2 + 2]
    assert stop.strip(), "need a visible stop string"
    (text,) = lm.generate_until(
        [_request("generate_until", (context, {"until": [stop], "max_gen_toks": 12}))]
    )
    assert stop not in text
    assert text == free[: free.index(stop)]


def test_greedy_is_deterministic_and_sampling_differs(lm: LlamaCppLM) -> None:
    context = "The 65816"
    greedy = {"until": [], "max_gen_toks": 12, "do_sample": False, "temperature": 0.7}
    first, second = lm.generate_until([_request("generate_until", (context, greedy))] * 2)
    assert first == second == lm.tok_decode(_greedy_tokens(lm, context, 12))
    hot = {"until": [], "max_gen_toks": 12, "do_sample": True, "temperature": 5.0}
    runs = []
    for _ in range(2):
        fresh = LlamaCppLM(str(lm.path), n_ctx=256, seed=7)
        try:
            runs.append(fresh.generate_until([_request("generate_until", (context, hot))] * 2))
        finally:
            fresh.close()
    assert runs[0][0] != first  # temperature 5 on a random model: p(same 12 tokens) is negligible
    assert runs[0][0] != runs[0][1]  # repeated requests (pass@k) are separate draws
    assert runs[0] == runs[1]  # ... and a run is reproducible from its seed


def test_loglikelihood_matches_hf(lm: LlamaCppLM, tiny_qwen2: Path) -> None:
    context, continuation = "LDA $0E20,X", "\nCMP #$10"
    (logprob, greedy) = lm.loglikelihood([_request("loglikelihood", (context, continuation))])[0]
    whole = lm.tok_encode(context + continuation)
    n_ctx = len(lm.tok_encode(context))
    logits = hf_logits(tiny_qwen2, whole)
    logp = (
        logits
        - np.log(np.exp(logits - logits.max(1, keepdims=True)).sum(1, keepdims=True))
        - logits.max(1, keepdims=True)
    )
    expected = sum(logp[i - 1, whole[i]] for i in range(n_ctx, len(whole)))
    assert math.isclose(logprob, expected, abs_tol=NATS_ATOL)
    assert greedy == all(logits[i - 1].argmax() == whole[i] for i in range(n_ctx, len(whole)))


def test_loglikelihood_tokens_greedy_flag_and_prefix_cache(lm: LlamaCppLM) -> None:
    context = lm.tok_encode("PHB : PHK")
    greedy = _greedy_tokens(lm, "PHB : PHK", 3)
    other = [greedy[0], (greedy[1] + 1) % lm.llm.n_vocab(), greedy[2]]
    requests = [(("a", "b"), context, greedy), (("a", "c"), context, other), (("a", "b"), context, greedy)]
    (best, is_greedy), (worse, other_greedy), (again, _) = lm._loglikelihood_tokens(requests)
    assert is_greedy and not other_greedy
    assert worse < best < 0.0
    # KV prefix reuse changes only batch shapes (f16 rounding), not the score
    assert again == pytest.approx(best, abs=5e-3)
    fresh = LlamaCppLM(str(lm.path), n_ctx=256)
    try:
        assert fresh._loglikelihood_tokens(requests[1:2])[0][0] == pytest.approx(worse, abs=5e-3)
    finally:
        fresh.close()


def test_loglikelihood_rolling_matches_hf(lm: LlamaCppLM, tiny_qwen2: Path) -> None:
    text = "The 65816 has 8-bit and 16-bit accumulator modes."
    (total,) = lm.loglikelihood_rolling([_request("loglikelihood_rolling", (text,))])
    ids = lm.tok_encode(text, add_special_tokens=False)
    inputs = [lm.prefix_token_id, *ids]
    logits = hf_logits(tiny_qwen2, inputs)
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    assert math.isclose(total, sum(logp[i, inputs[i + 1]] for i in range(len(ids))), abs_tol=NATS_ATOL)


def test_rolling_windows_cover_texts_longer_than_the_context(qwen2_f16_gguf: Path) -> None:
    small = LlamaCppLM(str(qwen2_f16_gguf), n_ctx=32)
    big = LlamaCppLM(str(qwen2_f16_gguf), n_ctx=256)
    try:
        text = "LDA $0E20,X : CMP #$10 : BCC .skip : STA $7E0E50 : RTS ; " * 3
        assert len(small.tok_encode(text)) > 32
        (windowed,) = small.loglikelihood_rolling([_request("loglikelihood_rolling", (text,))])
        (whole,) = big.loglikelihood_rolling([_request("loglikelihood_rolling", (text,))])
        assert windowed < 0 and whole < 0
        assert windowed != pytest.approx(whole, abs=1e-6)  # less context per window: a different score
    finally:
        small.close()
        big.close()


def test_chat_template_renders_like_hf(lm: LlamaCppLM, tiny_qwen2: Path) -> None:
    from transformers import AutoTokenizer

    chat = [{"role": "system", "content": "You write 65816."}, {"role": "user", "content": "Clear A."}]
    expected = AutoTokenizer.from_pretrained(str(tiny_qwen2)).apply_chat_template(
        chat, tokenize=False, add_generation_prompt=True
    )
    assert lm.apply_chat_template(chat) == expected
    assert lm.chat_template(True) and lm.chat_template(False) is None
    assert lm.tok_encode(expected)[:1] == [lm.llm.tokenize(b"<|im_start|>", add_bos=False, special=True)[0]]


def test_bad_model_args_are_errors(qwen2_f16_gguf: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolMissingError, match="not found"):
        LlamaCppLM(str(tmp_path / "missing.gguf"))
    with pytest.raises(HarnessError, match="unknown model_args"):
        LlamaCppLM(str(qwen2_f16_gguf), n_ctxx=128)
    model = LlamaCppLM.create_from_arg_string(f"pretrained={qwen2_f16_gguf},n_ctx=64", {"batch_size": 1})
    try:
        assert model.max_length == 64
    finally:
        model.close()


TINY_TASKS = {
    "tinyq_gen.yaml": """task: tinyq_gen
dataset_path: json
dataset_kwargs:
  data_files: {data}
test_split: train
output_type: generate_until
doc_to_text: "{{{{prompt}}}}"
doc_to_target: "{{{{answer}}}}"
generation_kwargs:
  until: ["\\n\\n"]
  max_gen_toks: 8
  do_sample: false
metric_list:
  - metric: exact_match
metadata:
  version: 0
""",
    "tinyq_mc.yaml": """task: tinyq_mc
dataset_path: json
dataset_kwargs:
  data_files: {data}
test_split: train
output_type: multiple_choice
doc_to_text: "{{{{prompt}}}}"
doc_to_choice: "{{{{choices}}}}"
doc_to_target: gold
metric_list:
  - metric: acc
metadata:
  version: 0
""",
}


def test_lm_eval_simple_evaluate_runs_generation_and_multiple_choice(
    qwen2_f16_gguf: Path, tmp_path: Path
) -> None:
    import json

    import lm_eval
    from lm_eval.tasks import TaskManager

    data = tmp_path / "docs.jsonl"
    docs = [
        {
            "prompt": "Q: opcode to return from JSR?\nA:",
            "answer": " RTS",
            "choices": [" RTS", " RTL", " RTI"],
            "gold": 0,
        },
        {
            "prompt": "Q: opcode to return from JSL?\nA:",
            "answer": " RTL",
            "choices": [" RTS", " RTL", " RTI"],
            "gold": 1,
        },
    ]
    data.write_text("".join(json.dumps(doc) + "\n" for doc in docs))
    for name, text in TINY_TASKS.items():
        (tmp_path / name).write_text(text.format(data=data))
    results = lm_eval.simple_evaluate(
        model="llama-cpp",
        model_args=f"pretrained={qwen2_f16_gguf},n_ctx=256",
        tasks=["tinyq_gen", "tinyq_mc"],
        task_manager=TaskManager(include_path=str(tmp_path), include_defaults=False),
        log_samples=True,
    )
    assert results is not None
    assert 0.0 <= results["results"]["tinyq_mc"]["acc,none"] <= 1.0
    assert 0.0 <= results["results"]["tinyq_gen"]["exact_match,none"] <= 1.0
    mc_sample = results["samples"]["tinyq_mc"][0]
    assert len(mc_sample["resps"]) == 3 and all(math.isfinite(r[0][0]) for r in mc_sample["resps"])


@pytest.mark.slow
def test_asm65816_suite_runs_through_llama_cpp(qwen2_f16_gguf: Path) -> None:
    """The acceptance run: every family reports its metrics; mc scores choices by loglikelihood."""
    import lm_eval

    from harness.core import FAMILIES
    from harness.lmeval import task_dir, task_manager

    if not any((Path(task_dir()) / "data").glob("*.jsonl")):
        pytest.skip("asm65816 task data not present")
    results = lm_eval.simple_evaluate(
        model="llama-cpp",
        model_args=f"pretrained={qwen2_f16_gguf},n_ctx=2048,max_gen_toks=64",
        tasks=["asm65816"],
        limit=2,
        task_manager=task_manager(),
        log_samples=True,
    )
    assert results is not None
    for family in FAMILIES:
        values = results["results"][FAMILIES.get(family).task]
        assert values.get("score,verified") is not None, (family, values)
    mc = results["samples"]["asm65816_mc"]
    assert len(mc) == 2
    for sample in mc:
        logliks = [response[0][0] for response in sample["resps"]]
        assert len(logliks) >= 2 and all(math.isfinite(x) and x < 0 for x in logliks)
